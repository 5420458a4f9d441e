//! `--engine spark`: floe's maintenance commands run as Apache Iceberg's Spark procedures
//! through spark-sql (pyspark 3.5's, local mode, Iceberg 1.10's runtime), with floe reading the
//! table before and after. Each spark-sql start costs seconds, so one test makes all the Spark
//! runs in turn; the option mapping and refusals are checked without Spark (dry runs print the
//! statement that would run).

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use common::spark::spark_sql_launcher as spark_submit;
use common::*;
use serde_json::Value;

/// The table's rows as floe reads them, sorted by id.
fn rows(floe: &Floe, table: &str) -> Vec<Value> {
    let mut rows = floe.json(&["query", table]).as_array().unwrap().clone();
    rows.sort_by_key(|r| r["id"].as_i64().unwrap());
    rows
}

fn current_snapshot(floe: &Floe, table: &str) -> i64 {
    floe.json(&["describe", table])["current_snapshot"]["snapshot_id"]
        .as_i64()
        .unwrap()
}

/// (data files, delete files) of the current snapshot, as `floe files` lists them.
fn live_files(floe: &Floe, table: &str) -> (usize, usize) {
    let files = floe.json(&["files", table]);
    let files = files["files"].as_array().unwrap();
    let data = files.iter().filter(|f| f["content"] == "data").count();
    (data, files.len() - data)
}

fn ingest_files(floe: &Floe, table: &str, dir: &Path, first_id: i64, files: usize) {
    for i in 0..files {
        let path = dir.join(format!("in-{table}-{first_id}-{i}.parquet").replace('/', "_"));
        write_parquet(&path, &[events_batch(first_id + 50 * i as i64, 50)]);
        floe.json(&["ingest", table, path.to_str().unwrap()]);
    }
}

fn statement(report: &Value) -> String {
    report["spark"]["statement"].as_str().unwrap().to_string()
}

