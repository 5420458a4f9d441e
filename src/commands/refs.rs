//! `floe refs`: branches and tags.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::ops::history::{refs, RefsReport};
use crate::output::{Block, Report, Tabular};

/// List the table's branches and tags with their retention settings.
#[derive(Debug, clap::Args)]
pub struct RefsArgs {
    /// Table location or identifier.
    pub table: String,
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

impl Report for RefsReport {
    fn blocks(&self) -> Vec<Block> {
        let t = self.csv().titled(&[
            "name",
            "type",
            "snapshot id",
            "max ref age ms",
            "max snapshot age ms",
            "min snapshots",
        ]);
        vec![
            Block::Title(format!("Refs of {}", self.table)),
            Block::Table(t),
        ]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&[
            "name",
            "type",
            "snapshot_id",
            "max_ref_age_ms",
            "max_snapshot_age_ms",
            "min_snapshots_to_keep",
        ]);
        for r in &self.refs {
            t.row(vec![
                r.name.clone(),
                r.ref_type.clone(),
                r.snapshot_id.to_string(),
                opt(&r.max_ref_age_ms),
                opt(&r.max_snapshot_age_ms),
                opt(&r.min_snapshots_to_keep),
            ]);
        }
        t
    }
}

pub async fn run(args: RefsArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = refs(&session, &table_ref(&args.table)?).await?;
    ctx.printer.print(&report)
}
