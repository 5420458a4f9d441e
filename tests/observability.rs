//! Watching floe from outside: `--metrics-file` read back with Prometheus's own text parser
//! (prometheus_client) and checked against the table; `--log-format json` lines parsed one by
//! one, for progress, per-step maintenance events and failures.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

struct Table {
    dir: tempfile::TempDir,
    floe: Floe,
    ident: String,
}

/// `db.t` partitioned by region, with `appends` appends of 10 rows each.
fn table(appends: i64) -> Table {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let ident = "db.t".to_string();
    for k in 0..appends {
        let path = dir.path().join(format!("in-{k}.parquet"));
        write_parquet(&path, &[events_batch(k * 10, 10)]);
        let input = path.to_string_lossy().to_string();
        if k == 0 {
            floe.json(&[
                "create",
                &ident,
                "--like",
                &input,
                "--partition-by",
                "region",
            ]);
        }
        floe.json(&["ingest", &ident, &input]);
    }
    Table { dir, floe, ident }
}

/// The metrics file as prometheus_client parsed it.
fn parse_metrics(python: &str, path: &Path) -> Value {
    py_script_json(
        python,
        "prom_metrics.py",
        &[path.to_string_lossy().as_ref()],
        &[],
    )
}

/// The value of the one sample named `name` whose labels include `labels`.
fn sample(metrics: &Value, name: &str, labels: &[(&str, &str)]) -> f64 {
    let found: Vec<f64> = metrics["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == name)
        .filter(|s| labels.iter().all(|(k, v)| s["labels"][*k] == *v))
        .map(|s| s["value"].as_f64().unwrap())
        .collect();
    assert_eq!(
        found.len(),
        1,
        "want one {name} {labels:?}, found {found:?} in {metrics}"
    );
    found[0]
}

fn family_type(metrics: &Value, family: &str) -> String {
    metrics["families"][family]["type"]
        .as_str()
        .unwrap_or_else(|| panic!("no family {family} in {metrics}"))
        .to_string()
}

/// Live data files of the current snapshot: (count, records, bytes).
fn data_file_totals(t: &Table) -> (f64, f64, f64) {
    let files = t.floe.json(&["files", &t.ident]);
    let data: Vec<&Value> = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["content"] == "data")
        .collect();
    (
        data.len() as f64,
        data.iter()
            .map(|f| f["record_count"].as_f64().unwrap())
            .sum(),
        data.iter()
            .map(|f| f["file_size_bytes"].as_f64().unwrap())
            .sum(),
    )
}

fn no_temp_files_beside(path: &Path) {
    let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(names.is_empty(), "temporary files left: {names:?}");
}

