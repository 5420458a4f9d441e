//! Committing a rewrite of data files (compaction) as a `replace` snapshot: each group's old
//! files leave and its new files enter, written at the STARTING snapshot's sequence number so
//! equality deletes committed meanwhile still apply to them. Every attempt validates each
//! group against the snapshots committed since the start; a group whose files were removed,
//! or that gained position deletes, fails alone and the others commit.

use std::collections::{HashMap, HashSet};

use anyhow::Result;
use iceberg::spec::{
    DataContentType, DataFile, DataFileFormat, ManifestContentType, ManifestFile,
    SnapshotSummaryCollector, Struct,
};
use iceberg::table::Table;

use super::changes_since::{changes_since, snapshots_since};
use super::snapshot_producer::{
    add_totals, carry_manifests, commit_with_retries, data_file_sizes, new_manifest_writer,
    new_snapshot_id, write_snapshot, written_file_problems, Attempt, AttemptFiles, NewSnapshot,
    Prepared,
};
use crate::table::catalog::commit_policy::is_state_unknown;
use crate::table::catalog::floe_catalog::TableTarget;

/// One group's rewrite: the data files it replaces (all in one partition of one spec) and
/// the files written for them.
#[derive(Debug, Clone)]
pub struct RewrittenGroup {
    pub id: usize,
    pub spec_id: i32,
    pub partition: Option<Struct>,
    pub removed: Vec<String>,
    pub added: Vec<DataFile>,
}

#[derive(Debug, Clone)]
pub struct RewriteRequest {
    pub starting_snapshot_id: i64,
    pub starting_sequence_number: i64,
    /// The partition spec the new files were written for.
    pub spec_id: i32,
    pub groups: Vec<RewrittenGroup>,
    /// Delete files live at the starting snapshot, each with the data files it applied to
    /// then: it leaves with the commit that rewrites all of them (its rows are applied).
    pub delete_scopes: Vec<(String, Vec<String>)>,
    pub summary: HashMap<String, String>,
    /// The new files store each row's `_row_id` and `_last_updated_sequence_number` from
    /// before (required on format v3).
    pub carries_lineage: bool,
}

/// What landed.
#[derive(Debug, Clone, Default)]
pub struct RewriteOutcome {
    pub snapshot_id: Option<i64>,
    pub committed: Vec<usize>,
    /// Groups refused by validation, with the reason.
    pub failed: Vec<(usize, String)>,
    pub removed_delete_files: usize,
    pub attempts: u32,
}

/// Commit the groups that still validate. Files written for groups that do not commit are
/// deleted, unless the commit's outcome is unknown.
pub async fn commit_rewrite(
    target: &TableTarget,
    request: &RewriteRequest,
) -> Result<RewriteOutcome> {
    // A group whose files are not what it wrote fails alone, before anything is committed.
    let io = crate::table::storage::file_io::file_io(target.catalog.stores());
    let added = data_file_sizes(request.groups.iter().flat_map(|g| g.added.iter()));
    let problems = written_file_problems(&io, added).await;
    let mut refused: Vec<(usize, String)> = vec![];
    for group in &request.groups {
        let why: Vec<&str> = problems
            .iter()
            .filter(|(path, _)| group.added.iter().any(|f| f.file_path() == path))
            .map(|(_, why)| why.as_str())
            .collect();
        if !why.is_empty() {
            refused.push((group.id, why.join("; ")));
        }
    }
    let refused_files: Vec<String> = request
        .groups
        .iter()
        .filter(|g| refused.iter().any(|(id, _)| *id == g.id))
        .flat_map(|g| g.added.iter().map(|f| f.file_path().to_string()))
        .collect();
    let checked;
    let request = if refused.is_empty() {
        request
    } else {
        checked = RewriteRequest {
            groups: request
                .groups
                .iter()
                .filter(|g| !refused.iter().any(|(id, _)| *id == g.id))
                .cloned()
                .collect(),
            ..request.clone()
        };
        &checked
    };
    let mut outcome = commit_checked(target, request).await;
    if !refused.is_empty() {
        // Every file named by a refused group is that group's alone (a shared name refuses
        // both groups) and was never committed.
        target.catalog.stores().delete_all(&refused_files).await;
    }
    if let Ok(outcome) = &mut outcome {
        outcome.failed.extend(refused);
    }
    outcome
}

