//! Format v3 tables as Spark 3.5 with Apache Iceberg 1.10.2 writes and reads them: floe reads
//! their deletion vectors (DELETE, UPDATE, MERGE merge-on-read) and row lineage with the same
//! rows and `_row_id`s as Spark, names a damaged DV and every data file it cannot read (ORC);
//! floe's own v3 tables (create, upgrade, appends, merge-on-read deletes as DVs, upserts) read
//! the same in Spark, the two alternating commits; writes floe cannot yet make with row lineage
//! are refused, leaving the table unchanged. One Spark session serves the whole binary.

mod common;

use std::path::Path;
use std::sync::{MutexGuard, OnceLock};

use common::spark::{SharedSpark, Spark};
use common::Floe;
use serde_json::Value;

fn shared() -> &'static SharedSpark {
    static SHARED: OnceLock<SharedSpark> = OnceLock::new();
    SHARED.get_or_init(SharedSpark::start)
}

/// The shared Spark session, or `None` when the suite runs without Python (skipped).
fn spark() -> Option<MutexGuard<'static, Spark>> {
    shared().lock()
}

/// Table `ns.name` of the shared warehouse: its directory and its Spark name.
fn table(ns: &str, name: &str) -> (String, String) {
    let dir = shared().warehouse.path().join(ns).join(name);
    (
        dir.to_string_lossy().to_string(),
        format!("floe.{ns}.{name}"),
    )
}

fn floe() -> Floe {
    Floe::new(shared().warehouse.path())
}

const V3_MERGE_ON_READ: &str = "TBLPROPERTIES ('format-version'='3', \
     'write.delete.mode'='merge-on-read', 'write.update.mode'='merge-on-read', \
     'write.merge.mode'='merge-on-read')";

/// Spark creates `name`: format v3, merge-on-read, partitioned by region, holding ids
/// 0..rows (region `eu` for multiples of 3, else `us`; qty the last digit).
fn spark_v3_events(spark: &mut Spark, name: &str, rows: i64) {
    spark.sql(&[
        &format!(
            "CREATE TABLE {name} (id BIGINT, region STRING, qty INT) USING iceberg \
             PARTITIONED BY (region) {V3_MERGE_ON_READ}"
        ),
        &format!(
            "INSERT INTO {name} SELECT id, CASE WHEN id % 3 = 0 THEN 'eu' ELSE 'us' END, \
             CAST(id % 10 AS INT) FROM range(0, {rows})"
        ),
    ]);
}

/// Count, sum of ids and sum of qty, as Spark reads `name`.
fn spark_sums(spark: &mut Spark, from: &str) -> Value {
    spark.sql(&[&format!(
        "SELECT count(*) AS n, CAST(coalesce(sum(id), 0) AS BIGINT) AS s, \
         CAST(coalesce(sum(qty), 0) AS BIGINT) AS q FROM {from}"
    )])[0]
        .clone()
}

/// The same, as floe reads `location` (with extra `query` arguments such as `--snapshot`).
fn floe_sums(location: &str, args: &[&str]) -> Value {
    let mut all = vec![
        "query",
        location,
        "--select",
        "count(*) AS n, coalesce(sum(id), 0) AS s, coalesce(sum(CAST(qty AS BIGINT)), 0) AS q",
    ];
    all.extend(args);
    floe().json(&all)[0].clone()
}

