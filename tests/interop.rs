//! floe beside the reference implementation: Spark 3.5 with Apache Iceberg 1.10.2 reads every
//! kind of floe commit, writes merge-on-read deletes floe then reads, compacts and merges, and
//! takes turns with floe on one table; DuckDB's iceberg extension agrees on counts and sums.
//! One Spark session (tests/py/spark_reader.py) serves the whole binary.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::{MutexGuard, OnceLock};

use common::spark::{SharedSpark, Spark};
use common::{events_batch, python, write_parquet, Floe};
use serde_json::{json, Value};

fn shared() -> &'static SharedSpark {
    static SHARED: OnceLock<SharedSpark> = OnceLock::new();
    SHARED.get_or_init(SharedSpark::start)
}

/// The shared Spark session, or `None` when the suite runs without Python (skipped).
fn spark() -> Option<MutexGuard<'static, Spark>> {
    shared().lock()
}

/// `SELECT count(*), sum(id)` of a table as DuckDB's iceberg extension reads it.
fn duckdb_count_sum(python: &str, table_dir: &str) -> (i64, i64) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/duckdb_reader.py");
    let out = Command::new(python)
        .arg(script)
        .args([
            "--table",
            table_dir,
            "--sql",
            "SELECT count(*) AS n, coalesce(sum(id), 0)::BIGINT AS s FROM t",
        ])
        .output()
        .expect("run duckdb_reader.py");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "duckdb_reader.py: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(out.status.success(), "DuckDB failed: {report}");
    let row = &report["rows"][0];
    (row["n"].as_i64().unwrap(), row["s"].as_i64().unwrap())
}

/// A table in the shared warehouse, named for Spark as `floe.<ns>.<name>`.
struct Shelf {
    dir: tempfile::TempDir,
    floe: Floe,
    ns: String,
}

impl Shelf {
    fn new(ns: &str) -> Shelf {
        let dir = tempfile::tempdir().unwrap();
        Shelf {
            floe: Floe::new(dir.path()),
            dir,
            ns: ns.to_string(),
        }
    }

    fn location(&self, name: &str) -> String {
        shared()
            .warehouse
            .path()
            .join(&self.ns)
            .join(name)
            .to_string_lossy()
            .to_string()
    }

    fn spark_name(&self, name: &str) -> String {
        format!("floe.{}.{name}", self.ns)
    }

    fn parquet(&self, start: i64, rows: usize) -> String {
        let path = self.dir.path().join(format!("in-{start}-{rows}.parquet"));
        write_parquet(&path, &[events_batch(start, rows)]);
        path.to_string_lossy().to_string()
    }

    /// floe's count and sum of ids (current state, or at `args` such as `--ref`).
    fn floe_count_sum(&self, table: &str, args: &[&str]) -> (i64, i64) {
        let mut all = vec![
            "query",
            table,
            "--select",
            "count(*) AS n, coalesce(sum(id), 0) AS s",
        ];
        all.extend(args);
        let rows = self.floe.json(&all);
        (
            rows[0]["n"].as_i64().unwrap(),
            rows[0]["s"].as_i64().unwrap(),
        )
    }
}

fn spark_count_sum(spark: &mut Spark, query_from: &str) -> (i64, i64) {
    let rows = spark.sql(&[&format!(
        "SELECT count(*) AS n, CAST(coalesce(sum(id), 0) AS BIGINT) AS s FROM {query_from}"
    )]);
    (
        rows[0]["n"].as_i64().unwrap(),
        rows[0]["s"].as_i64().unwrap(),
    )
}

/// floe, Spark and DuckDB see the same rows in the current state.
fn assert_all_agree(
    shelf: &Shelf,
    name: &str,
    spark: &mut Spark,
    python: &str,
    step: &str,
) -> (i64, i64) {
    let location = shelf.location(name);
    let floe = shelf.floe_count_sum(&location, &[]);
    let by_spark = spark_count_sum(spark, &shelf.spark_name(name));
    assert_eq!(by_spark, floe, "{step}: Spark vs floe");
    let by_duckdb = duckdb_count_sum(python, &location);
    assert_eq!(by_duckdb, floe, "{step}: DuckDB vs floe");
    floe
}

