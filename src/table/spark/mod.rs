//! Running an Iceberg procedure on Spark: the launcher (`spark-sql` by default, or any command
//! given as one shell-quoted string), the catalog configuration it needs, and the result rows
//! it prints. floe itself reads the table before and after; this module only runs the job.

pub mod catalog_conf;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use crate::error::{ErrorKind, FloeError};

pub use catalog_conf::{quote_identifier, spark_catalog, SparkCatalog};

/// Lines of Spark's stderr a failure reports.
const TAIL_LINES: usize = 20;

/// The config file's `engine.spark` section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparkSettings {
    /// The launcher command (`engine.spark.submit`).
    pub submit: Option<String>,
    /// Extra `--conf` settings for every run (`engine.spark.conf`).
    pub conf: BTreeMap<String, String>,
}

/// The launcher, split into its program and arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Launcher {
    pub argv: Vec<String>,
}

impl Launcher {
    /// `--spark-submit` if given, else `engine.spark.submit`, else `spark-sql` on PATH.
    pub fn resolve(flag: Option<&str>, settings: &SparkSettings) -> Result<Launcher> {
        let (text, origin) = match (flag, settings.submit.as_deref()) {
            (Some(t), _) => (t, "--spark-submit"),
            (None, Some(t)) => (t, "engine.spark.submit"),
            (None, None) => ("spark-sql", "the default launcher"),
        };
        let argv = shlex::split(text)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| {
                FloeError::usage(format!(
                    "{origin} '{text}' is not a command line (unbalanced quotes?)"
                ))
            })?;
        Ok(Launcher { argv })
    }

    /// The program, checked before anything runs: a missing launcher is a configuration
    /// error, not a failed job.
    fn program(&self) -> Result<std::path::PathBuf> {
        let program = &self.argv[0];
        let found = if program.contains('/') {
            let path = std::path::PathBuf::from(program);
            path.is_file().then_some(path)
        } else {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join(program))
                    .find(|p| p.is_file())
            })
        };
        found.ok_or_else(|| {
            FloeError::config(format!("the Spark launcher '{program}' was not found"))
                .with_hint("put spark-sql on PATH, or pass --spark-submit 'spark-sql --master …' (or set engine.spark.submit in the config file)")
                .into()
        })
    }

    /// The full command line for one statement.
    pub fn command_line(&self, conf: &BTreeMap<String, String>, statement: &str) -> Vec<String> {
        let mut argv = self.argv.clone();
        for (k, v) in conf {
            argv.push("--conf".into());
            argv.push(format!("{k}={v}"));
        }
        // spark-sql prints the column names first with this set.
        argv.push("--conf".into());
        argv.push("spark.hadoop.hive.cli.print.header=true".into());
        argv.push("-e".into());
        argv.push(statement.to_string());
        argv
    }
}

/// What a procedure returned.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProcedureOutput {
    pub columns: Vec<String>,
    /// Each row's values as Spark printed them.
    pub rows: Vec<Vec<String>>,
}

impl ProcedureOutput {
    /// The value of `column` in the first row.
    pub fn first(&self, column: &str) -> Option<&str> {
        let at = self.columns.iter().position(|c| c == column)?;
        self.rows
            .first()
            .and_then(|r| r.get(at))
            .map(String::as_str)
    }

