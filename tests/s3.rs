//! The core suite against S3 on the test's S3-compatible server (started by scripts/test).

mod common;
mod core;

use crate::core::*;

fn place(name: &str) -> Option<(tempfile::TempDir, Place)> {
    let s3 = common::s3()?;
    let dir = tempfile::tempdir().unwrap();
    let warehouse = s3.prefix(name);
    let config = s3.config(dir.path(), &warehouse);
    let floe = common::Floe::new(dir.path()).with_env("FLOE_CONFIG", config.to_str().unwrap());
    let work = work_dir(dir.path());
    Some((
        dir,
        Place {
            floe,
            warehouse,
            work,
            s3_endpoint: Some(s3.endpoint.clone()),
        },
    ))
}

#[test]
fn create_from_schema_file_s3() {
    let Some((_d, p)) = place("create") else {
        return;
    };
    create_from_schema_file(&p);
}

#[test]
fn ingest_formats_and_inspect_s3() {
    let Some((_d, p)) = place("formats") else {
        return;
    };
    ingest_formats_and_inspect(&p);
}

#[test]
fn ingest_glob_one_snapshot_s3() {
    let Some((_d, p)) = place("glob") else { return };
    ingest_glob_one_snapshot(&p);
}

#[test]
fn files_roll_at_on_disk_target_s3() {
    let Some((_d, p)) = place("sized") else {
        return;
    };
    files_roll_at_on_disk_target(&p);
}

#[test]
fn pyiceberg_reads_floe_tables_s3() {
    let Some((_d, p)) = place("interop") else {
        return;
    };
    pyiceberg_reads_floe_tables(&p);
}

#[test]
fn compact_and_rewrite_manifests_s3() {
    let Some((_d, p)) = place("compacted") else {
        return;
    };
    compact_and_rewrite_manifests(&p);
}

#[test]
fn expire_and_remove_orphans_s3() {
    let Some((_d, p)) = place("cleaned") else {
        return;
    };
    expire_and_remove_orphans(&p);
}

#[test]
fn concurrent_writers_s3() {
    let Some((_d, p)) = place("contended") else {
        return;
    };
    concurrent_writers(&p);
}

/// Inputs on S3 (a glob over s3:// URIs) are read through the same stores.
/// Stores reaching the test S3 server, for putting input files there.
fn test_server_stores(s3: &common::S3) -> floe::table::Stores {
    floe::table::Stores::new(std::collections::HashMap::from([
        ("s3.endpoint".to_string(), s3.endpoint.clone()),
        ("s3.access-key-id".to_string(), "testing".to_string()),
        ("s3.secret-access-key".to_string(), "testing".to_string()),
        ("s3.region".to_string(), "us-east-1".to_string()),
    ]))
}

#[test]
fn ingest_from_s3_inputs() {
    let Some(s3) = common::s3() else { return };
    let Some((_d, p)) = place("inputs") else {
        return;
    };
    let stores = test_server_stores(&s3);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let input_prefix = format!("{}/inputs", p.warehouse);
    for i in 0..3 {
        let local = p.work.join(format!("in-{i}.parquet"));
        common::write_parquet(&local, &[common::events_batch(i * 10, 10)]);
        let bytes = bytes::Bytes::from(std::fs::read(&local).unwrap());
        runtime
            .block_on(stores.put(&format!("{input_prefix}/in-{i}.parquet"), bytes))
            .unwrap();
    }
    runtime
        .block_on(stores.put(
            &format!("{input_prefix}/more.csv"),
            bytes::Bytes::from(common::events_csv(30, 5)),
        ))
        .unwrap();
    let table = p.table("from_s3");
    p.floe.json(&[
        "create",
        &table,
        "--like",
        &format!("{input_prefix}/in-0.parquet"),
    ]);
    let report = p.floe.json(&[
        "ingest",
        &table,
        &format!("{input_prefix}/in-*.parquet"),
        &format!("{input_prefix}/more.csv"),
    ]);
    assert_eq!(report["input_files"], 4);
    assert_eq!(report["records_added"], 35);
}

