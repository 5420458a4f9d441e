//! The REST catalog against a server running Apache Iceberg's own request handlers
//! (tests/support/rest_catalog, started per test by scripts/rest-catalog-server): every
//! command through it, OAuth2, commits whose answer is lost, concurrent writers with PyIceberg,
//! vended credentials, and the errors a user meets.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::rest_server::RestServer;
use common::*;
use serde_json::Value;

/// A working directory with a floe config for the server, PyIceberg beside it.
struct Client {
    _dir: tempfile::TempDir,
    work: PathBuf,
    floe: Floe,
    python: String,
    uri: String,
    credential: Option<String>,
}

impl Client {
    fn new(server: &RestServer, extra: &str) -> Client {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().to_path_buf();
        std::fs::write(
            work.join("floe.yaml"),
            format!(
                "catalog:\n  default:\n    type: rest\n    uri: {}\n{extra}",
                server.url
            ),
        )
        .unwrap();
        Client {
            floe: Floe::new(&work),
            _dir: dir,
            work,
            python: python().unwrap(),
            uri: server.url.clone(),
            credential: None,
        }
    }

    fn py(&self, args: &[&str]) -> Value {
        let mut extra = vec!["--uri", self.uri.as_str()];
        if let Some(credential) = &self.credential {
            extra.extend(["--credential", credential.as_str()]);
        }
        py_script_json(&self.python, "sql_catalog.py", args, &extra)
    }

