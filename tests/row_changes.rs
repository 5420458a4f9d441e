//! Row-level changes through the real binary: `delete --where` (by metadata, merge-on-read,
//! copy-on-write, dry run), `ingest --upsert`, `ingest --mode overwrite --where` and
//! `--overwrite-partitions`: exact rows after each, the JSON reports, refusals that leave the
//! table as it was, and PyIceberg reading the same rows.

mod common;

use std::path::Path;

use common::{events_batch, pyiceberg_read, python, write_parquet, Floe};
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

    fn parquet(&self, name: &str, batch: arrow::array::RecordBatch) -> String {
        let path = self.path(&format!("{name}.parquet"));
        write_parquet(Path::new(&path), &[batch]);
        path
    }

    /// A table of events 0..rows partitioned by region, loaded in `loads` appends of equal
    /// size (so each partition has several files).
    fn events(&self, name: &str, rows: i64, loads: i64, props: &[&str]) -> String {
        let table = self.path(&format!("wh/db/{name}"));
        let first = self.parquet(&format!("{name}-0"), events_batch(0, 1));
        let mut args = vec![
            "create",
            table.as_str(),
            "--like",
            first.as_str(),
            "--partition-by",
            "region",
        ];
        for p in props {
            args.extend(["--property", p]);
        }
        self.floe.json(&args);
        let per = rows / loads;
        for i in 0..loads {
            let input = self.parquet(
                &format!("{name}-load{i}"),
                events_batch(i * per, per as usize),
            );
            self.floe.json(&["ingest", &table, &input]);
        }
        table
    }

    /// (id, amount) of every row, by id.
    fn rows(&self, table: &str) -> Vec<(i64, f64)> {
        let rows = self
            .floe
            .json(&["query", table, "--select", "id, amount", "--order-by", "id"]);
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_i64().unwrap(), r["amount"].as_f64().unwrap()))
            .collect()
    }

    /// An empty table `wh/db/t` and a source file of events 0..10 in a drop folder.
    fn table_and_source(&self) -> (String, String) {
        let drop = self.dir.path().join("drop");
        std::fs::create_dir_all(&drop).unwrap();
        write_parquet(&drop.join("a.parquet"), &[events_batch(0, 10)]);
        let t = self.path("wh/db/t");
        let source = drop.join("a.parquet").to_string_lossy().to_string();
        self.floe.json(&["create", &t, "--like", &source]);
        (t, source)
    }

    fn ids(&self, table: &str) -> Vec<i64> {
        self.rows(table).into_iter().map(|(id, _)| id).collect()
    }

    fn current_snapshot(&self, table: &str) -> Value {
        self.floe.json(&["describe", table])["current_snapshot"].clone()
    }

    fn metadata_location(&self, table: &str) -> String {
        self.floe.json(&["describe", table])["metadata_location"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn file_contents(&self, table: &str) -> Vec<String> {
        let mut out: Vec<String> = self.floe.json(&["files", table])["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["content"].as_str().unwrap().to_string())
            .collect();
        out.sort();
        out
    }
}

fn expected_ids(range: std::ops::Range<i64>, keep: impl Fn(i64) -> bool) -> Vec<i64> {
    range.filter(|i| keep(*i)).collect()
}

/// Events rows with every amount set to `amount`.
fn events_with_amount(start: i64, rows: usize, amount: f64) -> arrow::array::RecordBatch {
    use arrow::array::{ArrayRef, Float64Array};
    let batch = events_batch(start, rows);
    let index = batch.schema().index_of("amount").unwrap();
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns[index] = std::sync::Arc::new(Float64Array::from(vec![amount; rows]));
    arrow::array::RecordBatch::try_new(batch.schema(), columns).unwrap()
}

#[test]
fn delete_by_metadata_merge_on_read_and_copy_on_write() {
    let lake = Lake::new();
    let t = lake.events("t", 300, 3, &[]);

    // A whole partition: every file's metrics prove it, nothing is read or rewritten.
    let eu = lake.floe.json(&["delete", &t, "--where", "region = 'eu'"]);
    assert_eq!(eu["rows_deleted"], 100);
    assert_eq!(eu["files_removed"], 3);
    assert_eq!(eu["files_removed_by_metadata"], 3);
    assert_eq!(eu["files_rewritten"], 0);
    assert_eq!(eu["delete_files_added"], 0);
    assert_eq!(eu["mode"], "copy-on-write");
    assert!(eu["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["action"] == "remove" && f["by_metadata"] == true));
    let snapshot = lake.current_snapshot(&t);
    assert_eq!(snapshot["snapshot_id"], eu["snapshot_id"]);
    assert_eq!(snapshot["operation"], "delete");
    assert_eq!(lake.ids(&t), expected_ids(0..300, |i| i % 3 != 0));

    // Merge-on-read: one position delete file per affected data file, none rewritten.
    let mor = lake.floe.json(&[
        "delete",
        &t,
        "--where",
        "id % 10 = 1",
        "--mode",
        "merge-on-read",
    ]);
    let removed_now = expected_ids(0..300, |i| i % 3 != 0 && i % 10 == 1).len() as u64;
    assert_eq!(mor["rows_deleted"], removed_now);
    assert_eq!(mor["files_rewritten"], 0);
    assert_eq!(mor["delete_files_added"], 6, "{mor}");
    assert_eq!(mor["mode"], "merge-on-read");
    assert_eq!(
        lake.ids(&t),
        expected_ids(0..300, |i| i % 3 != 0 && i % 10 != 1)
    );
    assert_eq!(
        lake.file_contents(&t)
            .iter()
            .filter(|c| *c == "position_deletes")
            .count(),
        6
    );

    // Copy-on-write over files that already carry deletes: rewritten with both applied,
    // and the position deletes scoped to the rewritten files leave with them.
    let cow = lake
        .floe
        .json(&["delete", &t, "--where", "id % 10 = 2 AND region = 'us'"]);
    assert_eq!(
        cow["rows_deleted"],
        expected_ids(0..300, |i| i % 3 == 1 && i % 10 == 2).len() as u64
    );
    assert_eq!(cow["files_rewritten"], 3);
    assert_eq!(cow["delete_files_affected"], 3);
    let want = expected_ids(0..300, |i| {
        i % 3 != 0 && i % 10 != 1 && !(i % 3 == 1 && i % 10 == 2)
    });
    assert_eq!(lake.ids(&t), want);
    assert_eq!(
        lake.file_contents(&t)
            .iter()
            .filter(|c| *c == "position_deletes")
            .count(),
        3,
        "the us files' position deletes left with them"
    );
    let describe = lake.floe.json(&["describe", &t]);
    assert_eq!(
        describe["totals"]["delete_files"], 3,
        "{}",
        describe["totals"]
    );

    if let Some(py) = python() {
        let read = pyiceberg_read(&py, &lake.metadata_location(&t), None);
        let mut ids: Vec<i64> = read["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        ids.sort();
        assert_eq!(ids, want, "PyIceberg reads the same rows");
    }
    lake.floe.json(&["verify", &t, "--deep"]);
}

#[test]
fn delete_dry_run_and_refusals_leave_the_table_unchanged() {
    let lake = Lake::new();
    let t = lake.events("t", 90, 1, &[]);
    let before = lake.current_snapshot(&t)["snapshot_id"].clone();

    let dry = lake.floe.json(&[
        "delete",
        &t,
        "--where",
        "id < 10",
        "--dry-run",
        "--mode",
        "merge-on-read",
    ]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["rows_deleted"], 10);
    assert_eq!(dry["snapshot_id"], Value::Null);
    assert_eq!(dry["files"].as_array().unwrap().len(), 3);
    assert!(dry["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["action"] == "delete-rows"));
    assert_eq!(lake.current_snapshot(&t)["snapshot_id"], before);

    // Nothing matches: no snapshot.
    let none = lake.floe.json(&["delete", &t, "--where", "id > 1000"]);
    assert_eq!(none["rows_deleted"], 0);
    assert_eq!(none["snapshot_id"], Value::Null);

    for (pred, code, says) in [
        ("nope = 1", 2, "nope"),
        ("id = = 1", 2, "--where"),
        ("region + 1", 2, "--where"),
    ] {
        let run = lake.floe.run(&["delete", &t, "--where", pred]);
        assert_eq!(run.code, code, "{pred}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{pred}: {}", run.stderr);
    }
    assert_eq!(lake.current_snapshot(&t)["snapshot_id"], before);
    assert_eq!(lake.ids(&t), (0..90).collect::<Vec<_>>());
}

#[test]
fn the_tables_delete_mode_is_the_default_and_format_1_refuses_merge_on_read() {
    let lake = Lake::new();
    let t = lake.events("t", 30, 1, &["write.delete.mode=merge-on-read"]);
    let report = lake.floe.json(&["delete", &t, "--where", "id = 4"]);
    assert_eq!(report["mode"], "merge-on-read");
    assert_eq!(report["delete_files_added"], 1);

    // Format version 1 has no delete files: merge-on-read is refused when asked for, and
    // the default falls back to copy-on-write.
    let v1 = lake.events(
        "v1",
        30,
        1,
        &["format-version=1", "write.delete.mode=merge-on-read"],
    );
    let run = lake.floe.run(&[
        "delete",
        &v1,
        "--where",
        "id = 4",
        "--mode",
        "merge-on-read",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("format-version 1"), "{}", run.stderr);
    let cow = lake.floe.json(&["delete", &v1, "--where", "id = 4"]);
    assert_eq!(cow["mode"], "copy-on-write");
    assert_eq!(lake.ids(&v1), expected_ids(0..30, |i| i != 4));
}

#[test]
fn upsert_replaces_matching_keys_and_appends_the_rest() {
    let lake = Lake::new();
    for mode in ["copy-on-write", "merge-on-read"] {
        let t = lake.events(&format!("up-{mode}"), 60, 2, &[]);
        // ids 50..70: 50..59 exist, 60..69 are new.
        let input = lake.parquet(&format!("changes-{mode}"), events_with_amount(50, 20, -1.0));
        let report = lake
            .floe
            .json(&["ingest", &t, &input, "--upsert=id", "--row-mode", mode]);
        let replaced = &report["replaced"];
        assert_eq!(replaced["kind"], "upsert");
        assert_eq!(replaced["row_mode"], mode);
        assert_eq!(replaced["rows_updated"], 10, "{report}");
        assert_eq!(replaced["rows_inserted"], 10);
        assert_eq!(report["records_added"], 20);
        if mode == "merge-on-read" {
            assert!(replaced["delete_files_added"].as_u64().unwrap() >= 1);
            assert!(lake
                .file_contents(&t)
                .iter()
                .any(|c| c == "equality_deletes"));
        } else {
            assert_eq!(replaced["delete_files_added"], 0);
            assert!(replaced["files_rewritten"].as_u64().unwrap() >= 1);
        }
        assert_eq!(lake.current_snapshot(&t)["operation"], "overwrite");
        let rows = lake.rows(&t);
        let want: Vec<(i64, f64)> = (0..70)
            .map(|i| (i, if i >= 50 { -1.0 } else { i as f64 * 0.5 }))
            .collect();
        assert_eq!(rows, want, "{mode}");
        lake.floe.json(&["verify", &t, "--deep"]);
    }
}

#[test]
fn upsert_keys_default_to_identifier_fields_and_bad_keys_are_refused() {
    let lake = Lake::new();
    let t = lake.events("t", 30, 1, &[]);
    let input = lake.parquet("changes", events_with_amount(25, 10, 7.0));
    let before = lake.current_snapshot(&t)["snapshot_id"].clone();

    let run = lake.floe.run(&["ingest", &t, &input, "--upsert"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("identifier fields"), "{}", run.stderr);
    let run = lake.floe.run(&["ingest", &t, &input, "--upsert=nope"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("'nope'"), "{}", run.stderr);
    let run = lake.floe.run(&["ingest", &t, &input, "--upsert=amount"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("floating-point"), "{}", run.stderr);

    // A key twice in the input names the key and the row.
    let twice = lake.path("twice.parquet");
    write_parquet(Path::new(&twice), &[events_batch(3, 2), events_batch(4, 1)]);
    let run = lake.floe.run(&["ingest", &t, &twice, "--upsert=id"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("id=4") && run.stderr.contains("row 3"),
        "{}",
        run.stderr
    );
    assert_eq!(lake.current_snapshot(&t)["snapshot_id"], before);
    assert_eq!(lake.ids(&t), (0..30).collect::<Vec<_>>());
    let leftovers: Vec<String> = common::data_files(Path::new(&t))
        .iter()
        .map(|p| p.to_string_lossy().to_string())
        .collect();
    assert_eq!(
        leftovers.len(),
        lake.floe.json(&["files", &t])["files"]
            .as_array()
            .unwrap()
            .len(),
        "no files left behind: {leftovers:?}"
    );

    lake.floe
        .json(&["schema", "evolve", &t, "--identifier-fields", "id"]);
    let report = lake.floe.json(&["ingest", &t, &input, "--upsert"]);
    assert_eq!(report["replaced"]["rows_updated"], 5);
    assert_eq!(report["replaced"]["rows_inserted"], 5);
    assert_eq!(lake.ids(&t), (0..35).collect::<Vec<_>>());
}

#[test]
fn overwrite_by_filter_and_by_partition() {
    let lake = Lake::new();
    let t = lake.events("t", 90, 3, &[]);

    // --where: rows matching are replaced by the input, which must match too.
    // id 27 is 'eu' (region is id % 3: 0 eu, 1 us, 2 ap).
    let eu_only = lake.parquet("eu", events_batch(27, 1));
    let report = lake.floe.json(&[
        "ingest",
        &t,
        &eu_only,
        "--mode",
        "overwrite",
        "--where",
        "region = 'eu' AND id < 30",
    ]);
    assert_eq!(report["replaced"]["kind"], "matching");
    assert_eq!(report["replaced"]["rows_deleted"], 10);
    assert_eq!(
        lake.ids(&t),
        expected_ids(0..90, |i| !(i % 3 == 0 && i < 30) || i == 27)
    );
    let before = lake.current_snapshot(&t)["snapshot_id"].clone();
    let mixed = lake.parquet("mixed", events_batch(399, 3));
    let run = lake.floe.run(&[
        "ingest",
        &t,
        &mixed,
        "--mode",
        "overwrite",
        "--where",
        "region = 'eu'",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("row 2 does not match"),
        "{}",
        run.stderr
    );
    let run = lake
        .floe
        .run(&["ingest", &t, &mixed, "--where", "region = 'eu'"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--mode overwrite"), "{}", run.stderr);
    assert_eq!(lake.current_snapshot(&t)["snapshot_id"], before);

    // --overwrite-partitions: exactly the partitions the input writes: ids 1001 and 1002 are
    // ap and eu, so eu (21 rows after the overwrite above) and ap (30) are replaced.
    let ap_eu = lake.parquet("ap-eu", events_batch(1001, 2));
    let report = lake
        .floe
        .json(&["ingest", &t, &ap_eu, "--overwrite-partitions"]);
    assert_eq!(report["replaced"]["kind"], "partitions");
    assert_eq!(report["replaced"]["rows_deleted"], 51);
    let mut want: Vec<i64> = expected_ids(0..90, |i| i % 3 == 1);
    want.extend([1001, 1002]);
    assert_eq!(lake.ids(&t), want);
    lake.floe.json(&["verify", &t, "--deep"]);
}

#[test]
fn skip_loaded_loads_each_source_once_and_survives_expiry() {
    let lake = Lake::new();
    let drop = lake.dir.path().join("drop");
    std::fs::create_dir_all(&drop).unwrap();
    write_parquet(&drop.join("a.parquet"), &[events_batch(0, 10)]);
    write_parquet(&drop.join("b.parquet"), &[events_batch(10, 10)]);
    let t = lake.path("wh/db/t");
    let glob = format!("{}/*.parquet", drop.display());
    let first = drop.join("a.parquet").to_string_lossy().to_string();
    lake.floe.json(&["create", &t, "--like", &first]);

    let load = |expect: (u64, u64)| -> Value {
        let report = lake.floe.json(&["ingest", &t, &glob, "--skip-loaded"]);
        let skip = &report["skip_loaded"];
        assert_eq!(
            (
                skip["loaded_files"].as_u64().unwrap(),
                skip["skipped_files"].as_u64().unwrap()
            ),
            expect,
            "{report}"
        );
        report
    };
    let loaded = load((2, 0));
    assert!(loaded["snapshot_id"].is_i64());
    let again = load((0, 2));
    assert_eq!(again["snapshot_id"], Value::Null);
    assert_eq!(lake.ids(&t), (0..20).collect::<Vec<_>>());

    write_parquet(&drop.join("c.parquet"), &[events_batch(20, 5)]);
    load((1, 2));
    assert_eq!(lake.ids(&t), (0..25).collect::<Vec<_>>());

    // The record survives expiry of the snapshots that loaded the files, and orphan removal
    // keeps the ledger the table names.
    lake.floe
        .json(&["expire", &t, "--older-than", "0s", "--retain-last", "1"]);
    lake.floe
        .json(&["remove-orphans", &t, "--older-than", "0s", "--force"]);
    load((0, 3));
    let properties = lake.floe.json(&["describe", &t])["properties"].clone();
    let ledger = properties["floe.ingest.loaded-sources"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(Path::new(&ledger).exists(), "{ledger}");

    // A source rewritten in place (other size) is a new source.
    write_parquet(&drop.join("a.parquet"), &[events_batch(100, 3)]);
    load((1, 2));
    assert_eq!(lake.ids(&t), (0..25).chain(100..103).collect::<Vec<_>>());

    let run = lake
        .floe
        .run(&["ingest", &t, &glob, "--skip-loaded", "--mode", "overwrite"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--skip-loaded"), "{}", run.stderr);
}

/// Predicates whose parts cannot be turned into Iceberg's exactly (arithmetic under NOT, a
/// cast of the column) must never let a file holding a matching row be skipped: every
/// matching row goes, and nothing else.
#[test]
fn delete_and_overwrite_where_skip_no_file_holding_a_match() {
    let lake = Lake::new();
    for mode in ["merge-on-read", "copy-on-write"] {
        let t = lake.events(&format!("not-{mode}"), 200, 4, &[]);
        let report = lake.floe.json(&[
            "delete",
            &t,
            "--where",
            "NOT (id < 150 AND id % 2 = 0)",
            "--mode",
            mode,
        ]);
        assert_eq!(report["rows_deleted"], 125, "{mode}: {report}");
        assert_eq!(
            lake.ids(&t),
            expected_ids(0..200, |i| i < 150 && i % 2 == 0),
            "{mode}"
        );

        let t = lake.events(&format!("cast-{mode}"), 200, 4, &[]);
        let report = lake.floe.json(&[
            "delete",
            &t,
            "--where",
            "CAST(id AS VARCHAR) < '5'",
            "--mode",
            mode,
        ]);
        let matches = |i: i64| i.to_string().as_str() < "5";
        let deleted = (0..200).filter(|i| matches(*i)).count();
        assert_eq!(report["rows_deleted"], deleted as u64, "{mode}: {report}");
        assert_eq!(
            lake.ids(&t),
            expected_ids(0..200, |i| !matches(i)),
            "{mode}"
        );
    }

    // The overwrite variant: the rows matching are replaced by the input, once.
    let t = lake.events("cast-overwrite", 200, 4, &[]);
    let one = lake.parquet("one", events_batch(1, 1));
    let report = lake.floe.json(&[
        "ingest",
        &t,
        &one,
        "--mode",
        "overwrite",
        "--where",
        "CAST(id AS VARCHAR) = '1'",
    ]);
    assert_eq!(report["replaced"]["rows_deleted"], 1, "{report}");
    assert_eq!(lake.ids(&t), (0..200).collect::<Vec<_>>());

    // And a query through the same predicate reads every matching row.
    let read = lake.floe.json(&[
        "query",
        &t,
        "--where",
        "CAST(id AS VARCHAR) < '5' AND NOT (qty > 3 AND id % 7 = 1)",
        "--select",
        "count(*) AS n",
    ]);
    let expected = (0..200i64)
        .filter(|i| i.to_string().as_str() < "5" && !(i % 10 > 3 && i % 7 == 1))
        .count();
    assert_eq!(read[0]["n"], expected as u64);
}

/// The ledger of loaded sources is the table's, the rows are the branch's: after a rollback
/// past the load, and for another branch, the sources are loaded again.
#[test]
fn skip_loaded_follows_the_branch_history() {
    let lake = Lake::new();
    let (t, source) = lake.table_and_source();
    let seed = lake.parquet("seed", events_batch(100, 5));
    let first = lake.floe.json(&["ingest", &t, &seed])["snapshot_id"].clone();
    let skip = |args: &[&str]| -> (u64, u64) {
        let mut all = vec!["ingest", t.as_str(), source.as_str(), "--skip-loaded"];
        all.extend(args);
        let report = lake.floe.json(&all);
        let s = &report["skip_loaded"];
        (
            s["loaded_files"].as_u64().unwrap(),
            s["skipped_files"].as_u64().unwrap(),
        )
    };
    assert_eq!(skip(&[]), (1, 0));
    assert_eq!(skip(&[]), (0, 1));
    let first = first.to_string();
    lake.floe
        .json(&["rollback", &t, "--to-snapshot", first.as_str()]);
    assert_eq!(lake.ids(&t), (100..105).collect::<Vec<_>>());
    assert_eq!(skip(&[]), (1, 0), "the load was rolled back: load it again");
    assert_eq!(lake.ids(&t), (0..10).chain(100..105).collect::<Vec<_>>());

    lake.floe
        .json(&["branch", "create", &t, "dev", "--snapshot", first.as_str()]);
    assert_eq!(skip(&["--branch", "dev"]), (1, 0), "dev never had it");
    assert_eq!(skip(&["--branch", "dev"]), (0, 1));
    assert_eq!(skip(&[]), (0, 1), "main still has it");
}

/// Expiry may cut the branch's parent chain between the head and a load whose snapshot a tag
/// keeps: that load is still in the branch's history, so its sources stay loaded.
#[test]
fn skip_loaded_sees_a_tagged_load_across_expired_history() {
    let lake = Lake::new();
    let (t, source) = lake.table_and_source();
    let loaded = lake.floe.json(&["ingest", &t, &source, "--skip-loaded"]);
    let load_snapshot = loaded["snapshot_id"].to_string();
    lake.floe
        .json(&["tag", "create", &t, "loaded", "--snapshot", &load_snapshot]);
    for k in 0..3 {
        let more = lake.parquet(&format!("more{k}"), events_batch(100 + k * 10, 10));
        lake.floe.json(&["ingest", &t, &more]);
    }
    lake.floe
        .json(&["expire", &t, "--older-than", "0s", "--retain-last", "1"]);
    let snapshots = lake.floe.json(&["snapshots", &t])["snapshots"].clone();
    assert_eq!(
        snapshots.as_array().unwrap().len(),
        2,
        "head and the tagged load: {snapshots}"
    );
    let again = lake.floe.json(&["ingest", &t, &source, "--skip-loaded"]);
    assert_eq!(again["skip_loaded"]["skipped_files"], 1, "{again}");
    assert_eq!(again["skip_loaded"]["loaded_files"], 0, "{again}");
    assert_eq!(lake.ids(&t), (0..10).chain(100..130).collect::<Vec<_>>());
}