    /// The first row's `column` as a count (0 when absent).
    pub fn count(&self, column: &str) -> u64 {
        self.first(column)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Every row's `column`.
    pub fn column(&self, column: &str) -> Vec<String> {
        let Some(at) = self.columns.iter().position(|c| c == column) else {
            return vec![];
        };
        self.rows
            .iter()
            .filter_map(|r| r.get(at).cloned())
            .collect()
    }
}

/// Parse spark-sql's tab-separated output. `expected` are the procedure's columns: a first
/// line equal to them is the header; without one (a launcher that prints none) every line is
/// a row.
pub fn parse_output(stdout: &str, expected: &[&str]) -> ProcedureOutput {
    let mut lines = stdout.lines().filter(|l| !l.trim().is_empty()).peekable();
    let columns: Vec<String> = match lines.peek() {
        Some(first) if first.split('\t').eq(expected.iter().copied()) => {
            let header = first.split('\t').map(str::to_string).collect();
            lines.next();
            header
        }
        _ => expected.iter().map(|c| c.to_string()).collect(),
    };
    let rows = lines
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    ProcedureOutput { columns, rows }
}

/// Run `statement` with `conf` through `launcher`; Spark's stderr goes nowhere but the
/// failure message. A non-zero exit is an error carrying the last lines of stderr.
pub async fn run_statement(
    launcher: &Launcher,
    conf: &BTreeMap<String, String>,
    statement: &str,
    expected_columns: &[&str],
) -> Result<(ProcedureOutput, f64)> {
    let program = launcher.program()?;
    let argv = launcher.command_line(conf, statement);
    let started = Instant::now();
    let output = tokio::process::Command::new(program)
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| {
            FloeError::config(format!(
                "cannot start the Spark launcher '{}': {e}",
                argv[0]
            ))
        })?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // The JVM's stack frames say where, not what: the lines around them say what.
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| {
                let t = l.trim_start();
                !t.is_empty()
                    && !(l.starts_with(char::is_whitespace)
                        && (t.starts_with("at ")
                            || (t.starts_with("... ") && t.ends_with(" more"))))
            })
            .collect();
        let tail = lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n");
        let code = output
            .status
            .code()
            .map(|c| c.to_string())
            .unwrap_or_else(|| "a signal".into());
        return Err(FloeError::new(
            ErrorKind::Failed,
            format!("the Spark job failed (exit {code}); the last lines it printed:\n{tail}"),
        )
        .into());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok((parse_output(&stdout, expected_columns), seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launcher_comes_from_flag_then_config_then_default() {
        let settings = SparkSettings {
            submit: Some("spark-sql --master 'local[2]'".into()),
            conf: BTreeMap::new(),
        };
        assert_eq!(
            Launcher::resolve(Some("/opt/spark/bin/spark-sql --conf 'a=b c'"), &settings)
                .unwrap()
                .argv,
            vec!["/opt/spark/bin/spark-sql", "--conf", "a=b c"]
        );
        assert_eq!(
            Launcher::resolve(None, &settings).unwrap().argv,
            vec!["spark-sql", "--master", "local[2]"]
        );
        assert_eq!(
            Launcher::resolve(None, &SparkSettings::default())
                .unwrap()
                .argv,
            vec!["spark-sql"]
        );
        assert!(Launcher::resolve(Some("spark-sql 'unbalanced"), &settings).is_err());
        assert!(Launcher::resolve(Some("  "), &settings).is_err());
        let missing = Launcher::resolve(Some("/nonexistent/spark-sql"), &settings)
            .unwrap()
            .program()
            .unwrap_err();
        assert_eq!(crate::error::kind_of(&missing), ErrorKind::Config);
    }

    #[test]
    fn command_line_adds_conf_header_and_statement() {
        let launcher = Launcher {
            argv: vec!["spark-sql".into()],
        };
        let conf = BTreeMap::from([("spark.sql.catalog.x".to_string(), "C".to_string())]);
        assert_eq!(
            launcher.command_line(&conf, "CALL x.system.f()"),
            vec![
                "spark-sql",
                "--conf",
                "spark.sql.catalog.x=C",
                "--conf",
                "spark.hadoop.hive.cli.print.header=true",
                "-e",
                "CALL x.system.f()"
            ]
        );
    }

    #[test]
    fn output_with_or_without_header() {
        let with = parse_output("a\tb\n1\t2\n", &["a", "b"]);
        assert_eq!(with.columns, vec!["a", "b"]);
        assert_eq!(with.count("b"), 2);
        let without = parse_output("/x/1\n/x/2\n", &["orphan_file_location"]);
        assert_eq!(without.column("orphan_file_location"), vec!["/x/1", "/x/2"]);
        assert_eq!(parse_output("", &["a"]).count("a"), 0);
    }
}
