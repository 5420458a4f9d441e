//! `query` and `sql`: time travel returns exactly each snapshot's rows (checked against
//! PyIceberg), output formats parse back, bad input is reported clearly.

mod common;

use std::sync::Arc;

use arrow::array::{
    BinaryArray, Decimal128Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use common::*;
use serde_json::Value;

struct Fixture {
    _dir: tempfile::TempDir,
    floe: Floe,
    table: String,
    /// (snapshot id, ids visible at that snapshot, snapshot time ms)
    snapshots: Vec<(i64, Vec<i64>, i64)>,
}

fn ids_of(rows: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    ids
}

/// Three appends and an overwrite, with the ids each snapshot holds.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let table = dir
        .path()
        .join("wh/db/events")
        .to_string_lossy()
        .to_string();
    for (i, (start, rows)) in [(0, 30), (30, 20), (50, 10), (500, 7)].iter().enumerate() {
        write_parquet(
            &dir.path().join(format!("part{i}.parquet")),
            &[events_batch(*start, *rows)],
        );
    }
    floe.json(&[
        "create",
        &table,
        "--like",
        "part0.parquet",
        "--partition-by",
        "region",
    ]);
    let mut snapshots = vec![];
    let mut visible: Vec<i64> = vec![];
    for (i, (start, rows)) in [(0i64, 30usize), (30, 20), (50, 10), (500, 7)]
        .iter()
        .enumerate()
    {
        let mode = if i == 3 { "overwrite" } else { "append" };
        let report = floe.json(&[
            "ingest",
            &table,
            &format!("part{i}.parquet"),
            "--mode",
            mode,
        ]);
        if mode == "overwrite" {
            visible.clear();
        }
        visible.extend(*start..*start + *rows as i64);
        let id = report["snapshot_id"].as_i64().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(15));
        snapshots.push((id, visible.clone(), 0));
    }
    let listed = floe.json(&["snapshots", &table]);
    for (entry, s) in listed["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .zip(snapshots.iter_mut())
    {
        assert_eq!(entry["snapshot_id"].as_i64(), Some(s.0));
        s.2 = entry["timestamp_ms"].as_i64().unwrap();
    }
    Fixture {
        _dir: dir,
        floe,
        table,
        snapshots,
    }
}

#[test]
fn time_travel_returns_each_snapshots_rows() {
    let f = fixture();
    for (id, expected, time) in &f.snapshots {
        let rows = f.floe.json(&[
            "query",
            &f.table,
            "--snapshot",
            &id.to_string(),
            "--select",
            "id",
        ]);
        assert_eq!(&ids_of(&rows), expected, "snapshot {id}");
        let rows = f.floe.json(&[
            "query",
            &f.table,
            "--as-of",
            &time.to_string(),
            "--select",
            "id",
        ]);
        assert_eq!(&ids_of(&rows), expected, "as of {time}");
        let rfc3339 = chrono::DateTime::from_timestamp_millis(*time)
            .unwrap()
            .to_rfc3339();
        let rows = f
            .floe
            .json(&["query", &f.table, "--as-of", &rfc3339, "--select", "id"]);
        assert_eq!(&ids_of(&rows), expected, "as of {rfc3339}");
    }
    let current = f.floe.json(&["query", &f.table, "--select", "id"]);
    assert_eq!(ids_of(&current), (500..507).collect::<Vec<_>>());
    assert_eq!(
        ids_of(
            &f.floe
                .json(&["query", &f.table, "--ref", "main", "--select", "id"])
        ),
        ids_of(&current)
    );

    // PyIceberg's scan of the same snapshot ids gives the same rows.
    if let Some(python) = python() {
        let metadata = f.floe.json(&["describe", &f.table])["metadata_location"]
            .as_str()
            .unwrap()
            .to_string();
        for (id, expected, _) in &f.snapshots {
            let read = pyiceberg_read_snapshot(&python, &metadata, *id);
            assert_eq!(
                &ids_of(&read["rows"]),
                expected,
                "PyIceberg at snapshot {id}"
            );
        }
    }
}

#[test]
fn select_where_order_limit() {
    let f = fixture();
    let rows = f.floe.json(&[
        "query",
        &f.table,
        "--select",
        "id, region, qty * 2 AS double_qty",
        "--where",
        "region IN ('eu', 'us') AND id > 501",
        "--order-by",
        "id DESC",
        "--limit",
        "2",
    ]);
    assert_eq!(
        rows,
        serde_json::json!([
            {"id": 505, "region": "us", "double_qty": 10},
            {"id": 504, "region": "eu", "double_qty": 8},
        ])
    );
    let count = f.floe.json(&[
        "query",
        &f.table,
        "--select",
        "count(*) AS n",
        "--where",
        "region = 'us'",
    ]);
    assert_eq!(count, serde_json::json!([{"n": 2}]));
}

