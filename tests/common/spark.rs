//! A Spark 3.5 + Apache Iceberg 1.10 session (tests/py/spark_reader.py) driven line by line:
//! the reference implementation as a reader and writer beside floe. Starting the JVM takes
//! seconds, so a test binary starts one and shares it.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, MutexGuard};

use serde_json::{json, Value};

/// A Spark session whose catalog `floe` (type hadoop) is a directory warehouse.
pub struct Spark {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Spark {
    pub fn start(python: &str, warehouse: &Path) -> Spark {
        Self::start_with(python, warehouse, &[])
    }

    /// With extra spark_reader.py arguments (`--rest-uri URL` adds catalog `rest`).
    pub fn start_with(python: &str, warehouse: &Path, args: &[&str]) -> Spark {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut child = Command::new(python)
            .arg(root.join("tests/py/spark_reader.py"))
            .arg("--warehouse")
            .arg(warehouse)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start Spark");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let ready: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("Spark said {line:?} ({e})"));
        assert_eq!(ready["ready"], true, "Spark did not start: {ready}");
        Spark {
            _child: child,
            stdin,
            stdout,
        }
    }

    /// Run statements in order; the rows of the last. A Spark error fails the test.
    pub fn sql(&mut self, statements: &[&str]) -> Vec<Value> {
        let reply = self.try_sql(statements);
        if let Some(error) = reply.get("error") {
            panic!("Spark failed on {statements:?}: {error}");
        }
        reply["rows"].as_array().unwrap().clone()
    }

    pub fn try_sql(&mut self, statements: &[&str]) -> Value {
        let command = json!({ "sql": statements });
        writeln!(self.stdin, "{command}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("Spark said {line:?} ({e})"))
    }
}

/// The spark-sql launcher of the test venv's pyspark, in local mode, with Iceberg's jars: the
/// `--spark-submit` of floe's `--engine spark` in tests.
pub fn spark_sql_launcher(python: &str) -> String {
    let out = Command::new(python)
        .args([
            "-c",
            "import os, pyspark; print(os.path.dirname(pyspark.__file__))",
        ])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "pyspark is not importable by {python}"
    );
    let pyspark = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let spark_sql = Path::new(&pyspark).join("bin/spark-sql");
    assert!(spark_sql.is_file(), "no {}", spark_sql.display());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let jars = Command::new(root.join("scripts/spark-jars"))
        .env("FLOE_TEST_PYTHON", python)
        .output()
        .expect("run scripts/spark-jars");
    assert!(
        jars.status.success(),
        "scripts/spark-jars failed:\n{}",
        String::from_utf8_lossy(&jars.stderr)
    );
    let jars = String::from_utf8(jars.stdout).unwrap();
    let jars = jars.trim().lines().last().unwrap().to_string();
    format!(
        "{} --master local[1] --driver-memory 512m --jars {jars} --conf spark.ui.enabled=false \
         --conf spark.sql.catalogImplementation=in-memory --conf spark.sql.shuffle.partitions=1 \
         --conf 'spark.driver.extraJavaOptions=-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Duser.timezone=UTC'",
        spark_sql.display()
    )
}

/// One Spark session over one temporary warehouse, shared by the tests of a test binary (a JVM
/// start costs seconds). Without the test venv's Python there is no session and the tests skip.
pub struct SharedSpark {
    pub warehouse: tempfile::TempDir,
    spark: Option<Mutex<Spark>>,
}

impl SharedSpark {
    pub fn start() -> SharedSpark {
        let warehouse = tempfile::tempdir().unwrap();
        let spark = super::python().map(|py| Mutex::new(Spark::start(&py, warehouse.path())));
        SharedSpark { warehouse, spark }
    }

    /// The session, or `None` when the suite runs without Python. A test that panicked while
    /// holding it does not take the others down with it.
    pub fn lock(&self) -> Option<MutexGuard<'_, Spark>> {
        self.spark
            .as_ref()
            .map(|s| s.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }
}
