//! The JSON contract scripts rely on: each shape below is what the README documents, and the
//! real output must deserialize into it with unknown fields denied and every field present. A
//! renamed, dropped or added field fails here before it breaks someone's cron job.

mod common;

use common::*;
use serde::Deserialize;
use serde_json::Value;

fn exactly<T: serde::de::DeserializeOwned>(value: &Value) -> T {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{e}: the JSON no longer matches its contract:\n{value:#}"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ErrorDoc {
    error: ErrorBody,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ErrorBody {
    kind: String,
    message: String,
    causes: Vec<String>,
    hint: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Ingest {
    table: String,
    mode: String,
    snapshot_id: Option<i64>,
    sequence_number: Option<i64>,
    input_files: u64,
    input_bytes: u64,
    files_added: u64,
    records_added: u64,
    bytes_added: u64,
    elapsed_ms: u64,
    commit_attempts: u32,
    commit_id: String,
    schema_changes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Maintain {
    dry_run: bool,
    tables: Vec<MaintainTable>,
    bytes_reclaimed: u64,
    seconds: f64,
    exit_code: i32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct MaintainTable {
    table: String,
    outcome: String,
    steps: Vec<MaintainStep>,
    bytes_reclaimed: u64,
    seconds: f64,
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct MaintainStep {
    step: String,
    status: String,
    bytes_reclaimed: u64,
    seconds: f64,
    report: Option<Value>,
    error: Option<String>,
    error_kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Health {
    tables: Vec<HealthTable>,
    worst: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct HealthTable {
    table: String,
    status: Option<String>,
    findings: Vec<Finding>,
    stats: HealthStats,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Finding {
    check: String,
    severity: String,
    message: String,
    fix: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct HealthStats {
    data_files: u64,
    small_files: u64,
    partitions_with_small_files: u64,
    delete_files: u64,
    manifests: u64,
    snapshots: u64,
    oldest_snapshot_age_ms: Option<i64>,
    metadata_files: u64,
    orphan_files: u64,
    orphan_bytes: u64,
    last_maintained_ms: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Verify {
    table: String,
    deep: bool,
    ok: bool,
    snapshots_checked: Vec<i64>,
    manifest_lists: u64,
    manifests: u64,
    data_files: u64,
    delete_files: u64,
    footers_read: u64,
    problems: Vec<Problem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Problem {
    kind: String,
    at: String,
    detail: String,
}

#[test]
fn unattended_commands_keep_their_json_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let input = dir.path().join("rows.parquet");
    write_parquet(&input, &[events_batch(0, 10)]);
    floe.json(&["create", "db.t", "--like", input.to_str().unwrap()]);
    let ingest: Ingest = exactly(&floe.json(&["ingest", "db.t", input.to_str().unwrap()]));
    assert_eq!(ingest.records_added, 10);

    let health: Health = exactly(&floe.json(&["health", "--all"]));
    assert_eq!(health.tables.len(), 1);
    let maintain: Maintain = exactly(&floe.json(&["maintain", "--all"]));
    assert_eq!(maintain.exit_code, 0);
    assert_eq!(maintain.tables[0].steps.len(), 5);
    let verify: Verify = exactly(&floe.json(&["verify", "db.t", "--deep"]));
    assert!(verify.ok);

    let failed = floe.run(&["describe", "db.missing", "-o", "json"]);
    assert_eq!(failed.code, 1);
    let error: ErrorDoc = exactly(&failed.json_error());
    assert_eq!(error.error.kind, "not_found");
}
