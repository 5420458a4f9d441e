//! `expire`: drop old snapshots (and aged-out refs), then delete the files only they reached;
//! `--metadata` also deletes metadata files that fell out of the metadata log.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use crate::table::expire::{
    expire as expire_snapshots, trim_metadata, ExpireRequest, FlinkCheckpoint,
};
use crate::table::reachable::FileKind;
use crate::table::{Session, TableRef};

#[derive(Debug, Clone)]
pub struct ExpireOptions {
    pub request: ExpireRequest,
    /// Also delete metadata files no longer in the metadata log.
    pub metadata: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct KindTally {
    pub kind: FileKind,
    pub files: usize,
    /// Bytes of the files whose size is known (manifest lists only once deleted).
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpireReport {
    pub table: String,
    pub dry_run: bool,
    pub keep_files: bool,
    pub expired_snapshot_ids: Vec<i64>,
    pub removed_refs: Vec<String>,
    pub snapshots_left: usize,
    /// Files no retained snapshot reaches, per kind: deleted, or to delete under --dry-run or
    /// --keep-files.
    pub files: Vec<KindTally>,
    pub files_total: usize,
    pub bytes_total: u64,
    pub failed_deletes: Vec<String>,
    /// Metadata files out of the metadata log (with --metadata): deleted, or to delete.
    pub metadata_files: Vec<String>,
    pub commit_attempts: u32,
    /// Flink checkpoint snapshots kept (and the snapshots above them), by branch and job.
    pub flink_checkpoints: Vec<FlinkCheckpoint>,
    /// Who did the work: `floe`, or `spark` (Iceberg's procedure, `--engine spark`).
    pub engine: crate::ops::engine::Engine,
    /// Spark's statement, output and floe's reading of the table around it (engine spark).
    pub spark: Option<crate::ops::spark_engine::SparkRun>,
}

pub async fn expire(
    session: &Session,
    table: &TableRef,
    options: ExpireOptions,
) -> Result<ExpireReport> {
    let target = session.target(table).await?;
    if !options.request.dry_run {
        // Expiry deletes files: never for a table floe cannot commit to from here.
        target.ensure_home_location(&target.load().await?)?;
    }
    let outcome = expire_snapshots(&target, &options.request).await?;
    let mut tallies: BTreeMap<FileKind, (usize, u64)> = BTreeMap::new();
    for file in outcome.files.values() {
        let slot = tallies.entry(file.kind).or_default();
        slot.0 += 1;
        slot.1 += file.size_bytes.unwrap_or(0);
    }
    let loaded = target.load().await?;
    let mut failed_deletes = outcome.failed_deletes.clone();
    let metadata_files = if options.metadata {
        let stores = target.catalog.stores();
        let (files, failed) = trim_metadata(&loaded, stores, options.request.dry_run).await?;
        failed_deletes.extend(failed);
        files
    } else {
        vec![]
    };
    Ok(ExpireReport {
        table: target.display.clone(),
        dry_run: options.request.dry_run,
        keep_files: options.request.keep_files,
        expired_snapshot_ids: outcome.expired_snapshot_ids,
        removed_refs: outcome.removed_refs,
        snapshots_left: loaded.metadata().snapshots().count(),
        files_total: outcome.files.len(),
        bytes_total: tallies.values().map(|(_, b)| b).sum(),
        files: tallies
            .into_iter()
            .map(|(kind, (files, bytes))| KindTally { kind, files, bytes })
            .collect(),
        failed_deletes,
        metadata_files,
        commit_attempts: outcome.attempts,
        flink_checkpoints: outcome.flink_checkpoints,
        engine: crate::ops::engine::Engine::Floe,
        spark: None,
    })
}