    /// PyIceberg's sample rows as a Parquet file.
    fn sample_parquet(&self, start: i64, rows: i64) -> String {
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

    /// Namespace `db` and table `db.t` holding PyIceberg's sample rows 0..10; returns the
    /// sample file.
    fn sample_table(&self) -> String {
        self.floe.json(&["namespaces", "--create", "db"]);
        let first = self.sample_parquet(0, 10);
        self.floe.json(&["create", "db.t", "--like", &first]);
        self.floe.json(&["ingest", "db.t", &first]);
        first
    }

    fn ids(&self, table: &str) -> Vec<i64> {
        let read = self.py(&["read", "--table", table]);
        read["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect()
    }
}

fn count(floe: &Floe, table: &str) -> i64 {
    let rows = floe.json(&["sql", &format!("SELECT count(*) AS n FROM {table}")]);
    rows[0]["n"].as_i64().unwrap()
}

fn snapshot_ids(floe: &Floe, table: &str) -> Vec<i64> {
    floe.json(&["snapshots", table])["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["snapshot_id"].as_i64().unwrap())
        .collect()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Every floe command through the REST catalog (behind a path prefix), with PyIceberg on the
/// same catalog reading floe's commits and floe reading PyIceberg's.
#[test]
fn every_command_works_through_the_rest_catalog() {
    let Some(server) = RestServer::start(&["--prefix", "lake1"]) else {
        return;
    };
    let client = Client::new(&server, "");
    let floe = &client.floe;

    server.control("DELETE", "/test/requests", "");
    let ns = floe.json(&[
        "namespaces",
        "--create",
        "db",
        "--create",
        "scratch",
        "--property",
        "owner=data-eng",
    ]);
    assert_eq!(ns["properties"]["db"]["owner"], "data-eng", "{ns}");
    // One command connects once, however many catalog calls it makes.
    let configs = server
        .requests()
        .iter()
        .filter(|r| r["path"] == "/v1/config")
        .count();
    assert_eq!(configs, 1);
    floe.json(&["namespaces", "--drop", "scratch"]);

    // PyIceberg creates and appends; floe reads it.
    let created = client.py(&["create", "--table", "db.events", "--rows", "20"]);
    let py_first = created["snapshot_ids"][0].as_i64().unwrap();
    let described = floe.json(&["describe", "db.events"]);
    assert_eq!(described["totals"]["records"], 20);
    assert_eq!(
        described["current_snapshot"]["snapshot_id"].as_i64(),
        Some(py_first)
    );
    assert!(
        described["metadata_location"]
            .as_str()
            .unwrap()
            .starts_with(&format!("file://{}", server.warehouse)),
        "{described}"
    );

    // floe appends; PyIceberg reads floe's rows.
    let parquet = client.sample_parquet(100, 10);
    let ingested = floe.json(&["ingest", "db.events", &parquet]);
    assert_eq!(ingested["records_added"], 10);
    let read = client.py(&["read", "--table", "db.events"]);
    assert_eq!(read["snapshot_id"], ingested["snapshot_id"]);
    assert_eq!(
        client.ids("db.events"),
        (0..20).chain(100..110).collect::<Vec<_>>()
    );

    // PyIceberg appends on top; floe sees every snapshot.
    let appended = client.py(&[
        "append",
        "--table",
        "db.events",
        "--start",
        "200",
        "--rows",
        "5",
    ]);
    let py_second = appended["snapshot_ids"][0].as_i64().unwrap();
    assert_eq!(
        snapshot_ids(floe, "db.events"),
        vec![
            py_first,
            ingested["snapshot_id"].as_i64().unwrap(),
            py_second
        ]
    );
    assert_eq!(count(floe, "db.events"), 35);

    // Branches and tags; an ingest into a branch leaves main alone.
    floe.json(&["branch", "create", "db.events", "dev"]);
    floe.json(&["tag", "create", "db.events", "before-dev"]);
    let dev = floe.json(&[
        "ingest",
        "db.events",
        &client.sample_parquet(300, 4),
        "--branch",
        "dev",
    ]);
    let refs = floe.json(&["refs", "db.events"]);
    let refs = refs["refs"].as_array().unwrap();
    let dev_ref = refs.iter().find(|r| r["name"] == "dev").unwrap();
    assert_eq!(dev_ref["snapshot_id"], dev["snapshot_id"]);
    assert_eq!(count(floe, "db.events"), 35);
    let on_dev = floe.json(&["query", "db.events", "--ref", "dev", "--select", "id"]);
    assert_eq!(on_dev.as_array().unwrap().len(), 39);

    // Time travel to PyIceberg's first snapshot.
    let then = floe.json(&[
        "query",
        "db.events",
        "--snapshot",
        &py_first.to_string(),
        "--select",
        "id",
    ]);
    assert_eq!(then.as_array().unwrap().len(), 20);

    // Inspection.
    assert!(!floe.json(&["history", "db.events"])["history"]
        .as_array()
        .unwrap()
        .is_empty());
    let files = floe.json(&["files", "db.events"]);
    assert!(files["files"].as_array().unwrap().len() >= 3, "{files}");
    assert!(!floe.json(&["manifests", "db.events"])["manifests"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(!floe.json(&["partitions", "db.events"])["partitions"]
        .as_array()
        .unwrap()
        .is_empty());

    // Schema and partition evolution, properties.
    floe.json(&["schema", "evolve", "db.events", "--add", "note:string"]);
    let schema = floe.json(&["schema", "db.events"]);
    let current = schema["schemas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["is_current"] == true)
        .unwrap();
    assert!(
        current["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "note"),
        "{schema}"
    );
    floe.json(&["partition", "evolve", "db.events", "--add", "bucket(4, id)"]);
    floe.json(&[
        "properties",
        "db.events",
        "--set",
        "commit.retry.num-retries=6",
    ]);
    let props = floe.json(&["properties", "db.events"]);
    assert_eq!(
        props["properties"]["commit.retry.num-retries"], "6",
        "{props}"
    );

    // Maintenance: compaction keeps every row; manifests rewritten; expiry and orphans.
    floe.json(&["ingest", "db.events", &client.sample_parquet(400, 3)]);
    let compacted = floe.json(&["compact", "db.events", "--min-input-files", "2"]);
    assert!(
        compacted["files_rewritten"].as_u64().unwrap() >= 2,
        "{compacted}"
    );
    assert_eq!(count(floe, "db.events"), 38);
    floe.json(&["rewrite-manifests", "db.events"]);
    let expired = floe.json(&[
        "expire",
        "db.events",
        "--retain-last",
        "2",
        "--older-than",
        "0s",
    ]);
    assert!(
        !expired["expired_snapshot_ids"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{expired}"
    );
    assert_eq!(count(floe, "db.events"), 38);
    assert_eq!(client.ids("db.events").len(), 38);
    let orphans = floe.json(&["remove-orphans", "db.events", "--dry-run"]);
    assert_eq!(orphans["orphans"].as_array().unwrap().len(), 0, "{orphans}");
    assert_eq!(floe.run(&["verify", "db.events"]).ok().code, 0);
    let health = floe.run(&["health", "db.events", "-o", "json"]);
    assert!(health.code == 0 || health.code == 4, "{}", health.stderr);
    floe.json(&["maintain", "db.events", "--dry-run"]);

    // Rollback to the compaction's snapshot (under rewrite-manifests' one).
    let compaction = compacted["snapshot_ids"][0].as_i64().unwrap();
    let rolled = floe.json(&[
        "rollback",
        "db.events",
        "--to-snapshot",
        &compaction.to_string(),
    ]);
    assert_eq!(rolled["snapshot_id"].as_i64(), Some(compaction), "{rolled}");
    assert_eq!(
        floe.json(&["describe", "db.events"])["current_snapshot"]["snapshot_id"].as_i64(),
        Some(compaction)
    );
    assert_eq!(count(floe, "db.events"), 38);

    // Catalog management: list, rename, drop and register again, drop with purge.
    let listed = floe.json(&["list", "db"]);
    assert_eq!(listed["catalog_type"], "rest", "{listed}");
    assert_eq!(listed["tables"].as_array().unwrap().len(), 1, "{listed}");
    floe.json(&["rename", "db.events", "db.renamed"]);
    assert_eq!(count(floe, "db.renamed"), 38);
    assert_eq!(floe.run(&["describe", "db.events"]).code, 1);
    let metadata = floe.json(&["describe", "db.renamed"])["metadata_location"]
        .as_str()
        .unwrap()
        .to_string();
    floe.json(&["drop", "db.renamed"]);
    assert_eq!(floe.run(&["describe", "db.renamed"]).code, 1);
    floe.json(&["register", "db.back", &metadata]);
    assert_eq!(count(floe, "db.back"), 38);
    let table_dir = floe.json(&["describe", "db.back"])["location"]
        .as_str()
        .unwrap()
        .trim_start_matches("file://")
        .to_string();
    assert!(!files_under(Path::new(&table_dir)).is_empty());
    floe.json(&["drop", "db.back", "--purge"]);
    assert_eq!(files_under(Path::new(&table_dir)), Vec::<PathBuf>::new());
    floe.json(&["namespaces", "--drop", "db"]);

    // Every request went under the prefix and asked for vended credentials.
    let requests = server.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        let path = request["path"].as_str().unwrap();
        if path != "/v1/config" && !path.starts_with("/v1/oauth") {
            assert!(path.starts_with("/v1/lake1/"), "{request}");
        }
    }
}

/// OAuth2 client credentials: the token is fetched, sent on every request and renewed when it
/// expires mid-command; a wrong secret or a missing scope is a configuration error (exit 2)
/// that never shows the secret, even with --verbose and under JSON.
#[test]
fn oauth2_client_credentials_and_their_errors() {
    let secret = "s3cr3t-never-printed";
    let Some(server) = RestServer::start(&[
        "--credential",
        &format!("floe:{secret}"),
        "--credential",
        "reader:other-secret",
        "--required-scope",
        "catalog",
        "--token-ttl-seconds",
        "2",
    ]) else {
        return;
    };
    let mut client = Client::new(&server, &format!("    credential: floe:{secret}\n"));
    client.credential = Some(format!("floe:{secret}"));
    let floe = client.floe.clone();
    floe.json(&["namespaces", "--create", "db"]);
    client.py(&["create", "--table", "db.t", "--rows", "5"]);

    // A commit answered after the token expired: floe renews and reads back with a new one.
    server.control("DELETE", "/test/requests", "");
    server.faults(r#"{"commit-fail-after-apply": 1, "status": 502, "commit-delay-ms": 2500}"#);
    let ingested = floe.json(&["ingest", "db.t", &client.sample_parquet(100, 3)]);
    assert_eq!(ingested["records_added"], 3);
    assert_eq!(count(&floe, "db.t"), 8);
    let requests = server.requests();
    let tokens = requests
        .iter()
        .filter(|r| r["path"].as_str().unwrap().starts_with("/v1/oauth"))
        .count();
    assert!(
        tokens >= 2,
        "one token for the start, one after expiry: {requests:?}"
    );
    for request in &requests {
        let path = request["path"].as_str().unwrap();
        if !path.starts_with("/v1/oauth") {
            assert_eq!(request["authorization"], true, "{request}");
        }
    }
    assert!(
        requests
            .iter()
            .all(|r| r["status"] != 401 || r["path"].as_str().unwrap().starts_with("/v1/oauth")),
        "tokens are renewed before they expire, not after a refusal: {requests:?}"
    );

    // A wrong secret: exit 2 naming the client, never the secret.
    let wrong = Client::new(&server, "    credential: floe:wrong-secret-value\n");
    let run = wrong.floe.run(&["list", "db", "-v", "-o", "json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("refused client 'floe'"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("wrong-secret-value"), "{}", run.stderr);
    assert_eq!(run.json_error()["error"]["kind"], "config");

    // No credentials at all: the server's 401 with a hint about credentials.
    let anonymous = Client::new(&server, "");
    let run = anonymous.floe.run(&["list", "db"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("401"), "{}", run.stderr);
    assert!(
        run.stderr.contains("hint:") && run.stderr.contains("credential"),
        "{}",
        run.stderr
    );

    // A token without the scope the tables need: 403, with a hint about the scope.
    let scoped = Client::new(
        &server,
        "    credential: reader:other-secret\n    scope: read-only\n",
    );
    let run = scoped.floe.run(&["describe", "db.t"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("403"), "{}", run.stderr);
    assert!(run.stderr.contains("scope"), "{}", run.stderr);
    assert!(!run.stderr.contains("other-secret"), "{}", run.stderr);

    // A static bearer token (`token`) works the same; a wrong one is exit 2.
    drop(server);
    let Some(server) = RestServer::start(&["--token", "static-token-1234"]) else {
        return;
    };
    let with_token = Client::new(&server, "    token: static-token-1234\n");
    with_token.floe.json(&["namespaces", "--create", "db"]);
    let wrong = Client::new(&server, "    token: static-token-9999\n");
    let run = wrong.floe.run(&["namespaces", "-v"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("static-token-9999"), "{}", run.stderr);
}

/// A commit whose answer is lost: applied then answered 502/504 is found by reading back
/// (one snapshot, exit 0); refused every time with 503 may still be applied later, so it is
/// unknown (exit 1, commit_state_unknown, table unchanged, its data files kept); so is one
/// whose read-back fails too.
#[test]
fn commits_whose_answer_is_lost_are_decided_by_reading_back() {
    let Some(server) = RestServer::start(&[]) else {
        return;
    };
    let client = Client::new(&server, "");
    let floe = &client.floe;
    client.sample_table();
    let table_dir = PathBuf::from(&server.warehouse).join("db/t");
    let data_dir = table_dir.join("data");

    for status in [502, 504] {
        let before = snapshot_ids(floe, "db.t");
        server.faults(&format!(
            r#"{{"commit-fail-after-apply": 1, "status": {status}}}"#
        ));
        let ingested = floe.json(&["ingest", "db.t", &client.sample_parquet(status, 5)]);
        let after = snapshot_ids(floe, "db.t");
        assert_eq!(
            after.len(),
            before.len() + 1,
            "exactly one new snapshot: {after:?}"
        );
        assert_eq!(
            after.last().unwrap(),
            &ingested["snapshot_id"].as_i64().unwrap()
        );
    }
    assert_eq!(count(floe, "db.t"), 20);

    // Commits without a snapshot are recognised by what they changed.
    server.faults(r#"{"commit-fail-after-apply": 1, "status": 502}"#);
    let set = floe.json(&["properties", "db.t", "--set", "owner=data-eng"]);
    assert_eq!(set["properties"]["owner"], "data-eng", "{set}");
    server.faults(r#"{"commit-fail-after-apply": 1, "status": 502}"#);
    let evolved = floe.json(&["schema", "evolve", "db.t", "--add", "note:string"]);
    let schema = floe.json(&["schema", "db.t", "--history"]);
    assert_eq!(
        schema["schemas"].as_array().unwrap().len(),
        2,
        "one schema added, not two: {schema}"
    );
    assert_eq!(schema["current_schema_id"], evolved["schema_id"]);

    // Answered 503 (not applied) on every attempt: floe cannot know that none of its sends
    // will still be applied, so the outcome is unknown and nothing of it is deleted.
    let data_before = files_under(&data_dir);
    let snapshots_before = snapshot_ids(floe, "db.t");
    server.faults(r#"{"commit-fail-before-apply": 100, "status": 503}"#);
    let run = floe.run(&[
        "ingest",
        "db.t",
        &client.sample_parquet(600, 5),
        "-o",
        "json",
    ]);
    server.control("DELETE", "/test/faults", "");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.json_error()["error"]["kind"],
        "commit_state_unknown",
        "{}",
        run.stderr
    );
    assert_eq!(snapshot_ids(floe, "db.t"), snapshots_before);
    assert!(
        files_under(&data_dir).len() > data_before.len(),
        "the attempt's files are kept: a send may still land"
    );

    // Applied, answered 502, and the read-back fails as well: unknown, nothing deleted.
    server.faults(
        r#"{"commit-fail-after-apply": 1, "status": 502, "then-fail-requests": 1000,
            "fail-requests-match": "GET .*/tables/t$", "fail-requests-status": 503}"#,
    );
    let out = floe
        .command(&[
            "ingest",
            "db.t",
            &client.sample_parquet(700, 5),
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    server.control("DELETE", "/test/faults", "");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("commit_state_unknown"), "{stderr}");
    // It did land; its data file is still there for the table to read.
    assert_eq!(count(floe, "db.t"), 25);
    assert_eq!(floe.run(&["verify", "db.t"]).ok().code, 0);
}

/// Behind a gateway that answers 504 at once and applies each commit seconds later, floe
/// gives up before any send has landed: it must say the outcome is unknown and delete
/// nothing, because the commit does land after it gave up and the table then points at
/// floe's files (PyIceberg and floe read them).
#[test]
fn a_commit_that_lands_after_floe_gave_up_finds_its_files() {
    let Some(server) = RestServer::start(&[]) else {
        return;
    };
    let client = Client::new(&server, "");
    let floe = &client.floe;
    client.sample_table();
    floe.json(&[
        "properties",
        "db.t",
        "--set",
        "commit.retry.num-retries=2",
        "--set",
        "commit.retry.min-wait-ms=50",
    ]);
    let before = snapshot_ids(floe, "db.t");
    server.faults(r#"{"commit-apply-late": 100, "commit-apply-late-ms": 4000}"#);
    let started = Instant::now();
    let run = floe.run(&[
        "ingest",
        "db.t",
        &client.sample_parquet(100, 7),
        "-o",
        "json",
    ]);
    let gave_up_after = started.elapsed();
    assert!(gave_up_after < Duration::from_secs(4), "{gave_up_after:?}");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.json_error()["error"]["kind"],
        "commit_state_unknown",
        "{}",
        run.stderr
    );
    assert_eq!(snapshot_ids(floe, "db.t"), before, "nothing landed yet");
    // The first send lands late; the later copies find the table moved and are refused.
    let deadline = Instant::now() + Duration::from_secs(30);
    while snapshot_ids(floe, "db.t").len() == before.len() {
        assert!(Instant::now() < deadline, "the late commit never landed");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(5));
    server.control("DELETE", "/test/faults", "");
    assert_eq!(snapshot_ids(floe, "db.t").len(), before.len() + 1);
    assert_eq!(count(floe, "db.t"), 17);
    assert_eq!(floe.run(&["verify", "db.t", "--deep"]).ok().code, 0);
    let mut ids = client.ids("db.t");
    ids.sort();
    assert_eq!(ids, (0..10).chain(100..107).collect::<Vec<_>>());
}

/// Where the server advertises `idempotency-key-lifetime`, every commit carries an
/// `Idempotency-Key`, the same on each re-send of one attempt: a copy the network delivers
/// twice, or a re-send after an answer was lost, is answered with the first outcome instead
/// of being applied again (or refused, which floe would take for a lost race).
#[test]
fn commits_carry_an_idempotency_key_where_the_server_keeps_them() {
    let Some(plain) = RestServer::start(&[]) else {
        return;
    };
    let client = Client::new(&plain, "");
    let keys = |server: &RestServer| -> Vec<Option<String>> {
        server
            .requests()
            .iter()
            .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/tables/t"))
            .map(|r| r["idempotency-key"].as_str().map(str::to_string))
            .collect()
    };
    client.sample_table();
    assert!(
        keys(&plain).iter().all(Option::is_none),
        "no key to a server that does not keep them"
    );

    let Some(server) = RestServer::start(&["--idempotency-key-lifetime", "PT5M"]) else {
        return;
    };
    let client = Client::new(&server, "");
    let floe = &client.floe;
    client.sample_table();
    // Delivered twice: the copy is answered with the first outcome, so a change that adds
    // no snapshot succeeds once.
    server.control("DELETE", "/test/requests", "");
    server.faults(r#"{"commit-duplicate": 1}"#);
    let evolved = floe.json(&["schema", "evolve", "db.t", "--add", "note:string"]);
    let schema = floe.json(&["schema", "db.t", "--history"]);
    assert_eq!(schema["schemas"].as_array().unwrap().len(), 2, "{schema}");
    assert_eq!(schema["current_schema_id"], evolved["schema_id"]);
    let sent = keys(&server);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].as_deref().is_some_and(|k| k.len() == 36),
        "{sent:?}"
    );

    // Answered 503 without being applied: read back, still at the base, so the very same
    // attempt is sent again, under the same key.
    server.control("DELETE", "/test/requests", "");
    server.faults(r#"{"commit-fail-before-apply": 1, "status": 503}"#);
    let set = floe.json(&["properties", "db.t", "--set", "owner=data-eng"]);
    assert_eq!(set["properties"]["owner"], "data-eng", "{set}");
    let sent = keys(&server);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0], sent[1], "a re-send keeps its key");
    let statuses: Vec<i64> = server
        .requests()
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/tables/t"))
        .map(|r| r["status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, vec![503, 200]);
    // A new commit, a new key.
    floe.json(&["ingest", "db.t", &client.sample_parquet(50, 3)]);
    let all = keys(&server);
    assert_ne!(all.last(), all.first());
    assert_eq!(count(floe, "db.t"), 13);
}

/// floe ingests, PyIceberg appends, and floe compacts and expires, all at once through one
/// REST catalog:
/// every acknowledged append is in the table; 409s were retried.
#[test]
fn concurrent_writers_through_the_rest_catalog_lose_nothing() {
    let Some(server) = RestServer::start(&[]) else {
        return;
    };
    let client = Client::new(&server, "");
    let floe = &client.floe;
    floe.json(&["namespaces", "--create", "db"]);
    client.py(&["create", "--table", "db.t", "--rows", "10"]);
    floe.json(&[
        "properties",
        "db.t",
        "--set",
        "commit.retry.num-retries=20",
        "--set",
        "commit.retry.min-wait-ms=20",
        "--set",
        "commit.retry.max-wait-ms=500",
    ]);
    let inputs: Vec<String> = (0..4)
        .map(|k| client.sample_parquet(1000 + k * 100, 10))
        .collect();
    std::thread::scope(|scope| {
        let mut handles = vec![];
        for input in &inputs {
            handles.push(scope.spawn(move || {
                let run = floe.run(&["ingest", "db.t", input, "-o", "json"]);
                assert_eq!(run.code, 0, "{}", run.stderr);
                run.json()["snapshot_id"].as_i64().unwrap()
            }));
        }
        let py = scope.spawn(|| {
            client.py(&[
                "append", "--table", "db.t", "--start", "5000", "--rows", "5", "--times", "4",
            ])
        });
        let compactor =
            scope.spawn(|| floe.run(&["compact", "db.t", "--min-input-files", "2", "-o", "json"]));
        let expirer = scope.spawn(|| {
            floe.run(&[
                "expire",
                "db.t",
                "--retain-last",
                "2",
                "--older-than",
                "0s",
                "-o",
                "json",
            ])
        });
        for handle in handles {
            handle.join().unwrap();
        }
        py.join().unwrap();
        let compacted = compactor.join().unwrap();
        assert!(
            compacted.code == 0 || compacted.code == 3,
            "{}",
            compacted.stderr
        );
        let expired = expirer.join().unwrap();
        assert!(expired.code == 0 || expired.code == 3, "{}", expired.stderr);
    });
    let mut expected: Vec<i64> = (0..10).collect();
    for k in 0..4 {
        expected.extend(1000 + k * 100..1000 + k * 100 + 10);
    }
    expected.extend(5000..5020);
    expected.sort();
    assert_eq!(client.ids("db.t"), expected);
    assert_eq!(count(floe, "db.t"), expected.len() as i64);
    let conflicts = server
        .requests()
        .iter()
        .filter(|r| r["status"] == 409)
        .count();
    eprintln!("409 answers during the race: {conflicts}");
}

/// What a user meets when the catalog is wrong: unreachable, missing namespace or table, a
/// 400 with the server's message, an answer that is not JSON: each a clear error with the
/// documented exit code.
#[test]
fn rest_catalog_errors_are_clear() {
    let Some(server) = RestServer::start(&[]) else {
        return;
    };
    let client = Client::new(&server, "");
    let floe = &client.floe;

    // Not found: namespace and table.
    let run = floe.run(&["describe", "nope.t"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    floe.json(&["namespaces", "--create", "db"]);
    let run = floe.run(&["describe", "db.missing", "-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json_error()["error"]["kind"], "not_found");
    let run = floe.run(&["list", "ghost"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("namespace ghost does not exist"),
        "{}",
        run.stderr
    );

    // A 400 carries the server's own message.
    let run = floe.run(&[
        "register",
        "db.r",
        "/nowhere/metadata/00000-x.metadata.json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("REST catalog 'default'"),
        "{}",
        run.stderr
    );

    // Unreachable: a port nobody listens on.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("floe.yaml"),
        format!("catalog:\n  default:\n    type: rest\n    uri: http://127.0.0.1:{port}/api\n"),
    )
    .unwrap();
    let run = Floe::new(dir.path()).run(&["list", "db"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("cannot reach the REST catalog 'default'"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);

    // Garbage: a server answering HTML to everything.
    let garbage = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", garbage.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in garbage.incoming().flatten().take(4) {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let body = "<html>not a catalog</html>";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    std::fs::write(
        dir.path().join("floe.yaml"),
        format!("catalog:\n  default:\n    type: rest\n    uri: {url}\n"),
    )
    .unwrap();
    let run = Floe::new(dir.path()).run(&["list", "db"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("not the spec's JSON"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);

    // A REST catalog without a uri is a configuration error.
    std::fs::write(
        dir.path().join("floe.yaml"),
        "catalog:\n  default:\n    type: rest\n",
    )
    .unwrap();
    let run = Floe::new(dir.path()).run(&["list", "db"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("no `uri`"), "{}", run.stderr);
}

/// Vended credentials: floe's own S3 settings point nowhere; the server hands out the real
/// endpoint and expiring keys for the table's files, and floe reads, writes and cleans up with
/// them, renewing them when they come due.
#[test]
fn vended_credentials_reach_the_tables_files_on_s3() {
    let Some(s3) = s3() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let warehouse = s3.prefix("rest-vended");
    let vend = format!(
        "s3.endpoint={},s3.access-key-id=testing,s3.secret-access-key=testing,s3.region=us-east-1,s3.path-style-access=true",
        s3.endpoint
    );
    let Some(server) = RestServer::start_at(
        dir,
        &warehouse,
        &[
            "--s3-endpoint",
            &s3.endpoint,
            "--vend-s3",
            &vend,
            // Renewed five minutes ahead: due two seconds after each is vended.
            "--vend-s3-ttl-seconds",
            "302",
        ],
    ) else {
        return;
    };
    // A closed port as floe's own endpoint: only vended settings can reach the files.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let client = Client::new(
        &server,
        &format!("    s3.endpoint: {nowhere}\n    s3.access-key-id: wrong\n    s3.secret-access-key: wrong\n    s3.connect-timeout: 2\n"),
    );
    let floe = &client.floe;
    floe.json(&["namespaces", "--create", "db"]);
    let input = client.sample_parquet(0, 10);
    floe.json(&["create", "db.t", "--like", &input]);
    floe.json(&["ingest", "db.t", &input]);
    floe.json(&["ingest", "db.t", &client.sample_parquet(10, 10)]);
    assert_eq!(count(floe, "db.t"), 20);
    let compacted = floe.json(&["compact", "db.t", "--min-input-files", "2"]);
    assert_eq!(compacted["files_rewritten"], 2, "{compacted}");
    let expired = floe.json(&["expire", "db.t", "--retain-last", "1", "--older-than", "0s"]);
    assert!(expired["files_total"].as_u64().unwrap() >= 2, "{expired}");
    assert_eq!(
        expired["failed_deletes"].as_array().unwrap().len(),
        0,
        "{expired}"
    );

    // A long run outlives its credentials: once they come due, the next read renews them
    // through the catalog's credentials endpoint, without reloading the table.
    server.control("DELETE", "/test/requests", "");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let config = floe::config::Config::load(Some(&client.work.join("floe.yaml"))).unwrap();
        let session = floe::table::Session::new(&config, None).unwrap();
        let target = session
            .target(&floe::table::TableRef::parse("db.t").unwrap())
            .await
            .unwrap();
        let table = target.load().await.unwrap();
        let manifest_list = table
            .metadata()
            .current_snapshot()
            .unwrap()
            .manifest_list()
            .to_string();
        session.stores().read(&manifest_list).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2500)).await;
        session.stores().read(&manifest_list).await.unwrap();
    });
    let requests = server.requests();
    let loads = requests
        .iter()
        .filter(|r| r["method"] == "GET" && r["path"].as_str().unwrap().ends_with("/tables/t"))
        .count();
    let renewals = requests
        .iter()
        .filter(|r| r["method"] == "GET" && r["path"].as_str().unwrap().ends_with("/credentials"))
        .count();
    assert_eq!((loads, renewals), (1, 1), "{requests:?}");
    assert_eq!(count(floe, "db.t"), 20);
    assert_eq!(floe.run(&["verify", "db.t", "--deep"]).ok().code, 0);
    let requests = server.requests();
    assert!(requests
        .iter()
        .filter(|r| r["path"].as_str().unwrap().contains("/tables/"))
        .all(|r| r["access-delegation"] == "vended-credentials"));
}

/// The test server itself answers as a REST catalog should, checked with PyIceberg's own
/// RestCatalog (tests/support/rest_catalog/smoke.py): OAuth2, namespaces, tables, commits,
/// the injected faults, rename and purge. The other tests rely on it.
#[test]
fn the_test_server_answers_pyiceberg_as_a_rest_catalog() {
    let Some(server) = RestServer::start(&["--credential", "smoke:smoke-secret"]) else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/rest_catalog/smoke.py");
    let out = Command::new(python().unwrap())
        .arg(script)
        .arg(&server.url)
        .args(["--credential", "smoke:smoke-secret"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "smoke.py failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// SigV4 (Glue's and S3 Tables' REST endpoints): every request signed with the AWS credential
/// chain for the signing region and name, which the server checks against its key; wrong keys
/// or the wrong signing name are refused with exit 2, and the secret is never printed.
#[test]
fn sigv4_signed_requests() {
    let Some(server) = RestServer::start(&[
        "--sigv4",
        "AKIAFLOETEST:sigv4-secret-key",
        "--sigv4-region",
        "eu-west-1",
        "--sigv4-service",
        "glue",
    ]) else {
        return;
    };
    let signed = "    rest.sigv4-enabled: true\n    rest.signing-region: eu-west-1\n    rest.signing-name: glue\n";
    let client = Client::new(
        &server,
        &format!("{signed}    client.access-key-id: AKIAFLOETEST\n    client.secret-access-key: sigv4-secret-key\n"),
    );
    let floe = &client.floe;
    floe.json(&["namespaces", "--create", "a.b"]);
    let input = client.sample_parquet(0, 10);
    floe.json(&["create", "a.b.t", "--like", &input]);
    floe.json(&["ingest", "a.b.t", &input]);
    assert_eq!(count(floe, "a.b.t"), 10);
    let requests = server.requests();
    assert!(requests.len() >= 5, "{requests:?}");
    for request in &requests {
        assert_eq!(request["sigv4"], true, "{request}");
    }

    // The same keys from the environment (the AWS credential chain).
    let chain = Client::new(&server, signed);
    let floe_chain = chain
        .floe
        .clone()
        .with_env("AWS_ACCESS_KEY_ID", "AKIAFLOETEST")
        .with_env("AWS_SECRET_ACCESS_KEY", "sigv4-secret-key");
    assert_eq!(count(&floe_chain, "a.b.t"), 10);

    // A wrong secret, and the right one for the wrong service: refused, exit 2.
    for config in [
        format!("{signed}    client.access-key-id: AKIAFLOETEST\n    client.secret-access-key: not-the-secret\n"),
        "    rest.sigv4-enabled: true\n    rest.signing-region: eu-west-1\n    rest.signing-name: s3tables\n    client.access-key-id: AKIAFLOETEST\n    client.secret-access-key: sigv4-secret-key\n".to_string(),
    ] {
        let other = Client::new(&server, &config);
        let run = other.floe.run(&["list", "a.b", "-v"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("403"), "{}", run.stderr);
        assert!(!run.stderr.contains("not-the-secret"), "{}", run.stderr);
        assert!(!run.stderr.contains("sigv4-secret-key"), "{}", run.stderr);
    }
}

/// Spark (Iceberg's reference implementation, `type=rest`), PyIceberg and floe share one REST
/// catalog: each sees the others' commits, and all three appending at once lose nothing.
#[test]
fn spark_pyiceberg_and_floe_share_a_rest_catalog() {
    let Some(server) = RestServer::start(&[]) else {
        return;
    };
    let client = Client::new(&server, "");
    let floe = &client.floe;
    let spark_home = tempfile::tempdir().unwrap();
    let mut spark = common::spark::Spark::start_with(
        &client.python,
        spark_home.path(),
        &["--rest-uri", &server.url],
    );

    // Spark creates and inserts; floe reads and appends; Spark reads floe's rows.
    spark.sql(&[
        "CREATE NAMESPACE IF NOT EXISTS rest.db",
        "CREATE TABLE rest.db.events (id BIGINT NOT NULL, name STRING, region STRING, ts TIMESTAMP_NTZ, amount DECIMAL(10,2), flag BOOLEAN, day DATE, payload BINARY, score DOUBLE) USING iceberg PARTITIONED BY (region)",
        "INSERT INTO rest.db.events VALUES (1, 'a', 'eu', TIMESTAMP_NTZ '2024-01-01 00:00:00', 1.25, true, DATE '2024-01-01', X'00', 1.0), (2, 'b', 'us', TIMESTAMP_NTZ '2024-02-01 00:00:00', 2.50, false, DATE '2024-02-01', X'01', 2.0)",
    ]);
    assert_eq!(
        floe.json(&["describe", "db.events"])["totals"]["records"],
        2
    );
    floe.json(&["ingest", "db.events", &client.sample_parquet(100, 10)]);
    let rows = spark.sql(&["SELECT count(*) AS n, sum(id) AS s FROM rest.db.events"]);
    assert_eq!(rows[0]["n"], 12, "{rows:?}");
    assert_eq!(rows[0]["s"], 3 + (100..110).sum::<i64>(), "{rows:?}");
    // floe compacts; Spark still reads every row.
    floe.json(&["compact", "db.events", "--min-input-files", "2"]);
    let rows = spark.sql(&["SELECT count(*) AS n FROM rest.db.events"]);
    assert_eq!(rows[0]["n"], 12, "{rows:?}");

    // All three at once.
    floe.json(&[
        "properties",
        "db.events",
        "--set",
        "commit.retry.num-retries=20",
        "--set",
        "commit.retry.min-wait-ms=20",
        "--set",
        "commit.retry.max-wait-ms=500",
    ]);
    let inputs: Vec<String> = (0..3)
        .map(|k| client.sample_parquet(1000 + k * 100, 10))
        .collect();
    std::thread::scope(|scope| {
        let mut floes = vec![];
        for input in &inputs {
            floes.push(scope.spawn(move || floe.run(&["ingest", "db.events", input]).ok()));
        }
        let py = scope.spawn(|| {
            client.py(&[
                "append",
                "--table",
                "db.events",
                "--start",
                "5000",
                "--rows",
                "5",
                "--times",
                "3",
            ])
        });
        for k in 0..3 {
            let id = 9000 + k;
            spark.sql(&[&format!(
                "INSERT INTO rest.db.events VALUES ({id}, 's', 'ap', TIMESTAMP_NTZ '2024-03-01 00:00:00', 3.75, true, DATE '2024-03-01', X'02', 3.0)"
            )]);
        }
        for handle in floes {
            handle.join().unwrap();
        }
        py.join().unwrap();
    });
    let mut expected: Vec<i64> = vec![1, 2];
    expected.extend(100..110);
    for k in 0..3 {
        expected.extend(1000 + k * 100..1000 + k * 100 + 10);
    }
    expected.extend(5000..5015);
    expected.extend(9000..9003);
    expected.sort();
    assert_eq!(client.ids("db.events"), expected);
    let rows = spark.sql(&["SELECT count(*) AS n FROM rest.db.events"]);
    assert_eq!(rows[0]["n"], expected.len() as i64, "{rows:?}");
    assert_eq!(count(floe, "db.events"), expected.len() as i64);
}

/// `--engine spark` on a REST catalog table: floe hands Spark its own catalog (type rest, the
/// same URI and OAuth2 credential), Spark's `rewrite_data_files` and `expire_snapshots` commit
/// through the server, and floe and PyIceberg read the same rows afterwards.
#[test]
fn spark_engine_maintains_a_rest_catalog_table_with_floes_credentials() {
    let secret = "spark-engine-secret";
    let Some(server) = RestServer::start(&["--credential", &format!("floe:{secret}")]) else {
        return;
    };
    let mut client = Client::new(&server, &format!("    credential: floe:{secret}\n"));
    client.credential = Some(format!("floe:{secret}"));
    let submit = common::spark::spark_sql_launcher(&client.python);
    let floe = client.floe.clone().with_env("SPARK_LOCAL_IP", "127.0.0.1");
    floe.json(&["namespaces", "--create", "db"]);
    let first = client.work.join("first.parquet");
    write_parquet(&first, &[events_batch(0, 40)]);
    floe.json(&[
        "create",
        "db.events",
        "--like",
        first.to_str().unwrap(),
        "--partition-by",
        "region",
    ]);
    for i in 0..4i64 {
        let path = client.work.join(format!("in-{i}.parquet"));
        write_parquet(&path, &[events_batch(40 * i, 40)]);
        floe.json(&["ingest", "db.events", path.to_str().unwrap()]);
    }
    let ids: Vec<i64> = (0..160).collect();
    assert_eq!(client.ids("db.events"), ids);
    let before = floe.json(&["describe", "db.events"]);
    // Four ingests of three regions each.
    assert_eq!(before["totals"]["data_files"], 12, "{before}");
    let old_snapshots: Vec<i64> = floe.json(&["snapshots", "db.events"])["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["snapshot_id"].as_i64().unwrap())
        .collect();
    assert_eq!(old_snapshots.len(), 4);

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
    assert_eq!(compacted["engine"], "spark");
    assert_eq!(compacted["spark"]["procedure"], "rewrite_data_files");
    assert_eq!(compacted["files_rewritten"], 12, "{compacted}");
    assert_eq!(compacted["files_written"], 3, "{compacted}");
    assert_eq!(compacted["spark"]["verify"]["ok"], true);
    let after = floe.json(&["describe", "db.events"]);
    assert_eq!(after["totals"]["data_files"], 3);
    assert_eq!(after["totals"]["records"], 160);
    let now = after["current_snapshot"]["snapshot_id"].as_i64().unwrap();
    assert_eq!(compacted["snapshot_ids"], serde_json::json!([now]));
    assert!(!old_snapshots.contains(&now));
    assert_eq!(client.ids("db.events"), ids);

    let expired = floe.json(&[
        "expire",
        "db.events",
        "--older-than",
        "0s",
        "--retain-last",
        "1",
        "--engine",
        "spark",
        "--spark-submit",
        &submit,
    ]);
    assert_eq!(expired["engine"], "spark");
    let mut wanted = old_snapshots.clone();
    wanted.sort();
    assert_eq!(sorted_i64s(&expired["expired_snapshot_ids"]), wanted);
    assert_eq!(expired["snapshots_left"], 1);
    let snapshots = floe.json(&["snapshots", "db.events"]);
    assert_eq!(snapshots["snapshots"].as_array().unwrap().len(), 1);
    assert_eq!(client.ids("db.events"), ids);
    assert_eq!(count(&floe, "db.events"), 160);
}

/// TLS: a catalog behind HTTPS with a certificate from a private CA is trusted through
/// `ssl.cabundle`; without it the certificate is refused (system roots only) with a clear
/// error, and nothing is sent.
#[test]
fn https_catalogs_are_verified_against_the_system_roots_or_a_ca_bundle() {
    let Some(server) = RestServer::start(&[]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port_file = dir.path().join("port");
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/rest_catalog/tls_proxy.py");
    let _proxy = KillOnDrop(
        Command::new(python().unwrap())
            .arg(script)
            .args(["--upstream", &server.url])
            .args(["--dir", dir.path().to_str().unwrap()])
            .args(["--port-file", port_file.to_str().unwrap()])
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let url = loop {
        if let Ok(url) = std::fs::read_to_string(&port_file) {
            if !url.trim().is_empty() {
                break url.trim().to_string();
            }
        }
        assert!(Instant::now() < deadline, "the TLS proxy did not start");
        std::thread::sleep(Duration::from_millis(100));
    };
    let ca = dir.path().join("ca.pem");
    let work = tempfile::tempdir().unwrap();
    let floe = Floe::new(work.path());
    let config = |extra: &str| {
        std::fs::write(
            work.path().join("floe.yaml"),
            format!("catalog:\n  default:\n    type: rest\n    uri: {url}\n{extra}"),
        )
        .unwrap();
    };

    config(&format!("    ssl.cabundle: {}\n", ca.display()));
    floe.json(&["namespaces", "--create", "secure"]);
    let listed = floe.json(&["namespaces"]);
    assert_eq!(
        listed["namespaces"],
        serde_json::json!(["secure"]),
        "{listed}"
    );

    config("");
    let run = floe.run(&["namespaces"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot reach the REST catalog"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.to_lowercase().contains("certificate"),
        "{}",
        run.stderr
    );

    config("    ssl.cabundle: /nonexistent/ca.pem\n");
    let run = floe.run(&["namespaces"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("ssl.cabundle"), "{}", run.stderr);
}

/// A helper process stopped when the test ends, passed or not.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A format-version 3 table through the REST catalog: the server (Iceberg's own handlers)
/// takes floe's row ranges, deletion vectors and lineage-carrying rewrites, and PyIceberg on
/// the same catalog reads the rows floe reads.
#[test]
fn a_format_version_3_table_through_the_rest_catalog() {
    let Some(server) = RestServer::start(&[]) else {
        return;
    };
    let client = Client::new(&server, "");
    client.floe.json(&["namespaces", "--create", "db"]);
    let first = client.sample_parquet(0, 40);
    let second = client.sample_parquet(40, 20);
    client.floe.json(&[
        "create",
        "db.v3",
        "--like",
        &first,
        "--format-version",
        "3",
        "--property",
        "write.delete.mode=merge-on-read",
    ]);
    client.floe.json(&["ingest", "db.v3", &first]);
    client.floe.json(&["ingest", "db.v3", &second]);
    let described = client.floe.json(&["describe", "db.v3"]);
    assert_eq!(described["format_version"], 3, "{described}");
    let lineage = |floe: &Floe| -> Vec<(i64, i64)> {
        let mut rows: Vec<(i64, i64)> = floe
            .json(&["query", "db.v3", "--select", "id, _row_id"])
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_i64().unwrap(), r["_row_id"].as_i64().unwrap()))
            .collect();
        rows.sort();
        rows
    };
    let ids = lineage(&client.floe);
    assert_eq!(ids.len(), 60);
    let distinct: std::collections::BTreeSet<i64> = ids.iter().map(|r| r.1).collect();
    assert_eq!(distinct, (0..60).collect(), "row ids 0..60, each once");

    client
        .floe
        .json(&["delete", "db.v3", "--where", "id % 7 = 0"]);
    client
        .floe
        .json(&["delete", "db.v3", "--where", "id % 5 = 0"]);
    let deletes: Vec<Value> = client.floe.json(&["files", "db.v3"])["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["content"] != "data")
        .cloned()
        .collect();
    assert_eq!(deletes.len(), 2, "one merged DV per data file: {deletes:?}");
    assert!(deletes.iter().all(|f| f["file_format"] == "puffin"));
    let expected: Vec<(i64, i64)> = ids
        .iter()
        .filter(|r| r.0 % 7 != 0 && r.0 % 5 != 0)
        .cloned()
        .collect();
    assert_eq!(lineage(&client.floe), expected);

    let report = client.floe.json(&["compact", "db.v3", "--rewrite-all"]);
    assert_eq!(report["groups_failed"], 0, "{report}");
    assert_eq!(
        lineage(&client.floe),
        expected,
        "compaction kept every row's id"
    );
    let read = client.ids("db.v3");
    let mut by_pyiceberg = read.clone();
    by_pyiceberg.sort();
    assert_eq!(
        by_pyiceberg,
        expected.iter().map(|r| r.0).collect::<Vec<_>>(),
        "PyIceberg through the same catalog"
    );
}
