//! `partitions`: record count, file count and size per partition of a snapshot (Iceberg's
//! `partitions` metadata table), with the snapshot's file sizes against the target and how
//! unevenly partitions are filled.

use std::collections::BTreeMap;

use anyhow::Result;
use iceberg::table::Table;
use serde::Serialize;

use crate::ops::distribution::{PartitionSkew, SizeHistogram};
use crate::ops::files::{files_of, FileEntry};
use crate::table::write::WriteSettings;
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
    /// The snapshot's data files by size against the table's target file size.
    pub file_sizes: SizeHistogram,
    /// Records and bytes per partition against the median and the largest.
    pub skew: PartitionSkew,
}

/// Per-partition totals of a file listing, ordered by spec then partition.
pub fn by_partition(files: &[FileEntry]) -> Vec<PartitionEntry> {
    let mut by_key: BTreeMap<(i32, String), PartitionEntry> = BTreeMap::new();
    for file in files {
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
    by_key.into_values().collect()
}

/// Skew over partitions that hold data (one holding only delete files has no records to weigh).
pub fn skew_of(partitions: &[PartitionEntry]) -> PartitionSkew {
    let parts: Vec<(&str, u64, u64)> = partitions
        .iter()
        .filter(|p| p.file_count > 0)
        .map(|p| {
            (
                p.partition_display.as_str(),
                p.record_count,
                p.total_size_bytes,
            )
        })
        .collect();
    PartitionSkew::of(&parts)
}

/// Data files of a listing by size against `target_file_size_bytes`.
pub fn size_histogram(files: &[FileEntry], target_file_size_bytes: u64) -> SizeHistogram {
    let mut histogram = SizeHistogram::new(target_file_size_bytes);
    for file in files.iter().filter(|f| f.content == "data") {
        histogram.add(file.file_size_bytes, file.record_count);
    }
    histogram
}

/// The partitions report of a loaded table.
pub async fn partitions_of(
    loaded: &Table,
    display: &str,
    snapshot_id: Option<i64>,
) -> Result<PartitionsReport> {
    let target_size = WriteSettings::from_table(loaded)?.target_file_size_bytes;
    let listing = files_of(loaded, display, snapshot_id).await?;
    let partitions = by_partition(&listing.files);
    Ok(PartitionsReport {
        table: listing.table,
        snapshot_id: listing.snapshot_id,
        file_sizes: size_histogram(&listing.files, target_size),
        skew: skew_of(&partitions),
        partitions,
    })
}

pub async fn partitions(
    session: &Session,
    table: &TableRef,
    snapshot_id: Option<i64>,
) -> Result<PartitionsReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    partitions_of(&loaded, &target.display, snapshot_id).await
}
