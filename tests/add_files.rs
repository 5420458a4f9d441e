//! `floe add-files`: existing Parquet files registered in place, checked against the table,
//! partitioned from their bounds or their paths, read back by floe and PyIceberg; refusals
//! leave the table and the user's files as they were.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray, UInt32Array};
use arrow::datatypes::{DataType, Field, Schema};
use common::{events_batch, pyiceberg_read, python, write_parquet, Floe};
use serde_json::Value;

const SCHEMA: &str = "fields:
  - {name: id, type: long, required: true}
  - {name: region, type: string}
  - {name: ts, type: timestamptz}
  - {name: amount, type: double}
  - {name: qty, type: long}
";

struct Lake {
    dir: tempfile::TempDir,
    floe: Floe,
}

impl Lake {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let floe = Floe::new(dir.path());
        std::fs::write(dir.path().join("schema.yaml"), SCHEMA).unwrap();
        std::fs::create_dir_all(dir.path().join("in")).unwrap();
        Lake { dir, floe }
    }

    fn table(&self, name: &str, partition_by: &[&str]) -> String {
        let table = format!("db.{name}");
        let mut args = vec!["create", table.as_str(), "--schema", "schema.yaml"];
        for p in partition_by {
            args.extend(["--partition-by", p]);
        }
        self.floe.json(&args);
        table
    }

    /// A Parquet file under `in/` (sub-directories created) holding the given rows.
    fn file(&self, relative: &str, batch: &RecordBatch) -> String {
        let path = self.dir.path().join("in").join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        write_parquet(&path, std::slice::from_ref(batch));
        path.to_string_lossy().to_string()
    }

    fn snapshot_id(&self, table: &str) -> Value {
        self.floe.json(&["describe", table])["current_snapshot"]["snapshot_id"].clone()
    }

    fn files(&self, table: &str) -> Vec<Value> {
        self.floe.json(&["files", table])["files"]
            .as_array()
            .unwrap()
            .clone()
    }

    fn query(&self, table: &str, select: &str) -> Vec<Value> {
        self.floe
            .json(&["query", table, "--select", select])
            .as_array()
            .unwrap()
            .clone()
    }

    fn location(&self, table: &str) -> String {
        self.floe.json(&["describe", table])["location"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Run a command that must be refused with exit code 1 and a message containing `needle`;
    /// the table must be unchanged and every input file still in place.
    fn refused(&self, table: &str, args: &[&str], needle: &str, inputs: &[&str]) -> String {
        let before = self.snapshot_id(table);
        let mut all = vec!["add-files", table];
        all.extend(args);
        all.extend(["-o", "json"]);
        let run = self.floe.run(&all);
        assert_eq!(run.code, 1, "expected exit 1:\n{}", run.stderr);
        assert!(run.stdout.is_empty(), "nothing on stdout: {}", run.stdout);
        let error = run.json_error();
        let message = error["error"]["message"].as_str().unwrap().to_string();
        assert!(
            message.contains(needle),
            "'{needle}' not in the message: {message}"
        );
        assert_eq!(self.snapshot_id(table), before, "the table changed");
        for input in inputs {
            assert!(Path::new(input).exists(), "{input} was deleted");
        }
        message
    }
}

/// Rows of the sample events (`events_batch`) with these ids: region by id % 3 (0 eu, 1 us,
/// 2 ap), ts 2024-01-01 plus id % 120 days.
fn events(ids: &[u32]) -> RecordBatch {
    let all = events_batch(0, 120);
    arrow::compute::take_record_batch(&all, &UInt32Array::from(ids.to_vec())).unwrap()
}

/// Ids of one region (0 eu, 1 us, 2 ap) within January 2024.
fn january(region: u32) -> Vec<u32> {
    (0..31).filter(|i| i % 3 == region).collect()
}

fn ids_of(rows: &[Value]) -> Vec<i64> {
    let mut ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    ids.sort();
    ids
}

#[test]
fn unpartitioned_files_are_registered_where_they_are() {
    let lake = Lake::new();
    let table = lake.table("plain", &[]);
    let a = lake.file("a.parquet", &events(&(0..10).collect::<Vec<_>>()));
    let b = lake.file("sub/b.parquet", &events(&(10..25).collect::<Vec<_>>()));
    let size = |p: &str| std::fs::metadata(p).unwrap().len();

    let report = lake.floe.json(&["add-files", &table, &a, &b]);
    assert_eq!(report["table"], table);
    assert_eq!(report["files_added"], 2);
    assert_eq!(report["records_added"], 25);
    assert_eq!(report["bytes_added"], size(&a) + size(&b));
    assert_eq!(report["dry_run"], false);
    assert_eq!(report["name_mapping_set"], true);
    assert!(report["elapsed_ms"].is_u64());
    let snapshot = report["snapshot_id"].as_i64().expect("a snapshot id");
    assert_eq!(lake.snapshot_id(&table), snapshot);
    let listed = report["files"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["path"], a);
    assert_eq!(listed[0]["records"], 10);
    assert_eq!(listed[0]["bytes"], size(&a));
    assert_eq!(listed[0]["partition"], serde_json::json!({}));
    assert_eq!(listed[1]["path"], b);

    // The manifest names the files themselves; nothing was copied into the table.
    let mut paths: Vec<String> = lake
        .files(&table)
        .iter()
        .map(|f| f["file_path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    assert_eq!(paths, vec![a.clone(), b.clone()]);
    assert!(common::data_files(Path::new(&lake.location(&table))).is_empty());

    // Every row back, qty (int32 in the files) read as the table's long.
    let rows = lake.query(&table, "id, region, amount, qty");
    assert_eq!(ids_of(&rows), (0..25).collect::<Vec<_>>());
    let seven = rows.iter().find(|r| r["id"] == 7).unwrap();
    assert_eq!(seven["region"], "us");
    assert_eq!(seven["amount"], 3.5);
    assert_eq!(seven["qty"], 7);
    let total = lake.query(&table, "count(*) AS n, sum(id) AS s, sum(qty) AS q");
    assert_eq!(total[0]["n"], 25);
    assert_eq!(total[0]["s"], (0..25).sum::<i64>());
    assert_eq!(total[0]["q"], (0..25).map(|i| i % 10).sum::<i64>());

    // Bounds from the footers prune: a predicate outside a file's id range skips it.
    let explain = lake
        .floe
        .json(&["query", &table, "--where", "id >= 20", "--explain"]);
    assert_eq!(explain["files_total"], 2, "{explain:#}");
    assert_eq!(explain["files_scanned"], 1, "{explain:#}");
    let rows = lake
        .floe
        .json(&["query", &table, "--where", "id >= 20", "--select", "id"]);
    assert_eq!(ids_of(rows.as_array().unwrap()), vec![20, 21, 22, 23, 24]);

    // One append snapshot carrying floe's commit id; the name mapping for readers.
    let snapshots = lake.floe.json(&["snapshots", &table]);
    let last = &snapshots["snapshots"][0];
    assert_eq!(last["operation"], "append");
    assert_eq!(last["summary"]["added-data-files"], "2");
    assert!(last["summary"]["floe.commit-id"].is_string());
    let mapping = lake.floe.json(&["describe", &table])["properties"]
        ["schema.name-mapping.default"]
        .as_str()
        .unwrap()
        .to_string();
    let mapping: Value = serde_json::from_str(&mapping).unwrap();
    assert_eq!(
        mapping[0],
        serde_json::json!({"field-id": 1, "names": ["id"]})
    );
    assert_eq!(mapping.as_array().unwrap().len(), 5);

    // The files are still where they were.
    assert!(Path::new(&a).exists() && Path::new(&b).exists());
}

#[test]
fn partitions_come_from_bounds() {
    let lake = Lake::new();
    let table = lake.table("parts", &["region", "month(ts)"]);
    let eu = lake.file("eu.parquet", &events(&january(0)));
    let us = lake.file("us.parquet", &events(&january(1)));
    let report = lake.floe.json(&["add-files", &table, &eu, &us]);
    assert_eq!(
        report["files"][0]["partition"],
        serde_json::json!({"region": "eu", "ts_month": 648})
    );
    assert_eq!(
        report["files"][1]["partition"],
        serde_json::json!({"region": "us", "ts_month": 648})
    );

    let files = lake.files(&table);
    assert_eq!(files.len(), 2);
    let eu_entry = files.iter().find(|f| f["file_path"] == eu).unwrap();
    assert_eq!(
        eu_entry["partition"],
        serde_json::json!({"region": "eu", "ts_month": 648})
    );
    assert_eq!(eu_entry["partition_display"]["ts_month"], "2024-01");

    let rows = lake.floe.json(&[
        "query",
        &table,
        "--where",
        "region = 'eu'",
        "--select",
        "id",
    ]);
    let expected: Vec<i64> = january(0).iter().map(|i| *i as i64).collect();
    assert_eq!(ids_of(rows.as_array().unwrap()), expected);
    let n = lake.query(&table, "count(*) AS n")[0]["n"]
        .as_i64()
        .unwrap();
    assert_eq!(n as usize, january(0).len() + january(1).len());

    // A file holding two regions spans partitions: refused, named, nothing changes.
    let mixed = lake.file("mixed.parquet", &events(&[0, 1]));
    let message = lake.refused(&table, &[&mixed], "spans partitions", &[&mixed, &eu]);
    assert!(
        message.contains(&mixed) && message.contains("region"),
        "{message}"
    );
    // So does one crossing a month.
    let months = lake.file("months.parquet", &events(&[30, 33]));
    let message = lake.refused(&table, &[&months], "spans partitions", &[&months]);
    assert!(
        message.contains("ts_month ranges from 2024-01 to 2024-02"),
        "{message}"
    );
    // And one with nulls beside values in a partition column.
    let mut with_null = events(&[3, 6]);
    let regions: ArrayRef = Arc::new(StringArray::from(vec![Some("eu"), None]));
    with_null = RecordBatch::try_new(with_null.schema(), {
        let mut cols = with_null.columns().to_vec();
        cols[1] = regions;
        cols
    })
    .unwrap();
    let nulls = lake.file("nulls.parquet", &with_null);
    lake.refused(&table, &[&nulls], "spans partitions", &[&nulls]);
}

#[test]
fn hive_partitioned_paths_give_partitions_that_must_agree_with_bounds() {
    let lake = Lake::new();
    let table = lake.table("hive", &["region", "month(ts)"]);
    let eu = lake.file("region=eu/ts_month=2024-01/a.parquet", &events(&january(0)));
    let ap = lake.file("region=ap/ts_month=2024-01/b.parquet", &events(&january(2)));
    let dry = lake.floe.json(&[
        "add-files",
        &table,
        &lake.dir.path().join("in").to_string_lossy(),
        "--hive-partitioned",
        "--dry-run",
    ]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["files_added"], 2);
    assert!(dry["snapshot_id"].is_null());
    assert_eq!(
        lake.snapshot_id(&table),
        Value::Null,
        "a dry run commits nothing"
    );
    assert!(lake.files(&table).is_empty());

    let report = lake.floe.json(&[
        "add-files",
        &table,
        &lake.dir.path().join("in").to_string_lossy(),
        "--hive-partitioned",
    ]);
    assert_eq!(report["files_added"], 2);
    let by_path: std::collections::HashMap<String, Value> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["partition"].clone(),
            )
        })
        .collect();
    assert_eq!(
        by_path[&eu],
        serde_json::json!({"region": "eu", "ts_month": 648})
    );
    assert_eq!(
        by_path[&ap],
        serde_json::json!({"region": "ap", "ts_month": 648})
    );
    let rows = lake.floe.json(&[
        "query",
        &table,
        "--where",
        "region = 'ap'",
        "--select",
        "id",
    ]);
    let expected: Vec<i64> = january(2).iter().map(|i| *i as i64).collect();
    assert_eq!(ids_of(rows.as_array().unwrap()), expected);

    // The path says us, the rows say eu.
    let liar = lake.file("region=us/ts_month=2024-01/c.parquet", &events(&[3, 6]));
    let message = lake.refused(
        &table,
        &[&liar, "--hive-partitioned"],
        "the path says region=us but the file's values are in region=eu",
        &[&liar],
    );
    assert!(message.contains(&liar), "{message}");
    // A month that is not the rows' month.
    let late = lake.file("region=eu/ts_month=2024-03/d.parquet", &events(&[3, 6]));
    lake.refused(
        &table,
        &[&late, "--hive-partitioned"],
        "ts_month=2024-03",
        &[&late],
    );
    // A path without the partition's segment.
    let bare = lake.file("flat/e.parquet", &events(&[3, 6]));
    lake.refused(
        &table,
        &[&bare, "--hive-partitioned"],
        "no region=",
        &[&bare],
    );
}

