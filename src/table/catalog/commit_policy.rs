//! Commit retry policy (Iceberg's `commit.retry.*` table properties) and the error kinds a
//! commit can end in.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use iceberg::spec::TableMetadata;
use iceberg::TableUpdate;

use crate::error::{ErrorKind, FloeError};

/// Apply updates to the metadata at `location`: the new metadata (its metadata log extended
/// and trimmed per `write.metadata.previous-versions-max`) and the metadata files the trim
/// dropped from the log.
pub fn apply_updates(
    current: &TableMetadata,
    location: &str,
    updates: &[TableUpdate],
) -> anyhow::Result<(TableMetadata, Vec<String>)> {
    let mut builder = current.clone().into_builder(Some(location.to_string()));
    for update in updates {
        builder = update.clone().apply(builder)?;
    }
    let built = builder.build()?;
    let expired = built
        .expired_metadata_logs
        .into_iter()
        .map(|l| l.metadata_file)
        .collect();
    Ok((built.metadata, expired))
}

/// How hard a commit tries against concurrent writers; read from table properties with
/// Iceberg's defaults (4 retries, 100 ms .. 60 s backoff, 30 min in all).
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub num_retries: u32,
    pub min_wait: Duration,
    pub max_wait: Duration,
    pub total_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            num_retries: 4,
            min_wait: Duration::from_millis(100),
            max_wait: Duration::from_millis(60_000),
            total_timeout: Duration::from_millis(1_800_000),
        }
    }
}

impl RetryPolicy {
    pub fn from_properties(props: &HashMap<String, String>) -> Self {
        let d = RetryPolicy::default();
        let num = |k: &str| props.get(k).and_then(|v| v.trim().parse::<u64>().ok());
        RetryPolicy {
            num_retries: num("commit.retry.num-retries")
                .map(|v| v as u32)
                .unwrap_or(d.num_retries),
            min_wait: num("commit.retry.min-wait-ms")
                .map(Duration::from_millis)
                .unwrap_or(d.min_wait),
            max_wait: num("commit.retry.max-wait-ms")
                .map(Duration::from_millis)
                .unwrap_or(d.max_wait),
            total_timeout: num("commit.retry.total-timeout-ms")
                .map(Duration::from_millis)
                .unwrap_or(d.total_timeout),
        }
    }

    /// Backoff before retry `attempt` (1-based): exponential from `min_wait`, capped, with
    /// jitter so racing writers spread out.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let base = self.min_wait.as_millis() as f64 * 2f64.powi(attempt.saturating_sub(1) as i32);
        let capped = base.min(self.max_wait.as_millis() as f64);
        let jitter = 0.5 + (uuid::Uuid::new_v4().as_u128() % 1000) as f64 / 1000.0;
        Duration::from_millis((capped * jitter) as u64)
    }

    /// Whether another attempt is allowed after `attempts_done` failed ones.
    pub fn may_retry(&self, attempts_done: u32, started: Instant) -> bool {
        attempts_done <= self.num_retries && started.elapsed() < self.total_timeout
    }
}

/// A commit that lost to a concurrent writer (requirements no longer hold).
pub fn conflict(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(
        FloeError::new(ErrorKind::CommitConflict, message)
            .with_hint("another writer changed the table; run the command again"),
    )
}

/// A commit whose outcome could not be determined; nothing may be cleaned up.
pub fn state_unknown(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(FloeError::new(ErrorKind::CommitStateUnknown, message).with_hint(
        "check `floe snapshots` to see whether the change landed; files written for it were kept",
    ))
}

pub fn is_conflict(err: &anyhow::Error) -> bool {
    crate::error::kind_of(err) == ErrorKind::CommitConflict
}

pub fn is_state_unknown(err: &anyhow::Error) -> bool {
    crate::error::kind_of(err) == ErrorKind::CommitStateUnknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_iceberg_retry_properties() {
        let props = HashMap::from([
            ("commit.retry.num-retries".to_string(), "9".to_string()),
            ("commit.retry.min-wait-ms".to_string(), "5".to_string()),
        ]);
        let p = RetryPolicy::from_properties(&props);
        assert_eq!(p.num_retries, 9);
        assert_eq!(p.min_wait, Duration::from_millis(5));
        assert_eq!(p.max_wait, Duration::from_millis(60_000));
        let b = p.backoff(3);
        assert!(
            b >= Duration::from_millis(10) && b <= Duration::from_millis(30),
            "{b:?}"
        );
    }
}
