//! The AWS Glue catalog (`type: glue`) against the test server's Glue (moto, with Glue's
//! VersionId lock enforced), shared with PyIceberg's GlueCatalog: interop both ways, concurrent
//! writers from both tools, namespace and table management, and how failures are reported.

mod common;

use std::path::PathBuf;

use common::*;
use serde_json::Value;

/// floe and PyIceberg pointed at one Glue catalog, with a warehouse of its own on the test S3
/// bucket. The Glue server is shared by every test, so each lake names its databases with a
/// prefix of its own.
struct Lake {
    _dir: tempfile::TempDir,
    work: PathBuf,
    floe: Floe,
    python: String,
    endpoint: String,
    bucket: String,
    warehouse: String,
    /// Prefix of this lake's database names.
    id: String,
}

impl Lake {
    fn new() -> Option<Lake> {
        let s3 = s3()?;
        let python = python()?;
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().to_path_buf();
        let id = format!("g{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let warehouse = format!("s3://{}/glue-{id}", s3.bucket);
        let floe = Floe::new(&work).with_env("AWS_EC2_METADATA_DISABLED", "true");
        let lake = Lake {
            _dir: dir,
            work,
            floe,
            python,
            endpoint: s3.endpoint,
            bucket: s3.bucket,
            warehouse,
            id,
        };
        lake.write_config(&lake.glue_settings("testing", "testing"));
        Some(lake)
    }

    /// The catalog's Glue settings with these keys. `glue.id` names the test server's account,
    /// so every request carries the catalog id as it does for another account's catalog.
    fn glue_settings(&self, key: &str, secret: &str) -> String {
        format!(
            "    glue.endpoint: {}\n    glue.region: us-east-1\n    glue.id: \"123456789012\"\n    glue.access-key-id: {key}\n    glue.secret-access-key: {secret}\n",
            self.endpoint
        )
    }

    /// floe.yaml with one Glue catalog: `glue` settings as given, the warehouse and S3 access.
    fn write_config(&self, glue: &str) {
        std::fs::write(
            self.work.join("floe.yaml"),
            format!(
                "catalog:\n  lake:\n    type: glue\n{glue}    warehouse: {}\n    s3.endpoint: {}\n    s3.access-key-id: testing\n    s3.secret-access-key: testing\n    s3.region: us-east-1\n    s3.path-style-access: true\n",
                self.warehouse, self.endpoint
            ),
        )
        .unwrap();
    }

    /// A database name of this lake's.
    fn db(&self, name: &str) -> String {
        format!("{}_{name}", self.id)
    }

    fn py(&self, args: &[&str]) -> Value {
        py_script_json(
            &self.python,
            "glue_catalog.py",
            args,
            &["--endpoint", &self.endpoint, "--warehouse", &self.warehouse],
        )
    }

    /// Sample rows (PyIceberg's sample schema) as a local Parquet file.
    fn parquet(&self, start: i64, rows: i64) -> String {
        let path = self.work.join(format!("sample-{start}-{rows}.parquet"));
        self.py(&[
            "parquet",
            "--start",
            &start.to_string(),
            "--rows",
            &rows.to_string(),
            "--out",
            path.to_str().unwrap(),
        ]);
        path.to_string_lossy().to_string()
    }

    /// Object keys under an S3 prefix.
    fn keys(&self, prefix: &str) -> Vec<String> {
        strings(&self.py(&["keys", "--prefix", prefix])["keys"])
    }

    /// Every id of the table as floe's query returns them, sorted.
    fn floe_ids(&self, table: &str) -> Vec<i64> {
        let rows = self
            .floe
            .json(&["query", table, "--select", "id", "--order-by", "id"]);
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    }

    /// This lake's namespaces as `floe namespaces` lists them (other tests' are left out).
    fn namespaces(&self) -> (Vec<String>, Value) {
        let listed = self.floe.json(&["namespaces"]);
        let mine = strings(&listed["namespaces"])
            .into_iter()
            .filter(|n| n.starts_with(&self.id))
            .collect();
        (mine, listed["properties"].clone())
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn ints(value: &Value) -> Vec<i64> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

/// The sample schema's columns as Glue shows them (PyIceberg's and Java's type names).
const SAMPLE_COLUMNS: &[(&str, &str)] = &[
    ("id", "bigint"),
    ("name", "string"),
    ("region", "string"),
    ("ts", "timestamp"),
    ("amount", "decimal(10,2)"),
    ("flag", "boolean"),
    ("day", "date"),
    ("payload", "binary"),
    ("score", "double"),
];

fn glue_columns(glue_table: &Value) -> Vec<(String, String)> {
    glue_table["StorageDescriptor"]["Columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["Name"].as_str().unwrap().to_string(),
                c["Type"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn file_name(location: &str) -> &str {
    location.rsplit('/').next().unwrap()
}

/// PyIceberg creates and appends; floe describes, queries and ingests; PyIceberg reads floe's
/// rows; the Glue table is left as PyIceberg and Athena expect it.
#[test]
fn pyiceberg_tables_are_administered_in_place() {
    let Some(lake) = Lake::new() else {
        return;
    };
    let table = format!("{}.events", lake.db("py"));
    let created = lake.py(&["create", "--table", &table, "--rows", "20"]);
    let py_first = created["snapshot_ids"][0].as_i64().unwrap();
    let py_metadata = created["metadata_location"].as_str().unwrap().to_string();

    let described = lake.floe.json(&["describe", &table]);
    assert_eq!(described["totals"]["records"], 20);
    assert_eq!(
        described["current_snapshot"]["snapshot_id"].as_i64(),
        Some(py_first)
    );
    assert_eq!(described["metadata_location"].as_str(), Some(&*py_metadata));
    assert_eq!(described["location"], created["location"]);
    assert_eq!(lake.floe_ids(&table), (0..20).collect::<Vec<_>>());

    let parquet = lake.parquet(100, 10);
    let ingested = lake.floe.json(&["ingest", &table, &parquet]);
    assert_eq!(ingested["records_added"], 10);
    let read = lake.py(&["read", "--table", &table]);
    assert_eq!(read["snapshot_id"], ingested["snapshot_id"]);
    assert_eq!(
        ints(&read["ids"]),
        (0..20).chain(100..110).collect::<Vec<_>>()
    );

    // The Glue table after floe's commit: the pointers, the type, the columns Athena shows.
    let floe_metadata = read["metadata_location"].as_str().unwrap().to_string();
    assert!(
        file_name(&floe_metadata).starts_with("00002-"),
        "PyIceberg wrote 00000 and 00001, floe the next: {floe_metadata}"
    );
    let glue = lake.py(&["glue-table", "--table", &table]);
    let params = &glue["Parameters"];
    assert_eq!(params["table_type"], "ICEBERG");
    assert_eq!(params["metadata_location"].as_str(), Some(&*floe_metadata));
    assert_eq!(
        params["previous_metadata_location"].as_str(),
        Some(&*py_metadata)
    );
    assert_eq!(glue["TableType"], "EXTERNAL_TABLE");
    assert_eq!(glue["StorageDescriptor"]["Location"], created["location"]);
    let expected: Vec<(String, String)> = SAMPLE_COLUMNS
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    assert_eq!(glue_columns(&glue), expected);
    let id_column = &glue["StorageDescriptor"]["Columns"][0]["Parameters"];
    assert_eq!(id_column["iceberg.field.id"], "1");
    assert_eq!(id_column["iceberg.field.optional"], "false");
    assert_eq!(id_column["iceberg.field.current"], "true");

    // PyIceberg appends on top of floe's snapshot; floe sees all three.
    lake.py(&["append", "--table", &table, "--start", "200", "--rows", "5"]);
    let snapshots = lake.floe.json(&["snapshots", &table]);
    let list = snapshots["snapshots"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["snapshot_id"].as_i64(), Some(py_first));
    assert_eq!(list[1]["snapshot_id"], ingested["snapshot_id"]);
    assert_eq!(list[2]["parent_snapshot_id"], ingested["snapshot_id"]);
    assert_eq!(
        lake.floe_ids(&table),
        (0..20).chain(100..110).chain(200..205).collect::<Vec<_>>()
    );
    let tables = lake.floe.json(&["list", &lake.db("py")]);
    assert_eq!(
        tables["tables"][0]["identifier"].as_str(),
        Some(&*table),
        "{tables}"
    );
}

/// floe creates Glue tables where Java and PyIceberg would (`<warehouse>/<db>.db/<table>`, or
/// under the database's location), Glue tables PyIceberg appends to; table properties floe
/// sets show in Glue.
#[test]
fn floe_created_tables_are_written_by_pyiceberg() {
    let Some(lake) = Lake::new() else {
        return;
    };
    let db = lake.db("made");
    let table = format!("{db}.copy");
    let created = lake.floe.json(&[
        "namespaces",
        "--create",
        &db,
        "--property",
        "owner=data-eng",
    ]);
    assert_eq!(created["changes"][0]["action"], "created");
    let parquet = lake.parquet(0, 10);
    lake.floe.json(&[
        "create",
        &table,
        "--like",
        &parquet,
        "--partition-by",
        "region",
    ]);
    let location = format!("{}/{db}.db/copy", lake.warehouse);
    let described = lake.floe.json(&["describe", &table]);
    assert_eq!(described["location"].as_str(), Some(&*location));
    let first = described["metadata_location"].as_str().unwrap().to_string();
    assert!(
        first.starts_with(&format!("{location}/metadata/00000-"))
            && first.ends_with(".metadata.json"),
        "{first}"
    );
    let glue = lake.py(&["glue-table", "--table", &table]);
    assert_eq!(glue["Parameters"]["table_type"], "ICEBERG");
    assert_eq!(
        glue["Parameters"]["metadata_location"].as_str(),
        Some(&*first)
    );
    assert!(glue["Parameters"]["previous_metadata_location"].is_null());
    assert_eq!(
        glue["StorageDescriptor"]["Location"].as_str(),
        Some(&*location)
    );
    assert_eq!(
        glue_columns(&glue)
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        SAMPLE_COLUMNS.iter().map(|(n, _)| *n).collect::<Vec<_>>()
    );

    let ingested = lake.floe.json(&["ingest", &table, &parquet]);
    let read = lake.py(&["read", "--table", &table]);
    assert_eq!(ints(&read["ids"]), (0..10).collect::<Vec<_>>());
    assert_eq!(read["snapshot_id"], ingested["snapshot_id"]);
    lake.py(&["append", "--table", &table, "--start", "50", "--rows", "5"]);
    assert_eq!(
        lake.floe_ids(&table),
        (0..10).chain(50..55).collect::<Vec<_>>()
    );
    assert_eq!(
        lake.floe.json(&["snapshots", &table])["snapshots"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // A property floe sets is mirrored into the Glue parameters, the others kept.
    let before = lake.py(&["glue-table", "--table", &table]);
    lake.floe
        .json(&["properties", &table, "--set", "team=core"]);
    let after = lake.py(&["glue-table", "--table", &table]);
    assert_eq!(after["Parameters"]["team"], "core");
    assert_eq!(
        after["Parameters"]["previous_metadata_location"],
        before["Parameters"]["metadata_location"]
    );

    // A database with a location places its tables under it.
    let placed = lake.db("placed");
    let custom = format!("s3://{}/elsewhere-{}", lake.bucket, lake.id);
    lake.floe.json(&[
        "namespaces",
        "--create",
        &placed,
        "--property",
        &format!("location={custom}"),
    ]);
    lake.floe
        .json(&["create", &format!("{placed}.t"), "--like", &parquet]);
    let described = lake.floe.json(&["describe", &format!("{placed}.t")]);
    assert_eq!(
        described["location"].as_str(),
        Some(&*format!("{custom}/t"))
    );
    let (mine, properties) = lake.namespaces();
    assert_eq!(mine, [db.clone(), placed.clone()]);
    assert_eq!(properties[&db]["owner"], "data-eng");
    assert_eq!(properties[&placed]["location"].as_str(), Some(&*custom));
}

/// Namespaces with properties, drop (refused while not empty), rename (copy then delete, as
/// Glue has no rename), drop and register back, drop --purge.
#[test]
fn namespace_and_table_management() {
    let Some(lake) = Lake::new() else {
        return;
    };
    let (a, b) = (lake.db("a"), lake.db("b"));
    lake.floe.json(&[
        "namespaces",
        "--create",
        &a,
        "--create",
        &b,
        "--property",
        "owner=ops",
    ]);
    let (mine, properties) = lake.namespaces();
    assert_eq!(mine, [a.clone(), b.clone()]);
    assert_eq!(properties[&a]["owner"], "ops");
    let again = lake.floe.run(&["namespaces", "--create", &a]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains(&format!("namespace {a} already exists")),
        "{}",
        again.stderr
    );
    let nested = lake
        .floe
        .run(&["namespaces", "--create", &format!("{a}.sub")]);
    assert_eq!(nested.code, 1, "{}", nested.stderr);
    assert!(
        nested.stderr.contains("Glue databases are not nested"),
        "{}",
        nested.stderr
    );

    let parquet = lake.parquet(0, 4);
    let orders = format!("{a}.orders");
    lake.floe.json(&["create", &orders, "--like", &parquet]);
    lake.floe.json(&["ingest", &orders, &parquet]);
    let refused = lake.floe.run(&["namespaces", "--drop", &a]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains(&format!("namespace {a} is not empty: it holds {orders}")),
        "{}",
        refused.stderr
    );

    // Rename across databases: the new name serves the same table, the old one is gone.
    let moved = format!("{b}.orders");
    let before = lake.floe.json(&["describe", &orders]);
    let renamed = lake.floe.json(&["rename", &orders, &moved]);
    assert_eq!(renamed["to"].as_str(), Some(&*moved));
    assert_eq!(
        lake.floe.json(&["list", &a])["tables"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let after = lake.floe.json(&["describe", &moved]);
    assert_eq!(after["metadata_location"], before["metadata_location"]);
    assert_eq!(after["totals"]["records"], 4);
    assert_eq!(
        ints(&lake.py(&["read", "--table", &moved])["ids"]),
        [0, 1, 2, 3]
    );
    assert_eq!(lake.floe.run(&["describe", &orders]).code, 1);
    // Renaming onto an existing table is refused; both stay.
    lake.floe
        .json(&["create", &format!("{a}.taken"), "--like", &parquet]);
    let clash = lake.floe.run(&["rename", &moved, &format!("{a}.taken")]);
    assert_eq!(clash.code, 1, "{}", clash.stderr);
    assert!(clash.stderr.contains("already exists"), "{}", clash.stderr);
    assert_eq!(
        lake.floe.json(&["describe", &moved])["totals"]["records"],
        4
    );
    lake.floe.json(&["drop", &format!("{a}.taken")]);

    // Drop keeps the files; register brings the table back from its metadata file.
    let metadata = after["metadata_location"].as_str().unwrap().to_string();
    let location = after["location"].as_str().unwrap().to_string();
    let dropped = lake.floe.json(&["drop", &moved]);
    assert_eq!(dropped["purged"], false);
    assert_eq!(lake.floe.run(&["describe", &moved]).code, 1);
    let missing = lake.floe.run(&["drop", &moved]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("does not exist"),
        "{}",
        missing.stderr
    );
    let files = lake.keys(&location);
    assert!(files.contains(&metadata), "{files:?}");
    let back = format!("{b}.orders_back");
    let registered = lake.floe.json(&["register", &back, &metadata]);
    assert_eq!(registered["totals"]["records"], 4);
    let glue = lake.py(&["glue-table", "--table", &back]);
    assert_eq!(
        glue["Parameters"]["metadata_location"].as_str(),
        Some(&*metadata)
    );
    assert_eq!(
        ints(&lake.py(&["read", "--table", &back])["ids"]),
        [0, 1, 2, 3]
    );
    let not_metadata = lake.floe.run(&["register", &format!("{b}.bad"), &parquet]);
    assert_eq!(not_metadata.code, 1);
    assert!(
        not_metadata
            .stderr
            .contains("is not valid Iceberg table metadata"),
        "{}",
        not_metadata.stderr
    );

    // Purge deletes every file the table reached.
    let purged = lake.floe.json(&["drop", &back, "--purge"]);
    assert_eq!(purged["purged"], true);
    assert_eq!(purged["files_not_deleted"], 0);
    assert!(
        purged["files_deleted"].as_u64().unwrap() as usize >= files.len(),
        "{purged} vs {files:?}"
    );
    assert_eq!(lake.keys(&location), Vec::<String>::new());
    assert_eq!(
        lake.floe.json(&["list", &b])["tables"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    lake.floe.json(&["namespaces", "--drop", &a, "--drop", &b]);
    assert_eq!(lake.namespaces().0, Vec::<String>::new());
}

/// Several floe ingests in parallel with PyIceberg appends on one Glue table: every
/// acknowledged append is there once, the losers of each race having retried.
#[test]
fn concurrent_floe_and_pyiceberg_commits_lose_nothing() {
    let Some(lake) = Lake::new() else {
        return;
    };
    let table = format!("{}.shared", lake.db("race"));
    lake.py(&["create", "--table", &table, "--rows", "0"]);
    // Plenty of retries: four writers race for every commit.
    lake.py(&[
        "set-properties",
        "--table",
        &table,
        "--property",
        "commit.retry.num-retries=60",
        "--property",
        "commit.retry.min-wait-ms=20",
        "--property",
        "commit.retry.max-wait-ms=1000",
    ]);
    let inputs: Vec<String> = (0..3).map(|w| lake.parquet(1000 * (w + 1), 7)).collect();
    let floe_workers: Vec<_> = inputs
        .iter()
        .map(|input| {
            let floe = lake.floe.clone();
            let input = input.clone();
            let table = table.clone();
            std::thread::spawn(move || {
                (0..4)
                    .map(|_| {
                        let run = floe.run(&["ingest", &table, &input, "-o", "json"]);
                        assert_eq!(run.code, 0, "{}", run.stderr);
                        let report = run.json();
                        (
                            report["snapshot_id"].as_i64().unwrap(),
                            report["commit_attempts"].as_u64().unwrap(),
                        )
                    })
                    .collect::<Vec<(i64, u64)>>()
            })
        })
        .collect();
    let py = lake.py(&[
        "append", "--table", &table, "--start", "5000", "--rows", "3", "--times", "5",
    ]);
    let floe_commits: Vec<(i64, u64)> = floe_workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let mut acknowledged: Vec<i64> = floe_commits.iter().map(|(id, _)| *id).collect();
    acknowledged.extend(ints(&py["snapshot_ids"]));
    assert_eq!(acknowledged.len(), 3 * 4 + 5);

    let snapshots = lake.floe.json(&["snapshots", &table]);
    let listed: std::collections::BTreeSet<i64> = snapshots["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["snapshot_id"].as_i64().unwrap())
        .collect();
    for id in &acknowledged {
        assert!(listed.contains(id), "acknowledged snapshot {id} is missing");
    }
    assert_eq!(listed.len(), acknowledged.len(), "no extra snapshots");
    let ids = lake.floe_ids(&table);
    assert_eq!(ids.len(), 3 * 4 * 7 + 5 * 3);
    let mut distinct = ids.clone();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        3 * 7 + 5 * 3,
        "every floe input 4 times, every PyIceberg batch once"
    );
    // PyIceberg reads the same table.
    let read = lake.py(&["read", "--table", &table]);
    assert_eq!(ints(&read["ids"]).len(), ids.len());
    assert_eq!(
        ints(&read["snapshot_ids"])
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>(),
        listed
    );
    // PyIceberg retries inside its commit (commit.retry.*), unseen; floe reports its attempts.
    let floe_retries: u64 = floe_commits.iter().map(|(_, n)| n - 1).sum();
    assert!(
        floe_retries > 0,
        "the writers never raced, so this proves nothing"
    );
}

/// A Glue table that is not an Iceberg table (a Hive/Parquet table, as a crawler or Athena
/// makes it) is refused clearly, never listed, changed or dropped; unknown databases and
/// tables are not found (exit 1).
#[test]
fn non_iceberg_and_missing_tables_are_refused() {
    let Some(lake) = Lake::new() else {
        return;
    };
    let db = lake.db("mixed");
    let hive = format!("{db}.clicks");
    lake.py(&["hive-table", "--table", &hive]);
    let parquet = lake.parquet(0, 3);
    lake.floe
        .json(&["create", &format!("{db}.events"), "--like", &parquet]);
    let listed = lake.floe.json(&["list", &db]);
    assert_eq!(
        listed["tables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["events"],
        "only Iceberg tables are listed"
    );
    for args in [
        vec!["describe", hive.as_str()],
        vec!["ingest", hive.as_str(), parquet.as_str()],
        vec!["drop", hive.as_str()],
        vec!["rename", hive.as_str(), &format!("{db}.renamed")],
    ] {
        let run = lake.floe.run(&args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "{hive} in Glue catalog 'lake' is not an Iceberg table (its table_type is"
            )) || run.stderr.contains("no table_type"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let glue = lake.py(&["glue-table", "--table", &hive]);
    assert_eq!(glue["Parameters"]["classification"], "parquet");
    assert_eq!(glue["VersionId"], "1", "nothing changed the Hive table");
    // Its database holds it, so it is not dropped (Glue would drop its tables with it).
    lake.floe.json(&["drop", &format!("{db}.events")]);
    let refused = lake.floe.run(&["namespaces", "--drop", &db, "-o", "json"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("clicks"), "{}", refused.stderr);

    // Unknown database and table.
    let nowhere = lake.db("nowhere");
    let run = lake.floe.run(&["list", &nowhere, "-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json_error()["error"]["kind"], "not_found");
    let run = lake
        .floe
        .run(&["describe", &format!("{nowhere}.t"), "-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json_error()["error"]["kind"], "not_found");
    let run = lake.floe.run(&["describe", &format!("{db}.missing")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "table {db}.missing does not exist in Glue catalog 'lake'"
        )),
        "{}",
        run.stderr
    );
    let run = lake
        .floe
        .run(&["create", &format!("{nowhere}.t"), "--like", &parquet]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("namespace {nowhere} does not exist")),
        "{}",
        run.stderr
    );
}

/// Credentials AWS refuses or that lack permissions, no credentials, no region, an endpoint
/// nobody listens on: configuration errors (exit 2) that say what to fix, never a secret.
#[test]
fn credential_region_and_endpoint_problems_are_config_errors() {
    let Some(lake) = Lake::new() else {
        return;
    };
    let secret = "sekrit-value-never-printed";
    let run_list = |lake: &Lake| {
        let out = lake
            .floe
            .command(&["list", "-o", "json"])
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env("AWS_CONFIG_FILE", lake.work.join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                lake.work.join("no-aws-credentials"),
            )
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    };
    let expect = |run: &Run, says: &str| {
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert_eq!(
            run.json_error()["error"]["kind"],
            "config",
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(says), "{}", run.stderr);
        assert!(!run.stderr.contains(secret), "{}", run.stderr);
        assert!(run.stderr.contains("hint"), "{}", run.stderr);
    };

    lake.write_config(&lake.glue_settings("refused", secret));
    expect(&run_list(&lake), "AWS refused the credentials");
    lake.write_config(&lake.glue_settings("denied", secret));
    expect(&run_list(&lake), "AWS Glue denied the request");

    // Neither keys in the config nor in the environment, nor a profile.
    lake.write_config(&format!(
        "    glue.endpoint: {}\n    glue.region: us-east-1\n",
        lake.endpoint
    ));
    expect(&run_list(&lake), "no AWS credentials");

    lake.write_config(&format!(
        "    glue.endpoint: {}\n    glue.access-key-id: testing\n    glue.secret-access-key: {secret}\n",
        lake.endpoint
    ));
    expect(&run_list(&lake), "has no AWS region");

    lake.write_config(&format!(
        "    glue.endpoint: http://127.0.0.1:9\n    glue.region: us-east-1\n    glue.access-key-id: testing\n    glue.secret-access-key: {secret}\n"
    ));
    let started = std::time::Instant::now();
    expect(
        &run_list(&lake),
        "cannot reach AWS Glue at http://127.0.0.1:9",
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));

    // A region no endpoint can be made for.
    lake.write_config(&format!(
        "    glue.region: 'not a region'\n    glue.access-key-id: testing\n    glue.secret-access-key: {secret}\n"
    ));
    expect(&run_list(&lake), "must be a valid host label");

    lake.write_config("    glue.access-key-id: half-a-pair\n");
    expect(&run_list(&lake), "no secret access key");
}

/// UpdateTable failing with an unknown outcome (the test server's `lost-answer` key applies the
/// update, then answers 500; `busy` answers every other one with 500 without applying it):
/// floe reads the Glue table back and learns its commit landed, or sends it again; every
/// commit lands exactly once, with exactly one metadata file.
#[test]
fn uncertain_commits_are_decided_by_reading_back() {
    let Some(lake) = Lake::new() else {
        return;
    };
    let db = lake.db("uncertain");
    let table = format!("{db}.t");
    let parquet = lake.parquet(0, 5);
    lake.floe.json(&["namespaces", "--create", &db]);
    lake.floe.json(&["create", &table, "--like", &parquet]);
    let location = lake.floe.json(&["describe", &table])["location"]
        .as_str()
        .unwrap()
        .to_string();
    let metadata_files = || {
        lake.keys(&format!("{location}/metadata/"))
            .into_iter()
            .filter(|k| k.ends_with(".metadata.json"))
            .count()
    };

    let version = || -> i64 {
        lake.py(&["glue-table", "--table", &table])["VersionId"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    // Every UpdateTable answers 500 with `lost-answer`: the ingest succeeds only by reading back.
    for (key, commits) in [("lost-answer", 1), ("busy", 2)] {
        let before = version();
        lake.write_config(&lake.glue_settings(key, "testing"));
        let ingested = lake.floe.json(&["ingest", &table, &parquet]);
        let described = lake.floe.json(&["describe", &table]);
        assert_eq!(
            described["current_snapshot"]["snapshot_id"], ingested["snapshot_id"],
            "{key}"
        );
        assert_eq!(described["snapshot_count"], commits, "{key}");
        assert_eq!(
            metadata_files(),
            1 + commits,
            "{key}: one metadata file per commit"
        );
        let glue = lake.py(&["glue-table", "--table", &table]);
        assert_eq!(
            glue["Parameters"]["metadata_location"], described["metadata_location"],
            "{key}"
        );
        assert_eq!(
            version(),
            before + 1,
            "{key}: exactly one UpdateTable applied"
        );
    }
    assert_eq!(lake.floe_ids(&table).len(), 10);
    let read = lake.py(&["read", "--table", &table]);
    assert_eq!(ints(&read["ids"]).len(), 10);
}
