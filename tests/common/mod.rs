//! Shared helpers for the integration tests: running the real binary, making sample data,
//! reaching the test S3 server and the PyIceberg venv.
#![allow(dead_code)]

pub mod rest_server;
pub mod row_deletes;
pub mod spark;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use serde_json::Value;

/// A finished floe run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The one JSON document on stdout.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// The JSON error object on stderr (last line).
    pub fn json_error(&self) -> Value {
        let line = self
            .stderr
            .lines()
            .rev()
            .find(|l| l.starts_with('{'))
            .unwrap_or_else(|| panic!("no JSON error on stderr:\n{}", self.stderr));
        serde_json::from_str(line).unwrap()
    }

    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "floe failed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Where tests run floe: a working directory plus environment.
#[derive(Clone)]
pub struct Floe {
    pub dir: PathBuf,
    pub env: Vec<(String, String)>,
    /// The binary: cargo's build of this crate unless a test runs a packaged one.
    pub bin: PathBuf,
}

impl Floe {
    pub fn new(dir: &Path) -> Self {
        Floe {
            dir: dir.to_path_buf(),
            env: vec![],
            bin: PathBuf::from(env!("CARGO_BIN_EXE_floe")),
        }
    }

    /// Run `bin` (a floe from a wheel, an install or a static build) instead of cargo's.
    pub fn with_binary(mut self, bin: &Path) -> Self {
        self.bin = bin.to_path_buf();
        self
    }

    pub fn with_env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.current_dir(&self.dir).args(args);
        // Keep the developer's own configuration out of tests.
        cmd.env_remove("FLOE_CONFIG")
            .env_remove("FLOE_OUTPUT")
            .env_remove("FLOE_CATALOG")
            .env_remove("FLOE_LOG_FORMAT");
        cmd.env("HOME", &self.dir);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out: Output = self.command(args).output().expect("run floe");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    }

    /// Run with `-o json`, require success, return the document.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["-o", "json"]);
        let run = self.run(&all).ok();
        assert!(
            run.stderr.trim().is_empty(),
            "stderr must be silent under JSON, got:\n{}",
            run.stderr
        );
        run.json()
    }
}

/// Rows of the sample `events` data: id, region, ts (µs), amount, qty (int32).
pub fn events_batch(start: i64, rows: usize) -> RecordBatch {
    let regions = ["eu", "us", "ap"];
    let ids: Vec<i64> = (start..start + rows as i64).collect();
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("region", DataType::Utf8, true),
        Field::new(
            "ts",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ),
        Field::new("amount", DataType::Float64, true),
        Field::new("qty", DataType::Int32, true),
    ]));
    // 2024-01-01T00:00:00Z plus one day per id, so rows spread over several months.
    let base = 1_704_067_200_000_000i64;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids.clone())),
        Arc::new(StringArray::from(
            ids.iter()
                .map(|i| regions[(*i % 3) as usize])
                .collect::<Vec<_>>(),
        )),
        Arc::new(
            TimestampMicrosecondArray::from(
                ids.iter()
                    .map(|i| base + (i % 120) * 86_400_000_000)
                    .collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        ),
        Arc::new(Float64Array::from(
            ids.iter().map(|i| *i as f64 * 0.5).collect::<Vec<_>>(),
        )),
        Arc::new(Int32Array::from(
            ids.iter().map(|i| (*i % 10) as i32).collect::<Vec<_>>(),
        )),
    ];
    RecordBatch::try_new(schema, columns).unwrap()
}

pub fn write_parquet(path: &Path, batches: &[RecordBatch]) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batches[0].schema(), None).unwrap();
    for b in batches {
        writer.write(b).unwrap();
    }
    writer.close().unwrap();
}

/// As [`write_parquet`], with row groups of at most `rows_per_group` rows.
pub fn write_parquet_row_groups(path: &Path, batches: &[RecordBatch], rows_per_group: usize) {
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(rows_per_group))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batches[0].schema(), Some(props)).unwrap();
    for b in batches {
        writer.write(b).unwrap();
    }
    writer.close().unwrap();
}

/// The same rows as CSV text (header included).
pub fn events_csv(start: i64, rows: usize) -> String {
    let regions = ["eu", "us", "ap"];
    let mut out = String::from("id,region,ts,amount,qty\n");
    for i in start..start + rows as i64 {
        let day = chrono::DateTime::from_timestamp(1_704_067_200 + (i % 120) * 86_400, 0).unwrap();
        out.push_str(&format!(
            "{i},{},{},{},{}\n",
            regions[(i % 3) as usize],
            day.format("%Y-%m-%dT%H:%M:%SZ"),
            i as f64 * 0.5,
            i % 10
        ));
    }
    out
}

/// The same rows as NDJSON.
pub fn events_json(start: i64, rows: usize) -> String {
    let regions = ["eu", "us", "ap"];
    let mut out = String::new();
    for i in start..start + rows as i64 {
        let day = chrono::DateTime::from_timestamp(1_704_067_200 + (i % 120) * 86_400, 0).unwrap();
        out.push_str(&format!(
            "{{\"id\": {i}, \"region\": \"{}\", \"ts\": \"{}\", \"amount\": {}, \"qty\": {}}}\n",
            regions[(i % 3) as usize],
            day.format("%Y-%m-%dT%H:%M:%SZ"),
            i as f64 * 0.5,
            i % 10
        ));
    }
    out
}

