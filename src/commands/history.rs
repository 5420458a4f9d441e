//! `floe history`: when each snapshot became current on `main`.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::ops::history::{history, HistoryReport};
use crate::output::{Block, Report, Tabular};

/// Show the snapshot log: when each snapshot became current.
///
/// Also whether each is still an ancestor of the current snapshot (not after a rollback).
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Table location or identifier.
    pub table: String,
}

impl Report for HistoryReport {
    fn blocks(&self) -> Vec<Block> {
        let mut t = Tabular::new(&[
            "made current at",
            "snapshot id",
            "parent",
            "current ancestor",
        ]);
        for h in &self.history {
            t.row(vec![
                h.made_current_at.clone(),
                h.snapshot_id.to_string(),
                h.parent_snapshot_id
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                h.is_current_ancestor.to_string(),
            ]);
        }
        vec![
            Block::Title(format!("History of {}", self.table)),
            Block::Table(t),
        ]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&[
            "made_current_at_ms",
            "snapshot_id",
            "parent_snapshot_id",
            "is_current_ancestor",
        ]);
        for h in &self.history {
            t.row(vec![
                h.made_current_at_ms.to_string(),
                h.snapshot_id.to_string(),
                h.parent_snapshot_id
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                h.is_current_ancestor.to_string(),
            ]);
        }
        t
    }
}

pub async fn run(args: HistoryArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = history(&session, &table_ref(&args.table)?).await?;
    ctx.printer.print(&report)
}
