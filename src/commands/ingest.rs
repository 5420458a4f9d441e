//! `floe ingest`: load files into a table in one snapshot.

use std::sync::Arc;

use anyhow::Result;

use super::context::{table_ref, Context};
use super::row_change_args::{IsolationArg, RowModeArg};
use crate::input::FormatChoice;
use crate::ops::ingest::{ingest_with_progress, IngestMode, IngestOptions, IngestReport, Replace};
use crate::output::{Block, Report, Tabular};
use crate::progress::Progress;
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

    /// append adds rows; overwrite replaces the table's rows (or, with --where, the rows
    /// the predicate selects).
    #[arg(long, value_enum, default_value = "append")]
    pub mode: IngestMode,

    /// With --mode overwrite: replace only the rows this SQL predicate selects, e.g.
    /// "day = '2024-06-01'". Every input row must match it.
    #[arg(long = "where", value_name = "PRED", conflicts_with_all = ["overwrite_partitions", "upsert"])]
    pub filter: Option<String>,

    /// Replace every row of exactly the partitions the input writes to (dynamic partition
    /// overwrite); other partitions stay.
    #[arg(long, conflicts_with = "upsert")]
    pub overwrite_partitions: bool,

    /// Rows whose key matches a live row replace it; the rest are appended, in one snapshot.
    /// The key defaults to the schema's identifier fields. Put it after the files or write
    /// --upsert=KEY,... so files are not taken for keys.
    #[arg(long, value_name = "KEY,...", num_args = 0..=1, default_missing_value = "")]
    pub upsert: Option<String>,

    /// How replaced rows leave files that keep others: copy-on-write rewrites them,
    /// merge-on-read writes delete files (position deletes for --where, equality deletes for
    /// --upsert). Default: the table's write.delete.mode / write.upsert.mode /
    /// write.update.mode, else copy-on-write.
    #[arg(long, value_enum, value_name = "MODE")]
    pub row_mode: Option<RowModeArg>,

    /// Load only inputs not loaded before: each source's location, size and ETag (or
    /// modification time) is recorded with the commit that loads it, so a re-run after
    /// success loads nothing and a re-run after a failure loads what did not land. A source
    /// counts as loaded on --branch only while the snapshot that loaded it is in the branch's
    /// history: after a rollback past that load, or for another branch, it is loaded again
    /// (once that rolled-back snapshot is expired, floe can no longer tell, and counts the
    /// source as loaded).
    #[arg(long)]
    pub skip_loaded: bool,

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

impl Report for IngestReport {
    fn blocks(&self) -> Vec<Block> {
        let seconds = self.elapsed_ms as f64 / 1000.0;
        let headline = match (self.snapshot_id, &self.replaced) {
            (Some(id), Some(r)) if r.kind == "upsert" => format!(
                "upserted {} rows into {} in snapshot {id}: {} updated, {} inserted",
                self.records_added, self.table, r.rows_updated, r.rows_inserted
            ),
            (Some(id), Some(r)) => format!(
                "replaced {} rows of {} with {} in snapshot {id}",
                r.rows_deleted, self.table, self.records_added
            ),
            (None, Some(_)) => format!(
                "nothing to replace and no rows in the input; {} unchanged",
                self.table
            ),
            (Some(id), None) => format!(
                "{} {} rows into {} in snapshot {id}",
                match self.mode {
                    IngestMode::Append => "appended",
                    IngestMode::Overwrite => "overwrote with",
                },
                self.records_added,
                self.table
            ),
            (None, None) => format!("no rows in the input; {} unchanged", self.table),
        };
        let mut blocks = vec![Block::Line(headline)];
        for change in &self.schema_changes {
            blocks.push(Block::Line(format!("  schema: {change}")));
        }
        if let Some(r) = &self.replaced {
            let mut fields = vec![
                ("rows replaced".to_string(), r.rows_deleted.to_string()),
                ("files removed".to_string(), r.files_removed.to_string()),
            ];
            if let Some(mode) = r.row_mode {
                fields.push(("row mode".into(), mode.as_str().into()));
                fields.push((
                    "files rewritten".into(),
                    format!("{} into {} new", r.files_rewritten, r.rewrite_files_added),
                ));
                fields.push((
                    "delete files added".into(),
                    r.delete_files_added.to_string(),
                ));
            }
            blocks.push(Block::Fields(fields));
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
    ctx.printer.reporter().set_table(&args.table);
    let session = ctx.session()?;
    let options = IngestOptions {
        table: table_ref(&args.table)?,
        inputs: args.files,
        format: args.format,
        mode: args.mode,
        merge_schema: args.merge_schema,
        branch: args.branch.clone(),
        isolation: args.isolation.into(),
        replace: match (args.filter, args.overwrite_partitions, args.upsert) {
            (Some(filter), _, _) => Replace::Matching(filter),
            (None, true, _) => Replace::Partitions,
            (None, false, Some(keys)) => Replace::Keys(
                keys.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            (None, false, None) => Replace::ByMode,
        },
        row_mode: args.row_mode.map(Into::into),
        skip_loaded: args.skip_loaded,
    };
    let progress: Arc<dyn Progress> = ctx.printer.reporter();
    let report = ingest_with_progress(&session, options, progress).await?;
    ctx.printer.print(&report)
}