#[test]
fn refusals_name_the_file_and_change_nothing() {
    let lake = Lake::new();
    let table = lake.table("strict", &[]);
    let good = lake.file("good.parquet", &events(&[1, 2, 3]));
    lake.floe.json(&["add-files", &table, &good]);

    // Already in the table (named again later), and twice in one call.
    let message = lake.refused(&table, &[&good], "already in the table", &[&good]);
    assert!(message.contains(&good), "{message}");
    let other = lake.file("other.parquet", &events(&[4]));
    lake.refused(&table, &[&other, &other], "named twice", &[&other]);

    // A column of the wrong type.
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("amount", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from(vec![1])),
            Arc::new(StringArray::from(vec!["1.5"])),
        ],
    )
    .unwrap();
    let wrong = lake.file("wrong.parquet", &batch);
    let message = lake.refused(
        &table,
        &[&wrong],
        "column amount is utf8 in the file but double in the table",
        &[&wrong],
    );
    assert!(message.contains(&wrong), "{message}");

    // The required id missing.
    let schema = Arc::new(Schema::new(vec![Field::new(
        "region",
        DataType::Utf8,
        true,
    )]));
    let batch =
        RecordBatch::try_new(schema, vec![Arc::new(StringArray::from(vec!["eu"]))]).unwrap();
    let no_id = lake.file("no_id.parquet", &batch);
    lake.refused(
        &table,
        &[&no_id],
        "required column id is missing",
        &[&no_id],
    );

    // A column the table does not have.
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("color", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from(vec![1])),
            Arc::new(StringArray::from(vec!["red"])),
        ],
    )
    .unwrap();
    let extra = lake.file("extra.parquet", &batch);
    lake.refused(
        &table,
        &[&extra],
        "column color is not in the table",
        &[&extra],
    );

    // A CSV file, named.
    let csv = lake.dir.path().join("in/rows.csv");
    std::fs::write(&csv, common::events_csv(0, 3)).unwrap();
    let csv = csv.to_string_lossy().to_string();
    lake.refused(&table, &[&good, &csv], "is not a Parquet file", &[&csv]);
    // A bad file among good ones commits none of them.
    lake.refused(&table, &[&other, &wrong], "wrong.parquet", &[&other]);
    let paths: Vec<Value> = lake
        .files(&table)
        .iter()
        .map(|f| f["file_path"].clone())
        .collect();
    assert_eq!(paths, vec![Value::String(good.clone())]);

    // Human and CSV output of a dry run.
    let human = lake
        .floe
        .run(&["add-files", &table, &other, "--dry-run"])
        .ok();
    assert!(
        human.stdout.contains("would add 1 file(s), 1 rows"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("other.parquet"), "{}", human.stdout);
    let csv_out = lake
        .floe
        .run(&["add-files", &table, &other, "--dry-run", "-o", "csv"])
        .ok();
    let mut lines = csv_out.stdout.lines();
    assert_eq!(lines.next(), Some("path,partition,records,bytes"));
    assert!(lines.next().unwrap().starts_with(&other));
}

