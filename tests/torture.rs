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
//! The mix also has `compact --where` with random predicates (groups that lose to a
//! concurrent commit planned again), `rewrite-position-deletes` (dangling equality deletes
//! dropped; on v3, position deletes turned into deletion vectors), partition evolution,
//! merge-on-read upserts beside compaction, and `--skip-loaded` loads of a growing folder
//! (into main and into a branch) beside rollbacks: every file such a load saw must be in main
//! unless an overwrite or a rollback may have taken its rows.
//!
//! After each round's concurrent operations comes the differential oracle: row-level
//! operations one at a time (`delete --where`, `ingest --mode overwrite --where`,
//! `compact --where`) with random predicates from a small grammar (AND/OR/NOT, comparisons on
//! every column type, arithmetic, CAST, string functions, IS NULL, IN, BETWEEN, literals at
//! and beyond the data's bounds), partition evolution between them. Before each, PyIceberg
//! reads the rows and DuckDB evaluates the predicate over them; after it, PyIceberg reads
//! again and the rows must be exactly what the operation promises (the matching rows gone,
//! the input in, or, for compaction, nothing changed), or exactly as before when it failed.
//!
//! Runs on the directory catalog (local and S3, and locally on a format-version 3 table, whose
//! every check also proves row lineage: each live row has a `_row_id` no other row has, kept
//! through compaction, copy-on-write rewrites and deletion vectors unless an upsert replaced
//! the row), the SQL catalog (sqlite and postgres) and
//! the test REST catalog server (Iceberg's own handlers, honouring idempotency keys), whose
//! commits are at random answered 5xx after being applied, refused with 5xx, applied late
//! (after a 504), or delivered twice.
//! Settings (environment): TORTURE_SEED (random by default; printed, so a failure replays),
//! TORTURE_OPS (operations per catalog, default 100), TORTURE_WORKERS (default 3),
//! TORTURE_ROUNDS (default 4), TORTURE_ORACLE_OPS (oracle operations per round, default 3),
//! TORTURE_FAULT_RATE (default 0.03), TORTURE_KILL_RATE (0.05), TORTURE_REST_FAULT_RATE
//! (0.15), TORTURE_SPARK=1 (Spark also reads the local table at every check),
//! TORTURE_CATALOGS (a comma-separated subset of the catalogs' names, to replay one),
//! TORTURE_KEEP=1 (keep the working directories, named in the summary).
//! The long run: `TORTURE_OPS=1250 TORTURE_ROUNDS=25 TORTURE_SPARK=1 scripts/test --test torture -- --nocapture`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::rest_server::RestServer;
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

/// A backend's working directory; kept after the run with TORTURE_KEEP=1 (to look into a
/// failure).
fn torture_dir() -> tempfile::TempDir {
    let mut dir = tempfile::tempdir().unwrap();
    dir.disable_cleanup(std::env::var("TORTURE_KEEP").is_ok_and(|v| v == "1"));
    dir
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
    /// The test REST catalog server the table lives in (its faults are armed at random).
    rest: Option<RestServer>,
    /// The table's format version: on 3, every check also proves row lineage (see
    /// `check_lineage`).
    format_version: u8,
}

