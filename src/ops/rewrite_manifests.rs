//! `rewrite-manifests`: merge small manifests and cluster their entries by partition.

use anyhow::Result;
use serde::Serialize;

use crate::table::manifest_rewrite::{current_manifest_count, rewrite_manifests as rewrite};
use crate::table::{Session, TableRef};

#[derive(Debug, Clone, Serialize)]
pub struct RewriteManifestsReport {
    pub table: String,
    /// The `replace` snapshot, or none when there was nothing to merge.
    pub snapshot_id: Option<i64>,
    pub manifests_before: usize,
    pub manifests_after: usize,
    pub entries: usize,
    pub commit_attempts: u32,
    pub message: Option<String>,
    /// Who did the work: `floe`, or `spark` (Iceberg's procedure, `--engine spark`).
    pub engine: crate::ops::engine::Engine,
    /// Spark's statement, output and floe's reading of the table around it (engine spark).
    pub spark: Option<crate::ops::spark_engine::SparkRun>,
}

pub async fn rewrite_manifests(
    session: &Session,
    table: &TableRef,
) -> Result<RewriteManifestsReport> {
    let target = session.target(table).await?;
    let outcome = rewrite(&target).await?;
    Ok(match outcome {
        Some(done) => RewriteManifestsReport {
            table: target.display.clone(),
            snapshot_id: done.snapshot_id,
            manifests_before: done.manifests_before,
            manifests_after: done.manifests_after,
            entries: done.entries,
            commit_attempts: done.attempts,
            message: None,
            engine: crate::ops::engine::Engine::Floe,
            spark: None,
        },
        None => {
            let loaded = target.load().await?;
            let manifests = current_manifest_count(&loaded).await?;
            RewriteManifestsReport {
                table: target.display.clone(),
                snapshot_id: None,
                manifests_before: manifests,
                manifests_after: manifests,
                entries: 0,
                commit_attempts: 0,
                message: Some(if manifests == 0 {
                    "the table has no manifests: nothing to rewrite".into()
                } else {
                    "nothing to rewrite: one manifest per content and partition spec already".into()
                }),
                engine: crate::ops::engine::Engine::Floe,
                spark: None,
            }
        }
    })
}
