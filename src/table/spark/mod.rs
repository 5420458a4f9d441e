//! Running an Iceberg procedure on Spark: the launcher (`spark-sql` by default, or any command
//! given as one shell-quoted string), the catalog configuration it needs, and the result rows
//! it prints. floe itself reads the table before and after; this module only runs the job.
//!
//! Credentials never go on the launched command line, where any local user reads them with
//! `ps`: settings whose values are secrets go in a properties file only the user can read
//! (`--properties-file`, mode 0600, removed when the job ends). Spark then skips its
//! `spark-defaults.conf`, so that file (or the launcher's own `--properties-file`) is copied in
//! first. Whatever Spark prints back is shown with those secrets replaced by `***`.

pub mod catalog_conf;
mod settings;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use crate::error::{ErrorKind, FloeError};

pub use catalog_conf::{quote_identifier, redacted, redacted_argv, spark_catalog, SparkCatalog};
pub use settings::SparkSettings;

/// Lines of Spark's stderr a failure reports.
const TAIL_LINES: usize = 20;

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

    /// The full command line for one statement: `conf` as `--conf` settings, but for those
    /// given in `properties_file` (the secrets), which replaces any of the launcher's own.
    pub fn command_line(
        &self,
        conf: &BTreeMap<String, String>,
        statement: &str,
        properties_file: Option<&Path>,
    ) -> Vec<String> {
        let mut argv = match properties_file {
            Some(file) => {
                let (mut argv, _) = self.without_properties_file();
                argv.push("--properties-file".into());
                argv.push(file.display().to_string());
                argv
            }
            None => self.argv.clone(),
        };
        for (k, v) in conf {
            if properties_file.is_some() && is_secret(k) {
                continue;
            }
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

impl Launcher {
    /// The launcher's arguments without its `--properties-file`, and that file.
    fn without_properties_file(&self) -> (Vec<String>, Option<String>) {
        let mut argv = vec![];
        let mut file = None;
        let mut args = self.argv.iter();
        while let Some(arg) = args.next() {
            if arg == "--properties-file" {
                file = args.next().cloned();
            } else if let Some(value) = arg.strip_prefix("--properties-file=") {
                file = Some(value.to_string());
            } else {
                argv.push(arg.clone());
            }
        }
        (argv, file)
    }

    /// The properties Spark would load without floe's file: the launcher's
    /// `--properties-file`, else `spark-defaults.conf` in `$SPARK_CONF_DIR` or
    /// `$SPARK_HOME/conf`.
    fn default_properties(&self) -> Result<Option<String>> {
        let (_, given) = self.without_properties_file();
        if let Some(file) = given {
            return std::fs::read_to_string(&file).map(Some).map_err(|e| {
                FloeError::config(format!(
                    "cannot read the launcher's --properties-file {file}: {e}"
                ))
                .into()
            });
        }
        let dir = std::env::var_os("SPARK_CONF_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("SPARK_HOME").map(|h| PathBuf::from(h).join("conf")));
        Ok(dir.and_then(|d| std::fs::read_to_string(d.join("spark-defaults.conf")).ok()))
    }
}

/// Whether a setting's value is a credential (shown as `***`, kept off the command line).
fn is_secret(key: &str) -> bool {
    catalog_conf::redacted(key, "x") != "x"
}

/// A Java properties key or value, escaped so `Properties.load` reads it back unchanged.
fn properties_escape(text: &str, key: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '=' | ':' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            ' ' if key || i == 0 => out.push_str("\\ "),
            c => out.push(c),
        }
    }
    out
}

/// The secrets' properties file for one run, removed when dropped.
struct SecretProperties {
    path: PathBuf,
}

impl SecretProperties {
    /// Written create-only with mode 0600 in the temporary directory: `defaults` first,
    /// then `secrets` (later keys win in Java properties).
    fn write(defaults: Option<&str>, secrets: &[(&String, &String)]) -> Result<Self> {
        use std::os::unix::fs::OpenOptionsExt;
        let path =
            std::env::temp_dir().join(format!("floe-spark-{}.properties", uuid::Uuid::new_v4()));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| {
                FloeError::config(format!(
                    "cannot write Spark's settings file {}: {e}",
                    path.display()
                ))
            })?;
        let guard = SecretProperties { path };
        let mut text = String::new();
        if let Some(defaults) = defaults {
            text.push_str(defaults);
            text.push('\n');
        }
        for (k, v) in secrets {
            text.push_str(&properties_escape(k, true));
            text.push('=');
            text.push_str(&properties_escape(v, false));
            text.push('\n');
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        Ok(guard)
    }
}

impl Drop for SecretProperties {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// `text` with every secret value in it replaced by `***`.
fn without_secrets(text: &str, secrets: &[&String]) -> String {
    let mut out = text.to_string();
    // Longest first, so a secret containing another is replaced whole.
    let mut sorted: Vec<&String> = secrets.iter().copied().filter(|s| s.len() >= 4).collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in sorted {
        out = out.replace(secret.as_str(), "***");
    }
    out
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
    let secrets: Vec<(&String, &String)> = conf.iter().filter(|(k, _)| is_secret(k)).collect();
    let secret_values: Vec<&String> = secrets.iter().map(|(_, v)| *v).collect();
    let properties = if secrets.is_empty() {
        None
    } else {
        let defaults = launcher.default_properties()?;
        Some(SecretProperties::write(defaults.as_deref(), &secrets)?)
    };
    let argv = launcher.command_line(
        conf,
        statement,
        properties.as_ref().map(|p| p.path.as_path()),
    );
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
    drop(properties);
    if !output.status.success() {
        let stderr = without_secrets(&String::from_utf8_lossy(&output.stderr), &secret_values);
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
    let stdout = without_secrets(&String::from_utf8_lossy(&output.stdout), &secret_values);
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
            allow_unsafe_commits: false,
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
            launcher.command_line(&conf, "CALL x.system.f()", None),
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
    fn secrets_go_in_a_private_file_instead_of_the_command_line() {
        let launcher = Launcher {
            argv: vec![
                "spark-sql".into(),
                "--properties-file".into(),
                "/etc/spark/mine.conf".into(),
                "--master".into(),
                "local[1]".into(),
            ],
        };
        let conf = BTreeMap::from([
            (
                "spark.sql.catalog.x.credential".to_string(),
                "id:s3cret".to_string(),
            ),
            (
                "spark.sql.catalog.x.uri".to_string(),
                "http://h".to_string(),
            ),
        ]);
        let file = Path::new("/tmp/floe-spark-1.properties");
        let argv = launcher.command_line(&conf, "CALL x.system.f()", Some(file));
        assert!(!argv.iter().any(|a| a.contains("s3cret")), "{argv:?}");
        assert!(argv.contains(&"spark.sql.catalog.x.uri=http://h".to_string()));
        // The launcher's own properties file is replaced by floe's (which copies it in).
        let files: Vec<&String> = argv
            .iter()
            .skip_while(|a| *a != "--properties-file")
            .take(2)
            .collect();
        assert_eq!(files, ["--properties-file", "/tmp/floe-spark-1.properties"]);
        assert_eq!(argv.iter().filter(|a| *a == "--properties-file").count(), 1);
        assert!(argv.windows(2).any(|w| w == ["--master", "local[1]"]));
    }

    #[test]
    fn the_secrets_file_is_private_escaped_and_removed() {
        use std::os::unix::fs::PermissionsExt;
        let key = "spark.sql.catalog.x.token".to_string();
        let value = " a=b:c\\d\n".to_string();
        let written =
            SecretProperties::write(Some("spark.master local[2]"), &[(&key, &value)]).unwrap();
        let path = written.path.clone();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "spark.master local[2]\nspark.sql.catalog.x.token=\\ a\\=b\\:c\\\\d\\n\n"
        );
        drop(written);
        assert!(!path.exists(), "removed when the run ends");
        assert_eq!(
            without_secrets("token id:s3cret rejected", &[&"id:s3cret".to_string()]),
            "token *** rejected"
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
