//! The core suite against a local directory warehouse.

mod common;
mod core;

use crate::core::*;

fn place() -> (tempfile::TempDir, Place) {
    let dir = tempfile::tempdir().unwrap();
    let place = Place {
        floe: common::Floe::new(dir.path()),
        warehouse: dir.path().join("wh").to_string_lossy().to_string(),
        work: work_dir(dir.path()),
        s3_endpoint: None,
    };
    (dir, place)
}

#[test]
fn create_from_schema_file_local() {
    let (_d, p) = place();
    create_from_schema_file(&p);
}

#[test]
fn ingest_formats_and_inspect_local() {
    let (_d, p) = place();
    ingest_formats_and_inspect(&p);
}

#[test]
fn ingest_glob_one_snapshot_local() {
    let (_d, p) = place();
    ingest_glob_one_snapshot(&p);
}

#[test]
fn many_row_groups_land_every_row_once_local() {
    let (_d, p) = place();
    many_row_groups_land_every_row_once(&p);
}

#[test]
fn files_roll_at_on_disk_target_local() {
    let (_d, p) = place();
    files_roll_at_on_disk_target(&p);
}

#[test]
fn csv_and_table_output_local() {
    let (_d, p) = place();
    csv_and_table_output(&p);
}

#[test]
fn pyiceberg_reads_floe_tables_local() {
    let (_d, p) = place();
    pyiceberg_reads_floe_tables(&p);
}

#[test]
fn compact_and_rewrite_manifests_local() {
    let (_d, p) = place();
    compact_and_rewrite_manifests(&p);
}

#[test]
fn expire_and_remove_orphans_local() {
    let (_d, p) = place();
    expire_and_remove_orphans(&p);
}

#[test]
fn concurrent_writers_local() {
    let (_d, p) = place();
    concurrent_writers(&p);
}

/// The directory layout other engines read: v<N>.metadata.json and version-hint.text.
#[test]
fn directory_layout_and_identifiers() {
    let (dir, p) = place();
    let input = p.work.join("x.parquet");
    common::write_parquet(&input, &[common::events_batch(0, 5)]);
    // No config at all: identifiers resolve under ./warehouse.
    p.floe
        .json(&["create", "db.events", "--like", input.to_str().unwrap()]);
    p.floe
        .json(&["ingest", "db.events", input.to_str().unwrap()]);
    let meta = dir.path().join("warehouse/db/events/metadata");
    assert!(meta.join("v1.metadata.json").is_file());
    assert!(meta.join("v2.metadata.json").is_file());
    assert_eq!(
        std::fs::read_to_string(meta.join("version-hint.text"))
            .unwrap()
            .trim(),
        "2"
    );
    // A stale hint is probed past.
    std::fs::write(meta.join("version-hint.text"), "1").unwrap();
    let described = p.floe.json(&["describe", "db.events"]);
    assert!(described["metadata_location"]
        .as_str()
        .unwrap()
        .ends_with("v2.metadata.json"));
    assert_eq!(described["table"], "db.events");
    // A missing hint falls back to listing.
    std::fs::remove_file(meta.join("version-hint.text")).unwrap();
    assert_eq!(
        p.floe.json(&["describe", "db.events"])["totals"]["records"],
        5
    );
    // The same table by location.
    let by_location = p.floe.json(&["describe", "./warehouse/db/events"]);
    assert_eq!(by_location["table_uuid"], described["table_uuid"]);

    p.floe
        .json(&["create", "db.other", "--like", input.to_str().unwrap()]);
    p.floe.json(&[
        "create",
        "sales.eu.orders",
        "--like",
        input.to_str().unwrap(),
    ]);
    let tables = p.floe.json(&["list"]);
    let names: Vec<&str> = tables["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["db.events", "db.other", "sales.eu.orders"]);
    let in_db = p.floe.json(&["list", "db"]);
    assert_eq!(in_db["tables"].as_array().unwrap().len(), 2);
    let namespaces = p.floe.json(&["namespaces"]);
    assert_eq!(
        namespaces["namespaces"],
        serde_json::json!(["db", "sales", "sales.eu"])
    );
}

/// `write.metadata.previous-versions-max` trims the log; with delete-after-commit the old
/// files go too.
#[test]
fn metadata_versions_are_trimmed_when_asked() {
    let (_d, p) = place();
    let input = p.work.join("x.parquet");
    common::write_parquet(&input, &[common::events_batch(0, 5)]);
    let table = p.table("trimmed");
    p.floe.json(&[
        "create",
        &table,
        "--like",
        input.to_str().unwrap(),
        "--property",
        "write.metadata.previous-versions-max=2",
        "--property",
        "write.metadata.delete-after-commit.enabled=true",
    ]);
    for _ in 0..4 {
        p.floe.json(&["ingest", &table, input.to_str().unwrap()]);
    }
    let meta = std::path::Path::new(&table).join("metadata");
    let mut versions: Vec<String> = std::fs::read_dir(&meta)
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().to_string();
            n.ends_with(".metadata.json").then_some(n)
        })
        .collect();
    versions.sort();
    assert_eq!(
        versions,
        ["v3.metadata.json", "v4.metadata.json", "v5.metadata.json"]
    );
    let current: serde_json::Value =
        serde_json::from_slice(&std::fs::read(meta.join("v5.metadata.json")).unwrap()).unwrap();
    assert_eq!(current["metadata-log"].as_array().unwrap().len(), 2);
    assert_eq!(p.floe.json(&["describe", &table])["totals"]["records"], 20);
}