#[test]
fn spark_options_are_mapped_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let input = dir.path().join("p.parquet");
    write_parquet(&input, &[events_batch(0, 20)]);
    floe.json(&["create", "db.t", "--like", input.to_str().unwrap()]);
    floe.json(&["ingest", "db.t", input.to_str().unwrap()]);
    let before = current_snapshot(&floe, "db.t");
    // No Spark runs for a dry run of a procedure without one: the launcher need not exist.
    let absent = "/nonexistent/spark-sql --master local[1]";

    let report = floe.json(&[
        "compact",
        "db.t",
        "--engine",
        "spark",
        "--spark-submit",
        absent,
        "--dry-run",
        "--strategy",
        "sort",
        "--sort-by",
        "id desc, region",
        "--target-file-size",
        "128MiB",
        "--min-file-size",
        "1MiB",
        "--max-file-size",
        "256MiB",
        "--max-file-group-size",
        "10GiB",
        "--min-input-files",
        "3",
        "--rewrite-all",
        "--max-commits",
        "4",
        "--max-concurrent-groups",
        "2",
        "--where",
        "region = 'eu'",
    ]);
    assert_eq!(report["engine"], "spark");
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["spark"]["ran"], false);
    assert_eq!(report["target_file_size_bytes"], 128 * 1024 * 1024);
    assert_eq!(
        statement(&report),
        "CALL `default`.system.rewrite_data_files(table => '`db`.`t`', strategy => 'sort', \
         sort_order => 'id DESC NULLS LAST, region ASC NULLS FIRST', options => map(\
         'target-file-size-bytes', '134217728', 'min-file-size-bytes', '1048576', \
         'max-file-size-bytes', '268435456', 'max-file-group-size-bytes', '10737418240', \
         'min-input-files', '3', 'rewrite-all', 'true', 'partial-progress.enabled', 'true', \
         'partial-progress.max-commits', '4', 'max-concurrent-file-group-rewrites', '2'), \
         where => 'region = \\'eu\\'')"
    );
    assert_eq!(
        report["spark"]["launcher"],
        serde_json::json!(["/nonexistent/spark-sql", "--master", "local[1]"])
    );
    let conf = &report["spark"]["conf"];
    let warehouse = std::fs::canonicalize(dir.path()).unwrap().join("warehouse");
    assert_eq!(conf["spark.sql.catalog.default.type"], "hadoop");
    assert_eq!(
        conf["spark.sql.catalog.default.warehouse"],
        warehouse.to_str().unwrap()
    );
    assert_eq!(
        conf["spark.sql.extensions"],
        "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
    );
    assert_eq!(report["spark"]["before"]["data_files"], 1);
    assert_eq!(report["spark"]["before"]["records"], 20);

    let zorder = floe.json(&[
        "compact",
        "db.t",
        "--engine",
        "spark",
        "--dry-run",
        "--strategy",
        "zorder",
        "--zorder-by",
        "id,region",
    ]);
    assert!(
        statement(&zorder).contains("strategy => 'sort', sort_order => 'zorder(id,region)'"),
        "{}",
        statement(&zorder)
    );

    // A table named by its location: Spark's hadoop catalog two levels above it.
    let location = warehouse.join("db/t");
    let by_location = floe.json(&[
        "compact",
        location.to_str().unwrap(),
        "--engine",
        "spark",
        "--dry-run",
    ]);
    assert!(statement(&by_location)
        .starts_with("CALL `floe_location`.system.rewrite_data_files(table => '`db`.`t`'"));
    assert_eq!(
        by_location["spark"]["conf"]["spark.sql.catalog.floe_location.warehouse"],
        warehouse.to_str().unwrap()
    );

    let expire = floe.json(&[
        "expire",
        "db.t",
        "--engine",
        "spark",
        "--dry-run",
        "--older-than",
        "2024-01-01T00:00:00Z",
        "--retain-last",
        "2",
    ]);
    assert_eq!(
        statement(&expire),
        "CALL `default`.system.expire_snapshots(table => '`db`.`t`', older_than => \
         TIMESTAMP '2024-01-01 00:00:00.000Z', retain_last => 2)"
    );
    assert_eq!(expire["expired_snapshot_ids"], serde_json::json!([]));

    // Options Spark cannot honour: exit 2, naming the option and why.
    let before_text = before.to_string();
    let refused: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["compact", "db.t", "--max-bytes", "1GiB"],
            "--max-bytes",
        ),
        (
            vec!["compact", "db.t", "--max-runtime", "60"],
            "--max-runtime",
        ),
        (
            vec![
                "compact",
                "db.t",
                "--strategy",
                "sort",
                "--sort-by",
                "bucket(4, id)",
            ],
            "transform",
        ),
        (vec!["expire", "db.t", "--keep-files"], "--keep-files"),
        (vec!["expire", "db.t", "--metadata"], "--metadata"),
        (
            vec!["expire", "db.t", "--snapshot", &before_text],
            "--snapshot without --older-than",
        ),
        (
            vec!["remove-orphans", "db.t", "--older-than", "2h", "--force"],
            "under 24 hours",
        ),
    ];
    for (args, named) in refused {
        let mut all = args.clone();
        all.extend(["--engine", "spark", "--spark-submit", absent, "-o", "json"]);
        let run = floe.run(&all);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        let error = run.json_error();
        assert_eq!(error["error"]["kind"], "usage", "{args:?}");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains(named), "{args:?}: {message}");
        assert!(message.contains("--engine spark"), "{args:?}: {message}");
    }
    let floe_engine = floe.run(&["compact", "db.t", "--spark-submit", "spark-sql"]);
    assert_eq!(floe_engine.code, 2, "{}", floe_engine.stderr);
    assert!(floe_engine
        .stderr
        .contains("--spark-submit needs --engine spark"));
    // A launcher that is not there is a configuration error, before anything runs.
    let missing = floe.run(&[
        "rewrite-manifests",
        "db.t",
        "--engine",
        "spark",
        "--spark-submit",
        absent,
    ]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("/nonexistent/spark-sql"),
        "{}",
        missing.stderr
    );
    assert_eq!(current_snapshot(&floe, "db.t"), before);
}

