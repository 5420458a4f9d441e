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
    replaced: Option<Value>,
    skip_loaded: Option<Value>,
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
    engine: String,
    bytes_reclaimed: u64,
    rows_rewritten: u64,
    bytes_rewritten: u64,
    files_deleted: u64,
    groups_conflicted: u64,
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
    file_sizes: Option<Value>,
    partition_skew: Option<Value>,
    columns: Vec<ColumnDiagnostics>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ColumnDiagnostics {
    column: String,
    field_id: i32,
    bytes: u64,
    null_count: u64,
    value_count: u64,
    null_rate: Option<f64>,
    file_pairs: Option<u64>,
    overlapping_file_pairs: Option<u64>,
    overlap_ratio: Option<f64>,
    fix: Option<String>,
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
    data_bytes: u64,
    records: u64,
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
    deletion_vectors: u64,
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
    assert_eq!(maintain.tables[0].steps.len(), 6);
    let verify: Verify = exactly(&floe.json(&["verify", "db.t", "--deep"]));
    assert!(verify.ok);

    let failed = floe.run(&["describe", "db.missing", "-o", "json"]);
    assert_eq!(failed.code, 1);
    let error: ErrorDoc = exactly(&failed.json_error());
    assert_eq!(error.error.kind, "not_found");
}

/// The documented shapes: command → object path → exact keys (`None`: a map, or the opaque
/// report of a maintain step).
fn documented(
) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, Option<Vec<String>>>> {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/json.md"),
    )
    .unwrap();
    let mut out = std::collections::BTreeMap::new();
    let mut current = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("## floe ") {
            current = Some(name.to_string());
            out.insert(name.to_string(), std::collections::BTreeMap::new());
        } else if let (Some(name), Some(rest)) = (&current, line.strip_prefix("- `")) {
            let (path, keys) = rest.split_once("`: ").unwrap();
            let keys = if keys.starts_with('*') || keys.starts_with("the step") {
                None
            } else {
                Some(keys.split(", ").map(str::to_string).collect())
            };
            out.get_mut(name).unwrap().insert(path.to_string(), keys);
        }
    }
    out
}

