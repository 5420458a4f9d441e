//! `floe compact`: rewrite small files (and apply delete files) in `replace` snapshots.

use std::time::Duration;

use anyhow::Result;

use super::context::{table_ref, Context};
use super::engine_args::spark_blocks;
use crate::error::FloeError;
use crate::ops::compact::{compact, CompactOptions, CompactReport, GroupStatus, Strategy};
use crate::ops::engine::Engine;
use crate::ops::spark_engine;
use crate::output::{Block, Report, Tabular};
use crate::units::{format_size, parse_size};

/// Rewrite small files into files near the target size, safely beside concurrent writers.
///
/// Per partition (current and older specs), files below --min-file-size (0.75 x target),
/// above --max-file-size (1.8 x target), with delete files, or written under an older
/// partition spec are grouped and rewritten in the current spec with deletes applied. A
/// partition is rewritten when it has --min-input-files such files, more than a target's
/// worth of them, or any that must go (too large, deletes, older spec). The target is the
/// table's write.target-file-size-bytes unless --target-file-size is given.
///
/// Commits are `replace` snapshots validated against everything committed meanwhile: a group
/// whose files were removed or gained deletes that would not follow its rows fails alone; the
/// others commit. Exit 1 when a group failed to read or write, 3 when groups only lost races.
/// --max-commits commits groups as they finish; --max-bytes and --max-runtime stop new groups
/// from starting (for cron windows), and what is done is committed.
#[derive(Debug, clap::Args)]
pub struct CompactArgs {
    /// Table location or identifier.
    pub table: String,
    /// binpack combines files; sort also orders rows by the sort order; zorder clusters rows
    /// on several columns at once (--zorder-by).
    #[arg(long, value_enum, default_value = "binpack")]
    pub strategy: Strategy,
    /// With --strategy sort: sort by these instead of the table's sort order ("a, b desc", or
    /// repeated).
    #[arg(long = "sort-by", value_name = "EXPR")]
    pub sort_by: Vec<String>,
    /// With --strategy zorder: the two or more top-level columns to cluster on ("a,b", or
    /// repeated), so a filter on any of them skips files. The table's sort order is unchanged.
    #[arg(long = "zorder-by", value_name = "COLUMNS")]
    pub zorder_by: Vec<String>,
    /// Size of the files to write (on-disk bytes; "256MiB").
    #[arg(long, value_name = "SIZE")]
    pub target_file_size: Option<String>,
    /// Files below this size are rewritten (default 0.75 x target).
    #[arg(long, value_name = "SIZE")]
    pub min_file_size: Option<String>,
    /// Files above this size are split (default 1.8 x target).
    #[arg(long, value_name = "SIZE")]
    pub max_file_size: Option<String>,
    /// Largest input of one group (default 100GiB).
    #[arg(long, value_name = "SIZE")]
    pub max_file_group_size: Option<String>,
    /// Fewest candidate files that make a partition worth rewriting.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub min_input_files: usize,
    /// Only partitions (and files, by their column bounds) that may match this SQL predicate
    /// on partition source columns; every row of a file it picks is rewritten.
    #[arg(long = "where", value_name = "PRED")]
    pub filter: Option<String>,
    /// Rewrite every file, whatever its size.
    #[arg(long)]
    pub rewrite_all: bool,
    /// Show the plan (groups, files, bytes, expected output files) without writing.
    #[arg(long)]
    pub dry_run: bool,
    /// Commit groups in up to N commits as they finish (partial progress).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub max_commits: usize,
    /// Start no new group once this many input bytes were taken on.
    #[arg(long, value_name = "SIZE")]
    pub max_bytes: Option<String>,
    /// Start no new group after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub max_runtime: Option<u64>,
    /// Rewrite at most N groups at once (default: one per core; Spark's
    /// max-concurrent-file-group-rewrites).
    #[arg(long, value_name = "N")]
    pub max_concurrent_groups: Option<usize>,
    #[command(flatten)]
    pub engine: super::engine_args::EngineArgs,
}

fn size(text: &Option<String>, flag: &str) -> Result<Option<u64>> {
    text.as_deref()
        .map(|t| {
            parse_size(t).map_err(|_| {
                FloeError::usage(format!("{flag} '{t}' is not a size (like 128MiB)")).into()
            })
        })
        .transpose()
}

