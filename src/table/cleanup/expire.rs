//! Expiring snapshots. iceberg's expire action picks the snapshots and refs to drop (per-branch
//! retention and ref ageing, as Java's RemoveSnapshots); floe commits that through its own
//! commit path, reloads the table, and deletes only files of the expired snapshots that the
//! REFRESHED metadata no longer reaches. Nothing is deleted if any metadata cannot be read.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use anyhow::Result;
use iceberg::table::Table;
use iceberg::transaction::{ApplyTransactionAction, Transaction};
use iceberg::{TableRequirement, TableUpdate};

use super::reachable::{reachable_files, snapshot_files, Entries, FileKind, SnapshotFile};
use crate::error::FloeError;
use crate::table::catalog::commit_policy::{apply_updates, is_conflict, RetryPolicy};
use crate::table::catalog::directory::metadata_dir;
use crate::table::catalog::floe_catalog::TableTarget;
use crate::table::catalog::planning_catalog::PlanningCatalog;
use crate::table::storage::file_io::with_metadata;
use crate::table::storage::stores::{comparable_location, ListedObject, Stores};

#[derive(Debug, Clone, Default)]
pub struct ExpireRequest {
    /// Expire snapshots older than this (epoch ms); the table's default age otherwise.
    pub older_than_ms: Option<i64>,
    pub retain_last: Option<usize>,
    pub snapshot_ids: Vec<i64>,
    pub dry_run: bool,
    /// Commit the metadata change but delete no file.
    pub keep_files: bool,
    /// Expire Flink's checkpoint snapshots like any other (see [`FlinkCheckpoint`]).
    pub ignore_flink_checkpoints: bool,
}

/// The newest snapshot of one Flink job on a branch. Flink's Iceberg sink finds its last
/// committed checkpoint by walking the branch's ancestry from the head for a snapshot whose
/// summary carries `flink.job-id` and `flink.max-committed-checkpoint-id`; the walk stops at
/// the first missing parent. So that snapshot and every one between it and the head are kept,
/// or a restarted job would commit the same data again.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FlinkCheckpoint {
    pub branch: String,
    pub job_id: String,
    pub checkpoint_id: String,
    pub snapshot_id: i64,
    /// Snapshots kept for it that expiry would have removed (it and those above it).
    pub kept_snapshot_ids: Vec<i64>,
}

/// What expiry did (or would do, under `dry_run`).
#[derive(Debug, Clone, Default)]
pub struct ExpireOutcome {
    pub expired_snapshot_ids: Vec<i64>,
    pub removed_refs: Vec<String>,
    /// Files no retained snapshot reaches: deleted, or to delete under `dry_run` or
    /// `keep_files`.
    pub files: BTreeMap<String, SnapshotFile>,
    /// Files whose delete failed (they stay, as orphans for `remove-orphans`).
    pub failed_deletes: Vec<String>,
    pub committed: bool,
    pub attempts: u32,
    /// Flink checkpoints whose snapshots expiry kept.
    pub flink_checkpoints: Vec<FlinkCheckpoint>,
}

const FLINK_JOB_ID: &str = "flink.job-id";
const FLINK_CHECKPOINT: &str = "flink.max-committed-checkpoint-id";

/// Take out of `updates`' removals the snapshots Flink needs (see [`FlinkCheckpoint`]); the
/// checkpoints that kept any. Snapshots named by `--snapshot` are the user's call and go.
fn keep_flink_checkpoints(
    metadata: &iceberg::spec::TableMetadata,
    updates: &mut Vec<TableUpdate>,
    named: &[i64],
) -> Result<Vec<FlinkCheckpoint>> {
    let removing: BTreeSet<i64> = expired_by(updates).0.into_iter().collect();
    if removing.is_empty() {
        return Ok(vec![]);
    }
    let mut keep: BTreeSet<i64> = BTreeSet::new();
    let mut found = vec![];
    for (branch, reference) in crate::table::read::scan::refs(metadata)? {
        if !reference.is_branch() {
            continue;
        }
        let mut chain = vec![];
        let mut seen_jobs = BTreeSet::new();
        let mut next = Some(reference.snapshot_id);
        while let Some(id) = next {
            let Some(snapshot) = metadata.snapshot_by_id(id) else {
                break;
            };
            chain.push(id);
            let summary = &snapshot.summary().additional_properties;
            if let (Some(job), Some(checkpoint)) =
                (summary.get(FLINK_JOB_ID), summary.get(FLINK_CHECKPOINT))
            {
                if seen_jobs.insert(job.clone()) {
                    let kept: Vec<i64> = chain
                        .iter()
                        .copied()
                        .filter(|id| removing.contains(id) && !named.contains(id))
                        .collect();
                    keep.extend(kept.iter().copied());
                    if !kept.is_empty() {
                        found.push(FlinkCheckpoint {
                            branch: branch.clone(),
                            job_id: job.clone(),
                            checkpoint_id: checkpoint.clone(),
                            snapshot_id: id,
                            kept_snapshot_ids: kept,
                        });
                    }
                }
            }
            next = snapshot.parent_snapshot_id();
        }
    }
    if keep.is_empty() {
        return Ok(found);
    }
    for update in updates.iter_mut() {
        if let TableUpdate::RemoveSnapshots { snapshot_ids } = update {
            snapshot_ids.retain(|id| !keep.contains(id));
        }
    }
    // A kept snapshot keeps its statistics files too.
    updates.retain(|update| match update {
        TableUpdate::RemoveStatistics { snapshot_id }
        | TableUpdate::RemovePartitionStatistics { snapshot_id } => !keep.contains(snapshot_id),
        _ => true,
    });
    Ok(found)
}

