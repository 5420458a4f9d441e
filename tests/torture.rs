//! A randomized, seeded torture run: several floe processes at once on ONE table doing random
//! operations (appends, overwrites, `--merge-schema` ingests, schema evolution, compaction with
//! budgets, manifest rewrites, expiry with metadata trimming, orphan removal, tags, branches,
//! ingests to a branch, rollbacks), with storage faults injected into every process
//! (`FLOE_FAULT_INJECTION`) and random `kill -9`s. After every round an invariant checker
//! proves, with floe, PyIceberg and DuckDB as readers: every acknowledged append's rows are in
//! main unless a later acknowledged overwrite or rollback removed them; no row is duplicated;
//! every retained snapshot and every ref reads; `verify --all-snapshots --deep` is clean, also
//! after orphan removal with no age limit; the readers agree on the row count.
//!
//! Runs on the directory catalog (local and S3) and the SQL catalog (sqlite and postgres).
//! Settings (environment): TORTURE_SEED (random by default; printed, so a failure replays),
//! TORTURE_OPS (operations per catalog, default 100), TORTURE_WORKERS (default 3),
//! TORTURE_ROUNDS (default 4), TORTURE_FAULT_RATE (default 0.03), TORTURE_KILL_RATE (0.05),
//! TORTURE_SPARK=1 (Spark also reads the local table at every check).
//! The long run: `TORTURE_OPS=1250 TORTURE_ROUNDS=25 TORTURE_SPARK=1 scripts/test --test torture -- --nocapture`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{events_batch, python, require_all, write_parquet, Floe};
use serde_json::Value;

/// splitmix64, seeded per worker and round so a seed replays the same choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

fn env_num<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Where one run's table lives and how floe, PyIceberg and DuckDB reach it.
struct Backend {
    name: &'static str,
    _dir: tempfile::TempDir,
    work: PathBuf,
    floe: Floe,
    /// Extra global flags (the catalog to use).
    flags: Vec<String>,
    table: String,
    s3_endpoint: Option<String>,
}

impl Backend {
    fn local() -> Backend {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().to_path_buf();
        let table = work.join("wh/db/t").to_string_lossy().to_string();
        Backend {
            name: "directory-local",
            floe: Floe::new(&work),
            work,
            _dir: dir,
            flags: vec![],
            table,
            s3_endpoint: None,
        }
    }

    fn s3() -> Option<Backend> {
        let s3 = common::s3()?;
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().to_path_buf();
        let warehouse = s3.prefix("torture");
        let config = s3.config(&work, &warehouse);
        Some(Backend {
            name: "directory-s3",
            floe: Floe::new(&work).with_env("FLOE_CONFIG", &config.to_string_lossy()),
            work,
            _dir: dir,
            flags: vec![],
            table: format!("{warehouse}/db/t"),
            s3_endpoint: Some(s3.endpoint),
        })
    }

