//! Format v3 tables as Spark 3.5 with Apache Iceberg 1.10.2 writes them: floe reads their
//! deletion vectors (DELETE, UPDATE, MERGE merge-on-read) with the same rows as Spark, names a
//! damaged DV and every data file it cannot read (ORC), and refuses writes it cannot yet make
//! with row lineage, leaving the table unchanged. One Spark session serves the whole binary.

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
    spark.sql(&[
        &format!(
            "CREATE TABLE {name} (id BIGINT, region STRING, qty INT) USING iceberg \
             PARTITIONED BY (region) {V3_MERGE_ON_READ}"
        ),
        &format!(
            "INSERT INTO {name} SELECT id, CASE WHEN id % 3 = 0 THEN 'eu' ELSE 'us' END, \
             CAST(id % 10 AS INT) FROM range(0, 3000)"
        ),
        &format!(
            "INSERT INTO {name} SELECT id, CASE WHEN id % 3 = 0 THEN 'eu' ELSE 'us' END, \
             CAST(id % 10 AS INT) FROM range(3000, 4000)"
        ),
    ]);
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
fn writes_to_a_v3_table_are_refused_and_leave_it_unchanged() {
    let Some(mut spark) = spark() else {
        return;
    };
    let (t, name) = table("dv", "readonly");
    spark.sql(&[
        &format!("CREATE TABLE {name} (id BIGINT, qty INT) USING iceberg {V3_MERGE_ON_READ}"),
        &format!("INSERT INTO {name} SELECT id, CAST(id % 10 AS INT) FROM range(0, 100)"),
        &format!("INSERT INTO {name} SELECT id, CAST(id % 10 AS INT) FROM range(100, 200)"),
        &format!("DELETE FROM {name} WHERE id < 10"),
    ]);
    drop(spark);
    let input = shared().warehouse.path().join("v3-input.json");
    std::fs::write(&input, "{\"id\": 1000, \"qty\": 1}\n").unwrap();
    let input = input.to_string_lossy().to_string();
    let before = newest_metadata(&t);
    let attempts: Vec<Vec<&str>> = vec![
        vec!["ingest", &t, &input],
        vec!["delete", &t, "--where", "id = 50"],
        vec!["compact", &t, "--rewrite-all"],
        vec!["ingest", &t, &input, "--upsert=id"],
    ];
    for args in attempts {
        let run = floe().run(&args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("format-version 3") && !run.stderr.contains("Corrupt footer"),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(
            newest_metadata(&t),
            before,
            "{args:?} left the table as it was"
        );
    }
    assert_eq!(floe_sums(&t, &[])["n"], 190);
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