#[test]
fn sql_over_catalog_tables_with_time_travel() {
    let f = fixture();
    // Identifiers resolve in the configured catalog: put the table there.
    std::fs::write(
        f.floe.dir.join("floe.yaml"),
        format!(
            "catalog:\n  default:\n    warehouse: {}\n",
            f.floe.dir.join("wh").display()
        ),
    )
    .unwrap();
    let first = f.snapshots[0].0;
    let rows = f.floe.json(&["sql", "SELECT count(*) AS n FROM db.events"]);
    assert_eq!(rows, serde_json::json!([{"n": 7}]));
    let rows = f.floe.json(&[
        "sql",
        &format!("SELECT count(*) AS n FROM \"db.events@{first}\""),
    ]);
    assert_eq!(rows, serde_json::json!([{"n": 30}]));
    let time = chrono::DateTime::from_timestamp_millis(f.snapshots[1].2)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let rows = f.floe.json(&[
        "sql",
        &format!("SELECT count(*) AS n FROM \"db.events@{time}\""),
    ]);
    assert_eq!(rows, serde_json::json!([{"n": 50}]));
    // A join across two versions of the same table.
    let rows = f.floe.json(&[
        "sql",
        &format!(
        "SELECT count(*) AS n FROM \"db.events@{first}\" a JOIN \"db.events@{}\" b ON a.id = b.id",
        f.snapshots[2].0
    ),
    ]);
    assert_eq!(rows, serde_json::json!([{"n": 30}]));
}

#[test]
fn output_formats_parse_back() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("price", DataType::Decimal128(10, 2), true),
        Field::new("blob", DataType::Binary, true),
        Field::new(
            "at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ),
        Field::new("note", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from(vec![1, 2])),
            Arc::new(
                Decimal128Array::from(vec![Some(12345), None])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
            Arc::new(BinaryArray::from(vec![
                Some(b"hi".as_ref()),
                Some(&[0u8, 255][..]),
            ])),
            Arc::new(
                TimestampMicrosecondArray::from(vec![Some(1_714_564_800_000_000), None])
                    .with_timezone("UTC"),
            ),
            Arc::new(StringArray::from(vec![Some("a,b"), None])),
        ],
    )
    .unwrap();
    write_parquet(&dir.path().join("in.parquet"), &[batch]);
    floe.json(&["create", "./wh/db/typed", "--like", "in.parquet"]);
    floe.json(&["ingest", "./wh/db/typed", "in.parquet"]);

    let rows = floe.json(&["query", "./wh/db/typed", "--order-by", "id"]);
    assert_eq!(
        rows[0],
        serde_json::json!({"id": 1, "price": "123.45", "blob": "aGk=", "at": "2024-05-01T12:00:00Z", "note": "a,b"})
    );
    assert_eq!(
        rows[1],
        serde_json::json!({"id": 2, "price": null, "blob": "AP8=", "at": null, "note": null})
    );

    let csv = floe
        .run(&[
            "query",
            "./wh/db/typed",
            "--order-by",
            "id",
            "--select",
            "id, price, note",
            "-o",
            "csv",
        ])
        .ok();
    assert_eq!(csv.stdout, "id,price,note\n1,123.45,\"a,b\"\n2,,\n");

    let human = floe.run(&["query", "./wh/db/typed", "--preview", "1"]).ok();
    assert!(
        human.stdout.contains("(2 rows, first 1 shown"),
        "{}",
        human.stdout
    );

    for name in ["out.parquet", "out.csv", "out.json"] {
        let report = floe.json(&["query", "./wh/db/typed", "--out", name]);
        assert_eq!(report["rows"], 2, "{name}");
        assert!(dir.path().join(name).is_file());
    }
    // The Parquet export is a table again.
    floe.json(&["create", "./wh/db/copy", "--like", "out.parquet"]);
    let copied = floe.json(&["ingest", "./wh/db/copy", "out.parquet"]);
    assert_eq!(copied["records_added"], 2);
    let json_lines = std::fs::read_to_string(dir.path().join("out.json")).unwrap();
    assert_eq!(json_lines.lines().count(), 2);
    let csv_file = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert!(
        csv_file.starts_with("id,price,blob,at,note\n"),
        "{csv_file}"
    );
}