/// `--like` infers from CSV and NDJSON too; zoned text timestamps become timestamptz.
#[test]
fn create_like_infers_from_text_files() {
    let (_d, p) = place();
    let csv = p.work.join("sample.csv");
    std::fs::write(&csv, common::events_csv(0, 50)).unwrap();
    let json = p.work.join("sample.ndjson");
    std::fs::write(&json, common::events_json(0, 50)).unwrap();
    let naive = p.work.join("naive.csv");
    std::fs::write(
        &naive,
        "id,at\n1,2024-03-01T10:00:00\n2,2024-03-02T11:30:00\n",
    )
    .unwrap();
    for (input, name) in [(&csv, "from_csv"), (&json, "from_json")] {
        let created = p.floe.json(&[
            "create",
            &p.table(name),
            "--like",
            input.to_str().unwrap(),
            "--partition-by",
            "day(ts)",
        ]);
        let types: Vec<(&str, &str)> = created["schema"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["name"].as_str().unwrap(), f["type"].as_str().unwrap()))
            .collect();
        assert_eq!(
            types,
            [
                ("id", "long"),
                ("region", "string"),
                ("ts", "timestamptz"),
                ("amount", "double"),
                ("qty", "long")
            ],
            "{name}"
        );
        let report = p
            .floe
            .json(&["ingest", &p.table(name), input.to_str().unwrap()]);
        assert_eq!(report["records_added"], 50);
    }
    let created = p.floe.json(&[
        "create",
        &p.table("naive"),
        "--like",
        naive.to_str().unwrap(),
    ]);
    assert_eq!(created["schema"]["fields"][1]["type"], "timestamp");
}