#[test]
fn health_metrics_match_the_table() {
    let Some(python) = python() else { return };
    let t = table(6);
    let out = t.dir.path().join("textfile");
    std::fs::create_dir(&out).unwrap();
    let path = out.join("floe-health.prom");
    let health = t
        .floe
        .json(&["health", &t.ident, "--metrics-file", path.to_str().unwrap()]);
    let name = health["tables"][0]["table"].as_str().unwrap().to_string();
    let m = parse_metrics(&python, &path);
    let table = [("table", name.as_str()), ("source", "health")];

    let (files, records, bytes) = data_file_totals(&t);
    assert_eq!(files, 6.0 * 3.0, "6 appends over 3 regions");
    assert_eq!(sample(&m, "floe_table_data_files", &table), files);
    assert_eq!(sample(&m, "floe_table_records", &table), records);
    assert_eq!(records, 60.0);
    assert_eq!(sample(&m, "floe_table_data_bytes", &table), bytes);
    assert_eq!(sample(&m, "floe_table_small_data_files", &table), files);
    assert_eq!(sample(&m, "floe_table_delete_files", &table), 0.0);
    let snapshots = t.floe.json(&["snapshots", &t.ident]);
    assert_eq!(
        sample(&m, "floe_table_snapshots", &table),
        snapshots["snapshots"].as_array().unwrap().len() as f64
    );
    let manifests = t.floe.json(&["manifests", &t.ident]);
    assert_eq!(
        sample(&m, "floe_table_manifests", &table),
        manifests["manifests"].as_array().unwrap().len() as f64
    );
    let age = sample(&m, "floe_table_oldest_snapshot_age_seconds", &table);
    assert!((0.0..600.0).contains(&age), "oldest snapshot age {age}");
    assert_eq!(sample(&m, "floe_table_readable", &table), 1.0);
    // Small files in 3 partitions with 6 each (warn), and never maintained (info).
    assert_eq!(sample(&m, "floe_table_health_status", &table), 2.0);
    assert_eq!(
        sample(
            &m,
            "floe_table_health_findings",
            &[
                ("table", name.as_str()),
                ("check", "small_files"),
                ("severity", "warn")
            ]
        ),
        1.0
    );
    assert_eq!(family_type(&m, "floe_table_data_bytes"), "gauge");
    assert_eq!(family_type(&m, "floe_table_records"), "gauge");
    // Never maintained: no last-success timestamp to report.
    assert!(!m["families"]
        .as_object()
        .unwrap()
        .contains_key("floe_maintain_last_success_timestamp_seconds"));
    no_temp_files_beside(&path);

    // A folder that does not exist: a clear error naming the option, exit 1.
    let bad = t.dir.path().join("no/such/dir/m.prom");
    let run = t.floe.run(&[
        "health",
        &t.ident,
        "--metrics-file",
        bad.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let error = run.json_error();
    assert_eq!(error["error"]["kind"], "invalid_input");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--metrics-file"),
        "{error}"
    );
}

#[test]
fn maintain_metrics_record_each_step_and_count_across_runs() {
    let Some(python) = python() else { return };
    let t = table(6);
    let path = t.dir.path().join("floe-maintain.prom");
    let path_arg = path.to_str().unwrap().to_string();
    let (files_before, records, _) = data_file_totals(&t);
    assert_eq!(files_before, 18.0);

    let run = t.floe.run(&[
        "maintain",
        &t.ident,
        "db.missing",
        "--metrics-file",
        &path_arg,
        "-o",
        "json",
    ]);
    assert_eq!(
        run.code, 1,
        "the missing table fails the run: {}",
        run.stderr
    );
    let report = run.json();
    let record = &report["tables"][0];
    assert_eq!(record["outcome"], "done");
    let name = record["table"].as_str().unwrap().to_string();
    let table = [("table", name.as_str())];
    let steps = record["steps"].as_array().unwrap();
    let step_sum = |key: &str| -> f64 { steps.iter().map(|s| s[key].as_f64().unwrap()).sum() };

    let m = parse_metrics(&python, &path);
    // Compaction rewrote every small file: all 60 rows, into one file per region.
    let (files_after, records_after, bytes_after) = data_file_totals(&t);
    assert_eq!(files_after, 3.0);
    assert_eq!(records_after, records);
    assert_eq!(step_sum("rows_rewritten"), 60.0);
    assert_eq!(
        sample(&m, "floe_maintain_rewritten_rows_total", &table),
        60.0
    );
    assert_eq!(
        sample(&m, "floe_maintain_rewritten_bytes_total", &table),
        step_sum("bytes_rewritten")
    );
    assert!(step_sum("bytes_rewritten") > 0.0);
    assert_eq!(
        sample(&m, "floe_maintain_deleted_files_total", &table),
        step_sum("files_deleted")
    );
    assert_eq!(
        sample(&m, "floe_maintain_reclaimed_bytes_total", &table),
        record["bytes_reclaimed"].as_f64().unwrap()
    );
    assert_eq!(sample(&m, "floe_maintain_conflicts_total", &table), 0.0);
    assert_eq!(sample(&m, "floe_maintain_failures_total", &table), 0.0);
    assert_eq!(
        sample(
            &m,
            "floe_maintain_runs_total",
            &[("table", name.as_str()), ("outcome", "done")]
        ),
        1.0
    );
    assert_eq!(family_type(&m, "floe_maintain_runs"), "counter");
    assert_eq!(sample(&m, "floe_maintain_last_run_success", &table), 1.0);
    // The state after the run, told apart from `health`'s file by its source label.
    let state = [("table", name.as_str()), ("source", "maintain")];
    assert_eq!(sample(&m, "floe_table_data_files", &state), files_after);
    assert_eq!(sample(&m, "floe_table_data_bytes", &table), bytes_after);
    assert_eq!(sample(&m, "floe_table_records", &table), 60.0);
    let last_success = sample(&m, "floe_maintain_last_success_timestamp_seconds", &table);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        (now - last_success).abs() < 600.0,
        "{last_success} vs {now}"
    );
    // Every step: its duration, and a one-hot status matching the JSON record.
    for step in steps {
        let step_name = step["step"].as_str().unwrap();
        let status = step["status"].as_str().unwrap();
        let labels = [("table", name.as_str()), ("step", step_name)];
        assert_eq!(
            sample(&m, "floe_maintain_step_duration_seconds", &labels),
            step["seconds"].as_f64().unwrap()
        );
        for candidate in ["done", "clean", "skipped", "failed"] {
            let labels = [
                ("table", name.as_str()),
                ("step", step_name),
                ("status", candidate),
            ];
            let want = if candidate == status { 1.0 } else { 0.0 };
            assert_eq!(
                sample(&m, "floe_maintain_step_status", &labels),
                want,
                "{step_name} {candidate}"
            );
        }
    }
    assert_eq!(steps.len(), 6);
    assert_eq!(
        sample(
            &m,
            "floe_maintain_step_status",
            &[
                ("table", name.as_str()),
                ("step", "compact"),
                ("status", "done")
            ]
        ),
        1.0
    );
    // The table that could not be read: a failure, and not readable.
    let missing = [("table", "db.missing")];
    assert_eq!(sample(&m, "floe_maintain_failures_total", &missing), 1.0);
    assert_eq!(sample(&m, "floe_maintain_last_run_success", &missing), 0.0);
    assert_eq!(sample(&m, "floe_table_readable", &missing), 0.0);

    // A second run on the good table alone: counters carry on, the gauges are replaced.
    let second = t
        .floe
        .json(&["maintain", &t.ident, "--metrics-file", &path_arg]);
    assert_eq!(second["tables"][0]["outcome"], "done");
    let m = parse_metrics(&python, &path);
    assert_eq!(
        sample(
            &m,
            "floe_maintain_runs_total",
            &[("table", name.as_str()), ("outcome", "done")]
        ),
        2.0
    );
    assert_eq!(
        sample(&m, "floe_maintain_rewritten_rows_total", &table),
        60.0,
        "nothing left to compact the second time"
    );
    assert_eq!(
        sample(
            &m,
            "floe_maintain_step_status",
            &[
                ("table", name.as_str()),
                ("step", "compact"),
                ("status", "clean")
            ]
        ),
        1.0
    );
    assert_eq!(sample(&m, "floe_maintain_failures_total", &missing), 1.0);
    no_temp_files_beside(&path);
}

