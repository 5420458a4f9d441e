//! `schema evolve`: one atomic schema change keeping field ids; old and new data read with
//! the evolved schema by floe and PyIceberg; refusals leave the table unchanged.

mod common;

use common::*;

const NESTED_SCHEMA: &str = "fields:\n  - {name: id, type: long, required: true}\n  - name: tags\n    type: {type: list, element: string}\n  - name: address\n    type:\n      type: struct\n      fields:\n        - {name: city, type: string}\n        - {name: zip, type: int}\n  - {name: qty, type: int}\n";

fn setup() -> (tempfile::TempDir, Floe, String) {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    std::fs::write(dir.path().join("s.yaml"), NESTED_SCHEMA).unwrap();
    std::fs::write(dir.path().join("old.ndjson"), concat!(
        "{\"id\": 1, \"tags\": [\"a\"], \"address\": {\"city\": \"Oslo\", \"zip\": 150}, \"qty\": 5}\n",
        "{\"id\": 2, \"tags\": null, \"address\": null, \"qty\": null}\n",
    )).unwrap();
    let table = dir.path().join("wh/db/t").to_string_lossy().to_string();
    floe.json(&[
        "create",
        &table,
        "--schema",
        "s.yaml",
        "--partition-by",
        "bucket(4, id)",
        "--sort-by",
        "qty",
    ]);
    floe.json(&["ingest", &table, "old.ndjson"]);
    (dir, floe, table)
}

