//! `maintain`: the nightly one-shot. Per table, under a lease so two runs never work on one
//! table at once: compact, rewrite position delete files (merge small ones, drop dangling
//! ones), rewrite manifests when there are many, expire snapshots (and trim old metadata
//! files), remove orphans. Each step is driven by table properties, skippable,
//! and recorded; one table's failure does not stop the others.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use futures::StreamExt;
use serde::Serialize;

use crate::error::{kind_of, ErrorKind};
use crate::ops::compact::{compact, CompactOptions, FailureKind, GroupStatus};
use crate::ops::engine::Engine;
use crate::ops::expire::{expire, ExpireOptions};
use crate::ops::health::LAST_MAINTAINED_PROPERTY;
use crate::ops::properties::{properties, PropertiesOptions};
use crate::ops::remove_orphans::remove_orphans;
use crate::ops::rewrite_manifests::rewrite_manifests;
use crate::ops::rewrite_position_deletes::{
    rewrite_position_deletes, RewritePositionDeletesOptions,
};
use crate::ops::spark_engine;
use crate::policy::EffectiveSettings;
use crate::progress::{Level, LogEvent, Progress};
use crate::table::expire::ExpireRequest;
use crate::table::lease::{Busy, Lease};
use crate::table::manifest_rewrite::current_manifest_count;
use crate::table::{Session, TableRef};

const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    Compact,
    RewritePositionDeletes,
    RewriteManifests,
    Expire,
    Metadata,
    Orphans,
}