    fn sql(postgres: bool) -> Option<Backend> {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().to_path_buf();
        let uri = if postgres {
            match std::env::var("FLOE_TEST_POSTGRES_URI") {
                Ok(uri) if !uri.is_empty() => uri,
                _ => {
                    assert!(!require_all(), "FLOE_TEST_POSTGRES_URI is required");
                    eprintln!("skipping postgres: no FLOE_TEST_POSTGRES_URI");
                    return None;
                }
            }
        } else {
            format!("sqlite:///{}", work.join("catalog.db").display())
        };
        let catalog = format!("torture{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let warehouse = work.join("wh");
        std::fs::write(
            work.join("floe.yaml"),
            format!(
                "catalog:\n  {catalog}:\n    type: sql\n    uri: {uri}\n    warehouse: {}\n",
                warehouse.display()
            ),
        )
        .unwrap();
        Some(Backend {
            name: if postgres {
                "sql-postgres"
            } else {
                "sql-sqlite"
            },
            floe: Floe::new(&work),
            work,
            _dir: dir,
            flags: vec!["--catalog".into(), catalog],
            table: "db.t".into(),
            s3_endpoint: None,
        })
    }

    fn args<'a>(&'a self, args: &[&'a str]) -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(self.flags.iter().cloned());
        all.extend(["-o".to_string(), "json".to_string()]);
        all
    }

    /// A checker's command: no faults, must succeed.
    fn check(&self, args: &[&str]) -> Value {
        let all = self.args(args);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let run = self.floe.run(&refs);
        assert_eq!(run.code, 0, "{args:?} failed: {}", run.stderr);
        run.json()
    }
}

/// What an operation's process did.
enum Outcome {
    Acked(Value),
    Conflict,
    /// Failed without committing, or with an unknown outcome: not acknowledged.
    Failed(String),
    Killed,
    /// A panic, a usage error or an unexplained exit: a violation by itself.
    Broken(String),
}

/// Every acknowledged change that adds rows to main, and what may remove them.
#[derive(Default)]
struct Ledger {
    /// (first id, rows, sequence number, start, acknowledged at)
    adds: Vec<(i64, i64, i64, Instant, Instant)>,
    overwrites: Vec<i64>,
    /// (start, acknowledged at)
    rollbacks: Vec<(Instant, Instant)>,
}

#[derive(Default, Debug, Clone)]
struct Tally {
    operations: u64,
    acknowledged: u64,
    conflicts: u64,
    failures: u64,
    unknown: u64,
    kills: u64,
    checks: u64,
    violations: Vec<String>,
}

struct Run {
    backend: Backend,
    seed: u64,
    fault_rate: f64,
    kill_rate: f64,
    fault_log: PathBuf,
    next_id: AtomicI64,
    ledger: Mutex<Ledger>,
    tally: Mutex<Tally>,
    /// Spark reading the directory-local table (TORTURE_SPARK=1).
    spark: Option<Mutex<common::spark::Spark>>,
}

impl Run {
    /// Run one operation as its own floe process with faults injected, perhaps killed part way.
    fn execute(&self, rng: &mut Rng, args: Vec<String>) -> Outcome {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut cmd = self.backend.floe.command(&refs);
        cmd.env(
            "FLOE_FAULT_INJECTION",
            format!("seed={},rate={}", rng.next(), self.fault_rate),
        )
        .env("FLOE_FAULT_LOG", &self.fault_log);
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn floe");
        if rng.chance(self.kill_rate) {
            std::thread::sleep(Duration::from_millis(10 + rng.below(400)));
            let _ = child.kill();
        }
        let out = child.wait_with_output().expect("wait for floe");
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let Some(code) = out.status.code() else {
            return Outcome::Killed;
        };
        if stderr.contains("panicked") {
            return Outcome::Broken(format!("{args:?} panicked: {stderr}"));
        }
        match code {
            0 => match serde_json::from_slice(&out.stdout) {
                Ok(v) => Outcome::Acked(v),
                Err(e) => Outcome::Broken(format!("{args:?}: stdout is not JSON ({e})")),
            },
            3 => Outcome::Conflict,
            1 => Outcome::Failed(stderr),
            other => Outcome::Broken(format!("{args:?} exited {other}: {stderr}")),
        }
    }

    fn input(&self, rows: usize, extra: Option<&str>) -> (i64, String) {
        let start = self.next_id.fetch_add(rows as i64, Ordering::SeqCst);
        let mut batch = events_batch(start, rows);
        if let Some(column) = extra {
            use arrow::array::{ArrayRef, Int64Array};
            use arrow::datatypes::{DataType, Field, Schema};
            let mut fields: Vec<Field> = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.as_ref().clone())
                .collect();
            fields.push(Field::new(column, DataType::Int64, true));
            let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
            columns.push(Arc::new(Int64Array::from(vec![start; rows])));
            batch =
                arrow::array::RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
        }
        let path = self.backend.work.join(format!("in-{start}.parquet"));
        write_parquet(&path, &[batch]);
        (start, path.to_string_lossy().to_string())
    }