#[test]
fn pyiceberg_reads_added_files() {
    let Some(python) = python() else { return };
    let lake = Lake::new();
    let table = lake.table("interop", &["region"]);
    let eu = lake.file("eu.parquet", &events(&january(0)));
    let us = lake.file("us.parquet", &events(&january(1)));
    lake.floe.json(&["add-files", &table, &eu, &us]);
    let read = pyiceberg_read(&python, &lake.location(&table), None);
    assert_eq!(
        read["row_count"].as_u64().unwrap() as usize,
        january(0).len() + january(1).len()
    );
    let ids: Vec<i64> = read["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    let mut expected: Vec<i64> = january(0)
        .iter()
        .chain(&january(1))
        .map(|i| *i as i64)
        .collect();
    expected.sort();
    let mut got = ids.clone();
    got.sort();
    assert_eq!(got, expected);
    let first = read["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == 3)
        .unwrap();
    assert_eq!(first["region"], "eu");
    assert_eq!(first["qty"], 3);
    let paths: Vec<&str> = read["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec![eu.as_str(), us.as_str()]);
    let eu_file = &read["files"][0];
    assert_eq!(eu_file["partition"]["region"], "eu");
}

fn session_and_ref(lake: &Lake, table: &str) -> (floe::table::Session, floe::table::TableRef) {
    // The CLI's default catalog: a directory warehouse at ./warehouse.
    let warehouse: PathBuf = lake.dir.path().join("warehouse");
    let session = floe::table::Session::embedded(&warehouse.to_string_lossy());
    (session, floe::table::TableRef::parse(table).unwrap())
}

fn options(table: &floe::table::TableRef, paths: &[&str]) -> floe::ops::add_files::AddFilesOptions {
    floe::ops::add_files::AddFilesOptions {
        table: table.clone(),
        paths: paths.iter().map(|p| p.to_string()).collect(),
        hive_partitioned: false,
        dry_run: false,
        branch: "main".to_string(),
    }
}

/// A commit that fails after it started writing (the partition spec changed under it) deletes
/// what it wrote for itself, never the user's file.
#[test]
fn a_failed_commit_keeps_the_users_file() {
    let lake = Lake::new();
    let table = lake.table("failing", &["region"]);
    let eu = lake.file("eu.parquet", &events(&january(0)));
    let (session, table_ref) = session_and_ref(&lake, &table);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let plan = rt
        .block_on(floe::ops::add_files::plan(
            &session,
            options(&table_ref, &[&eu]),
        ))
        .unwrap();
    assert_eq!(plan.report().files_added, 1);
    lake.floe
        .json(&["partition", "evolve", &table, "--add", "bucket(2, id)"]);
    let before = lake.snapshot_id(&table);
    let err = rt
        .block_on(floe::ops::add_files::execute(plan))
        .expect_err("the spec changed");
    assert!(format!("{err:#}").contains("partition spec"), "{err:#}");
    assert!(Path::new(&eu).exists(), "the user's file was deleted");
    assert_eq!(lake.snapshot_id(&table), before);
    // Nothing the attempt wrote is left behind in the metadata folder beyond the table's own.
    let metadata = Path::new(&lake.location(&table)).join("metadata");
    let avro = std::fs::read_dir(metadata)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "avro")
        })
        .count();
    assert_eq!(avro, 0, "the failed attempt's manifests were removed");
}