#[test]
fn spark_runs_the_four_procedures_and_maintain() {
    let Some(python) = python() else { return };
    let submit = spark_submit(&python);
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path()).with_env("SPARK_LOCAL_IP", "127.0.0.1");
    let spark = |args: &[&str]| -> Value {
        let mut all = args.to_vec();
        all.extend(["--engine", "spark", "--spark-submit", &submit]);
        floe.json(&all)
    };
    let first = dir.path().join("first.parquet");
    write_parquet(&first, &[events_batch(0, 50)]);
    floe.json(&[
        "create",
        "db.events",
        "--like",
        first.to_str().unwrap(),
        "--partition-by",
        "region",
    ]);
    ingest_files(&floe, "db.events", dir.path(), 0, 6);
    let table_dir = dir.path().join("warehouse/db/events");
    let expected = rows(&floe, "db.events");
    assert_eq!(expected.len(), 300);
    let pyiceberg_rows = pyiceberg_read(&python, table_dir.to_str().unwrap(), None)["rows"].clone();
    assert_eq!(live_files(&floe, "db.events"), (18, 0));

    // A failing job (a column that does not exist) leaves the table as it was: exit 1, with
    // Spark's own words.
    let before = current_snapshot(&floe, "db.events");
    let failed = floe.run(&[
        "compact",
        "db.events",
        "--engine",
        "spark",
        "--spark-submit",
        &submit,
        "--where",
        "no_such_column = 1",
    ]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(
        failed.stderr.contains("the Spark job failed (exit 1)")
            && failed.stderr.contains("no_such_column"),
        "{}",
        failed.stderr
    );
    assert!(
        failed
            .stderr
            .contains(&format!("unchanged (current snapshot {before})")),
        "{}",
        failed.stderr
    );
    assert_eq!(current_snapshot(&floe, "db.events"), before);
    assert_eq!(
        floe.json(&["snapshots", "db.events"])["snapshots"]
            .as_array()
            .unwrap()
            .len(),
        6
    );

    // compact → rewrite_data_files: 18 files (6 per region) into 3.
    let compacted = spark(&["compact", "db.events", "--min-input-files", "2"]);
    assert_eq!(compacted["engine"], "spark");
    assert_eq!(compacted["files_rewritten"], 18);
    assert_eq!(compacted["files_written"], 3);
    assert_eq!(compacted["starting_snapshot_id"], before);
    let run = &compacted["spark"];
    assert_eq!(run["ran"], true);
    assert_eq!(run["procedure"], "rewrite_data_files");
    assert_eq!(run["output"]["columns"][0], "rewritten_data_files_count");
    assert_eq!(run["output"]["rows"][0][0], "18");
    assert_eq!(run["output"]["rows"][0][1], "3");
    assert_eq!(run["before"]["data_files"], 18);
    assert_eq!(run["after"]["data_files"], 3);
    assert_eq!(run["removed"]["data_files"], 18);
    assert_eq!(run["added"]["data_files"], 3);
    assert_eq!(run["added"]["records"], 300);
    assert_eq!(compacted["bytes_written"], run["added"]["bytes"]);
    let now = current_snapshot(&floe, "db.events");
    assert_eq!(compacted["snapshot_ids"], serde_json::json!([now]));
    assert_eq!(run["verify"]["snapshot_id"], now);
    assert_eq!(run["verify"]["ok"], true);
    assert_eq!(live_files(&floe, "db.events"), (3, 0));
    assert_eq!(rows(&floe, "db.events"), expected);
    let read = pyiceberg_read(&python, table_dir.to_str().unwrap(), None);
    assert_eq!(read["snapshot_id"], now);
    assert_eq!(read["rows"], pyiceberg_rows);
    assert_eq!(read["files"].as_array().unwrap().len(), 3);

    // rewrite-manifests → rewrite_manifests, after appends that each add a manifest.
    ingest_files(&floe, "db.events", dir.path(), 300, 2);
    let expected = rows(&floe, "db.events");
    let manifests_before = floe.json(&["manifests", "db.events"])["manifests"]
        .as_array()
        .unwrap()
        .len();
    assert!(manifests_before >= 3, "{manifests_before} manifests");
    let rewritten = spark(&["rewrite-manifests", "db.events"]);
    assert_eq!(rewritten["engine"], "spark");
    assert_eq!(rewritten["manifests_before"], manifests_before);
    let manifests_after = floe.json(&["manifests", "db.events"])["manifests"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(rewritten["manifests_after"], manifests_after);
    assert!(manifests_after < manifests_before);
    let now = current_snapshot(&floe, "db.events");
    assert_eq!(rewritten["snapshot_id"], now);
    assert_eq!(
        rewritten["spark"]["output"]["columns"][0],
        "rewritten_manifests_count"
    );
    assert_eq!(
        rewritten["spark"]["output"]["rows"][0][0],
        manifests_before.to_string()
    );
    assert_eq!(rewritten["spark"]["verify"]["ok"], true);
    assert_eq!(rows(&floe, "db.events"), expected);

    // expire → expire_snapshots: every snapshot but the current one, and the 18 data files
    // only the old snapshots reached.
    let snapshots: Vec<i64> = floe.json(&["snapshots", "db.events"])["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["snapshot_id"].as_i64().unwrap())
        .filter(|id| *id != now)
        .collect();
    let expired = spark(&[
        "expire",
        "db.events",
        "--older-than",
        "0s",
        "--retain-last",
        "1",
    ]);
    assert_eq!(expired["engine"], "spark");
    let mut wanted = snapshots.clone();
    wanted.sort();
    assert_eq!(sorted_i64s(&expired["expired_snapshot_ids"]), wanted);
    assert_eq!(expired["snapshots_left"], 1);
    let data = expired["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "data")
        .unwrap();
    assert_eq!(data["files"], 18);
    assert_eq!(expired["spark"]["output"]["rows"][0][0], "18");
    assert_eq!(current_snapshot(&floe, "db.events"), now);
    assert_eq!(
        data_files(&table_dir).len(),
        live_files(&floe, "db.events").0
    );
    assert_eq!(rows(&floe, "db.events"), expected);
    assert_eq!(
        pyiceberg_read(&python, table_dir.to_str().unwrap(), None)["row_count"],
        400
    );

    // remove-orphans → remove_orphan_files: an old file nothing reaches goes; a young one stays.
    let orphan = table_dir.join("data/region=eu/left-behind.parquet");
    std::fs::copy(&first, &orphan).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&orphan)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(5 * 86_400))
        .unwrap();
    let young = table_dir.join("data/region=eu/in-flight.parquet");
    std::fs::copy(&first, &young).unwrap();
    let removed = spark(&["remove-orphans", "db.events"]);
    assert_eq!(removed["engine"], "spark");
    assert_eq!(removed["files"], 1, "{removed:#}");
    let location = removed["orphans"][0]["location"].as_str().unwrap();
    assert!(
        location.ends_with("/data/region=eu/left-behind.parquet"),
        "{location}"
    );
    assert!(!orphan.exists());
    assert!(young.exists());
    assert_eq!(current_snapshot(&floe, "db.events"), now);
    assert_eq!(rows(&floe, "db.events"), expected);

    // maintain: the engine setting sends one table to Spark and leaves the other with floe;
    // the launcher comes from the config file. The Spark table is named by its location.
    std::fs::write(
        dir.path().join("floe.yaml"),
        format!(
            "catalog:\n  default:\n    type: directory\n    warehouse: ./warehouse\nengine:\n  spark:\n    submit: \"{}\"\n",
            submit.replace('\\', "\\\\").replace('"', "\\\"")
        ),
    )
    .unwrap();
    let logs = dir.path().join("lake/ns/logs");
    let logs = logs.to_str().unwrap();
    floe.json(&["create", logs, "--like", first.to_str().unwrap()]);
    ingest_files(&floe, logs, dir.path(), 1000, 6);
    let logs_rows = rows(&floe, logs);
    for (table, engine) in [(logs, "auto"), ("db.events", "auto")] {
        floe.json(&[
            "properties",
            table,
            "--set",
            &format!("floe.maintain.engine={engine}"),
            "--set",
            "floe.maintain.steps=compact",
        ]);
    }
    floe.json(&[
        "properties",
        logs,
        "--set",
        "floe.maintain.spark.min-table-size=1KiB",
    ]);
    // One run gives both renderings: CSV on stdout, the JSON report in a file.
    let report_path = dir.path().join("maintain.json");
    let csv = floe
        .run(&[
            "maintain",
            logs,
            "db.events",
            "--report",
            report_path.to_str().unwrap(),
            "-o",
            "csv",
        ])
        .ok()
        .stdout;
    let maintained: Value = serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    assert_eq!(maintained["exit_code"], 0, "{maintained:#}");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("table,outcome,step,status,reclaimed,seconds,error,engine")
    );
    let engines: Vec<(String, String)> = lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (cells[0].to_string(), cells[7].to_string())
        })
        .collect();
    assert!(
        engines.contains(&(logs.to_string(), "spark".into()))
            && engines.contains(&("db.events".into(), "floe".into())),
        "{csv}"
    );
    let compact_step = |table: &str| -> Value {
        let record = maintained["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == table)
            .unwrap_or_else(|| panic!("{table} not in {maintained:#}"));
        assert_eq!(record["outcome"], "done", "{record:#}");
        record["steps"][0].clone()
    };
    let on_spark = compact_step(logs);
    assert_eq!(on_spark["step"], "compact");
    assert_eq!(on_spark["engine"], "spark");
    assert_eq!(on_spark["status"], "done", "{on_spark:#}");
    assert_eq!(on_spark["rows_rewritten"], 300);
    assert_eq!(on_spark["report"]["engine"], "spark");
    assert_eq!(on_spark["report"]["files_rewritten"], 6);
    assert_eq!(on_spark["report"]["spark"]["verify"]["ok"], true);
    let on_floe = compact_step("db.events");
    assert_eq!(on_floe["engine"], "floe");
    assert_eq!(on_floe["report"]["engine"], "floe");
    assert_eq!(live_files(&floe, logs), (1, 0));
    assert_eq!(rows(&floe, logs), logs_rows);
    let read = pyiceberg_read(&python, logs, None);
    assert_eq!(read["row_count"], 300);
    assert_eq!(read["files"].as_array().unwrap().len(), 1);
}

