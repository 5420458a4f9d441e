//! Committing row-level changes (delete, upsert, overwrite by filter or partition): data
//! files removed whole or rewritten, data files added, delete files added, in ONE snapshot.
//! Every attempt is validated against what was committed since the operation read the table,
//! as Iceberg Java's `OverwriteFiles`/`RowDelta` validations do:
//! - a file the change removes, rewrites or adds position deletes to is still live;
//! - no delete files were added meanwhile for a file it rewrites (copy-on-write);
//! - serializable: no data was added meanwhile that the change's condition could select.
//!
//! The first two mean the plan is stale (re-plan from the new state: [`is_stale_plan`]); the
//! last is a conflict for the user (exit 3).

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Result;
use iceberg::expr::Predicate;
use iceberg::spec::{
    DataContentType, DataFile, ManifestContentType, ManifestFile, Operation,
    SnapshotSummaryCollector, Struct, TableMetadata,
};
use iceberg::table::Table;

use super::changes_since::{changes_since, snapshots_since, AddedFile, ChangesSince};
pub use super::isolation::{is_stale_plan, stale_as_conflict, StalePlan};
use super::isolation::{Isolation, StartingPoint};
use super::snapshot_producer::{
    add_totals, branch_head, carry_manifests, commit_with_retries, data_file_sizes,
    ensure_written_files, has_live_files, new_manifest_writer, new_snapshot_id,
    parquet_position_deletes_refusal, write_snapshot, Attempt, AttemptFiles, NewSnapshot, Prepared,
};
use crate::error::{ErrorKind, FloeError};
use crate::table::catalog::commit_policy::is_state_unknown;
use crate::table::catalog::floe_catalog::TableTarget;

/// A live data file the change touches.
#[derive(Debug, Clone)]
pub struct TouchedFile {
    pub path: String,
    pub spec_id: i32,
    pub partition: Option<Struct>,
}

/// What data added by others conflicts with the change (serializable isolation).
#[derive(Debug, Clone)]
pub enum ConflictScope {
    /// Any data added.
    AnyData,
    /// Data files that may hold rows matching the predicate.
    Matching(Predicate),
    /// Data files in these partitions of these specs.
    Partitions(Vec<(i32, Option<Struct>)>),
}

#[derive(Debug, Clone)]
pub struct RowChange {
    pub branch: String,
    pub start: StartingPoint,
    /// Files leaving whole: every live row is deleted.
    pub dropped: Vec<TouchedFile>,
    /// Files leaving with their remaining rows written into `added_data`.
    pub rewritten: Vec<TouchedFile>,
    /// Files that get new position deletes: they must still be live.
    pub referenced: Vec<TouchedFile>,
    pub added_data: Vec<DataFile>,
    /// The spec `added_data` was written for.
    pub data_spec_id: i32,
    /// Delete files with the spec of the partition they belong to.
    pub added_deletes: Vec<(i32, DataFile)>,
    pub conflicts: ConflictScope,
    /// Partitions (spec id, tuple) whose live data and delete files all leave, found at
    /// commit time (a dynamic partition overwrite).
    pub replaced_partitions: Vec<(i32, Option<Struct>)>,
    pub summary: HashMap<String, String>,
    /// The rewritten files' kept rows store their `_row_id` and
    /// `_last_updated_sequence_number` from before (required on format v3).
    pub lineage_carried: bool,
}

/// The landed change.
#[derive(Debug, Clone)]
pub struct CommittedChange {
    pub snapshot_id: i64,
    pub sequence_number: i64,
    pub attempts: u32,
    /// Data files and rows that left with `replaced_partitions`.
    pub replaced_files: usize,
    pub replaced_rows: u64,
}

fn stale(message: String) -> anyhow::Error {
    StalePlan(message).into()
}

