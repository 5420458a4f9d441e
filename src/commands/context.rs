//! What every command gets: the global flags (accepted before or after the subcommand), the
//! printer built from them, the session they select, and the parsers of common arguments.

use std::path::PathBuf;

use anyhow::Result;

use crate::config::Config;
use crate::error::FloeError;
use crate::output::{LogFormat, OutputFormat, Printer};
use crate::table::{Session, TableRef};

/// Flags accepted before or after the subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Catalog to use (a name under `catalog:` in the config file).
    #[arg(long, global = true, env = "FLOE_CATALOG", value_name = "NAME")]
    pub catalog: Option<String>,

    /// Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Output format.
    #[arg(
        short = 'o',
        long,
        global = true,
        env = "FLOE_OUTPUT",
        value_enum,
        default_value = "table"
    )]
    pub output: OutputFormat,

    /// No status messages or progress.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// No progress bars.
    #[arg(long, global = true)]
    pub no_progress: bool,

    /// More detail in errors.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one
    /// object per line: time, level, table, step, message, fields; for log shippers).
    #[arg(
        long,
        global = true,
        env = "FLOE_LOG_FORMAT",
        value_enum,
        default_value = "human",
        value_name = "FORMAT"
    )]
    pub log_format: LogFormat,
}

/// What every command gets: the global flags and the printer.
pub struct Context {
    pub global: GlobalArgs,
    pub printer: Printer,
}

impl Context {
    pub fn new(global: GlobalArgs) -> Self {
        let printer = Printer::new(
            global.output,
            global.log_format,
            global.quiet,
            global.no_progress,
            global.verbose,
        );
        Context { global, printer }
    }

    /// Load the configuration and select the catalog.
    pub fn session(&self) -> Result<Session> {
        let config = Config::load(self.global.config.as_deref())?;
        Session::new(&config, self.global.catalog.as_deref())
    }
}

/// Parse a table argument.
pub fn table_ref(text: &str) -> Result<TableRef> {
    TableRef::parse(text)
}

/// `K=V` → (K, V).
pub fn key_value(text: &str) -> Result<(String, String)> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(FloeError::usage(format!("'{text}' is not KEY=VALUE")).into()),
    }
}