/// Nested types (struct, list, map) from a schema file, ingested from NDJSON and from a
/// pyarrow-written Parquet file, read back by PyIceberg with the exact values.
#[test]
fn nested_types_round_trip() {
    let Some(python) = common::python() else {
        return;
    };
    let (_d, p) = place();
    let schema = p.work.join("nested.yaml");
    std::fs::write(&schema, "fields:\n  - {name: id, type: long, required: true}\n  - name: tags\n    type: {type: list, element: string}\n  - name: attrs\n    type: {type: map, key: string, value: long}\n  - name: address\n    type:\n      type: struct\n      fields:\n        - {name: city, type: string}\n        - {name: zip, type: int}\n").unwrap();
    let json = p.work.join("nested.ndjson");
    std::fs::write(&json, concat!(
        "{\"id\": 1, \"tags\": [\"a\", \"b\"], \"attrs\": {\"x\": 1}, \"address\": {\"city\": \"Oslo\", \"zip\": 150}}\n",
        "{\"id\": 2, \"tags\": [], \"attrs\": {}, \"address\": {\"city\": \"Lima\", \"zip\": null}}\n",
        "{\"id\": 3, \"tags\": null, \"attrs\": null, \"address\": null}\n",
    )).unwrap();
    let parquet = p.work.join("nested.parquet");
    let made = std::process::Command::new(&python)
        .arg("-c")
        .arg(format!(
            "import pyarrow as pa, pyarrow.parquet as pq\n\
         t = pa.table({{'id': pa.array([10], pa.int64()), 'tags': pa.array([['q', 'r']]),\n\
         'attrs': pa.array([[('k', 5)]], pa.map_(pa.string(), pa.int64())),\n\
         'address': pa.array([{{'city': 'Rome', 'zip': 1}}])}})\n\
         pq.write_table(t, '{}')\n",
            parquet.display()
        ))
        .status()
        .unwrap();
    assert!(made.success());
    let table = p.table("nested");
    p.floe
        .json(&["create", &table, "--schema", schema.to_str().unwrap()]);
    p.floe.json(&[
        "ingest",
        &table,
        json.to_str().unwrap(),
        parquet.to_str().unwrap(),
    ]);
    let metadata = p.floe.json(&["describe", &table])["metadata_location"]
        .as_str()
        .unwrap()
        .to_string();
    let read = common::pyiceberg_read(&python, &metadata, None);
    assert_eq!(read["row_count"], 4);
    let mut rows: Vec<serde_json::Value> = read["rows"].as_array().unwrap().clone();
    rows.sort_by_key(|r| r["id"].as_i64().unwrap());
    assert_eq!(
        rows[0],
        serde_json::json!({"id": 1, "tags": ["a", "b"], "attrs": [["x", 1]], "address": {"city": "Oslo", "zip": 150}})
    );
    assert_eq!(
        rows[1],
        serde_json::json!({"id": 2, "tags": [], "attrs": [], "address": {"city": "Lima", "zip": null}})
    );
    assert_eq!(
        rows[2],
        serde_json::json!({"id": 3, "tags": null, "attrs": null, "address": null})
    );
    assert_eq!(
        rows[3],
        serde_json::json!({"id": 10, "tags": ["q", "r"], "attrs": [["k", 5]], "address": {"city": "Rome", "zip": 1}})
    );
}

/// With no floe config, `~/.pyiceberg.yaml` is used; FLOE_CATALOG__ variables override it.
#[test]
fn config_search_and_env_overrides() {
    let (dir, p) = place();
    let input = p.work.join("x.parquet");
    common::write_parquet(&input, &[common::events_batch(0, 3)]);
    std::fs::write(
        dir.path().join(".pyiceberg.yaml"),
        "catalog:\n  default:\n    type: directory\n    warehouse: ./from-pyiceberg\n",
    )
    .unwrap();
    p.floe
        .json(&["create", "db.t", "--like", input.to_str().unwrap()]);
    assert!(dir
        .path()
        .join("from-pyiceberg/db/t/metadata/v1.metadata.json")
        .is_file());
    let overridden = p
        .floe
        .clone()
        .with_env("FLOE_CATALOG__DEFAULT__WAREHOUSE", "./from-env");
    overridden.json(&["create", "db.t", "--like", input.to_str().unwrap()]);
    assert!(dir
        .path()
        .join("from-env/db/t/metadata/v1.metadata.json")
        .is_file());
    // ./floe.yaml wins over ~/.pyiceberg.yaml.
    std::fs::write(
        dir.path().join("floe.yaml"),
        "catalog:\n  default:\n    warehouse: ./from-floe\n",
    )
    .unwrap();
    p.floe
        .json(&["create", "db.t", "--like", input.to_str().unwrap()]);
    assert!(dir
        .path()
        .join("from-floe/db/t/metadata/v1.metadata.json")
        .is_file());
    let listed = p.floe.json(&["list"]);
    assert_eq!(listed["tables"][0]["identifier"], "db.t");
}

