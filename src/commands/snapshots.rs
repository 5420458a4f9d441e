//! `floe snapshots`: the table's snapshots, oldest first.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::ops::snapshots::{list, SnapshotsReport};
use crate::output::{Block, Report, Tabular};

/// List snapshots with their operation and summary.
#[derive(Debug, clap::Args)]
pub struct SnapshotsArgs {
    /// Table location or identifier.
    pub table: String,
}

impl Report for SnapshotsReport {
    fn blocks(&self) -> Vec<Block> {
        let mut t = Tabular::new(&[
            "",
            "snapshot id",
            "time",
            "operation",
            "parent",
            "+records",
            "+files",
            "total records",
        ]);
        for s in &self.snapshots {
            let get = |k: &str| s.snapshot.summary.get(k).cloned().unwrap_or_default();
            t.row(vec![
                if s.is_current {
                    "*".into()
                } else {
                    String::new()
                },
                s.snapshot.snapshot_id.to_string(),
                s.snapshot.timestamp.clone(),
                s.snapshot.operation.clone(),
                s.snapshot
                    .parent_snapshot_id
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                get("added-records"),
                get("added-data-files"),
                get("total-records"),
            ]);
        }
        vec![
            Block::Title(format!(
                "Snapshots of {} ({})",
                self.table,
                self.snapshots.len()
            )),
            Block::Table(t),
        ]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&[
            "snapshot_id",
            "parent_snapshot_id",
            "sequence_number",
            "timestamp_ms",
            "operation",
            "is_current",
            "added_records",
            "total_records",
        ]);
        for s in &self.snapshots {
            let get = |k: &str| s.snapshot.summary.get(k).cloned().unwrap_or_default();
            t.row(vec![
                s.snapshot.snapshot_id.to_string(),
                s.snapshot
                    .parent_snapshot_id
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                s.snapshot.sequence_number.to_string(),
                s.snapshot.timestamp_ms.to_string(),
                s.snapshot.operation.clone(),
                s.is_current.to_string(),
                get("added-records"),
                get("total-records"),
            ]);
        }
        t
    }
}

pub async fn run(args: SnapshotsArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = list(&session, &table_ref(&args.table)?).await?;
    ctx.printer.print(&report)
}
