//! The core suite (create, ingest, inspect, JSON contract), run against a local warehouse and
//! against S3 by the test files that include it.
#![allow(dead_code)]

use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// A place to put tables: a local directory or an S3 prefix, plus a floe runner set up for it.
pub struct Place {
    pub floe: Floe,
    /// Warehouse root (path or s3:// URI).
    pub warehouse: String,
    /// Work directory for input files.
    pub work: std::path::PathBuf,
    pub s3_endpoint: Option<String>,
}

impl Place {
    /// PyIceberg's read of a table's current metadata, or `None` without Python.
    pub fn pyiceberg_read(&self, table: &str) -> Option<Value> {
        let python = crate::common::python()?;
        let metadata = self.floe.json(&["describe", table])["metadata_location"]
            .as_str()
            .unwrap()
            .to_string();
        Some(crate::common::pyiceberg_read(
            &python,
            &metadata,
            self.s3_endpoint.as_deref(),
        ))
    }

    pub fn table(&self, name: &str) -> String {
        format!("{}/db/{name}", self.warehouse)
    }
}

fn number(v: &Value, key: &str) -> i64 {
    v[key]
        .as_i64()
        .unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

/// Create from a YAML schema with partitioning, sort order and properties; describe shows it.
pub fn create_from_schema_file(place: &Place) {
    let schema = place.work.join("events.yaml");
    std::fs::write(&schema, EVENTS_SCHEMA_YAML).unwrap();
    let table = place.table("from_schema");
    let created = place.floe.json(&[
        "create",
        &table,
        "--schema",
        schema.to_str().unwrap(),
        "--partition-by",
        "month(ts)",
        "--partition-by",
        "bucket(4, id)",
        "--sort-by",
        "id desc",
        "--property",
        "write.target-file-size-bytes=1048576",
    ]);
    assert_eq!(created["created"], true);
    assert_eq!(created["format_version"], 2);
    assert_eq!(created["location"], table.as_str());
    assert!(created["metadata_location"]
        .as_str()
        .unwrap()
        .ends_with("/metadata/v1.metadata.json"));
    let fields = created["schema"]["fields"].as_array().unwrap();
    let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["id", "region", "ts", "amount", "qty"]);
    assert_eq!(fields[0]["required"], true);
    assert_eq!(fields[0]["type"], "long");
    assert_eq!(fields[0]["doc"], "event id");
    assert_eq!(fields[2]["type"], "timestamptz");
    let spec = created["partition_spec"]["fields"].as_array().unwrap();
    assert_eq!(spec.len(), 2);
    assert_eq!(spec[0]["name"], "ts_month");
    assert_eq!(spec[0]["transform"], "month");
    assert_eq!(spec[1]["name"], "id_bucket");
    assert_eq!(spec[1]["transform"], "bucket[4]");
    let sort = created["sort_order"]["fields"].as_array().unwrap();
    assert_eq!(sort[0]["source"], "id");
    assert_eq!(sort[0]["direction"], "desc");
    assert_eq!(sort[0]["null_order"], "nulls-last");
    assert_eq!(
        created["properties"]["write.target-file-size-bytes"],
        "1048576"
    );
    assert!(created["current_snapshot"].is_null());

    let described = place.floe.json(&["describe", &table]);
    assert_eq!(described["table_uuid"], created["table_uuid"]);
    assert_eq!(described["snapshot_count"], 0);
    assert_eq!(described["totals"]["records"], 0);

    // Again: exit 1 naming the table; with --if-not-exists: success, unchanged.
    let again = place
        .floe
        .run(&["create", &table, "--schema", schema.to_str().unwrap()]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    let accepted = place.floe.json(&[
        "create",
        &table,
        "--schema",
        schema.to_str().unwrap(),
        "--if-not-exists",
    ]);
    assert_eq!(accepted["created"], false);
    assert_eq!(accepted["table_uuid"], created["table_uuid"]);
}

/// Ingest Parquet, CSV and NDJSON (one command, one snapshot each), then overwrite.
pub fn ingest_formats_and_inspect(place: &Place) {
    let parquet = place.work.join("events.parquet");
    write_parquet(&parquet, &[events_batch(0, 600), events_batch(600, 400)]);
    let csv = place.work.join("more.csv");
    std::fs::write(&csv, events_csv(1000, 250)).unwrap();
    let json = place.work.join("more.ndjson");
    std::fs::write(&json, events_json(1250, 150)).unwrap();

    let table = place.table("formats");
    let created = place.floe.json(&[
        "create",
        &table,
        "--like",
        parquet.to_str().unwrap(),
        "--partition-by",
        "region",
    ]);
    assert_eq!(
        created["schema"]["fields"][0]["required"], true,
        "Parquet's required id stays required"
    );

    let first = place
        .floe
        .json(&["ingest", &table, parquet.to_str().unwrap()]);
    assert_eq!(first["records_added"], 1000);
    assert_eq!(first["input_files"], 1);
    assert_eq!(first["files_added"], 3, "one file per region partition");
    assert_eq!(first["sequence_number"], 1);
    let first_id = number(&first, "snapshot_id");

    // CSV and JSON together: one command, one snapshot.
    let second = place.floe.json(&[
        "ingest",
        &table,
        csv.to_str().unwrap(),
        json.to_str().unwrap(),
    ]);
    assert_eq!(second["records_added"], 400);
    assert_eq!(second["input_files"], 2);
    let second_id = number(&second, "snapshot_id");

    let snapshots = place.floe.json(&["snapshots", &table]);
    let list = snapshots["snapshots"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["snapshot_id"].as_i64(), Some(first_id));
    assert_eq!(list[1]["snapshot_id"].as_i64(), Some(second_id));
    assert_eq!(list[1]["parent_snapshot_id"].as_i64(), Some(first_id));
    assert_eq!(list[1]["operation"], "append");
    assert_eq!(list[1]["summary"]["total-records"], "1400");
    assert_eq!(list[1]["is_current"], true);
    assert_eq!(snapshots["current_snapshot_id"].as_i64(), Some(second_id));

    let files = place.floe.json(&["files", &table]);
    assert_eq!(files["record_count"], 1400);
    let listed = files["files"].as_array().unwrap();
    assert_eq!(listed.len(), number(&files, "file_count") as usize);
    let regions: std::collections::BTreeSet<&str> = listed
        .iter()
        .map(|f| f["partition"]["region"].as_str().unwrap())
        .collect();
    assert_eq!(regions.into_iter().collect::<Vec<_>>(), ["ap", "eu", "us"]);
    for f in listed {
        let region = f["partition"]["region"].as_str().unwrap();
        assert!(
            f["file_path"]
                .as_str()
                .unwrap()
                .contains(&format!("/data/region={region}/")),
            "{f}"
        );
        assert_eq!(f["file_format"], "parquet");
    }
    let old = place
        .floe
        .json(&["files", &table, "--snapshot", &first_id.to_string()]);
    assert_eq!(old["record_count"], 1000);
    assert_eq!(old["snapshot_id"].as_i64(), Some(first_id));

    let detail = place
        .floe
        .json(&["snapshot", &table, &second_id.to_string()]);
    assert_eq!(detail["snapshot_id"].as_i64(), Some(second_id));
    assert_eq!(detail["summary"]["added-records"], "400");
    let manifests = detail["manifests"].as_array().unwrap();
    assert_eq!(
        manifests.len(),
        2,
        "the new manifest plus the first snapshot's"
    );
    assert_eq!(
        manifests
            .iter()
            .map(|m| m["added_files"].as_u64().unwrap())
            .sum::<u64>(),
        number(&files, "file_count") as u64
    );

    let described = place.floe.json(&["describe", &table]);
    assert_eq!(described["totals"]["records"], 1400);
    assert_eq!(
        described["totals"]["data_files"].as_i64(),
        Some(number(&files, "file_count"))
    );
    assert_eq!(
        described["current_snapshot"]["snapshot_id"].as_i64(),
        Some(second_id)
    );
    assert!(described["metadata_location"]
        .as_str()
        .unwrap()
        .ends_with("/metadata/v3.metadata.json"));

    // Overwrite replaces everything with the input's rows.
    let third = place.floe.json(&[
        "ingest",
        &table,
        csv.to_str().unwrap(),
        "--mode",
        "overwrite",
    ]);
    assert_eq!(third["records_added"], 250);
    let after = place.floe.json(&["describe", &table]);
    assert_eq!(after["totals"]["records"], 250);
    assert_eq!(after["current_snapshot"]["operation"], "overwrite");
    let files = place.floe.json(&["files", &table]);
    assert_eq!(files["record_count"], 250);
    let new_paths: Vec<&str> = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_path"].as_str().unwrap())
        .collect();
    let commit = third["commit_id"].as_str().unwrap();
    assert!(
        new_paths.iter().all(|p| p.contains(commit)),
        "only the overwrite's files remain: {new_paths:?}"
    );
}

/// Globs and directories expand to many files landing in one snapshot.
pub fn ingest_glob_one_snapshot(place: &Place) {
    let dir = place.work.join("parts");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..5 {
        write_parquet(
            &dir.join(format!("part-{i}.parquet")),
            &[events_batch(i * 100, 100)],
        );
    }
    let table = place.table("globbed");
    place.floe.json(&[
        "create",
        &table,
        "--like",
        dir.join("part-0.parquet").to_str().unwrap(),
    ]);
    let pattern = format!("{}/part-*.parquet", dir.display());
    let report = place.floe.json(&["ingest", &table, &pattern]);
    assert_eq!(report["input_files"], 5);
    assert_eq!(report["records_added"], 500);
    let snapshots = place.floe.json(&["snapshots", &table]);
    assert_eq!(snapshots["snapshots"].as_array().unwrap().len(), 1);
    // A directory works as well.
    let report = place.floe.json(&["ingest", &table, dir.to_str().unwrap()]);
    assert_eq!(report["input_files"], 5);
    assert_eq!(
        place.floe.json(&["describe", &table])["totals"]["records"],
        1000
    );
}

/// A Parquet file of many row groups is decoded by several tasks, a run of row groups each:
/// every row lands exactly once, in one snapshot, in the right partition.
pub fn many_row_groups_land_every_row_once(place: &Place) {
    let input = place.work.join("grouped.parquet");
    write_parquet_row_groups(&input, &[events_batch(0, 10_000)], 370);
    let table = place.table("grouped");
    place.floe.json(&[
        "create",
        &table,
        "--like",
        input.to_str().unwrap(),
        "--partition-by",
        "month(ts)",
    ]);
    let report = place
        .floe
        .json(&["ingest", &table, input.to_str().unwrap()]);
    assert_eq!(report["records_added"], 10_000);
    let rows = place.floe.json(&[
        "query",
        &table,
        "--select",
        "count(*) AS n, count(DISTINCT id) AS ids, sum(id) AS s, min(id) AS lo, max(id) AS hi",
    ]);
    assert_eq!(rows[0]["n"], 10_000);
    assert_eq!(rows[0]["ids"], 10_000);
    assert_eq!(rows[0]["s"], 10_000 * 9_999 / 2);
    assert_eq!(
        (rows[0]["lo"].as_i64(), rows[0]["hi"].as_i64()),
        (Some(0), Some(9_999))
    );
    // ts is 2024-01-01 plus (id % 120) days: January holds ids whose remainder is below 31.
    let january = place.floe.json(&[
        "query",
        &table,
        "--select",
        "count(*) AS n",
        "--where",
        "ts < TIMESTAMP '2024-02-01T00:00:00Z'",
    ]);
    let expected = (0..10_000).filter(|i| i % 120 < 31).count();
    assert_eq!(january[0]["n"], expected as u64);
    let partitions = place.floe.json(&["partitions", &table]);
    assert_eq!(partitions["partitions"].as_array().unwrap().len(), 4);
}

/// Files roll at the target size measured in on-disk bytes.
pub fn files_roll_at_on_disk_target(place: &Place) {
    let target: u64 = 1024 * 1024;
    let input = place.work.join("big.parquet");
    // Incompressible-ish data: ~12 MB of random doubles and strings.
    let batches: Vec<_> = (0..6).map(|i| noisy_batch(i * 50_000, 50_000)).collect();
    write_parquet(&input, &batches);
    let table = place.table("sized");
    place.floe.json(&[
        "create",
        &table,
        "--like",
        input.to_str().unwrap(),
        "--property",
        &format!("write.target-file-size-bytes={target}"),
    ]);
    let report = place
        .floe
        .json(&["ingest", &table, input.to_str().unwrap()]);
    assert_eq!(report["records_added"], 300_000);
    let files = place.floe.json(&["files", &table]);
    let mut sizes: Vec<u64> = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_size_bytes"].as_u64().unwrap())
        .collect();
    sizes.sort();
    assert!(sizes.len() >= 4, "expected several files, got {sizes:?}");
    assert_eq!(
        sizes.iter().sum::<u64>(),
        report["bytes_added"].as_u64().unwrap()
    );
    // Files land near the target, not several times smaller; only the last file of each
    // writer task (one per core) may be a short remainder.
    let tasks = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let short = sizes
        .iter()
        .filter(|s| (**s as f64) < target as f64 * 0.75)
        .count();
    assert!(
        short <= tasks,
        "{short} files far below the {target}-byte target: {sizes:?}"
    );
    for size in &sizes {
        assert!(
            *size as f64 <= target as f64 * 1.35,
            "file of {size} bytes overshoots the {target}-byte target: {sizes:?}"
        );
    }
}

fn noisy_batch(start: i64, rows: usize) -> arrow::array::RecordBatch {
    use arrow::array::{Float64Array, Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;
    let mut state = (start as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let ids: Vec<i64> = (start..start + rows as i64).collect();
    let values: Vec<f64> = (0..rows)
        .map(|_| (next() % 1_000_000_007) as f64 / 7.0)
        .collect();
    let texts: Vec<String> = (0..rows).map(|_| format!("{:016x}", next())).collect();
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("value", DataType::Float64, true),
        Field::new("text", DataType::Utf8, true),
    ]));
    arrow::array::RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from(ids)),
            Arc::new(Float64Array::from(values)),
            Arc::new(StringArray::from(texts)),
        ],
    )
    .unwrap()
}

