//! Delete-file hygiene: `rewrite-position-deletes` merges a partition's position delete files
//! and drops dangling ones without changing a row (floe's reader and PyIceberg agree), keeps
//! the data sequence numbers that decide what a delete applies to, refuses a plan another
//! writer made stale, and runs from `maintain` by policy.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::row_deletes::{
    commit_equality_deletes, commit_position_delete_entries, commit_position_deletes,
};
use common::*;
use floe::ops::rewrite_position_deletes::{execute, plan, RewritePositionDeletesOptions};
use floe::table::{Session, TableRef};
use serde_json::Value;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn sorted_ids(rows: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    ids
}

fn ids(floe: &Floe, table: &str) -> Vec<i64> {
    sorted_ids(&floe.json(&["query", table, "--select", "id"]))
}

fn current_snapshot(floe: &Floe, table: &str) -> i64 {
    floe.json(&["describe", table])["current_snapshot"]["snapshot_id"]
        .as_i64()
        .unwrap_or_else(|| {
            floe.json(&["snapshots", table])["snapshots"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["is_current"] == true)
                .unwrap()["snapshot_id"]
                .as_i64()
                .unwrap()
        })
}

/// The live files of one content kind (`data`, `position_deletes`, `equality_deletes`).
fn files_of(floe: &Floe, table: &str, content: &str) -> Vec<Value> {
    floe.json(&["files", table])["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["content"] == content)
        .cloned()
        .collect()
}

/// Position delete files per region.
fn deletes_per_region(floe: &Floe, table: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for file in files_of(floe, table, "position_deletes") {
        let region = file["partition"]["region"]
            .as_str()
            .unwrap_or("")
            .to_string();
        *out.entry(region).or_default() += 1;
    }
    out
}

/// Rows the same on PyIceberg's reader, when it is available.
fn pyiceberg_ids(floe: &Floe, table: &str) -> Option<Vec<i64>> {
    let python = python()?;
    let metadata = floe.json(&["describe", table])["metadata_location"]
        .as_str()
        .unwrap()
        .to_string();
    Some(sorted_ids(
        &pyiceberg_read(&python, &metadata, None)["rows"],
    ))
}

/// A table partitioned by region: two loads of ids 0..300 (six data files, two per region),
/// then three merge-on-read deletes of ten ids each, each writing one position delete file
/// per data file: 18 delete files, 6 per region, 60 entries; 540 rows left.
fn many_small_deletes(dir: &Path, floe: &Floe) -> String {
    let table = dir.join("wh/db/mor").to_string_lossy().to_string();
    load_with_deletes(dir, floe, &table);
    table
}

/// `table`, partitioned by region, holding ids 0..300 (rows.parquet in `dir`) in one file per
/// region.
fn region_table(dir: &Path, floe: &Floe, table: &str) {
    write_parquet(&dir.join("rows.parquet"), &[events_batch(0, 300)]);
    floe.json(&[
        "create",
        table,
        "--like",
        "rows.parquet",
        "--partition-by",
        "region",
    ]);
    floe.json(&["ingest", table, "rows.parquet"]);
}

fn load_with_deletes(dir: &Path, floe: &Floe, table: &str) {
    let table = table.to_string();
    region_table(dir, floe, &table);
    floe.json(&["ingest", &table, "rows.parquet"]);
    for pred in ["id < 10", "id >= 10 AND id < 20", "id >= 20 AND id < 30"] {
        let deleted = floe.json(&["delete", &table, "--where", pred, "--mode", "merge-on-read"]);
        assert_eq!(deleted["rows_deleted"], 20, "{pred}");
    }
    assert_eq!(files_of(floe, &table, "data").len(), 6);
    assert_eq!(
        deletes_per_region(floe, &table),
        BTreeMap::from([("ap".into(), 6), ("eu".into(), 6), ("us".into(), 6)])
    );
}

#[test]
fn merging_position_deletes_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let table = many_small_deletes(dir.path(), &floe);
    let expected: Vec<i64> = (30..300).flat_map(|i| [i, i]).collect();
    assert_eq!(ids(&floe, &table), expected);
    let before = current_snapshot(&floe, &table);
    let last_delete_sequence = floe.json(&["snapshots", &table])["snapshots"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["sequence_number"]
        .as_i64()
        .unwrap();

    // Dry run: the plan, nothing written.
    let dry = floe.json(&["rewrite-position-deletes", &table, "--dry-run"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["snapshot_id"], Value::Null);
    assert_eq!(dry["position_delete_files_before"], 18);
    assert_eq!(dry["position_delete_files_after"], 6);
    assert_eq!(dry["position_delete_records_before"], 60);
    assert_eq!(dry["position_delete_records_after"], 60);
    assert_eq!(dry["position_delete_bytes_after"], Value::Null);
    assert_eq!(dry["files_rewritten"], 18);
    assert_eq!(dry["files_written"], 6);
    assert_eq!(dry["partitions_rewritten"], 3);
    assert_eq!(dry["dangling_files_removed"], 0);
    assert_eq!(current_snapshot(&floe, &table), before);
    assert_eq!(files_of(&floe, &table, "position_deletes").len(), 18);

    let done = floe.json(&["rewrite-position-deletes", &table]);
    let snapshot = done["snapshot_id"].as_i64().unwrap();
    assert_eq!(current_snapshot(&floe, &table), snapshot);
    assert_eq!(done["starting_snapshot_id"].as_i64(), Some(before));
    assert_eq!(done["granularity"], "file");
    assert_eq!(done["files_rewritten"], 18);
    assert_eq!(done["files_written"], 6);
    assert_eq!(done["position_delete_files_after"], 6);
    assert_eq!(done["position_delete_records_after"], 60);
    assert_eq!(done["equality_delete_files"], 0);
    assert_eq!(done["commit_attempts"], 1);
    for part in done["partitions"].as_array().unwrap() {
        assert_eq!(part["delete_files"], 6, "{part}");
        assert_eq!(part["files_written"], 2, "{part}");
    }
    let written = files_of(&floe, &table, "position_deletes");
    assert_eq!(written.len(), 6);
    let bytes: u64 = written
        .iter()
        .map(|f| f["file_size_bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(done["position_delete_bytes_after"].as_u64(), Some(bytes));
    assert!(bytes < done["position_delete_bytes_before"].as_u64().unwrap());
    // Each merged file keeps the data sequence number of the newest file it merged, so it
    // applies to the same data files and to none added later.
    for file in &written {
        assert_eq!(
            file["sequence_number"].as_i64(),
            Some(last_delete_sequence),
            "{file}"
        );
        assert_eq!(file["record_count"], 10, "{file}");
    }
    assert_eq!(
        deletes_per_region(&floe, &table),
        BTreeMap::from([("ap".into(), 2), ("eu".into(), 2), ("us".into(), 2)])
    );
    let snapshots = floe.json(&["snapshots", &table]);
    let last = snapshots["snapshots"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["operation"], "replace");
    assert_eq!(last["summary"]["removed-position-delete-files"], "18");
    assert_eq!(last["summary"]["added-position-delete-files"], "6");
    assert_eq!(ids(&floe, &table), expected, "floe reads the same rows");
    if let Some(read) = pyiceberg_ids(&floe, &table) {
        assert_eq!(read, expected, "PyIceberg reads the same rows");
    }
    // Time travel to before the rewrite still sees the same rows through the old files.
    let old = sorted_ids(&floe.json(&[
        "query",
        &table,
        "--snapshot",
        &before.to_string(),
        "--select",
        "id",
    ]));
    assert_eq!(old, expected);

    // Nothing left to merge at the default threshold.
    let again = floe.json(&["rewrite-position-deletes", &table]);
    assert_eq!(again["snapshot_id"], Value::Null);
    assert!(again["message"]
        .as_str()
        .unwrap()
        .contains("nothing to rewrite"));
    assert_eq!(current_snapshot(&floe, &table), snapshot);

    // Partition granularity: one file per partition, naming both data files.
    floe.json(&[
        "properties",
        &table,
        "--set",
        "write.delete.granularity=partition",
    ]);
    let per_partition = floe.json(&["rewrite-position-deletes", &table, "--min-input-files", "2"]);
    assert_eq!(per_partition["granularity"], "partition");
    assert_eq!(per_partition["files_rewritten"], 6);
    assert_eq!(per_partition["files_written"], 3);
    assert_eq!(per_partition["position_delete_records_after"], 60);
    assert_eq!(
        deletes_per_region(&floe, &table),
        BTreeMap::from([("ap".into(), 1), ("eu".into(), 1), ("us".into(), 1)])
    );
    assert_eq!(ids(&floe, &table), expected);
    if let Some(read) = pyiceberg_ids(&floe, &table) {
        assert_eq!(
            read, expected,
            "PyIceberg reads partition-scoped deletes the same"
        );
    }
}

/// An unpartitioned table at `<dir>/wh/db/<name>` with two data files: ids 0..100 ingested
/// first (sequence number 1), then ids 100..200.
fn table_of_two_ingests(dir: &Path, name: &str) -> (Floe, String) {
    let floe = Floe::new(dir);
    let table = dir.join("wh/db").join(name).to_string_lossy().to_string();
    write_parquet(&dir.join("a.parquet"), &[events_batch(0, 100)]);
    write_parquet(&dir.join("b.parquet"), &[events_batch(100, 100)]);
    floe.json(&["create", &table, "--like", "a.parquet"]);
    floe.json(&["ingest", &table, "a.parquet"]);
    floe.json(&["ingest", &table, "b.parquet"]);
    (floe, table)
}

#[test]
fn dangling_delete_files_are_dropped_and_partly_dangling_ones_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    let (floe, table) = table_of_two_ingests(dir.path(), "dangling");
    let data = files_of(&floe, &table, "data");
    // Which file holds ids 0..100: the older one (sequence number 1).
    let a = data.iter().find(|f| f["sequence_number"] == 1).unwrap()["file_path"]
        .as_str()
        .unwrap()
        .to_string();
    let b = data.iter().find(|f| f["sequence_number"] == 2).unwrap()["file_path"]
        .as_str()
        .unwrap()
        .to_string();

    let clean = floe.json(&["rewrite-position-deletes", &table]);
    assert_eq!(
        clean["message"],
        "the table has no delete files: nothing to rewrite"
    );
    assert_eq!(clean["position_delete_files_after"], 0);

    // Partition-scoped position deletes as older engines write them: one naming only A, one
    // naming A and B; an equality delete for id 150.
    let rt = runtime();
    let session = Session::embedded(&dir.path().join("wh").to_string_lossy());
    let table_ref = TableRef::parse(&table).unwrap();
    rt.block_on(async {
        let target = session.target(&table_ref).await.unwrap();
        commit_position_deletes(&target, &a, &[0, 1, 2, 3, 4]).await;
        commit_position_delete_entries(&target, &[(&a, &[10, 11]), (&b, &[0, 1, 2])]).await;
        commit_equality_deletes(&target, &[150]).await;
    });
    let live: Vec<i64> = (5..200)
        .filter(|i| ![10, 11, 100, 101, 102, 150].contains(i))
        .collect();
    assert_eq!(ids(&floe, &table), live);

    // Copy-on-write removes A whole; the partition-scoped delete files stay, naming it.
    let deleted = floe.json(&[
        "delete",
        &table,
        "--where",
        "id < 100",
        "--mode",
        "copy-on-write",
    ]);
    assert_eq!(deleted["rows_deleted"], 93);
    let live: Vec<i64> = live.into_iter().filter(|i| *i >= 100).collect();
    assert_eq!(ids(&floe, &table), live);
    assert_eq!(files_of(&floe, &table, "position_deletes").len(), 2);
    assert!(!files_of(&floe, &table, "data")
        .iter()
        .any(|f| f["file_path"] == a.as_str()));

    let done = floe.json(&["rewrite-position-deletes", &table]);
    assert!(done["snapshot_id"].is_i64(), "{done}");
    assert_eq!(done["dangling_files_removed"], 1);
    // Five entries of the dangling file, two of the partly dangling one.
    assert_eq!(done["dangling_records_removed"], 7);
    assert_eq!(done["files_rewritten"], 1);
    assert_eq!(done["files_written"], 1);
    assert_eq!(done["position_delete_files_before"], 2);
    assert_eq!(done["position_delete_records_before"], 10);
    assert_eq!(done["position_delete_files_after"], 1);
    assert_eq!(done["position_delete_records_after"], 3);
    assert_eq!(done["equality_delete_files"], 1);
    let left = files_of(&floe, &table, "position_deletes");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["record_count"], 3);
    assert_eq!(
        files_of(&floe, &table, "equality_deletes").len(),
        1,
        "equality deletes are left alone"
    );
    assert_eq!(ids(&floe, &table), live, "the same rows after the rewrite");
}

#[test]
fn pyiceberg_rewriting_data_files_leaves_dangling_deletes_that_are_dropped() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let uri = format!("sqlite:///{}", dir.path().join("catalog.db").display());
    let warehouse = dir.path().join("wh").to_string_lossy().to_string();
    std::fs::write(
        dir.path().join("floe.yaml"),
        format!(
            "catalog:\n  default:\n    type: sql\n    uri: {uri}\n    warehouse: {warehouse}\n"
        ),
    )
    .unwrap();
    let floe = Floe::new(dir.path());
    floe.json(&["namespaces", "--create", "db"]);
    let table = "db.mor";
    load_with_deletes(dir.path(), &floe, table);
    // PyIceberg deletes copy-on-write: the four data files holding ids 31 and 32 are
    // rewritten without them, and the position delete files naming the old files stay.
    let script = "import sys\n\
from pyiceberg.catalog.sql import SqlCatalog\n\
catalog = SqlCatalog('default', uri=sys.argv[1], warehouse='file://' + sys.argv[2])\n\
catalog.load_table('db.mor').delete('id = 31 or id = 32')\n";
    let out = std::process::Command::new(&python)
        .args(["-c", script, &uri, &warehouse])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "PyIceberg's delete failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected: Vec<i64> = (30..300)
        .filter(|i| *i != 31 && *i != 32)
        .flat_map(|i| [i, i])
        .collect();
    assert_eq!(ids(&floe, table), expected);
    assert_eq!(files_of(&floe, table, "position_deletes").len(), 18);
    let dangling_finding = |floe: &Floe| -> Option<Value> {
        let run = floe.run(&["health", table, "-o", "json"]);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        report["tables"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check"] == "dangling_deletes")
            .cloned()
    };
    let finding = dangling_finding(&floe).expect("health names the dangling delete files");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .starts_with("12 position delete file(s)"),
        "{finding}"
    );
    assert_eq!(finding["fix"], "floe rewrite-position-deletes db.mor");
    let done = floe.json(&[
        "rewrite-position-deletes",
        table,
        "--min-input-files",
        "100",
    ]);
    assert_eq!(done["dangling_files_removed"], 12, "{done}");
    assert_eq!(done["dangling_records_removed"], 40);
    assert_eq!(done["files_written"], 0);
    assert_eq!(done["position_delete_files_after"], 6);
    assert_eq!(files_of(&floe, table, "position_deletes").len(), 6);
    assert_eq!(dangling_finding(&floe), None, "the fix clears the finding");
    assert_eq!(ids(&floe, table), expected);
    let read = py_script_json(
        &python,
        "sql_catalog.py",
        &[
            "read",
            "--uri",
            &uri,
            "--warehouse",
            &format!("file://{warehouse}"),
            "--name",
            "default",
            "--table",
            table,
        ],
        &[],
    );
    let read_ids: Vec<i64> = read["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_i64().unwrap())
        .collect();
    assert_eq!(read_ids, expected, "PyIceberg reads the same rows");
}

#[test]
fn maintain_runs_the_step_by_policy() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let table = many_small_deletes(dir.path(), &floe);
    let expected = ids(&floe, &table);
    floe.json(&[
        "properties",
        &table,
        "--set",
        "floe.maintain.steps=rewrite-position-deletes",
        "--set",
        "floe.maintain.rewrite-position-deletes.min-files=7",
    ]);
    let step = |report: &Value| -> Value {
        report["tables"][0]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["step"] == "rewrite-position-deletes")
            .unwrap()
            .clone()
    };
    let below = floe.json(&["maintain", &table]);
    assert_eq!(below["exit_code"], 0);
    assert_eq!(step(&below)["status"], "clean", "6 files per partition < 7");
    assert_eq!(files_of(&floe, &table, "position_deletes").len(), 18);

    floe.json(&[
        "properties",
        &table,
        "--set",
        "floe.maintain.rewrite-position-deletes.min-files=6",
    ]);
    let dry = floe.json(&["maintain", &table, "--dry-run"]);
    assert_eq!(step(&dry)["status"], "done");
    assert_eq!(files_of(&floe, &table, "position_deletes").len(), 18);
    let ran = floe.json(&["maintain", &table]);
    let record = step(&ran);
    assert_eq!(record["status"], "done", "{record}");
    assert_eq!(record["report"]["files_written"], 6);
    assert_eq!(record["report"]["min_input_files"], 6);
    assert_eq!(files_of(&floe, &table, "position_deletes").len(), 6);
    assert_eq!(ids(&floe, &table), expected);
    // The other steps were not asked for.
    for other in ran["tables"][0]["steps"].as_array().unwrap() {
        if other["step"] != "rewrite-position-deletes" {
            assert_eq!(other["status"], "skipped", "{other}");
        }
    }
    let policy = floe.json(&["policy", "show", &table]);
    let setting = policy["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "rewrite-position-deletes-min-files")
        .unwrap()
        .clone();
    assert_eq!(setting["value"], "6");
}

#[test]
fn bad_options_are_usage_errors_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let table = many_small_deletes(dir.path(), &floe);
    let zero = floe.run(&["rewrite-position-deletes", &table, "--min-input-files", "0"]);
    assert_eq!(zero.code, 2, "{}", zero.stderr);
    assert!(zero.stderr.contains("--min-input-files"), "{}", zero.stderr);
    let size = floe.run(&[
        "rewrite-position-deletes",
        &table,
        "--target-file-size",
        "lots",
    ]);
    assert_eq!(size.code, 2, "{}", size.stderr);
    assert!(
        size.stderr.contains("--target-file-size"),
        "{}",
        size.stderr
    );
    let filter = floe.run(&["rewrite-position-deletes", &table, "--where", "amount > 1"]);
    assert_eq!(filter.code, 2, "{}", filter.stderr);
    assert!(filter.stderr.contains("amount"), "{}", filter.stderr);
    floe.json(&[
        "properties",
        &table,
        "--set",
        "write.delete.granularity=row",
    ]);
    let property = floe.run(&["rewrite-position-deletes", &table]);
    assert_eq!(property.code, 1, "{}", property.stderr);
    assert!(
        property.stderr.contains("write.delete.granularity"),
        "{}",
        property.stderr
    );
    assert_eq!(files_of(&floe, &table, "position_deletes").len(), 18);

    // --where picks partitions.
    floe.json(&["properties", &table, "--unset", "write.delete.granularity"]);
    let eu = floe.json(&[
        "rewrite-position-deletes",
        &table,
        "--where",
        "region = 'eu'",
    ]);
    assert_eq!(eu["partitions_rewritten"], 1);
    assert_eq!(eu["partitions"][0]["partition"], "region=eu");
    assert_eq!(
        deletes_per_region(&floe, &table),
        BTreeMap::from([("ap".into(), 6), ("eu".into(), 2), ("us".into(), 6)])
    );
}