#[test]
fn bad_queries_are_clear() {
    let f = fixture();
    let last = f.snapshots.last().unwrap().0;
    let run = f
        .floe
        .run(&["query", &f.table, "--snapshot", &(last + 1).to_string()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains(&format!("has no snapshot {}; nearest: {last}", last + 1)),
        "{}",
        run.stderr
    );
    let run = f
        .floe
        .run(&["query", &f.table, "--as-of", "2001-01-01T00:00:00Z"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("had no snapshot at 2001-01-01T00:00:00.000Z: its first snapshot is from"),
        "{}",
        run.stderr
    );
    let run = f.floe.run(&["query", &f.table, "--ref", "audit"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no branch or tag 'audit' (refs: main)"),
        "{}",
        run.stderr
    );
    let run = f.floe.run(&["query", &f.table, "--where", "id >>> 3"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let run = f.floe.run(&["query", &f.table, "--select", "nope"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("nope"), "{}", run.stderr);
    let run = f
        .floe
        .run(&["query", &f.table, "--where", "colour = 'red'"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("colour"), "{}", run.stderr);
    let run = f.floe.run(&[
        "query",
        &f.table,
        "--snapshot",
        "1",
        "--as-of",
        "2024-01-01T00:00:00Z",
    ]);
    assert_eq!(run.code, 2);
    let run = f.floe.run(&["sql", "SELEC 1"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("SELEC"), "{}", run.stderr);
}

/// Pruning is real: a partition predicate and a column-statistics predicate make the scan
/// open fewer files, and the rows still match.
#[test]
fn predicates_prune_files() {
    let f = fixture();
    let third = f.snapshots[2].0.to_string();
    let all = f
        .floe
        .json(&["query", &f.table, "--snapshot", &third, "--explain"]);
    assert_eq!(
        all["files_total"], 9,
        "three appends into three region partitions"
    );
    assert_eq!(all["files_scanned"], 9);
    assert!(
        all["plan"].as_str().unwrap().contains("reader:datafusion"),
        "plain Parquet files without deletes go through DataFusion's reader: {}",
        all["plan"]
    );
    let by_partition = f.floe.json(&[
        "query",
        &f.table,
        "--snapshot",
        &third,
        "--where",
        "region = 'eu'",
        "--explain",
    ]);
    assert_eq!(by_partition["pushed_predicate"], "region = \"eu\"");
    assert_eq!(
        by_partition["files_scanned"], 3,
        "only the eu partition's files"
    );
    let by_stats = f.floe.json(&[
        "query",
        &f.table,
        "--snapshot",
        &third,
        "--where",
        "id >= 50",
        "--explain",
    ]);
    assert_eq!(
        by_stats["files_scanned"], 3,
        "only the third append's files hold ids >= 50"
    );
    let rows = f.floe.json(&[
        "query",
        &f.table,
        "--snapshot",
        &third,
        "--where",
        "id >= 50 AND region = 'eu'",
        "--select",
        "id",
    ]);
    assert_eq!(ids_of(&rows), vec![51, 54, 57]);
}

#[test]
fn diff_between_snapshots() {
    let f = fixture();
    let s: Vec<String> = f.snapshots.iter().map(|s| s.0.to_string()).collect();
    let forward = f.floe.json(&["diff", &f.table, &s[0], &s[2]]);
    assert_eq!(forward["relationship"], "forward");
    assert_eq!(forward["records_added"], 30);
    assert_eq!(forward["records_removed"], 0);
    assert_eq!(
        forward["data_files_added"], 6,
        "two appends into three regions"
    );
    assert_eq!(forward["files_added"].as_array().unwrap().len(), 6);
    let backward = f.floe.json(&["diff", &f.table, &s[2], &s[0]]);
    assert_eq!(backward["relationship"], "backward");
    assert_eq!(
        (
            backward["records_added"].as_u64(),
            backward["records_removed"].as_u64()
        ),
        (Some(0), Some(30))
    );
    let overwrite = f.floe.json(&["diff", &f.table, &s[2], "main"]);
    assert_eq!(overwrite["to_snapshot_id"].as_i64(), Some(f.snapshots[3].0));
    assert_eq!(
        (
            overwrite["records_added"].as_u64(),
            overwrite["records_removed"].as_u64()
        ),
        (Some(7), Some(60))
    );
    assert!(overwrite["schema"]["added_columns"]
        .as_array()
        .unwrap()
        .is_empty());

    let rows = f.floe.json(&["diff", &f.table, &s[0], &s[1], "--rows"]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 20);
    assert!(rows.iter().all(|r| r["_change"] == "added"));
    let mut ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, (30..50).collect::<Vec<_>>());
    let rows = f
        .floe
        .json(&["diff", &f.table, &s[2], &s[3], "--rows", "--preview", "5"]);
    let removed = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["_change"] == "removed")
        .count();
    let added = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["_change"] == "added")
        .count();
    assert_eq!((added, removed), (7, 60));
}

#[test]
fn metadata_views() {
    let f = fixture();
    let history = f.floe.json(&["history", &f.table]);
    let entries = history["history"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    let ids: Vec<i64> = entries
        .iter()
        .map(|e| e["snapshot_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, f.snapshots.iter().map(|s| s.0).collect::<Vec<_>>());
    assert!(entries.iter().all(|e| e["is_current_ancestor"] == true));
    assert_eq!(
        entries[1]["parent_snapshot_id"].as_i64(),
        Some(f.snapshots[0].0)
    );

    let refs = f.floe.json(&["refs", &f.table]);
    assert_eq!(
        refs["refs"],
        serde_json::json!([{
            "name": "main", "type": "branch", "snapshot_id": f.snapshots[3].0,
            "max_ref_age_ms": null, "max_snapshot_age_ms": null, "min_snapshots_to_keep": null
        }])
    );

    let manifests = f.floe.json(&[
        "manifests",
        &f.table,
        "--snapshot",
        &f.snapshots[2].0.to_string(),
    ]);
    let list = manifests["manifests"].as_array().unwrap();
    assert_eq!(list.len(), 3, "one manifest per append");
    assert_eq!(
        list.iter()
            .map(|m| m["added_rows"].as_u64().unwrap())
            .sum::<u64>(),
        60
    );

    let partitions = f.floe.json(&[
        "partitions",
        &f.table,
        "--snapshot",
        &f.snapshots[2].0.to_string(),
    ]);
    let parts = partitions["partitions"].as_array().unwrap();
    assert_eq!(parts.len(), 3);
    let by_region: std::collections::BTreeMap<String, (u64, u64)> = parts
        .iter()
        .map(|p| {
            (
                p["partition"]["region"].as_str().unwrap().to_string(),
                (
                    p["record_count"].as_u64().unwrap(),
                    p["file_count"].as_u64().unwrap(),
                ),
            )
        })
        .collect();
    assert_eq!(by_region["eu"], (20, 3));
    assert_eq!(by_region["us"], (20, 3));
    assert_eq!(by_region["ap"], (20, 3));
    let current = f.floe.json(&["partitions", &f.table]);
    assert_eq!(
        current["partitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["record_count"].as_u64().unwrap())
            .sum::<u64>(),
        7
    );
}

/// Two branches that diverged: `diff` names their common ancestor and the files and rows each
/// side has that the other has not.
#[test]
fn diff_across_branches() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let input = |start: i64, name: &str| {
        let path = dir.path().join(name);
        write_parquet(&path, &[events_batch(start, 5)]);
        path.to_string_lossy().to_string()
    };
    let table = dir
        .path()
        .join("wh/db/branched")
        .to_string_lossy()
        .to_string();
    let first = input(0, "first.parquet");
    floe.json(&["create", &table, "--like", &first]);
    let base = floe.json(&["ingest", &table, &first])["snapshot_id"]
        .as_i64()
        .unwrap();
    floe.json(&["branch", "create", &table, "dev"]);
    floe.json(&["ingest", &table, &input(100, "main.parquet")]);
    floe.json(&[
        "ingest",
        &table,
        &input(200, "dev.parquet"),
        "--branch",
        "dev",
    ]);

    let diff = floe.json(&["diff", &table, "main", "dev"]);
    assert_eq!(diff["relationship"], "diverged");
    assert_eq!(diff["common_ancestor_id"], base);
    assert_eq!(diff["data_files_added"], 1);
    assert_eq!(diff["data_files_removed"], 1);
    assert_eq!(diff["records_added"], 5);
    assert_eq!(diff["records_removed"], 5);
    let rows = floe.json(&["diff", &table, "main", "dev", "--rows"]);
    let mut changes: Vec<(String, i64)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["_change"].as_str().unwrap().to_string(),
                r["id"].as_i64().unwrap(),
            )
        })
        .collect();
    changes.sort();
    let expected: Vec<(String, i64)> = (200..205)
        .map(|id| ("added".to_string(), id))
        .chain((100..105).map(|id| ("removed".to_string(), id)))
        .collect();
    assert_eq!(changes, expected);
}
