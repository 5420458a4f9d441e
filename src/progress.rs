//! How work reports what it is doing: progress of long work, status lines and log events. A
//! small trait below every layer that reports (`input/` decoding files, `table/` writing them,
//! `ops/` driving both, `commands/` saying what they read), so none of them depends on a layer
//! above it. `output/` implements it for a terminal (progress bar, status lines) and for log
//! shippers (`--log-format json`); the default does nothing.

use serde::Serialize;

/// How much a log event matters. Human output shows `Info` only to a person watching; JSON
/// logs carry every level but `Debug` unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

/// One log event: what happened, to which table, in which step, with structured fields.
#[derive(Debug, Clone)]
pub struct LogEvent {
    pub level: Level,
    pub table: Option<String>,
    pub step: Option<String>,
    pub message: String,
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl LogEvent {
    pub fn new(level: Level, message: impl Into<String>) -> Self {
        LogEvent {
            level,
            table: None,
            step: None,
            message: message.into(),
            fields: serde_json::Map::new(),
        }
    }

    pub fn info(message: impl Into<String>) -> Self {
        Self::new(Level::Info, message)
    }

    pub fn warn(message: impl Into<String>) -> Self {
        Self::new(Level::Warn, message)
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Level::Error, message)
    }

    pub fn table(mut self, table: impl Into<String>) -> Self {
        self.table = Some(table.into());
        self
    }

    pub fn step(mut self, step: impl Into<String>) -> Self {
        self.step = Some(step.into());
        self
    }

    /// A structured field; values that do not serialize are left out rather than failing the
    /// work being logged.
    pub fn field(mut self, key: &str, value: impl Serialize) -> Self {
        if let Ok(value) = serde_json::to_value(value) {
            self.fields.insert(key.to_string(), value);
        }
        self
    }
}

/// Progress of long work (bytes processed) and log events. The default does nothing.
pub trait Progress: Send + Sync + std::fmt::Debug {
    fn start(&self, _label: &str, _total_bytes: u64) {}
    fn advance(&self, _bytes: u64) {}
    fn finish(&self) {}
    fn log(&self, _event: LogEvent) {}
}

/// The silent reporter.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}