/// Delete files on disk (the rewrite's own leftovers would show here).
fn delete_files_on_disk(table: &str) -> Vec<String> {
    let mut out: Vec<String> = data_files(Path::new(table))
        .into_iter()
        .map(|p| p.to_string_lossy().to_string())
        .filter(|p| p.contains("-deletes-"))
        .collect();
    out.sort();
    out
}

/// A rewrite of `table` (in the warehouse at `<dir>/wh`) planned with default options but not
/// yet executed, so a test can commit something else in between.
fn plan_in_process(
    rt: &tokio::runtime::Runtime,
    dir: &Path,
    table: &str,
) -> floe::ops::rewrite_position_deletes::PositionDeletesPlan {
    let session = Session::embedded(&dir.join("wh").to_string_lossy());
    rt.block_on(plan(
        &session,
        RewritePositionDeletesOptions::new(TableRef::parse(table).unwrap()),
    ))
    .unwrap()
}

#[test]
fn a_compaction_committed_meanwhile_refuses_the_rewrite() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let table = many_small_deletes(dir.path(), &floe);
    let expected = ids(&floe, &table);
    let on_disk = delete_files_on_disk(&table);
    let rt = runtime();
    let planned = plan_in_process(&rt, dir.path(), &table);
    assert_eq!(planned.removed.len(), 18);
    // Compaction applies the deletes and removes the delete files the plan replaces.
    let compacted = floe.json(&["compact", &table]);
    assert_eq!(compacted["delete_files_removed"], 18, "{compacted}");
    let after_compaction = current_snapshot(&floe, &table);
    let err = rt.block_on(execute(planned)).unwrap_err();
    assert_eq!(
        floe::error::kind_of(&err),
        floe::error::ErrorKind::CommitConflict,
        "{err:#}"
    );
    assert!(
        format!("{err:#}").contains("removed by another writer"),
        "{err:#}"
    );
    assert_eq!(current_snapshot(&floe, &table), after_compaction);
    assert_eq!(ids(&floe, &table), expected, "no row comes back");
    assert_eq!(files_of(&floe, &table, "position_deletes").len(), 0);
    assert_eq!(
        delete_files_on_disk(&table),
        on_disk,
        "the rewrite's files were deleted"
    );
}