/// Commit the change, retrying lost races per `commit.retry.*`. When it definitely fails,
/// the files written for it are deleted; when its outcome is unknown, nothing is; when its
/// plan went stale ([`is_stale_plan`]), the caller decides.
pub async fn commit_row_change(
    target: &TableTarget,
    change: &RowChange,
) -> Result<CommittedChange> {
    let io = crate::table::storage::file_io::file_io(target.catalog.stores());
    let written_by_us: Vec<String> = change
        .added_data
        .iter()
        .chain(change.added_deletes.iter().map(|(_, f)| f))
        .map(|f| f.file_path().to_string())
        .collect();
    let checked = ensure_written_files(
        &io,
        data_file_sizes(
            change
                .added_data
                .iter()
                .chain(change.added_deletes.iter().map(|(_, f)| f)),
        ),
    )
    .await;
    let outcome = match checked {
        Ok(()) => commit_with_retries(target, |table, attempt_no| async move {
            let mut written = vec![];
            let outcome = prepare(&table, change, attempt_no, &mut written)
                .await
                .map(Some);
            Prepared { written, outcome }
        })
        .await
        .map(|landed| landed.expect("a row change always commits")),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(landed) => Ok(CommittedChange {
            snapshot_id: landed.snapshot_id,
            sequence_number: landed.sequence_number,
            attempts: landed.attempts,
            replaced_files: landed.value.0,
            replaced_rows: landed.value.1,
        }),
        Err(err) => {
            // A stale plan's files are the caller's: it may keep some (an ingest's input)
            // when it plans again.
            if !is_state_unknown(&err) && !is_stale_plan(&err) {
                target.catalog.stores().delete_all(&written_by_us).await;
            }
            Err(err)
        }
    }
}

/// Check the change against what was committed since its start.
async fn validate(table: &Table, change: &RowChange) -> Result<()> {
    let metadata = table.metadata();
    // A spec change commits no snapshot: checked whether or not the branch moved.
    if !change.added_data.is_empty() && metadata.default_partition_spec_id() != change.data_spec_id
    {
        return Err(stale(format!(
            "the partition spec changed to {} while files were written for spec {}",
            metadata.default_partition_spec_id(),
            change.data_spec_id
        )));
    }
    let head = branch_head(metadata, &change.branch)?.map(|s| s.snapshot_id());
    if head == change.start.snapshot_id {
        return Ok(());
    }
    let Some(snapshots) = snapshots_since(metadata, &change.branch, change.start.snapshot_id)
    else {
        return Err(FloeError::new(
            ErrorKind::CommitConflict,
            format!(
                "branch {} no longer descends from snapshot {}, which this change read (rolled back meanwhile?)",
                change.branch,
                change
                    .start
                    .snapshot_id
                    .map(|id| id.to_string())
                    .unwrap_or_else(|| "(none)".into())
            ),
        )
        .with_hint("run it again against the table as it is now")
        .into());
    };
    let changes = changes_since(table, &snapshots).await?;
    if change.start.isolation == Isolation::Serializable {
        check_no_conflicting_data(table, change, &changes).await?;
    }
    for file in change
        .dropped
        .iter()
        .chain(&change.rewritten)
        .chain(&change.referenced)
    {
        if let Some(by) = changes.removed_data.get(&file.path) {
            return Err(stale(format!(
                "{} was removed or rewritten by snapshot {by}",
                file.path
            )));
        }
    }
    // A deletion vector merges every earlier delete of its data file, so a delete added
    // meanwhile for one of them would be lost when the new DV replaces the old (Java's
    // conflicting-DV validation): plan again to merge it too.
    let merges_deletes = change
        .added_deletes
        .iter()
        .any(|(_, f)| f.file_format() == iceberg::spec::DataFileFormat::Puffin);
    let merging = change
        .referenced
        .iter()
        .filter(|_| merges_deletes)
        .map(|f| (f, true));
    for (file, positions_only) in change.rewritten.iter().map(|f| (f, false)).chain(merging) {
        if let Some(delete) = changes.added_deletes.iter().find(|d| {
            (!positions_only || d.file.content_type() == DataContentType::PositionDeletes)
                && d.may_delete_from(metadata, &file.path, file.spec_id, file.partition.as_ref())
        }) {
            return Err(stale(format!(
                "snapshot {} added deletes that apply to {}, which this change rewrites or merges into a deletion vector",
                delete.snapshot_id, file.path
            )));
        }
    }
    Ok(())
}