/// Debian's SQLite JDBC driver (libxerial-sqlite-jdbc-java), for Spark's `jdbc` catalog.
const SQLITE_JDBC: &str = "/usr/share/java/sqlite-jdbc.jar";

#[test]
fn spark_compacts_a_sql_catalog_table_through_jdbc() {
    let Some(python) = python() else { return };
    if !Path::new(SQLITE_JDBC).is_file() {
        assert!(
            !require_all(),
            "{SQLITE_JDBC} is required (FLOE_TEST_REQUIRE_ALL=1)"
        );
        eprintln!("skipping: no {SQLITE_JDBC} (Debian: libxerial-sqlite-jdbc-java)");
        return;
    }
    let submit = spark_submit(&python).replacen(" --jars ", &format!(" --jars {SQLITE_JDBC},"), 1);
    let dir = tempfile::tempdir().unwrap();
    // The catalog database by a relative path: Spark gets it as an absolute JDBC URL.
    std::fs::write(
        dir.path().join("floe.yaml"),
        "catalog:\n  lake:\n    type: sql\n    uri: sqlite:///catalog.db\n    warehouse: ./wh\n",
    )
    .unwrap();
    let floe = Floe::new(dir.path()).with_env("SPARK_LOCAL_IP", "127.0.0.1");
    let first = dir.path().join("first.parquet");
    write_parquet(&first, &[events_batch(0, 50)]);
    floe.json(&["create", "db.events", "--like", first.to_str().unwrap()]);
    ingest_files(&floe, "db.events", dir.path(), 0, 3);
    let expected = rows(&floe, "db.events");
    let before = current_snapshot(&floe, "db.events");
    let compacted = floe.json(&[
        "compact",
        "db.events",
        "--min-input-files",
        "2",
        "--engine",
        "spark",
        "--spark-submit",
        &submit,
    ]);
    let conf = &compacted["spark"]["conf"];
    assert_eq!(conf["spark.sql.catalog.lake.type"], "jdbc");
    let database = std::fs::canonicalize(dir.path())
        .unwrap()
        .join("catalog.db");
    assert_eq!(
        conf["spark.sql.catalog.lake.uri"],
        format!("jdbc:sqlite:{}", database.display())
    );
    assert_eq!(compacted["files_rewritten"], 3);
    assert_eq!(compacted["files_written"], 1);
    assert_eq!(compacted["starting_snapshot_id"], before);
    // Spark committed through the same catalog row floe reads.
    let now = current_snapshot(&floe, "db.events");
    assert_ne!(now, before);
    assert_eq!(compacted["snapshot_ids"], serde_json::json!([now]));
    assert_eq!(compacted["spark"]["verify"]["ok"], true);
    assert_eq!(live_files(&floe, "db.events"), (1, 0));
    assert_eq!(rows(&floe, "db.events"), expected);
    let metadata = floe.json(&["describe", "db.events"])["metadata_location"]
        .as_str()
        .unwrap()
        .to_string();
    let read = pyiceberg_read(&python, &metadata, None);
    assert_eq!(read["row_count"], 150);
    assert_eq!(read["snapshot_id"], now);
}

