//! `snapshots` (the list) and `snapshot TABLE ID` (one in detail, with its manifests).

use anyhow::Result;
use serde::Serialize;

use crate::error::FloeError;
use crate::ops::describe::{snapshot_info, SnapshotInfo};
use crate::table::{Session, TableRef};

#[derive(Debug, Clone, Serialize)]
pub struct SnapshotsReport {
    pub table: String,
    pub current_snapshot_id: Option<i64>,
    pub snapshots: Vec<SnapshotListEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SnapshotListEntry {
    #[serde(flatten)]
    pub snapshot: SnapshotInfo,
    pub is_current: bool,
}

pub async fn list(session: &Session, table: &TableRef) -> Result<SnapshotsReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let metadata = loaded.metadata();
    let current = metadata.current_snapshot_id();
    let mut snapshots: Vec<_> = metadata.snapshots().collect();
    snapshots.sort_by_key(|s| (s.timestamp_ms(), s.sequence_number()));
    Ok(SnapshotsReport {
        table: target.display.clone(),
        current_snapshot_id: current,
        snapshots: snapshots
            .into_iter()
            .map(|s| SnapshotListEntry {
                snapshot: snapshot_info(s),
                is_current: Some(s.snapshot_id()) == current,
            })
            .collect(),
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct ManifestInfo {
    pub path: String,
    pub length_bytes: i64,
    pub content: String,
    pub partition_spec_id: i32,
    pub sequence_number: i64,
    pub added_snapshot_id: i64,
    pub added_files: u32,
    pub existing_files: u32,
    pub deleted_files: u32,
    pub added_rows: u64,
    pub existing_rows: u64,
    pub deleted_rows: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SnapshotDetail {
    pub table: String,
    #[serde(flatten)]
    pub snapshot: SnapshotInfo,
    pub is_current: bool,
    pub manifests: Vec<ManifestInfo>,
}

pub async fn detail(
    session: &Session,
    table: &TableRef,
    snapshot_id: i64,
) -> Result<SnapshotDetail> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let snapshot = loaded
        .metadata()
        .snapshot_by_id(snapshot_id)
        .ok_or_else(|| {
            FloeError::not_found(format!(
                "table {} has no snapshot {snapshot_id}",
                target.display
            ))
            .with_hint("list them with `floe snapshots`")
        })?;
    let manifests = manifest_infos(&loaded, snapshot).await?;
    Ok(SnapshotDetail {
        table: target.display.clone(),
        snapshot: snapshot_info(snapshot),
        is_current: loaded.metadata().current_snapshot_id() == Some(snapshot_id),
        manifests,
    })
}

/// The manifests a snapshot's manifest list names.
pub async fn manifest_infos(
    table: &iceberg::table::Table,
    snapshot: &iceberg::spec::SnapshotRef,
) -> Result<Vec<ManifestInfo>> {
    let list = table.manifest_list_reader(snapshot).load().await?;
    Ok(list
        .entries()
        .iter()
        .map(|m| ManifestInfo {
            path: m.manifest_path.clone(),
            length_bytes: m.manifest_length,
            content: match m.content {
                iceberg::spec::ManifestContentType::Data => "data".into(),
                iceberg::spec::ManifestContentType::Deletes => "deletes".into(),
            },
            partition_spec_id: m.partition_spec_id,
            sequence_number: m.sequence_number,
            added_snapshot_id: m.added_snapshot_id,
            added_files: m.added_files_count.unwrap_or(0),
            existing_files: m.existing_files_count.unwrap_or(0),
            deleted_files: m.deleted_files_count.unwrap_or(0),
            added_rows: m.added_rows_count.unwrap_or(0),
            existing_rows: m.existing_rows_count.unwrap_or(0),
            deleted_rows: m.deleted_rows_count.unwrap_or(0),
        })
        .collect())
}

#[derive(Debug, Clone, Serialize)]
pub struct ManifestsReport {
    pub table: String,
    pub snapshot_id: Option<i64>,
    pub manifests: Vec<ManifestInfo>,
}

/// `manifests`: the manifests of the current (or a given) snapshot.
pub async fn manifests(
    session: &Session,
    table: &TableRef,
    snapshot_id: Option<i64>,
) -> Result<ManifestsReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let snapshot = match snapshot_id {
        Some(id) => Some(
            loaded
                .metadata()
                .snapshot_by_id(id)
                .cloned()
                .ok_or_else(|| {
                    FloeError::not_found(format!("table {} has no snapshot {id}", target.display))
                        .with_hint("list them with `floe snapshots`")
                })?,
        ),
        None => loaded.metadata().current_snapshot().cloned(),
    };
    let manifests = match &snapshot {
        Some(s) => manifest_infos(&loaded, s).await?,
        None => vec![],
    };
    Ok(ManifestsReport {
        table: target.display.clone(),
        snapshot_id: snapshot.map(|s| s.snapshot_id()),
        manifests,
    })
}