    /// One random operation, recorded in the ledger when acknowledged.
    fn operate(&self, rng: &mut Rng, worker: usize) {
        let t = self.backend.table.clone();
        let roll = rng.below(100);
        let now_ms = chrono::Utc::now().timestamp_millis();
        let tag = format!("tag{}", rng.below(6));
        // (arguments, first id and rows added to main, whether it replaces main's rows)
        let (args, adds, overwrite, rollback): (Vec<String>, Option<(i64, i64)>, bool, bool) =
            match roll {
                0..=34 => {
                    let (start, input) = self.input(20, None);
                    (
                        vec!["ingest".into(), t, input],
                        Some((start, 20)),
                        false,
                        false,
                    )
                }
                35..=37 => {
                    let (start, input) = self.input(20, None);
                    let args = vec![
                        "ingest".into(),
                        t,
                        input,
                        "--mode".into(),
                        "overwrite".into(),
                    ];
                    (args, Some((start, 20)), true, false)
                }
                38..=42 => {
                    let column = format!("x{worker}_{}", rng.below(1_000_000));
                    let (start, input) = self.input(10, Some(&column));
                    let args = vec!["ingest".into(), t, input, "--merge-schema".into()];
                    (args, Some((start, 10)), false, false)
                }
                43..=45 => {
                    let column = format!("y{worker}_{}:long", rng.below(1_000_000));
                    (
                        vec!["schema".into(), "evolve".into(), t, "--add".into(), column],
                        None,
                        false,
                        false,
                    )
                }
                46..=55 => {
                    let mut args =
                        vec!["compact".into(), t, "--min-input-files".into(), "2".into()];
                    match rng.below(3) {
                        0 => args.extend(["--max-commits".into(), "2".into()]),
                        1 => args.extend(["--max-bytes".into(), "20KiB".into()]),
                        _ => {}
                    }
                    (args, None, false, false)
                }
                56..=60 => (vec!["rewrite-manifests".into(), t], None, false, false),
                61..=68 => {
                    let mut args = vec![
                        "expire".into(),
                        t,
                        "--older-than".into(),
                        "0s".into(),
                        "--retain-last".into(),
                        (2 + rng.below(5)).to_string(),
                    ];
                    if rng.chance(0.5) {
                        args.push("--metadata".into());
                    }
                    (args, None, false, false)
                }
                69..=71 => (vec!["remove-orphans".into(), t], None, false, false),
                72..=77 => (
                    vec!["tag".into(), "create".into(), t, tag],
                    None,
                    false,
                    false,
                ),
                78..=80 => (
                    vec!["tag".into(), "drop".into(), t, tag],
                    None,
                    false,
                    false,
                ),
                81..=84 => (
                    vec!["branch".into(), "create".into(), t, "dev".into()],
                    None,
                    false,
                    false,
                ),
                85..=86 => (
                    vec!["branch".into(), "drop".into(), t, "dev".into()],
                    None,
                    false,
                    false,
                ),
                87..=93 => {
                    let (_, input) = self.input(5, None);
                    let args = vec!["ingest".into(), t, input, "--branch".into(), "dev".into()];
                    (args, None, false, false)
                }
                _ => {
                    let at = now_ms - rng.below(3000) as i64;
                    let args = vec!["rollback".into(), t, "--to-time".into(), at.to_string()];
                    (args, None, false, true)
                }
            };
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let full = self.backend.args(&refs);
        let started = Instant::now();
        let outcome = self.execute(rng, full);
        let mut tally = self.tally.lock().unwrap();
        tally.operations += 1;
        // A rollback that failed or was killed may still have landed: it excuses missing rows
        // as an acknowledged one does.
        let mut may_have_rolled_back = false;
        match outcome {
            Outcome::Acked(report) => {
                tally.acknowledged += 1;
                let mut ledger = self.ledger.lock().unwrap();
                let acked = Instant::now();
                if let Some((start, rows)) = adds {
                    match report["sequence_number"].as_i64() {
                        Some(seq) => {
                            ledger.adds.push((start, rows, seq, started, acked));
                            if overwrite {
                                ledger.overwrites.push(seq);
                            }
                        }
                        None => tally.violations.push(format!(
                            "{}: an acknowledged ingest without a sequence number: {report}",
                            self.backend.name
                        )),
                    }
                }
                if rollback {
                    ledger.rollbacks.push((started, acked));
                }
            }
            Outcome::Conflict => tally.conflicts += 1,
            Outcome::Failed(stderr) => {
                if std::env::var("TORTURE_VERBOSE").is_ok() {
                    eprintln!(
                        "{}: {:?}: {}",
                        self.backend.name,
                        args,
                        stderr.lines().next().unwrap_or("")
                    );
                }
                if stderr.contains("commit_state_unknown") || stderr.contains("may or may not") {
                    tally.unknown += 1;
                } else {
                    tally.failures += 1;
                }
                may_have_rolled_back = rollback;
            }
            Outcome::Killed => {
                tally.kills += 1;
                may_have_rolled_back = rollback;
            }
            Outcome::Broken(why) => tally
                .violations
                .push(format!("{}: {why}", self.backend.name)),
        }
        if may_have_rolled_back {
            self.ledger
                .lock()
                .unwrap()
                .rollbacks
                .push((started, Instant::now()));
        }
    }

    fn violation(&self, what: String) {
        self.tally.lock().unwrap().violations.push(format!(
            "{} (seed {}): {what}",
            self.backend.name, self.seed
        ));
    }

