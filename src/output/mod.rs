//! Rendering reports: one value per command, printed as a human table, JSON or CSV; status and
//! progress on stderr only where a person is watching. Knows nothing of Iceberg.

mod bars;
mod progress;
mod render;
pub mod rows;
pub mod svg_charts;

pub use bars::BarChart;
pub use progress::BarProgress;
pub use render::{Block, Report, Tabular};

use std::io::{IsTerminal, Write};

use serde::Serialize;

/// `-o/--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    Table,
    Json,
    Csv,
}

/// Where and how a command talks to its user.
#[derive(Debug, Clone)]
pub struct Printer {
    pub format: OutputFormat,
    quiet: bool,
    progress: bool,
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
    pub fn new(format: OutputFormat, quiet: bool, no_progress: bool) -> Self {
        let interactive = std::io::stderr().is_terminal();
        let chatty = !quiet && format != OutputFormat::Json && interactive;
        Printer {
            format,
            quiet: !chatty,
            progress: chatty && !no_progress,
        }
    }

    /// Status lines to stderr (silent under JSON, `-q`, or when stderr is not a terminal).
    pub fn status(&self, message: &str) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }

    /// A progress bar when one is wanted, else a no-op reporter.
    pub fn progress(&self) -> Option<BarProgress> {
        self.progress.then(BarProgress::new)
    }

    /// Print the command's one report on stdout.
    pub fn print<R: Report>(&self, report: &R) -> anyhow::Result<()> {
        let text = match self.format {
            OutputFormat::Json => {
                let mut s = serde_json::to_string_pretty(report)?;
                s.push('\n');
                s
            }
            // Block-character bars only where a terminal shows them; files and pipes get ASCII.
            OutputFormat::Table => render::human(&report.blocks(), std::io::stdout().is_terminal()),
            OutputFormat::Csv => render::csv(&report.csv()),
        };
        write_stdout(text.as_bytes())
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
