//! Removing the rows a condition selects, shared by `delete`, `ingest --mode overwrite --where`
//! and `ingest --upsert`: plan (which files hold matching live rows, which are matched whole by
//! their metrics alone), then write (position delete files, or copy-on-write rewrites) into
//! the parts of one row-change commit.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Result;
use futures::{StreamExt, TryStreamExt};
use iceberg::expr::Predicate;
use iceberg::scan::FileScanTask;
use iceberg::spec::{DataFile, Struct};
use iceberg::table::Table;
use roaring::RoaringTreemap;
use serde::Serialize;

use crate::error::FloeError;
use crate::table::delete_writer::{sibling_location, write_position_deletes};
use crate::table::deletion_vector_writer::{write_deletion_vectors, DeletionVectorWrite};
use crate::table::lineage_scan::data_file_lineage;
use crate::table::live_files::{live_data_files, LiveDataFile};
use crate::table::row_change_commit::{touched, TouchedFile};
use crate::table::row_filter::RowFilter;
use crate::table::row_matches::{match_files, DeleteFiles, FileMatches, RowMatcher};
use crate::table::row_rewrite::{write_kept_rows, FileRewrite};
use crate::table::snapshot_producer::branch_head;
use crate::table::Stores;
use crate::table::TableDataWriter;

/// How rows leave files that keep other rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowChangeMode {
    /// Rewrite the affected data files without the rows.
    CopyOnWrite,
    /// Write delete files naming the rows; data files stay.
    MergeOnRead,
}

impl RowChangeMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RowChangeMode::CopyOnWrite => "copy-on-write",
            RowChangeMode::MergeOnRead => "merge-on-read",
        }
    }

    /// The mode from `--mode`, else the table property `key` (Iceberg's `write.delete.mode`,
    /// `write.update.mode`, ...), else copy-on-write (Iceberg's default).
    pub fn resolve(chosen: Option<Self>, table: &Table, key: &str) -> Result<Self> {
        let metadata = table.metadata();
        let mode = match chosen {
            Some(mode) => mode,
            None => match metadata.properties().get(key).map(|v| v.trim()) {
                None | Some("copy-on-write") => RowChangeMode::CopyOnWrite,
                Some("merge-on-read") => RowChangeMode::MergeOnRead,
                Some(other) => {
                    return Err(FloeError::invalid(format!(
                        "table property {key}={other} is neither copy-on-write nor merge-on-read"
                    ))
                    .into())
                }
            },
        };
        if mode == RowChangeMode::MergeOnRead
            && !crate::table::row_change_commit::supports_delete_files(metadata)
        {
            if chosen.is_some() {
                return Err(FloeError::usage(
                    "merge-on-read needs delete files, which format-version 1 tables cannot hold",
                )
                .with_hint("use --mode copy-on-write, or upgrade the table with `floe properties TABLE --set format-version=2`")
                .into());
            }
            return Ok(RowChangeMode::CopyOnWrite);
        }
        Ok(mode)
    }
}

/// What happens to one data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileAction {
    /// Every live row goes: the file leaves by metadata, unread when its metrics prove it.
    Remove,
    /// Copy-on-write: written again without the rows.
    Rewrite,
    /// Merge-on-read: a position delete file names the rows.
    DeleteRows,
}

/// One affected data file.
#[derive(Debug, Clone, Serialize)]
pub struct AffectedFile {
    pub path: String,
    pub action: FileAction,
    pub rows_deleted: u64,
    /// Whether the file's column metrics alone showed every row matches (it was not read).
    pub by_metadata: bool,
    /// Delete files that may have applied to it before (its partition's position deletes
    /// and the equality deletes newer than it).
    pub delete_files_before: usize,
}

/// The rows to remove, found but not yet written.
pub struct DeletionPlan {
    pub files_scanned: usize,
    /// The snapshot the plan read (the branch head then).
    snapshot_id: Option<i64>,
    /// Files matched whole by their metrics (never read), with their live row counts.
    whole: Vec<(FileScanTask, LiveDataFile)>,
    /// Files read, with at least one matching live row.
    matched: Vec<(FileMatches, LiveDataFile)>,
}

impl DeletionPlan {
    pub fn rows_deleted(&self) -> u64 {
        self.whole
            .iter()
            .map(|(_, live)| live.file.record_count())
            .chain(self.matched.iter().map(|(m, _)| m.matched.len() as u64))
            .sum()
    }

    /// (spec id, partition, path, every live row matched) of each affected file.
    pub fn matched_files(&self) -> impl Iterator<Item = (i32, &Struct, &str, bool)> {
        self.whole
            .iter()
            .map(|(t, live)| {
                (
                    live.spec_id,
                    live.file.partition(),
                    t.data_file_path.as_str(),
                    true,
                )
            })
            .chain(self.matched.iter().map(|(m, live)| {
                (
                    live.spec_id,
                    live.file.partition(),
                    m.task.data_file_path.as_str(),
                    m.all_live_rows_match(),
                )
            }))
    }

