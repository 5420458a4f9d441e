//! The flags that `delete` and `ingest` share about changing rows: how rows leave files
//! (`--mode` / `--row-mode`) and what an overwrite does with data committed meanwhile
//! (`--isolation`).

use crate::ops::row_deletion::RowChangeMode;
use crate::table::snapshot_commit::Isolation;

/// `--mode` / `--row-mode` values: how rows leave files that keep others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RowModeArg {
    /// Rewrite the affected data files without the rows.
    CopyOnWrite,
    /// Write delete files naming the rows; data files stay.
    MergeOnRead,
}

impl From<RowModeArg> for RowChangeMode {
    fn from(arg: RowModeArg) -> Self {
        match arg {
            RowModeArg::CopyOnWrite => RowChangeMode::CopyOnWrite,
            RowModeArg::MergeOnRead => RowChangeMode::MergeOnRead,
        }
    }
}

/// `--isolation` values (Iceberg's isolation levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IsolationArg {
    Serializable,
    Snapshot,
}

impl From<IsolationArg> for Isolation {
    fn from(arg: IsolationArg) -> Self {
        match arg {
            IsolationArg::Serializable => Isolation::Serializable,
            IsolationArg::Snapshot => Isolation::Snapshot,
        }
    }
}
