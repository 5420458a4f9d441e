//! `floe report`: one table's health at a glance, in the terminal or as one self-contained HTML
//! page (`--html FILE`).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use super::context::{table_ref, Context};
use super::partitions::{file_size_blocks, skew_line};
use super::report_html;
use crate::error::FloeError;
use crate::ops::report::{report, TableReport};
use crate::output::{Block, OutputFormat, Report, Tabular};
use crate::units::{format_size, format_time_ms};

/// Report on a table: summary, file sizes, partitions, snapshot timeline, schema history and
/// health findings.
///
/// With --html, writes it as one HTML page with charts that opens offline (no scripts, fonts
/// or anything else fetched); `-o json` prints the same data.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Table location or identifier.
    pub table: String,
    /// Write the report as a self-contained HTML page to this file (replaced if it exists).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

impl Report for TableReport {
    fn blocks(&self) -> Vec<Block> {
        let s = &self.summary;
        let mut blocks = vec![
            Block::Title(format!("Report on {}", self.table)),
            Block::Fields(vec![
                ("location".into(), s.location.clone()),
                ("format version".into(), s.format_version.to_string()),
                (
                    "current snapshot".into(),
                    s.current_snapshot_id
                        .map(|id| id.to_string())
                        .unwrap_or_else(|| "none".into()),
                ),
                ("snapshots".into(), s.snapshot_count.to_string()),
                ("records".into(), s.records.to_string()),
                (
                    "files".into(),
                    format!(
                        "{} data, {} delete ({})",
                        s.data_files,
                        s.delete_files,
                        format_size(s.total_size_bytes)
                    ),
                ),
                ("partition spec".into(), s.partition_spec.clone()),
                ("sort order".into(), s.sort_order.clone()),
            ]),
        ];
        blocks.extend(file_size_blocks(&self.file_sizes));
        blocks.push(Block::Title(format!(
            "Partitions ({})",
            self.partition_skew.partitions
        )));
        blocks.extend(skew_line(&self.partition_skew));
        blocks.push(Block::Title(format!(
            "Snapshots ({})",
            self.snapshots.len()
        )));
        let mut timeline = Tabular::new(&["time", "snapshot", "operation", "records", "files"]);
        for p in &self.snapshots {
            timeline.row(vec![
                format_time_ms(p.timestamp_ms),
                p.snapshot_id.to_string(),
                p.operation.clone(),
                p.total_records.map(|v| v.to_string()).unwrap_or_default(),
                p.total_data_files
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            ]);
        }
        blocks.push(Block::Table(timeline));
        blocks.push(Block::Title(format!("Schemas ({})", self.schemas.len())));
        for schema in &self.schemas {
            let changes = schema
                .changes
                .as_ref()
                .map(|c| {
                    let mut parts = vec![];
                    parts.extend(c.added_columns.iter().map(|a| format!("+{a}")));
                    parts.extend(c.removed_columns.iter().map(|r| format!("-{r}")));
                    parts.extend(c.changed_columns.iter().map(|c| format!("~{c}")));
                    parts.join(", ")
                })
                .unwrap_or_else(|| "first".into());
            blocks.push(Block::Line(format!(
                "  {}{}: {} fields; {}",
                schema.schema_id,
                if schema.is_current { " (current)" } else { "" },
                schema.fields.len(),
                changes
            )));
        }
        blocks.push(Block::Title(format!("Findings ({})", self.findings.len())));
        blocks.extend(self.findings.iter().map(super::health::finding_line));
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&[
            "snapshot_id",
            "timestamp_ms",
            "operation",
            "total_records",
            "total_data_files",
            "total_size_bytes",
        ]);
        let text = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
        for p in &self.snapshots {
            t.row(vec![
                p.snapshot_id.to_string(),
                p.timestamp_ms.to_string(),
                p.operation.clone(),
                text(p.total_records),
                text(p.total_data_files),
                text(p.total_size_bytes),
            ]);
        }
        t
    }
}

/// Refuse an unusable `--html` path before reading the table.
fn check_html_path(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(FloeError::usage(format!(
            "--html {}: is a directory; name the file to write",
            path.display()
        ))
        .into());
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent.filter(|p| !p.is_dir()) {
        return Err(FloeError::usage(format!(
            "--html {}: directory {} does not exist",
            path.display(),
            parent.display()
        ))
        .into());
    }
    Ok(())
}

pub async fn run(args: ReportArgs, ctx: &Context) -> Result<()> {
    if let Some(path) = &args.html {
        check_html_path(path)?;
    }
    let session = ctx.session()?;
    let report = report(&session, &table_ref(&args.table)?).await?;
    let Some(path) = &args.html else {
        return ctx.printer.print(&report);
    };
    let page = report_html::page(&report)?;
    std::fs::write(path, &page)
        .with_context(|| format!("--html {}: cannot write", path.display()))?;
    ctx.printer.status(&format!(
        "wrote {} ({})",
        path.display(),
        format_size(page.len() as u64)
    ));
    // The page is the product; stdout carries the data only when a script asked for it.
    if ctx.printer.format != OutputFormat::Table {
        ctx.printer.print(&report)?;
    }
    Ok(())
}