    /// Distinct delete files that applied to the affected data files before.
    pub fn delete_files_affected(&self) -> usize {
        let mut paths: Vec<&str> = self
            .whole
            .iter()
            .map(|(t, _)| t)
            .chain(self.matched.iter().map(|(m, _)| &m.task))
            .flat_map(|t| t.deletes.iter().map(|d| d.file_path.as_str()))
            .collect();
        paths.sort_unstable();
        paths.dedup();
        paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.whole.is_empty() && self.matched.is_empty()
    }

    /// Every affected file with what `mode` does to it.
    pub fn affected(&self, mode: RowChangeMode) -> Vec<AffectedFile> {
        let mut out: Vec<AffectedFile> = self
            .whole
            .iter()
            .map(|(task, live)| AffectedFile {
                path: task.data_file_path.clone(),
                action: FileAction::Remove,
                rows_deleted: live.file.record_count(),
                by_metadata: true,
                delete_files_before: task.deletes.len(),
            })
            .chain(self.matched.iter().map(|(m, _)| AffectedFile {
                path: m.task.data_file_path.clone(),
                action: if m.all_live_rows_match() {
                    FileAction::Remove
                } else if mode == RowChangeMode::CopyOnWrite {
                    FileAction::Rewrite
                } else {
                    FileAction::DeleteRows
                },
                rows_deleted: m.matched.len() as u64,
                by_metadata: false,
                delete_files_before: m.task.deletes.len(),
            }))
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }
}

/// Plan the scan of `branch`'s head with the table's current schema: every column, pruned by
/// `pruning`.
pub async fn plan_tasks(
    table: &Table,
    snapshot_id: i64,
    pruning: Option<&Predicate>,
) -> Result<Vec<FileScanTask>> {
    let mut scan = table.scan().snapshot_id(snapshot_id).select_all();
    if let Some(predicate) = pruning {
        scan = scan.with_filter(predicate.clone());
    }
    let tasks = scan.build()?.plan_files().await?.try_collect().await?;
    crate::table::readable_tasks::readable(table, Some(snapshot_id), tasks).await
}

/// Find the live rows `matcher` selects at the head of `branch`. With `filter`, files whose
/// metrics prove every row matches (and that have no delete files) are not read.
pub async fn plan_deletion(
    table: &Table,
    stores: &Stores,
    branch: &str,
    matcher: Arc<dyn RowMatcher>,
    pruning: Option<&Predicate>,
    filter: Option<&RowFilter>,
) -> Result<DeletionPlan> {
    let Some(head) = branch_head(table.metadata(), branch)? else {
        return Ok(DeletionPlan {
            files_scanned: 0,
            snapshot_id: None,
            whole: vec![],
            matched: vec![],
        });
    };
    let head = head.snapshot_id();
    let tasks = plan_tasks(table, head, pruning).await?;
    let mut live: HashMap<String, LiveDataFile> = live_data_files(table, head).await?;
    let files_scanned = tasks.len();
    let mut whole = vec![];
    let mut to_read = vec![];
    for task in tasks {
        let Some(file) = live.remove(&task.data_file_path) else {
            continue;
        };
        let proven =
            task.deletes.is_empty() && filter.is_some_and(|f| f.matches_whole_file(&file.file));
        if proven {
            whole.push((task, file));
        } else {
            to_read.push((task, file));
        }
    }
    let by_path: HashMap<String, LiveDataFile> = to_read
        .iter()
        .map(|(t, f)| (t.data_file_path.clone(), f.clone()))
        .collect();
    let found = match_files(
        table,
        stores,
        to_read.into_iter().map(|(t, _)| t).collect(),
        matcher,
    )
    .await?;
    let matched = found
        .into_iter()
        .filter(|m| !m.matched.is_empty())
        .map(|m| {
            let file = by_path[&m.task.data_file_path].clone();
            (m, file)
        })
        .collect();
    Ok(DeletionPlan {
        files_scanned,
        snapshot_id: Some(head),
        whole,
        matched,
    })
}

/// The parts of a commit that carry out a deletion.
#[derive(Default)]
pub struct DeletionWrites {
    pub dropped: Vec<TouchedFile>,
    pub rewritten: Vec<TouchedFile>,
    pub referenced: Vec<TouchedFile>,
    /// Position delete files or deletion vectors, with their spec.
    pub delete_files: Vec<(i32, DataFile)>,
    /// Rows copied into `writer` by copy-on-write rewrites.
    pub rows_rewritten: u64,
    /// The rewrites stored each kept row's `_row_id` and `_last_updated_sequence_number`.
    pub lineage_carried: bool,
}

