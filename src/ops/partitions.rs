//! `partitions`: record count, file count and size per partition of a snapshot (Iceberg's
//! `partitions` metadata table).

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use crate::ops::files::files;
use crate::table::{Session, TableRef};

#[derive(Debug, Clone, Serialize)]
pub struct PartitionEntry {
    pub partition: serde_json::Map<String, serde_json::Value>,
    pub partition_display: String,
    pub spec_id: i32,
    pub record_count: u64,
    pub file_count: u64,
    pub total_size_bytes: u64,
    pub delete_file_count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartitionsReport {
    pub table: String,
    pub snapshot_id: Option<i64>,
    pub partitions: Vec<PartitionEntry>,
}

pub async fn partitions(
    session: &Session,
    table: &TableRef,
    snapshot_id: Option<i64>,
) -> Result<PartitionsReport> {
    let listing = files(session, table, snapshot_id).await?;
    let mut by_key: BTreeMap<(i32, String), PartitionEntry> = BTreeMap::new();
    for file in listing.files {
        let display = file
            .partition_display
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("/");
        let entry = by_key
            .entry((file.partition_spec_id, display.clone()))
            .or_insert_with(|| PartitionEntry {
                partition: file.partition.clone(),
                partition_display: display,
                spec_id: file.partition_spec_id,
                record_count: 0,
                file_count: 0,
                total_size_bytes: 0,
                delete_file_count: 0,
            });
        if file.content == "data" {
            entry.record_count += file.record_count;
            entry.file_count += 1;
            entry.total_size_bytes += file.file_size_bytes;
        } else {
            entry.delete_file_count += 1;
        }
    }
    Ok(PartitionsReport {
        table: listing.table,
        snapshot_id: listing.snapshot_id,
        partitions: by_key.into_values().collect(),
    })
}