    /// The invariants, with no floe process running.
    fn check(&self, python: &str, full: bool) {
        let b = &self.backend;
        let t = b.table.as_str();
        // Orphan removal with no age limit may only take what nothing reaches.
        b.check(&["remove-orphans", t, "--older-than", "0s", "--force"]);
        let verify = {
            let all = b.args(&["verify", t, "--all-snapshots", "--deep"]);
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            b.floe.run(&refs)
        };
        if verify.code != 0 {
            self.violation(format!(
                "verify found problems: {}{}",
                verify.stdout, verify.stderr
            ));
        }
        let counted = b.check(&[
            "query",
            t,
            "--select",
            "count(*) AS n, count(DISTINCT id) AS d",
        ]);
        let (n, distinct) = (
            counted[0]["n"].as_i64().unwrap(),
            counted[0]["d"].as_i64().unwrap(),
        );
        if n != distinct {
            self.violation(format!(
                "{n} rows but {distinct} distinct ids: rows duplicated"
            ));
        }
        let rows = b.check(&["query", t, "--select", "id"]);
        let present: BTreeSet<i64> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        {
            let ledger = self.ledger.lock().unwrap();
            for (start, count, seq, began, acked) in &ledger.adds {
                let replaced = ledger.overwrites.iter().any(|o| o > seq);
                let rolled_back = ledger.rollbacks.iter().any(|(_, r_acked)| r_acked > began);
                if replaced || rolled_back {
                    continue;
                }
                let missing: Vec<i64> = (*start..start + count)
                    .filter(|id| !present.contains(id))
                    .collect();
                if !missing.is_empty() {
                    self.violation(format!(
                        "acknowledged rows {start}..{} (sequence number {seq}, acknowledged {:?} ago) are missing: {missing:?}",
                        start + count,
                        acked.elapsed()
                    ));
                }
            }
        }
        // Every ref and (on the last round, every; otherwise a few) retained snapshot reads.
        let refs = b.check(&["refs", t]);
        for r in refs["refs"].as_array().unwrap() {
            let name = r["name"].as_str().unwrap();
            let all = b.args(&["query", t, "--ref", name, "--select", "count(*) AS n"]);
            let args: Vec<&str> = all.iter().map(String::as_str).collect();
            let run = b.floe.run(&args);
            if run.code != 0 {
                self.violation(format!("ref {name} does not read: {}", run.stderr));
            }
        }
        let snapshots = b.check(&["snapshots", t]);
        let ids: Vec<i64> = snapshots["snapshots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["snapshot_id"].as_i64().unwrap())
            .collect();
        let sample: Vec<&i64> = if full {
            ids.iter().collect()
        } else {
            ids.iter().rev().take(4).collect()
        };
        for id in sample {
            let id = id.to_string();
            let all = b.args(&["query", t, "--snapshot", &id, "--select", "count(*) AS n"]);
            let args: Vec<&str> = all.iter().map(String::as_str).collect();
            let run = b.floe.run(&args);
            if run.code != 0 {
                self.violation(format!("snapshot {id} does not read: {}", run.stderr));
            }
        }
        // Independent readers agree with floe on the current state.
        let metadata = b.check(&["describe", t])["metadata_location"]
            .as_str()
            .unwrap()
            .to_string();
        let pyiceberg = read_with(python, "tests/py/read_table.py", &{
            let mut a = vec!["--metadata".to_string(), metadata.clone()];
            if let Some(endpoint) = &b.s3_endpoint {
                a.extend(["--s3-endpoint".to_string(), endpoint.clone()]);
            }
            a
        });
        match pyiceberg {
            Ok(v) if v["row_count"].as_i64() == Some(n) => {}
            Ok(v) => self.violation(format!("PyIceberg reads {} rows, floe {n}", v["row_count"])),
            Err(e) => self.violation(format!("PyIceberg cannot read the table: {e}")),
        }
        if let Some(spark) = &self.spark {
            let mut spark = spark.lock().unwrap();
            let reply = spark.try_sql(&["SELECT count(*) AS n FROM floe.db.t"]);
            match reply["rows"][0]["n"].as_i64() {
                Some(m) if m == n => {}
                _ => self.violation(format!("Spark reads {reply}, floe {n} rows")),
            }
        }
        if b.s3_endpoint.is_none() {
            let duckdb = read_with(
                python,
                "tests/py/duckdb_reader.py",
                &[
                    "--table".to_string(),
                    metadata,
                    "--sql".to_string(),
                    "SELECT count(*) AS n FROM t".to_string(),
                ],
            );
            match duckdb {
                Ok(v) if v["rows"][0]["n"].as_i64() == Some(n) => {}
                Ok(v) => {
                    self.violation(format!("DuckDB reads {} rows, floe {n}", v["rows"][0]["n"]))
                }
                Err(e) => self.violation(format!("DuckDB cannot read the table: {e}")),
            }
        }
        self.tally.lock().unwrap().checks += 1;
    }
}

fn read_with(python: &str, script: &str, args: &[String]) -> Result<Value, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let out = Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

fn torture(backend: Backend, seed: u64, python: &str) -> Tally {
    let ops: u64 = env_num("TORTURE_OPS", 100);
    let workers: usize = env_num("TORTURE_WORKERS", 3);
    let rounds: u64 = env_num("TORTURE_ROUNDS", 4).max(1);
    let fault_log = backend.work.join("faults.log");
    let run = Arc::new(Run {
        seed,
        fault_rate: env_num("TORTURE_FAULT_RATE", 0.03),
        kill_rate: env_num("TORTURE_KILL_RATE", 0.05),
        fault_log: fault_log.clone(),
        next_id: AtomicI64::new(0),
        ledger: Mutex::default(),
        tally: Mutex::default(),
        spark: (backend.name == "directory-local"
            && std::env::var("TORTURE_SPARK").is_ok_and(|v| v == "1"))
        .then(|| {
            Mutex::new(common::spark::Spark::start(
                python,
                &backend.work.join("wh"),
            ))
        }),
        backend,
    });
    let first = run.input(20, None).1;
    run.backend.check(&[
        "create",
        &run.backend.table,
        "--like",
        &first,
        "--partition-by",
        "region",
    ]);
    run.backend.check(&[
        "properties",
        &run.backend.table,
        "--set",
        "commit.retry.min-wait-ms=5",
        "--set",
        "commit.retry.num-retries=6",
    ]);
    let per_round = ops.div_ceil(rounds);
    for round in 0..rounds {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                let run = run.clone();
                let count = per_round.div_ceil(workers as u64);
                std::thread::spawn(move || {
                    let mut rng = Rng(seed ^ (round << 32) ^ ((worker as u64) << 48) ^ 0x5eed);
                    for _ in 0..count {
                        run.operate(&mut rng, worker);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("worker thread");
        }
        run.check(python, round + 1 == rounds);
    }
    let mut tally = run.tally.lock().unwrap().clone();
    let faults = std::fs::read_to_string(&fault_log)
        .map(|s| s.lines().count())
        .unwrap_or(0);
    eprintln!(
        "torture {}: seed {seed}: {} operations ({} acknowledged, {} conflicts, {} failed, {} unknown, {} killed), {faults} faults injected, {} invariant checks, {} violations",
        run.backend.name,
        tally.operations,
        tally.acknowledged,
        tally.conflicts,
        tally.failures,
        tally.unknown,
        tally.kills,
        tally.checks,
        tally.violations.len()
    );
    tally.violations.sort();
    tally
}

#[test]
fn torture_run_loses_no_acknowledged_commit() {
    let Some(python) = python() else {
        return;
    };
    let seed: u64 = env_num("TORTURE_SEED", {
        let (hi, lo) = uuid::Uuid::new_v4().as_u64_pair();
        (hi ^ lo) >> 1
    });
    eprintln!("torture seed {seed} (replay with TORTURE_SEED={seed})");
    let mut backends = vec![Backend::local()];
    backends.extend(Backend::s3());
    backends.extend(Backend::sql(false));
    backends.extend(Backend::sql(true));
    let mut all: BTreeMap<&'static str, Tally> = BTreeMap::new();
    // The catalogs run side by side: each is its own table, and together they keep both
    // cores busy while one waits on a checker.
    let handles: Vec<_> = backends
        .into_iter()
        .map(|backend| {
            let python = python.clone();
            let name = backend.name;
            (
                name,
                std::thread::spawn(move || torture(backend, seed, &python)),
            )
        })
        .collect();
    for (name, handle) in handles {
        all.insert(name, handle.join().expect("torture thread"));
    }
    let violations: Vec<&String> = all.values().flat_map(|t| t.violations.iter()).collect();
    let operations: u64 = all.values().map(|t| t.operations).sum();
    assert!(
        operations >= 300 || env_num("TORTURE_OPS", 100) < 75,
        "{operations} operations"
    );
    assert!(
        violations.is_empty(),
        "seed {seed} (replay with TORTURE_SEED={seed}): {} violations:\n{}",
        violations.len(),
        violations
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
