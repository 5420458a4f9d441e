//! `floe files`: the data and delete files of a snapshot.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::ops::files::{files, FilesReport};
use crate::output::{Block, Report, Tabular};
use crate::units::format_size;

/// List the live files of the current (or a given) snapshot.
#[derive(Debug, clap::Args)]
pub struct FilesArgs {
    /// Table location or identifier.
    pub table: String,
    /// Snapshot to list instead of the current one.
    #[arg(long, value_name = "ID")]
    pub snapshot: Option<i64>,
}

fn partition_text(p: &serde_json::Map<String, serde_json::Value>) -> String {
    p.iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Report for FilesReport {
    fn blocks(&self) -> Vec<Block> {
        let mut t = Tabular::new(&["file", "content", "partition", "records", "size"]);
        for f in &self.files {
            t.row(vec![
                f.file_path.clone(),
                f.content.to_string(),
                partition_text(&f.partition_display),
                f.record_count.to_string(),
                format_size(f.file_size_bytes),
            ]);
        }
        vec![
            Block::Title(format!(
                "Files of {} at snapshot {} ({} files, {} records, {})",
                self.table,
                self.snapshot_id
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "none".into()),
                self.file_count,
                self.record_count,
                format_size(self.total_size_bytes)
            )),
            Block::Table(t),
        ]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&[
            "file_path",
            "content",
            "file_format",
            "partition_spec_id",
            "partition",
            "record_count",
            "file_size_bytes",
        ]);
        for f in &self.files {
            t.row(vec![
                f.file_path.clone(),
                f.content.to_string(),
                f.file_format.to_string(),
                f.partition_spec_id.to_string(),
                partition_text(&f.partition_display),
                f.record_count.to_string(),
                f.file_size_bytes.to_string(),
            ]);
        }
        t
    }
}

pub async fn run(args: FilesArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = files(&session, &table_ref(&args.table)?, args.snapshot).await?;
    ctx.printer.print(&report)
}