/// Namespace and table management on the directory catalog.
#[test]
fn directory_catalog_management() {
    let (dir, p) = place();
    let input = p.work.join("x.parquet");
    common::write_parquet(&input, &[common::events_batch(0, 8)]);
    let created = p
        .floe
        .json(&["namespaces", "--create", "db", "--create", "db.inner"]);
    assert_eq!(created["namespaces"], serde_json::json!(["db", "db.inner"]));
    assert!(dir.path().join("warehouse/db/inner").is_dir());
    let run = p.floe.run(&["namespaces", "--create", "db"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("namespace db already exists"),
        "{}",
        run.stderr
    );
    let run = p
        .floe
        .run(&["namespaces", "--create", "props", "--property", "owner=me"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("keeps no namespace properties"),
        "{}",
        run.stderr
    );

    p.floe
        .json(&["create", "db.inner.t", "--like", input.to_str().unwrap()]);
    p.floe
        .json(&["ingest", "db.inner.t", input.to_str().unwrap()]);
    let run = p.floe.run(&["namespaces", "--drop", "db.inner"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("namespace db.inner is not empty: it holds db.inner.t"),
        "{}",
        run.stderr
    );
    for (args, needle) in [
        (vec!["rename", "db.inner.t", "db.t2"], "cannot rename"),
        (
            vec![
                "register",
                "db.t3",
                "./warehouse/db/inner/t/metadata/v2.metadata.json",
            ],
            "register needs a sql catalog",
        ),
    ] {
        let run = p.floe.run(&args);
        assert_eq!(run.code, 1, "{args:?}");
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
    let files: Vec<String> = p.floe.json(&["files", "db.inner.t"])["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_path"].as_str().unwrap().to_string())
        .collect();
    let purged = p.floe.json(&["drop", "db.inner.t", "--purge"]);
    assert!(
        purged["files_deleted"].as_u64().unwrap() >= files.len() as u64 + 4,
        "{purged}"
    );
    assert!(files.iter().all(|f| !std::path::Path::new(f).exists()));
    assert_eq!(p.floe.run(&["describe", "db.inner.t"]).code, 1);
    let dropped = p.floe.json(&["namespaces", "--drop", "db.inner"]);
    assert_eq!(dropped["namespaces"], serde_json::json!(["db"]));
    let run = p.floe.run(&["drop", "db.nothing"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
}

/// `properties`: set and unset in one commit, validation, and the settings take effect.
#[test]
fn table_properties() {
    let (_d, p) = place();
    let input = p.work.join("x.parquet");
    common::write_parquet(&input, &[common::events_batch(0, 5)]);
    let table = p.table("props");
    p.floe.json(&[
        "create",
        &table,
        "--like",
        input.to_str().unwrap(),
        "--property",
        "owner=a",
    ]);
    let changed = p.floe.json(&[
        "properties",
        &table,
        "--set",
        "owner=b",
        "--set",
        "write.parquet.compression-codec=snappy",
        "--set",
        "commit.retry.num-retries=7",
    ]);
    assert_eq!(
        changed["set"],
        serde_json::json!([
            "owner",
            "write.parquet.compression-codec",
            "commit.retry.num-retries"
        ])
    );
    assert_eq!(changed["properties"]["owner"], "b");
    assert!(
        changed["metadata_location"]
            .as_str()
            .unwrap()
            .ends_with("v2.metadata.json"),
        "one commit"
    );
    let removed = p.floe.json(&["properties", &table, "--unset", "owner"]);
    assert_eq!(removed["unset"], serde_json::json!(["owner"]));
    assert!(removed["properties"].get("owner").is_none());
    // Showing changes nothing.
    let shown = p.floe.json(&["properties", &table]);
    assert_eq!(shown["metadata_location"], removed["metadata_location"]);
    // The codec applies to the next ingest.
    p.floe.json(&["ingest", &table, input.to_str().unwrap()]);
    let file = p.floe.json(&["files", &table])["files"][0]["file_path"]
        .as_str()
        .unwrap()
        .to_string();
    let reader =
        parquet::file::reader::SerializedFileReader::new(std::fs::File::open(&file).unwrap())
            .unwrap();
    let codec = parquet::file::reader::FileReader::metadata(&reader)
        .row_group(0)
        .column(0)
        .compression();
    assert_eq!(codec, parquet::basic::Compression::SNAPPY);

    let before = p.floe.json(&["properties", &table]);
    for (args, code, needle) in [
        (
            vec!["--set", "commit.retry.num-retries=lots"],
            1,
            "expected a whole number",
        ),
        (
            vec!["--set", "gc.enabled=maybe"],
            1,
            "expected true or false",
        ),
        (
            vec!["--set", "format-version=4"],
            1,
            "floe knows format versions 1, 2 and 3",
        ),
        (vec!["--set", "format-version=1"], 1, "cannot be downgraded"),
        (vec!["--unset", "nothing"], 1, "property nothing is not set"),
        (
            vec!["--set", "a=1", "--unset", "a"],
            2,
            "both set and unset",
        ),
        (vec!["--set", "novalue"], 2, "is not KEY=VALUE"),
    ] {
        let mut all = vec!["properties", table.as_str()];
        all.extend(args.iter().copied());
        let run = p.floe.run(&all);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
    let last = p.floe.json(&["properties", &table]);
    assert_eq!(last, before, "refused changes leave the table unchanged");
}

/// `sort-order set`: a new default order (ids kept), unsorted again, bad expressions refused.
#[test]
fn sort_order_set() {
    let (_d, p) = place();
    let input = p.work.join("x.parquet");
    common::write_parquet(&input, &[common::events_batch(0, 5)]);
    let table = p.table("sorted");
    p.floe.json(&[
        "create",
        &table,
        "--like",
        input.to_str().unwrap(),
        "--sort-by",
        "id",
    ]);
    let set = p
        .floe
        .json(&["sort-order", "set", &table, "ts desc", "bucket(4, id)"]);
    assert_eq!(set["previous_order_id"], 1);
    assert_eq!(set["sort_order"]["order_id"], 2);
    let fields = set["sort_order"]["fields"].as_array().unwrap();
    assert_eq!(
        (
            fields[0]["source"].as_str(),
            fields[0]["direction"].as_str(),
            fields[0]["null_order"].as_str()
        ),
        (Some("ts"), Some("desc"), Some("nulls-last"))
    );
    assert_eq!(fields[1]["transform"], "bucket[4]");
    assert_eq!(
        p.floe.json(&["describe", &table])["sort_order"]["order_id"],
        2
    );
    let unsorted = p.floe.json(&["sort-order", "set", &table]);
    assert_eq!(unsorted["sort_order"]["order_id"], 0);

    // One comma-separated value is the same as repeated flags; a transform's comma stays.
    let listed = p.table("listed");
    let created = p.floe.json(&[
        "create",
        &listed,
        "--like",
        input.to_str().unwrap(),
        "--sort-by",
        "region, ts desc",
        "--sort-by",
        "bucket(4, id) nulls last",
        "--partition-by",
        "region, bucket(2, id)",
    ]);
    let order: Vec<(String, String, String)> = created["sort_order"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["source"].as_str().unwrap().to_string(),
                f["transform"].as_str().unwrap().to_string(),
                f["direction"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("region", "identity", "asc"),
        ("ts", "identity", "desc"),
        ("id", "bucket[4]", "asc"),
    ];
    assert_eq!(
        order,
        want.map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    assert_eq!(
        created["partition_spec"]["fields"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let run = p.floe.run(&[
        "create",
        &p.table("bad"),
        "--like",
        input.to_str().unwrap(),
        "--sort-by",
        "region,,ts",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("region,,ts"), "{}", run.stderr);
    let run = p.floe.run(&["sort-order", "set", &table, "nope desc"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("column 'nope'"), "{}", run.stderr);
}