/// An unreachable endpoint fails quickly with a clear message, not a hang.
#[test]
fn unreachable_endpoint_fails_fast() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("floe.yaml");
    std::fs::write(&config, "catalog:\n  default:\n    warehouse: s3://nowhere/wh\n    s3.endpoint: http://127.0.0.1:9\n    s3.access-key-id: x\n    s3.secret-access-key: y\n").unwrap();
    let floe = common::Floe::new(dir.path()).with_env("FLOE_CONFIG", config.to_str().unwrap());
    let started = std::time::Instant::now();
    let run = floe.run(&["describe", "db.events"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("127.0.0.1:9") || run.stderr.contains("connect"),
        "{}",
        run.stderr
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}

/// Bad credentials: a clear "access denied" configuration error (exit 2), quickly. Uses a
/// second S3 server that enforces authentication.
#[test]
fn bad_credentials_are_a_clear_config_error() {
    let Some(python) = common::python() else {
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new(&python)
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .env("INITIAL_NO_AUTH_ACTION_COUNT", "0")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "auth-enforcing S3 server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("floe.yaml");
    std::fs::write(&config, format!("catalog:\n  default:\n    warehouse: s3://locked/wh\n    s3.endpoint: http://127.0.0.1:{port}\n    s3.access-key-id: AKIANOTAKEY\n    s3.secret-access-key: wrong\n")).unwrap();
    let floe = common::Floe::new(dir.path()).with_env("FLOE_CONFIG", config.to_str().unwrap());
    let started = std::time::Instant::now();
    let run = floe.run(&["describe", "db.events"]);
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("was denied (InvalidAccessKeyId)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: check the credentials"),
        "{}",
        run.stderr
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

/// `query --out s3://…` streams the result to the object store.
#[test]
fn query_exports_to_s3() {
    let Some((_d, p)) = place("export") else {
        return;
    };
    let input = p.work.join("rows.parquet");
    common::write_parquet(&input, &[common::events_batch(0, 40)]);
    let table = p.table("exported");
    p.floe.json(&[
        "create",
        &table,
        "--like",
        input.to_str().unwrap(),
        "--partition-by",
        "region",
    ]);
    p.floe.json(&["ingest", &table, input.to_str().unwrap()]);
    let out = format!("{}/exports/eu.parquet", p.warehouse);
    let report = p
        .floe
        .json(&["query", &table, "--where", "region = 'eu'", "--out", &out]);
    assert_eq!(report["rows"], 14);
    assert_eq!(report["file"], out.as_str());
    // Read it back through the same S3 server: ingest it into a second table.
    let copy = p.table("copy");
    p.floe.json(&["create", &copy, "--like", &out]);
    let ingested = p.floe.json(&["ingest", &copy, &out]);
    assert_eq!(ingested["records_added"], 14);
}

/// A sql catalog (sqlite) whose warehouse is on S3: the combination a shared lake uses.
#[test]
fn sql_catalog_with_s3_warehouse() {
    let Some(s3) = common::s3() else { return };
    let dir = tempfile::tempdir().unwrap();
    let warehouse = s3.prefix("sqlwh");
    std::fs::write(
        dir.path().join("floe.yaml"),
        format!(
            "catalog:\n  lake:\n    type: sql\n    uri: sqlite:///{}\n    warehouse: {warehouse}\n    s3.endpoint: {}\n    s3.access-key-id: testing\n    s3.secret-access-key: testing\n    s3.region: us-east-1\n",
            dir.path().join("catalog.db").display(),
            s3.endpoint
        ),
    )
    .unwrap();
    let floe = common::Floe::new(dir.path());
    let input = dir.path().join("rows.parquet");
    common::write_parquet(&input, &[common::events_batch(0, 30)]);
    floe.json(&["namespaces", "--create", "db"]);
    let created = floe.json(&[
        "create",
        "db.events",
        "--like",
        input.to_str().unwrap(),
        "--partition-by",
        "region",
    ]);
    assert_eq!(created["location"], format!("{warehouse}/db/events"));
    assert!(created["metadata_location"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{warehouse}/db/events/metadata/00000-")));
    floe.json(&["ingest", "db.events", input.to_str().unwrap()]);
    let rows = floe.json(&[
        "query",
        "db.events",
        "--select",
        "count(*) AS n",
        "--where",
        "region = 'eu'",
    ]);
    assert_eq!(rows, serde_json::json!([{"n": 10}]));
    let files = floe.json(&["files", "db.events"]);
    assert!(files["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["file_path"].as_str().unwrap().starts_with(&warehouse)));

    let props = std::collections::HashMap::from([
        ("s3.endpoint".to_string(), s3.endpoint.clone()),
        ("s3.access-key-id".to_string(), "testing".to_string()),
        ("s3.secret-access-key".to_string(), "testing".to_string()),
    ]);
    let stores = floe::table::Stores::new(props);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let before = runtime.block_on(stores.list(&warehouse)).unwrap().len();
    assert!(before >= 5, "metadata, manifests and data on S3");
    let purged = floe.json(&["drop", "db.events", "--purge"]);
    assert_eq!(purged["files_deleted"].as_u64().unwrap() as usize, before);
    assert_eq!(
        runtime.block_on(stores.list(&warehouse)).unwrap().len(),
        0,
        "nothing left on S3"
    );
}

/// A table PyIceberg wrote with `s3a://` paths (its SQL catalog's warehouse is s3a://): floe
/// lists the location as `s3://`, treats both spellings as the same files, and removes only
/// the planted orphan.
#[test]
fn orphans_beside_s3a_paths() {
    let Some(s3) = common::s3() else { return };
    let Some(python) = common::python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let warehouse = s3.prefix("s3a").replacen("s3://", "s3a://", 1);
    let uri = format!("sqlite:///{}", dir.path().join("catalog.db").display());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/sql_catalog.py");
    let out = std::process::Command::new(&python)
        .arg(&script)
        .args([
            "create",
            "--table",
            "db.t",
            "--rows",
            "20",
            "--partition",
            "none",
        ])
        .args(["--uri", &uri, "--warehouse", &warehouse, "--name", "lake"])
        .args(["--s3-endpoint", &s3.endpoint])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(
        dir.path().join("floe.yaml"),
        format!(
            "catalog:\n  lake:\n    type: sql\n    uri: {uri}\n    warehouse: {warehouse}\n    s3.endpoint: {}\n    s3.access-key-id: testing\n    s3.secret-access-key: testing\n    s3.region: us-east-1\n",
            s3.endpoint
        ),
    )
    .unwrap();
    let floe = common::Floe::new(dir.path());
    let files = floe.json(&["files", "db.t"]);
    let first = files["files"][0]["file_path"].as_str().unwrap().to_string();
    assert!(first.starts_with("s3a://"), "{first}");
    let location = floe.json(&["describe", "db.t"])["location"]
        .as_str()
        .unwrap()
        .to_string();

    let stores = test_server_stores(&s3);
    let orphan = format!(
        "{}/data/orphan.parquet",
        location.replacen("s3a://", "s3://", 1)
    );
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(stores.put(&orphan, bytes::Bytes::from_static(b"orphan")))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let report = floe.json(&["remove-orphans", "db.t", "--older-than", "1s", "--force"]);
    let removed: Vec<&str> = report["orphans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["location"].as_str().unwrap())
        .collect();
    assert_eq!(removed, vec![orphan.as_str()], "only the planted file");
    let count = floe.json(&["query", "db.t", "--select", "count(*) AS n"]);
    assert_eq!(count[0]["n"], 20);
    let metadata = floe.json(&["describe", "db.t"])["metadata_location"]
        .as_str()
        .unwrap()
        .to_string();
    let read = common::pyiceberg_read(&python, &metadata, Some(&s3.endpoint));
    assert_eq!(read["row_count"], 20);
}

/// Row changes and exactly-once loads on S3: sources identified by their ETags, delete files
/// and rewrites written through the S3 store, PyIceberg reading the result.
#[test]
fn row_changes_and_skip_loaded_on_s3() {
    let Some(s3) = common::s3() else { return };
    let Some((_d, p)) = place("rowchanges") else {
        return;
    };
    let stores = test_server_stores(&s3);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let drop = format!("{}/drop", p.warehouse);
    let put = |name: &str, batch: arrow::array::RecordBatch| {
        let local = p.work.join(name);
        common::write_parquet(&local, &[batch]);
        let bytes = bytes::Bytes::from(std::fs::read(&local).unwrap());
        runtime
            .block_on(stores.put(&format!("{drop}/{name}"), bytes))
            .unwrap();
    };
    put("a.parquet", common::events_batch(0, 40));
    put("b.parquet", common::events_batch(40, 40));
    let table = p.table("rows");
    p.floe.json(&[
        "create",
        &table,
        "--like",
        &format!("{drop}/a.parquet"),
        "--partition-by",
        "region",
    ]);
    let glob = format!("{drop}/*.parquet");
    let load = |expect: (u64, u64)| {
        let report = p.floe.json(&["ingest", &table, &glob, "--skip-loaded"]);
        let skip = &report["skip_loaded"];
        assert_eq!(
            (
                skip["loaded_files"].as_u64().unwrap(),
                skip["skipped_files"].as_u64().unwrap()
            ),
            expect,
            "{report}"
        );
    };
    load((2, 0));
    load((0, 2));
    // Same name, new content: a new ETag, so a new source.
    put("a.parquet", common::events_batch(100, 5));
    load((1, 1));

    let count = || -> i64 {
        p.floe.json(&["query", &table, "--select", "count(*) AS n"])[0]["n"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(count(), 85);
    let mor = p.floe.json(&[
        "delete",
        &table,
        "--where",
        "id % 4 = 0",
        "--mode",
        "merge-on-read",
    ]);
    assert_eq!(mor["rows_deleted"], 22, "{mor}");
    assert!(mor["delete_files_added"].as_u64().unwrap() >= 3);
    let cow = p.floe.json(&["delete", &table, "--where", "id % 4 = 1"]);
    assert_eq!(cow["rows_deleted"], 21, "{cow}");
    assert_eq!(count(), 42);
    if let Some(read) = p.pyiceberg_read(&table) {
        assert_eq!(read["row_count"], 42);
    }
    put("changes.parquet", common::events_batch(70, 20));
    let upsert = p.floe.json(&[
        "ingest",
        &table,
        &format!("{drop}/changes.parquet"),
        "--upsert=id",
        "--row-mode",
        "merge-on-read",
    ]);
    // Of ids 70..89, 70, 71, 74, 75, 78 and 79 are still there.
    assert_eq!(upsert["replaced"]["rows_updated"], 6, "{upsert}");
    assert_eq!(upsert["replaced"]["rows_inserted"], 14);
    assert_eq!(count(), 42 + 14);
    p.floe.json(&["verify", &table, "--deep"]);
}
