//! A Spark 3.5 + Apache Iceberg 1.10 session (tests/py/spark_reader.py) driven line by line:
//! the reference implementation as a reader and writer beside floe. Starting the JVM takes
//! seconds, so a test binary starts one and shares it.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

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
