//! `floe partitions`: per-partition totals of a snapshot.

use anyhow::Result;

use super::{table_ref, Context};
use crate::ops::partitions::{partitions, PartitionsReport};
use crate::output::{Block, Report, Tabular};
use crate::units::format_size;

/// Show record count, file count and size of each partition of a snapshot.
#[derive(Debug, clap::Args)]
pub struct PartitionsArgs {
    /// Table location or identifier.
    pub table: String,
    /// Snapshot to summarise instead of the current one.
    #[arg(long, value_name = "ID")]
    pub snapshot: Option<i64>,
}

impl Report for PartitionsReport {
    fn blocks(&self) -> Vec<Block> {
        let mut t = Tabular::new(&[
            "partition",
            "spec",
            "records",
            "files",
            "size",
            "delete files",
        ]);
        for p in &self.partitions {
            t.row(vec![
                if p.partition_display.is_empty() {
                    "(unpartitioned)".into()
                } else {
                    p.partition_display.clone()
                },
                p.spec_id.to_string(),
                p.record_count.to_string(),
                p.file_count.to_string(),
                format_size(p.total_size_bytes),
                p.delete_file_count.to_string(),
            ]);
        }
        vec![
            Block::Title(format!(
                "Partitions of {} ({})",
                self.table,
                self.partitions.len()
            )),
            Block::Table(t),
        ]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&[
            "partition",
            "spec_id",
            "record_count",
            "file_count",
            "total_size_bytes",
            "delete_file_count",
        ]);
        for p in &self.partitions {
            t.row(vec![
                p.partition_display.clone(),
                p.spec_id.to_string(),
                p.record_count.to_string(),
                p.file_count.to_string(),
                p.total_size_bytes.to_string(),
                p.delete_file_count.to_string(),
            ]);
        }
        t
    }
}

pub async fn run(args: PartitionsArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = partitions(&session, &table_ref(&args.table)?, args.snapshot).await?;
    ctx.printer.print(&report)
}
