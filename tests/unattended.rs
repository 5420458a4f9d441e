//! Unattended operation: `maintain` over a warehouse leaves every table healthy with its rows
//! unchanged, respects leases, survives a broken table; `health` findings and exit codes;
//! `verify` finds deleted, truncated and resized files.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use serde_json::Value;

struct Warehouse {
    dir: tempfile::TempDir,
    floe: Floe,
}

impl Warehouse {
    fn new() -> Warehouse {
        let dir = tempfile::tempdir().unwrap();
        let floe = Floe::new(dir.path());
        Warehouse { dir, floe }
    }

    fn location(&self, name: &str) -> String {
        self.dir
            .path()
            .join("warehouse/db")
            .join(name)
            .to_string_lossy()
            .to_string()
    }

    /// `db.NAME` with `appends` small appends (10 rows each).
    fn table(&self, name: &str, appends: i64, partition: Option<&str>) -> String {
        let ident = format!("db.{name}");
        let first = self.input(name, 0);
        let mut args = vec!["create", ident.as_str(), "--like", first.as_str()];
        if let Some(p) = partition {
            args.extend(["--partition-by", p]);
        }
        self.floe.json(&args);
        for k in 0..appends {
            let input = self.input(name, k * 10);
            self.floe.json(&["ingest", &ident, &input]);
        }
        ident
    }

    fn input(&self, name: &str, start: i64) -> String {
        let path = self.dir.path().join(format!("{name}-{start}.parquet"));
        write_parquet(&path, &[events_batch(start, 10)]);
        path.to_string_lossy().to_string()
    }

    fn rows(&self, table: &str) -> Value {
        self.floe.json(&["query", table, "--order-by", "id"])
    }
}

fn age(path: &Path, days: u64) {
    let then = std::time::SystemTime::now() - Duration::from_secs(days * 86_400);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(then)
        .unwrap();
}