#[test]
fn spark_and_duckdb_read_every_kind_of_floe_commit() {
    let (Some(python), Some(mut spark)) = (python(), spark()) else {
        return;
    };
    let shelf = Shelf::new("kinds");
    let t = shelf.location("events");
    let first = shelf.parquet(0, 100);
    shelf
        .floe
        .json(&["create", &t, "--like", &first, "--partition-by", "day(ts)"]);
    shelf.floe.json(&["ingest", &t, &first]);
    assert_eq!(
        assert_all_agree(&shelf, "events", &mut spark, &python, "ingest"),
        (100, 4950)
    );

    shelf.floe.json(&["ingest", &t, &shelf.parquet(100, 50)]);
    let tagged = assert_all_agree(&shelf, "events", &mut spark, &python, "append");
    shelf.floe.json(&["tag", "create", &t, "before-overwrite"]);

    shelf.floe.json(&[
        "ingest",
        &t,
        &shelf.parquet(1000, 30),
        "--mode",
        "overwrite",
    ]);
    assert_all_agree(&shelf, "events", &mut spark, &python, "overwrite");

    shelf
        .floe
        .json(&["schema", "evolve", &t, "--add", "note:string"]);
    shelf.floe.json(&[
        "partition",
        "evolve",
        &t,
        "--add",
        "month(ts)",
        "--remove",
        "day(ts)",
    ]);
    shelf.floe.json(&["ingest", &t, &shelf.parquet(2000, 40)]);
    assert_all_agree(&shelf, "events", &mut spark, &python, "evolution");
    let columns = spark.sql(&[&format!(
        "SELECT qty, note FROM {} ORDER BY id LIMIT 1",
        shelf.spark_name("events")
    )]);
    assert_eq!(columns[0]["note"], Value::Null);
    assert!(columns[0]["qty"].is_i64(), "{columns:?}");

    shelf.floe.json(&["compact", &t, "--min-input-files", "1"]);
    let compacted = assert_all_agree(&shelf, "events", &mut spark, &python, "compaction");
    assert_eq!(compacted, (70, 1000 * 30 + 435 + 2000 * 40 + 780));

    shelf
        .floe
        .json(&["expire", &t, "--older-than", "0s", "--retain-last", "1"]);
    assert_all_agree(&shelf, "events", &mut spark, &python, "expiry");
    // The tag kept its snapshot through expiry, and Spark reads it.
    let at_tag = spark_count_sum(
        &mut spark,
        &format!(
            "{} VERSION AS OF 'before-overwrite'",
            shelf.spark_name("events")
        ),
    );
    assert_eq!(at_tag, tagged);
    assert_eq!(
        shelf.floe_count_sum(&t, &["--ref", "before-overwrite"]),
        tagged
    );

    let refs = shelf.floe.json(&["refs", &t]);
    let tag_id = refs["refs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "before-overwrite")
        .and_then(|r| r["snapshot_id"].as_i64())
        .unwrap();
    shelf.floe.json(&[
        "rollback",
        &t,
        "--to-snapshot",
        &tag_id.to_string(),
        "--force",
    ]);
    assert_eq!(
        assert_all_agree(&shelf, "events", &mut spark, &python, "rollback"),
        tagged
    );
}

#[test]
fn spark_merge_on_read_deletes_are_read_and_compacted_by_floe() {
    let (Some(python), Some(mut spark)) = (python(), spark()) else {
        return;
    };
    let shelf = Shelf::new("mor");
    let name = shelf.spark_name("orders");
    spark.sql(&[
        &format!(
            "CREATE TABLE {name} (id BIGINT, region STRING, amount DOUBLE) USING iceberg \
             PARTITIONED BY (region) TBLPROPERTIES ('format-version'='2', \
             'write.delete.mode'='merge-on-read', 'write.update.mode'='merge-on-read')"
        ),
        &format!(
            "INSERT INTO {name} SELECT id, CASE WHEN id % 2 = 0 THEN 'eu' ELSE 'us' END, \
             id * 1.5 FROM range(0, 200)"
        ),
        &format!("DELETE FROM {name} WHERE id % 10 = 0"),
        &format!("UPDATE {name} SET amount = 0 WHERE id < 15"),
    ]);
    let t = shelf.location("orders");
    let files = shelf.floe.json(&["files", &t]);
    let deletes = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["content"] != "data")
        .count();
    assert!(deletes >= 2, "Spark wrote position delete files: {files}");
    let expected = spark_count_sum(&mut spark, &name);
    assert_eq!(expected.0, 180);
    assert_eq!(shelf.floe_count_sum(&t, &[]), expected);
    let amounts = |spark: &mut Spark| {
        spark.sql(&[&format!(
            "SELECT CAST(sum(amount) AS DOUBLE) AS a FROM {name}"
        )])[0]["a"]
            .as_f64()
            .unwrap()
    };
    let amount_before = amounts(&mut spark);
    let floe_amount = shelf
        .floe
        .json(&["query", &t, "--select", "sum(amount) AS a"])[0]["a"]
        .as_f64()
        .unwrap();
    assert_eq!(floe_amount, amount_before);

    let compacted = shelf.floe.json(&["compact", &t, "--min-input-files", "1"]);
    assert_eq!(compacted["groups_failed"], 0, "{compacted}");
    let after = shelf.floe.json(&["files", &t]);
    assert!(
        after["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["content"] == "data"),
        "deletes applied and dropped: {after}"
    );
    assert_eq!(spark_count_sum(&mut spark, &name), expected);
    assert_eq!(amounts(&mut spark), amount_before);
    assert_eq!(duckdb_count_sum(&python, &t), expected);
    shelf
        .floe
        .json(&["verify", &t, "--all-snapshots", "--deep"]);
}

#[test]
fn spark_and_floe_take_turns_on_one_table() {
    let (Some(python), Some(mut spark)) = (python(), spark()) else {
        return;
    };
    let shelf = Shelf::new("turns");
    let t = shelf.location("events");
    let name = shelf.spark_name("events");
    let first = shelf.parquet(0, 20);
    shelf
        .floe
        .json(&["create", &t, "--like", &first, "--partition-by", "region"]);
    shelf.floe.json(&["ingest", &t, &first]);
    spark.sql(&[&format!(
        "INSERT INTO {name} SELECT id, 'eu', current_timestamp(), CAST(1.0 AS DOUBLE), CAST(1 AS INT) FROM range(100, 110)"
    )]);
    shelf.floe.json(&["ingest", &t, &shelf.parquet(200, 20)]);
    spark.sql(&[&format!("DELETE FROM {name} WHERE id >= 105 AND id < 110")]);
    shelf.floe.json(&["compact", &t, "--min-input-files", "1"]);
    spark.sql(&[&format!(
        "INSERT INTO {name} SELECT id, 'ap', current_timestamp(), CAST(2.0 AS DOUBLE), CAST(2 AS INT) FROM range(300, 303)"
    )]);
    shelf
        .floe
        .json(&["expire", &t, "--older-than", "0s", "--retain-last", "2"]);
    let expected_ids: i64 = (0..20).sum::<i64>()
        + (100..105).sum::<i64>()
        + (200..220).sum::<i64>()
        + (300..303).sum::<i64>();
    assert_eq!(
        assert_all_agree(&shelf, "events", &mut spark, &python, "turns"),
        (48, expected_ids)
    );
    // Spark's own view of the history: every snapshot floe kept is readable.
    let snapshots = spark.sql(&[&format!("SELECT snapshot_id FROM {name}.snapshots")]);
    for s in snapshots {
        let id = s["snapshot_id"].as_i64().unwrap();
        spark.sql(&[&format!("SELECT count(*) FROM {name} VERSION AS OF {id}")]);
    }
    shelf
        .floe
        .json(&["verify", &t, "--all-snapshots", "--deep"]);
}

#[test]
fn awkward_partition_values_read_alike_in_spark_and_duckdb() {
    let (Some(python), Some(mut spark)) = (python(), spark()) else {
        return;
    };
    let shelf = Shelf::new("awkward");
    let t = shelf.location("keys");
    let values = common::AWKWARD_KEYS;
    let input = shelf.dir.path().join("keys.json");
    common::write_awkward_keys(&input);
    let input = input.to_string_lossy().to_string();
    shelf
        .floe
        .json(&["create", &t, "--like", &input, "--partition-by", "k"]);
    shelf.floe.json(&["ingest", &t, &input]);

    let rows = spark.sql(&[&format!(
        "SELECT id, k FROM {} ORDER BY id",
        shelf.spark_name("keys")
    )]);
    let mut expected: Vec<Value> = values
        .iter()
        .enumerate()
        .map(|(i, k)| json!({"id": i, "k": k}))
        .collect();
    expected.push(json!({"id": values.len(), "k": null}));
    assert_eq!(rows, expected);
    let n = values.len() as i64 + 1;
    assert_eq!(duckdb_count_sum(&python, &t), (n, n * (n - 1) / 2));
    // Spark writes into the same partitions; floe reads its files where Spark put them.
    spark.sql(&[&format!(
        "INSERT INTO {} VALUES (100, '../up'), (101, 'tab\\there')",
        shelf.spark_name("keys")
    )]);
    let rows = shelf
        .floe
        .json(&["query", &t, "--where", "k = '../up'", "--select", "id"]);
    let mut ids: Vec<i64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, vec![2, 100]);
    let files = shelf.floe.json(&["files", &t]);
    let up: Vec<&str> = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_path"].as_str().unwrap())
        .filter(|p| p.contains("k=..%2Fup/"))
        .collect();
    assert_eq!(
        up.len(),
        2,
        "Spark and floe name the partition alike: {up:?}"
    );
}

