//! `delete`: remove the rows a predicate selects in one snapshot. Files matched whole leave by
//! metadata; others get position deletes (merge-on-read) or are rewritten (copy-on-write).
//! A plan that went stale under a concurrent commit (a file it touches was compacted away)
//! is made again from the new state; data added meanwhile that the predicate may select is a
//! conflict (serializable) unless `--isolation snapshot`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use crate::ops::ingest::COMMIT_ID_PROPERTY;
use crate::ops::row_deletion::{
    plan_deletion, write_deletion, AffectedFile, FileAction, RowChangeMode,
};
use crate::table::commit_policy::RetryPolicy;
use crate::table::row_change_commit::{
    commit_row_change, is_stale_plan, stale_as_conflict, ConflictScope, RowChange,
};
use crate::table::row_filter::RowFilter;
use crate::table::scan::with_current_schema;
use crate::table::snapshot_commit::{Isolation, StartingPoint};
use crate::table::TableDataWriter;
use crate::table::{Session, TableRef};

#[derive(Debug, Clone)]
pub struct DeleteOptions {
    pub table: TableRef,
    /// SQL predicate selecting the rows to delete.
    pub filter: String,
    pub dry_run: bool,
    /// `None`: the table's `write.delete.mode`.
    pub mode: Option<RowChangeMode>,
    pub branch: String,
    pub isolation: Isolation,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeleteReport {
    pub table: String,
    pub filter: String,
    pub mode: RowChangeMode,
    pub dry_run: bool,
    /// The new snapshot; `null` on a dry run or when no row matched.
    pub snapshot_id: Option<i64>,
    pub sequence_number: Option<i64>,
    pub rows_deleted: u64,
    /// Data files the scan planned (after partition and metrics pruning).
    pub files_scanned: usize,
    /// Data files that leave whole (every live row matched).
    pub files_removed: usize,
    /// Of those, files whose metrics proved it without reading them.
    pub files_removed_by_metadata: usize,
    /// Data files rewritten without the rows (copy-on-write).
    pub files_rewritten: usize,
    /// Data files written by the rewrites.
    pub files_added: usize,
    pub rows_rewritten: u64,
    /// Position delete files written (merge-on-read).
    pub delete_files_added: usize,
    /// Delete files that applied to the affected data files before.
    pub delete_files_affected: usize,
    pub files: Vec<AffectedFile>,
    pub commit_attempts: u32,
    /// Times the plan was made again because a concurrent commit changed its files.
    pub replans: u32,
    pub elapsed_ms: u64,
    pub commit_id: String,
}

pub async fn delete(session: &Session, options: DeleteOptions) -> Result<DeleteReport> {
    let started = Instant::now();
    let target = session.target(&options.table).await?;
    let mut replans = 0u32;
    loop {
        let table = with_current_schema(target.load().await?)?;
        let metadata = table.metadata();
        let mode = RowChangeMode::resolve(options.mode, &table, "write.delete.mode")?;
        let filter = Arc::new(RowFilter::parse(
            metadata.current_schema(),
            &options.filter,
            "--where",
        )?);
        let start = StartingPoint::of(&table, &options.branch, options.isolation)?;
        let stores = target.catalog.stores();
        let plan = plan_deletion(
            &table,
            stores,
            &options.branch,
            filter.clone(),
            filter.pruning(),
            Some(&filter),
        )
        .await?;
        let files = plan.affected(mode);
        let commit_id = uuid::Uuid::new_v4().to_string();
        let mut report = DeleteReport {
            table: target.display.clone(),
            filter: options.filter.clone(),
            mode,
            dry_run: options.dry_run,
            snapshot_id: None,
            sequence_number: None,
            rows_deleted: plan.rows_deleted(),
            files_scanned: plan.files_scanned,
            files_removed: count(&files, FileAction::Remove),
            files_removed_by_metadata: files.iter().filter(|f| f.by_metadata).count(),
            files_rewritten: count(&files, FileAction::Rewrite),
            files_added: 0,
            rows_rewritten: 0,
            delete_files_added: count(&files, FileAction::DeleteRows),
            delete_files_affected: plan.delete_files_affected(),
            files,
            commit_attempts: 0,
            replans,
            elapsed_ms: 0,
            commit_id: commit_id.clone(),
        };
        if options.dry_run || plan.is_empty() {
            report.elapsed_ms = started.elapsed().as_millis() as u64;
            return Ok(report);
        }

        let schema = crate::table::row_lineage::rewrite_schema(metadata)?;
        let mut writer = TableDataWriter::new(&table, schema, stores, &commit_id, cores())?;
        let written = write_deletion(&table, stores, &plan, mode, &commit_id, &mut writer).await;
        let (writes, added_data) = match written {
            Ok(writes) => match writer.finish().await {
                Ok(files) => (writes, files),
                Err(e) => {
                    writer.abort().await;
                    discard(stores, &writes.delete_files).await;
                    return Err(e);
                }
            },
            Err(e) => {
                writer.abort().await;
                return Err(e);
            }
        };
        report.files_added = added_data.len();
        report.rows_rewritten = writes.rows_rewritten;
        report.delete_files_added = writes.delete_files.len();
        let change = RowChange {
            branch: options.branch.clone(),
            start,
            dropped: writes.dropped,
            rewritten: writes.rewritten,
            referenced: writes.referenced,
            added_data,
            data_spec_id: writer.spec_id(),
            added_deletes: writes.delete_files,
            conflicts: match filter.pruning() {
                Some(predicate) => ConflictScope::Matching(predicate.clone()),
                None => ConflictScope::AnyData,
            },
            replaced_partitions: vec![],
            summary: HashMap::from([(COMMIT_ID_PROPERTY.to_string(), commit_id)]),
            lineage_carried: writes.lineage_carried,
        };
        match commit_row_change(&target, &change).await {
            Ok(committed) => {
                report.snapshot_id = Some(committed.snapshot_id);
                report.sequence_number = Some(committed.sequence_number);
                report.commit_attempts = committed.attempts;
                report.elapsed_ms = started.elapsed().as_millis() as u64;
                return Ok(report);
            }
            Err(err) if is_stale_plan(&err) => {
                let mut ours: Vec<String> = change
                    .added_data
                    .iter()
                    .map(|f| f.file_path().to_string())
                    .collect();
                ours.extend(
                    change
                        .added_deletes
                        .iter()
                        .map(|(_, f)| f.file_path().to_string()),
                );
                stores.delete_all(&ours).await;
                let policy =
                    RetryPolicy::from_properties(target.load().await?.metadata().properties());
                if replans >= policy.num_retries {
                    return Err(stale_as_conflict(err));
                }
                replans += 1;
                tokio::time::sleep(policy.backoff(replans)).await;
            }
            Err(err) => return Err(err),
        }
    }
}

fn count(files: &[AffectedFile], action: FileAction) -> usize {
    files.iter().filter(|f| f.action == action).count()
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

async fn discard(stores: &crate::table::Stores, files: &[(i32, iceberg::spec::DataFile)]) {
    let paths: Vec<String> = files
        .iter()
        .map(|(_, f)| f.file_path().to_string())
        .collect();
    stores.delete_all(&paths).await;
}
