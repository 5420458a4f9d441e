//! Safety beside other writers and odd inputs, through the real binary: compaction after a
//! partition-spec change, partition values that are not safe path segments, metadata
//! trimming next to a fresh commit, refs' retention kept, and cleanup refused where it would
//! touch files that are not the table's own.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{events_batch, pyiceberg_read, python, write_parquet, Floe, AWKWARD_KEYS};
use serde_json::Value;

struct Lake {
    dir: tempfile::TempDir,
    floe: Floe,
}

impl Lake {
    fn new() -> Lake {
        let dir = tempfile::tempdir().unwrap();
        let floe = Floe::new(dir.path());
        Lake { dir, floe }
    }

    fn path(&self, rel: &str) -> String {
        self.dir.path().join(rel).to_string_lossy().to_string()
    }

    fn parquet(&self, name: &str, start: i64, rows: usize) -> String {
        let path = self.path(&format!("{name}.parquet"));
        write_parquet(Path::new(&path), &[events_batch(start, rows)]);
        path
    }

    fn count(&self, table: &str) -> i64 {
        self.floe
            .json(&["query", table, "--select", "count(*) AS n"])[0]["n"]
            .as_i64()
            .unwrap()
    }

    fn distinct_ids(&self, table: &str) -> i64 {
        self.floe
            .json(&["query", table, "--select", "count(DISTINCT id) AS n"])[0]["n"]
            .as_i64()
            .unwrap()
    }

    fn files(&self, table: &str) -> Vec<Value> {
        self.floe.json(&["files", table])["files"]
            .as_array()
            .unwrap()
            .clone()
    }