/// Two add-files of the same file race: the second to commit notices the first's and is
/// refused, so the file is in the table once.
#[test]
fn a_file_added_meanwhile_is_refused_at_commit() {
    let lake = Lake::new();
    let table = lake.table("race", &[]);
    let a = lake.file("a.parquet", &events(&[1, 2, 3]));
    let b = lake.file("b.parquet", &events(&[4, 5]));
    let (session, table_ref) = session_and_ref(&lake, &table);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let first = rt
        .block_on(floe::ops::add_files::plan(
            &session,
            options(&table_ref, &[&a, &b]),
        ))
        .unwrap();
    let second = rt
        .block_on(floe::ops::add_files::plan(
            &session,
            options(&table_ref, &[&a]),
        ))
        .unwrap();
    rt.block_on(floe::ops::add_files::execute(second)).unwrap();
    let err = rt
        .block_on(floe::ops::add_files::execute(first))
        .expect_err("a is in the table already");
    assert!(
        format!("{err:#}").contains("already in the table"),
        "{err:#}"
    );
    let paths: Vec<Value> = lake
        .files(&table)
        .iter()
        .map(|f| f["file_path"].clone())
        .collect();
    assert_eq!(paths, vec![Value::String(a.clone())]);
    assert!(Path::new(&a).exists() && Path::new(&b).exists());
    assert_eq!(lake.query(&table, "count(*) AS n")[0]["n"], 3);

    // A commit landing between the check and the commit that did not add the file is fine.
    let third = rt
        .block_on(floe::ops::add_files::plan(
            &session,
            options(&table_ref, &[&b]),
        ))
        .unwrap();
    let other = lake.file("other.parquet", &events(&[9]));
    lake.floe.json(&["ingest", &table, &other]);
    let report = rt.block_on(floe::ops::add_files::execute(third)).unwrap();
    assert_eq!(lake.snapshot_id(&table), report.snapshot_id.unwrap());
    assert_eq!(lake.query(&table, "count(*) AS n")[0]["n"], 6);
}

