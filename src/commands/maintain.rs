//! `floe maintain`: the cron one-shot over one table, several, or a whole catalog.

use std::time::Duration;

use anyhow::Result;

use super::context::Context;
use super::health::{selected_tables, TableSelection};
use crate::error::{ErrorKind, FloeError};
use crate::ops::health::health;
use crate::ops::maintain::{maintain, MaintainOptions, MaintainReport, Step, StepStatus};
use crate::output::{Block, Report, Tabular};
use crate::units::format_size;

/// Compact, rewrite position deletes, rewrite manifests, expire snapshots, trim metadata and
/// remove orphans, per table.
///
/// Every step follows the table's effective settings (`floe policy show TABLE`): its table
/// properties, else the config file's maintenance policies and defaults: target file size and
/// budgets for compaction, a count of position delete files in one partition past which they
/// are merged (dangling delete files are always dropped), a manifest count past which
/// manifests are rewritten, retain-last and max snapshot age for expiry,
/// write.metadata.previous-versions-max for metadata files, the orphan age (never under 1
/// day), which steps run, and which engine runs them (floe.maintain.engine: floe, spark, or
/// auto with floe.maintain.spark.min-table-size; trimming metadata and merging position
/// deletes always stay with floe). A lease next to the metadata keeps two runs off one table
/// (a dead run's lease expires after --lease-seconds). One table's failure does not stop the others. Exit 0 when every table is
/// done (or held by another run), 3 when only commit conflicts failed (retry later), 1 else.
#[derive(Debug, clap::Args)]
pub struct MaintainArgs {
    #[command(flatten)]
    pub select: TableSelection,
    /// Leave out a step (repeatable).
    #[arg(long, value_enum, value_name = "STEP")]
    pub skip: Vec<Step>,
    /// Show what every step would do, changing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also write the JSON run record to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<std::path::PathBuf>,
    /// Also write the run and each table's state after it as Prometheus metrics to this file
    /// (written whole, then renamed into place, for node_exporter's textfile collector;
    /// counters carry on from the file's previous contents).
    #[arg(long, value_name = "FILE")]
    pub metrics_file: Option<std::path::PathBuf>,
    /// Tables worked on at once.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub concurrency: usize,
    /// How long a run's lease on a table lasts.
    #[arg(long, value_name = "SECONDS", default_value_t = 7200)]
    pub lease_seconds: u64,
    /// The Spark launcher for steps the tables' `engine` setting gives to Spark, one
    /// shell-quoted command line (default: engine.spark.submit in the config file, else
    /// spark-sql on PATH).
    #[arg(long, value_name = "COMMAND")]
    pub spark_submit: Option<String>,
    /// Let steps given to Spark commit through its hadoop catalog although the warehouse is
    /// on object storage, where those commits are not atomic (refused otherwise).
    #[arg(long)]
    pub allow_unsafe_spark_commits: bool,
}

fn status_word(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Done => "done",
        StepStatus::Clean => "clean",
        StepStatus::Skipped => "skipped",
        StepStatus::Failed => "FAILED",
    }
}

impl Report for MaintainReport {
    fn blocks(&self) -> Vec<Block> {
        let mut blocks = vec![Block::Line(format!(
            "{}maintained {} table(s) in {:.1} s, {} reclaimed",
            if self.dry_run { "(dry run) " } else { "" },
            self.tables.len(),
            self.seconds,
            format_size(self.bytes_reclaimed)
        ))];
        blocks.push(Block::Table(self.csv()));
        for t in self.tables.iter().filter(|t| t.error.is_some()) {
            blocks.push(Block::Line(format!(
                "{}: {}",
                t.table,
                t.error.clone().unwrap_or_default()
            )));
        }
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&[
            "table",
            "outcome",
            "step",
            "status",
            "reclaimed",
            "seconds",
            "error",
            "engine",
        ]);
        for table in &self.tables {
            for step in &table.steps {
                t.row(vec![
                    table.table.clone(),
                    table.outcome.clone(),
                    step.step.name(),
                    status_word(step.status).to_string(),
                    step.bytes_reclaimed.to_string(),
                    format!("{:.2}", step.seconds),
                    step.error.clone().unwrap_or_default(),
                    step.engine.name().to_string(),
                ]);
            }
            if table.steps.is_empty() {
                t.row(vec![
                    table.table.clone(),
                    table.outcome.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    table.error.clone().unwrap_or_default(),
                    String::new(),
                ]);
            }
        }
        t
    }
}

pub async fn run(args: MaintainArgs, ctx: &Context) -> Result<()> {
    let session = ctx
        .session()?
        .with_spark_submit(args.spark_submit.clone())
        .with_unsafe_spark_commits(args.allow_unsafe_spark_commits);
    let tables = selected_tables(&session, &args.select).await?;
    let options = MaintainOptions {
        skip: args.skip,
        dry_run: args.dry_run,
        concurrency: args.concurrency,
        lease: Duration::from_secs(args.lease_seconds),
        log: ctx.printer.reporter(),
    };
    let report = maintain(&session, &tables, options).await?;
    if let Some(path) = &args.report {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?).map_err(|e| {
            FloeError::invalid(format!("cannot write --report {}: {e}", path.display()))
        })?;
    }
    if let Some(path) = &args.metrics_file {
        // Unreadable tables come back as such (`floe_table_readable 0`), not as an error.
        let after = health(&session, &tables).await?;
        super::metrics_file::write_maintain_metrics(path, &report, &after)?;
    }
    ctx.printer.print(&report)?;
    match report.exit_code {
        0 => Ok(()),
        3 => Err(FloeError::new(
            ErrorKind::CommitConflict,
            "maintain: commits lost to concurrent writers on some tables",
        )
        .with_hint("run it again later; nothing was left half done")
        .into()),
        _ => Err(
            FloeError::new(ErrorKind::Failed, "maintain: some tables failed")
                .with_hint("see the errors in the run record")
                .into(),
        ),
    }
}
