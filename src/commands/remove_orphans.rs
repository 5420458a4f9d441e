//! `floe remove-orphans`: delete files no snapshot or metadata reaches.

use anyhow::Result;

use super::context::{table_ref, Context};
use super::engine_args::spark_blocks;
use crate::error::FloeError;
use crate::ops::engine::Engine;
use crate::ops::remove_orphans::{remove_orphans, RemoveOrphansReport};
use crate::ops::spark_engine;
use crate::output::{Block, Report, Tabular};
use crate::units::{format_size, format_time_ms, parse_age_ms};

const DAY_MS: i64 = 86_400_000;

/// Delete files under the table's location that nothing reaches.
///
/// Kept: every file any snapshot reaches (manifest lists, manifests, data and delete files),
/// the current and logged metadata files, the version hint and statistics files, and every
/// file younger than --older-than (default 3 days; a write in flight may own it). Schemes are
/// normalised before comparing (s3a://, s3n:// are s3://); a path that matches a reachable one
/// except for its scheme or bucket stops the run with an error. Refused when another table's
/// metadata lives under the location.
#[derive(Debug, clap::Args)]
pub struct RemoveOrphansArgs {
    /// Table location or identifier.
    pub table: String,
    /// Only files older than this age (3d, 36h).
    #[arg(long, value_name = "AGE", default_value = "3d")]
    pub older_than: String,
    /// Allow --older-than under 24 hours (files of writes in flight may be deleted).
    #[arg(long)]
    pub force: bool,
    /// List the orphans and their bytes without deleting.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub engine: super::engine_args::EngineArgs,
}

impl Report for RemoveOrphansReport {
    fn blocks(&self) -> Vec<Block> {
        let verb = if self.dry_run {
            "would delete"
        } else {
            "deleted"
        };
        let mut blocks = vec![Block::Line(format!(
            "{verb} {} orphan file(s) ({}) of {}, older than {}",
            self.files,
            format_size(self.bytes),
            self.table,
            format_time_ms(self.older_than_ms)
        ))];
        if !self.failed_deletes.is_empty() {
            blocks.push(Block::Line(format!(
                "could not delete {} file(s)",
                self.failed_deletes.len()
            )));
        }
        blocks.extend(self.spark.iter().flat_map(spark_blocks));
        if !self.orphans.is_empty() {
            blocks.push(Block::Table(self.csv()));
        }
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["file", "bytes", "last_modified"]);
        for o in &self.orphans {
            t.row(vec![
                o.location.clone(),
                o.size_bytes.to_string(),
                format_time_ms(o.last_modified_ms),
            ]);
        }
        t
    }
}

pub async fn run(args: RemoveOrphansArgs, ctx: &Context) -> Result<()> {
    ctx.printer.reporter().set_table(&args.table);
    let age = parse_age_ms(&args.older_than)
        .map_err(|e| FloeError::usage(format!("--older-than: {e}")))?;
    if age < DAY_MS && !args.force {
        return Err(FloeError::usage(format!(
            "--older-than {} is under 24 hours: files of writes still in flight could be deleted",
            args.older_than
        ))
        .with_hint("add --force if no other writer is using the table")
        .into());
    }
    let session = args.engine.session(ctx.session()?)?;
    let cutoff = chrono::Utc::now().timestamp_millis() - age;
    let table = table_ref(&args.table)?;
    let report = match args.engine.engine {
        Engine::Floe => remove_orphans(&session, &table, cutoff, args.dry_run).await?,
        Engine::Spark => {
            spark_engine::remove_orphans(&session, &table, cutoff, args.dry_run).await?
        }
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