/// Merging position deletes has no Spark mapping: under `floe.maintain.engine=spark` that step
/// still runs on floe (the launcher is never started, so it need not exist) and says so.
#[test]
fn maintain_merges_position_deletes_on_floe_under_a_spark_policy() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let input = dir.path().join("p.parquet");
    write_parquet(&input, &[events_batch(0, 20)]);
    floe.json(&["create", "db.t", "--like", input.to_str().unwrap()]);
    floe.json(&["ingest", "db.t", input.to_str().unwrap()]);
    for id in [1, 2] {
        floe.json(&[
            "delete",
            "db.t",
            "--where",
            &format!("id = {id}"),
            "--mode",
            "merge-on-read",
        ]);
    }
    floe.json(&[
        "properties",
        "db.t",
        "--set",
        "floe.maintain.engine=spark",
        "--set",
        "floe.maintain.steps=rewrite-position-deletes",
        "--set",
        "floe.maintain.rewrite-position-deletes.min-files=2",
    ]);
    let report = floe.json(&[
        "maintain",
        "db.t",
        "--spark-submit",
        "/nonexistent/spark-sql --master local[1]",
    ]);
    let step = report["tables"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "rewrite-position-deletes")
        .unwrap_or_else(|| panic!("no rewrite-position-deletes step: {report}"));
    assert_eq!(step["engine"], "floe", "{report}");
    assert_eq!(step["status"], "done", "{report}");
    assert_eq!(
        step["report"]["position_delete_files_before"], 2,
        "{report}"
    );
    assert_eq!(step["report"]["position_delete_files_after"], 1, "{report}");
    assert_eq!(rows(&floe, "db.t").len(), 18);
}