/// Format v3: one deletion vector per partly matched file, all in one Puffin file at `path`.
/// Each holds the file's matched rows and every position its earlier deletes removed (its
/// earlier DV, or the position delete files of an upgraded table), as the spec requires: at
/// most one DV per data file, merging what came before. The commit removes the DV and
/// file-scoped position deletes it replaces. The file is removed again if anything fails.
async fn write_merged_deletion_vectors(
    table: &Table,
    stores: &Stores,
    partial: &[(&FileMatches, &LiveDataFile, TouchedFile)],
    path: &str,
) -> Result<Vec<(i32, DataFile)>> {
    if partial.is_empty() {
        return Ok(vec![]);
    }
    let earlier = DeleteFiles::default();
    let mut vectors = Vec::with_capacity(partial.len());
    for (m, live, _) in partial {
        let data_file = &m.task.data_file_path;
        let mut positions: RoaringTreemap = m.matched.iter().copied().collect();
        for delete in &m.task.deletes {
            if delete.file_type == iceberg::spec::DataContentType::PositionDeletes {
                positions.extend(earlier.positions(stores, delete, data_file).await?);
            }
        }
        vectors.push(DeletionVectorWrite {
            data_file: data_file.clone(),
            spec_id: live.spec_id,
            partition: live.file.partition().clone(),
            positions,
        });
    }
    match write_deletion_vectors(table, &vectors, path).await {
        Ok(files) => Ok(files),
        Err(e) => {
            stores.delete_all(&[path.to_string()]).await;
            Err(e)
        }
    }
}

fn partition_of(live: &LiveDataFile) -> Option<Struct> {
    Some(live.file.partition().clone())
}

/// Write what `plan` needs under `mode`: position delete files (merge-on-read) or the kept
/// rows of partly matched files into `writer` (copy-on-write). On error, files written here
/// are deleted again; `writer`'s are the caller's to abort.
pub async fn write_deletion(
    table: &Table,
    stores: &Stores,
    plan: &DeletionPlan,
    mode: RowChangeMode,
    commit_id: &str,
    writer: &mut TableDataWriter,
) -> Result<DeletionWrites> {
    let mut out = DeletionWrites::default();
    for (task, live) in &plan.whole {
        out.dropped.push(touched(
            &task.data_file_path,
            live.spec_id,
            partition_of(live).as_ref(),
        ));
    }
    let mut partial = vec![];
    for (m, live) in &plan.matched {
        let file = touched(
            &m.task.data_file_path,
            live.spec_id,
            partition_of(live).as_ref(),
        );
        if m.all_live_rows_match() {
            out.dropped.push(file);
        } else {
            partial.push((m, live, file));
        }
    }
    match mode {
        RowChangeMode::CopyOnWrite => {
            let rewrites = partial
                .iter()
                .map(|(m, _, _)| FileRewrite {
                    task: m.task.clone(),
                    dropped: m.dropped(),
                })
                .collect();
            // Format v3: the kept rows keep their lineage (`writer` writes the lineage columns).
            let lineage = match plan.snapshot_id {
                Some(id)
                    if table.metadata().format_version() >= iceberg::spec::FormatVersion::V3 =>
                {
                    Some(Arc::new(data_file_lineage(table, id).await?))
                }
                _ => None,
            };
            out.lineage_carried = lineage.is_some();
            out.rows_rewritten = write_kept_rows(table, stores, rewrites, lineage, writer).await?;
            out.rewritten = partial.into_iter().map(|(_, _, f)| f).collect();
        }
        RowChangeMode::MergeOnRead
            if table.metadata().format_version() >= iceberg::spec::FormatVersion::V3 =>
        {
            let path = format!(
                "{}/data/{commit_id}-deletes.puffin",
                table.metadata().location().trim_end_matches('/')
            );
            out.delete_files =
                write_merged_deletion_vectors(table, stores, &partial, &path).await?;
            out.referenced = partial.into_iter().map(|(_, _, f)| f).collect();
        }
        RowChangeMode::MergeOnRead => {
            // Collected before running: a lazy iterator of borrowing futures makes the
            // caller's future fail rustc's higher-ranked Send check.
            let jobs: Vec<_> = partial
                .iter()
                .enumerate()
                .map(|(n, (m, live, _))| {
                    let path = sibling_location(
                        table,
                        &m.task.data_file_path,
                        &format!("{commit_id}-deletes-{n:05}.parquet"),
                    );
                    async move {
                        let result = write_position_deletes(
                            table,
                            &m.task.data_file_path,
                            &m.matched,
                            live.spec_id,
                            live.file.partition().clone(),
                            &path,
                        )
                        .await;
                        (path, live.spec_id, result)
                    }
                })
                .collect();
            let results: Vec<_> = futures::stream::iter(jobs).buffered(8).collect().await;
            let mut failure = None;
            for (path, spec_id, result) in results {
                match result {
                    Ok(file) => out.delete_files.push((spec_id, file)),
                    Err(e) => {
                        stores.delete_all(&[path]).await;
                        failure.get_or_insert(e);
                    }
                }
            }
            if let Some(e) = failure {
                let written: Vec<String> = out
                    .delete_files
                    .iter()
                    .map(|(_, f)| f.file_path().to_string())
                    .collect();
                stores.delete_all(&written).await;
                return Err(e);
            }
            out.referenced = partial.into_iter().map(|(_, _, f)| f).collect();
        }
    }
    Ok(out)
}
