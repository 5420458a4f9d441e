//! What an ingest is asked to do (mode, branch, isolation, what its rows replace) and what it
//! reports: shared by the append path (`ingest.rs`) and the replacing path
//! (`ingest_replace.rs`), so neither imports the other's types.

use serde::Serialize;

use crate::input::FormatChoice;
use crate::ops::row_deletion::RowChangeMode;
use crate::table::snapshot_commit::Isolation;
use crate::table::TableRef;

/// Summary key carrying floe's commit id, so a landed commit can be recognised.
pub const COMMIT_ID_PROPERTY: &str = crate::table::source_ledger::COMMIT_ID_SUMMARY;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum IngestMode {
    /// Add the rows to the table.
    Append,
    /// Replace the table's rows with the input.
    Overwrite,
}

#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub table: TableRef,
    pub inputs: Vec<String>,
    pub format: FormatChoice,
    pub mode: IngestMode,
    /// Add input columns the table lacks and apply allowed widenings, in the same commit.
    pub merge_schema: bool,
    /// The branch to commit to (`main` by default).
    pub branch: String,
    /// Whether an overwrite fails when data was added after it started.
    pub isolation: Isolation,
    /// What the input replaces beyond appending (row-level changes).
    pub replace: Replace,
    /// How replaced rows leave files that keep others (`None`: the table's properties).
    pub row_mode: Option<RowChangeMode>,
    /// Load only sources not loaded before (exactly-once incremental loads).
    pub skip_loaded: bool,
}

/// What an ingest's rows replace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Replace {
    /// Nothing (append), or everything (`--mode overwrite`).
    #[default]
    ByMode,
    /// The rows a predicate selects (`--mode overwrite --where`); every input row must match it.
    Matching(String),
    /// Every row of the partitions the input writes to (`--overwrite-partitions`).
    Partitions,
    /// Rows whose key equals an input row's (`--upsert`); empty: the identifier fields.
    Keys(Vec<String>),
}

#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    pub table: String,
    pub mode: IngestMode,
    /// The new snapshot; `null` when the input held no rows and nothing was committed.
    pub snapshot_id: Option<i64>,
    pub sequence_number: Option<i64>,
    pub input_files: usize,
    pub input_bytes: u64,
    pub files_added: usize,
    pub records_added: u64,
    pub bytes_added: u64,
    pub elapsed_ms: u64,
    pub commit_attempts: u32,
    pub commit_id: String,
    /// Schema changes `--merge-schema` made (empty otherwise).
    pub schema_changes: Vec<String>,
    /// Row-level changes (`--where`, `--overwrite-partitions`, `--upsert`); `null` otherwise.
    pub replaced: Option<ReplacedRows>,
    /// `--skip-loaded`: what was left out as loaded before; `null` otherwise.
    pub skip_loaded: Option<SkipLoaded>,
}

/// What `--skip-loaded` found.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SkipLoaded {
    /// Inputs loaded before (same location, size and ETag or modification time): left out.
    pub skipped_files: usize,
    /// Inputs loaded now.
    pub loaded_files: usize,
    /// The ledger of loaded sources after this run.
    pub ledger: Option<String>,
    /// Times the run started over because a concurrent run recorded sources first.
    pub restarts: u32,
}

/// What the input replaced, for row-level ingests.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ReplacedRows {
    /// `matching`, `partitions` or `upsert`.
    pub kind: String,
    pub row_mode: Option<RowChangeMode>,
    /// Live rows removed (for an upsert: rows whose key the input carried).
    pub rows_deleted: u64,
    /// Upsert: input rows that replaced a row, and input rows that were new.
    pub rows_updated: u64,
    pub rows_inserted: u64,
    pub files_removed: usize,
    pub files_rewritten: usize,
    /// Data files written by copy-on-write rewrites (not counted in `files_added`).
    pub rewrite_files_added: usize,
    pub delete_files_added: usize,
    /// Times the plan was made again because a concurrent commit changed its files.
    pub replans: u32,
}
