//! floe's error kinds, the one place that maps them to exit codes and hints.

use std::fmt;

use serde::Serialize;

/// What went wrong, as far as a caller (a shell, cron, CI) needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A table, namespace, snapshot or file that does not exist.
    NotFound,
    /// Something already exists (a table on create).
    AlreadyExists,
    /// Bad input data or an invalid change.
    InvalidInput,
    /// Bad command-line usage or an invalid option value.
    Usage,
    /// Bad or missing configuration.
    Config,
    /// A commit lost every retry against concurrent writers.
    CommitConflict,
    /// A commit whose outcome could not be learned.
    CommitStateUnknown,
    /// The user interrupted the command.
    Interrupted,
    /// `health` found problems.
    Unhealthy,
    /// Any other failure.
    Failed,
}

impl ErrorKind {
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::Usage | ErrorKind::Config => 2,
            ErrorKind::CommitConflict => 3,
            ErrorKind::Unhealthy => 4,
            ErrorKind::Interrupted => 130,
            _ => 1,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::AlreadyExists => "already_exists",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Usage => "usage",
            ErrorKind::Config => "config",
            ErrorKind::CommitConflict => "commit_conflict",
            ErrorKind::CommitStateUnknown => "commit_state_unknown",
            ErrorKind::Interrupted => "interrupted",
            ErrorKind::Unhealthy => "unhealthy",
            ErrorKind::Failed => "failed",
        }
    }
}

/// A typed floe error; carried inside `anyhow::Error` chains.
#[derive(Debug, Clone)]
pub struct FloeError {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for FloeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FloeError {}

impl FloeError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        FloeError {
            kind,
            message: message.into(),
            hint: None,
        }
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }
}

/// Shorthand: `bail_kind!(InvalidInput, "...")`.
#[macro_export]
macro_rules! fail {
    ($kind:ident, $($arg:tt)*) => {
        return Err(anyhow::Error::new($crate::error::FloeError::new(
            $crate::error::ErrorKind::$kind,
            format!($($arg)*),
        )))
    };
}

/// The kind of an error chain: the outermost typed floe error (also one that iceberg's
/// `Catalog` trait carried as a source), else what iceberg says.
pub fn kind_of(err: &anyhow::Error) -> ErrorKind {
    if let Some(f) = err.chain().find_map(|c| c.downcast_ref::<FloeError>()) {
        return f.kind;
    }
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<iceberg::Error>() {
            return match e.kind() {
                iceberg::ErrorKind::CatalogCommitConflicts => ErrorKind::CommitConflict,
                iceberg::ErrorKind::TableNotFound | iceberg::ErrorKind::NamespaceNotFound => {
                    ErrorKind::NotFound
                }
                iceberg::ErrorKind::TableAlreadyExists
                | iceberg::ErrorKind::NamespaceAlreadyExists => ErrorKind::AlreadyExists,
                iceberg::ErrorKind::DataInvalid | iceberg::ErrorKind::PreconditionFailed => {
                    ErrorKind::InvalidInput
                }
                _ => ErrorKind::Failed,
            };
        }
    }
    ErrorKind::Failed
}

/// How one link of an error chain reads to a user: iceberg's errors print as
/// `Kind => message` with their sources repeated; only the message is wanted.
pub fn message_of(cause: &(dyn std::error::Error + 'static)) -> String {
    match cause.downcast_ref::<iceberg::Error>() {
        Some(e) => e.message().to_string(),
        None => cause.to_string(),
    }
}

/// The first hint in an error chain.
pub fn hint_of(err: &anyhow::Error) -> Option<String> {
    err.chain()
        .filter_map(|c| c.downcast_ref::<FloeError>())
        .find_map(|f| f.hint.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_contract() {
        assert_eq!(ErrorKind::NotFound.exit_code(), 1);
        assert_eq!(ErrorKind::Usage.exit_code(), 2);
        assert_eq!(ErrorKind::Config.exit_code(), 2);
        assert_eq!(ErrorKind::CommitConflict.exit_code(), 3);
        assert_eq!(ErrorKind::Unhealthy.exit_code(), 4);
        assert_eq!(ErrorKind::Interrupted.exit_code(), 130);
    }

    #[test]
    fn kind_is_found_through_context() {
        let err = anyhow::Error::new(FloeError::not_found("no table")).context("loading db.t");
        assert_eq!(kind_of(&err), ErrorKind::NotFound);
        let err = anyhow::Error::new(iceberg::Error::new(
            iceberg::ErrorKind::CatalogCommitConflicts,
            "x",
        ));
        assert_eq!(kind_of(&err), ErrorKind::CommitConflict);
    }
}