async fn commit_checked(target: &TableTarget, request: &RewriteRequest) -> Result<RewriteOutcome> {
    let landed = commit_with_retries(target, |table, attempt_no| async move {
        let mut written = vec![];
        let outcome = prepare(&table, request, attempt_no, &mut written).await;
        Prepared { written, outcome }
    })
    .await;
    let stores = target.catalog.stores();
    let added_by = |ids: &dyn Fn(usize) -> bool| -> Vec<String> {
        request
            .groups
            .iter()
            .filter(|g| ids(g.id))
            .flat_map(|g| g.added.iter().map(|f| f.file_path().to_string()))
            .collect()
    };
    match landed {
        Ok(Some(landed)) => {
            let (committed, failed, removed_delete_files) = landed.value;
            let done: HashSet<usize> = committed.iter().copied().collect();
            stores
                .delete_all(&added_by(&|id| !done.contains(&id)))
                .await;
            Ok(RewriteOutcome {
                snapshot_id: Some(landed.snapshot_id),
                committed,
                failed,
                removed_delete_files,
                attempts: landed.attempts,
            })
        }
        Ok(None) => {
            stores.delete_all(&added_by(&|_| true)).await;
            // Nothing landed: every group failed validation; say why from a fresh look.
            let table = target.load().await?;
            let failed = validate(&table, request).await?.1;
            Ok(RewriteOutcome {
                failed,
                ..Default::default()
            })
        }
        Err(err) => {
            if !is_state_unknown(&err) {
                stores.delete_all(&added_by(&|_| true)).await;
            }
            Err(err)
        }
    }
}

/// (groups that still hold, groups that do not with the reason).
async fn validate(
    table: &Table,
    request: &RewriteRequest,
) -> Result<(Vec<usize>, Vec<(usize, String)>)> {
    let metadata = table.metadata();
    let all_fail = |why: String| {
        Ok((
            vec![],
            request.groups.iter().map(|g| (g.id, why.clone())).collect(),
        ))
    };
    if metadata.default_partition_spec_id() != request.spec_id {
        return all_fail(format!(
            "the partition spec changed to {} during the rewrite",
            metadata.default_partition_spec_id()
        ));
    }
    let Some(snapshots) = snapshots_since(
        metadata,
        iceberg::spec::MAIN_BRANCH,
        Some(request.starting_snapshot_id),
    ) else {
        return all_fail(format!(
            "snapshot {} is no longer an ancestor of main (rolled back?)",
            request.starting_snapshot_id
        ));
    };
    let changes = changes_since(table, &snapshots).await?;
    let mut ok = vec![];
    let mut failed = vec![];
    'groups: for group in &request.groups {
        for path in &group.removed {
            if let Some(by) = changes.removed_data.get(path) {
                failed.push((group.id, format!("{path} was removed by snapshot {by}")));
                continue 'groups;
            }
        }
        // Equality deletes committed meanwhile still apply to the new files (they keep the
        // starting sequence number) only where the new files stay in the delete's spec and
        // partition, or the delete is global (unpartitioned); an older-spec group moves to
        // the current spec, out of a partition-scoped delete's reach. Position deletes never
        // follow rows into new files. Either kind fails the group.
        let moves_spec = group.spec_id != request.spec_id;
        for added in &changes.added_deletes {
            let kind = match added.file.content_type() {
                DataContentType::PositionDeletes => "position",
                DataContentType::EqualityDeletes if moves_spec && !is_global(metadata, added) => {
                    "equality"
                }
                _ => continue,
            };
            let touches = group.removed.iter().any(|path| {
                added.may_delete_from(metadata, path, group.spec_id, group.partition.as_ref())
            });
            if touches {
                failed.push((
                    group.id,
                    format!(
                        "snapshot {} added {kind} deletes for its files",
                        added.snapshot_id
                    ),
                ));
                continue 'groups;
            }
        }
        ok.push(group.id);
    }
    Ok((ok, failed))
}