async fn check_no_conflicting_data(
    table: &Table,
    change: &RowChange,
    changes: &ChangesSince,
) -> Result<()> {
    if changes.new_rows().next().is_none() {
        return Ok(());
    }
    let found = match &change.conflicts {
        ConflictScope::AnyData => changes.new_rows().next(),
        ConflictScope::Partitions(partitions) => changes.new_rows().find(|added| {
            partitions.iter().any(|(spec_id, partition)| {
                added.spec_id == *spec_id
                    && super::changes_since::same_partition(
                        Some(added.file.partition()),
                        partition.as_ref(),
                    )
            })
        }),
        ConflictScope::Matching(predicate) => {
            // Each added file is judged at the snapshot that added it, by iceberg's own
            // pruning: a file appended and then compacted away (or deleted) meanwhile is no
            // longer in the head, but its rows may be, in the files that replaced it.
            use futures::TryStreamExt;
            let mut by_snapshot: BTreeMap<i64, Vec<&AddedFile>> = BTreeMap::new();
            for added in changes.new_rows() {
                by_snapshot
                    .entry(added.snapshot_id)
                    .or_default()
                    .push(added);
            }
            let mut found = None;
            for (snapshot_id, added) in by_snapshot {
                let tasks: Vec<iceberg::scan::FileScanTask> = table
                    .scan()
                    .snapshot_id(snapshot_id)
                    .select_empty()
                    .with_filter(predicate.clone())
                    .build()?
                    .plan_files()
                    .await?
                    .try_collect()
                    .await?;
                let candidates: HashSet<&str> =
                    tasks.iter().map(|t| t.data_file_path.as_str()).collect();
                found = added
                    .into_iter()
                    .find(|a| candidates.contains(a.file.file_path()));
                if found.is_some() {
                    break;
                }
            }
            found
        }
    };
    match found {
        None => Ok(()),
        Some(added) => Err(FloeError::new(
            ErrorKind::CommitConflict,
            format!(
                "snapshot {} added {} after this change read the table, and it may hold rows the change selects; committing now would ignore them",
                added.snapshot_id,
                added.file.file_path()
            ),
        )
        .with_hint("run it again to include the new rows, or pass --isolation snapshot to leave rows committed meanwhile alone")
        .into()),
    }
}

