//! Every file a table's metadata reaches: metadata files (current and logged), manifest lists,
//! manifests, data and delete files of every snapshot, statistics files. And the files of
//! chosen snapshots, by kind, as expiry deletes them.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use futures::StreamExt;
use iceberg::spec::DataContentType;
use iceberg::table::Table;

use crate::table::read::manifest_stream::{load_manifest_lists, load_manifests};

/// Which manifest entries count as reaching their data or delete file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entries {
    /// Every entry, removals too: the cautious view (purge, orphan removal).
    All,
    /// Live entries only: a file a snapshot lists as removed is not part of it (expiry).
    Live,
}

/// The files reachable from the table's current metadata, sorted and without repeats.
pub async fn reachable_files(table: &Table, entries: Entries) -> Result<Vec<String>> {
    let metadata = table.metadata();
    let mut files = BTreeSet::new();
    if let Some(location) = table.metadata_location() {
        files.insert(location.to_string());
    }
    for entry in metadata.metadata_log() {
        files.insert(entry.metadata_file.clone());
    }
    for stats in metadata.statistics_iter() {
        files.insert(stats.statistics_path.clone());
    }
    // The ledger of sources `ingest --skip-loaded` loaded, named by a table property.
    if let Some(ledger) = metadata
        .properties()
        .get(crate::table::commit::source_ledger::LEDGER_PROPERTY)
    {
        files.insert(ledger.clone());
    }
    for stats in metadata.partition_statistics_iter() {
        files.insert(stats.statistics_path.clone());
    }
    let ids: Vec<i64> = metadata.snapshots().map(|s| s.snapshot_id()).collect();
    for file in snapshot_files(table, &ids, entries).await?.into_keys() {
        files.insert(file);
    }
    Ok(files.into_iter().collect())
}

/// What kind of file a snapshot reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    ManifestList,
    Manifest,
    Data,
    Deletes,
    Statistics,
}

/// A file a snapshot reaches, with its size when the metadata records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotFile {
    pub kind: FileKind,
    pub size_bytes: Option<u64>,
}

/// Every file the snapshots `ids` reach (manifest lists, manifests, data and delete files per
/// `entries`, statistics), by path. Fails if any manifest list or manifest cannot be read.
pub async fn snapshot_files(
    table: &Table,
    ids: &[i64],
    entries: Entries,
) -> Result<BTreeMap<String, SnapshotFile>> {
    let metadata = table.metadata();
    let mut files = BTreeMap::new();
    let mut snapshots = vec![];
    for id in ids {
        let Some(snapshot) = metadata.snapshot_by_id(*id) else {
            continue;
        };
        files.insert(
            snapshot.manifest_list().to_string(),
            SnapshotFile {
                kind: FileKind::ManifestList,
                size_bytes: None,
            },
        );
        if let Some(stats) = metadata.statistics_for_snapshot(*id) {
            files.insert(
                stats.statistics_path.clone(),
                SnapshotFile {
                    kind: FileKind::Statistics,
                    size_bytes: Some(stats.file_size_in_bytes as u64),
                },
            );
        }
        if let Some(stats) = metadata.partition_statistics_for_snapshot(*id) {
            files.insert(
                stats.statistics_path.clone(),
                SnapshotFile {
                    kind: FileKind::Statistics,
                    size_bytes: Some(stats.file_size_in_bytes as u64),
                },
            );
        }
        snapshots.push(snapshot.clone());
    }
    // Snapshots share most of their manifests: each is read once, whichever list names it first.
    let mut seen_manifests = BTreeSet::new();
    let mut manifests = vec![];
    let mut lists = load_manifest_lists(table, snapshots);
    while let Some((_, list)) = lists.next().await {
        for manifest_file in list?.consume_entries() {
            if seen_manifests.insert(manifest_file.manifest_path.clone()) {
                manifests.push(manifest_file);
            }
        }
    }
    let mut loaded = load_manifests(table.file_io(), manifests);
    while let Some((manifest_file, manifest)) = loaded.next().await {
        files.insert(
            manifest_file.manifest_path.clone(),
            SnapshotFile {
                kind: FileKind::Manifest,
                size_bytes: Some(manifest_file.manifest_length as u64),
            },
        );
        for entry in manifest?.entries() {
            if entries == Entries::Live && !entry.is_alive() {
                continue;
            }
            let file = entry.data_file();
            files.insert(
                file.file_path().to_string(),
                SnapshotFile {
                    kind: match file.content_type() {
                        DataContentType::Data => FileKind::Data,
                        _ => FileKind::Deletes,
                    },
                    size_bytes: Some(file.file_size_in_bytes()),
                },
            );
        }
    }
    Ok(files)
}