/// Every object path in `value` with its keys; paths the doc marks as maps are not entered.
fn observed(
    value: &Value,
    path: &str,
    maps: &std::collections::BTreeMap<String, Option<Vec<String>>>,
    out: &mut std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) {
    let path = path.replace(".children[].children[]", ".children[]");
    if matches!(maps.get(&path), Some(None)) {
        return;
    }
    match value {
        Value::Object(map) => {
            out.entry(path.clone())
                .or_default()
                .extend(map.keys().cloned());
            for (key, child) in map {
                let child_path = if path == "." {
                    format!(".{key}")
                } else {
                    format!("{path}.{key}")
                };
                observed(child, &child_path, maps, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                observed(item, &format!("{path}[]"), maps, out);
            }
        }
        _ => {}
    }
}

/// Run every documented command on a small table and hold its output to the documented shape.
#[test]
fn every_command_matches_docs_json_md() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    std::fs::write(
        dir.path().join("a.csv"),
        "id,region,v\n1,eu,1.5\n2,us,2.5\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("s.yaml"),
        "fields:\n  - {name: id, type: long, required: true}\n  - {name: region, type: string}\n  - name: v\n    type: {type: struct, fields: [{name: x, type: double}]}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("b.csv"), "id,region\n3,eu\n").unwrap();
    let mut outputs: Vec<(&str, Value)> = vec![];
    outputs.push((
        "create",
        floe.json(&[
            "create",
            "db.t",
            "--schema",
            "s.yaml",
            "--partition-by",
            "region",
            "--sort-by",
            "id",
        ]),
    ));
    outputs.push(("ingest", floe.json(&["ingest", "db.t", "b.csv"])));
    floe.json(&["ingest", "db.t", "b.csv"]);
    let first = floe.json(&["snapshots", "db.t"])["snapshots"][0]["snapshot_id"]
        .as_i64()
        .unwrap()
        .to_string();
    floe.json(&["query", "db.t", "--out", "adopt.parquet"]);
    outputs.push((
        "add-files",
        floe.json(&["add-files", "db.t", "adopt.parquet", "--dry-run"]),
    ));
    outputs.push((
        "ingest",
        floe.json(&["ingest", "db.t", "b.csv", "--upsert=id"]),
    ));
    outputs.push((
        "ingest",
        floe.json(&["ingest", "db.t", "b.csv", "--skip-loaded"]),
    ));
    outputs.push((
        "delete",
        floe.json(&["delete", "db.t", "--where", "id = 3", "--dry-run"]),
    ));
    // Two merge-on-read deletes give one data file two position delete files to merge.
    std::fs::write(dir.path().join("c.csv"), "id,region\n4,eu\n5,eu\n6,eu\n").unwrap();
    floe.json(&["ingest", "db.t", "c.csv"]);
    for id in ["4", "5"] {
        let pred = format!("id = {id}");
        floe.json(&[
            "delete",
            "db.t",
            "--where",
            &pred,
            "--mode",
            "merge-on-read",
        ]);
    }
    outputs.push((
        "rewrite-position-deletes",
        floe.json(&[
            "rewrite-position-deletes",
            "db.t",
            "--min-input-files",
            "2",
            "--dry-run",
        ]),
    ));
    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("describe", vec!["describe", "db.t"]),
        ("schema", vec!["schema", "db.t"]),
        (
            "schema evolve",
            vec!["schema", "evolve", "db.t", "--add", "v.y:int", "--dry-run"],
        ),
        ("snapshots", vec!["snapshots", "db.t"]),
        ("snapshot", vec!["snapshot", "db.t", &first]),
        ("files", vec!["files", "db.t"]),
        ("diff", vec!["diff", "db.t", &first, "main"]),
        ("history", vec!["history", "db.t"]),
        ("refs", vec!["refs", "db.t"]),
        ("manifests", vec!["manifests", "db.t"]),
        ("partitions", vec!["partitions", "db.t"]),
        ("query --explain", vec!["query", "db.t", "--explain"]),
        (
            "compact",
            vec!["compact", "db.t", "--dry-run", "--rewrite-all"],
        ),
        (
            "compact",
            vec![
                "compact",
                "db.t",
                "--dry-run",
                "--rewrite-all",
                "--strategy",
                "zorder",
                "--zorder-by",
                "id,region",
            ],
        ),
        (
            "expire",
            vec![
                "expire",
                "db.t",
                "--older-than",
                "0s",
                "--retain-last",
                "1",
                "--dry-run",
            ],
        ),
        // Spark's dry runs print the statement without running Spark.
        (
            "compact",
            vec!["compact", "db.t", "--dry-run", "--engine", "spark"],
        ),
        (
            "expire",
            vec![
                "expire",
                "db.t",
                "--older-than",
                "0s",
                "--dry-run",
                "--engine",
                "spark",
            ],
        ),
        (
            "remove-orphans",
            vec!["remove-orphans", "db.t", "--dry-run"],
        ),
        ("verify", vec!["verify", "db.t", "--deep"]),
        ("health", vec!["health", "db.t"]),
        ("report", vec!["report", "db.t"]),
        ("policy show", vec!["policy", "show", "db.t"]),
        ("maintain", vec!["maintain", "db.t"]),
        ("rewrite-manifests", vec!["rewrite-manifests", "db.t"]),
        (
            "tag create",
            vec!["tag", "create", "db.t", "t1", "--snapshot", &first],
        ),
        ("branch create", vec!["branch", "create", "db.t", "b1"]),
        (
            "rollback",
            vec!["rollback", "db.t", "--to-snapshot", &first],
        ),
        (
            "properties",
            vec!["properties", "db.t", "--set", "owner=me"],
        ),
        (
            "sort-order set",
            vec!["sort-order", "set", "db.t", "id desc"],
        ),
        (
            "partition evolve",
            vec!["partition", "evolve", "db.t", "--add", "bucket(2, id)"],
        ),
        ("list", vec!["list"]),
        ("namespaces", vec!["namespaces"]),
        ("drop", vec!["drop", "db.t"]),
    ];
    for (name, args) in &runs {
        outputs.push((name, floe.json(args)));
    }
    let docs = documented();
    let mut checked = std::collections::BTreeSet::new();
    for (name, value) in outputs {
        let shapes = docs
            .get(name)
            .unwrap_or_else(|| panic!("docs/json.md has no section for floe {name}"));
        let mut seen = std::collections::BTreeMap::new();
        observed(&value, ".", shapes, &mut seen);
        for (path, keys) in seen {
            match shapes.get(&path) {
                Some(Some(documented)) => {
                    let documented: std::collections::BTreeSet<String> =
                        documented.iter().cloned().collect();
                    assert_eq!(keys, documented, "floe {name}: keys of {path}");
                }
                Some(None) => {}
                None => panic!("floe {name}: {path} is not in docs/json.md ({keys:?})"),
            }
        }
        checked.insert(name.to_string());
    }
    let undocumented: Vec<&String> = docs.keys().filter(|k| !checked.contains(*k)).collect();
    assert!(
        undocumented.is_empty(),
        "documented but not run: {undocumented:?}"
    );
}
