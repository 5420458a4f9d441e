//! Where an operation's commit is validated from: the starting point it read, how it treats
//! data others committed since (isolation), and the error that sends it back to re-plan when
//! files it planned against changed meanwhile.

use anyhow::Result;
use iceberg::table::Table;

use super::snapshot_producer::branch_head;
use crate::error::{ErrorKind, FloeError};

/// What an operation read when it started: every attempt of its commit is validated against
/// the snapshots committed since (Iceberg Java's `validateFromSnapshot` and friends).
#[derive(Debug, Clone)]
pub struct StartingPoint {
    /// The branch's head then (`None`: the branch had no snapshot).
    pub snapshot_id: Option<i64>,
    /// The schema id and last assigned column id then (a `--merge-schema` schema's base).
    pub schema: (i32, i32),
    pub isolation: Isolation,
}

impl StartingPoint {
    /// The starting point of an operation that read `table` at the head of `branch`.
    pub fn of(table: &Table, branch: &str, isolation: Isolation) -> Result<Self> {
        let metadata = table.metadata();
        Ok(StartingPoint {
            snapshot_id: branch_head(metadata, branch)?.map(|s| s.snapshot_id()),
            schema: (metadata.current_schema_id(), metadata.last_column_id()),
            isolation,
        })
    }
}

/// How an overwrite treats data others committed after it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Isolation {
    /// Fail (commit conflict) when data was added since the start: nothing acknowledged is
    /// silently replaced.
    #[default]
    Serializable,
    /// Replace whatever the table holds at commit time, data added meanwhile included.
    Snapshot,
}

/// The plan was made against files that changed meanwhile; re-planning from the new state
/// is safe (no rows the user did not see are affected).
#[derive(Debug)]
pub struct StalePlan(pub String);

impl std::fmt::Display for StalePlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StalePlan {}

pub fn is_stale_plan(err: &anyhow::Error) -> bool {
    err.chain().any(|e| e.is::<StalePlan>())
}

/// A stale plan that may not be re-planned any more: a commit conflict (exit 3).
pub fn stale_as_conflict(err: anyhow::Error) -> anyhow::Error {
    if is_stale_plan(&err) {
        FloeError::new(
            ErrorKind::CommitConflict,
            format!("the table kept changing under this operation: {err}"),
        )
        .with_hint("run it again")
        .into()
    } else {
        err
    }
}
