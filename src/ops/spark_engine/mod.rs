//! `--engine spark`: run a maintenance command as Iceberg's Spark procedure. floe maps its
//! options onto the procedure's (refusing what Spark cannot honour), reads the table itself
//! before and after, verifies the new snapshot, and reports in the command's usual shape.
//!
//! Where floe has a dry run and Spark has none (`rewrite_data_files`, `rewrite_manifests`,
//! `expire_snapshots`), `--dry-run` runs nothing and reports the statement and Spark
//! configuration that would run; `remove_orphan_files` has its own (`dry_run => true`).

mod procedures;

use std::collections::{BTreeMap, HashSet};

use anyhow::Result;
use iceberg::table::Table;
use serde::Serialize;

pub use procedures::{compact, expire, remove_orphans, rewrite_manifests};

use crate::error::{ErrorKind, FloeError};
use crate::table::live_files::{live_files, LiveFile};
use crate::table::spark::{redacted, redacted_argv};
use crate::table::spark::{run_statement, spark_catalog, Launcher, ProcedureOutput};
use crate::table::verify::Problem;
use crate::table::{Session, TableRef, TableTarget};

/// A table's state as floe reads it: the current snapshot and its live files.
#[derive(Debug, Clone, Serialize)]
pub struct TableState {
    pub snapshot_id: Option<i64>,
    pub snapshots: usize,
    pub data_files: usize,
    pub delete_files: usize,
    pub data_bytes: u64,
    pub delete_bytes: u64,
    pub records: u64,
}

/// Live files that left or joined the current snapshot across the Spark run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileChange {
    pub data_files: usize,
    pub delete_files: usize,
    pub bytes: u64,
    /// Rows of the data files.
    pub records: u64,
}

impl FileChange {
    /// The files of `of` that are not in `other`.
    fn between(of: &[LiveFile], other: &[LiveFile]) -> Self {
        let paths: HashSet<&str> = other.iter().map(|f| f.path.as_str()).collect();
        let mut change = FileChange::default();
        for f in of.iter().filter(|f| !paths.contains(f.path.as_str())) {
            change.bytes += f.size_bytes;
            if f.is_delete {
                change.delete_files += 1;
            } else {
                change.data_files += 1;
                change.records += f.records;
            }
        }
        change
    }
}

/// floe's verification of the snapshot Spark committed.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyOutcome {
    pub snapshot_id: i64,
    pub ok: bool,
    pub problems: Vec<Problem>,
}

/// What Spark was asked to do and what came of it (the `spark` object of a report).
#[derive(Debug, Clone, Serialize)]
pub struct SparkRun {
    /// The Iceberg procedure (`rewrite_data_files`, …).
    pub procedure: String,
    /// The `CALL` statement.
    pub statement: String,
    /// The launcher command, without the `--conf` floe adds.
    pub launcher: Vec<String>,
    /// The `--conf` settings floe adds (credentials shown as `***`).
    pub conf: BTreeMap<String, String>,
    /// Whether Spark ran (a dry run of a procedure without one does not).
    pub ran: bool,
    pub seconds: f64,
    /// The procedure's result rows.
    pub output: ProcedureOutput,
    pub before: TableState,
    /// The table after Spark, as floe reads it (null when Spark did not run).
    pub after: Option<TableState>,
    /// Live files of `before` no longer live in `after`.
    pub removed: FileChange,
    /// Live files of `after` that were not live in `before`.
    pub added: FileChange,
    /// Snapshots Spark added.
    pub new_snapshot_ids: Vec<i64>,
    /// floe's check of the files of the snapshot Spark committed (null when none).
    pub verify: Option<VerifyOutcome>,
}

impl SparkRun {
    /// False when floe's verification of Spark's snapshot found problems.
    pub fn verified(&self) -> bool {
        self.verify.as_ref().is_none_or(|v| v.ok)
    }
}

/// A procedure call: its name, named arguments (SQL literals) beside `table`, and the
/// columns of its result.
pub(crate) struct Call {
    pub procedure: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub columns: &'static [&'static str],
}

