//! `floe expire`: drop old snapshots and delete the files only they reached.

use anyhow::Result;

use super::context::{table_ref, Context};
use super::engine_args::spark_blocks;
use crate::error::FloeError;
use crate::ops::engine::Engine;
use crate::ops::expire::{expire, ExpireOptions, ExpireReport};
use crate::ops::spark_engine;
use crate::output::{Block, Report, Tabular};
use crate::table::expire::ExpireRequest;
use crate::units::{format_size, parse_age_ms};

/// Drop old snapshots, then delete the files no remaining snapshot reaches.
///
/// Which snapshots go follows Iceberg: each branch keeps its --retain-last most recent
/// snapshots (default history.expire.min-snapshots-to-keep, 1) and every snapshot newer than
/// --older-than (default history.expire.max-snapshot-age-ms, 5 days); tags keep theirs;
/// branches and tags older than their max-ref-age go. --snapshot names snapshots to expire
/// (alone, it expires only those). The metadata change is committed first; only files the
/// refreshed metadata no longer reaches are deleted, and none if any metadata cannot be read.
/// Refused when the table sets gc.enabled=false.
#[derive(Debug, clap::Args)]
pub struct ExpireArgs {
    /// Table location or identifier.
    pub table: String,
    /// Expire snapshots older than this age (7d, 12h) or time (RFC 3339, epoch ms).
    #[arg(long, value_name = "AGE|TIME")]
    pub older_than: Option<String>,
    /// Snapshots each branch keeps, however old.
    #[arg(long, value_name = "N")]
    pub retain_last: Option<usize>,
    /// Expire this snapshot (repeatable).
    #[arg(long = "snapshot", value_name = "ID")]
    pub snapshots: Vec<i64>,
    /// Show what would go without changing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Commit the expiry but delete no file.
    #[arg(long)]
    pub keep_files: bool,
    /// Also delete metadata files that fell out of the metadata log
    /// (write.metadata.previous-versions-max).
    #[arg(long)]
    pub metadata: bool,
    /// Expire Flink's checkpoint snapshots too. By default each branch keeps its newest
    /// snapshot of every Flink job (summary `flink.job-id` and
    /// `flink.max-committed-checkpoint-id`) and the snapshots above it, which Flink's sink
    /// walks to find its last committed checkpoint on restart.
    #[arg(long)]
    pub ignore_flink_checkpoints: bool,
    #[command(flatten)]
    pub engine: super::engine_args::EngineArgs,
}

/// `--older-than`: an age before now, or a time.
fn cutoff_ms(text: &str) -> Result<i64> {
    if let Ok(age) = parse_age_ms(text) {
        return Ok(chrono::Utc::now().timestamp_millis() - age);
    }
    crate::table::scan::parse_time(text).map_err(|_| {
        FloeError::usage(format!(
            "--older-than '{text}' is neither an age (7d, 12h) nor a time (RFC 3339, epoch ms)"
        ))
        .into()
    })
}

impl Report for ExpireReport {
    fn blocks(&self) -> Vec<Block> {
        let verb = if self.dry_run {
            "would expire"
        } else {
            "expired"
        };
        let mut blocks = vec![Block::Line(format!(
            "{verb} {} snapshot(s) of {}; {} left",
            self.expired_snapshot_ids.len(),
            self.table,
            self.snapshots_left
        ))];
        let mut fields = vec![];
        if !self.removed_refs.is_empty() {
            fields.push(("refs removed".to_string(), self.removed_refs.join(", ")));
        }
        let files_verb = if self.dry_run || self.keep_files {
            "files to delete"
        } else {
            "files deleted"
        };
        fields.push((
            files_verb.to_string(),
            format!("{} ({})", self.files_total, format_size(self.bytes_total)),
        ));
        if !self.metadata_files.is_empty() {
            fields.push((
                "old metadata files".into(),
                self.metadata_files.len().to_string(),
            ));
        }
        if !self.failed_deletes.is_empty() {
            fields.push((
                "could not delete".into(),
                format!("{} (left for remove-orphans)", self.failed_deletes.len()),
            ));
        }
        blocks.push(Block::Fields(fields));
        blocks.extend(self.spark.iter().flat_map(spark_blocks));
        if !self.files.is_empty() {
            blocks.push(Block::Table(self.csv()));
        }
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["kind", "files", "bytes"]);
        for k in &self.files {
            t.row(vec![
                serde_json::to_value(k.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                k.files.to_string(),
                k.bytes.to_string(),
            ]);
        }
        t
    }
}

pub async fn run(args: ExpireArgs, ctx: &Context) -> Result<()> {
    ctx.printer.reporter().set_table(&args.table);
    let session = args.engine.session(ctx.session()?)?;
    if args.retain_last == Some(0) {
        return Err(FloeError::usage("--retain-last must be at least 1").into());
    }
    let request = ExpireRequest {
        older_than_ms: args.older_than.as_deref().map(cutoff_ms).transpose()?,
        retain_last: args.retain_last,
        snapshot_ids: args.snapshots,
        dry_run: args.dry_run,
        keep_files: args.keep_files,
        ignore_flink_checkpoints: args.ignore_flink_checkpoints,
    };
    let options = ExpireOptions {
        request,
        metadata: args.metadata,
    };
    let table = table_ref(&args.table)?;
    let report = match args.engine.engine {
        Engine::Floe => expire(&session, &table, options).await?,
        Engine::Spark => spark_engine::expire(&session, &table, options).await?,
    };
    ctx.printer.print(&report)?;
    match report
        .spark
        .as_ref()
        .and_then(|run| spark_engine::verification_failed(run, &report.table))
    {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
