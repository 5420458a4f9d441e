//! Rendering reports: one value per command, printed as a human table, JSON or CSV; status and
//! progress on stderr only where a person is watching. Knows nothing of Iceberg.

mod bars;
mod log;
mod progress;
pub mod prometheus;
mod render;
pub mod rows;
pub mod svg_charts;

pub use bars::BarChart;
pub use log::{json_log_line, LogFormat, Reporter};
pub use progress::BarProgress;
pub use render::{Block, Report, Tabular};

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use serde::Serialize;

/// `-o/--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    Table,
    Json,
    Csv,
}

/// Where and how a command talks to its user: its report on stdout, status, progress and
/// logs on stderr through one reporter.
#[derive(Debug, Clone)]
pub struct Printer {
    pub format: OutputFormat,
    reporter: Arc<Reporter>,
}

/// stdout was closed under us (`floe snapshots t | head`): not a failure.
#[derive(Debug)]
pub struct ClosedPipe;

impl std::fmt::Display for ClosedPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("output pipe closed")
    }
}
impl std::error::Error for ClosedPipe {}

impl Printer {
    pub fn new(
        format: OutputFormat,
        logs: LogFormat,
        quiet: bool,
        no_progress: bool,
        verbose: bool,
    ) -> Self {
        let interactive = std::io::stderr().is_terminal();
        let chatty = !quiet && format != OutputFormat::Json && interactive;
        Printer {
            format,
            reporter: Arc::new(Reporter::new(logs, chatty, quiet, verbose, !no_progress)),
        }
    }

    /// A status line (human logs: only when a person watches; JSON logs: always, but `-q`).
    pub fn status(&self, message: &str) {
        self.log(crate::progress::LogEvent::info(message));
    }

    /// A log event, through the command's reporter.
    pub fn log(&self, event: crate::progress::LogEvent) {
        crate::progress::Progress::log(self.reporter.as_ref(), event);
    }

    /// The reporter to hand to long work: progress bar, status lines and logs.
    pub fn reporter(&self) -> Arc<Reporter> {
        self.reporter.clone()
    }

    /// Print the command's one report on stdout.
    pub fn print<R: Report>(&self, report: &R) -> anyhow::Result<()> {
        let text = match self.format {
            // Written as it is serialized: a listing of a million files never sits in memory
            // a second time as one string.
            OutputFormat::Json => return write_json_stdout(report),
            // Block-character bars only where a terminal shows them; files and pipes get ASCII.
            OutputFormat::Table => render::human(&report.blocks(), std::io::stdout().is_terminal()),
            OutputFormat::Csv => render::csv(&report.csv()),
        };
        write_stdout(text.as_bytes())
    }
}

/// `value` as pretty JSON and a newline on stdout, turning a closed pipe into [`ClosedPipe`].
fn write_json_stdout<T: serde::Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|_| out.write_all(b"\n"))
        .and_then(|_| out.flush());
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(ClosedPipe.into()),
        Err(e) => Err(e.into()),
    }
}

/// Write to stdout, turning a closed pipe into [`ClosedPipe`].
pub fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(ClosedPipe.into()),
        Err(e) => Err(e.into()),
    }
}