/// A SQL string literal.
pub(crate) fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A timestamp literal for epoch milliseconds, in UTC whatever the session's time zone.
pub(crate) fn sql_timestamp(ms: i64) -> Result<String> {
    let time = chrono::DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| FloeError::usage(format!("{ms} ms is not a time Spark can take")))?;
    Ok(format!(
        "TIMESTAMP '{}'",
        time.format("%Y-%m-%d %H:%M:%S%.3fZ")
    ))
}

/// What a finished (or dry) run leaves for the command's report.
pub(crate) struct Finished {
    pub run: SparkRun,
    pub target: TableTarget,
    pub before: Table,
    pub after: Option<Table>,
    pub after_files: Vec<LiveFile>,
}

async fn files_of(table: &Table) -> Result<Vec<LiveFile>> {
    match table.metadata().current_snapshot_id() {
        Some(id) => live_files(table, id).await,
        None => Ok(vec![]),
    }
}

fn state_of(table: &Table, files: &[LiveFile]) -> TableState {
    let sum = |delete: bool, f: fn(&LiveFile) -> u64| {
        files
            .iter()
            .filter(|x| x.is_delete == delete)
            .map(f)
            .sum::<u64>()
    };
    TableState {
        snapshot_id: table.metadata().current_snapshot_id(),
        snapshots: table.metadata().snapshots().count(),
        data_files: files.iter().filter(|f| !f.is_delete).count(),
        delete_files: files.iter().filter(|f| f.is_delete).count(),
        data_bytes: sum(false, |f| f.size_bytes),
        delete_bytes: sum(true, |f| f.size_bytes),
        records: sum(false, |f| f.records),
    }
}