#[test]
fn maintain_all_leaves_every_table_healthy() {
    let w = Warehouse::new();
    let small = w.table("small_files", 8, Some("region"));
    let old = w.table("old_snapshots", 4, None);
    w.floe.json(&[
        "properties",
        &old,
        "--set",
        "history.expire.max-snapshot-age-ms=1",
    ]);
    let clean = w.table("clean", 1, None);
    let orphan = Path::new(&w.location("small_files")).join("data/crashed.parquet");
    std::fs::write(&orphan, b"left by a crashed writer").unwrap();
    age(&orphan, 7);
    let before: Vec<Value> = [&small, &old, &clean].iter().map(|t| w.rows(t)).collect();

    let health = w
        .floe
        .run(&["health", "--all", "--fail-on", "warn", "-o", "json"]);
    assert_eq!(
        health.code, 4,
        "small files are a warning: {}",
        health.stderr
    );
    let findings: Vec<String> = health.json()["tables"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["findings"].as_array().unwrap().clone())
        .map(|f| f["check"].as_str().unwrap().to_string())
        .collect();
    assert!(
        findings.contains(&"small_files".to_string()),
        "{findings:?}"
    );
    assert!(findings.contains(&"orphans".to_string()), "{findings:?}");

    let dry = w.floe.json(&["maintain", "--all", "--dry-run"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(w.rows(&small), before[0]);

    let record = w.dir.path().join("run.json");
    let report = w
        .floe
        .json(&["maintain", "--all", "--report", record.to_str().unwrap()]);
    assert_eq!(report["exit_code"], 0);
    let written: Value = serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
    assert_eq!(written["tables"], report["tables"]);
    let tables = report["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 3);
    let step = |table: &str, step: &str| -> Value {
        tables.iter().find(|t| t["table"] == table).unwrap()["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["step"] == step)
            .unwrap()
            .clone()
    };
    assert_eq!(step("db.small_files", "compact")["status"], "done");
    assert_eq!(step("db.small_files", "orphans")["status"], "done");
    assert_eq!(step("db.old_snapshots", "expire")["status"], "done");
    assert_eq!(step("db.clean", "compact")["status"], "clean");
    assert!(!orphan.exists());

    // Same rows everywhere; health is clean now (no finding at warn or worse).
    let after: Vec<Value> = [&small, &old, &clean].iter().map(|t| w.rows(t)).collect();
    assert_eq!(after, before);
    let health = w
        .floe
        .run(&["health", "--all", "--fail-on", "info", "-o", "json"]);
    assert_eq!(health.code, 0, "{}", health.stdout);
    let snapshots = w.floe.json(&["snapshots", &old]);
    assert_eq!(snapshots["snapshots"].as_array().unwrap().len(), 1);

    // Steps can be skipped.
    let skipped = w
        .floe
        .json(&["maintain", &small, "--skip", "compact", "--skip", "orphans"]);
    let steps = skipped["tables"][0]["steps"].as_array().unwrap();
    let status = |name: &str| steps.iter().find(|s| s["step"] == name).unwrap()["status"].clone();
    assert_eq!(status("compact"), "skipped");
    assert_eq!(status("orphans"), "skipped");
}

#[test]
fn leases_keep_two_runs_apart_and_stale_ones_are_taken_over() {
    let w = Warehouse::new();
    let held = w.table("held", 6, None);
    let free = w.table("free", 6, None);
    let lease_path = Path::new(&w.location("held")).join("metadata/floe-maintain.lease");
    let now = chrono::Utc::now().timestamp_millis();
    let lease = |expires_ms: i64| {
        serde_json::json!({
            "owner": "another-run", "host": "elsewhere", "pid": 1,
            "acquired_ms": now - 1000, "expires_ms": expires_ms
        })
        .to_string()
    };
    std::fs::write(&lease_path, lease(now + 3_600_000)).unwrap();
    let files = |table: &str| {
        w.floe.json(&["files", table])["file_count"]
            .as_u64()
            .unwrap()
    };
    let report = w.floe.json(&["maintain", &held, &free]);
    assert_eq!(report["exit_code"], 0, "a held table is left to its run");
    let outcome = |report: &Value, table: &str| {
        report["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == table)
            .unwrap()["outcome"]
            .clone()
    };
    assert_eq!(outcome(&report, "db.held"), "busy");
    assert_eq!(outcome(&report, "db.free"), "done");
    assert_eq!(files(&held), 6, "untouched under another run's lease");
    assert_eq!(files(&free), 1);
    assert!(std::fs::read_to_string(&lease_path)
        .unwrap()
        .contains("another-run"));

    // A lease past its expiry belongs to a run that died: taken over, then released.
    std::fs::write(&lease_path, lease(now - 1000)).unwrap();
    let report = w.floe.json(&["maintain", &held]);
    assert_eq!(outcome(&report, "db.held"), "done");
    assert_eq!(files(&held), 1);
    assert!(!lease_path.exists(), "released after the run");

    // Two runs started together: one compacts, the other finds the lease or nothing to do.
    let busy = w.table("busy", 6, None);
    let runs: Vec<_> = (0..2)
        .map(|_| {
            w.floe
                .command(&["maintain", &busy, "-o", "json"])
                .spawn_output()
        })
        .collect();
    let compactions = runs
        .into_iter()
        .map(|run| {
            let out = run.join().unwrap();
            let report: Value = serde_json::from_slice(&out.stdout).unwrap();
            let table = &report["tables"][0];
            let compacted = table["outcome"] == "done" && table["steps"][0]["status"] == "done";
            usize::from(compacted)
        })
        .sum::<usize>();
    assert_eq!(compactions, 1, "exactly one run compacted the table");
    assert_eq!(files(&busy), 1);
}

/// Start a command now, collect its output on a thread.
trait SpawnOutput {
    fn spawn_output(self) -> std::thread::JoinHandle<std::process::Output>;
}

impl SpawnOutput for std::process::Command {
    fn spawn_output(mut self) -> std::thread::JoinHandle<std::process::Output> {
        let child = self
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::spawn(move || child.wait_with_output().unwrap())
    }
}

#[test]
fn a_broken_table_does_not_stop_the_others() {
    let w = Warehouse::new();
    let broken = w.table("broken", 2, None);
    let fine = w.table("fine", 6, None);
    let snapshot = w.floe.json(&["describe", &broken])["current_snapshot"]["snapshot_id"]
        .as_i64()
        .unwrap();
    let list = w.floe.json(&["snapshot", &broken, &snapshot.to_string()])["manifest_list"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::remove_file(&list).unwrap();
    let run = w.floe.run(&["maintain", "--all", "-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let tables = report["tables"].as_array().unwrap();
    let fine_record = tables.iter().find(|t| t["table"] == "db.fine").unwrap();
    assert_eq!(fine_record["outcome"], "done");
    let broken_record = tables.iter().find(|t| t["table"] == "db.broken").unwrap();
    assert_eq!(broken_record["outcome"], "failed");
    assert_eq!(w.floe.json(&["files", &fine])["file_count"], 1);
    // health reports the broken table instead of stopping.
    let health = w
        .floe
        .run(&["health", "--all", "--fail-on", "error", "-o", "json"]);
    assert_eq!(health.code, 4);
    let checks: Vec<&str> = health.json()["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["table"] == "db.broken")
        .flat_map(|t| t["findings"].as_array().unwrap().clone())
        .map(|f| {
            if f["check"] == "unreadable" {
                "unreadable"
            } else {
                "other"
            }
        })
        .collect();
    assert_eq!(checks, vec!["unreadable"]);
}

#[test]
fn health_findings_and_exit_codes() {
    let w = Warehouse::new();
    let table = w.table("checked", 6, None);
    let report = w.floe.json(&["health", &table]);
    let findings = report["tables"][0]["findings"].as_array().unwrap();
    let small = findings
        .iter()
        .find(|f| f["check"] == "small_files")
        .unwrap();
    assert_eq!(small["severity"], "warn");
    assert_eq!(small["fix"], format!("floe compact {table}"));
    assert_eq!(report["tables"][0]["stats"]["small_files"], 6);
    assert_eq!(report["worst"], "warn");
    assert_eq!(
        w.floe.run(&["health", &table, "--fail-on", "error"]).code,
        0
    );
    assert_eq!(w.floe.run(&["health", &table, "--fail-on", "warn"]).code, 4);
    assert_eq!(
        w.floe.run(&["health", &table]).code,
        0,
        "no gate, no failure"
    );
    let bad = w.floe.run(&["health", &table, "--fail-on", "loud"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn verify_finds_missing_truncated_and_resized_files() {
    let w = Warehouse::new();
    let table = w.table("verified", 3, None);
    let ok = w
        .floe
        .json(&["verify", &table, "--deep", "--all-snapshots"]);
    assert_eq!(ok["ok"], true);
    assert_eq!(ok["data_files"], 3);
    assert_eq!(ok["footers_read"], 3);

    let files: Vec<String> = w.floe.json(&["files", &table])["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_path"].as_str().unwrap().to_string())
        .collect();
    let kinds = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["verify", table.as_str()];
        all.extend(args);
        all.extend(["-o", "json"]);
        let run = w.floe.run(&all);
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.json()["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["kind"].as_str().unwrap().to_string())
            .collect()
    };
    // A data file grown by a byte: wrong size.
    let mut bytes = std::fs::read(&files[0]).unwrap();
    bytes.push(0);
    std::fs::write(&files[0], &bytes).unwrap();
    assert_eq!(kinds(&[]), vec!["wrong_size"]);
    bytes.pop();
    std::fs::write(&files[0], &bytes).unwrap();
    // A data file deleted.
    std::fs::remove_file(&files[1]).unwrap();
    assert_eq!(kinds(&[]), vec!["missing_file"]);
    // A manifest truncated.
    let manifest = w.floe.json(&["manifests", &table])["manifests"][0]["path"]
        .as_str()
        .unwrap()
        .to_string();
    let text = std::fs::read(&manifest).unwrap();
    std::fs::write(&manifest, &text[..text.len() / 2]).unwrap();
    let found = kinds(&["--all-snapshots"]);
    assert!(
        found.contains(&"unreadable_manifest".to_string()),
        "{found:?}"
    );
}

#[test]
fn policies_from_the_config_file_drive_maintain() {
    let w = Warehouse::new();
    let governed = w.table("governed", 6, None);
    let other = w.table("other", 6, None);
    std::fs::write(
        w.dir.path().join("floe.yaml"),
        "maintenance:\n  defaults: {retain-last: 2, max-snapshot-age: 1ms}\n  policies:\n    - {match: 'db.gov*', steps: [expire], retain-last: 3}\n",
    )
    .unwrap();
    w.floe.json(&[
        "properties",
        &other,
        "--set",
        "history.expire.min-snapshots-to-keep=4",
    ]);
    let shown = w.floe.json(&["policy", "show", &governed]);
    let setting = |report: &Value, name: &str| -> (String, String) {
        let s = report["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap();
        (
            s["value"].as_str().unwrap().to_string(),
            s["source"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(
        setting(&shown, "retain-last"),
        ("3".into(), "policy 'db.gov*'".into())
    );
    assert_eq!(
        setting(&shown, "max-snapshot-age"),
        ("1ms".into(), "maintenance defaults".into())
    );
    assert_eq!(setting(&shown, "steps").0, "expire");
    let other_shown = w.floe.json(&["policy", "show", &other]);
    assert_eq!(
        setting(&other_shown, "retain-last"),
        (
            "4".into(),
            "table property history.expire.min-snapshots-to-keep".into()
        )
    );

    let report = w.floe.json(&["maintain", &governed, &other]);
    assert_eq!(report["exit_code"], 0);
    let snapshots = |t: &str| {
        w.floe.json(&["snapshots", t])["snapshots"]
            .as_array()
            .unwrap()
            .len()
    };
    // governed: only expiry ran, keeping 3; other: compacted (a snapshot more), keeping 4.
    assert_eq!(snapshots(&governed), 3);
    assert_eq!(w.floe.json(&["files", &governed])["file_count"], 6);
    assert_eq!(snapshots(&other), 4);
    assert_eq!(w.floe.json(&["files", &other])["file_count"], 1);

    std::fs::write(
        w.dir.path().join("floe.yaml"),
        "maintenance:\n  defaults: {retain: 2}\n",
    )
    .unwrap();
    let bad = w.floe.run(&["policy", "show", &governed]);
    assert_eq!(bad.code, 2, "a bad policy is a configuration error");
    assert!(
        bad.stderr.contains("unknown maintenance setting 'retain'"),
        "{}",
        bad.stderr
    );
}

/// Column diagnostics from the file metrics: files that overlap on the sort column are a
/// finding whose fix, run as given, lays them out so they no longer overlap.
#[test]
fn health_counts_files_overlapping_on_columns_and_the_fix_works() {
    let w = Warehouse::new();
    // Ids run on from append to append (files never overlap on id); ts cycles every 120 ids,
    // so every file spans the whole cycle and overlaps every other on ts.
    let first = w.input("sorted", 0);
    w.floe
        .json(&["create", "db.sorted", "--like", &first, "--sort-by", "ts"]);
    for k in 0..4 {
        let path = w.dir.path().join(format!("sorted-{k}.parquet"));
        write_parquet(&path, &[events_batch(k * 200, 200)]);
        w.floe
            .json(&["ingest", "db.sorted", path.to_str().unwrap()]);
    }
    let health = w.floe.json(&["health", "db.sorted"]);
    let table = &health["tables"][0];
    let column = |name: &str| -> Value {
        table["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["column"] == name)
            .unwrap_or_else(|| panic!("no column {name}: {table}"))
            .clone()
    };
    let ts = column("ts");
    assert_eq!(ts["file_pairs"], 6, "4 files, one partition: {ts}");
    assert_eq!(ts["overlapping_file_pairs"], 6);
    assert_eq!(ts["overlap_ratio"], 1.0);
    let id = column("id");
    assert_eq!(id["overlapping_file_pairs"], 0, "{id}");
    assert!(id["fix"].is_null());
    assert_eq!(id["null_rate"], 0.0);
    assert_eq!(id["value_count"], 800);
    assert!(id["bytes"].as_u64().unwrap() > 0);
    // qty (id % 10) overlaps too; its fix names it, the sort column's does not need to.
    assert_eq!(
        column("qty")["fix"],
        format!(
            "floe compact {} --strategy sort --sort-by qty --rewrite-all",
            table["table"].as_str().unwrap()
        )
    );
    let finding = table["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "sort_overlap")
        .unwrap_or_else(|| panic!("no sort_overlap finding: {table}"))
        .clone();
    assert_eq!(finding["severity"], "warn");
    assert_eq!(finding["fix"], ts["fix"]);
    let before = w.rows("db.sorted");

    // Run the fix exactly as the finding gives it.
    let fix = finding["fix"].as_str().unwrap();
    let args: Vec<&str> = fix.split_whitespace().skip(1).collect();
    w.floe.json(&args);
    assert_eq!(w.rows("db.sorted"), before, "rows unchanged");
    let after = w.floe.json(&["health", "db.sorted"]);
    let table = &after["tables"][0];
    assert!(
        !table["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "sort_overlap"),
        "{table}"
    );
    let ts = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["column"] == "ts")
        .unwrap()
        .clone();
    assert!(ts["fix"].is_null(), "{ts}");
    let pairs = ts["file_pairs"].as_u64().unwrap();
    let overlapping = ts["overlapping_file_pairs"].as_u64().unwrap();
    assert!(
        overlapping * 2 < pairs.max(1),
        "after sorting, few pairs overlap: {ts}"
    );
}
