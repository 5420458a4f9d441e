//! `floe rewrite-position-deletes`: merge small position delete files and drop dangling ones
//! in a `replace` snapshot.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::error::FloeError;
use crate::ops::rewrite_position_deletes::{
    rewrite_position_deletes, RewritePositionDeletesOptions, RewritePositionDeletesReport,
};
use crate::output::{Block, Report, Tabular};
use crate::units::{format_size, parse_size};

/// Merge a merge-on-read table's small position delete files and drop dangling ones.
///
/// Per partition (and spec) with --min-input-files or more position delete files, the files
/// are merged: one file per data file (or per partition, when the table's
/// write.delete.granularity is partition), holding only entries whose data file is still
/// live. Delete files whose every entry names a data file that is gone (compacted or
/// rewritten by another engine) are dropped in every partition. The merged files keep the
/// data sequence number of the files they merge, so they delete exactly the rows those did.
/// Equality delete files that apply to no live data file any more (every data file of their
/// partition is as new as they are) are dropped too; the others stay. On a format-version 3
/// table the position delete files become deletion vectors, one per data file. Committed as
/// one `replace` snapshot; if
/// another writer removed a file being replaced meanwhile, nothing is committed (exit 3).
#[derive(Debug, clap::Args)]
pub struct RewritePositionDeletesArgs {
    /// Table location or identifier.
    pub table: String,
    /// Only partitions matching this SQL predicate on partition source columns.
    #[arg(long = "where", value_name = "PRED")]
    pub filter: Option<String>,
    /// Fewest position delete files that make a partition worth merging.
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub min_input_files: u64,
    /// Largest merged file with partition granularity (on-disk bytes; "64MiB"; default the
    /// table's write.delete.target-file-size-bytes, else 64MiB).
    #[arg(long, value_name = "SIZE")]
    pub target_file_size: Option<String>,
    /// Show what would be merged and dropped without writing.
    #[arg(long)]
    pub dry_run: bool,
}

impl Report for RewritePositionDeletesReport {
    fn blocks(&self) -> Vec<Block> {
        if let Some(message) = &self.message {
            return vec![Block::Line(format!("{}: {message}", self.table))];
        }
        let headline = if self.dry_run {
            format!(
                "would rewrite the position deletes of {}: {} file(s) into {}, {} dangling file(s) dropped (dry run)",
                self.table, self.files_rewritten, self.files_written, self.dangling_files_removed
            )
        } else {
            format!(
                "rewrote the position deletes of {}: {} file(s) into {}, {} dangling file(s) dropped, in snapshot {}",
                self.table,
                self.files_rewritten,
                self.files_written,
                self.dangling_files_removed,
                self.snapshot_id.map(|s| s.to_string()).unwrap_or_default()
            )
        };
        let after_bytes = self
            .position_delete_bytes_after
            .map(format_size)
            .unwrap_or_else(|| "?".into());
        let mut fields = vec![
            (
                "position delete files".to_string(),
                format!(
                    "{} -> {}",
                    self.position_delete_files_before, self.position_delete_files_after
                ),
            ),
            (
                "position delete entries".to_string(),
                format!(
                    "{} -> {}",
                    self.position_delete_records_before, self.position_delete_records_after
                ),
            ),
            (
                "position delete bytes".to_string(),
                format!(
                    "{} -> {after_bytes}",
                    format_size(self.position_delete_bytes_before)
                ),
            ),
            (
                "dangling entries dropped".to_string(),
                self.dangling_records_removed.to_string(),
            ),
            (
                "granularity".to_string(),
                format!("{:?}", self.granularity).to_lowercase(),
            ),
        ];
        if self.equality_delete_files > 0 {
            fields.push((
                "equality delete files".to_string(),
                format!(
                    "{} ({} dangling dropped)",
                    self.equality_delete_files, self.dangling_equality_deletes_removed
                ),
            ));
        }
        vec![
            Block::Line(headline),
            Block::Fields(fields),
            Block::Table(self.csv()),
        ]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&[
            "partition",
            "spec",
            "delete files",
            "entries",
            "rewritten",
            "written",
            "entries written",
            "dangling files",
            "dangling entries",
        ]);
        for p in &self.partitions {
            t.row(vec![
                p.partition.clone(),
                p.spec_id.to_string(),
                p.delete_files.to_string(),
                p.delete_records.to_string(),
                p.files_rewritten.to_string(),
                p.files_written.to_string(),
                p.records_written.to_string(),
                p.dangling_files.to_string(),
                p.dangling_records.to_string(),
            ]);
        }
        t
    }
}

pub async fn run(args: RewritePositionDeletesArgs, ctx: &Context) -> Result<()> {
    ctx.printer.reporter().set_table(&args.table);
    let session = ctx.session()?;
    let mut options = RewritePositionDeletesOptions::new(table_ref(&args.table)?);
    options.filter = args.filter;
    options.min_input_files = args.min_input_files as usize;
    options.target_file_size = args
        .target_file_size
        .as_deref()
        .map(|t| {
            parse_size(t).map_err(|_| {
                FloeError::usage(format!(
                    "--target-file-size '{t}' is not a size (like 64MiB)"
                ))
            })
        })
        .transpose()?;
    options.dry_run = args.dry_run;
    let report = rewrite_position_deletes(&session, options).await?;
    ctx.printer.print(&report)
}