    fn metadata_location(&self, table: &str) -> String {
        self.floe.json(&["describe", table])["metadata_location"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

#[test]
fn compaction_after_a_partition_spec_change_keeps_every_row() {
    let lake = Lake::new();
    let table = lake.path("wh/db/events");
    let first = lake.parquet("first", 0, 300);
    lake.floe.json(&[
        "create",
        &table,
        "--like",
        &first,
        "--partition-by",
        "day(ts)",
    ]);
    lake.floe.json(&["ingest", &table, &first]);
    lake.floe.json(&[
        "partition",
        "evolve",
        &table,
        "--add",
        "month(ts)",
        "--remove",
        "day(ts)",
    ]);
    let more = lake.parquet("more", 300, 100);
    lake.floe.json(&["ingest", &table, &more]);
    let compacted = lake
        .floe
        .json(&["compact", &table, "--min-input-files", "1"]);
    assert_eq!(compacted["snapshot_ids"].as_array().unwrap().len(), 1);
    assert_eq!(compacted["groups_failed"], 0);

    let files = lake.files(&table);
    let paths: Vec<&str> = files
        .iter()
        .map(|f| f["file_path"].as_str().unwrap())
        .collect();
    let distinct: BTreeSet<&str> = paths.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        paths.len(),
        "one manifest entry per file: {paths:?}"
    );
    for f in &files {
        let path = f["file_path"].as_str().unwrap();
        let size = std::fs::metadata(path).unwrap().len();
        assert_eq!(size, f["file_size_bytes"].as_u64().unwrap(), "{path}");
        assert_eq!(f["partition_spec_id"], 1, "all in the new spec: {path}");
        assert!(
            path.contains("/ts_month=2024-"),
            "human month in the path: {path}"
        );
    }
    assert_eq!(lake.count(&table), 400);
    assert_eq!(lake.distinct_ids(&table), 400);
    lake.floe
        .json(&["verify", &table, "--all-snapshots", "--deep"]);
    if let Some(python) = python() {
        let read = pyiceberg_read(&python, &table, None);
        assert_eq!(read["row_count"], 400);
        let ids: BTreeSet<i64> = read["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len(), 400);
    }
}

#[test]
fn awkward_partition_values_are_escaped_as_java_escapes_them() {
    let lake = Lake::new();
    let table = lake.path("wh/db/keys");
    let input = lake.path("keys.json");
    common::write_awkward_keys(Path::new(&input));
    lake.floe
        .json(&["create", &table, "--like", &input, "--partition-by", "k"]);
    lake.floe.json(&["ingest", &table, &input]);

    let files = lake.files(&table);
    assert_eq!(files.len(), AWKWARD_KEYS.len() + 1, "one file per value");
    let data_dir = format!("{table}/data/");
    let mut dirs = BTreeSet::new();
    for f in &files {
        let path = f["file_path"].as_str().unwrap();
        assert!(Path::new(path).is_file(), "written where recorded: {path}");
        let rest = path.strip_prefix(&data_dir).unwrap();
        let (dir, name) = rest.split_once('/').unwrap();
        assert!(!name.contains('/'), "one directory level: {path}");
        dirs.insert(dir.to_string());
    }
    for expected in [
        "k=https%3A%2F%2Fex.com%2Fa",
        "k=a%2F%2Fb",
        "k=..%2Fup",
        "k=x%2F.%2Fy",
        "k=trail%2F",
        "k=50%25",
        "k=k%3Dv",
        "k=with+space",
        "k=z%C3%BCrich",
        "k=tab%09here",
        "k=",
        "k=.",
        "k=..",
        "k=null",
    ] {
        assert!(dirs.contains(expected), "{expected} in {dirs:?}");
    }
    assert_eq!(lake.count(&table), AWKWARD_KEYS.len() as i64 + 1);
    // Each value reads back exactly, through partition pruning too.
    for (i, k) in AWKWARD_KEYS.iter().enumerate() {
        let literal = k.replace('\'', "''");
        let rows = lake.floe.json(&[
            "query",
            &table,
            "--where",
            &format!("k = '{literal}'"),
            "--select",
            "id",
        ]);
        assert_eq!(rows, serde_json::json!([{"id": i}]), "value {k:?}");
    }
    // Nothing under the table is an orphan: every file is where the manifest says.
    let orphans = lake.floe.json(&[
        "remove-orphans",
        &table,
        "--older-than",
        "0s",
        "--force",
        "--dry-run",
    ]);
    assert_eq!(orphans["files"], 0, "{orphans}");
    if let Some(python) = python() {
        let read = pyiceberg_read(&python, &table, None);
        assert_eq!(read["row_count"], AWKWARD_KEYS.len() + 1);
        let keys: BTreeSet<String> = read["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["k"].as_str().map(str::to_string))
            .collect();
        let expected: BTreeSet<String> = AWKWARD_KEYS.iter().map(|k| k.to_string()).collect();
        assert_eq!(keys, expected);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn metadata_trimming_never_deletes_a_newer_version() {
    let lake = Lake::new();
    let table = lake.path("wh/db/trim");
    let input = lake.parquet("in", 0, 10);
    lake.floe.json(&["create", &table, "--like", &input]);
    for _ in 0..3 {
        lake.floe.json(&["ingest", &table, &input]);
    }
    let session = floe::table::Session::embedded(&lake.path("wh"));
    let table_ref = floe::table::TableRef::parse(&table).unwrap();
    let target = session.target(&table_ref).await.unwrap();
    // Trimming read the table at v4 ...
    let view = target.load().await.unwrap();
    assert!(view
        .metadata_location()
        .unwrap()
        .ends_with("v4.metadata.json"));
    // ... and a commit lands before it lists the folder, in the same clock second (as on S3,
    // whose times have whole seconds).
    lake.floe.json(&["ingest", &table, &input]);
    let meta = Path::new(&table).join("metadata");
    let stamp = std::fs::metadata(meta.join("v4.metadata.json"))
        .unwrap()
        .modified()
        .unwrap();
    let newer = meta.join("v5.metadata.json");
    std::fs::File::options()
        .write(true)
        .open(&newer)
        .unwrap()
        .set_modified(stamp)
        .unwrap();
    // A stray older version nobody logs is still trimmed.
    let stray = meta.join("v0.metadata.json");
    std::fs::copy(meta.join("v1.metadata.json"), &stray).unwrap();

    let (trimmed, failed) = floe::table::expire::trim_metadata(&view, session.stores(), false)
        .await
        .unwrap();
    assert!(failed.is_empty());
    assert!(
        newer.exists(),
        "the newest version survives: trimmed {trimmed:?}"
    );
    assert_eq!(trimmed, vec![stray.to_string_lossy().to_string()]);
    assert_eq!(lake.count(&table), 40);
}

#[test]
fn orphan_removal_refuses_tables_without_garbage_collection() {
    let lake = Lake::new();
    let table = lake.path("wh/db/shared");
    let input = lake.parquet("in", 0, 10);
    lake.floe.json(&["create", &table, "--like", &input]);
    lake.floe.json(&["ingest", &table, &input]);
    lake.floe
        .json(&["properties", &table, "--set", "gc.enabled=false"]);
    let foreign = Path::new(&table).join("data/other-table-file.parquet");
    std::fs::write(&foreign, b"another table's bytes").unwrap();
    let run = lake.floe.run(&[
        "remove-orphans",
        &table,
        "--older-than",
        "0s",
        "--force",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let error = run.json_error();
    assert_eq!(error["error"]["kind"], "invalid_input");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("gc.enabled=false"),
        "{error}"
    );
    assert!(foreign.exists());
}

#[test]
fn a_copied_table_refuses_writes_and_cleanup() {
    let lake = Lake::new();
    let original = lake.path("wh/db/original");
    let copy = lake.path("copy/db/original");
    let input = lake.parquet("in", 0, 10);
    lake.floe.json(&["create", &original, "--like", &input]);
    lake.floe.json(&["ingest", &original, &input]);
    lake.floe.json(&["ingest", &original, &input]);
    copy_dir(Path::new(&original), Path::new(&copy));
    // The original moves on; its newest file is not in the copy's metadata.
    lake.floe.json(&["ingest", &original, &input]);
    let original_files = common::data_files(Path::new(&original));

    assert_eq!(lake.count(&copy), 20, "reads still work");
    for args in [
        vec!["ingest", copy.as_str(), input.as_str()],
        vec![
            "remove-orphans",
            copy.as_str(),
            "--older-than",
            "0s",
            "--force",
        ],
        vec![
            "expire",
            copy.as_str(),
            "--older-than",
            "0s",
            "--retain-last",
            "1",
        ],
    ] {
        let mut all = args.clone();
        all.extend(["-o", "json"]);
        let run = lake.floe.run(&all);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        let message = run.json_error()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(message.contains("looks copied"), "{args:?}: {message}");
    }
    assert_eq!(common::data_files(Path::new(&original)), original_files);
    assert_eq!(lake.count(&original), 30);
    assert_eq!(
        lake.metadata_location(&copy),
        format!("{copy}/metadata/v3.metadata.json")
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn commits_keep_mains_retention_settings() {
    use iceberg::spec::{SnapshotReference, SnapshotRetention, MAIN_BRANCH};
    let lake = Lake::new();
    let table = lake.path("wh/db/kept");
    let input = lake.parquet("in", 0, 10);
    lake.floe.json(&["create", &table, "--like", &input]);
    lake.floe.json(&["ingest", &table, &input]);
    let session = floe::table::Session::embedded(&lake.path("wh"));
    let target = session
        .target(&floe::table::TableRef::parse(&table).unwrap())
        .await
        .unwrap();
    let loaded = target.load().await.unwrap();
    let head = loaded.metadata().current_snapshot_id().unwrap();
    // What Spark's `ALTER TABLE … CREATE OR REPLACE BRANCH main RETAIN …` leaves.
    let retention = SnapshotRetention::Branch {
        min_snapshots_to_keep: Some(5),
        max_snapshot_age_ms: None,
        max_ref_age_ms: None,
    };
    target
        .catalog
        .commit(
            &target.ident,
            vec![],
            vec![iceberg::TableUpdate::SetSnapshotRef {
                ref_name: MAIN_BRANCH.to_string(),
                reference: SnapshotReference::new(head, retention.clone()),
            }],
        )
        .await
        .unwrap();
    for _ in 0..5 {
        lake.floe.json(&["ingest", &table, &input]);
    }
    lake.floe
        .json(&["compact", &table, "--min-input-files", "1"]);
    let after = target.load().await.unwrap();
    let refs = floe::table::scan::refs(after.metadata()).unwrap();
    let main = refs.get(MAIN_BRANCH).unwrap();
    assert_ne!(main.snapshot_id, head, "main moved on");
    assert_eq!(main.retention, retention);
    // The retention is honoured: expiry keeps main's five newest snapshots.
    let expired = lake.floe.json(&["expire", &table, "--older-than", "0s"]);
    assert_eq!(
        lake.floe.json(&["snapshots", &table])["snapshots"]
            .as_array()
            .map(Vec::len),
        Some(5),
        "{expired}"
    );
}