/// stderr of a `--log-format json` run: every line one JSON object with the same keys.
fn log_lines(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line:?}"));
            let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
            assert_eq!(
                keys,
                ["time", "level", "table", "step", "message", "fields"],
                "{line}"
            );
            chrono::DateTime::parse_from_rfc3339(v["time"].as_str().unwrap())
                .unwrap_or_else(|e| panic!("time is not RFC 3339 ({e}): {line}"));
            assert!(
                ["debug", "info", "warn", "error"].contains(&v["level"].as_str().unwrap()),
                "{line}"
            );
            assert!(v["fields"].is_object(), "{line}");
            v
        })
        .collect()
}

#[test]
fn json_logs_are_one_object_per_line() {
    let t = table(2);

    // An ingest: its reading progress and the command's end, as JSON lines (stderr is no
    // terminal here: log shippers get them anyway).
    let path = t.dir.path().join("more.parquet");
    write_parquet(&path, &[events_batch(100, 10)]);
    let run = t
        .floe
        .run(&[
            "--log-format",
            "json",
            "ingest",
            &t.ident,
            path.to_str().unwrap(),
        ])
        .ok();
    let lines = log_lines(&run.stderr);
    let done = lines.last().unwrap();
    assert_eq!(done["message"], "ingest: done", "{lines:?}");
    assert_eq!(done["level"], "info");
    assert_eq!(done["fields"]["command"], "ingest");
    assert!(
        lines
            .iter()
            .all(|l| l["table"] == "db.t" && l["step"] == "ingest"),
        "every line names the table and the command: {lines:?}"
    );
    assert!(done["fields"]["seconds"].as_f64().unwrap() >= 0.0);
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["total_bytes"] == size && l["fields"]["seconds"].is_number()),
        "progress end with the input's {size} bytes: {lines:?}"
    );

    // maintain: one line per step of each table, with its status and duration.
    let run = t
        .floe
        .run(&["maintain", &t.ident, "--log-format", "json", "-o", "json"])
        .ok();
    let report = run.json();
    let name = report["tables"][0]["table"].as_str().unwrap();
    let lines = log_lines(&run.stderr);
    for step in report["tables"][0]["steps"].as_array().unwrap() {
        if step["status"] == "skipped" {
            continue;
        }
        let line = lines
            .iter()
            .find(|l| l["step"] == step["step"])
            .unwrap_or_else(|| panic!("no log line for {}: {lines:?}", step["step"]));
        assert_eq!(line["table"], name);
        assert_eq!(line["fields"]["status"], step["status"]);
        assert_eq!(line["fields"]["seconds"], step["seconds"]);
    }
    let table_line = lines
        .iter()
        .find(|l| l["table"] == name && l["step"] == "maintain" && l["fields"]["outcome"] == "done")
        .unwrap_or_else(|| panic!("no per-table line: {lines:?}"));
    assert_eq!(table_line["level"], "info");

    // -q keeps warnings and errors only.
    let run = t
        .floe
        .run(&["describe", &t.ident, "--log-format", "json", "-q"])
        .ok();
    assert_eq!(run.stderr, "", "quiet JSON logs");

    // A failure: one error line, with the error kind and exit code; nothing else on stderr.
    let run = t.floe.run(&["--log-format", "json", "describe", "db.nope"]);
    assert_eq!(run.code, 1);
    let lines = log_lines(&run.stderr);
    let error = lines.last().unwrap();
    assert_eq!(error["level"], "error");
    assert_eq!(error["fields"]["kind"], "not_found");
    assert_eq!(error["fields"]["exit_code"], 1);
    assert_eq!(error["fields"]["command"], "describe");
    assert_eq!(error["step"], "describe");
    assert!(
        error["message"].as_str().unwrap().contains("db.nope"),
        "{error}"
    );
    // The environment variable does the same, for every command of a job.
    let run = Floe::new(t.dir.path())
        .with_env("FLOE_LOG_FORMAT", "json")
        .run(&["create", "db.u", "--schema", "nope.yaml"]);
    let lines = log_lines(&run.stderr);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["fields"]["command"], "create");
    assert_eq!(lines[0]["fields"]["exit_code"], run.code);
    assert_ne!(run.code, 0);
}
