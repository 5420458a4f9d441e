//! The SQL catalog against sqlite and postgres, shared with PyIceberg's SqlCatalog:
//! interop both ways, concurrent writers from both tools, namespace and table management.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use futures::TryStreamExt;
use serde_json::Value;

/// One catalog in one database, with floe and PyIceberg pointed at it.
struct Lake {
    _dir: tempfile::TempDir,
    work: PathBuf,
    floe: Floe,
    python: String,
    /// SQLAlchemy URI, as PyIceberg and the floe config take it.
    uri: String,
    name: String,
    warehouse: String,
}

enum Backend {
    Sqlite,
    Postgres,
}

impl Lake {
    fn new(backend: Backend) -> Option<Lake> {
        let python = python()?;
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().to_path_buf();
        let name = format!("lake{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let uri = match &backend {
            Backend::Sqlite => format!("sqlite:///{}", work.join("catalog.db").display()),
            Backend::Postgres => match std::env::var("FLOE_TEST_POSTGRES_URI") {
                Ok(uri) if !uri.is_empty() => {
                    uri.replacen("postgresql://", "postgresql+psycopg2://", 1)
                }
                _ => {
                    assert!(
                        !require_all(),
                        "FLOE_TEST_POSTGRES_URI is required (FLOE_TEST_REQUIRE_ALL=1)"
                    );
                    eprintln!("skipping: no FLOE_TEST_POSTGRES_URI");
                    return None;
                }
            },
        };
        let warehouse = work.join("wh").to_string_lossy().to_string();
        std::fs::write(
            work.join("floe.yaml"),
            format!(
                "catalog:\n  {name}:\n    type: sql\n    uri: {uri}\n    warehouse: {warehouse}\n"
            ),
        )
        .unwrap();
        let floe = Floe::new(&work);
        if matches!(backend, Backend::Postgres) {
            // Let floe create the catalog tables first: PyIceberg's CREATE TABLE IF NOT EXISTS
            // is not safe against a concurrent one on postgres, and these tests share a database.
            floe.json(&["list"]);
        }
        Some(Lake {
            _dir: dir,
            work,
            floe,
            python,
            uri,
            name,
            warehouse,
        })
    }

    fn py(&self, args: &[&str]) -> Value {
        let warehouse = format!("file://{}", self.warehouse);
        py_script_json(
            &self.python,
            "sql_catalog.py",
            args,
            &[
                "--uri",
                &self.uri,
                "--warehouse",
                &warehouse,
                "--name",
                &self.name,
            ],
        )
    }

    /// Sample rows (PyIceberg's sample schema) as a Parquet file.
    fn sample_parquet(&self, start: i64, rows: i64) -> String {
        let path = self.work.join(format!("sample-{start}.parquet"));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/sql_catalog.py");
        let status = Command::new(&self.python)
            .arg(script)
            .args([
                "parquet",
                "--start",
                &start.to_string(),
                "--rows",
                &rows.to_string(),
                "--out",
                path.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(status.status.success());
        path.to_string_lossy().to_string()
    }
}

/// floe's own reading of a table: every id, through iceberg's scan of the current snapshot.
fn floe_scan_ids(lake: &Lake, table: &str) -> Vec<i64> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let config = floe::config::Config::load(Some(&lake.work.join("floe.yaml"))).unwrap();
        let session = floe::table::Session::new(&config, Some(&lake.name)).unwrap();
        let target = session
            .target(&floe::table::TableRef::parse(table).unwrap())
            .await
            .unwrap();
        let loaded = target.load().await.unwrap();
        let batches: Vec<arrow::array::RecordBatch> = loaded
            .scan()
            .select(["id"])
            .build()
            .unwrap()
            .to_arrow()
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let mut ids: Vec<i64> = batches
            .iter()
            .flat_map(|b| {
                arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(b.column(0))
                    .values()
                    .to_vec()
            })
            .collect();
        ids.sort();
        ids
    })
}

