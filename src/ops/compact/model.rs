//! What a compaction is asked to do (options, strategy), what it plans (groups of files) and
//! what it reports: the types the planner, the rewriter and the committer share, so none of
//! them imports another's.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use iceberg::scan::FileScanTask;
use iceberg::spec::{DataFile, SortOrder, Struct};
use iceberg::table::Table;
use serde::Serialize;

use super::zorder;
use crate::table::row_lineage::FileLineage;
use crate::table::{TableRef, TableTarget, WriteSettings};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Combine files up to the target size, rows in their existing order.
    Binpack,
    /// Also sort each group by the table's sort order (or --sort-by).
    Sort,
    /// Also cluster each group's rows on several columns at once (--zorder-by), by a Z-order
    /// key, so min/max pruning works for a filter on any of them.
    Zorder,
}

#[derive(Debug, Clone)]
pub struct CompactOptions {
    pub table: TableRef,
    pub strategy: Strategy,
    /// Sort expressions overriding the table's sort order (`--sort-by`).
    pub sort_by: Vec<String>,
    /// Columns a `zorder` rewrite clusters on (`--zorder-by`; items may be comma-separated).
    pub zorder_by: Vec<String>,
    pub target_file_size: Option<u64>,
    pub min_file_size: Option<u64>,
    pub max_file_size: Option<u64>,
    pub max_file_group_size: Option<u64>,
    pub min_input_files: usize,
    /// A SQL predicate on partition source columns.
    pub filter: Option<String>,
    pub rewrite_all: bool,
    pub dry_run: bool,
    pub max_commits: usize,
    pub max_bytes: Option<u64>,
    pub max_runtime: Option<Duration>,
    /// Groups rewritten at once (default: one per core).
    pub max_concurrent_groups: Option<usize>,
}

impl CompactOptions {
    pub fn new(table: TableRef) -> Self {
        CompactOptions {
            table,
            strategy: Strategy::Binpack,
            sort_by: vec![],
            zorder_by: vec![],
            target_file_size: None,
            min_file_size: None,
            max_file_size: None,
            max_file_group_size: None,
            min_input_files: 5,
            filter: None,
            rewrite_all: false,
            dry_run: false,
            max_commits: 1,
            max_bytes: None,
            max_runtime: None,
            max_concurrent_groups: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupStatus {
    Planned,
    Committed,
    Failed,
    /// Not started: a budget (--max-bytes, --max-runtime) was spent.
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    pub id: usize,
    pub partition: String,
    pub spec_id: i32,
    pub files: usize,
    pub bytes: u64,
    pub records: u64,
    pub delete_files: usize,
    pub expected_output_files: u64,
    pub reasons: Vec<String>,
    pub status: GroupStatus,
    pub output_files: usize,
    pub output_bytes: u64,
    pub failure: Option<String>,
    /// Why a failed group failed: `conflict` (a concurrent commit changed its files; a later
    /// run may retry) or `error` (reading or writing it failed).
    pub failure_kind: Option<FailureKind>,
    pub snapshot_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    Conflict,
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct CompactReport {
    pub table: String,
    pub dry_run: bool,
    pub strategy: Strategy,
    /// The columns of a `zorder` rewrite, else null.
    pub zorder_by: Option<Vec<String>>,
    pub starting_snapshot_id: Option<i64>,
    pub target_file_size_bytes: u64,
    /// Why there is nothing to do, when there is nothing to do.
    pub message: Option<String>,
    pub groups_planned: usize,
    pub groups_committed: usize,
    pub groups_failed: usize,
    pub groups_skipped: usize,
    pub files_rewritten: usize,
    pub bytes_rewritten: u64,
    pub files_written: usize,
    pub bytes_written: u64,
    pub delete_files_removed: usize,
    pub snapshot_ids: Vec<i64>,
    pub commit_attempts: u32,
    /// Times the groups that lost to a concurrent commit (their files removed or given new
    /// deletes meanwhile) were planned again from the new state of the table.
    pub replans: u32,
    pub elapsed_ms: u64,
    pub groups: Vec<GroupReport>,
    /// Who did the work: `floe`, or `spark` (Iceberg's procedure, `--engine spark`).
    pub engine: crate::ops::engine::Engine,
    /// Spark's statement, output and floe's reading of the table around it (engine spark).
    pub spark: Option<crate::ops::spark_engine::SparkRun>,
}

/// One group of files to rewrite together (all from one partition of one spec).
#[derive(Debug, Clone)]
pub struct PlannedGroup {
    pub report: GroupReport,
    pub spec_id: i32,
    pub partition: Option<Struct>,
    pub tasks: Vec<FileScanTask>,
    /// Per Z-order column, the group's min and max from its files' manifest bounds; `None`
    /// where a file has no bounds for the column (the rewrite then reads the group once more
    /// to find them).
    pub zorder_extents: Vec<Option<zorder::Extent>>,
}

/// A column of a `zorder` rewrite.
#[derive(Debug, Clone)]
pub struct ZorderColumn {
    pub name: String,
    pub field_id: i32,
}

/// What [`plan`](super::plan()) decided, and what [`rewrite`](super::rewrite_group) and
/// [`commit`](super::commit) need.
pub struct CompactionPlan {
    pub target: TableTarget,
    /// The table at the starting snapshot, read with the current schema.
    pub table: Table,
    pub starting_snapshot_id: Option<i64>,
    pub starting_sequence_number: i64,
    pub settings: WriteSettings,
    pub sort: Option<SortOrder>,
    /// The columns a `zorder` rewrite clusters on (empty for other strategies).
    pub zorder: Vec<ZorderColumn>,
    pub groups: Vec<PlannedGroup>,
    pub delete_scopes: Vec<(String, Vec<String>)>,
    /// Format v3: each starting data file's row lineage. The rewrite carries every row's
    /// `_row_id` and `_last_updated_sequence_number` into the new files, as Java does.
    pub lineage: Option<Arc<HashMap<String, FileLineage>>>,
    pub options: CompactOptions,
    pub message: Option<String>,
    pub(super) started: Instant,
}

/// A group's new files, or why it has none.
pub struct GroupResult {
    pub id: usize,
    pub outcome: std::result::Result<Vec<DataFile>, String>,
}