/// `-o csv` prints a header and one row per item; table output is human text.
pub fn csv_and_table_output(place: &Place) {
    let input = place.work.join("small.parquet");
    write_parquet(&input, &[events_batch(0, 10)]);
    let table = place.table("outputs");
    place
        .floe
        .json(&["create", &table, "--like", input.to_str().unwrap()]);
    place
        .floe
        .json(&["ingest", &table, input.to_str().unwrap()]);
    let csv = place.floe.run(&["snapshots", &table, "-o", "csv"]).ok();
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", csv.stdout);
    assert!(lines[0].starts_with("snapshot_id,parent_snapshot_id,"));
    assert!(lines[1].ends_with(",10,10"), "{}", lines[1]);
    let human = place.floe.run(&["describe", &table]).ok();
    assert!(human.stdout.contains("Schema (id 0)"), "{}", human.stdout);
    // Not a terminal: no status or progress on stderr.
    let quiet = place
        .floe
        .run(&["ingest", &table, input.to_str().unwrap()])
        .ok();
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
}

/// PyIceberg reads what floe wrote: same rows, types, partition values and files.
pub fn pyiceberg_reads_floe_tables(place: &Place) {
    let Some(python) = python() else { return };
    let schema = place.work.join("events.yaml");
    std::fs::write(&schema, EVENTS_SCHEMA_YAML).unwrap();
    let table = place.table("interop");
    place.floe.json(&[
        "create",
        &table,
        "--schema",
        schema.to_str().unwrap(),
        "--partition-by",
        "month(ts)",
        "--partition-by",
        "region",
    ]);
    let csv = place.work.join("interop.csv");
    std::fs::write(&csv, events_csv(0, 300)).unwrap();
    let parquet = place.work.join("interop.parquet");
    write_parquet(&parquet, &[events_batch(300, 200)]);
    place.floe.json(&["ingest", &table, csv.to_str().unwrap()]);
    let last = place
        .floe
        .json(&["ingest", &table, parquet.to_str().unwrap()]);
    let described = place.floe.json(&["describe", &table]);
    let metadata = described["metadata_location"].as_str().unwrap();
    let read = pyiceberg_read(&python, metadata, place.s3_endpoint.as_deref());
    assert_eq!(read["row_count"], 500);
    assert_eq!(read["snapshot_id"], last["snapshot_id"]);
    let types: Vec<(String, String, bool)> = read["schema"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["type"].as_str().unwrap().to_string(),
                f["required"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        types,
        vec![
            ("id".to_string(), "long".to_string(), true),
            ("region".to_string(), "string".to_string(), false),
            ("ts".to_string(), "timestamptz".to_string(), false),
            ("amount".to_string(), "double".to_string(), false),
            ("qty".to_string(), "int".to_string(), false),
        ]
    );
    // Exact rows: every id once, with the values floe was given.
    let mut ids: Vec<i64> = read["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, (0..500).collect::<Vec<_>>());
    let row_7 = read["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == 7)
        .unwrap();
    assert_eq!(row_7["region"], "us");
    assert_eq!(row_7["amount"], 3.5);
    assert_eq!(row_7["qty"], 7);
    assert!(
        row_7["ts"]
            .as_str()
            .unwrap()
            .starts_with("2024-01-08T00:00:00"),
        "{row_7}"
    );
    // PyIceberg's file list matches floe's, partition values included.
    // Path, records and region of each file, sorted.
    let file_keys = |listing: &Value| {
        let mut keys: Vec<(String, u64, String)> = listing["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["file_path"].as_str().unwrap().to_string(),
                    f["record_count"].as_u64().unwrap(),
                    f["partition"]["region"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        keys.sort();
        keys
    };
    let ours = place.floe.json(&["files", &table]);
    assert_eq!(file_keys(&ours), file_keys(&read));
    let months: std::collections::BTreeSet<i64> = read["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["partition"]["ts_month"].as_i64().unwrap())
        .collect();
    let ours_months: std::collections::BTreeSet<i64> = ours["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["partition"]["ts_month"].as_i64().unwrap())
        .collect();
    assert_eq!(months, ours_months);
    assert_eq!(
        months.into_iter().collect::<Vec<_>>(),
        vec![648, 649, 650, 651],
        "Jan..Apr 2024 as months since 1970"
    );
    let shown: std::collections::BTreeSet<&str> = ours["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["partition_display"]["ts_month"].as_str().unwrap())
        .collect();
    assert_eq!(
        shown.into_iter().collect::<Vec<_>>(),
        ["2024-01", "2024-02", "2024-03", "2024-04"]
    );
}

/// Four floe processes, ten ingests each, into one table at once: 40 snapshots, no lost rows.
pub fn concurrent_writers(place: &Place) {
    let input = place.work.join("tiny.parquet");
    write_parquet(&input, &[events_batch(0, 25)]);
    let table = place.table("contended");
    // Generous retries: four writers racing for every commit.
    place.floe.json(&[
        "create",
        &table,
        "--like",
        input.to_str().unwrap(),
        "--property",
        "commit.retry.num-retries=30",
        "--property",
        "commit.retry.min-wait-ms=20",
        "--property",
        "commit.retry.max-wait-ms=2000",
    ]);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let floe = place.floe.clone();
            let table = table.clone();
            let input = input.clone();
            std::thread::spawn(move || {
                let mut ids = vec![];
                for _ in 0..10 {
                    let run = floe.run(&["ingest", &table, input.to_str().unwrap(), "-o", "json"]);
                    assert_eq!(run.code, 0, "ingest failed: {}", run.stderr);
                    ids.push(run.json()["snapshot_id"].as_i64().unwrap());
                }
                ids
            })
        })
        .collect();
    let mut ids: Vec<i64> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);
    let snapshots = place.floe.json(&["snapshots", &table]);
    let mut listed: Vec<i64> = snapshots["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["snapshot_id"].as_i64().unwrap())
        .collect();
    listed.sort();
    assert_eq!(listed, ids, "every reported snapshot is in the table");
    let described = place.floe.json(&["describe", &table]);
    assert_eq!(described["totals"]["records"], 1000);
    assert_eq!(described["last_sequence_number"], 40);
    let files = place.floe.json(&["files", &table]);
    assert_eq!(files["record_count"], 1000);
    // The snapshot chain is linear: each parent is the previous snapshot.
    let list = snapshots["snapshots"].as_array().unwrap();
    let mut by_seq: Vec<(i64, i64, Option<i64>)> = list
        .iter()
        .map(|s| {
            (
                s["sequence_number"].as_i64().unwrap(),
                s["snapshot_id"].as_i64().unwrap(),
                s["parent_snapshot_id"].as_i64(),
            )
        })
        .collect();
    by_seq.sort();
    for pair in by_seq.windows(2) {
        assert_eq!(
            pair[1].2,
            Some(pair[0].1),
            "snapshot {} should follow {}",
            pair[1].1,
            pair[0].1
        );
    }
}

/// Small files compacted into one per partition, then manifests merged: the same rows, read
/// back by PyIceberg too.
pub fn compact_and_rewrite_manifests(place: &Place) {
    let table = place.table("compacted");
    let first = place.work.join("compact-0.parquet");
    write_parquet(&first, &[events_batch(0, 40)]);
    place.floe.json(&[
        "create",
        &table,
        "--like",
        first.to_str().unwrap(),
        "--partition-by",
        "region",
    ]);
    for k in 0..5 {
        let input = place.work.join(format!("compact-{k}.parquet"));
        write_parquet(&input, &[events_batch(k * 40, 40)]);
        place
            .floe
            .json(&["ingest", &table, input.to_str().unwrap()]);
    }
    let sum = |place: &Place| {
        place
            .floe
            .json(&["query", &table, "--select", "count(*) AS n, sum(id) AS s"])
    };
    let before = sum(place);
    let report = place.floe.json(&["compact", &table]);
    assert_eq!(report["groups_committed"], 3);
    assert_eq!(report["files_rewritten"], 15);
    assert_eq!(report["files_written"], 3);
    assert_eq!(place.floe.json(&["files", &table])["file_count"], 3);
    assert_eq!(sum(place), before);
    let manifests = place.floe.json(&["rewrite-manifests", &table]);
    assert_eq!(manifests["manifests_after"], 1);
    assert_eq!(sum(place), before);
    if let Some(read) = place.pyiceberg_read(&table) {
        assert_eq!(read["row_count"], 200);
        assert_eq!(read["files"].as_array().unwrap().len(), 3);
    }
}

/// Expiry deletes what only expired snapshots reached; orphan removal deletes a planted file
/// and nothing a snapshot reaches. Existence is checked by reading every retained snapshot.
pub fn expire_and_remove_orphans(place: &Place) {
    let table = place.table("cleaned");
    let first = place.work.join("clean-0.parquet");
    write_parquet(&first, &[events_batch(0, 20)]);
    place
        .floe
        .json(&["create", &table, "--like", first.to_str().unwrap()]);
    for k in 0..3 {
        let input = place.work.join(format!("clean-{k}.parquet"));
        write_parquet(&input, &[events_batch(k * 20, 20)]);
        place
            .floe
            .json(&["ingest", &table, input.to_str().unwrap()]);
    }
    let replacement = place.work.join("clean-new.parquet");
    write_parquet(&replacement, &[events_batch(500, 5)]);
    place.floe.json(&[
        "ingest",
        &table,
        replacement.to_str().unwrap(),
        "--mode",
        "overwrite",
    ]);
    let report = place
        .floe
        .json(&["expire", &table, "--older-than", "0s", "--retain-last", "1"]);
    assert_eq!(report["snapshots_left"], 1);
    assert_eq!(report["expired_snapshot_ids"].as_array().unwrap().len(), 3);
    let data = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "data")
        .unwrap();
    assert_eq!(data["files"], 3, "the three overwritten data files");
    let count = |place: &Place| {
        place
            .floe
            .json(&["query", &table, "--select", "count(*) AS n"])[0]["n"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(count(place), 5);

    // A planted orphan goes (a short cutoff needs --force); the table still reads.
    let orphan = format!("{table}/data/planted-orphan.parquet");
    let stray = place.work.join("stray.bin");
    std::fs::write(&stray, b"orphan").unwrap();
    plant(place, &stray, &orphan);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let removed = place
        .floe
        .json(&["remove-orphans", &table, "--older-than", "1s", "--force"]);
    let locations: Vec<&str> = removed["orphans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["location"].as_str().unwrap())
        .collect();
    assert_eq!(locations, vec![orphan.as_str()]);
    assert_eq!(count(place), 5);
    if let Some(read) = place.pyiceberg_read(&table) {
        assert_eq!(read["row_count"], 5);
    }
}

/// Put a local file at a table location (local or S3) without floe knowing of it.
fn plant(place: &Place, local: &Path, location: &str) {
    match &place.s3_endpoint {
        None => {
            std::fs::copy(local, location).unwrap();
        }
        Some(endpoint) => {
            let props = std::collections::HashMap::from([
                ("s3.endpoint".to_string(), endpoint.clone()),
                ("s3.access-key-id".to_string(), "testing".to_string()),
                ("s3.secret-access-key".to_string(), "testing".to_string()),
                ("s3.region".to_string(), "us-east-1".to_string()),
            ]);
            let stores = floe::table::Stores::new(props);
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(stores.put(location, bytes::Bytes::from(std::fs::read(local).unwrap())))
                .unwrap();
        }
    }
}

pub fn work_dir(root: &Path) -> std::path::PathBuf {
    let dir = root.join("work");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
