//! `remove-orphans`: delete files under a table's location that nothing reaches.

use anyhow::Result;
use serde::Serialize;

use crate::table::orphans::OrphanFile;
use crate::table::{Session, TableRef};

#[derive(Debug, Clone, Serialize)]
pub struct RemoveOrphansReport {
    pub table: String,
    pub dry_run: bool,
    /// Files older than this (epoch ms) were candidates.
    pub older_than_ms: i64,
    pub orphans: Vec<OrphanFile>,
    pub files: usize,
    pub bytes: u64,
    pub failed_deletes: Vec<String>,
    /// Who did the work: `floe`, or `spark` (Iceberg's procedure, `--engine spark`).
    pub engine: crate::ops::engine::Engine,
    /// Spark's statement, output and floe's reading of the table around it (engine spark).
    pub spark: Option<crate::ops::spark_engine::SparkRun>,
}

pub async fn remove_orphans(
    session: &Session,
    table: &TableRef,
    older_than_ms: i64,
    dry_run: bool,
) -> Result<RemoveOrphansReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    target.ensure_home_location(&loaded)?;
    let (orphans, failed_deletes) = crate::table::orphans::remove_orphans(
        &loaded,
        target.catalog.stores(),
        older_than_ms,
        dry_run,
    )
    .await?;
    Ok(RemoveOrphansReport {
        table: target.display.clone(),
        dry_run,
        older_than_ms,
        files: orphans.len(),
        bytes: orphans.iter().map(|o| o.size_bytes).sum(),
        orphans,
        failed_deletes,
        engine: crate::ops::engine::Engine::Floe,
        spark: None,
    })
}