#[test]
fn deletes_committed_meanwhile_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let table = many_small_deletes(dir.path(), &floe);
    let rt = runtime();
    let planned = plan_in_process(&rt, dir.path(), &table);
    // Another writer deletes more rows of the same data files.
    let more = floe.json(&[
        "delete",
        &table,
        "--where",
        "id >= 30 AND id < 40",
        "--mode",
        "merge-on-read",
    ]);
    assert_eq!(more["rows_deleted"], 20);
    let their_snapshot = more["snapshot_id"].as_i64().unwrap();
    let report = rt.block_on(execute(planned)).unwrap();
    // Built on the newer state: the rewrite follows their snapshot.
    let ours = report.snapshot_id.unwrap();
    let snapshots = floe.json(&["snapshots", &table]);
    let ours_entry = snapshots["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["snapshot_id"].as_i64() == Some(ours))
        .unwrap()
        .clone();
    assert_eq!(
        ours_entry["parent_snapshot_id"].as_i64(),
        Some(their_snapshot)
    );
    assert_eq!(report.files_written, 6);
    // Its 6 new files stay beside the 6 merged ones.
    assert_eq!(files_of(&floe, &table, "position_deletes").len(), 12);
    assert_eq!(report.position_delete_files_after, 12);
    let expected: Vec<i64> = (40..300).flat_map(|i| [i, i]).collect();
    assert_eq!(ids(&floe, &table), expected);
    if let Some(read) = pyiceberg_ids(&floe, &table) {
        assert_eq!(read, expected);
    }
}