/// The updates and requirements iceberg's expire action computes for `table`.
async fn plan(
    table: &Table,
    request: &ExpireRequest,
) -> Result<(Vec<TableUpdate>, Vec<TableRequirement>)> {
    let mut action = Transaction::new(table).expire_snapshots();
    match request.older_than_ms {
        Some(ms) => action = action.expire_older_than_ms(ms),
        // Naming snapshots alone expires just those (the age default does not also apply).
        None if !request.snapshot_ids.is_empty() => action = action.expire_older_than_ms(0),
        None => {}
    }
    if let Some(n) = request.retain_last {
        action = action.retain_last(n);
    }
    action = action.expire_snapshot_ids(request.snapshot_ids.iter().copied());
    let planner = PlanningCatalog::new(table.clone());
    action
        .apply(Transaction::new(table))?
        .commit(&planner)
        .await
        .map_err(|e| FloeError::invalid(format!("cannot expire: {}", e.message())))?;
    let (requirements, updates) = planner.taken();
    Ok((updates, requirements))
}

fn expired_by(updates: &[TableUpdate]) -> (Vec<i64>, Vec<String>) {
    let mut ids = vec![];
    let mut refs = vec![];
    for update in updates {
        match update {
            TableUpdate::RemoveSnapshots { snapshot_ids } => ids.extend(snapshot_ids),
            TableUpdate::RemoveSnapshotRef { ref_name } => refs.push(ref_name.clone()),
            _ => {}
        }
    }
    (ids, refs)
}

/// The `candidates` that `retained` (the table's metadata after the change) does not reach.
async fn unreachable(
    candidates: BTreeMap<String, SnapshotFile>,
    retained: &Table,
) -> Result<BTreeMap<String, SnapshotFile>> {
    // A file the retained snapshots only list as removed is not reached by them.
    let reachable: BTreeSet<String> = reachable_files(retained, Entries::Live)
        .await?
        .into_iter()
        .map(|p| comparable_location(&p))
        .collect();
    Ok(candidates
        .into_iter()
        .filter(|(path, _)| !reachable.contains(&comparable_location(path)))
        .collect())
}

pub async fn expire(target: &TableTarget, request: &ExpireRequest) -> Result<ExpireOutcome> {
    let started = Instant::now();
    let mut attempts = 0;
    let mut flink_checkpoints = vec![];
    let (candidates, updates, after) = loop {
        attempts += 1;
        let table = target.load().await?;
        let policy = RetryPolicy::from_properties(table.metadata().properties());
        let (mut updates, mut requirements) = plan(&table, request).await?;
        if !request.ignore_flink_checkpoints {
            flink_checkpoints =
                keep_flink_checkpoints(table.metadata(), &mut updates, &request.snapshot_ids)?;
            updates.retain(|u| {
                !matches!(u, TableUpdate::RemoveSnapshots { snapshot_ids } if snapshot_ids.is_empty())
            });
        }
        // Every ref but main must be as planned: a branch or tag moved or dropped meanwhile
        // changes what is retained, so the plan is made again. (A ref made or moved onto a
        // removed snapshot is refused by the commit path itself.)
        let refs: Vec<(String, i64)> = crate::table::read::scan::refs(table.metadata())?
            .into_iter()
            .filter(|(name, _)| name.as_str() != iceberg::spec::MAIN_BRANCH)
            .map(|(name, r)| (name, r.snapshot_id))
            .collect();
        requirements.extend(refs.into_iter().map(|(name, id)| {
            TableRequirement::RefSnapshotIdMatch {
                r#ref: name,
                snapshot_id: Some(id),
            }
        }));
        if updates.is_empty() {
            return Ok(ExpireOutcome {
                attempts,
                flink_checkpoints,
                ..Default::default()
            });
        }
        // Read the expired snapshots' files before committing: if a manifest cannot be read,
        // stop with nothing changed.
        let (expired, _) = expired_by(&updates);
        let candidates = snapshot_files(&table, &expired, Entries::All).await?;
        if request.dry_run {
            let location = table.metadata().location().to_string();
            let (metadata, _) = apply_updates(table.metadata(), &location, &updates)?;
            let after = with_metadata(&table, metadata)?;
            break (candidates, updates, after);
        }
        match target
            .catalog
            .commit(&target.ident, requirements, updates.clone())
            .await
        {
            Ok(_) => {
                // The refreshed metadata decides what is still reachable.
                let after = target.load().await?;
                break (candidates, updates, after);
            }
            Err(err) if is_conflict(&err) && policy.may_retry(attempts, started) => {
                tokio::time::sleep(policy.backoff(attempts)).await;
            }
            Err(err) => return Err(err),
        }
    };
    let (expired_snapshot_ids, removed_refs) = expired_by(&updates);
    let files = unreachable(candidates, &after)
        .await
        .map_err(|e| {
            if request.dry_run {
                e
            } else {
                e.context("the snapshots were expired, but no file was deleted: reading the table's metadata failed")
            }
        })?;
    let mut outcome = ExpireOutcome {
        expired_snapshot_ids,
        removed_refs,
        files,
        failed_deletes: vec![],
        committed: !request.dry_run,
        attempts,
        flink_checkpoints,
    };
    if request.dry_run || request.keep_files {
        return Ok(outcome);
    }
    // Manifest lists carry no size in the metadata: ask the store.
    let stores = target.catalog.stores();
    let lists: Vec<String> = outcome
        .files
        .iter()
        .filter(|(_, f)| f.kind == FileKind::ManifestList)
        .map(|(p, _)| p.clone())
        .collect();
    for path in lists {
        if let Ok(size) = stores.size(&path).await {
            if let Some(file) = outcome.files.get_mut(&path) {
                file.size_bytes = Some(size);
            }
        }
    }
    outcome.failed_deletes = stores
        .delete_concurrently(outcome.files.keys().cloned())
        .await;
    Ok(outcome)
}