/// A schema file matching the sample data, with `id` required.
pub const EVENTS_SCHEMA_YAML: &str = r#"
fields:
  - {name: id, type: long, required: true, doc: "event id"}
  - {name: region, type: string}
  - {name: ts, type: timestamptz}
  - {name: amount, type: double}
  - {name: qty, type: int}
"#;

/// String partition values that are not safe as path segments (slashes, `..`, `%`, `=`,
/// spaces, non-ASCII, a tab, the empty string).
pub const AWKWARD_KEYS: &[&str] = &[
    "https://ex.com/a",
    "a//b",
    "../up",
    "x/./y",
    "trail/",
    "50%",
    "k=v",
    "with space",
    "zürich",
    "tab\there",
    "",
    ".",
    "..",
];

/// NDJSON rows `{"id": i, "k": AWKWARD_KEYS[i]}` plus one with a null `k` (the last id).
pub fn write_awkward_keys(path: &Path) {
    let mut lines: Vec<String> = AWKWARD_KEYS
        .iter()
        .enumerate()
        .map(|(i, k)| serde_json::json!({"id": i, "k": k}).to_string())
        .collect();
    lines.push(serde_json::json!({"id": AWKWARD_KEYS.len(), "k": null}).to_string());
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// Whether every optional part (S3 server, Python) must be present.
pub fn require_all() -> bool {
    std::env::var("FLOE_TEST_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// The test S3 server, or `None` (and the test is skipped) when none is configured.
pub fn s3() -> Option<S3> {
    match std::env::var("FLOE_TEST_S3_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => Some(S3 {
            endpoint,
            bucket: std::env::var("FLOE_TEST_S3_BUCKET").unwrap_or_else(|_| "floe-test".into()),
        }),
        _ => {
            assert!(
                !require_all(),
                "FLOE_TEST_S3_ENDPOINT is required (FLOE_TEST_REQUIRE_ALL=1)"
            );
            eprintln!("skipping: no FLOE_TEST_S3_ENDPOINT (run the suite with scripts/test)");
            None
        }
    }
}

pub struct S3 {
    pub endpoint: String,
    pub bucket: String,
}

impl S3 {
    /// A fresh prefix for one test.
    pub fn prefix(&self, name: &str) -> String {
        format!(
            "s3://{}/{name}-{}",
            self.bucket,
            uuid::Uuid::new_v4().simple()
        )
    }

    /// A config file pointing a directory catalog at `warehouse` on this server.
    pub fn config(&self, dir: &Path, warehouse: &str) -> PathBuf {
        let path = dir.join("floe.yaml");
        std::fs::write(
            &path,
            format!(
                "catalog:\n  default:\n    type: directory\n    warehouse: {warehouse}\n    s3.endpoint: {}\n    s3.access-key-id: testing\n    s3.secret-access-key: testing\n    s3.region: us-east-1\n    s3.path-style-access: true\n",
                self.endpoint
            ),
        )
        .unwrap();
        path
    }
}

/// Run one of the Python helpers in tests/py with `args` (then `extra`, the catalog's
/// settings); it must succeed and print one JSON document.
pub fn py_script_json(python: &str, script: &str, args: &[&str], extra: &[&str]) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/py")
        .join(script);
    let out = Command::new(python)
        .arg(path)
        .args(args)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script} {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The venv python with PyIceberg, or `None` (test skipped) when absent.
pub fn python() -> Option<String> {
    match std::env::var("FLOE_TEST_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            assert!(
                !require_all(),
                "FLOE_TEST_PYTHON is required (FLOE_TEST_REQUIRE_ALL=1)"
            );
            eprintln!("skipping: no FLOE_TEST_PYTHON (run the suite with scripts/test)");
            None
        }
    }
}

/// Read a table with PyIceberg (tests/py/read_table.py); returns its JSON report.
pub fn pyiceberg_read(python: &str, metadata_location: &str, s3_endpoint: Option<&str>) -> Value {
    let mut args = vec!["--metadata", metadata_location];
    if let Some(endpoint) = s3_endpoint {
        args.extend(["--s3-endpoint", endpoint]);
    }
    run_read_table(python, &args)
}

/// Read one snapshot of a local table with PyIceberg; returns its JSON report.
pub fn pyiceberg_read_snapshot(python: &str, metadata_location: &str, snapshot_id: i64) -> Value {
    let id = snapshot_id.to_string();
    run_read_table(
        python,
        &["--metadata", metadata_location, "--snapshot-id", &id],
    )
}

fn run_read_table(python: &str, args: &[&str]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/read_table.py");
    let out = Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "read_table.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Data files (parquet) under a local table directory.
pub fn data_files(table_dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "parquet") {
                    out.push(p);
                }
            }
        }
    }
    walk(&table_dir.join("data"), &mut out);
    out.sort();
    out
}

/// A JSON array of integers (snapshot ids, row ids), sorted.
pub fn sorted_i64s(array: &Value) -> Vec<i64> {
    let mut values: Vec<i64> = array
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {array}"))
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    values.sort();
    values
}