/// The live deletion vectors of a table as Spark lists them: (Puffin path, offset, rows).
fn spark_dvs(spark: &mut Spark, name: &str) -> Vec<(String, i64, i64)> {
    spark
        .sql(&[&format!(
            "SELECT file_path, content_offset, record_count FROM {name}.delete_files \
             WHERE file_format = 'PUFFIN' ORDER BY file_path, content_offset"
        )])
        .iter()
        .map(|r| {
            (
                r["file_path"].as_str().unwrap().to_string(),
                r["content_offset"].as_i64().unwrap(),
                r["record_count"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn newest_metadata(location: &str) -> String {
    let mut files: Vec<String> = std::fs::read_dir(Path::new(location).join("metadata"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".metadata.json"))
        .collect();
    files.sort_by_key(|n| {
        n.trim_start_matches('v')
            .split('.')
            .next()
            .unwrap()
            .parse::<u64>()
            .unwrap_or(0)
    });
    files.pop().unwrap()
}

#[test]
fn floe_reads_sparks_deletion_vectors_as_spark_does() {
    let Some(mut spark) = spark() else {
        return;
    };
    let (t, name) = table("dv", "events");
    spark_v3_events(&mut spark, &name, 3000);
    spark.sql(&[&format!(
        "INSERT INTO {name} SELECT id, CASE WHEN id % 3 = 0 THEN 'eu' ELSE 'us' END, \
             CAST(id % 10 AS INT) FROM range(3000, 4000)"
    )]);
    let before_deletes = spark.sql(&[&format!(
        "SELECT snapshot_id FROM {name}.snapshots ORDER BY committed_at DESC LIMIT 1"
    )])[0]["snapshot_id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        floe_sums(&t, &[]),
        spark_sums(&mut spark, &name),
        "before any delete"
    );

    spark.sql(&[&format!("DELETE FROM {name} WHERE id % 7 = 0")]);
    let dvs = spark_dvs(&mut spark, &name);
    assert!(!dvs.is_empty(), "Spark wrote deletion vectors");
    assert!(
        dvs.iter().all(|(p, _, _)| p.ends_with(".puffin")),
        "{dvs:?}"
    );
    assert_eq!(floe_sums(&t, &[]), spark_sums(&mut spark, &name), "DELETE");

    // A second delete on the same files: Spark merges each file's DV into a new one.
    spark.sql(&[&format!("DELETE FROM {name} WHERE id % 11 = 0")]);
    assert_eq!(
        floe_sums(&t, &[]),
        spark_sums(&mut spark, &name),
        "second DELETE"
    );

    spark.sql(&[&format!("UPDATE {name} SET qty = 99 WHERE id % 13 = 0")]);
    assert_eq!(floe_sums(&t, &[]), spark_sums(&mut spark, &name), "UPDATE");

    spark.sql(&[&format!(
        "MERGE INTO {name} t USING (SELECT id, 'eu' AS region, CAST(5 AS INT) AS qty FROM range(3900, 4100)) s \
         ON t.id = s.id WHEN MATCHED THEN UPDATE SET qty = s.qty + t.qty WHEN NOT MATCHED THEN INSERT *"
    )]);
    let spark_now = spark_sums(&mut spark, &name);
    assert_eq!(floe_sums(&t, &[]), spark_now, "MERGE");
    assert_ne!(spark_now["n"], 4000, "rows were deleted: {spark_now}");

    // Filters and row selections see the same rows.
    let where_floe = floe().json(&[
        "query",
        &t,
        "--where",
        "region = 'eu' AND id BETWEEN 100 AND 2000",
        "--select",
        "count(*) AS n, sum(id) AS s",
    ])[0]
        .clone();
    let where_spark = spark.sql(&[&format!(
        "SELECT count(*) AS n, CAST(sum(id) AS BIGINT) AS s FROM {name} \
         WHERE region = 'eu' AND id BETWEEN 100 AND 2000"
    )])[0]
        .clone();
    assert_eq!(where_floe, where_spark, "--where");
    let ids_floe: Vec<i64> = floe()
        .json(&["query", &t, "--where", "id < 30", "--select", "id"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let expected: Vec<i64> = (0..30).filter(|i| i % 7 != 0 && i % 11 != 0).collect();
    assert_eq!(ids_floe, expected);

    // Time travel: before the deletes, every row is there for both.
    let snapshot = before_deletes.to_string();
    assert_eq!(
        floe_sums(&t, &["--snapshot", &snapshot]),
        spark_sums(
            &mut spark,
            &format!("{name} VERSION AS OF {before_deletes}")
        ),
        "before the deletes"
    );
    assert_eq!(floe_sums(&t, &["--snapshot", &snapshot])["n"], 4000);

    // floe sql reads through the same scan.
    let sql = floe().json(&["sql", &format!("SELECT count(*) AS n FROM \"{t}\"")]);
    assert_eq!(sql[0]["n"], spark_now["n"], "{sql}");

    // verify --deep tells the DVs apart inside their shared Puffin files and checks each.
    let dvs = spark_dvs(&mut spark, &name);
    let verified = floe().json(&["verify", &t, "--deep"]);
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(
        verified["deletion_vectors"],
        dvs.len(),
        "{verified} vs {dvs:?}"
    );
    let puffins: std::collections::BTreeSet<&String> = dvs.iter().map(|(p, _, _)| p).collect();
    assert!(puffins.len() < dvs.len(), "DVs share Puffin files: {dvs:?}");
}

#[test]
fn a_damaged_deletion_vector_is_an_error_naming_its_file() {
    let Some(mut spark) = spark() else {
        return;
    };
    let (t, name) = table("dv", "damaged");
    spark.sql(&[
        &format!("CREATE TABLE {name} (id BIGINT, qty INT) USING iceberg {V3_MERGE_ON_READ}"),
        &format!("INSERT INTO {name} SELECT id, CAST(id % 10 AS INT) FROM range(0, 500)"),
        &format!("DELETE FROM {name} WHERE id % 5 = 0"),
    ]);
    assert_eq!(floe_sums(&t, &[])["n"], 400);
    let (puffin, offset, _) = spark_dvs(&mut spark, &name).remove(0);
    drop(spark);
    let mut bytes = std::fs::read(&puffin).unwrap();
    // A bit inside the bitmap: the CRC no longer matches.
    bytes[offset as usize + 12] ^= 0x10;
    std::fs::write(&puffin, &bytes).unwrap();
    let run = floe().run(&["query", &t, "--select", "count(*) AS n"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&puffin) && run.stderr.contains("CRC-32"),
        "the error names the Puffin file and what is wrong: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("Corrupt footer"), "{}", run.stderr);

    let run = floe().run(&["verify", &t, "--deep", "-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{report}");
    assert_eq!(problems[0]["kind"], "corrupt_deletion_vector");
    assert_eq!(problems[0]["at"], format!("{puffin}@{offset}"));
}

#[test]
fn floes_row_level_writes_on_sparks_v3_table_keep_its_lineage_as_spark_reads_it() {
    let Some(mut spark) = spark() else {
        return;
    };
    let (t, name) = table("dv", "rewritten");
    spark.sql(&[
        &format!("CREATE TABLE {name} (id BIGINT, qty INT) USING iceberg {V3_MERGE_ON_READ}"),
        &format!("INSERT INTO {name} SELECT id, CAST(id % 10 AS INT) FROM range(0, 100)"),
        &format!("INSERT INTO {name} SELECT id, CAST(id % 10 AS INT) FROM range(100, 200)"),
        &format!("DELETE FROM {name} WHERE id < 10"),
    ]);
    let before = spark_lineage(&mut spark, &name);
    drop(spark);
    let input = shared().warehouse.path().join("v3-input.json");
    std::fs::write(
        &input,
        "{\"id\": 1000, \"qty\": 1}\n{\"id\": 50, \"qty\": 2}\n",
    )
    .unwrap();
    let input = input.to_string_lossy().to_string();
    // Copy-on-write: the file holding id 60 is rewritten; every other row keeps its lineage.
    let cow = floe().json(&[
        "delete",
        &t,
        "--where",
        "id = 60",
        "--mode",
        "copy-on-write",
    ]);
    assert_eq!(cow["files_rewritten"], 1, "{cow}");
    floe()
        .run(&[
            "ingest",
            &t,
            &input,
            "--upsert=id",
            "--row-mode",
            "copy-on-write",
        ])
        .ok();
    let mut spark = self::spark().unwrap();
    let after = spark_lineage(&mut spark, &name);
    assert_eq!(after, floe_lineage(&t));
    let untouched: Vec<_> = before
        .iter()
        .filter(|r| r.0 != 60 && r.0 != 50)
        .cloned()
        .collect();
    let kept: Vec<_> = after
        .iter()
        .filter(|r| r.0 != 1000 && r.0 != 50)
        .cloned()
        .collect();
    assert_eq!(
        kept, untouched,
        "rewritten rows kept their _row_id and sequence number"
    );
    let upserted = after.iter().find(|r| r.0 == 50).unwrap();
    assert!(
        upserted.1 > before.iter().map(|r| r.1).max().unwrap(),
        "an upserted row is a new row: {upserted:?}"
    );
    assert_eq!(spark_sums(&mut spark, &name), floe_sums(&t, &[]));
    assert_eq!(floe_sums(&t, &[])["n"], 190);
}

#[test]
fn rewrite_position_deletes_turns_an_upgraded_tables_position_deletes_into_deletion_vectors() {
    let Some(mut spark) = spark() else {
        return;
    };
    let (t, name) = table("dv", "upgraded");
    spark.sql(&[
        &format!(
            "CREATE TABLE {name} (id BIGINT, qty INT) USING iceberg PARTITIONED BY (bucket(2, id)) \
             TBLPROPERTIES ('format-version'='2', 'write.delete.mode'='merge-on-read')"
        ),
        &format!("INSERT INTO {name} SELECT id, CAST(id % 10 AS INT) FROM range(0, 1000)"),
        &format!("DELETE FROM {name} WHERE id % 7 = 0"),
        &format!("DELETE FROM {name} WHERE id % 11 = 0"),
    ]);
    let before = spark_sums(&mut spark, &name);
    drop(spark);
    floe()
        .run(&["properties", &t, "--set", "format-version=3"])
        .ok();
    let report = floe().json(&["rewrite-position-deletes", &t]);
    assert!(report["snapshot_id"].is_i64(), "{report}");
    assert_eq!(report["files_written"], 2, "one DV per data file: {report}");
    let files = floe().json(&["files", &t]);
    let deletes: Vec<&Value> = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["content"] != "data")
        .collect();
    assert_eq!(deletes.len(), 2, "{files}");
    assert!(
        deletes.iter().all(|f| f["file_format"] == "puffin"),
        "{files}"
    );
    let mut spark = self::spark().unwrap();
    assert_eq!(spark_sums(&mut spark, &name), before);
    assert_eq!(floe_sums(&t, &[]), before);
    // Spark's next delete merges floe's DVs.
    spark.sql(&[&format!("DELETE FROM {name} WHERE id % 13 = 0")]);
    assert_eq!(floe_sums(&t, &[]), spark_sums(&mut spark, &name));
    assert_eq!(spark_dvs(&mut spark, &name).len(), 2);
    let again = floe().json(&["rewrite-position-deletes", &t]);
    assert!(
        again["snapshot_id"].is_null(),
        "nothing left to convert: {again}"
    );
}

#[test]
fn orc_data_files_are_named_and_compaction_leaves_them_alone() {
    let Some(mut spark) = spark() else {
        return;
    };
    let (t, name) = table("orc", "events");
    spark.sql(&[
        &format!(
            "CREATE TABLE {name} (id BIGINT, qty INT) USING iceberg \
             TBLPROPERTIES ('format-version'='2', 'write.format.default'='orc')"
        ),
        &format!("INSERT INTO {name} SELECT id, CAST(id % 10 AS INT) FROM range(0, 100)"),
        &format!("INSERT INTO {name} SELECT id, CAST(id % 10 AS INT) FROM range(100, 200)"),
    ]);
    let orc_files: Vec<String> = spark
        .sql(&[&format!("SELECT file_path FROM {name}.files")])
        .iter()
        .map(|r| r["file_path"].as_str().unwrap().to_string())
        .collect();
    assert!(orc_files.len() >= 2, "{orc_files:?}");
    let run = floe().run(&["query", &t, "--select", "count(*) AS n"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("floe reads Parquet data files")
            && run.stderr.contains(" is ORC")
            && orc_files.iter().any(|f| run.stderr.contains(f.as_str())),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("footer"), "{}", run.stderr);

    let before = newest_metadata(&t);
    let report = floe().json(&["compact", &t, "--rewrite-all"]);
    assert_eq!(report["groups_committed"], 0, "{report}");
    let message = report["message"].as_str().unwrap_or_default();
    let left = format!("left {} data file(s) alone", orc_files.len());
    assert!(
        message.contains(&left) && message.contains("is ORC"),
        "{report}"
    );
    assert_eq!(newest_metadata(&t), before, "nothing was committed");
    let n = spark.sql(&[&format!("SELECT count(*) AS n FROM {name}")])[0]["n"].clone();
    assert_eq!(n, 200);
}

/// (id, _row_id, _last_updated_sequence_number) of every row, by id, as floe reads `location`.
fn floe_lineage(location: &str) -> Vec<(i64, Option<i64>, Option<i64>)> {
    lineage_rows(&floe().json(&[
        "query",
        location,
        "--select",
        "id, _row_id, _last_updated_sequence_number",
    ]))
}

/// The same, as Spark reads `name`.
fn spark_lineage(spark: &mut Spark, name: &str) -> Vec<(i64, Option<i64>, Option<i64>)> {
    lineage_rows(&Value::Array(spark.sql(&[&format!(
        "SELECT id, _row_id, _last_updated_sequence_number FROM {name}"
    )])))
}

fn lineage_rows(rows: &Value) -> Vec<(i64, Option<i64>, Option<i64>)> {
    let mut out: Vec<(i64, Option<i64>, Option<i64>)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap(),
                r["_row_id"].as_i64(),
                r["_last_updated_sequence_number"].as_i64(),
            )
        })
        .collect();
    out.sort();
    out
}

fn metadata_json(location: &str) -> Value {
    let path = Path::new(location)
        .join("metadata")
        .join(newest_metadata(location));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Create `location`, like the CSV `like`, partitioned by region, format v3, deletes
/// merge-on-read.
fn create_partitioned_v3(floe: &Floe, location: &str, like: &str) {
    floe.run(&[
        "create",
        location,
        "--like",
        like,
        "--partition-by",
        "region",
        "--format-version",
        "3",
        "--property",
        "write.delete.mode=merge-on-read",
    ])
    .ok();
}

fn write_ids(dir: &Path, name: &str, ids: std::ops::Range<i64>) -> String {
    let path = dir.join(name);
    let mut text = String::from("id,region,qty\n");
    for id in ids {
        let region = if id % 3 == 0 { "eu" } else { "us" };
        text.push_str(&format!("{id},{region},{}\n", id % 10));
    }
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().to_string()
}

#[test]
fn v3_tables_are_created_and_upgraded_and_their_appends_assign_row_ids() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let t = dir.path().join("t").to_string_lossy().to_string();
    let a = write_ids(dir.path(), "a.csv", 0..5);
    let b = write_ids(dir.path(), "b.csv", 5..8);

    floe.run(&["create", &t, "--like", &a, "--format-version", "3"])
        .ok();
    let created = metadata_json(&t);
    assert_eq!(created["format-version"], 3);
    assert_eq!(created["next-row-id"], 0);
    floe.run(&["ingest", &t, &a]).ok();
    floe.run(&["ingest", &t, &b]).ok();
    let after = metadata_json(&t);
    assert_eq!(after["next-row-id"], 8);
    // Metadata lists snapshots in no particular order.
    let mut snapshots = after["snapshots"].as_array().unwrap().clone();
    snapshots.sort_by_key(|s| s["sequence-number"].as_i64());
    let ranges: Vec<(i64, i64)> = snapshots
        .iter()
        .map(|s| {
            (
                s["first-row-id"].as_i64().unwrap(),
                s["added-rows"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ranges, vec![(0, 5), (5, 3)]);
    let sequence: Vec<i64> = snapshots
        .iter()
        .map(|s| s["sequence-number"].as_i64().unwrap())
        .collect();
    let expected: Vec<(i64, Option<i64>, Option<i64>)> = (0..8)
        .map(|id| {
            (
                id,
                Some(id),
                Some(if id < 5 { sequence[0] } else { sequence[1] }),
            )
        })
        .collect();
    assert_eq!(floe_lineage(&t), expected);
    let by_sql = floe.json(&[
        "sql",
        &format!("SELECT _row_id, _last_updated_sequence_number FROM \"{t}\" WHERE id = 6"),
    ]);
    assert_eq!(
        by_sql,
        serde_json::json!([{"_row_id": 6, "_last_updated_sequence_number": sequence[1]}])
    );
    // Lineage columns are offered only when named: `*` is the table's own columns.
    let star = floe.json(&["query", &t, "--limit", "1"]);
    let columns: Vec<&String> = star[0].as_object().unwrap().keys().collect();
    assert_eq!(columns.len(), 3, "{star}");

    // The flag and the property must agree; unknown versions are usage errors.
    let both = floe.run(&[
        "create",
        &format!("{t}-x"),
        "--like",
        &a,
        "--format-version",
        "3",
        "--property",
        "format-version=2",
    ]);
    assert_eq!(both.code, 2, "{}", both.stderr);
    let four = floe.run(&[
        "create",
        &format!("{t}-y"),
        "--like",
        &a,
        "--format-version",
        "4",
    ]);
    assert_eq!(four.code, 2, "{}", four.stderr);
    assert!(four.stderr.contains("use 1, 2 or 3"), "{}", four.stderr);

    // A v2 table: no lineage columns; upgraded, rows get ids from the next commit on.
    let u = dir.path().join("u").to_string_lossy().to_string();
    floe.run(&["create", &u, "--like", &a]).ok();
    floe.run(&["ingest", &u, &a]).ok();
    let refused = floe.run(&["query", &u, "--select", "_row_id"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("format-version 2 table")
            && refused.stderr.contains("format-version=3"),
        "{}",
        refused.stderr
    );
    let set = floe.json(&["properties", &u, "--set", "format-version=3"]);
    assert_eq!(set["set"], serde_json::json!(["format-version"]), "{set}");
    assert!(
        set["properties"].get("format-version").is_none(),
        "not stored as a property: {set}"
    );
    let upgraded = metadata_json(&u);
    assert_eq!(upgraded["format-version"], 3);
    assert_eq!(upgraded["next-row-id"], 0);
    let before_append = floe_lineage(&u);
    assert!(
        before_append.iter().all(|(_, row_id, _)| row_id.is_none()),
        "rows written before the upgrade have no ids yet: {before_append:?}"
    );
    floe.run(&["ingest", &u, &b]).ok();
    let ids: Vec<Option<i64>> = floe_lineage(&u).iter().map(|r| r.1).collect();
    // The new manifest comes first in the list (ids 0..3), the carried one after (3..8).
    assert_eq!(
        ids,
        vec![
            Some(3),
            Some(4),
            Some(5),
            Some(6),
            Some(7),
            Some(0),
            Some(1),
            Some(2)
        ]
    );
    assert_eq!(metadata_json(&u)["next-row-id"], 8);
    // Rewriting manifests keeps every row's id.
    floe.run(&["rewrite-manifests", &u]).ok();
    assert_eq!(
        floe_lineage(&u).iter().map(|r| r.1).collect::<Vec<_>>(),
        ids
    );

    let before = newest_metadata(&u);
    let down = floe.run(&["properties", &u, "--set", "format-version=2"]);
    assert_eq!(down.code, 1, "{}", down.stderr);
    assert!(
        down.stderr.contains("cannot be downgraded"),
        "{}",
        down.stderr
    );
    assert_eq!(newest_metadata(&u), before);
}

/// The live delete files of `location` as (path, format, referenced data file, rows).
fn live_deletes(location: &str) -> Vec<(String, String, String, u64)> {
    let files = floe().json(&["files", location]);
    let mut out: Vec<(String, String, String, u64)> = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["content"] != "data")
        .map(|f| {
            (
                format!(
                    "{}@{}",
                    f["file_path"].as_str().unwrap(),
                    f["content_offset"].as_i64().unwrap_or(-1)
                ),
                f["file_format"].as_str().unwrap().to_string(),
                f["referenced_data_file"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                f["record_count"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// A v3 table whose deletes are merge-on-read, holding ids 0..100 and 100..150 in two data
/// files: (its folder, floe there, its location).
fn merge_on_read_v3_table() -> (tempfile::TempDir, Floe, String) {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let t = dir.path().join("t").to_string_lossy().to_string();
    let a = write_ids(dir.path(), "a.csv", 0..100);
    let b = write_ids(dir.path(), "b.csv", 100..150);
    floe.run(&[
        "create",
        &t,
        "--like",
        &a,
        "--format-version",
        "3",
        "--property",
        "write.delete.mode=merge-on-read",
    ])
    .ok();
    floe.run(&["ingest", &t, &a]).ok();
    floe.run(&["ingest", &t, &b]).ok();
    (dir, floe, t)
}

#[test]
fn merge_on_read_deletes_on_v3_write_one_merged_deletion_vector_per_data_file() {
    let (dir, floe, t) = merge_on_read_v3_table();
    let report = floe.json(&["delete", &t, "--where", "id % 7 = 0"]);
    assert_eq!(report["rows_deleted"], 22, "{report}");
    let first = live_deletes(&t);
    assert_eq!(first.len(), 2, "one DV for each data file: {first:?}");
    assert!(first
        .iter()
        .all(|(_, f, r, _)| f == "puffin" && !r.is_empty()));
    let puffin = |d: &(String, String, String, u64)| d.0.split('@').next().unwrap().to_string();
    assert_eq!(
        puffin(&first[0]),
        puffin(&first[1]),
        "both in one Puffin file"
    );
    assert_ne!(first[0].0, first[1].0, "at their own offsets");
    assert_eq!(first.iter().map(|d| d.3).sum::<u64>(), 22);

    let report = floe.json(&["delete", &t, "--where", "id % 11 = 0"]);
    assert_eq!(report["rows_deleted"], 12, "{report}");
    let second = live_deletes(&t);
    assert_eq!(second.len(), 2, "the new DVs replaced the old: {second:?}");
    assert_ne!(puffin(&second[0]), puffin(&first[0]));
    // 0..150 minus multiples of 7 or 11 (77 counted once).
    assert_eq!(second.iter().map(|d| d.3).sum::<u64>(), 22 + 12);
    let ids = sorted_ids(&floe.json(&["query", &t, "--select", "id"]));
    let expected: Vec<i64> = (0..150).filter(|i| i % 7 != 0 && i % 11 != 0).collect();
    assert_eq!(ids, expected);
    let lineage = floe_lineage(&t);
    assert!(lineage.iter().all(|(id, row_id, _)| Some(*id) == *row_id));

    let verified = floe.json(&["verify", &t, "--deep"]);
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(verified["deletion_vectors"], 2, "{verified}");

    // An upsert on v3 with merge-on-read writes equality deletes, as on v2.
    let c = write_ids(dir.path(), "c.csv", 140..160);
    let upsert = floe.json(&[
        "ingest",
        &t,
        &c,
        "--upsert=id",
        "--row-mode",
        "merge-on-read",
    ]);
    assert_eq!(upsert["snapshot_id"].is_i64(), true, "{upsert}");
    let ids = sorted_ids(&floe.json(&["query", &t, "--select", "id"]));
    let mut expected: Vec<i64> = (0..140).filter(|i| i % 7 != 0 && i % 11 != 0).collect();
    expected.extend(140..160);
    assert_eq!(ids, expected);
    let next = metadata_json(&t)["next-row-id"].as_i64().unwrap();
    assert_eq!(next, 170, "150 rows, then 20 upserted rows got new ids");

    // Copy-on-write rewrites keep each kept row's lineage in the new files; their DVs leave.
    let before = floe_lineage(&t);
    let cow = floe.json(&["delete", &t, "--where", "id = 1", "--mode", "copy-on-write"]);
    assert_eq!(cow["files_rewritten"], 1, "{cow}");
    let after = floe_lineage(&t);
    let expected: Vec<_> = before.iter().filter(|r| r.0 != 1).cloned().collect();
    assert_eq!(after, expected);
    let first_file_dvs = live_deletes(&t).iter().filter(|d| d.1 == "puffin").count();
    assert_eq!(first_file_dvs, 1, "only the untouched file's DV is left");

    // A file that stores another table's row ids cannot be added: its ids would collide.
    floe.run(&["compact", &t, "--rewrite-all"]).ok();
    let compacted = live_deletes(&t).is_empty();
    assert!(compacted, "the DVs left with the compaction");
    let files = floe.json(&["files", &t]);
    let rewritten = files["files"][0]["file_path"].as_str().unwrap().to_string();
    let other = dir.path().join("other").to_string_lossy().to_string();
    floe.run(&[
        "create",
        &other,
        "--like",
        &dir.path().join("a.csv").to_string_lossy(),
        "--format-version",
        "3",
    ])
    .ok();
    let added = floe.run(&["add-files", &other, &rewritten]);
    assert_eq!(added.code, 1, "{}", added.stderr);
    assert!(
        added.stderr.contains(&rewritten) && added.stderr.contains("_row_id"),
        "{}",
        added.stderr
    );
    assert!(floe.json(&["snapshots", &other])["snapshots"]
        .as_array()
        .unwrap()
        .is_empty());
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

#[test]
fn spark_reads_floes_v3_writes_with_the_same_rows_and_lineage_and_the_two_alternate() {
    let Some(mut spark) = spark() else {
        return;
    };
    let (t, name) = table("lineage", "floe_made");
    let input = shared().warehouse.path().join("lineage-input");
    std::fs::create_dir_all(&input).unwrap();
    let a = write_ids(&input, "a.csv", 0..3000);
    let b = write_ids(&input, "b.csv", 3000..4000);
    create_partitioned_v3(&floe(), &t, &a);
    floe().run(&["ingest", &t, &a]).ok();
    floe().run(&["ingest", &t, &b]).ok();
    floe().run(&["delete", &t, "--where", "id % 7 = 0"]).ok();
    floe().run(&["delete", &t, "--where", "id % 11 = 0"]).ok();
    assert_eq!(
        spark_lineage(&mut spark, &name),
        floe_lineage(&t),
        "floe's DVs"
    );
    assert_eq!(floe_sums(&t, &[]), spark_sums(&mut spark, &name));
    let dvs = spark_dvs(&mut spark, &name);
    let data_files = spark.sql(&[&format!(
        "SELECT count(*) AS n FROM {name}.files WHERE content = 0"
    )])[0]["n"]
        .as_i64()
        .unwrap();
    assert_eq!(
        dvs.len() as i64,
        data_files,
        "one DV per data file: {dvs:?}"
    );

    let c = write_ids(&input, "c.csv", 3900..4100);
    floe()
        .run(&[
            "ingest",
            &t,
            &c,
            "--upsert=id",
            "--row-mode",
            "merge-on-read",
        ])
        .ok();
    floe().run(&["rewrite-manifests", &t]).ok();
    assert_eq!(
        spark_lineage(&mut spark, &name),
        floe_lineage(&t),
        "upsert, manifests"
    );

    // Spark writes next: its DELETE merges floe's DVs, its INSERT takes the next row ids.
    spark.sql(&[
        &format!("DELETE FROM {name} WHERE id % 13 = 0"),
        &format!("INSERT INTO {name} SELECT id, 'eu', CAST(1 AS INT) FROM range(5000, 5100)"),
    ]);
    assert_eq!(
        floe_lineage(&t),
        spark_lineage(&mut spark, &name),
        "Spark after floe"
    );
    // And floe again, merging the DVs Spark wrote.
    floe().run(&["delete", &t, "--where", "id % 17 = 0"]).ok();
    let d = write_ids(&input, "d.csv", 6000..6050);
    floe().run(&["ingest", &t, &d]).ok();
    let spark_now = spark_lineage(&mut spark, &name);
    assert_eq!(floe_lineage(&t), spark_now, "floe after Spark");
    let row_ids: std::collections::BTreeSet<i64> = spark_now.iter().filter_map(|r| r.1).collect();
    assert_eq!(row_ids.len(), spark_now.len(), "every row has its own id");
    // The upsert brought 3900..4100 back whole; Spark's delete and floe's came after it.
    let deleted = |id: i64| match id {
        ..3900 => id % 7 == 0 || id % 11 == 0 || id % 13 == 0 || id % 17 == 0,
        3900..5000 => id % 13 == 0 || id % 17 == 0,
        5000..6000 => id % 17 == 0,
        _ => false,
    };
    assert!(spark_now.iter().all(|r| !deleted(r.0)), "{spark_now:?}");
    let expected = (0..4100)
        .chain(5000..5100)
        .chain(6000..6050)
        .filter(|id| !deleted(*id))
        .count();
    assert_eq!(spark_now.len(), expected);
    let dvs = spark_dvs(&mut spark, &name);
    let mut referenced: Vec<String> = spark
        .sql(&[&format!(
            "SELECT referenced_data_file FROM {name}.delete_files WHERE file_format = 'PUFFIN'"
        )])
        .iter()
        .map(|r| r["referenced_data_file"].as_str().unwrap().to_string())
        .collect();
    referenced.sort();
    let distinct = referenced.len();
    referenced.dedup();
    assert_eq!(
        referenced.len(),
        distinct,
        "at most one DV per data file: {dvs:?}"
    );
    let verified = floe().json(&["verify", &t, "--deep"]);
    assert_eq!(verified["ok"], true, "{verified}");

    // floe compacts what both wrote: Spark reads every row with the _row_id it had.
    let report = floe().json(&["compact", &t, "--rewrite-all"]);
    assert_eq!(report["groups_failed"], 0, "{report}");
    assert_eq!(
        spark_lineage(&mut spark, &name),
        spark_now,
        "Spark after floe's compaction"
    );
    assert!(spark_dvs(&mut spark, &name).is_empty());

    // floe expires the history; Spark reads the same rows from what is left.
    let later = (chrono_now_ms() + 60_000).to_string();
    let expired = floe().json(&["expire", &t, "--older-than", &later, "--retain-last", "1"]);
    assert!(
        expired["snapshots_left"].as_u64().unwrap() >= 1,
        "{expired}"
    );
    assert_eq!(
        spark_lineage(&mut spark, &name),
        spark_now,
        "Spark after floe's expire"
    );
    assert_eq!(floe_lineage(&t), spark_now);
}

#[test]
fn floe_reads_sparks_row_lineage_as_spark_does() {
    let Some(mut spark) = spark() else {
        return;
    };
    let (t, name) = table("lineage", "spark_made");
    spark_v3_events(&mut spark, &name, 2000);
    spark.sql(&[&format!(
        "INSERT INTO {name} SELECT id, 'eu', CAST(id % 10 AS INT) FROM range(2000, 2500)"
    )]);
    let appended = spark_lineage(&mut spark, &name);
    assert_eq!(floe_lineage(&t), appended, "appends");
    let id_of = |rows: &[(i64, Option<i64>, Option<i64>)], id: i64| {
        *rows.iter().find(|r| r.0 == id).unwrap()
    };
    // Spark's merge-on-read UPDATE keeps the updated rows' ids, with a new sequence number.
    spark.sql(&[&format!("UPDATE {name} SET qty = 99 WHERE id % 13 = 0")]);
    assert_eq!(floe_lineage(&t), spark_lineage(&mut spark, &name), "UPDATE");
    spark.sql(&[&format!(
        "MERGE INTO {name} t USING (SELECT id, 'eu' AS region, CAST(5 AS INT) AS qty FROM range(2400, 2600)) s \
         ON t.id = s.id WHEN MATCHED THEN UPDATE SET qty = s.qty WHEN NOT MATCHED THEN INSERT *"
    )]);
    spark.sql(&[&format!("DELETE FROM {name} WHERE id % 7 = 0")]);
    assert_eq!(
        floe_lineage(&t),
        spark_lineage(&mut spark, &name),
        "MERGE, DELETE"
    );
    // Spark's compaction writes the ids into the files; floe reads them from there.
    spark.sql(&[&format!(
        "CALL floe.system.rewrite_data_files(table => 'lineage.spark_made', options => map('rewrite-all', 'true'))"
    )]);
    let after = spark_lineage(&mut spark, &name);
    assert_eq!(floe_lineage(&t), after, "after Spark's rewrite_data_files");
    let (updated, untouched) = (id_of(&after, 13), id_of(&after, 1));
    assert_eq!(
        updated.1,
        id_of(&appended, 13).1,
        "an updated row kept its id"
    );
    assert_eq!(
        untouched,
        id_of(&appended, 1),
        "an untouched row kept its lineage"
    );
    assert!(updated.2 > untouched.2, "{updated:?} vs {untouched:?}");
}

#[test]
fn floe_compacts_sparks_v3_table_and_spark_reads_the_same_rows_and_lineage() {
    let Some(mut spark) = spark() else {
        return;
    };
    let (t, name) = table("lineage", "compacted");
    spark_v3_events(&mut spark, &name, 2000);
    spark.sql(&[
        &format!("INSERT INTO {name} SELECT id, 'eu', CAST(1 AS INT) FROM range(2000, 2300)"),
        &format!("UPDATE {name} SET qty = 42 WHERE id % 13 = 0"),
        &format!("DELETE FROM {name} WHERE id % 7 = 0"),
    ]);
    let before = spark_lineage(&mut spark, &name);
    let sums = spark_sums(&mut spark, &name);
    drop(spark);
    let report = floe().json(&["compact", &t, "--rewrite-all"]);
    assert_eq!(report["groups_failed"], 0, "{report}");
    assert!(
        report["groups_committed"].as_u64().unwrap() >= 1,
        "{report}"
    );
    let mut spark = self::spark().unwrap();
    assert_eq!(
        spark_lineage(&mut spark, &name),
        before,
        "Spark after floe's compaction"
    );
    assert_eq!(floe_lineage(&t), before, "floe after its compaction");
    assert_eq!(spark_sums(&mut spark, &name), sums);
    let dvs = spark_dvs(&mut spark, &name);
    assert!(dvs.is_empty(), "the rewritten files' DVs left: {dvs:?}");

    // A sorted rewrite moves rows between files and keeps their lineage too.
    drop(spark);
    let report = floe().json(&[
        "compact",
        &t,
        "--rewrite-all",
        "--strategy",
        "sort",
        "--sort-by",
        "qty desc",
    ]);
    assert_eq!(report["groups_failed"], 0, "{report}");
    let mut spark = self::spark().unwrap();
    assert_eq!(
        spark_lineage(&mut spark, &name),
        before,
        "after a sort rewrite"
    );

    // Spark goes on writing: new rows get ids no row had.
    spark.sql(&[&format!(
        "INSERT INTO {name} SELECT id, 'us', CAST(2 AS INT) FROM range(9000, 9010)"
    )]);
    let after = spark_lineage(&mut spark, &name);
    let old_max = before.iter().filter_map(|r| r.1).max().unwrap();
    assert!(
        after
            .iter()
            .filter(|r| r.0 >= 9000)
            .all(|r| r.1 > Some(old_max)),
        "{after:?}"
    );
    assert_eq!(floe_lineage(&t), after);
}

/// Add a column of `type_json` to every schema of the newest metadata of `location`, as an
/// engine that knows the type would have written it.
fn add_column_of_type(location: &str, name: &str, type_json: Value) {
    let path = Path::new(location)
        .join("metadata")
        .join(newest_metadata(location));
    let mut metadata: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let id = metadata["last-column-id"].as_i64().unwrap() + 1;
    for schema in metadata["schemas"].as_array_mut().unwrap() {
        schema["fields"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "id": id, "name": name, "type": type_json, "required": false
            }));
    }
    metadata["last-column-id"] = serde_json::json!(id);
    std::fs::write(&path, serde_json::to_vec(&metadata).unwrap()).unwrap();
}

#[test]
fn a_v3_type_floe_cannot_read_is_named_with_its_column_and_the_table_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let a = write_ids(dir.path(), "a.csv", 0..10);
    let cases = [
        ("payload", serde_json::json!("variant"), "variant"),
        (
            "shape",
            serde_json::json!("geometry(srid:4326)"),
            "geometry(srid:4326)",
        ),
        ("area", serde_json::json!("geography"), "geography"),
        (
            "tags",
            serde_json::json!({"type": "list", "element-id": 90, "element": "unknown", "element-required": false}),
            "unknown",
        ),
    ];
    for (n, (column, type_json, type_name)) in cases.into_iter().enumerate() {
        let t = dir
            .path()
            .join(format!("t{n}"))
            .to_string_lossy()
            .to_string();
        floe.run(&["create", &t, "--like", &a, "--format-version", "3"])
            .ok();
        floe.run(&["ingest", &t, &a]).ok();
        add_column_of_type(&t, column, type_json);
        let before = newest_metadata(&t);
        for args in [
            vec!["query", t.as_str()],
            vec!["describe", t.as_str()],
            vec!["ingest", t.as_str(), a.as_str()],
            vec!["compact", t.as_str(), "--rewrite-all"],
            vec!["delete", t.as_str(), "--where", "id = 1"],
        ] {
            let run = floe.run(&args);
            assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
            let expected_column = if column == "tags" {
                "tags.element"
            } else {
                column
            };
            assert!(
                run.stderr.contains(&format!("column {expected_column} "))
                    && run.stderr.contains(&format!("has type {type_name}")),
                "{args:?}: {}",
                run.stderr
            );
            assert_eq!(newest_metadata(&t), before, "{args:?} changed nothing");
        }
    }
}

#[test]
fn nanosecond_timestamps_of_a_v3_table_round_trip() {
    let Some(python) = common::python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let t = dir.path().join("t").to_string_lossy().to_string();
    let schema = dir.path().join("schema.json");
    std::fs::write(
        &schema,
        r#"{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"id","type":"long","required":false},{"id":2,"name":"ts","type":"timestamp_ns","required":false}]}"#,
    )
    .unwrap();
    floe.run(&[
        "create",
        &t,
        "--schema",
        &schema.to_string_lossy(),
        "--format-version",
        "3",
    ])
    .ok();
    let input = dir.path().join("ns.parquet");
    let made = std::process::Command::new(&python)
        .args([
            "-c",
            "import sys, pyarrow as pa, pyarrow.parquet as pq; pq.write_table(pa.table({'id': pa.array([1, 2], pa.int64()), 'ts': pa.array([1700000000123456789, 1700000000987654321], pa.timestamp('ns'))}), sys.argv[1])",
            &input.to_string_lossy(),
        ])
        .status()
        .unwrap();
    assert!(made.success());
    floe.run(&["ingest", &t, &input.to_string_lossy()]).ok();
    floe.run(&["compact", &t, "--rewrite-all"]).ok();
    let rows = floe.json(&["query", &t, "--where", "ts > '2023-11-14T22:13:20.5'"]);
    assert_eq!(
        rows,
        serde_json::json!([{"id": 2, "ts": "2023-11-14T22:13:20.987654321"}])
    );
    let lineage = floe_lineage(&t);
    assert_eq!(lineage.len(), 2);
    assert!(lineage.iter().all(|r| r.1.is_some()));
}

/// Make every file under `dir` look `age` old, so age-guarded cleanup considers it.
fn age_files(dir: &Path, age: std::time::Duration) {
    let when = std::time::SystemTime::now() - age;
    for entry in walk(dir) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&entry)
            .unwrap();
        file.set_modified(when).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn puffins(location: &str) -> std::collections::BTreeSet<String> {
    live_deletes(location)
        .into_iter()
        .filter(|d| d.1 == "puffin")
        .map(|d| d.0.split('@').next().unwrap().to_string())
        .collect()
}

#[test]
fn expire_and_remove_orphans_keep_a_puffin_file_while_any_of_its_deletion_vectors_is_live() {
    let (_dir, floe, t) = merge_on_read_v3_table();
    floe.run(&["delete", &t, "--where", "id % 7 = 0"]).ok();
    let first = puffins(&t);
    assert_eq!(first.len(), 1, "both DVs in one Puffin file");
    // Only file a's DV is replaced: the first Puffin file still holds file b's live DV.
    floe.run(&["delete", &t, "--where", "id = 1"]).ok();
    let live = puffins(&t);
    assert_eq!(live.len(), 2, "{live:?}");
    assert!(live.is_superset(&first));
    let expected = sorted_ids(&floe.json(&["query", &t, "--select", "id"]));

    let later = (chrono_now_ms() + 60_000).to_string();
    let expired = floe.json(&["expire", &t, "--older-than", &later, "--retain-last", "1"]);
    assert!(
        !expired["expired_snapshot_ids"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{expired}"
    );
    for puffin in &first {
        assert!(Path::new(puffin).exists(), "{puffin} still holds a live DV");
    }
    assert_eq!(
        sorted_ids(&floe.json(&["query", &t, "--select", "id"])),
        expected
    );
    assert_eq!(floe.json(&["verify", &t, "--deep"])["ok"], true);

    // remove-orphans lists an unreferenced Puffin file, never a referenced one.
    let stray = Path::new(&t).join("data").join("stray-deletes.puffin");
    std::fs::write(&stray, b"PFA1").unwrap();
    age_files(Path::new(&t), std::time::Duration::from_secs(3 * 86_400));
    let orphans = floe.json(&["remove-orphans", &t, "--dry-run"]);
    let listed: Vec<&str> = orphans["orphans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["location"].as_str().unwrap())
        .collect();
    assert!(
        listed.iter().any(|l| l.ends_with("stray-deletes.puffin")),
        "{orphans}"
    );
    assert!(
        live.iter().all(|p| !listed
            .iter()
            .any(|l| l.ends_with(p.rsplit('/').next().unwrap()))),
        "referenced Puffin files are never orphans: {orphans}"
    );

    // Once file b's DV is replaced too, expiring the old snapshots deletes the first file.
    floe.run(&["delete", &t, "--where", "id = 101"]).ok();
    assert!(puffins(&t).is_disjoint(&first));
    let later = (chrono_now_ms() + 60_000).to_string();
    floe.json(&["expire", &t, "--older-than", &later, "--retain-last", "1"]);
    for puffin in &first {
        assert!(
            !Path::new(puffin).exists(),
            "{puffin} is referenced by no snapshot left"
        );
    }
    let mut expected = expected;
    expected.retain(|id| *id != 101);
    assert_eq!(
        sorted_ids(&floe.json(&["query", &t, "--select", "id"])),
        expected
    );
}

fn chrono_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// (rows, sum of ids) of `location` as DuckDB's iceberg extension reads it.
fn duckdb_sums(python: &str, location: &str) -> (i64, i64) {
    let out = common::py_script_json(
        python,
        "duckdb_reader.py",
        &[
            "--table",
            location,
            "--sql",
            "SELECT count(*) AS n, CAST(coalesce(sum(id), 0) AS BIGINT) AS s FROM t",
        ],
        &[],
    );
    (
        out["rows"][0]["n"].as_i64().unwrap(),
        out["rows"][0]["s"].as_i64().unwrap(),
    )
}

/// The same, as PyIceberg reads it.
fn pyiceberg_sums(python: &str, location: &str) -> (i64, i64) {
    let read = common::pyiceberg_read(python, location, None);
    let rows = read["rows"].as_array().unwrap();
    (
        rows.len() as i64,
        rows.iter().map(|r| r["id"].as_i64().unwrap()).sum(),
    )
}

#[test]
fn duckdb_and_pyiceberg_read_floes_v3_writes_with_the_same_rows() {
    let Some(python) = common::python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let t = dir.path().join("t").to_string_lossy().to_string();
    let a = write_ids(dir.path(), "a.csv", 0..3000);
    let b = write_ids(dir.path(), "b.csv", 3000..4000);
    let c = write_ids(dir.path(), "c.csv", 3900..4100);
    let steps: Vec<(&str, Vec<&str>)> = vec![
        ("ingest", vec!["ingest", &t, &a]),
        ("ingest", vec!["ingest", &t, &b]),
        ("delete (DVs)", vec!["delete", &t, "--where", "id % 7 = 0"]),
        (
            "delete (merged DVs)",
            vec!["delete", &t, "--where", "id % 11 = 0"],
        ),
        (
            // PyIceberg 0.12 reads no equality deletes: the merge-on-read upsert is Spark's test.
            "upsert (copy-on-write)",
            vec![
                "ingest",
                &t,
                &c,
                "--upsert=id",
                "--row-mode",
                "copy-on-write",
            ],
        ),
        (
            "copy-on-write delete",
            vec![
                "delete",
                &t,
                "--where",
                "id BETWEEN 10 AND 20",
                "--mode",
                "copy-on-write",
            ],
        ),
        (
            "compact",
            vec!["compact", &t, "--where", "region = 'eu'", "--rewrite-all"],
        ),
        ("expire", vec!["expire", &t, "--retain-last", "2"]),
    ];
    create_partitioned_v3(&floe, &t, &a);
    for (step, args) in steps {
        floe.run(&args).ok();
        let by_floe = floe.json(&[
            "query",
            &t,
            "--select",
            "count(*) AS n, coalesce(sum(id), 0) AS s",
        ])[0]
            .clone();
        let by_floe = (
            by_floe["n"].as_i64().unwrap(),
            by_floe["s"].as_i64().unwrap(),
        );
        assert_eq!(duckdb_sums(&python, &t), by_floe, "{step}: DuckDB vs floe");
        assert_eq!(
            pyiceberg_sums(&python, &t),
            by_floe,
            "{step}: PyIceberg vs floe"
        );
    }
}