impl Step {
    /// The step's name, as `--skip`, the JSON record and policies spell it.
    pub fn name(self) -> String {
        clap::ValueEnum::to_possible_value(&self)
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
pub struct MaintainOptions {
    pub skip: Vec<Step>,
    pub dry_run: bool,
    pub concurrency: usize,
    pub lease: Duration,
    /// Where each table's and step's outcome is logged as it happens.
    pub log: Arc<dyn Progress>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Done,
    /// Nothing to do.
    Clean,
    Skipped,
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    pub step: Step,
    pub status: StepStatus,
    /// Who ran the step: `floe`, or `spark` (the table's `engine` setting chose it).
    pub engine: Engine,
    /// Bytes of files deleted (or, dry, to delete) by this step; compaction deletes none (the
    /// files it replaces stay for older snapshots until expiry).
    pub bytes_reclaimed: u64,
    /// Rows and bytes compaction rewrote into new files (committed groups only).
    pub rows_rewritten: u64,
    pub bytes_rewritten: u64,
    /// Files deleted (or, dry, to delete): expired snapshots' files, old metadata, orphans.
    pub files_deleted: u64,
    /// Compaction groups that lost to a concurrent writer (the step then fails as a
    /// commit conflict, unless another group failed for another reason).
    pub groups_conflicted: u64,
    pub seconds: f64,
    /// The step's own report (`compact`, `expire`, … JSON).
    pub report: Option<serde_json::Value>,
    pub error: Option<String>,
    pub error_kind: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableRecord {
    pub table: String,
    /// `done`, `failed` (a step failed), `busy` (another run holds the lease) or `unreadable`.
    pub outcome: String,
    pub steps: Vec<StepRecord>,
    pub bytes_reclaimed: u64,
    pub seconds: f64,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MaintainReport {
    pub dry_run: bool,
    pub tables: Vec<TableRecord>,
    pub bytes_reclaimed: u64,
    pub seconds: f64,
    /// 0 all done, 3 only commit conflicts (retry later), 1 anything else failed.
    pub exit_code: i32,
}

/// What a step that ran did.
struct StepOutcome {
    status: StepStatus,
    bytes_reclaimed: u64,
    rows_rewritten: u64,
    bytes_rewritten: u64,
    files_deleted: u64,
    groups_conflicted: u64,
    report: serde_json::Value,
    /// A step that ran but failed in part (compaction groups): message and error kind.
    error: Option<(String, String)>,
}

impl StepOutcome {
    fn new(status: StepStatus, report: serde_json::Value) -> Self {
        StepOutcome {
            status,
            bytes_reclaimed: 0,
            rows_rewritten: 0,
            bytes_rewritten: 0,
            files_deleted: 0,
            groups_conflicted: 0,
            report,
            error: None,
        }
    }
}

/// The engine the table's `engine` setting picks for `step`: trimming old metadata has no
/// Spark procedure and stays with floe, as does merging position deletes (floe's keeps each
/// merged file's data sequence number, see `rewrite_position_deletes`); `auto` sends tables of at least
/// `spark-min-table-size` (data and delete bytes of the current snapshot) to Spark.
fn engine_for(
    step: Step,
    settings: &EffectiveSettings,
    table: &iceberg::table::Table,
) -> Result<Engine> {
    if matches!(step, Step::Metadata | Step::RewritePositionDeletes) {
        return Ok(Engine::Floe);
    }
    match settings.engine() {
        "floe" => Ok(Engine::Floe),
        "spark" => Ok(Engine::Spark),
        "auto" => {
            let size: u64 = table
                .metadata()
                .current_snapshot()
                .and_then(|s| s.summary().additional_properties.get("total-files-size").cloned())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let threshold = settings.size("spark-min-table-size").unwrap_or(u64::MAX);
            Ok(if size >= threshold { Engine::Spark } else { Engine::Floe })
        }
        other => Err(crate::error::FloeError::config(format!(
            "maintenance engine '{other}' is not floe, spark or auto (table property floe.maintain.engine)"
        ))
        .into()),
    }
}

async fn run_step(
    step: Step,
    engine: Engine,
    session: &Session,
    table: &TableRef,
    options: &MaintainOptions,
    settings: &EffectiveSettings,
) -> Result<StepOutcome> {
    let dry = options.dry_run;
    let spark = engine == Engine::Spark;
    match step {
        Step::Compact => {
            let mut o = CompactOptions::new(table.clone());
            o.dry_run = dry;
            o.target_file_size = settings.size("target-file-size");
            o.max_bytes = settings.size("compact-max-bytes");
            o.max_runtime = settings
                .age_ms("compact-max-runtime")
                .map(|ms| Duration::from_millis(ms.max(0) as u64));
            let report = if spark {
                spark_engine::compact(session, o).await?
            } else {
                compact(session, o).await?
            };
            if let Some(e) = report
                .spark
                .as_ref()
                .and_then(|r| spark_engine::verification_failed(r, &report.table))
            {
                return Err(e);
            }
            // Failed groups fail the step (its report and metrics kept): `commit_conflict`
            // when they only lost races, so the run exits 3 and cron retries.
            if let Some(e) = report.failure() {
                let mut outcome =
                    StepOutcome::new(StepStatus::Failed, serde_json::to_value(&report)?);
                outcome.error = Some((format!("{e:#}"), kind_of(&e).as_str().to_string()));
                outcome.groups_conflicted = report
                    .groups
                    .iter()
                    .filter(|g| g.failure_kind == Some(FailureKind::Conflict))
                    .count() as u64;
                let committed = report
                    .groups
                    .iter()
                    .filter(|g| g.status == GroupStatus::Committed);
                (outcome.rows_rewritten, outcome.bytes_rewritten) =
                    committed.fold((0, 0), |(r, b), g| (r + g.records, b + g.bytes));
                return Ok(outcome);
            }
            // A dry run on Spark runs nothing, so cannot tell "nothing to do".
            let planned_on_spark = report.spark.as_ref().is_some_and(|r| !r.ran);
            let status =
                if report.groups_planned == 0 && report.files_rewritten == 0 && !planned_on_spark {
                    StepStatus::Clean
                } else {
                    StepStatus::Done
                };
            let committed = report
                .groups
                .iter()
                .filter(|g| g.status == GroupStatus::Committed);
            let (rows, bytes) = match &report.spark {
                // Spark counts files and bytes; the rows are those of the data files that
                // left the table, as floe read them.
                Some(run) => (run.removed.records, report.bytes_rewritten),
                None => committed.fold((0, 0), |(r, b), g| (r + g.records, b + g.bytes)),
            };
            // Rewritten files stay for older snapshots until expiry deletes them.
            let mut outcome = StepOutcome::new(status, serde_json::to_value(&report)?);
            outcome.rows_rewritten = rows;
            outcome.bytes_rewritten = bytes;
            Ok(outcome)
        }
        Step::RewritePositionDeletes => {
            // Runs where a partition has this many position delete files, or any delete
            // file is dangling (those are always dropped).
            let mut o = RewritePositionDeletesOptions::new(table.clone());
            o.dry_run = dry;
            o.min_input_files = settings
                .count("rewrite-position-deletes-min-files")
                .unwrap_or(5)
                .max(1) as usize;
            let report = rewrite_position_deletes(session, o).await?;
            let status = if report.partitions.is_empty() {
                StepStatus::Clean
            } else {
                StepStatus::Done
            };
            Ok(StepOutcome::new(status, serde_json::to_value(&report)?))
        }
        Step::RewriteManifests => {
            let min = settings.count("rewrite-manifests-min-count").unwrap_or(20) as usize;
            let target = session.target(table).await?;
            let loaded = target.load().await?;
            let count = current_manifest_count(&loaded).await?;
            if count < min {
                return Ok(StepOutcome::new(
                    StepStatus::Clean,
                    serde_json::json!({"manifests": count, "rewrite_from": min}),
                ));
            }
            if dry {
                return Ok(StepOutcome::new(
                    StepStatus::Done,
                    serde_json::json!({"manifests": count, "rewrite_from": min, "dry_run": true}),
                ));
            }
            let report = if spark {
                spark_engine::rewrite_manifests(session, table).await?
            } else {
                rewrite_manifests(session, table).await?
            };
            if let Some(e) = report
                .spark
                .as_ref()
                .and_then(|r| spark_engine::verification_failed(r, &report.table))
            {
                return Err(e);
            }
            Ok(StepOutcome::new(
                StepStatus::Done,
                serde_json::to_value(report)?,
            ))
        }
        Step::Expire | Step::Metadata => {
            let only_metadata = step == Step::Metadata;
            let now = chrono::Utc::now().timestamp_millis();
            let request = ExpireRequest {
                // Trimming metadata alone expires nothing.
                older_than_ms: if only_metadata {
                    Some(0)
                } else {
                    settings.age_ms("max-snapshot-age").map(|age| now - age)
                },
                retain_last: settings.count("retain-last").map(|n| n.max(1) as usize),
                dry_run: dry,
                ..Default::default()
            };
            let options = ExpireOptions {
                request,
                metadata: only_metadata,
            };
            let report = if spark {
                spark_engine::expire(session, table, options).await?
            } else {
                expire(session, table, options).await?
            };
            let done = !report.expired_snapshot_ids.is_empty() || !report.metadata_files.is_empty();
            let status = if done {
                StepStatus::Done
            } else {
                StepStatus::Clean
            };
            let mut outcome = StepOutcome::new(status, serde_json::to_value(&report)?);
            outcome.bytes_reclaimed = report.bytes_total;
            outcome.files_deleted = (report.files_total + report.metadata_files.len())
                .saturating_sub(report.failed_deletes.len())
                as u64;
            Ok(outcome)
        }
        Step::Orphans => {
            let loaded = session.target(table).await?.load().await?;
            if loaded
                .metadata()
                .properties()
                .get("gc.enabled")
                .is_some_and(|v| !v.eq_ignore_ascii_case("true"))
            {
                // Its folders may hold other tables' files: not ours to clean.
                return Ok(StepOutcome::new(
                    StepStatus::Skipped,
                    serde_json::json!({"reason": "gc.enabled=false"}),
                ));
            }
            // Never under a day: writes in flight own younger files.
            let age = settings
                .age_ms("orphan-age")
                .unwrap_or(3 * DAY_MS)
                .max(DAY_MS);
            let cutoff = chrono::Utc::now().timestamp_millis() - age;
            let report = if spark {
                spark_engine::remove_orphans(session, table, cutoff, dry).await?
            } else {
                remove_orphans(session, table, cutoff, dry).await?
            };
            let status = if report.files == 0 {
                StepStatus::Clean
            } else {
                StepStatus::Done
            };
            let mut outcome = StepOutcome::new(status, serde_json::to_value(&report)?);
            outcome.bytes_reclaimed = report.bytes;
            outcome.files_deleted = report.files.saturating_sub(report.failed_deletes.len()) as u64;
            Ok(outcome)
        }
    }
}

async fn maintain_table(
    session: &Session,
    table: &TableRef,
    options: &MaintainOptions,
) -> TableRecord {
    let started = Instant::now();
    let mut record = TableRecord {
        table: table.to_string(),
        outcome: "done".into(),
        steps: vec![],
        bytes_reclaimed: 0,
        seconds: 0.0,
        error: None,
    };
    let loaded = match session.target(table).await {
        Ok(target) => match target.load().await {
            Ok(loaded) => Some((target, loaded)),
            Err(e) => {
                record.error = Some(format!("{e:#}"));
                None
            }
        },
        Err(e) => {
            record.error = Some(format!("{e:#}"));
            None
        }
    };
    let Some((target, loaded)) = loaded else {
        record.outcome = "unreadable".into();
        options.log.log(
            LogEvent::error("cannot read the table")
                .table(&record.table)
                .field("error", &record.error),
        );
        return record;
    };
    record.table = target.display.clone();
    let settings = session
        .policy()
        .resolve(&target.display, loaded.metadata().properties());
    let wanted = settings.steps();
    let lease = if options.dry_run {
        None
    } else {
        match Lease::acquire(
            session.stores(),
            loaded.metadata().location(),
            options.lease,
        )
        .await
        {
            Ok(Ok(lease)) => Some(lease),
            Ok(Err(Busy::HeldBy(holder))) => {
                record.outcome = "busy".into();
                record.error = Some(format!(
                    "another maintain run ({} pid {}) holds the lease until {}",
                    holder.host,
                    holder.pid,
                    crate::units::format_time_ms(holder.expires_ms)
                ));
                options.log.log(
                    LogEvent::warn("another maintain run holds the table; left to it")
                        .table(&record.table)
                        .field("holder_host", &holder.host)
                        .field("holder_pid", holder.pid)
                        .field("lease_expires_ms", holder.expires_ms),
                );
                return record;
            }
            Err(e) => {
                record.outcome = "failed".into();
                record.error = Some(format!("cannot take the lease: {e:#}"));
                options.log.log(
                    LogEvent::error("cannot take the lease")
                        .table(&record.table)
                        .field("error", &record.error),
                );
                return record;
            }
        }
    };
    for step in [
        Step::Compact,
        Step::RewritePositionDeletes,
        Step::RewriteManifests,
        Step::Expire,
        Step::Metadata,
        Step::Orphans,
    ] {
        let step_started = Instant::now();
        let engine = engine_for(step, &settings, &loaded);
        let mut step_record = StepRecord {
            step,
            status: StepStatus::Skipped,
            engine: *engine.as_ref().unwrap_or(&Engine::Floe),
            bytes_reclaimed: 0,
            rows_rewritten: 0,
            bytes_rewritten: 0,
            files_deleted: 0,
            groups_conflicted: 0,
            seconds: 0.0,
            report: None,
            error: None,
            error_kind: None,
        };
        if !options.skip.contains(&step) && wanted.iter().any(|w| *w == step.name()) {
            let outcome = match engine {
                Ok(engine) => run_step(step, engine, session, table, options, &settings).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(outcome) => {
                    step_record.status = outcome.status;
                    step_record.bytes_reclaimed = outcome.bytes_reclaimed;
                    step_record.rows_rewritten = outcome.rows_rewritten;
                    step_record.bytes_rewritten = outcome.bytes_rewritten;
                    step_record.files_deleted = outcome.files_deleted;
                    step_record.groups_conflicted = outcome.groups_conflicted;
                    step_record.report = Some(outcome.report);
                    if let Some((error, kind)) = outcome.error {
                        step_record.error = Some(error);
                        step_record.error_kind = Some(kind);
                        record.outcome = "failed".into();
                    }
                }
                Err(e) => {
                    step_record.status = StepStatus::Failed;
                    step_record.error = Some(format!("{e:#}"));
                    step_record.error_kind = Some(kind_of(&e).as_str().to_string());
                    record.outcome = "failed".into();
                }
            }
        }
        step_record.seconds = step_started.elapsed().as_secs_f64();
        log_step(options.log.as_ref(), &record.table, &step_record);
        record.bytes_reclaimed += step_record.bytes_reclaimed;
        record.steps.push(step_record);
    }
    if !options.dry_run && record.outcome == "done" {
        let stamp = PropertiesOptions {
            table: table.clone(),
            set: vec![(
                LAST_MAINTAINED_PROPERTY.to_string(),
                chrono::Utc::now().timestamp_millis().to_string(),
            )],
            unset: vec![],
        };
        if let Err(e) = properties(session, stamp).await {
            record.outcome = "failed".into();
            record.error = Some(format!("cannot record the run: {e:#}"));
        }
    }
    if let Some(lease) = lease {
        lease.release().await;
    }
    record.seconds = started.elapsed().as_secs_f64();
    let level = if record.outcome == "done" {
        Level::Info
    } else {
        Level::Error
    };
    options.log.log(
        LogEvent::new(level, format!("{}: {}", record.table, record.outcome))
            .table(&record.table)
            .field("outcome", &record.outcome)
            .field("bytes_reclaimed", record.bytes_reclaimed)
            .field("seconds", record.seconds)
            .field("error", &record.error),
    );
    record
}

fn log_step(log: &dyn Progress, table: &str, step: &StepRecord) {
    let name = step.step.name();
    let (level, word) = match step.status {
        StepStatus::Done => (Level::Info, "done"),
        StepStatus::Clean => (Level::Info, "nothing to do"),
        StepStatus::Skipped => (Level::Debug, "skipped"),
        StepStatus::Failed => (Level::Error, "failed"),
    };
    log.log(
        LogEvent::new(level, format!("{table}: {name} {word}"))
            .table(table)
            .step(&name)
            .field("status", step.status)
            .field("bytes_reclaimed", step.bytes_reclaimed)
            .field("seconds", step.seconds)
            .field("error", &step.error)
            .field("error_kind", &step.error_kind),
    );
}

/// The exit code of a run: conflicts alone (3) can be retried by cron; anything else that
/// failed is 1. A table another run holds is left to that run, not a failure.
fn exit_code(tables: &[TableRecord]) -> i32 {
    let code_of = |table: &TableRecord| match table.outcome.as_str() {
        "done" | "busy" => 0,
        "failed"
            if table.error.is_none()
                && table
                    .steps
                    .iter()
                    .filter(|s| s.status == StepStatus::Failed)
                    .all(|s| {
                        s.error_kind.as_deref() == Some(ErrorKind::CommitConflict.as_str())
                    }) =>
        {
            3
        }
        _ => 1,
    };
    // 1 outranks 3, which outranks 0.
    let rank = |code: i32| match code {
        0 => 0,
        3 => 1,
        _ => 2,
    };
    tables
        .iter()
        .map(code_of)
        .max_by_key(|c| rank(*c))
        .unwrap_or(0)
}

pub async fn maintain(
    session: &Session,
    tables: &[TableRef],
    options: MaintainOptions,
) -> Result<MaintainReport> {
    let started = Instant::now();
    let records: Vec<TableRecord> = futures::stream::iter(tables.iter())
        .map(|table| maintain_table(session, table, &options))
        .buffered(options.concurrency.max(1))
        .collect()
        .await;
    Ok(MaintainReport {
        dry_run: options.dry_run,
        bytes_reclaimed: records.iter().map(|r| r.bytes_reclaimed).sum(),
        seconds: started.elapsed().as_secs_f64(),
        exit_code: exit_code(&records),
        tables: records,
    })
}
