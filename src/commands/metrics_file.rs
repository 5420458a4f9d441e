//! `--metrics-file` for `health` and `maintain`: a table's state and a maintenance run as
//! Prometheus metrics, for node_exporter's textfile collector. Names follow Prometheus's rules:
//! `floe_` prefix, base units in the name (`_bytes`, `_seconds`), `_total` for counters.

use std::path::Path;

use anyhow::Result;

use crate::error::FloeError;
use crate::ops::health::{HealthReport, Severity, TableHealth};
use crate::ops::maintain::{MaintainReport, StepRecord, StepStatus};
use crate::output::prometheus::Exposition;

fn severity_level(s: Option<Severity>) -> f64 {
    match s {
        None => 0.0,
        Some(Severity::Info) => 1.0,
        Some(Severity::Warn) => 2.0,
        Some(Severity::Error) => 3.0,
    }
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warn => "warn",
        Severity::Error => "error",
    }
}

/// One table's state: files, bytes, records, snapshots, findings. `source` (`health` or
/// `maintain`) tells the two files apart: node_exporter's textfile collector refuses the same
/// series from two files of its directory, and both commands report a table's state.
fn table_state(out: &mut Exposition, health: &TableHealth, source: &str) {
    let table = [("table", health.table.as_str()), ("source", source)];
    out.gauge(
        "floe_table_health_status",
        "Worst health finding: 0 healthy, 1 info, 2 warn, 3 error.",
        &table,
        severity_level(health.status),
    );
    for finding in &health.findings {
        out.gauge(
            "floe_table_health_findings",
            "Health findings of the table, by check and severity (see `floe health`).",
            &[
                ("table", health.table.as_str()),
                ("source", source),
                ("check", finding.check.as_str()),
                ("severity", severity_name(finding.severity)),
            ],
            1.0,
        );
    }
    let readable = !health.findings.iter().any(|f| f.check == "unreadable");
    out.gauge(
        "floe_table_readable",
        "1 when the table's metadata could be read, else 0.",
        &table,
        if readable { 1.0 } else { 0.0 },
    );
    if !readable {
        // Zeros would look like an empty table.
        return;
    }
    let s = &health.stats;
    let gauges: [(&str, &str, f64); 10] = [
        (
            "floe_table_data_files",
            "Data files in the current snapshot.",
            s.data_files as f64,
        ),
        (
            "floe_table_small_data_files",
            "Data files under three quarters of the target file size.",
            s.small_files as f64,
        ),
        (
            "floe_table_delete_files",
            "Position and equality delete files in the current snapshot.",
            s.delete_files as f64,
        ),
        (
            "floe_table_manifests",
            "Manifests in the current snapshot.",
            s.manifests as f64,
        ),
        (
            "floe_table_snapshots",
            "Snapshots in the table's metadata.",
            s.snapshots as f64,
        ),
        (
            "floe_table_data_bytes",
            "Bytes of the current snapshot's data files.",
            s.data_bytes as f64,
        ),
        (
            "floe_table_records",
            "Records in the current snapshot's data files (before deletes).",
            s.records as f64,
        ),
        (
            "floe_table_metadata_files",
            "Metadata JSON files under the table's metadata folder.",
            s.metadata_files as f64,
        ),
        (
            "floe_table_orphan_files",
            "Files older than 3 days that no snapshot reaches.",
            s.orphan_files as f64,
        ),
        (
            "floe_table_orphan_bytes",
            "Bytes of files older than 3 days that no snapshot reaches.",
            s.orphan_bytes as f64,
        ),
    ];
    for (name, help, value) in gauges {
        out.gauge(name, help, &table, value);
    }
    if let Some(age_ms) = s.oldest_snapshot_age_ms {
        out.gauge(
            "floe_table_oldest_snapshot_age_seconds",
            "Age of the table's oldest snapshot.",
            &table,
            age_ms as f64 / 1000.0,
        );
    }
    if let Some(ms) = s.last_maintained_ms {
        out.gauge(
            "floe_maintain_last_success_timestamp_seconds",
            "When `floe maintain` last finished every step on the table (Unix time).",
            &table,
            ms as f64 / 1000.0,
        );
    }
}

fn status_name(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Done => "done",
        StepStatus::Clean => "clean",
        StepStatus::Skipped => "skipped",
        StepStatus::Failed => "failed",
    }
}