fn interop_both_ways(lake: Lake) {
    // PyIceberg creates a partitioned table and appends 20 rows.
    let created = lake.py(&["create", "--table", "db.events", "--rows", "20"]);
    let py_first = created["snapshot_ids"][0].as_i64().unwrap();
    let described = lake.floe.json(&["describe", "db.events"]);
    assert_eq!(described["totals"]["records"], 20);
    assert_eq!(
        described["current_snapshot"]["snapshot_id"].as_i64(),
        Some(py_first)
    );
    let spec: Vec<&str> = described["partition_spec"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(spec, ["ts_month", "region"]);
    assert_eq!(
        floe_scan_ids(&lake, "db.events"),
        (0..20).collect::<Vec<_>>(),
        "floe reads PyIceberg's rows"
    );

    // floe appends; PyIceberg reads floe's snapshot with the exact rows.
    let parquet = lake.sample_parquet(100, 10);
    let ingested = lake.floe.json(&["ingest", "db.events", &parquet]);
    assert_eq!(ingested["records_added"], 10);
    let read = lake.py(&["read", "--table", "db.events"]);
    assert_eq!(read["snapshot_id"], ingested["snapshot_id"]);
    let ids: Vec<i64> = read["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(ids, (0..20).chain(100..110).collect::<Vec<_>>());
    assert_eq!(read["amounts"][20], "125.00", "decimal 100 * 1.25 survives");

    // PyIceberg appends on top of floe's snapshot; floe sees all three snapshots.
    lake.py(&[
        "append",
        "--table",
        "db.events",
        "--start",
        "200",
        "--rows",
        "5",
    ]);
    let snapshots = lake.floe.json(&["snapshots", "db.events"]);
    let list = snapshots["snapshots"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[1]["snapshot_id"], ingested["snapshot_id"]);
    assert_eq!(list[2]["parent_snapshot_id"], ingested["snapshot_id"]);
    assert_eq!(
        floe_scan_ids(&lake, "db.events"),
        (0..20).chain(100..110).chain(200..205).collect::<Vec<_>>()
    );

    // A table floe creates is one PyIceberg can read.
    lake.floe.json(&["namespaces", "--create", "made_by_floe"]);
    lake.floe.json(&[
        "create",
        "made_by_floe.copy",
        "--like",
        &parquet,
        "--partition-by",
        "region",
    ]);
    lake.floe.json(&["ingest", "made_by_floe.copy", &parquet]);
    let read = lake.py(&["read", "--table", "made_by_floe.copy"]);
    assert_eq!(read["ids"].as_array().unwrap().len(), 10);
    let tables = lake.floe.json(&["list"]);
    let names: Vec<&str> = tables["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["db.events", "made_by_floe.copy"]);
}

fn concurrent_floe_and_pyiceberg(lake: Lake) {
    lake.py(&["create", "--table", "db.shared", "--rows", "0"]);
    lake.floe
        .json(&["create", "db.setup", "--like", &lake.sample_parquet(0, 1)]);
    // Plenty of retries: four writers race for every commit.
    let set = Command::new(&lake.python)
        .arg("-c")
        .arg(format!(
            "from pyiceberg.catalog.sql import SqlCatalog\nc = SqlCatalog('{}', uri='{}', warehouse='file://{}')\nt = c.load_table('db.shared')\nwith t.transaction() as tx:\n    tx.set_properties({{'commit.retry.num-retries': '40', 'commit.retry.min-wait-ms': '20', 'commit.retry.max-wait-ms': '1000'}})\n",
            lake.name, lake.uri, lake.warehouse
        ))
        .status()
        .unwrap();
    assert!(set.success());
    let inputs: Vec<String> = (0..3)
        .map(|w| lake.sample_parquet(1000 * (w + 1), 7))
        .collect();
    let floe_workers: Vec<_> = inputs
        .iter()
        .map(|input| {
            let floe = lake.floe.clone();
            let input = input.clone();
            std::thread::spawn(move || {
                (0..5)
                    .map(|_| {
                        let run = floe.run(&["ingest", "db.shared", &input, "-o", "json"]);
                        assert_eq!(run.code, 0, "{}", run.stderr);
                        run.json()["snapshot_id"].as_i64().unwrap()
                    })
                    .collect::<Vec<i64>>()
            })
        })
        .collect();
    let py = lake.py(&[
        "append",
        "--table",
        "db.shared",
        "--start",
        "5000",
        "--rows",
        "3",
        "--times",
        "5",
    ]);
    let mut acknowledged: Vec<i64> = floe_workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    acknowledged.extend(
        py["snapshot_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap()),
    );
    let snapshots = lake.floe.json(&["snapshots", "db.shared"]);
    let listed: std::collections::BTreeSet<i64> = snapshots["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["snapshot_id"].as_i64().unwrap())
        .collect();
    assert_eq!(acknowledged.len(), 20);
    for id in &acknowledged {
        assert!(listed.contains(id), "acknowledged snapshot {id} is missing");
    }
    assert_eq!(listed.len(), 20, "no extra or duplicate snapshots");
    let ids = floe_scan_ids(&lake, "db.shared");
    assert_eq!(ids.len(), 3 * 5 * 7 + 5 * 3);
    let mut dedup = ids.clone();
    dedup.dedup();
    assert_eq!(
        dedup.len(),
        3 * 7 + 5 * 3,
        "every floe input 5 times, every PyIceberg batch once"
    );
}

fn namespace_and_table_management(lake: Lake) {
    let parquet = lake.sample_parquet(0, 4);
    let created = lake.floe.json(&[
        "namespaces",
        "--create",
        "sales",
        "--create",
        "sales.eu",
        "--property",
        "owner=data-eng",
    ]);
    assert_eq!(
        created["namespaces"],
        serde_json::json!(["sales", "sales.eu"])
    );
    assert_eq!(created["changes"][0]["action"], "created");
    let again = lake.floe.run(&["namespaces", "--create", "sales"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(
        again.stderr.contains("namespace sales already exists"),
        "{}",
        again.stderr
    );

    lake.floe
        .json(&["create", "sales.eu.orders", "--like", &parquet]);
    lake.floe.json(&["ingest", "sales.eu.orders", &parquet]);
    let refused = lake.floe.run(&["namespaces", "--drop", "sales.eu"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("namespace sales.eu is not empty: it holds sales.eu.orders"),
        "{}",
        refused.stderr
    );
    let refused = lake.floe.run(&["namespaces", "--drop", "sales"]);
    assert!(
        refused.stderr.contains("it holds sales.eu"),
        "{}",
        refused.stderr
    );

    // Rename, then drop (files kept) and register back from the metadata file.
    let renamed = lake
        .floe
        .json(&["rename", "sales.eu.orders", "sales.orders"]);
    assert_eq!(renamed["to"], "sales.orders");
    assert_eq!(
        lake.floe.json(&["list", "sales.eu"])["tables"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let metadata = lake.floe.json(&["describe", "sales.orders"])["metadata_location"]
        .as_str()
        .unwrap()
        .to_string();
    let dropped = lake.floe.json(&["drop", "sales.orders"]);
    assert_eq!(dropped["purged"], false);
    assert_eq!(lake.floe.run(&["describe", "sales.orders"]).code, 1);
    let missing = lake.floe.run(&["drop", "sales.orders"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("does not exist"),
        "{}",
        missing.stderr
    );
    let registered = lake
        .floe
        .json(&["register", "sales.orders_back", &metadata]);
    assert_eq!(registered["totals"]["records"], 4);
    assert_eq!(
        lake.py(&["read", "--table", "sales.orders_back"])["ids"],
        serde_json::json!([0, 1, 2, 3])
    );

    // Register refuses what is not an Iceberg table.
    let run = lake.floe.run(&[
        "register",
        "sales.bad",
        &lake.work.join("nothing.json").to_string_lossy(),
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    let run = lake.floe.run(&["register", "sales.bad", &parquet]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("is not valid Iceberg table metadata"),
        "{}",
        run.stderr
    );

    // Purge deletes every file the table reached; gc.enabled=false refuses.
    let files: Vec<String> = lake.floe.json(&["files", "sales.orders_back"])["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_path"].as_str().unwrap().to_string())
        .collect();
    assert!(files.iter().all(|f| Path::new(f).exists()));
    lake.floe.json(&[
        "create",
        "sales.keep",
        "--like",
        &parquet,
        "--property",
        "gc.enabled=false",
    ]);
    let refused = lake.floe.run(&["drop", "sales.keep", "--purge"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("gc.enabled=false"),
        "{}",
        refused.stderr
    );
    let purged = lake.floe.json(&["drop", "sales.orders_back", "--purge"]);
    assert_eq!(purged["purged"], true);
    assert!(purged["files_deleted"].as_u64().unwrap() >= files.len() as u64 + 3);
    assert!(
        files.iter().all(|f| !Path::new(f).exists()),
        "data files are gone"
    );
    assert!(!Path::new(&metadata).exists());
    let tables = lake.floe.json(&["list"]);
    let names: Vec<&str> = tables["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sales.keep"]);
    lake.floe.json(&["drop", "sales.keep"]);
    lake.floe
        .json(&["namespaces", "--drop", "sales.eu", "--drop", "sales"]);
    assert_eq!(
        lake.floe.json(&["namespaces"])["namespaces"],
        serde_json::json!([])
    );
}

#[test]
fn sqlite_interop_both_ways() {
    let Some(lake) = Lake::new(Backend::Sqlite) else {
        return;
    };
    interop_both_ways(lake);
}

#[test]
fn sqlite_concurrent_floe_and_pyiceberg() {
    let Some(lake) = Lake::new(Backend::Sqlite) else {
        return;
    };
    concurrent_floe_and_pyiceberg(lake);
}

#[test]
fn sqlite_namespace_and_table_management() {
    let Some(lake) = Lake::new(Backend::Sqlite) else {
        return;
    };
    namespace_and_table_management(lake);
}

#[test]
fn postgres_interop_both_ways() {
    let Some(lake) = Lake::new(Backend::Postgres) else {
        return;
    };
    interop_both_ways(lake);
}

#[test]
fn postgres_concurrent_floe_and_pyiceberg() {
    let Some(lake) = Lake::new(Backend::Postgres) else {
        return;
    };
    concurrent_floe_and_pyiceberg(lake);
}

#[test]
fn postgres_namespace_and_table_management() {
    let Some(lake) = Lake::new(Backend::Postgres) else {
        return;
    };
    namespace_and_table_management(lake);
}

/// Catalog problems: a postgres nobody listens on, a file that is not sqlite (exit 2, fast).
#[test]
fn unreachable_or_corrupt_catalogs_are_config_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("junk.db"),
        b"this is not a sqlite database, just some text",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("floe.yaml"),
        format!(
            "catalog:\n  pg:\n    type: sql\n    uri: postgresql://floe@127.0.0.1:9/nothing\n  junk:\n    type: sql\n    uri: sqlite:///{}\n",
            dir.path().join("junk.db").display()
        ),
    )
    .unwrap();
    let floe = Floe::new(dir.path());
    let started = std::time::Instant::now();
    let run = floe.run(&["--catalog", "pg", "list"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("cannot open the SQL catalog 'pg' at postgresql://***@127.0.0.1:9/nothing"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.to_lowercase().contains("connection refused"),
        "{}",
        run.stderr
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let run = floe.run(&["--catalog", "junk", "list", "-o", "json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.json_error()["error"]["kind"], "config");
}

/// A database in the older V0 layout (no `iceberg_type` column), as older PyIceberg and Java
/// versions made it: floe works in it without changing its layout, and PyIceberg reads floe's
/// tables from it.
#[test]
fn sqlite_v0_layout() {
    let Some(lake) = Lake::new(Backend::Sqlite) else {
        return;
    };
    let db = lake.work.join("catalog.db");
    let made = Command::new(&lake.python)
        .arg("-c")
        .arg(format!(
            "import sqlite3\nc = sqlite3.connect('{}')\n\
             c.execute('CREATE TABLE iceberg_tables (catalog_name VARCHAR(255) NOT NULL, table_namespace VARCHAR(255) NOT NULL, table_name VARCHAR(255) NOT NULL, metadata_location VARCHAR(1000), previous_metadata_location VARCHAR(1000), PRIMARY KEY (catalog_name, table_namespace, table_name))')\n\
             c.execute('CREATE TABLE iceberg_namespace_properties (catalog_name VARCHAR(255) NOT NULL, namespace VARCHAR(255) NOT NULL, property_key VARCHAR(255) NOT NULL, property_value VARCHAR(1000), PRIMARY KEY (catalog_name, namespace, property_key))')\n\
             c.commit()\n",
            db.display()
        ))
        .status()
        .unwrap();
    assert!(made.success());
    let parquet = lake.sample_parquet(0, 6);
    lake.floe.json(&["namespaces", "--create", "old"]);
    lake.floe.json(&["create", "old.t", "--like", &parquet]);
    lake.floe.json(&["ingest", "old.t", &parquet]);
    assert_eq!(
        lake.py(&["read", "--table", "old.t"])["ids"],
        serde_json::json!([0, 1, 2, 3, 4, 5])
    );
    lake.py(&["append", "--table", "old.t", "--start", "10", "--rows", "2"]);
    assert_eq!(
        floe_scan_ids(&lake, "old.t"),
        vec![0, 1, 2, 3, 4, 5, 10, 11]
    );
    let columns = Command::new(&lake.python)
        .arg("-c")
        .arg(format!("import sqlite3; print([r[1] for r in sqlite3.connect('{}').execute('PRAGMA table_info(iceberg_tables)')])", db.display()))
        .output()
        .unwrap();
    let columns = String::from_utf8_lossy(&columns.stdout);
    assert!(
        !columns.contains("iceberg_type"),
        "floe must not change the layout: {columns}"
    );
}

/// A sqlite catalog locked by another process: floe waits `busy-timeout-ms`, then fails
/// clearly (exit 1) and changes nothing.
#[test]
fn locked_sqlite_catalog_fails_clearly() {
    let Some(lake) = Lake::new(Backend::Sqlite) else {
        return;
    };
    let parquet = lake.sample_parquet(0, 2);
    lake.floe.json(&["namespaces", "--create", "db"]);
    let config = lake.work.join("floe.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}    busy-timeout-ms: 300\n")).unwrap();
    let db = lake.work.join("catalog.db");
    let mut holder = Command::new(&lake.python)
        .arg("-c")
        .arg(format!(
            "import sqlite3, sys, time\nc = sqlite3.connect('{}', isolation_level=None)\nc.execute('BEGIN EXCLUSIVE')\nprint('locked', flush=True)\ntime.sleep(5)\n",
            db.display()
        ))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "locked");
    let started = std::time::Instant::now();
    let run = lake.floe.run(&["create", "db.t", "--like", &parquet]);
    let elapsed = started.elapsed();
    holder.wait().unwrap();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("locked by another process"),
        "{}",
        run.stderr
    );
    assert!(
        elapsed < std::time::Duration::from_secs(4),
        "took {elapsed:?}"
    );
    assert_eq!(
        lake.floe.json(&["list"])["tables"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

/// A schema PyIceberg evolved: floe shows both schemas with the snapshots that used each, and
/// ingests into the new one (old rows read null in the new column).
#[test]
fn sqlite_schema_history_after_pyiceberg_evolution() {
    let Some(lake) = Lake::new(Backend::Sqlite) else {
        return;
    };
    lake.py(&["create", "--table", "db.evolving", "--rows", "5"]);
    let evolved = lake.py(&["add-column", "--table", "db.evolving", "--column", "note"]);
    assert_eq!(evolved["schema_id"], 1);
    let parquet = lake.sample_parquet(100, 3);
    lake.floe.json(&["ingest", "db.evolving", &parquet]);
    let current = lake.floe.json(&["schema", "db.evolving"]);
    assert_eq!(current["current_schema_id"], 1);
    let fields = current["schemas"][0]["fields"].as_array().unwrap();
    let note = fields.last().unwrap();
    assert_eq!(
        (
            note["name"].as_str(),
            note["type"].as_str(),
            note["doc"].as_str()
        ),
        (Some("note"), Some("string"), Some("added by PyIceberg"))
    );
    let history = lake.floe.json(&["schema", "db.evolving", "--history"]);
    let schemas = history["schemas"].as_array().unwrap();
    assert_eq!(schemas.len(), 2);
    assert_eq!(
        schemas[0]["snapshot_ids"].as_array().unwrap().len(),
        1,
        "PyIceberg's first append used schema 0"
    );
    assert_eq!(
        schemas[1]["snapshot_ids"].as_array().unwrap().len(),
        1,
        "floe's ingest used schema 1"
    );
    assert_eq!(
        schemas[0]["fields"].as_array().unwrap().len() + 1,
        schemas[1]["fields"].as_array().unwrap().len()
    );
    let rows = lake.floe.json(&[
        "query",
        "db.evolving",
        "--select",
        "id, note",
        "--order-by",
        "id",
    ]);
    assert_eq!(rows.as_array().unwrap().len(), 8);
    assert!(rows.as_array().unwrap().iter().all(|r| r["note"].is_null()));
}

/// A table PyIceberg evolved (rename, union_by_name, move, one schema change each): floe reads
/// it exactly as PyIceberg does, evolves it further, and PyIceberg reads floe's changes back.
#[test]
fn sqlite_pyiceberg_evolved_table_is_read_and_evolved_further() {
    let Some(lake) = Lake::new(Backend::Sqlite) else {
        return;
    };
    lake.py(&[
        "create",
        "--table",
        "db.evolved",
        "--rows",
        "6",
        "--partition",
        "none",
    ]);
    let evolved = lake.py(&[
        "evolve",
        "--table",
        "db.evolved",
        "--start",
        "6",
        "--rows",
        "2",
    ]);
    assert_eq!(evolved["schema_id"], 3, "three schema changes");
    let schema = lake.floe.json(&["schema", "db.evolved"]);
    let names: Vec<String> = schema["schemas"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names[0], "score", "PyIceberg moved score first");
    assert_eq!(names.last().unwrap(), "channel");
    assert!(names.contains(&"customer".to_string()) && !names.contains(&"name".to_string()));

    let rows = lake.floe.json(&[
        "query",
        "db.evolved",
        "--select",
        "id, customer, channel",
        "--order-by",
        "id",
    ]);
    assert_eq!(rows.as_array().unwrap().len(), 8);
    // Rows written before the rename carry their values under the new name.
    assert_eq!(
        rows[0],
        serde_json::json!({"id": 0, "customer": "name-0", "channel": null})
    );
    assert_eq!(
        rows[7],
        serde_json::json!({"id": 7, "customer": "name-7", "channel": "web"})
    );
    let metadata = lake.py(&["read", "--table", "db.evolved"])["metadata_location"]
        .as_str()
        .unwrap()
        .to_string();
    let py = pyiceberg_read(&lake.python, &metadata, None);
    let floe_all = lake.floe.json(&["query", "db.evolved", "--order-by", "id"]);
    let py_customers: Vec<&Value> = py["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["customer"])
        .collect();
    let floe_customers: Vec<&Value> = floe_all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["customer"])
        .collect();
    assert_eq!(floe_customers, py_customers);

    lake.floe.json(&[
        "schema",
        "evolve",
        "db.evolved",
        "--rename",
        "channel:source",
        "--add",
        "note:string",
        "--move",
        "id:first",
    ]);
    std::fs::write(
        lake.work.join("more.csv"),
        "id,customer,source,note\n100,zed,shop,hi\n",
    )
    .unwrap();
    lake.floe.json(&["ingest", "db.evolved", "more.csv"]);
    let metadata = lake.py(&["read", "--table", "db.evolved"])["metadata_location"]
        .as_str()
        .unwrap()
        .to_string();
    let read = pyiceberg_read(&lake.python, &metadata, None);
    assert_eq!(read["row_count"], 9);
    let py_names: Vec<&str> = read["schema"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(&py_names[..2], &["id", "score"]);
    assert!(py_names.contains(&"source") && py_names.contains(&"note"));
    let find = |id: i64| {
        read["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(find(100)["note"], "hi");
    assert_eq!(find(100)["source"], "shop");
    assert_eq!(find(7)["source"], "web", "renamed twice, the values stay");
    assert_eq!(find(7)["customer"], "name-7");
    assert!(find(0)["source"].is_null());
}

/// A table a catalog wrote (`00002-<uuid>.metadata.json`, no version hint) is read by its
/// directory (newest by sequence number, even when an older file is touched later) and by any
/// one of its metadata files; writes and cleanup by location are refused and change nothing.
#[test]
fn catalog_written_tables_are_read_by_location_and_metadata_file() {
    let Some(lake) = Lake::new(Backend::Sqlite) else {
        return;
    };
    let created = lake.py(&["create", "--table", "db.byloc", "--rows", "5"]);
    let first = created["metadata_location"].as_str().unwrap().to_string();
    lake.py(&[
        "append", "--table", "db.byloc", "--start", "100", "--rows", "3",
    ]);
    let dir = Path::new(&lake.warehouse).join("db/byloc");
    let metadata_dir = dir.join("metadata");
    let mut names: Vec<String> = std::fs::read_dir(&metadata_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".metadata.json"))
        .collect();
    names.sort();
    assert!(names.len() >= 3, "{names:?}");
    assert!(names.iter().all(|n| !n.starts_with('v')), "{names:?}");
    let newest = names.last().unwrap().clone();
    // A restored copy has fresh times: the oldest file touched last must not win.
    let oldest = metadata_dir.join(&names[0]);
    let content = std::fs::read(&oldest).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&oldest, content).unwrap();

    let table = dir.to_str().unwrap();
    let described = lake.floe.json(&["describe", table]);
    assert_eq!(
        described["metadata_location"].as_str().unwrap(),
        metadata_dir.join(&newest).to_str().unwrap()
    );
    assert_eq!(described["totals"]["records"], 8);
    let rows = lake.floe.json(&["query", table, "--select", "id"]);
    assert_eq!(rows.as_array().unwrap().len(), 8);

    // One version, named by its file: the first append's 5 rows.
    let first_file = first.trim_start_matches("file://");
    let rows = lake.floe.json(&["query", first_file, "--select", "id"]);
    assert_eq!(rows.as_array().unwrap().len(), 5, "{rows}");
    let snapshots = lake.floe.json(&["snapshots", first_file]);
    assert_eq!(
        snapshots["snapshots"].as_array().unwrap().len(),
        1,
        "{snapshots}"
    );

    // Writes and cleanup by location are refused with exit 1; nothing changes.
    let input = lake.sample_parquet(500, 2);
    for args in [
        vec!["ingest", table, input.as_str()],
        vec!["ingest", first_file, input.as_str()],
        vec!["remove-orphans", table],
        vec!["expire", table, "--retain-last", "1"],
        vec!["properties", table, "--set", "a=b"],
    ] {
        let run = lake.floe.run(&args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("cannot be changed by its location"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let mut after: Vec<String> = std::fs::read_dir(&metadata_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".metadata.json"))
        .collect();
    after.sort();
    let mut before = names.clone();
    before.sort();
    assert_eq!(after, before);
    // The catalog still serves it, with every row.
    let read = lake.py(&["read", "--table", "db.byloc"]);
    assert_eq!(read["ids"].as_array().unwrap().len(), 8, "{read}");

    // Two files claiming the newest number cannot be told apart: an error, not a guess.
    let twin = newest.replacen('-', "-00000000-twin-", 1);
    std::fs::copy(metadata_dir.join(&newest), metadata_dir.join(&twin)).unwrap();
    let run = lake.floe.run(&["describe", table]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot tell which one"),
        "{}",
        run.stderr
    );
}