#[test]
fn evolve_keeps_ids_and_reads_old_and_new_data() {
    let (dir, floe, table) = setup();
    let before = floe.json(&["schema", &table]);
    let dry = floe.json(&[
        "schema",
        "evolve",
        &table,
        "--add",
        "score:double",
        "--dry-run",
    ]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(
        floe.json(&["schema", &table]),
        before,
        "a dry run changes nothing"
    );

    let evolved = floe.json(&[
        "schema",
        "evolve",
        &table,
        "--add",
        "score:double",
        "--rename",
        "tags:labels",
        "--widen",
        "qty:long",
        "--widen",
        "address.zip:long",
        "--doc",
        "id:the row id",
        "--move",
        "score:after:id",
    ]);
    assert_eq!(evolved["previous_schema_id"], 0);
    assert_eq!(evolved["schema_id"], 1);
    let fields = evolved["fields"].as_array().unwrap();
    let summary: Vec<(i64, &str, &str)> = fields
        .iter()
        .map(|f| {
            (
                f["id"].as_i64().unwrap(),
                f["name"].as_str().unwrap(),
                f["type"].as_str().unwrap(),
            )
        })
        .collect();
    let old_id = |name: &str| {
        before["schemas"][0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let last_column_id = before["last_column_id"].as_i64().unwrap();
    assert_eq!(summary[0], (old_id("id"), "id", "long"));
    assert_eq!(
        summary[1],
        (last_column_id + 1, "score", "double"),
        "the new column gets last-column-id + 1 and moves after id"
    );
    assert_eq!(
        (summary[2].0, summary[2].1),
        (old_id("tags"), "labels"),
        "rename keeps the id"
    );
    assert_eq!(
        summary[4],
        (old_id("qty"), "qty", "long"),
        "widened in place"
    );
    assert_eq!(fields[0]["doc"], "the row id");
    let zip = &fields[3]["children"][1];
    assert_eq!(
        (zip["name"].as_str(), zip["type"].as_str()),
        (Some("zip"), Some("long"))
    );

    std::fs::write(dir.path().join("new.ndjson"), "{\"id\": 7, \"score\": 1.5, \"labels\": [\"z\"], \"address\": {\"city\": \"Rome\", \"zip\": 3000000000}, \"qty\": 9000000000}\n").unwrap();
    floe.json(&["ingest", &table, "new.ndjson"]);
    let rows = floe.json(&[
        "query",
        &table,
        "--order-by",
        "id",
        "--select",
        "id, score, labels, qty",
    ]);
    assert_eq!(
        rows,
        serde_json::json!([
            {"id": 1, "score": null, "labels": ["a"], "qty": 5},
            {"id": 2, "score": null, "labels": null, "qty": null},
            {"id": 7, "score": 1.5, "labels": ["z"], "qty": 9000000000i64},
        ])
    );
    if let Some(python) = python() {
        let metadata = floe.json(&["describe", &table])["metadata_location"]
            .as_str()
            .unwrap()
            .to_string();
        let read = pyiceberg_read(&python, &metadata, None);
        let mut rows: Vec<serde_json::Value> = read["rows"].as_array().unwrap().clone();
        rows.sort_by_key(|r| r["id"].as_i64().unwrap());
        assert_eq!(
            rows[0]["labels"],
            serde_json::json!(["a"]),
            "renamed column carries old values"
        );
        assert_eq!(rows[0]["score"], serde_json::Value::Null);
        assert_eq!(rows[2]["qty"], 9000000000i64);
        assert_eq!(rows[0]["address"]["zip"], 150, "widened nested value exact");
    }
    let history = floe.json(&["schema", &table, "--history"]);
    assert_eq!(history["schemas"].as_array().unwrap().len(), 2);

    // A field added inside a struct: files written before it read null there.
    floe.json(&[
        "schema",
        "evolve",
        &table,
        "--add",
        "address.country:string",
    ]);
    let rows = floe.json(&[
        "query",
        &table,
        "--order-by",
        "id",
        "--select",
        "id, address",
    ]);
    assert_eq!(
        rows,
        serde_json::json!([
            {"id": 1, "address": {"city": "Oslo", "zip": 150, "country": null}},
            {"id": 2, "address": null},
            {"id": 7, "address": {"city": "Rome", "zip": 3000000000i64, "country": null}},
        ])
    );
}

#[test]
fn evolve_refusals_leave_the_table_unchanged() {
    let (_dir, floe, table) = setup();
    let before = floe.json(&["describe", &table]);
    for (args, needle) in [
        (
            vec!["--widen", "qty:string"],
            "not a widening Iceberg allows",
        ),
        (vec!["--widen", "id:int"], "from long to int"),
        (vec!["--drop", "id"], "the partition spec uses it"),
        (vec!["--drop", "qty"], "the sort order uses it"),
        (vec!["--rename", "qty:id"], "a column of that name exists"),
        (vec!["--add", "qty:long"], "a column of that name exists"),
        (vec!["--drop", "nope"], "column 'nope' does not exist"),
        (vec!["--add", "qty.x:int"], "is not a struct"),
        (vec!["--move", "qty:after:nope"], "no such sibling column"),
        (
            vec!["--add", "extra:int", "--required"],
            "cannot add required column 'extra' without a default",
        ),
        (
            vec!["--make-required", "qty"],
            "only allows making columns optional",
        ),
    ] {
        let mut all = vec!["schema", "evolve", table.as_str()];
        all.extend(args.iter().copied());
        let run = floe.run(&all);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
    let run = floe.run(&["schema", "evolve", &table]);
    assert_eq!(run.code, 2, "no change given is a usage error");
    assert_eq!(floe.json(&["describe", &table]), before);
}

/// Partition evolution: data in both specs, exact results and pruning across them.
#[test]
fn partition_evolution_reads_across_specs() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    std::fs::write(dir.path().join("rows.csv"), events_csv(0, 120)).unwrap();
    let table = dir.path().join("wh/db/p").to_string_lossy().to_string();
    floe.json(&[
        "create",
        &table,
        "--like",
        "rows.csv",
        "--partition-by",
        "region",
    ]);
    floe.json(&["ingest", &table, "rows.csv"]);
    let evolved = floe.json(&[
        "partition",
        "evolve",
        &table,
        "--add",
        "month(ts)",
        "--remove",
        "region",
    ]);
    assert_eq!(evolved["previous_spec_id"], 0);
    assert_eq!(evolved["partition_spec"]["spec_id"], 1);
    let fields = evolved["partition_spec"]["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0]["name"], "ts_month");
    assert_eq!(
        fields[0]["field_id"], 1001,
        "new partition field ids continue after the old ones"
    );
    floe.json(&["ingest", &table, "rows.csv"]);

    let partitions = floe.json(&["partitions", &table]);
    let specs: Vec<i64> = partitions["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["spec_id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        specs.iter().filter(|s| **s == 0).count(),
        3,
        "three region partitions in spec 0"
    );
    assert_eq!(
        specs.iter().filter(|s| **s == 1).count(),
        4,
        "four months (Jan..Apr 2024) in spec 1"
    );
    let files = floe.json(&["files", &table]);
    assert!(files["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["partition_spec_id"] == 0));
    assert!(files["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["partition_spec_id"] == 1));

    assert_eq!(
        floe.json(&["query", &table, "--select", "count(*) AS n"]),
        serde_json::json!([{"n": 240}])
    );
    // ids 0..120 have ts = 2024-01-01 + (id % 120) days: 29 of them fall in April (days 91..119).
    let april = floe.json(&[
        "query",
        &table,
        "--where",
        "ts >= '2024-04-01T00:00:00Z'",
        "--select",
        "count(*) AS n",
    ]);
    assert_eq!(
        april,
        serde_json::json!([{"n": 58}]),
        "29 rows from each spec's data"
    );
    let explained = floe.json(&[
        "query",
        &table,
        "--where",
        "ts >= '2024-04-01T00:00:00Z'",
        "--explain",
    ]);
    assert_eq!(explained["files_total"], 7);
    assert!(
        explained["files_scanned"].as_u64().unwrap() < 7,
        "the new spec's other months are pruned: {explained}"
    );

    for (args, code, needle) in [
        (vec!["--remove", "region"], 1, "has no field 'region'"),
        (vec!["--add", "month(ts)"], 1, "already has month(ts)"),
        (vec!["--add", "day(nope)"], 2, "column 'nope'"),
        (vec![], 2, "no change given"),
    ] {
        let mut all = vec!["partition", "evolve", table.as_str()];
        all.extend(args.iter().copied());
        let run = floe.run(&all);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
}

/// `ingest --merge-schema`: new input columns are added and int widened to long in the same
/// commit as the data; without the flag the same input is refused.
#[test]
fn ingest_merge_schema() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    std::fs::write(dir.path().join("first.csv"), "id,qty\n1,5\n2,6\n").unwrap();
    let table = dir.path().join("wh/db/m").to_string_lossy().to_string();
    std::fs::write(
        dir.path().join("m.yaml"),
        "fields:\n  - {name: id, type: long, required: true}\n  - {name: qty, type: int}\n",
    )
    .unwrap();
    floe.json(&["create", &table, "--schema", "m.yaml"]);
    floe.json(&["ingest", &table, "first.csv"]);
    // Typed input: qty as int64 (a widening), plus a new column.
    let schema = std::sync::Arc::new(arrow::datatypes::Schema::new(vec![
        arrow::datatypes::Field::new("id", arrow::datatypes::DataType::Int64, false),
        arrow::datatypes::Field::new("qty", arrow::datatypes::DataType::Int64, true),
        arrow::datatypes::Field::new("label", arrow::datatypes::DataType::Utf8, true),
    ]));
    let batch = arrow::array::RecordBatch::try_new(
        schema,
        vec![
            std::sync::Arc::new(arrow::array::Int64Array::from(vec![3])),
            std::sync::Arc::new(arrow::array::Int64Array::from(vec![9_000_000_000])),
            std::sync::Arc::new(arrow::array::StringArray::from(vec!["new"])),
        ],
    )
    .unwrap();
    write_parquet(&dir.path().join("second.parquet"), &[batch]);
    let before = floe.json(&["describe", &table]);
    let refused = floe.run(&["ingest", &table, "second.parquet"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("'label' not in the table"),
        "{}",
        refused.stderr
    );
    assert_eq!(floe.json(&["describe", &table]), before);

    let merged = floe.json(&["ingest", &table, "second.parquet", "--merge-schema"]);
    assert_eq!(merged["records_added"], 1);
    assert_eq!(
        merged["schema_changes"],
        serde_json::json!(["widen qty from int to long", "add label string"])
    );
    let described = floe.json(&["describe", &table]);
    assert_eq!(described["schema"]["schema_id"], 1);
    assert_eq!(
        described["current_snapshot"]["schema_id"], 1,
        "the data and the schema landed in one commit"
    );
    assert_eq!(described["snapshot_count"], 2);
    let rows = floe.json(&["query", &table, "--order-by", "id"]);
    assert_eq!(
        rows,
        serde_json::json!([
            {"id": 1, "qty": 5, "label": null},
            {"id": 2, "qty": 6, "label": null},
            {"id": 3, "qty": 9000000000i64, "label": "new"},
        ])
    );
}

/// `--merge-schema` with nested input: new struct fields and new nested columns get fresh ids
/// in the same commit as the data; a later file without them still ingests; PyIceberg agrees.
#[test]
fn ingest_merge_schema_nested() {
    let (dir, floe, table) = setup();
    std::fs::write(
        dir.path().join("nested.ndjson"),
        "{\"id\": 3, \"address\": {\"city\": \"Rome\", \"zip\": 100, \"country\": \"IT\"}, \"qty\": 7, \"meta\": {\"source\": \"app\", \"level\": 2}, \"hits\": [4, 5]}\n",
    )
    .unwrap();
    let merged = floe.json(&["ingest", &table, "nested.ndjson", "--merge-schema"]);
    assert_eq!(
        merged["schema_changes"],
        serde_json::json!([
            "add address.country string",
            "add meta struct<source: string, level: long>",
            "add hits list<long>"
        ])
    );
    let schema = floe.json(&["schema", &table]);
    let fields = schema["schemas"][0]["fields"].as_array().unwrap();
    let address = fields.iter().find(|f| f["name"] == "address").unwrap();
    let country = address["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "country")
        .unwrap();
    let meta = fields.iter().find(|f| f["name"] == "meta").unwrap();
    // The original schema used ids 1..=7; new ids follow in order.
    assert_eq!(country["id"], 8);
    assert_eq!(meta["id"], 9);
    let hits = fields.iter().find(|f| f["name"] == "hits").unwrap();
    assert_eq!(hits["id"], 12);
    let meta_ids: Vec<i64> = meta["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    assert_eq!(meta_ids, vec![10, 11]);

    // A file without the new fields conforms (nulls) rather than failing.
    std::fs::write(
        dir.path().join("plain.ndjson"),
        "{\"id\": 4, \"address\": {\"city\": \"Lima\"}, \"qty\": 1}\n",
    )
    .unwrap();
    floe.json(&["ingest", &table, "plain.ndjson"]);

    let rows = floe.json(&[
        "query",
        &table,
        "--select",
        "id,address,meta,hits",
        "--order-by",
        "id",
    ]);
    assert_eq!(
        rows,
        serde_json::json!([
            {"id": 1, "address": {"city": "Oslo", "zip": 150, "country": null}, "meta": null, "hits": null},
            {"id": 2, "address": null, "meta": null, "hits": null},
            {"id": 3, "address": {"city": "Rome", "zip": 100, "country": "IT"}, "meta": {"source": "app", "level": 2}, "hits": [4, 5]},
            {"id": 4, "address": {"city": "Lima", "zip": null, "country": null}, "meta": null, "hits": null},
        ])
    );
    if let Some(python) = python() {
        let read = pyiceberg_read(&python, &table, None);
        assert_eq!(read["row_count"], 4);
        let third = read["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == 3)
            .unwrap();
        assert_eq!(third["address"]["country"], "IT");
        assert_eq!(third["meta"]["level"], 2);
    }

    // A typed input whose column type conflicts with the table's refuses, naming both.
    let batch = arrow::array::RecordBatch::try_new(
        std::sync::Arc::new(arrow::datatypes::Schema::new(vec![
            arrow::datatypes::Field::new("id", arrow::datatypes::DataType::Int64, false),
            arrow::datatypes::Field::new("qty", arrow::datatypes::DataType::Utf8, true),
        ])),
        vec![
            std::sync::Arc::new(arrow::array::Int64Array::from(vec![5])),
            std::sync::Arc::new(arrow::array::StringArray::from(vec!["five"])),
        ],
    )
    .unwrap();
    write_parquet(&dir.path().join("conflict.parquet"), &[batch]);
    let before = floe.json(&["describe", &table]);
    let refused = floe.run(&["ingest", &table, "conflict.parquet", "--merge-schema"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("conflict.parquet: column 'qty' is string in the file but int in the table"),
        "{}",
        refused.stderr
    );
    assert_eq!(floe.json(&["describe", &table]), before);
}

/// Columns of the types iceberg's reader cannot fill with nulls (uuid, fixed, time), added
/// after data was written: floe's queries, compaction (binpack and sort) and PyIceberg read
/// the older files with those columns null.
#[test]
fn uuid_fixed_and_time_columns_added_later() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    std::fs::write(
        dir.path().join("u.yaml"),
        "fields:\n  - {name: id, type: long, required: true}\n  - {name: qty, type: int}\n",
    )
    .unwrap();
    let table = dir.path().join("wh/db/u").to_string_lossy().to_string();
    floe.json(&[
        "create",
        &table,
        "--schema",
        "u.yaml",
        "--partition-by",
        "bucket(2, id)",
    ]);
    for (i, rows) in ["id,qty\n1,5\n2,6\n", "id,qty\n3,7\n4,8\n"]
        .iter()
        .enumerate()
    {
        let name = format!("old{i}.csv");
        std::fs::write(dir.path().join(&name), rows).unwrap();
        floe.json(&["ingest", &table, &name]);
    }
    floe.json(&[
        "schema",
        "evolve",
        &table,
        "--add",
        "token:uuid",
        "--add",
        "code:fixed[4]",
        "--add",
        "at:time",
    ]);
    std::fs::write(dir.path().join("new.csv"), "id,qty\n5,9\n").unwrap();
    floe.json(&["ingest", &table, "new.csv"]);

    let expected = serde_json::json!([
        {"id": 1, "token": null, "code": null, "at": null},
        {"id": 2, "token": null, "code": null, "at": null},
        {"id": 3, "token": null, "code": null, "at": null},
        {"id": 4, "token": null, "code": null, "at": null},
        {"id": 5, "token": null, "code": null, "at": null},
    ]);
    let select = ["--select", "id, token, code, at", "--order-by", "id"];
    let mut query = vec!["query", table.as_str()];
    query.extend_from_slice(&select);
    assert_eq!(floe.json(&query), expected);

    let files_before = floe.json(&["files", &table])["files"]
        .as_array()
        .unwrap()
        .len();
    let compacted = floe.json(&["compact", &table, "--rewrite-all"]);
    assert_eq!(compacted["groups_failed"], 0, "{compacted}");
    assert_eq!(
        compacted["files_rewritten"], files_before as u64,
        "{compacted}"
    );
    assert_eq!(floe.json(&query), expected);
    let sorted = floe.json(&[
        "compact",
        &table,
        "--strategy",
        "sort",
        "--sort-by",
        "qty",
        "--rewrite-all",
    ]);
    assert_eq!(sorted["groups_failed"], 0, "{sorted}");
    assert_eq!(floe.json(&query), expected);
    assert_eq!(floe.json(&["describe", &table])["totals"]["records"], 5);

    if let Some(py) = python() {
        let metadata = floe.json(&["describe", &table])["metadata_location"]
            .as_str()
            .unwrap()
            .to_string();
        let read = pyiceberg_read(&py, &metadata, None);
        assert_eq!(read["row_count"], 5, "{read}");
        let rows = read["rows"].as_array().unwrap();
        assert!(
            rows.iter()
                .all(|r| r["token"].is_null() && r["code"].is_null() && r["at"].is_null()),
            "{read}"
        );
    } else if require_all() {
        panic!("PyIceberg is required");
    }
}