/// One maintenance run: per-step duration and outcome (gauges of the last run), and what it
/// did (counters across runs; a dry run counts nothing but itself).
fn maintain_run(out: &mut Exposition, report: &MaintainReport, now_seconds: f64) {
    for table in &report.tables {
        let name = table.table.as_str();
        let labels = [("table", name)];
        let real = if report.dry_run { 0.0 } else { 1.0 };
        out.gauge(
            "floe_maintain_last_run_timestamp_seconds",
            "When the last `floe maintain` run on the table ended (Unix time).",
            &labels,
            now_seconds,
        );
        out.gauge(
            "floe_maintain_last_run_success",
            "1 when the last run finished every step (or left the table to a run holding it).",
            &labels,
            if matches!(table.outcome.as_str(), "done" | "busy") {
                1.0
            } else {
                0.0
            },
        );
        out.gauge(
            "floe_maintain_last_run_duration_seconds",
            "How long the last run worked on the table.",
            &labels,
            table.seconds,
        );
        out.count(
            "floe_maintain_runs_total",
            "Maintenance runs on the table, by outcome (done, failed, busy, unreadable, dry_run).",
            &[
                ("table", name),
                (
                    "outcome",
                    if report.dry_run {
                        "dry_run"
                    } else {
                        table.outcome.as_str()
                    },
                ),
            ],
            1.0,
        );
        type StepCount = fn(&StepRecord) -> u64;
        let step_counters: [(&str, &str, StepCount); 4] = [
            (
                "floe_maintain_rewritten_rows_total",
                "Rows compaction rewrote into new files.",
                |s| s.rows_rewritten,
            ),
            (
                "floe_maintain_rewritten_bytes_total",
                "Bytes of data files compaction rewrote.",
                |s| s.bytes_rewritten,
            ),
            (
                "floe_maintain_deleted_files_total",
                "Files deleted by expiry, metadata trimming and orphan removal.",
                |s| s.files_deleted,
            ),
            (
                "floe_maintain_reclaimed_bytes_total",
                "Bytes of the files deleted.",
                |s| s.bytes_reclaimed,
            ),
        ];
        for (metric, help, count) in step_counters {
            let total = table.steps.iter().map(count).sum::<u64>() as f64 * real;
            out.count(metric, help, &labels, total);
        }
        let lost_steps = table
            .steps
            .iter()
            .filter(|s| {
                // A compaction step that failed on lost groups counts its groups below.
                s.status == StepStatus::Failed
                    && s.groups_conflicted == 0
                    && s.error_kind.as_deref()
                        == Some(crate::error::ErrorKind::CommitConflict.as_str())
            })
            .count() as u64;
        out.count(
            "floe_maintain_conflicts_total",
            "Commits lost to concurrent writers: failed steps and compaction groups.",
            &labels,
            (lost_steps + table.steps.iter().map(|s| s.groups_conflicted).sum::<u64>()) as f64,
        );
        let failed_steps = table
            .steps
            .iter()
            .filter(|s| s.status == StepStatus::Failed)
            .count();
        let table_failed = table.steps.is_empty() && !matches!(table.outcome.as_str(), "busy");
        out.count(
            "floe_maintain_failures_total",
            "Failed steps, or runs that could not work on the table at all.",
            &labels,
            (failed_steps + usize::from(table_failed)) as f64,
        );
        for step in &table.steps {
            let step_name = step.step.name();
            let step_labels = [("table", name), ("step", step_name.as_str())];
            out.gauge(
                "floe_maintain_step_duration_seconds",
                "How long each step of the last run took.",
                &step_labels,
                step.seconds,
            );
            for status in [
                StepStatus::Done,
                StepStatus::Clean,
                StepStatus::Skipped,
                StepStatus::Failed,
            ] {
                out.gauge(
                    "floe_maintain_step_status",
                    "Outcome of each step of the last run: 1 for its status, 0 for the others.",
                    &[
                        ("table", name),
                        ("step", step_name.as_str()),
                        ("status", status_name(status)),
                    ],
                    if step.status == status { 1.0 } else { 0.0 },
                );
            }
        }
    }
}

fn write(exposition: Exposition, path: &Path) -> Result<()> {
    exposition.write_file(path).map_err(|e| {
        FloeError::invalid(format!(
            "cannot write --metrics-file {}: {e}",
            path.display()
        ))
        .into()
    })
}

/// `health --metrics-file`.
pub fn write_health_metrics(path: &Path, health: &HealthReport) -> Result<()> {
    let mut out = Exposition::default();
    for table in &health.tables {
        table_state(&mut out, table, "health");
    }
    write(out, path)
}

/// `maintain --metrics-file`: the run, and each table's state after it.
pub fn write_maintain_metrics(
    path: &Path,
    report: &MaintainReport,
    after: &HealthReport,
) -> Result<()> {
    let mut out = Exposition::default();
    let now = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    maintain_run(&mut out, report, now);
    for table in &after.tables {
        table_state(&mut out, table, "maintain");
    }
    write(out, path)
}