impl Backend {
    fn local() -> Backend {
        let dir = torture_dir();
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
            rest: None,
            format_version: 2,
        }
    }

    /// The local directory catalog with a format-version 3 table: deletion vectors for
    /// merge-on-read deletes, row lineage carried through every rewrite.
    fn local_v3() -> Backend {
        let mut backend = Backend::local();
        backend.name = "directory-local-v3";
        backend.format_version = 3;
        backend
    }

    fn s3() -> Option<Backend> {
        let s3 = common::s3()?;
        let dir = torture_dir();
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
            rest: None,
            format_version: 2,
        })
    }

    fn sql(postgres: bool) -> Option<Backend> {
        let dir = torture_dir();
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
            rest: None,
            format_version: 2,
        })
    }

    /// A table in the test REST catalog server, which keeps idempotency keys as a modern
    /// catalog does (so a commit delivered twice is answered, not applied, twice).
    fn rest() -> Option<Backend> {
        let server_dir = torture_dir();
        let warehouse = server_dir.path().join("wh").to_string_lossy().to_string();
        let server = RestServer::start_at(
            server_dir,
            &warehouse,
            &["--idempotency-key-lifetime", "PT5M"],
        )?;
        let dir = torture_dir();
        let work = dir.path().to_path_buf();
        std::fs::write(
            work.join("floe.yaml"),
            format!(
                "catalog:\n  default:\n    type: rest\n    uri: {}\n",
                server.url
            ),
        )
        .unwrap();
        let floe = Floe::new(&work);
        let made = floe.run(&["namespaces", "--create", "db"]);
        assert_eq!(made.code, 0, "{}", made.stderr);
        Some(Backend {
            name: "rest",
            floe,
            work,
            _dir: dir,
            flags: vec![],
            table: "db.t".into(),
            s3_endpoint: None,
            rest: Some(server),
            format_version: 2,
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
    /// Exit 2 where the operation may be refused (a `--where` compaction cannot use).
    Refused(String),
    /// A panic, a usage error or an unexplained exit: a violation by itself.
    Broken(String),
}

/// What may take a `--skip-loaded` source's rows out of main after it was loaded, as times
/// (operations whose outcome is unknown count as if they landed).
#[derive(Default)]
struct Removals {
    /// Starts of overwrites of main.
    overwrites: Vec<Instant>,
    /// (start, end) of rollbacks.
    rollbacks: Vec<(Instant, Instant)>,
    /// Starts of expiries: a rolled-back load whose snapshot is expired counts as loaded.
    expiries: Vec<Instant>,
}

/// Every acknowledged change that adds rows to main, and what may remove them.
#[derive(Default)]
struct Ledger {
    /// (first id, rows, sequence number, start, acknowledged at)
    adds: Vec<(i64, i64, i64, Instant, Instant)>,
    overwrites: Vec<i64>,
    /// (start, acknowledged at)
    rollbacks: Vec<(Instant, Instant)>,
    /// Sources in the `--skip-loaded` folder: (first id, rows, written at).
    sources: Vec<(i64, i64, Instant)>,
    /// Acknowledged `--skip-loaded` loads into main: (start, acknowledged at).
    skip_loads: Vec<(Instant, Instant)>,
    removals: Removals,
    /// Ids the oracle's deletes and overwrites matched, where they may have landed.
    oracle_removed: BTreeSet<i64>,
}

#[derive(Default, Debug, Clone)]
struct Tally {
    operations: u64,
    acknowledged: u64,
    conflicts: u64,
    failures: u64,
    unknown: u64,
    kills: u64,
    refused: u64,
    checks: u64,
    /// Row-level operations the differential oracle judged row for row.
    oracle_checks: u64,
    /// Server faults armed on the REST catalog.
    rest_faults: u64,
    violations: Vec<String>,
}

struct Run {
    backend: Backend,
    seed: u64,
    fault_rate: f64,
    kill_rate: f64,
    rest_fault_rate: f64,
    fault_log: PathBuf,
    next_id: AtomicI64,
    ledger: Mutex<Ledger>,
    tally: Mutex<Tally>,
    /// Spark reading the directory-local table (TORTURE_SPARK=1).
    spark: Option<Mutex<common::spark::Spark>>,
    /// Format v3: every `_row_id` each row (by its `id`) was seen with at a check, and the
    /// ids an upsert may have given a new row (a new `_row_id`) since the last one.
    lineage: Mutex<BTreeMap<i64, BTreeSet<i64>>>,
    upserted: Mutex<BTreeSet<i64>>,
}

impl Run {
    /// Run one operation as its own floe process with faults injected, perhaps killed part way.
    /// With `may_refuse`, exit 2 is an outcome (`Refused`), not a violation.
    fn execute(&self, rng: &mut Rng, args: Vec<String>, may_refuse: bool) -> Outcome {
        self.arm_rest_fault(rng);
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
            2 if may_refuse => Outcome::Refused(stderr),
            other => Outcome::Broken(format!("{args:?} exited {other}: {stderr}")),
        }
    }

    /// On the REST catalog, now and then, make the server mistreat the next commit: applied
    /// and answered 502, refused with 503, applied 300 ms after a 504, or delivered twice.
    fn arm_rest_fault(&self, rng: &mut Rng) {
        let Some(server) = &self.backend.rest else {
            return;
        };
        if !rng.chance(self.rest_fault_rate) {
            return;
        }
        let fault = match rng.below(4) {
            0 => r#"{"commit-fail-after-apply": 1, "status": 502}"#,
            1 => r#"{"commit-fail-before-apply": 1, "status": 503}"#,
            2 => r#"{"commit-apply-late": 1, "commit-apply-late-ms": 300}"#,
            _ => r#"{"commit-duplicate": 1}"#,
        };
        server.faults(fault);
        self.tally.lock().unwrap().rest_faults += 1;
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
        write_parquet(&path, &[with_nulls(batch)]);
        (start, path.to_string_lossy().to_string())
    }

    /// The rows `start..start+rows` again (ids already in the table), for an upsert.
    fn upsert_input(&self, start: i64, rows: usize) -> String {
        let path = self.backend.work.join(format!(
            "upsert-{start}-{}.parquet",
            uuid::Uuid::new_v4().simple()
        ));
        write_parquet(&path, &[with_nulls(events_batch(start, rows))]);
        path.to_string_lossy().to_string()
    }

    /// A new source in the `--skip-loaded` folder; returns the folder's glob.
    fn new_source(&self) -> String {
        let rows = 8;
        let start = self.next_id.fetch_add(rows, Ordering::SeqCst);
        let folder = self.backend.work.join("drop");
        std::fs::create_dir_all(&folder).unwrap();
        // Written whole, then renamed in, as a drop folder must be: a load that saw a file
        // half written would record it by its size then and load it again once complete.
        let partial = folder.join(format!("src-{start}.partial"));
        write_parquet(&partial, &[with_nulls(events_batch(start, rows as usize))]);
        std::fs::rename(&partial, folder.join(format!("src-{start}.parquet"))).unwrap();
        self.ledger
            .lock()
            .unwrap()
            .sources
            .push((start, rows, Instant::now()));
        format!("{}/*.parquet", folder.display())
    }

    /// One random operation, recorded in the ledger when acknowledged.
    fn operate(&self, rng: &mut Rng, worker: usize) {
        let t = self.backend.table.clone();
        let roll = rng.below(126);
        // The operation's kind, where the ledger needs more than the roll tells.
        let mut skip_load_main = false;
        let mut may_refuse = false;
        let mut removal: Option<&'static str> = None;
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
                    removal = Some("overwrite");
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
                    removal = Some("expire");
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
                94..=99 => {
                    let at = now_ms - rng.below(3000) as i64;
                    let args = vec!["rollback".into(), t, "--to-time".into(), at.to_string()];
                    (args, None, false, true)
                }
                // Compaction of the files a random predicate on partition sources selects:
                // every row of them must stay (the ledger's check proves it).
                100..=105 => {
                    may_refuse = true;
                    let filter = predicate(rng, &self.bounds(), Columns::PartitionSources, 3);
                    let mut args = vec!["compact".into(), t, "--where".into(), filter];
                    if rng.chance(0.5) {
                        args.push("--rewrite-all".into());
                    } else {
                        args.extend(["--min-input-files".into(), "2".into()]);
                    }
                    (args, None, false, false)
                }
                106..=109 => (partition_evolution(rng, t), None, false, false),
                // A merge-on-read upsert of ids already loaded, beside compactions.
                110..=114 => {
                    // Ids of an acknowledged add: never added again by anyone else, so the
                    // upsert cannot race a pending append of the same ids into a duplicate.
                    let acked: Vec<(i64, i64)> = {
                        let ledger = self.ledger.lock().unwrap();
                        ledger.adds.iter().map(|a| (a.0, a.1)).collect()
                    };
                    let (start, rows) = match acked.len() {
                        0 => (0, 0),
                        n => acked[rng.below(n as u64) as usize],
                    };
                    let rows = rows.clamp(1, 10);
                    self.upserted.lock().unwrap().extend(start..start + rows);
                    let input = self.upsert_input(start, rows as usize);
                    let args = vec![
                        "ingest".into(),
                        t,
                        input,
                        "--upsert".into(),
                        "id".into(),
                        "--row-mode".into(),
                        "merge-on-read".into(),
                    ];
                    (args, None, false, false)
                }
                // Delete-file hygiene beside the writers: merged (or, on v3, converted to
                // deletion vectors) position deletes and dropped dangling ones change no row.
                115..=118 => (
                    vec![
                        "rewrite-position-deletes".into(),
                        t,
                        "--min-input-files".into(),
                        "1".into(),
                    ],
                    None,
                    false,
                    false,
                ),
                // A load of the folder's new sources, into main or the branch.
                _ => {
                    let glob = self.new_source();
                    let mut args = vec!["ingest".into(), t, glob, "--skip-loaded".into()];
                    if rng.chance(0.3) {
                        args.extend(["--branch".into(), "dev".into()]);
                    } else {
                        skip_load_main = true;
                    }
                    (args, None, false, false)
                }
            };
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let full = self.backend.args(&refs);
        let started = Instant::now();
        let outcome = self.execute(rng, full, may_refuse);
        {
            let mut ledger = self.ledger.lock().unwrap();
            match removal {
                Some("overwrite") => ledger.removals.overwrites.push(started),
                Some(_) => ledger.removals.expiries.push(started),
                None => {}
            }
        }
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
                if skip_load_main {
                    ledger.skip_loads.push((started, acked));
                }
            }
            Outcome::Refused(stderr) => {
                if stderr.contains("cannot be evaluated on partitions")
                    || stderr.contains("not a partition source column")
                {
                    tally.refused += 1;
                } else {
                    tally.violations.push(format!(
                        "{}: {args:?} refused for another reason: {stderr}",
                        self.backend.name
                    ));
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
        let mut ledger = self.ledger.lock().unwrap();
        if may_have_rolled_back {
            ledger.rollbacks.push((started, Instant::now()));
        }
        if rollback {
            ledger.removals.rollbacks.push((started, Instant::now()));
        }
    }

    /// The ids and timestamps the predicates draw literals around.
    fn bounds(&self) -> Bounds {
        Bounds {
            max_id: self.next_id.load(Ordering::SeqCst),
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
        if b.format_version == 3 {
            self.check_lineage();
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
        let rows = b.check(&["query", t, "--select", "id"]);
        if n != distinct {
            let mut seen = BTreeSet::new();
            let twice: BTreeSet<i64> = rows
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_i64().unwrap())
                .filter(|id| !seen.insert(*id))
                .collect();
            self.violation(format!(
                "{n} rows but {distinct} distinct ids: rows duplicated: {:?}",
                twice.iter().take(20).collect::<Vec<_>>()
            ));
        }
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
                    .filter(|id| !present.contains(id) && !ledger.oracle_removed.contains(id))
                    .collect();
                if !missing.is_empty() {
                    self.violation(format!(
                        "acknowledged rows {start}..{} (sequence number {seq}, acknowledged {:?} ago) are missing: {missing:?}",
                        start + count,
                        acked.elapsed()
                    ));
                }
            }
            // Every source an acknowledged --skip-loaded load into main saw is in main,
            // loaded then or before, unless something may have taken its rows since.
            let r = &ledger.removals;
            for (began, acked) in &ledger.skip_loads {
                for (start, count, written) in &ledger.sources {
                    if written >= began {
                        continue;
                    }
                    let overwritten = r.overwrites.iter().any(|o| o > written);
                    let rolled_back = r.rollbacks.iter().any(|(_, end)| end > began);
                    // A rolled-back load whose snapshot was then expired counts as loaded.
                    let forgotten = r.rollbacks.iter().any(|(start, _)| start > written)
                        && r.expiries.iter().any(|e| e > written);
                    if overwritten || rolled_back || forgotten {
                        continue;
                    }
                    let missing: Vec<i64> = (*start..start + count)
                        .filter(|id| !present.contains(id) && !ledger.oracle_removed.contains(id))
                        .collect();
                    if !missing.is_empty() {
                        self.violation(format!(
                            "source rows {start}..{} seen by a --skip-loaded load acknowledged {:?} ago are missing from main: {missing:?}",
                            start + count,
                            acked.elapsed()
                        ));
                    }
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
        // Independent readers agree with floe on the current state. PyIceberg cannot read
        // equality deletes: a compaction (itself checked to change no row) applies them first.
        if !self.settle_equality_deletes() {
            self.tally.lock().unwrap().checks += 1;
            return;
        }
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

impl Run {
    /// Row lineage on a v3 table: every live row of main has a `_row_id`, no two share one,
    /// and a row keeps its `_row_id` through every compaction, copy-on-write rewrite, DV
    /// merge and rollback since the last check, unless an upsert replaced it.
    fn check_lineage(&self) {
        let b = &self.backend;
        let rows = b.check(&["query", &b.table, "--select", "id, _row_id"]);
        let mut now: Vec<(i64, i64)> = vec![];
        let mut seen: BTreeSet<i64> = BTreeSet::new();
        for row in rows.as_array().unwrap() {
            let id = row["id"].as_i64().unwrap();
            let Some(row_id) = row["_row_id"].as_i64() else {
                self.violation(format!("row {id} has no _row_id"));
                continue;
            };
            if !seen.insert(row_id) {
                self.violation(format!(
                    "_row_id {row_id} is held by two rows (one is {id})"
                ));
            }
            now.push((id, row_id));
        }
        let upserted = std::mem::take(&mut *self.upserted.lock().unwrap());
        let mut history = self.lineage.lock().unwrap();
        for (id, row_id) in now {
            let had = history.entry(id).or_default();
            // A rollback may bring back an id's earlier version, with the _row_id it had.
            if !had.is_empty() && !had.contains(&row_id) && !upserted.contains(&id) {
                self.violation(format!(
                    "row {id} has _row_id {row_id}, but had only {had:?} and was not upserted since the last check"
                ));
            }
            had.insert(row_id);
        }
        self.tally.lock().unwrap().oracle_checks += 1;
    }

    /// The ids of main's rows, as floe reads them, sorted.
    fn floe_ids(&self) -> Vec<i64> {
        let rows = self
            .backend
            .check(&["query", &self.backend.table, "--select", "id"]);
        let mut ids: Vec<i64> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        ids.sort_unstable();
        ids
    }

    fn equality_delete_files(&self) -> usize {
        let files = self.backend.check(&["files", &self.backend.table]);
        files["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["content"] == "equality_deletes")
            .count()
    }

    /// Rewrite every file (no faults, nothing else running) so no equality delete is left
    /// for PyIceberg to refuse; the rows must be the same before and after. False when some
    /// are left (a violation is recorded then).
    fn settle_equality_deletes(&self) -> bool {
        if self.equality_delete_files() == 0 {
            return true;
        }
        let before = self.floe_ids();
        let t = self.backend.table.as_str();
        self.backend
            .check(&["compact", t, "--rewrite-all", "--min-input-files", "1"]);
        let after = self.floe_ids();
        if after != before {
            self.violation(format!(
                "a compaction applying equality deletes changed the rows: {} ids before, {} after",
                before.len(),
                after.len()
            ));
        }
        match self.equality_delete_files() {
            0 => true,
            left => {
                self.violation(format!(
                    "{left} equality delete files are left after rewriting every data file"
                ));
                false
            }
        }
    }

    /// Rows of main and, with `filter`, the ids DuckDB finds matching it, from PyIceberg's
    /// read of the current metadata.
    fn oracle_read(
        &self,
        python: &str,
        filter: Option<&str>,
    ) -> Result<(Vec<Value>, Vec<i64>), String> {
        let metadata = self.backend.check(&["describe", &self.backend.table])["metadata_location"]
            .as_str()
            .unwrap()
            .to_string();
        let mut args = vec!["--metadata".to_string(), metadata];
        if let Some(endpoint) = &self.backend.s3_endpoint {
            args.extend(["--s3-endpoint".to_string(), endpoint.clone()]);
        }
        if let Some(filter) = filter {
            args.extend(["--where".to_string(), filter.to_string()]);
        }
        let doc = read_with(python, "tests/py/torture_oracle.py", &args)?;
        let rows = doc["rows"].as_array().cloned().unwrap_or_default();
        let matching = doc["matching_ids"]
            .as_array()
            .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        Ok((rows, matching))
    }

    /// One row-level operation judged row for row: PyIceberg's rows before, DuckDB's verdict
    /// on the predicate over them, PyIceberg's rows after.
    fn oracle_step(&self, rng: &mut Rng, python: &str) {
        let t = self.backend.table.clone();
        if rng.chance(0.3) {
            // Partition evolution between row-level operations (it may fail: a field that is
            // there already, or not there).
            let args = partition_evolution(rng, t.clone());
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let full = self.backend.args(&refs);
            let refs: Vec<&str> = full.iter().map(String::as_str).collect();
            let run = self.backend.floe.run(&refs);
            if run.code != 0 && run.code != 1 {
                self.violation(format!("{args:?} exited {}: {}", run.code, run.stderr));
            }
        }
        if !self.settle_equality_deletes() {
            return;
        }
        let bounds = self.bounds();
        let (kind, filter, input) = match rng.below(10) {
            0..=3 => ("delete", predicate(rng, &bounds, Columns::All, 3), None),
            4..=6 => {
                let (start, input) = self.input(10, None);
                let filter = format!(
                    "({}) OR id >= {start}",
                    predicate(rng, &bounds, Columns::All, 3)
                );
                ("overwrite", filter, Some((start, input)))
            }
            _ => (
                "compact",
                predicate(rng, &bounds, Columns::PartitionSources, 3),
                None,
            ),
        };
        let (before, matching) = match self.oracle_read(python, Some(&filter)) {
            Ok(read) => read,
            Err(e) => {
                self.violation(format!("the oracle cannot read the table: {e}"));
                return;
            }
        };
        let mut args: Vec<String> = match (kind, &input) {
            ("delete", _) => {
                let mode = if rng.chance(0.5) {
                    "merge-on-read"
                } else {
                    "copy-on-write"
                };
                vec![
                    "delete".into(),
                    t,
                    "--where".into(),
                    filter.clone(),
                    "--mode".into(),
                    mode.into(),
                ]
            }
            ("overwrite", Some((_, path))) => vec![
                "ingest".into(),
                t,
                path.clone(),
                "--mode".into(),
                "overwrite".into(),
                "--where".into(),
                filter.clone(),
            ],
            _ => vec!["compact".into(), t, "--where".into(), filter.clone()],
        };
        if kind == "compact" {
            args.push(
                if rng.chance(0.5) {
                    "--rewrite-all"
                } else {
                    "--min-input-files=1"
                }
                .into(),
            );
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let full = self.backend.args(&refs);
        let outcome = self.execute(rng, full, kind == "compact");
        let (after, _) = match self.oracle_read(python, None) {
            Ok(read) => read,
            Err(e) => {
                self.violation(format!(
                    "the oracle cannot read the table after {args:?}: {e}"
                ));
                return;
            }
        };
        let id_of = |r: &Value| r["id"].as_i64().unwrap();
        let gone: BTreeSet<i64> = matching.iter().copied().collect();
        let added: BTreeSet<i64> = match &input {
            Some((start, _)) => (*start..start + 10).collect(),
            None => BTreeSet::new(),
        };
        // What the operation promises when it lands: kept rows unchanged, column for column.
        let promised: Vec<&Value> = match kind {
            "compact" => before.iter().collect(),
            _ => before
                .iter()
                .filter(|r| !gone.contains(&id_of(r)))
                .collect(),
        };
        let landed_as_promised = || {
            let kept: Vec<&Value> = after
                .iter()
                .filter(|r| !added.contains(&id_of(r)))
                .collect();
            let mut new_ids: Vec<i64> = after
                .iter()
                .map(id_of)
                .filter(|id| added.contains(id))
                .collect();
            new_ids.sort_unstable();
            kept == promised && new_ids == added.iter().copied().collect::<Vec<_>>()
        };
        let unchanged = || after == before;
        let mut tally = self.tally.lock().unwrap();
        tally.operations += 1;
        tally.oracle_checks += 1;
        let verdict: Result<(), String> = match &outcome {
            Outcome::Acked(report) => {
                tally.acknowledged += 1;
                if !landed_as_promised() {
                    Err("acknowledged, but the rows are not what it promised".into())
                } else if kind == "delete"
                    && report["rows_deleted"].as_u64() != Some(gone.len() as u64)
                {
                    Err(format!(
                        "reported {} rows deleted, DuckDB finds {} matching",
                        report["rows_deleted"],
                        gone.len()
                    ))
                } else {
                    Ok(())
                }
            }
            Outcome::Refused(stderr) => {
                tally.refused += 1;
                if !(stderr.contains("cannot be evaluated on partitions")
                    || stderr.contains("not a partition source column"))
                {
                    Err(format!("refused for another reason: {stderr}"))
                } else if !unchanged() {
                    Err("refused, yet the rows changed".into())
                } else {
                    Ok(())
                }
            }
            Outcome::Conflict => {
                tally.conflicts += 1;
                if unchanged() || kind == "compact" && landed_as_promised() {
                    Ok(())
                } else {
                    Err("a conflict, yet the rows changed".into())
                }
            }
            Outcome::Failed(stderr) => {
                let unknown =
                    stderr.contains("commit_state_unknown") || stderr.contains("may or may not");
                if unknown {
                    tally.unknown += 1;
                } else {
                    tally.failures += 1;
                }
                // Compaction commits groups on their own: some may have landed.
                if unchanged() || ((unknown || kind == "compact") && landed_as_promised()) {
                    Ok(())
                } else {
                    Err(format!(
                        "failed, yet the rows changed: {}",
                        stderr.lines().next().unwrap_or("")
                    ))
                }
            }
            Outcome::Killed => {
                tally.kills += 1;
                if unchanged() || landed_as_promised() {
                    Ok(())
                } else {
                    Err("killed, and the rows are neither as before nor as promised".into())
                }
            }
            Outcome::Broken(why) => Err(why.clone()),
        };
        drop(tally);
        let may_have_landed = !matches!(outcome, Outcome::Refused(_) | Outcome::Conflict);
        if kind != "compact" && may_have_landed {
            self.ledger
                .lock()
                .unwrap()
                .oracle_removed
                .extend(gone.iter().copied());
        }
        if let Err(why) = verdict {
            let before_ids: BTreeSet<i64> = before.iter().map(id_of).collect();
            let after_ids: BTreeSet<i64> = after.iter().map(id_of).collect();
            let lost: Vec<i64> = before_ids
                .iter()
                .filter(|id| !after_ids.contains(id) && !gone.contains(id))
                .take(10)
                .copied()
                .collect();
            let kept_matching: Vec<i64> = gone
                .iter()
                .filter(|id| after_ids.contains(id) && kind != "compact")
                .take(10)
                .copied()
                .collect();
            self.violation(format!(
                "{args:?}: {why} ({} rows before, {} matching, {} after; lost rows that did not match: {lost:?}; matching rows kept: {kept_matching:?})",
                before.len(),
                gone.len(),
                after.len()
            ));
        }
    }
}

/// The columns a predicate may use: all (delete, overwrite), or only the partition source
/// columns (compaction's `--where` selects partitions).
#[derive(Clone, Copy, PartialEq)]
enum Columns {
    All,
    PartitionSources,
}

/// Where the data's values lie, for literals at and beyond them.
struct Bounds {
    max_id: i64,
}

/// A random predicate, `depth` levels of AND/OR/NOT at most, over the torture table's columns
/// (id long, region string with nulls, ts timestamptz, amount double, qty int with nulls), in
/// SQL both DataFusion and DuckDB evaluate alike.
fn predicate(rng: &mut Rng, bounds: &Bounds, columns: Columns, depth: u32) -> String {
    if depth > 0 && rng.chance(0.55) {
        return match rng.below(3) {
            0 => format!(
                "({} AND {})",
                predicate(rng, bounds, columns, depth - 1),
                predicate(rng, bounds, columns, depth - 1)
            ),
            1 => format!(
                "({} OR {})",
                predicate(rng, bounds, columns, depth - 1),
                predicate(rng, bounds, columns, depth - 1)
            ),
            _ => format!("NOT ({})", predicate(rng, bounds, columns, depth - 1)),
        };
    }
    let cmp = ["=", "<>", "<", "<=", ">", ">="][rng.below(6) as usize];
    // Ids from below the smallest to beyond the largest.
    let id = |rng: &mut Rng| rng.below(bounds.max_id.max(1) as u64 + 10) as i64 - 5;
    let day = |rng: &mut Rng| {
        // The data's ts run over 120 days from 2024-01-01; a few days either side too.
        let days = rng.below(130) as i64 - 5;
        let at = chrono::DateTime::from_timestamp(
            1_704_067_200 + days * 86_400 + rng.below(86_400) as i64,
            0,
        )
        .unwrap();
        at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    };
    let region = |rng: &mut Rng| ["eu", "us", "ap", "zz", "a"][rng.below(5) as usize];
    let partition_atoms = 9;
    let all_atoms = 20;
    let pick = match columns {
        Columns::PartitionSources => rng.below(partition_atoms),
        Columns::All => rng.below(all_atoms),
    };
    match pick {
        0 => format!("id {cmp} {}", id(rng)),
        1 => format!("region {cmp} '{}'", region(rng)),
        2 => format!("ts {cmp} '{}'", day(rng)),
        3 => format!("id IN ({}, {}, {})", id(rng), id(rng), id(rng)),
        4 => format!("region IN ('{}', '{}')", region(rng), region(rng)),
        5 => {
            let lo = id(rng);
            format!("id BETWEEN {lo} AND {}", lo + rng.below(200) as i64)
        }
        6 => "region IS NULL".into(),
        7 => format!("{} {cmp} id", id(rng)),
        // Not convertible: on its own a compaction refuses it, beside others it drops out.
        8 => format!("id % {} = {}", 2 + rng.below(5), rng.below(2)),
        9 => format!("qty {cmp} {}", rng.below(13) as i64 - 1),
        10 => "qty IS NULL".into(),
        11 => "region IS NOT NULL".into(),
        12 => format!(
            "amount {cmp} {}.5",
            rng.below(bounds.max_id.max(1) as u64 / 2 + 5)
        ),
        13 => format!("id + {} {cmp} {}", rng.below(50), id(rng)),
        14 => format!("CAST(id AS VARCHAR) {cmp} '{}'", rng.below(10)),
        15 => format!("CAST(qty AS VARCHAR) = '{}'", rng.below(10)),
        16 => format!("upper(region) = '{}'", region(rng).to_uppercase()),
        17 => format!("length(region) {cmp} {}", rng.below(4)),
        18 => format!(
            "substr(region, 1, 1) = '{}'",
            ["e", "u", "a"][rng.below(3) as usize]
        ),
        _ => format!("qty NOT IN ({}, {})", rng.below(10), rng.below(10)),
    }
}

/// A random partition spec change: add or remove a bucket of id, the month of ts, or region.
fn partition_evolution(rng: &mut Rng, table: String) -> Vec<String> {
    let field = ["bucket(4, id)", "month(ts)", "region"][rng.below(3) as usize];
    let verb = if rng.chance(0.5) { "--add" } else { "--remove" };
    vec![
        "partition".into(),
        "evolve".into(),
        table,
        verb.into(),
        field.into(),
    ]
}

/// The torture input's rows with some nulls: region every 11th id, qty every 7th.
fn with_nulls(batch: arrow::array::RecordBatch) -> arrow::array::RecordBatch {
    use arrow::array::{ArrayRef, Int32Array, Int64Array, StringArray};
    let ids = batch
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap()
        .clone();
    let schema = batch.schema();
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    let region = schema.index_of("region").unwrap();
    let regions = columns[region]
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap()
        .clone();
    columns[region] =
        Arc::new(StringArray::from_iter((0..ids.len()).map(|i| {
            (ids.value(i) % 11 != 5).then(|| regions.value(i).to_string())
        })));
    let qty = schema.index_of("qty").unwrap();
    let qtys = columns[qty]
        .as_any()
        .downcast_ref::<Int32Array>()
        .unwrap()
        .clone();
    columns[qty] = Arc::new(Int32Array::from_iter(
        (0..ids.len()).map(|i| (ids.value(i) % 7 != 3).then(|| qtys.value(i))),
    ));
    arrow::array::RecordBatch::try_new(schema, columns).unwrap()
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
        rest_fault_rate: env_num("TORTURE_REST_FAULT_RATE", 0.15),
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
        lineage: Mutex::default(),
        upserted: Mutex::default(),
        backend,
    });
    let first = run.input(20, None).1;
    let mut create = vec![
        "create".to_string(),
        run.backend.table.clone(),
        "--like".into(),
        first,
        "--partition-by".into(),
        "region".into(),
    ];
    if run.backend.format_version == 3 {
        create.extend([
            "--format-version".into(),
            "3".into(),
            "--property".into(),
            "write.delete.mode=merge-on-read".into(),
        ]);
    }
    run.backend
        .check(&create.iter().map(String::as_str).collect::<Vec<_>>());
    run.backend.check(&[
        "properties",
        &run.backend.table,
        "--set",
        "commit.retry.min-wait-ms=5",
        "--set",
        "commit.retry.num-retries=6",
    ]);
    let per_round = ops.div_ceil(rounds);
    let oracle_ops: u64 = env_num("TORTURE_ORACLE_OPS", 3);
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
        let mut rng = Rng(seed ^ (round << 32) ^ 0x0ac1e);
        for _ in 0..oracle_ops {
            run.oracle_step(&mut rng, python);
        }
        run.check(python, round + 1 == rounds);
    }
    let mut tally = run.tally.lock().unwrap().clone();
    let faults = std::fs::read_to_string(&fault_log)
        .map(|s| s.lines().count())
        .unwrap_or(0);
    eprintln!(
        "torture {}: seed {seed}: {} operations ({} acknowledged, {} conflicts, {} failed, {} unknown, {} killed, {} refused), {faults} storage faults and {} server faults injected, {} invariant checks, {} differential oracle checks, {} violations",
        run.backend.name,
        tally.operations,
        tally.acknowledged,
        tally.conflicts,
        tally.failures,
        tally.unknown,
        tally.kills,
        tally.refused,
        tally.rest_faults,
        tally.checks,
        tally.oracle_checks,
        tally.violations.len()
    );
    if std::env::var("TORTURE_KEEP").is_ok_and(|v| v == "1") {
        eprintln!(
            "torture {}: kept in {}",
            run.backend.name,
            run.backend.work.display()
        );
    }
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
    let selection = std::env::var("TORTURE_CATALOGS").unwrap_or_default();
    let wanted =
        |name: &str| selection.is_empty() || selection.split(',').any(|w| w.trim() == name);
    let mut backends = vec![];
    if wanted("directory-local") {
        backends.push(Backend::local());
    }
    if wanted("directory-local-v3") {
        backends.push(Backend::local_v3());
    }
    if wanted("directory-s3") {
        backends.extend(Backend::s3());
    }
    if wanted("sql-sqlite") {
        backends.extend(Backend::sql(false));
    }
    if wanted("sql-postgres") {
        backends.extend(Backend::sql(true));
    }
    if wanted("rest") {
        backends.extend(Backend::rest());
    }
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
        operations >= 300 || env_num("TORTURE_OPS", 100) < 75 || !selection.is_empty(),
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