/// A struct column `info {a int, b string}` beside `id`, with these Parquet field ids (none
/// when `ids` is `None`).
fn nested_batch(ids: Option<[i32; 4]>) -> RecordBatch {
    use arrow::array::{Array, Int32Array, StructArray};
    let with_id = |field: Field, i: usize| match ids {
        Some(ids) => field.with_metadata(std::collections::HashMap::from([(
            "PARQUET:field_id".to_string(),
            ids[i].to_string(),
        )])),
        None => field,
    };
    let a = with_id(Field::new("a", DataType::Int32, true), 2);
    let b = with_id(Field::new("b", DataType::Utf8, true), 3);
    let info = StructArray::new(
        vec![a, b].into(),
        vec![
            Arc::new(Int32Array::from(vec![Some(1), Some(3)])) as ArrayRef,
            Arc::new(StringArray::from(vec![Some("x"), None])),
        ],
        None,
    );
    let schema = Arc::new(Schema::new(vec![
        with_id(Field::new("id", DataType::Int64, false), 0),
        with_id(Field::new("info", info.data_type().clone(), true), 1),
    ]));
    RecordBatch::try_new(
        schema,
        vec![Arc::new(Int64Array::from(vec![1, 2])), Arc::new(info)],
    )
    .unwrap()
}

