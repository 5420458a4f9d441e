//! `history` (the snapshot log of `main`) and `refs` (branches and tags).

use anyhow::Result;
use serde::Serialize;

use crate::table::scan::refs as table_refs;
use crate::table::{Session, TableRef};

#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub made_current_at_ms: i64,
    pub made_current_at: String,
    pub snapshot_id: i64,
    pub parent_snapshot_id: Option<i64>,
    /// Whether the snapshot is an ancestor of the current one (false after a rollback).
    pub is_current_ancestor: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryReport {
    pub table: String,
    pub history: Vec<HistoryEntry>,
}

pub async fn history(session: &Session, table: &TableRef) -> Result<HistoryReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let metadata = loaded.metadata();
    let mut ancestors = std::collections::HashSet::new();
    let mut next = metadata.current_snapshot_id();
    while let Some(id) = next {
        if !ancestors.insert(id) {
            break;
        }
        next = metadata
            .snapshot_by_id(id)
            .and_then(|s| s.parent_snapshot_id());
    }
    let history = metadata
        .history()
        .iter()
        .map(|entry| HistoryEntry {
            made_current_at_ms: entry.timestamp_ms,
            made_current_at: crate::units::format_time_ms(entry.timestamp_ms),
            snapshot_id: entry.snapshot_id,
            parent_snapshot_id: metadata
                .snapshot_by_id(entry.snapshot_id)
                .and_then(|s| s.parent_snapshot_id()),
            is_current_ancestor: ancestors.contains(&entry.snapshot_id),
        })
        .collect();
    Ok(HistoryReport {
        table: target.display.clone(),
        history,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct RefEntry {
    pub name: String,
    /// `branch` or `tag`.
    #[serde(rename = "type")]
    pub ref_type: String,
    pub snapshot_id: i64,
    pub max_ref_age_ms: Option<i64>,
    pub max_snapshot_age_ms: Option<i64>,
    pub min_snapshots_to_keep: Option<i32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RefsReport {
    pub table: String,
    pub refs: Vec<RefEntry>,
}

pub async fn refs(session: &Session, table: &TableRef) -> Result<RefsReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let refs = table_refs(loaded.metadata())?
        .into_iter()
        .map(|(name, reference)| {
            let (ref_type, max_ref_age_ms, max_snapshot_age_ms, min_snapshots_to_keep) =
                match reference.retention {
                    iceberg::spec::SnapshotRetention::Branch {
                        min_snapshots_to_keep,
                        max_snapshot_age_ms,
                        max_ref_age_ms,
                    } => (
                        "branch",
                        max_ref_age_ms,
                        max_snapshot_age_ms,
                        min_snapshots_to_keep,
                    ),
                    iceberg::spec::SnapshotRetention::Tag { max_ref_age_ms } => {
                        ("tag", max_ref_age_ms, None, None)
                    }
                };
            RefEntry {
                name,
                ref_type: ref_type.into(),
                snapshot_id: reference.snapshot_id,
                max_ref_age_ms,
                max_snapshot_age_ms,
                min_snapshots_to_keep,
            }
        })
        .collect();
    Ok(RefsReport {
        table: target.display.clone(),
        refs,
    })
}