/// The table's metadata files (`*.metadata.json` under `metadata/`).
pub async fn metadata_files(table: &Table, stores: &Stores) -> Result<Vec<ListedObject>> {
    Ok(stores
        .list(&metadata_dir(table.metadata().location()))
        .await?
        .into_iter()
        .filter(|o| o.location.ends_with(".metadata.json"))
        .collect())
}

/// Metadata files that are neither current nor in the metadata log and are OLDER than the
/// current one: deleted unless `dry_run`. Returns (those files, the ones that could not be
/// deleted).
///
/// Older is decided by the version number in the name (`v12.metadata.json`,
/// `00012-<uuid>.metadata.json`), never by modification times alone: a commit landing in the
/// same clock granule as the current file (S3 keeps whole seconds) would otherwise count as
/// old and be deleted, though it is the table's newest version. A name without a version is
/// only taken when it is an hour older than the current file.
pub async fn trim_metadata(
    table: &Table,
    stores: &Stores,
    dry_run: bool,
) -> Result<(Vec<String>, Vec<String>)> {
    const UNVERSIONED_FLOOR_MS: i64 = 3_600_000;
    let Some(current) = table.metadata_location() else {
        return Ok((vec![], vec![]));
    };
    let current_version = metadata_file_version(current);
    let listed = metadata_files(table, stores).await?;
    let current = comparable_location(current);
    let Some(current_modified) = listed
        .iter()
        .find(|o| comparable_location(&o.location) == current)
        .map(|o| o.last_modified_ms)
    else {
        return Ok((vec![], vec![]));
    };
    let logged: BTreeSet<String> = table
        .metadata()
        .metadata_log()
        .iter()
        .map(|l| comparable_location(&l.metadata_file))
        .collect();
    let stale: Vec<String> = listed
        .into_iter()
        .filter(
            |o| match (metadata_file_version(&o.location), current_version) {
                (Some(version), Some(current)) => version < current,
                _ => o.last_modified_ms + UNVERSIONED_FLOOR_MS < current_modified,
            },
        )
        .map(|o| o.location)
        .filter(|p| {
            let p = comparable_location(p);
            p != current && !logged.contains(&p)
        })
        .collect();
    let failed = if dry_run {
        vec![]
    } else {
        stores.delete_concurrently(stale.iter().cloned()).await
    };
    Ok((stale, failed))
}

/// The version a metadata file's name carries: `v12.metadata.json` (directory tables) or
/// `00012-<uuid>.metadata.json` (Java's and PyIceberg's catalogs).
pub fn metadata_file_version(location: &str) -> Option<i64> {
    let name = location
        .rsplit('/')
        .next()?
        .strip_suffix(".metadata.json")?;
    if let Some(digits) = name.strip_prefix('v') {
        return digits.parse().ok();
    }
    let (digits, rest) = name.split_once('-')?;
    if digits.is_empty() || rest.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use crate::table::cleanup::expire::metadata_file_version;

    #[test]
    fn reads_versions_from_metadata_file_names() {
        assert_eq!(
            metadata_file_version("s3://b/t/metadata/v12.metadata.json"),
            Some(12)
        );
        assert_eq!(
            metadata_file_version("/t/metadata/00012-6f1c2d3e.metadata.json"),
            Some(12)
        );
        assert_eq!(
            metadata_file_version("/t/metadata/6f1c2d3e.metadata.json"),
            None
        );
        assert_eq!(metadata_file_version("/t/metadata/v1.avro"), None);
    }
}