/// Run the call `build` makes from the table on it through Spark (or, when `execute` is false, only prepare it).
pub(crate) async fn run_call(
    session: &Session,
    table: &TableRef,
    build: impl FnOnce(&Table) -> Result<Call>,
    execute: bool,
) -> Result<Finished> {
    let target = session.target(table).await?;
    let before = target.load().await?;
    // Spark commits to and deletes from this table: the same guard floe's own writes use.
    target.ensure_home_location(&before)?;
    let call = build(&before)?;
    let catalog = spark_catalog(session.catalog_name(), session.catalog_config(), table)?;
    if let Some(warehouse) = catalog.unsafe_hadoop_warehouse() {
        if !session.spark_settings().allow_unsafe_commits {
            return Err(FloeError::usage(format!(
                "Spark would commit to {} through its hadoop catalog on {warehouse}, object storage where that commit (check, then rename) is not atomic and can overwrite a concurrent commit",
                target.display
            ))
            .with_hint("point floe at a sql, rest or glue catalog for this table (Spark then commits through it), run the step on floe (--engine floe), or pass --allow-unsafe-spark-commits if nothing else writes the table meanwhile")
            .into());
        }
    }
    let launcher = Launcher::resolve(None, session.spark_settings())?;
    let mut conf = catalog.conf.clone();
    conf.extend(session.spark_settings().conf.clone());
    let mut shown = catalog.redacted_conf();
    shown.extend(
        session
            .spark_settings()
            .conf
            .iter()
            .map(|(k, v)| (k.clone(), redacted(k, v))),
    );
    let mut arguments = vec![format!("table => {}", sql_string(&catalog.quoted_table()))];
    arguments.extend(call.args.iter().map(|(k, v)| format!("{k} => {v}")));
    let statement = format!(
        "CALL {}.system.{}({})",
        catalog.quoted_name(),
        call.procedure,
        arguments.join(", ")
    );
    let before_files = files_of(&before).await?;
    let mut run = SparkRun {
        procedure: call.procedure.to_string(),
        statement,
        launcher: redacted_argv(&launcher.argv),
        conf: shown,
        ran: false,
        seconds: 0.0,
        output: ProcedureOutput {
            columns: call.columns.iter().map(|c| c.to_string()).collect(),
            rows: vec![],
        },
        before: state_of(&before, &before_files),
        after: None,
        removed: FileChange::default(),
        added: FileChange::default(),
        new_snapshot_ids: vec![],
        verify: None,
    };
    if !execute {
        return Ok(Finished {
            run,
            target,
            before,
            after: None,
            after_files: vec![],
        });
    }
    let outcome = run_statement(&launcher, &conf, &run.statement, call.columns).await;
    let after = target.load().await?;
    let (output, seconds) = match outcome {
        Ok(done) => done,
        Err(e) if crate::error::kind_of(&e) == ErrorKind::Failed => {
            let was = before.metadata().current_snapshot_id();
            let now = after.metadata().current_snapshot_id();
            let state = if was == now {
                format!(
                    "table {} is unchanged (current snapshot {})",
                    target.display,
                    show_id(was)
                )
            } else {
                format!(
                    "table {} moved from snapshot {} to {} meanwhile (Spark's partial progress or another writer)",
                    target.display,
                    show_id(was),
                    show_id(now)
                )
            };
            return Err(FloeError::new(
                ErrorKind::Failed,
                format!(
                    "Spark's {} on {}: {e}\n{state}",
                    call.procedure, target.display
                ),
            )
            .with_hint(
                "the statement and configuration are shown by the same command with --dry-run",
            )
            .into());
        }
        Err(e) => return Err(e),
    };
    let after_files = files_of(&after).await?;
    let known: HashSet<i64> = before
        .metadata()
        .snapshots()
        .map(|s| s.snapshot_id())
        .collect();
    let mut added: Vec<(i64, i64)> = after
        .metadata()
        .snapshots()
        .filter(|s| !known.contains(&s.snapshot_id()))
        .map(|s| (s.sequence_number(), s.snapshot_id()))
        .collect();
    added.sort();
    run.ran = true;
    run.seconds = seconds;
    run.output = output;
    run.after = Some(state_of(&after, &after_files));
    run.removed = FileChange::between(&before_files, &after_files);
    run.added = FileChange::between(&after_files, &before_files);
    run.new_snapshot_ids = added.into_iter().map(|(_, id)| id).collect();
    let current = after.metadata().current_snapshot_id();
    if let Some(id) = current.filter(|id| Some(*id) != before.metadata().current_snapshot_id()) {
        let checked =
            crate::table::verify::verify(&after, target.catalog.stores(), &[id], false).await?;
        run.verify = Some(VerifyOutcome {
            snapshot_id: id,
            ok: checked.problems.is_empty(),
            problems: checked.problems,
        });
    }
    Ok(Finished {
        run,
        target,
        before,
        after: Some(after),
        after_files,
    })
}

fn show_id(id: Option<i64>) -> String {
    id.map(|i| i.to_string()).unwrap_or_else(|| "none".into())
}

/// The error for a report whose Spark snapshot failed floe's verification.
pub fn verification_failed(run: &SparkRun, table: &str) -> Option<anyhow::Error> {
    let verify = run.verify.as_ref().filter(|v| !v.ok)?;
    Some(
        FloeError::new(
            ErrorKind::Failed,
            format!(
                "snapshot {} that Spark committed to {table} failed verification: {}",
                verify.snapshot_id,
                verify
                    .problems
                    .iter()
                    .map(|p| format!("{} at {}", p.kind, p.at))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )
        .with_hint("inspect it with `floe verify --deep`; roll back with `floe rollback`")
        .into(),
    )
}

/// An option Spark's procedure cannot honour: a usage error naming it and why.
pub(crate) fn refuse(option: &str, why: &str) -> anyhow::Error {
    FloeError::usage(format!(
        "{option} cannot be used with --engine spark: {why}"
    ))
    .with_hint("drop the option, or run the command with --engine floe")
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(sql_string("region = 'eu'"), "'region = \\'eu\\''");
        assert_eq!(
            sql_timestamp(1_704_067_200_123).unwrap(),
            "TIMESTAMP '2024-01-01 00:00:00.123Z'"
        );
    }
}
