//! `floe ingest`: load files into a table in one snapshot.

use std::sync::Arc;

use anyhow::Result;

use super::{table_ref, Context};
use crate::input::FormatChoice;
use crate::ops::ingest::{ingest_with_progress, IngestMode, IngestOptions, IngestReport};
use crate::ops::{NoProgress, Progress};
use crate::output::{Block, Report, Tabular};
use crate::table::snapshot_commit::Isolation;
use crate::units::format_size;

/// Load Parquet, CSV (with header) or NDJSON files into a table as ONE atomic snapshot.
///
/// Columns are matched by name and converted safely (int into long, text parsed); files are
/// partitioned by the table's spec and rolled at write.target-file-size-bytes (on-disk bytes).
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Table location or identifier.
    pub table: String,

    /// Input files: local paths, directories, globs ('data/*.parquet') or s3:// URIs.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,

    /// Input format; auto goes by file extension.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatChoice,

    /// append adds rows; overwrite replaces the table's rows.
    #[arg(long, value_enum, default_value = "append")]
    pub mode: IngestMode,

    /// Add input columns the table lacks (union by name) and widen int→long, float→double
    /// where typed inputs need it, in the same commit as the data.
    #[arg(long)]
    pub merge_schema: bool,

    /// Commit to this branch instead of main (create it with `floe branch create`).
    #[arg(long, value_name = "NAME", default_value = "main")]
    pub branch: String,

    /// serializable: an overwrite fails (exit 3) when another writer added data after it
    /// started; snapshot: it replaces that data too.
    #[arg(long, value_enum, default_value = "serializable")]
    pub isolation: IsolationArg,
}

/// `--isolation` values (Iceberg's isolation levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IsolationArg {
    Serializable,
    Snapshot,
}

impl From<IsolationArg> for Isolation {
    fn from(arg: IsolationArg) -> Self {
        match arg {
            IsolationArg::Serializable => Isolation::Serializable,
            IsolationArg::Snapshot => Isolation::Snapshot,
        }
    }
}

impl Report for IngestReport {
    fn blocks(&self) -> Vec<Block> {
        let seconds = self.elapsed_ms as f64 / 1000.0;
        let headline = match self.snapshot_id {
            Some(id) => format!(
                "{} {} rows into {} in snapshot {id}",
                match self.mode {
                    IngestMode::Append => "appended",
                    IngestMode::Overwrite => "overwrote with",
                },
                self.records_added,
                self.table
            ),
            None => format!("no rows in the input; {} unchanged", self.table),
        };
        let mut blocks = vec![Block::Line(headline)];
        for change in &self.schema_changes {
            blocks.push(Block::Line(format!("  schema: {change}")));
        }
        blocks.extend([Block::Fields(vec![
            (
                "input".into(),
                format!(
                    "{} file(s), {}",
                    self.input_files,
                    format_size(self.input_bytes)
                ),
            ),
            (
                "written".into(),
                format!(
                    "{} data file(s), {}",
                    self.files_added,
                    format_size(self.bytes_added)
                ),
            ),
            (
                "time".into(),
                format!(
                    "{seconds:.2} s ({:.0} rows/s)",
                    self.records_added as f64 / seconds.max(0.001)
                ),
            ),
        ])]);
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&[
            "table",
            "snapshot_id",
            "files_added",
            "records_added",
            "bytes_added",
            "elapsed_ms",
        ]);
        t.row(vec![
            self.table.clone(),
            self.snapshot_id.map(|s| s.to_string()).unwrap_or_default(),
            self.files_added.to_string(),
            self.records_added.to_string(),
            self.bytes_added.to_string(),
            self.elapsed_ms.to_string(),
        ]);
        t
    }
}

pub async fn run(args: IngestArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let options = IngestOptions {
        table: table_ref(&args.table)?,
        inputs: args.files,
        format: args.format,
        mode: args.mode,
        merge_schema: args.merge_schema,
        branch: args.branch.clone(),
        isolation: args.isolation.into(),
    };
    let progress: Arc<dyn Progress> = match ctx.printer.progress() {
        Some(bar) => Arc::new(bar),
        None => Arc::new(NoProgress),
    };
    let report = ingest_with_progress(&session, options, progress).await?;
    ctx.printer.print(&report)
}