/// A delete entry naming a data file that was removed and then added again under the same
/// path never applied to the new file (its data sequence number is higher): the rewrite drops
/// the entry instead of carrying it into a file that would apply to it.
#[test]
fn entries_older_than_their_data_file_stay_without_effect() {
    let dir = tempfile::tempdir().unwrap();
    let (floe, table) = table_of_two_ingests(dir.path(), "readded");
    let data = files_of(&floe, &table, "data");
    let path_with_sequence = |sequence: i64| {
        data.iter()
            .find(|f| f["sequence_number"] == sequence)
            .unwrap()["file_path"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (a, b) = (path_with_sequence(1), path_with_sequence(2));
    let rt = runtime();
    let session = Session::embedded(&dir.path().join("wh").to_string_lossy());
    let table_ref = TableRef::parse(&table).unwrap();
    rt.block_on(async {
        let target = session.target(&table_ref).await.unwrap();
        commit_position_delete_entries(&target, &[(&a, &[0, 1, 2, 3, 4]), (&b, &[0, 1])]).await;
    });
    let delete_sequence = files_of(&floe, &table, "position_deletes")[0]["sequence_number"]
        .as_i64()
        .unwrap();
    assert_eq!(ids(&floe, &table).len(), 193);

    // A leaves whole, then comes back under its own path with a newer sequence number: the
    // old entries naming it no longer apply.
    let kept = dir.path().join("a-copy.parquet");
    std::fs::copy(&a, &kept).unwrap();
    floe.json(&[
        "delete",
        &table,
        "--where",
        "id < 100",
        "--mode",
        "copy-on-write",
    ]);
    std::fs::copy(&kept, &a).unwrap();
    floe.json(&["add-files", &table, &a]);
    let readded = files_of(&floe, &table, "data")
        .into_iter()
        .find(|f| f["file_path"] == a.as_str())
        .unwrap();
    assert!(readded["sequence_number"].as_i64().unwrap() > delete_sequence);
    let expected: Vec<i64> = (0..200).filter(|i| *i != 100 && *i != 101).collect();
    assert_eq!(ids(&floe, &table), expected);
    // (PyIceberg 0.12 still applies the old entries to the re-added file here, against the
    // spec's sequence number rule; once they are dropped it agrees.)

    let done = floe.json(&["rewrite-position-deletes", &table]);
    assert_eq!(done["dangling_records_removed"], 5, "{done}");
    assert_eq!(done["files_rewritten"], 1);
    assert_eq!(done["files_written"], 1);
    assert_eq!(done["position_delete_records_after"], 2);
    let left = files_of(&floe, &table, "position_deletes");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["sequence_number"].as_i64(), Some(delete_sequence));
    assert_eq!(
        ids(&floe, &table),
        expected,
        "no row of the re-added file disappears"
    );
    if let Some(read) = pyiceberg_ids(&floe, &table) {
        assert_eq!(read, expected);
    }
}

/// The rows of `events_batch(0, 300)` whose region (`id % 3`) is one of `regions`.
fn rows_of_regions(regions: &[i64]) -> arrow::array::RecordBatch {
    let batch = events_batch(0, 300);
    let keep: arrow::array::BooleanArray = (0..300i64)
        .map(|id| Some(regions.contains(&(id % 3))))
        .collect();
    arrow::compute::filter_record_batch(&batch, &keep).unwrap()
}

/// A stream of merge-on-read upserts leaves equality delete files behind; once later upserts
/// replaced whole every data file older than them, they apply to nothing, and `compact` has
/// nothing to rewrite for them. `rewrite-position-deletes` drops them, in those partitions
/// only, without changing a row, and `health` points at it.
#[test]
fn equality_deletes_that_apply_to_no_live_data_file_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let table = dir
        .path()
        .join("wh/db/upserts")
        .to_string_lossy()
        .to_string();
    region_table(dir.path(), &floe, &table);
    let upsert = |file: &str| {
        floe.json(&[
            "ingest",
            &table,
            file,
            "--upsert=id",
            "--row-mode",
            "merge-on-read",
        ])
    };
    write_parquet(&dir.path().join("few.parquet"), &[events_batch(0, 6)]);
    upsert("few.parquet");
    let equality = files_of(&floe, &table, "equality_deletes");
    assert_eq!(equality.len(), 3, "one per region: {equality:?}");
    let rows = ids(&floe, &table);
    assert_eq!(rows, (0..300).collect::<Vec<_>>());

    // Nothing is dangling yet: each equality delete still applies to its region's first load.
    let first = floe.json(&["rewrite-position-deletes", &table]);
    assert_eq!(first["dangling_equality_deletes_removed"], 0, "{first}");
    assert!(first["snapshot_id"].is_null(), "{first}");

    // Every eu row upserted again: eu's older data files leave whole, its delete dangles.
    write_parquet(&dir.path().join("eu.parquet"), &[rows_of_regions(&[0])]);
    upsert("eu.parquet");
    assert_eq!(files_of(&floe, &table, "equality_deletes").len(), 3);
    assert_eq!(ids(&floe, &table), rows);
    let health = floe.json(&["health", &table]);
    let finding = health["tables"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "dangling_deletes")
        .cloned()
        .unwrap_or_else(|| panic!("no dangling_deletes finding: {health}"));
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("1 equality delete file(s) apply to no live data file"),
        "{finding}"
    );
    let fix = finding["fix"].as_str().unwrap().to_string();
    assert_eq!(fix, format!("floe rewrite-position-deletes {table}"));
    let done = floe.json(&["rewrite-position-deletes", &table]);
    assert_eq!(done["dangling_equality_deletes_removed"], 1, "{done}");
    assert!(done["snapshot_id"].is_i64(), "{done}");
    let left = files_of(&floe, &table, "equality_deletes");
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(
        left.iter().all(|f| f["partition"]["region"] != "eu"),
        "only eu's went: {left:?}"
    );
    assert_eq!(ids(&floe, &table), rows, "the same rows");
    let health = floe.json(&["health", &table]);
    assert!(
        !health["tables"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "dangling_deletes"),
        "the fix fixed it: {health}"
    );

    // The other regions too: none applies to anything, all go, and PyIceberg (which reads
    // no equality deletes) reads the same rows as floe.
    write_parquet(
        &dir.path().join("rest.parquet"),
        &[rows_of_regions(&[1, 2])],
    );
    upsert("rest.parquet");
    // Compaction has nothing to rewrite for dangling deletes: health sends them elsewhere.
    let health = floe.json(&["health", &table]);
    let checks: Vec<&str> = health["tables"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert!(checks.contains(&"dangling_deletes"), "{health}");
    assert!(!checks.contains(&"delete_files"), "{health}");
    let all = floe.json(&["rewrite-position-deletes", &table]);
    assert_eq!(all["dangling_equality_deletes_removed"], 2, "{all}");
    assert!(files_of(&floe, &table, "equality_deletes").is_empty());
    assert_eq!(ids(&floe, &table), rows);
    if let Some(read) = pyiceberg_ids(&floe, &table) {
        assert_eq!(read, rows);
    }
}