impl Report for CompactReport {
    fn blocks(&self) -> Vec<Block> {
        let mut blocks = vec![];
        if let Some(message) = &self.message {
            blocks.push(Block::Line(format!("{}: {message}", self.table)));
            blocks.extend(self.spark.iter().flat_map(spark_blocks));
            return blocks;
        }
        blocks.push(Block::Line(if self.spark.is_some() {
            format!(
                "compacted {} on Spark: {} file(s) ({}) into {} file(s) ({})",
                self.table,
                self.files_rewritten,
                format_size(self.bytes_rewritten),
                self.files_written,
                format_size(self.bytes_written)
            )
        } else if self.dry_run {
            format!(
                "would compact {}: {} group(s), {} file(s), {} (dry run)",
                self.table,
                self.groups_planned,
                self.files_rewritten,
                format_size(self.bytes_rewritten)
            )
        } else {
            format!(
                "compacted {}: {} file(s) ({}) into {} file(s) ({}) in {} of {} group(s)",
                self.table,
                self.files_rewritten,
                format_size(self.bytes_rewritten),
                self.files_written,
                format_size(self.bytes_written),
                self.groups_committed,
                self.groups_planned
            )
        }));
        let mut fields = vec![(
            "target size".to_string(),
            format_size(self.target_file_size_bytes),
        )];
        if let Some(columns) = &self.zorder_by {
            fields.push(("z-order by".into(), columns.join(", ")));
        }
        if !self.dry_run {
            fields.push((
                "snapshots".into(),
                self.snapshot_ids
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
            if self.delete_files_removed > 0 {
                fields.push((
                    "delete files removed".into(),
                    self.delete_files_removed.to_string(),
                ));
            }
            if self.groups_failed > 0 || self.groups_skipped > 0 {
                fields.push((
                    "not committed".into(),
                    format!(
                        "{} failed, {} skipped (budget)",
                        self.groups_failed, self.groups_skipped
                    ),
                ));
            }
            fields.push((
                "time".into(),
                format!("{:.2} s", self.elapsed_ms as f64 / 1000.0),
            ));
        }
        blocks.push(Block::Fields(fields));
        blocks.extend(self.spark.iter().flat_map(spark_blocks));
        if self.spark.is_none() {
            blocks.push(Block::Table(self.csv()));
        }
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&[
            "group",
            "partition",
            "spec",
            "files",
            "bytes",
            "deletes",
            "expected files",
            "why",
            "status",
            "written files",
            "failure",
        ]);
        for g in &self.groups {
            t.row(vec![
                g.id.to_string(),
                g.partition.clone(),
                g.spec_id.to_string(),
                g.files.to_string(),
                format_size(g.bytes),
                g.delete_files.to_string(),
                g.expected_output_files.to_string(),
                g.reasons.join(", "),
                match g.status {
                    GroupStatus::Planned => "planned",
                    GroupStatus::Committed => "committed",
                    GroupStatus::Failed => "failed",
                    GroupStatus::Skipped => "skipped",
                }
                .to_string(),
                g.output_files.to_string(),
                g.failure.clone().unwrap_or_default(),
            ]);
        }
        t
    }
}

pub async fn run(args: CompactArgs, ctx: &Context) -> Result<()> {
    ctx.printer.reporter().set_table(&args.table);
    let session = args.engine.session(ctx.session()?)?;
    let mut options = CompactOptions::new(table_ref(&args.table)?);
    options.strategy = args.strategy;
    options.sort_by = args.sort_by;
    options.zorder_by = args.zorder_by;
    options.target_file_size = size(&args.target_file_size, "--target-file-size")?;
    options.min_file_size = size(&args.min_file_size, "--min-file-size")?;
    options.max_file_size = size(&args.max_file_size, "--max-file-size")?;
    options.max_file_group_size = size(&args.max_file_group_size, "--max-file-group-size")?;
    options.min_input_files = args.min_input_files;
    options.filter = args.filter;
    options.rewrite_all = args.rewrite_all;
    options.dry_run = args.dry_run;
    options.max_commits = args.max_commits;
    options.max_bytes = size(&args.max_bytes, "--max-bytes")?;
    options.max_runtime = args.max_runtime.map(Duration::from_secs);
    if args.max_concurrent_groups == Some(0) {
        return Err(FloeError::usage("--max-concurrent-groups must be at least 1").into());
    }
    options.max_concurrent_groups = args.max_concurrent_groups;
    if !options.sort_by.is_empty() && options.strategy != Strategy::Sort {
        return Err(FloeError::usage("--sort-by needs --strategy sort").into());
    }
    if !options.zorder_by.is_empty() && options.strategy != Strategy::Zorder {
        return Err(FloeError::usage("--zorder-by needs --strategy zorder").into());
    }
    let report = match args.engine.engine {
        Engine::Floe => compact(&session, options).await?,
        Engine::Spark => spark_engine::compact(&session, options).await?,
    };
    ctx.printer.print(&report)?;
    match report
        .spark
        .as_ref()
        .and_then(|run| spark_engine::verification_failed(run, &report.table))
        .or_else(|| report.failure())
    {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