/// PyIceberg's (count, sum of ids) of a local table's current state.
fn pyiceberg_count_sum(python: &str, location: &str) -> (i64, i64) {
    let read = common::pyiceberg_read(python, location, None);
    let ids: Vec<i64> = read["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    (ids.len() as i64, ids.iter().sum())
}

/// Events `start..start+rows` with amount -1.
fn changed_parquet(shelf: &Shelf, start: i64, rows: usize) -> String {
    use arrow::array::{ArrayRef, Float64Array};
    let batch = events_batch(start, rows);
    let index = batch.schema().index_of("amount").unwrap();
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns[index] = std::sync::Arc::new(Float64Array::from(vec![-1.0; rows]));
    let batch = arrow::array::RecordBatch::try_new(batch.schema(), columns).unwrap();
    let path = shelf
        .dir
        .path()
        .join(format!("changed-{start}-{rows}.parquet"));
    write_parquet(&path, &[batch]);
    path.to_string_lossy().to_string()
}

fn rows_changed(shelf: &Shelf, t: &str) -> i64 {
    shelf.floe.json(&[
        "query",
        t,
        "--select",
        "count(*) AS n",
        "--where",
        "amount = -1",
    ])[0]["n"]
        .as_i64()
        .unwrap()
}

#[test]
fn spark_pyiceberg_and_duckdb_read_floes_deletes_and_upserts() {
    let (Some(python), Some(mut spark)) = (python(), spark()) else {
        return;
    };
    let shelf = Shelf::new("rowchanges");
    let t = shelf.location("events");
    let name = shelf.spark_name("events");
    let first = shelf.parquet(0, 60);
    shelf
        .floe
        .json(&["create", &t, "--like", &first, "--partition-by", "region"]);
    shelf.floe.json(&["ingest", &t, &first]);
    shelf.floe.json(&["ingest", &t, &shelf.parquet(60, 60)]);

    // Position deletes (merge-on-read).
    shelf.floe.json(&[
        "delete",
        &t,
        "--where",
        "id % 7 = 0",
        "--mode",
        "merge-on-read",
    ]);
    let want = (0..120).filter(|i| i % 7 != 0);
    let expected = (want.clone().count() as i64, want.sum::<i64>());
    assert_eq!(
        assert_all_agree(&shelf, "events", &mut spark, &python, "position deletes"),
        expected
    );
    assert_eq!(pyiceberg_count_sum(&python, &t), expected);

    // Equality deletes (upsert, merge-on-read): Spark applies them; PyIceberg does not read
    // equality deletes at all, and says so.
    shelf.floe.json(&[
        "ingest",
        &t,
        &changed_parquet(&shelf, 100, 30),
        "--upsert=id",
        "--row-mode",
        "merge-on-read",
    ]);
    let ids: Vec<i64> = (0..120)
        .filter(|i| i % 7 != 0 && *i < 100)
        .chain(100..130)
        .collect();
    let expected = (ids.len() as i64, ids.iter().sum::<i64>());
    assert_eq!(shelf.floe_count_sum(&t, &[]), expected);
    assert_eq!(spark_count_sum(&mut spark, &name), expected);
    assert_eq!(
        duckdb_count_sum(&python, &t),
        expected,
        "DuckDB applies equality deletes"
    );
    assert_eq!(rows_changed(&shelf, &t), 30);
    let changed = spark.sql(&[&format!(
        "SELECT count(*) AS n FROM {name} WHERE amount = -1"
    )]);
    assert_eq!(changed[0]["n"], 30);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/read_table.py");
    let refused = Command::new(&python)
        .arg(script)
        .args(["--metadata", &t])
        .output()
        .unwrap();
    assert!(
        !refused.status.success()
            && String::from_utf8_lossy(&refused.stderr).contains("equality deletes"),
        "PyIceberg 0.12 refuses equality deletes: {}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // Copy-on-write delete and upsert: rewritten files carry every delete applied.
    shelf.floe.json(&["delete", &t, "--where", "id % 7 = 1"]);
    shelf.floe.json(&[
        "ingest",
        &t,
        &changed_parquet(&shelf, 0, 10),
        "--upsert=id",
        "--row-mode",
        "copy-on-write",
    ]);
    let ids: Vec<i64> = (0..130)
        .filter(|i| (*i >= 100 || i % 7 != 0) && i % 7 != 1 || *i < 10)
        .collect();
    let expected = (ids.len() as i64, ids.iter().sum::<i64>());
    assert_eq!(shelf.floe_count_sum(&t, &[]), expected);
    assert_eq!(spark_count_sum(&mut spark, &name), expected);
    let changed = spark.sql(&[&format!(
        "SELECT count(*) AS n FROM {name} WHERE amount = -1"
    )]);
    assert_eq!(changed[0]["n"].as_i64(), Some(rows_changed(&shelf, &t)));
    shelf
        .floe
        .json(&["verify", &t, "--all-snapshots", "--deep"]);
}

#[test]
fn floe_reads_sparks_merge_update_and_delete() {
    let (Some(python), Some(mut spark)) = (python(), spark()) else {
        return;
    };
    let shelf = Shelf::new("sparkrows");
    let t = shelf.location("events");
    let name = shelf.spark_name("events");
    let sums = |spark: &mut Spark| -> Value {
        spark.sql(&[&format!(
            "SELECT count(*) AS n, CAST(sum(id) AS BIGINT) AS s, CAST(sum(amount) AS DOUBLE) AS a FROM {name}"
        )])[0]
            .clone()
    };
    let floe_sums = || -> Value {
        shelf.floe.json(&[
            "query",
            &t,
            "--select",
            "count(*) AS n, sum(id) AS s, CAST(sum(amount) AS DOUBLE) AS a",
        ])[0]
            .clone()
    };
    spark.sql(&[
        &format!(
            "CREATE TABLE {name} (id BIGINT, region STRING, amount DOUBLE) USING iceberg PARTITIONED BY (region) \
             TBLPROPERTIES ('format-version'='2', 'write.delete.mode'='merge-on-read', \
             'write.update.mode'='merge-on-read', 'write.merge.mode'='merge-on-read')"
        ),
        &format!(
            "INSERT INTO {name} SELECT id, CASE WHEN id % 3 = 0 THEN 'eu' ELSE 'us' END, CAST(id AS DOUBLE) FROM range(0, 100)"
        ),
    ]);
    for round in ["merge-on-read", "copy-on-write"] {
        if round == "copy-on-write" {
            spark.sql(&[&format!(
                "ALTER TABLE {name} SET TBLPROPERTIES ('write.delete.mode'='copy-on-write', \
                 'write.update.mode'='copy-on-write', 'write.merge.mode'='copy-on-write')"
            )]);
        }
        spark.sql(&[&format!("DELETE FROM {name} WHERE id % 10 = 3")]);
        assert_eq!(floe_sums(), sums(&mut spark), "{round}: DELETE");
        spark.sql(&[&format!(
            "UPDATE {name} SET amount = amount + 1000 WHERE id < 20"
        )]);
        assert_eq!(floe_sums(), sums(&mut spark), "{round}: UPDATE");
        spark.sql(&[&format!(
            "MERGE INTO {name} t USING (SELECT id, 'eu' AS region, CAST(5 AS DOUBLE) AS amount FROM range(90, 110)) s \
             ON t.id = s.id WHEN MATCHED THEN UPDATE SET amount = s.amount + t.amount WHEN NOT MATCHED THEN INSERT *"
        )]);
        assert_eq!(floe_sums(), sums(&mut spark), "{round}: MERGE");
    }
    let files = shelf.floe.json(&["files", &t]);
    assert!(
        files["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["content"] == "position_deletes"),
        "Spark's merge-on-read deletes are in the table: {files}"
    );
    // floe deletes on top of Spark's deletes; Spark reads what floe reads.
    shelf.floe.json(&[
        "delete",
        &t,
        "--where",
        "id % 10 = 4",
        "--mode",
        "merge-on-read",
    ]);
    assert_eq!(floe_sums(), sums(&mut spark), "floe delete over Spark's");
    let (n, s) = shelf.floe_count_sum(&t, &[]);
    assert_eq!(pyiceberg_count_sum(&python, &t), (n, s));
}

#[test]
fn spark_and_duckdb_read_files_floe_adopted() {
    let (Some(python), Some(mut spark)) = (python(), spark()) else {
        return;
    };
    let shelf = Shelf::new("adopted");
    let t = shelf.location("events");
    let first = shelf.parquet(0, 30);
    shelf.floe.json(&["create", &t, "--like", &first]);
    shelf.floe.json(&["ingest", &t, &first]);
    // Files written by someone else, adopted where they are.
    let adopted = [shelf.parquet(100, 20), shelf.parquet(200, 5)];
    let report = shelf
        .floe
        .json(&["add-files", &t, &adopted[0], &adopted[1]]);
    assert_eq!(report["files_added"], 2);
    let expected = (
        55,
        (0..30).sum::<i64>() + (100..120).sum::<i64>() + (200..205).sum::<i64>(),
    );
    assert_eq!(
        assert_all_agree(&shelf, "events", &mut spark, &python, "add-files"),
        expected
    );
    assert_eq!(pyiceberg_count_sum(&python, &t), expected);
}

/// Spark's merge-on-read deletes (partition-scoped, per `write.delete.granularity`) merged by
/// floe, then left half dangling by Spark's own compaction of some data files and trimmed by
/// floe: Spark, floe and DuckDB see the same rows at every step.
#[test]
fn spark_position_deletes_are_merged_and_dangling_entries_trimmed() {
    let (Some(python), Some(mut spark)) = (python(), spark()) else {
        return;
    };
    let shelf = Shelf::new("hygiene");
    let name = shelf.spark_name("orders");
    spark.sql(&[
        &format!(
            "CREATE TABLE {name} (id BIGINT, region STRING, amount DOUBLE) USING iceberg \
             PARTITIONED BY (region) TBLPROPERTIES ('format-version'='2', \
             'write.delete.mode'='merge-on-read', 'write.delete.granularity'='partition')"
        ),
        &format!(
            "INSERT INTO {name} SELECT id, CASE WHEN id % 2 = 0 THEN 'eu' ELSE 'us' END, \
             id * 1.5 FROM range(0, 300)"
        ),
        &format!(
            "INSERT INTO {name} SELECT id, CASE WHEN id % 2 = 0 THEN 'eu' ELSE 'us' END, \
             id * 1.5 FROM range(300, 600)"
        ),
    ]);
    for k in 0..5 {
        spark.sql(&[&format!(
            "DELETE FROM {name} WHERE id % 20 = {k} OR id % 20 = {}",
            k + 11
        )]);
    }
    let t = shelf.location("orders");
    let position_deletes = |shelf: &Shelf| -> usize {
        shelf.floe.json(&["files", &t])["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["content"] == "position_deletes")
            .count()
    };
    // One partition-scoped file per partition and DELETE.
    assert_eq!(position_deletes(&shelf), 10);
    let expected = spark_count_sum(&mut spark, &name);
    assert_eq!(expected.0, 300);
    assert_eq!(
        assert_all_agree(&shelf, "orders", &mut spark, &python, "Spark's deletes"),
        expected
    );

    let merged = shelf.floe.json(&["rewrite-position-deletes", &t]);
    assert_eq!(merged["granularity"], "partition", "{merged}");
    assert_eq!(merged["files_rewritten"], 10, "{merged}");
    assert_eq!(merged["files_written"], 2, "{merged}");
    assert_eq!(merged["position_delete_records_after"], 300);
    assert_eq!(position_deletes(&shelf), 2);
    assert_eq!(
        assert_all_agree(&shelf, "orders", &mut spark, &python, "merged deletes"),
        expected
    );

    // Spark compacts the first load's files (their deletes applied); the merged delete
    // files still apply to the second load's, so they stay, half of their entries dangling.
    spark.sql(&[&format!(
        "CALL floe.system.rewrite_data_files(table => '{}.orders', \
         options => map('rewrite-all', 'true'), where => 'id < 300')",
        shelf.ns
    )]);
    assert_eq!(position_deletes(&shelf), 2, "Spark keeps the delete files");
    assert_eq!(spark_count_sum(&mut spark, &name), expected);
    let trimmed = shelf.floe.json(&["rewrite-position-deletes", &t]);
    assert_eq!(trimmed["dangling_files_removed"], 0, "{trimmed}");
    assert_eq!(trimmed["dangling_records_removed"], 150, "{trimmed}");
    assert_eq!(trimmed["files_rewritten"], 2);
    assert_eq!(trimmed["files_written"], 2);
    assert_eq!(trimmed["position_delete_records_after"], 150);
    assert_eq!(position_deletes(&shelf), 2);
    assert_eq!(
        assert_all_agree(
            &shelf,
            "orders",
            &mut spark,
            &python,
            "dangling entries dropped"
        ),
        expected
    );
    shelf
        .floe
        .json(&["verify", &t, "--all-snapshots", "--deep"]);
}
