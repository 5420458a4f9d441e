//! `partitions`: record count, file count and size per partition of a snapshot (Iceberg's
//! `partitions` metadata table), with the snapshot's file sizes against the target and how
//! unevenly partitions are filled.

use std::collections::BTreeMap;

use anyhow::Result;
use futures::StreamExt;
use iceberg::spec::{DataContentType, DataFile, PartitionSpec};
use iceberg::table::Table;
use serde::Serialize;

use crate::ops::distribution::{PartitionSkew, SizeHistogram};
use crate::ops::files::{chosen_snapshot, partition_json, partition_text, FileEntry};
use crate::table::manifest_stream::load_manifests;
use crate::table::WriteSettings;
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
                partition: (*file.partition).clone(),
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

/// Per-partition totals and the size histogram, gathered one manifest entry at a time (the
/// same values as [`by_partition`] and [`size_histogram`] over a listing, without one).
struct PartitionTally {
    by_key: BTreeMap<(i32, String), PartitionEntry>,
    file_sizes: SizeHistogram,
}

impl PartitionTally {
    fn new(target_file_size_bytes: u64) -> Self {
        PartitionTally {
            by_key: BTreeMap::new(),
            file_sizes: SizeHistogram::new(target_file_size_bytes),
        }
    }

    fn add(&mut self, spec_id: i32, spec: Option<&PartitionSpec>, file: &DataFile) {
        let display = partition_text(spec, file.partition());
        let entry = self
            .by_key
            .entry((spec_id, display))
            .or_insert_with_key(|(_, display)| {
                let mut partition = serde_json::Map::new();
                if let Some(spec) = spec {
                    for (field, value) in spec.fields().iter().zip(file.partition().fields()) {
                        partition.insert(
                            field.name.clone(),
                            partition_json(&field.transform, value.as_ref()),
                        );
                    }
                }
                PartitionEntry {
                    partition,
                    partition_display: display.clone(),
                    spec_id,
                    record_count: 0,
                    file_count: 0,
                    total_size_bytes: 0,
                    delete_file_count: 0,
                }
            });
        if file.content_type() == DataContentType::Data {
            entry.record_count += file.record_count();
            entry.file_count += 1;
            entry.total_size_bytes += file.file_size_in_bytes();
            self.file_sizes
                .add(file.file_size_in_bytes(), file.record_count());
        } else {
            entry.delete_file_count += 1;
        }
    }
}

/// The partitions report of a loaded table.
pub async fn partitions_of(
    loaded: &Table,
    display: &str,
    snapshot_id: Option<i64>,
) -> Result<PartitionsReport> {
    let target_size = WriteSettings::from_table(loaded)?.target_file_size_bytes;
    let metadata = loaded.metadata();
    let snapshot = chosen_snapshot(loaded, display, snapshot_id)?;
    let mut tally = PartitionTally::new(target_size);
    if let Some(snapshot) = snapshot {
        let list = loaded.manifest_list_reader(snapshot).load().await?;
        let mut manifests = load_manifests(loaded.file_io(), list.entries().to_vec());
        while let Some((manifest_file, manifest)) = manifests.next().await {
            let spec_id = manifest_file.partition_spec_id;
            let spec = metadata.partition_spec_by_id(spec_id);
            for entry in manifest?.entries().iter().filter(|e| e.is_alive()) {
                tally.add(spec_id, spec.map(|s| s.as_ref()), entry.data_file());
            }
        }
    }
    let partitions: Vec<PartitionEntry> = tally.by_key.into_values().collect();
    Ok(PartitionsReport {
        table: display.to_string(),
        snapshot_id: snapshot.map(|s| s.snapshot_id()),
        file_sizes: tally.file_sizes,
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