/// An equality delete of an unpartitioned spec applies to every data file of a lower
/// sequence number, whatever its spec.
fn is_global(
    metadata: &iceberg::spec::TableMetadata,
    delete: &super::changes_since::AddedFile,
) -> bool {
    metadata
        .partition_spec_by_id(delete.spec_id)
        .is_some_and(|s| s.is_unpartitioned())
}

type Committed = (Vec<usize>, Vec<(usize, String)>, usize);

async fn prepare(
    table: &Table,
    request: &RewriteRequest,
    attempt_no: u32,
    written: &mut Vec<String>,
) -> Result<Option<(Attempt, Committed)>> {
    let (ok, failed) = validate(table, request).await?;
    if ok.is_empty() {
        return Ok(None);
    }
    let metadata = table.metadata();
    let groups: Vec<&RewrittenGroup> = request
        .groups
        .iter()
        .filter(|g| ok.contains(&g.id))
        .collect();
    let removed: HashSet<&str> = groups
        .iter()
        .flat_map(|g| g.removed.iter().map(String::as_str))
        .collect();
    let removed_deletes: HashSet<&str> = request
        .delete_scopes
        .iter()
        .filter(|(_, applies_to)| applies_to.iter().all(|p| removed.contains(p.as_str())))
        .map(|(path, _)| path.as_str())
        .collect();

    let snapshot_id = new_snapshot_id(metadata);
    let mut files = AttemptFiles::new(metadata, snapshot_id, attempt_no);
    let schema = metadata.current_schema().clone();
    let mut summary = SnapshotSummaryCollector::default();
    let mut manifests: Vec<ManifestFile> = vec![];

    let added: Vec<&DataFile> = groups.iter().flat_map(|g| g.added.iter()).collect();
    if !added.is_empty() {
        let spec = metadata.default_partition_spec().clone();
        let path = files.manifest(written);
        let mut writer = new_manifest_writer(
            table,
            schema.clone(),
            &path,
            snapshot_id,
            spec.spec_id(),
            ManifestContentType::Data,
        )?;
        for file in added {
            summary.add_file(file, schema.clone(), spec.clone());
            writer.add_file(file.clone(), request.starting_sequence_number)?;
        }
        manifests.push(writer.write_manifest_file().await?);
    }

    let current = metadata
        .current_snapshot()
        .expect("validated against the current snapshot");
    let (carried, left) = carry_manifests(
        table,
        current,
        snapshot_id,
        &mut files,
        written,
        &mut summary,
        |manifest, file| match manifest.content {
            ManifestContentType::Data => removed.contains(file.file_path()),
            // A deletion vector applies to its data file alone and shares its Puffin file
            // with others: it leaves with its data file.
            ManifestContentType::Deletes if file.file_format() == DataFileFormat::Puffin => file
                .referenced_data_file()
                .is_some_and(|r| removed.contains(r.as_str())),
            ManifestContentType::Deletes => removed_deletes.contains(file.file_path()),
        },
    )
    .await?;
    manifests.extend(carried);
    let found = left
        .iter()
        .filter(|(content, _)| *content == ManifestContentType::Data)
        .count();
    let deletes_found = left.len() - found;
    if found != removed.len() {
        return Err(crate::table::catalog::commit_policy::conflict(format!(
            "{} of the {} rewritten files are no longer live",
            removed.len() - found,
            removed.len()
        )));
    }

    let mut properties = request.summary.clone();
    properties.extend(summary.build());
    add_totals(&mut properties, Some(current.summary()));
    let mut new = NewSnapshot::replace(metadata, &files, manifests, properties);
    if request.carries_lineage {
        new.v3_refusal = None;
    }
    let attempt = write_snapshot(table, new, written).await?;
    Ok(Some((attempt, (ok, failed, deletes_found))))
}