#[test]
fn nested_columns_need_the_tables_field_ids() {
    let lake = Lake::new();
    std::fs::write(
        lake.dir.path().join("nested.yaml"),
        "fields:\n  - {name: id, type: long, required: true}\n  - name: info\n    type: {type: struct, fields: [{name: a, type: int}, {name: b, type: string}]}\n",
    )
    .unwrap();
    lake.floe
        .json(&["create", "db.nested", "--schema", "nested.yaml"]);
    let table = "db.nested";
    let fields = lake.floe.json(&["describe", table])["schema"]["fields"].clone();
    assert_eq!(fields[1]["children"][0]["id"], 3, "{fields:#}");
    assert_eq!(fields[1]["children"][1]["id"], 4, "{fields:#}");

    // Without field ids floe could only map top-level names: refused.
    let plain = lake.file("plain.parquet", &nested_batch(None));
    lake.refused(
        table,
        &[&plain],
        "has no Parquet field ids and the table has nested columns (info)",
        &[&plain],
    );
    // Field ids that are not the table's: refused.
    let swapped = lake.file("swapped.parquet", &nested_batch(Some([1, 2, 4, 3])));
    lake.refused(
        table,
        &[&swapped],
        "column info.a carries Parquet field id 4 but is field 3",
        &[&swapped],
    );

    // The table's own ids: added without a name mapping, nested values read back.
    let good = lake.file("good.parquet", &nested_batch(Some([1, 2, 3, 4])));
    let report = lake.floe.json(&["add-files", table, &good]);
    assert_eq!(report["name_mapping_set"], false);
    let properties = lake.floe.json(&["describe", table])["properties"].clone();
    assert!(
        properties.get("schema.name-mapping.default").is_none(),
        "{properties:#}"
    );
    let rows = lake.floe.json(&["query", table]);
    assert_eq!(
        rows,
        serde_json::json!([
            {"id": 1, "info": {"a": 1, "b": "x"}},
            {"id": 2, "info": {"a": 3, "b": null}}
        ])
    );
}

/// A file written without statistics has no bounds to derive its partition from: refused
/// without a path to read it from, accepted from its Hive-style path.
#[test]
fn files_without_statistics_need_their_partition_in_the_path() {
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::{EnabledStatistics, WriterProperties};
    let lake = Lake::new();
    let table = lake.table("nostats", &["region"]);
    let path = lake.dir.path().join("in/region=eu/plain.parquet");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let batch = events(&[3, 6, 9]);
    let props = WriterProperties::builder()
        .set_statistics_enabled(EnabledStatistics::None)
        .build();
    let mut writer = ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let path = path.to_string_lossy().to_string();
    lake.refused(
        &table,
        &[&path],
        "cannot tell its region partition",
        &[&path],
    );
    let report = lake
        .floe
        .json(&["add-files", &table, &path, "--hive-partitioned"]);
    assert_eq!(
        report["files"][0]["partition"],
        serde_json::json!({"region": "eu"})
    );
    let rows = lake
        .floe
        .json(&["query", &table, "--where", "id > 4", "--select", "id"]);
    assert_eq!(ids_of(rows.as_array().unwrap()), vec![6, 9]);
}