/// A stand-in launcher that records what it was started with (its arguments, and the
/// properties file it was handed with that file's mode), then fails the way a job with a bad
/// credential does: by printing the credential back.
fn recording_launcher(dir: &Path) -> (String, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let record = dir.join("record");
    let script = dir.join("fake-spark-sql");
    std::fs::write(
        &script,
        format!(
            r#"#!/bin/sh
printf '%s\n' "$@" > {record}.argv
prev=""
for a in "$@"; do
  if [ "$prev" = "--properties-file" ]; then
    cp "$a" {record}.props
    stat -c %a "$a" > {record}.mode
    printf '%s' "$a" > {record}.path
  fi
  prev="$a"
done
grep -h secret {record}.props >&2
echo "org.apache.hadoop.fs.s3a.AWSBadRequestException: rejected" >&2
exit 1
"#,
            record = record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script.to_string_lossy().to_string(), record)
}

/// Credentials reach Spark in a file only the user can read, never as arguments any local
/// user sees with `ps`, and never in what floe prints (Spark's own output included).
#[test]
fn spark_credentials_stay_off_the_command_line_and_out_of_floes_output() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "Zq8secretKEYvalue42";
    let conf_dir = dir.path().join("spark-conf");
    std::fs::create_dir_all(&conf_dir).unwrap();
    std::fs::write(
        conf_dir.join("spark-defaults.conf"),
        "spark.master local[3]\n",
    )
    .unwrap();
    let (launcher, record) = recording_launcher(dir.path());
    std::fs::write(
        dir.path().join("floe.yaml"),
        format!(
            "engine:\n  spark:\n    submit: {launcher} --master 'local[1]'\n    conf:\n      spark.hadoop.fs.s3a.secret.key: {secret}\n      spark.driver.memory: 1g\n"
        ),
    )
    .unwrap();
    let floe = Floe::new(dir.path()).with_env("SPARK_CONF_DIR", &conf_dir.to_string_lossy());
    let input = dir.path().join("p.parquet");
    write_parquet(&input, &[events_batch(0, 20)]);
    floe.json(&["create", "db.t", "--like", input.to_str().unwrap()]);
    floe.json(&["ingest", "db.t", input.to_str().unwrap()]);
    let before = current_snapshot(&floe, "db.t");

    let run = floe.run(&[
        "rewrite-manifests",
        "db.t",
        "--engine",
        "spark",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains(secret), "{}", run.stderr);
    assert!(!run.stdout.contains(secret), "{}", run.stdout);
    assert!(
        run.stderr.contains("AWSBadRequestException"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("spark.hadoop.fs.s3a.secret.key=***"),
        "Spark's echo of the setting is shown redacted: {}",
        run.stderr
    );
    assert_eq!(current_snapshot(&floe, "db.t"), before);

    let argv = std::fs::read_to_string(record.with_extension("argv")).unwrap();
    assert!(!argv.contains(secret), "{argv}");
    assert!(argv.contains("spark.driver.memory=1g"), "{argv}");
    assert!(argv.contains("--properties-file"), "{argv}");
    let props = std::fs::read_to_string(record.with_extension("props")).unwrap();
    assert!(props.starts_with("spark.master local[3]\n"), "{props}");
    assert!(
        props.contains(&format!("spark.hadoop.fs.s3a.secret.key={secret}\n")),
        "{props}"
    );
    assert_eq!(
        std::fs::read_to_string(record.with_extension("mode"))
            .unwrap()
            .trim(),
        "600"
    );
    let used = std::fs::read_to_string(record.with_extension("path")).unwrap();
    assert!(
        !Path::new(&used).exists(),
        "{used} is removed after the run"
    );
}

/// Spark's HadoopCatalog commits by check-then-rename, which object storage does not make
/// atomic: on an S3 warehouse that could overwrite a concurrent floe commit, so it is refused
/// unless asked for.
#[test]
fn spark_on_a_directory_warehouse_on_object_storage_is_refused_unless_allowed() {
    let Some(s3) = s3() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let warehouse = s3.prefix("spark-unsafe");
    let config = s3.config(dir.path(), &warehouse);
    let floe = Floe::new(dir.path()).with_env("FLOE_CONFIG", &config.to_string_lossy());
    let input = dir.path().join("p.parquet");
    write_parquet(&input, &[events_batch(0, 20)]);
    floe.json(&["create", "db.t", "--like", input.to_str().unwrap()]);
    floe.json(&["ingest", "db.t", input.to_str().unwrap()]);
    let (launcher, record) = recording_launcher(dir.path());
    for args in [
        vec![
            "compact",
            "db.t",
            "--engine",
            "spark",
            "--spark-submit",
            &launcher,
        ],
        vec![
            "expire",
            "db.t",
            "--engine",
            "spark",
            "--spark-submit",
            &launcher,
        ],
    ] {
        let mut all = args.clone();
        all.extend(["-o", "json"]);
        let run = floe.run(&all);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("not atomic"), "{}", run.stderr);
        assert!(
            run.stderr.contains("--allow-unsafe-spark-commits"),
            "{}",
            run.stderr
        );
        assert!(
            !record.with_extension("argv").exists(),
            "Spark never started"
        );
    }
    // maintain with a Spark policy refuses the step the same way.
    floe.json(&["properties", "db.t", "--set", "floe.maintain.engine=spark"]);
    let run = floe.run(&[
        "maintain",
        "db.t",
        "--spark-submit",
        &launcher,
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let steps = run.json()["tables"][0]["steps"].clone();
    let compact = steps
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "compact")
        .unwrap()
        .clone();
    assert_eq!(compact["status"], "failed", "{compact}");
    assert!(
        compact["error"].as_str().unwrap().contains("not atomic"),
        "{compact}"
    );
    // Asked for: Spark starts (and fails here, being a stand-in), its S3 secret in the file.
    let run = floe.run(&[
        "rewrite-manifests",
        "db.t",
        "--engine",
        "spark",
        "--spark-submit",
        &launcher,
        "--allow-unsafe-spark-commits",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let argv = std::fs::read_to_string(record.with_extension("argv")).unwrap();
    assert!(argv.contains("--properties-file"), "{argv}");
    assert!(!argv.contains("fs.s3a.secret.key"), "{argv}");
    let props = std::fs::read_to_string(record.with_extension("props")).unwrap();
    assert!(props.contains("spark.hadoop.fs.s3a.secret.key="), "{props}");
}
