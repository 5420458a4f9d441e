//! The reporter every command gets: for a person at a terminal, status lines and a progress
//! bar on stderr; for log shippers (`--log-format json`), one JSON object per line on stderr
//! (time, level, table, step, message, fields), whether or not anyone watches.

use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

use super::BarProgress;
use crate::progress::{Level, LogEvent, Progress};

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Status lines and progress bars, only when stderr is a terminal.
    #[default]
    Human,
    /// One JSON object per line on stderr.
    Json,
}

/// Long work under way, so its end can say how long it took.
#[derive(Debug)]
struct Running {
    label: String,
    total_bytes: u64,
    started: Instant,
}

#[derive(Debug)]
pub struct Reporter {
    format: LogFormat,
    /// Human logs: a person is watching (stderr is a terminal, no `-q`, no `-o json`).
    chatty: bool,
    /// JSON logs: `-q` keeps only warnings and errors.
    quiet: bool,
    verbose: bool,
    bar: Option<BarProgress>,
    running: Mutex<Option<Running>>,
    /// The table a one-table command works on and the command itself, for events that do
    /// not name their own.
    table: Mutex<Option<String>>,
    step: Mutex<Option<String>>,
}

impl Reporter {
    pub fn new(format: LogFormat, chatty: bool, quiet: bool, verbose: bool, bar: bool) -> Self {
        Reporter {
            format,
            chatty,
            quiet,
            verbose,
            bar: (format == LogFormat::Human && chatty && bar).then(BarProgress::new),
            running: Mutex::new(None),
            table: Mutex::new(None),
            step: Mutex::new(None),
        }
    }

    /// Name the command, the step of events that do not name their own.
    pub fn set_step(&self, step: &str) {
        if let Ok(mut current) = self.step.lock() {
            *current = Some(step.to_string());
        }
    }

    /// Name the table this command works on, for the events that follow.
    pub fn set_table(&self, table: &str) {
        if let Ok(mut current) = self.table.lock() {
            *current = Some(table.to_string());
        }
    }

    pub fn format(&self) -> LogFormat {
        self.format
    }

    fn wants(&self, level: Level) -> bool {
        match self.format {
            LogFormat::Human => self.chatty && (level > Level::Debug || self.verbose),
            LogFormat::Json => {
                (level >= Level::Warn || !self.quiet) && (level > Level::Debug || self.verbose)
            }
        }
    }

    fn write_line(&self, line: &str) {
        let write = || {
            let mut err = std::io::stderr().lock();
            // A log line that cannot be written must not fail the work it describes.
            let _ = writeln!(err, "{line}");
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }
}

/// One event as a JSON log line: every key always present, absent values as null.
pub fn json_log_line(event: &LogEvent) -> String {
    let line = serde_json::json!({
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "level": event.level,
        "table": event.table,
        "step": event.step,
        "message": event.message,
        "fields": event.fields,
    });
    line.to_string()
}

impl Progress for Reporter {
    fn start(&self, label: &str, total_bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.start(label, total_bytes);
        }
        if let Ok(mut running) = self.running.lock() {
            *running = Some(Running {
                label: label.to_string(),
                total_bytes,
                started: Instant::now(),
            });
        }
        if self.format == LogFormat::Json {
            self.log(LogEvent::info(label.to_string()).field("total_bytes", total_bytes));
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.advance(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
        let running = self.running.lock().ok().and_then(|mut r| r.take());
        if let (LogFormat::Json, Some(running)) = (self.format, running) {
            self.log(
                LogEvent::info(format!("{}: finished", running.label))
                    .field("total_bytes", running.total_bytes)
                    .field("seconds", running.started.elapsed().as_secs_f64()),
            );
        }
    }

    fn log(&self, mut event: LogEvent) {
        if !self.wants(event.level) {
            return;
        }
        if event.table.is_none() {
            event.table = self.table.lock().ok().and_then(|t| t.clone());
        }
        if event.step.is_none() {
            event.step = self.step.lock().ok().and_then(|s| s.clone());
        }
        match self.format {
            LogFormat::Human => {
                let prefix = match event.level {
                    Level::Warn => "warning: ",
                    Level::Error => "error: ",
                    Level::Debug | Level::Info => "",
                };
                self.write_line(&format!("{prefix}{}", event.message));
            }
            LogFormat::Json => self.write_line(&json_log_line(&event)),
        }
    }
}