async fn prepare(
    table: &Table,
    change: &RowChange,
    attempt_no: u32,
    written: &mut Vec<String>,
) -> Result<(Attempt, (usize, u64))> {
    validate(table, change).await?;
    let metadata = table.metadata();
    let parent = branch_head(metadata, &change.branch)?;
    let snapshot_id = new_snapshot_id(metadata);
    let mut names = AttemptFiles::new(metadata, snapshot_id, attempt_no);
    let schema = metadata.current_schema().clone();
    let mut summary = SnapshotSummaryCollector::default();
    let mut manifests: Vec<ManifestFile> = vec![];

    if !change.added_data.is_empty() {
        let spec = metadata.default_partition_spec().clone();
        let path = names.manifest(written);
        let mut writer = new_manifest_writer(
            table,
            schema.clone(),
            &path,
            snapshot_id,
            spec.spec_id(),
            ManifestContentType::Data,
        )?;
        for file in &change.added_data {
            summary.add_file(file, schema.clone(), spec.clone());
            // Negative: inherit this snapshot's sequence number from the manifest list.
            writer.add_file(file.clone(), -1)?;
        }
        manifests.push(writer.write_manifest_file().await?);
    }
    let mut deletes_by_spec: BTreeMap<i32, Vec<&DataFile>> = BTreeMap::new();
    for (spec_id, file) in &change.added_deletes {
        deletes_by_spec.entry(*spec_id).or_default().push(file);
    }
    for (spec_id, files) in deletes_by_spec {
        let spec = metadata
            .partition_spec_by_id(spec_id)
            .cloned()
            .ok_or_else(|| stale(format!("partition spec {spec_id} left the table")))?;
        let path = names.manifest(written);
        let mut writer = new_manifest_writer(
            table,
            schema.clone(),
            &path,
            snapshot_id,
            spec_id,
            ManifestContentType::Deletes,
        )?;
        for file in files {
            summary.add_file(file, schema.clone(), spec.clone());
            writer.add_file(file.clone(), -1)?;
        }
        manifests.push(writer.write_manifest_file().await?);
    }

    // Data files that get a new deletion vector: it merged the earlier DV or file-scoped
    // position deletes of each, which leave in this commit (one DV per data file).
    let merged_into_dv: HashSet<String> = change
        .added_deletes
        .iter()
        .filter(|(_, f)| f.file_format() == iceberg::spec::DataFileFormat::Puffin)
        .filter_map(|(_, f)| f.referenced_data_file())
        .collect();
    let removed: HashSet<&str> = change
        .dropped
        .iter()
        .chain(&change.rewritten)
        .map(|f| f.path.as_str())
        .collect();
    let replaced = |spec_id: i32, file: &DataFile| {
        change.replaced_partitions.iter().any(|(id, partition)| {
            *id == spec_id
                && super::changes_since::same_partition(Some(file.partition()), partition.as_ref())
        })
    };
    let (mut found, mut replaced_files, mut replaced_rows) = (0usize, 0usize, 0u64);
    let removes_files =
        !removed.is_empty() || !change.replaced_partitions.is_empty() || !merged_into_dv.is_empty();
    if let (Some(parent), false) = (&parent, removes_files) {
        // Only files added: every manifest is carried as it is, unread.
        let list = table.manifest_list_reader(parent).load().await?;
        manifests.extend(list.entries().iter().filter(|m| has_live_files(m)).cloned());
    } else if let Some(parent) = &parent {
        // Data files leave by path or partition; delete files in a replaced partition, and
        // position delete files scoped to a leaving data file (they apply to nothing else),
        // leave with them.
        let (carried, left) = carry_manifests(
            table,
            parent,
            snapshot_id,
            &mut names,
            written,
            &mut summary,
            |manifest, file| {
                let spec_id = manifest.partition_spec_id;
                match manifest.content {
                    ManifestContentType::Data => {
                        removed.contains(file.file_path()) || replaced(spec_id, file)
                    }
                    ManifestContentType::Deletes => {
                        replaced(spec_id, file)
                            || (file.content_type() == DataContentType::PositionDeletes
                                && file.referenced_data_file().is_some_and(|r| {
                                    removed.contains(r.as_str()) || merged_into_dv.contains(&r)
                                }))
                    }
                }
            },
        )
        .await?;
        manifests.extend(carried);
        for (content, file) in left {
            if content != ManifestContentType::Data {
                continue;
            }
            if removed.contains(file.file_path()) {
                found += 1;
            } else {
                replaced_files += 1;
                replaced_rows += file.record_count();
            }
        }
    }
    if found != removed.len() {
        return Err(stale(format!(
            "{} of the {} data files this change removes are no longer live",
            removed.len() - found,
            removed.len()
        )));
    }

    let operation = operation_of(change);
    let replaced_count = (replaced_files, replaced_rows);
    let mut properties = change.summary.clone();
    properties.extend(summary.build());
    add_totals(&mut properties, parent.as_ref().map(|p| p.summary()));
    write_snapshot(
        table,
        NewSnapshot {
            snapshot_id,
            operation,
            manifests,
            properties,
            schema_id: metadata.current_schema_id(),
            list_path: names.list_path(),
            requirements: vec![],
            updates: vec![],
            branch: change.branch.clone(),
            v3_refusal: v3_refusal(change),
        },
        written,
    )
    .await
    .map(|attempt| (attempt, replaced_count))
}

/// Why `change` cannot go onto a v3 table: a rewrite must carry the kept rows' ids, and
/// position deletes there are deletion vectors.
fn v3_refusal(change: &RowChange) -> Option<String> {
    if !change.rewritten.is_empty() && !change.lineage_carried {
        return Some("rewriting data files (copy-on-write)".into());
    }
    parquet_position_deletes_refusal(change.added_deletes.iter().map(|(_, f)| f))
}

/// Iceberg's row-delta convention: only adding rows is an `append`, only removing them a
/// `delete`, both an `overwrite`.
fn operation_of(change: &RowChange) -> Operation {
    let adds_rows = change.added_data.iter().any(|f| f.record_count() > 0);
    let removes = !change.dropped.is_empty()
        || !change.rewritten.is_empty()
        || !change.added_deletes.is_empty()
        || !change.replaced_partitions.is_empty();
    match (adds_rows, removes) {
        (true, false) => Operation::Append,
        (false, _) => Operation::Delete,
        (true, true) => Operation::Overwrite,
    }
}

/// The partition of a data file as the change names it.
pub fn touched(path: &str, spec_id: i32, partition: Option<&Struct>) -> TouchedFile {
    TouchedFile {
        path: path.to_string(),
        spec_id,
        partition: partition.cloned(),
    }
}

/// Whether `metadata` can take delete files at all (format version 2 and later).
pub fn supports_delete_files(metadata: &TableMetadata) -> bool {
    metadata.format_version() >= iceberg::spec::FormatVersion::V2
}
