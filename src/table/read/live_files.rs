//! The live data files of a snapshot with what iceberg 0.10's planned scan tasks do not carry:
//! each file's partition spec (compaction tells files of older specs apart) and its full
//! manifest entry (row changes judge whole files by their column metrics).

use std::collections::HashMap;

use anyhow::Result;
use futures::StreamExt;
use iceberg::spec::{DataFile, ManifestContentType};
use iceberg::table::Table;

use super::manifest_stream::load_manifests;

/// A live data file and the spec it was written for.
#[derive(Debug, Clone)]
pub struct LiveDataFile {
    pub file: DataFile,
    pub spec_id: i32,
}

/// Calls `visit` with the spec id and the file of every live data file of `snapshot_id`, one
/// manifest at a time (manifests decoded concurrently).
async fn visit_live_data_files(
    table: &Table,
    snapshot_id: i64,
    mut visit: impl FnMut(i32, &DataFile),
) -> Result<()> {
    let Some(snapshot) = table.metadata().snapshot_by_id(snapshot_id) else {
        return Ok(());
    };
    let list = table.manifest_list_reader(snapshot).load().await?;
    let data_manifests = list
        .entries()
        .iter()
        .filter(|m| m.content == ManifestContentType::Data)
        .cloned()
        .collect();
    let mut manifests = load_manifests(table.file_io(), data_manifests);
    while let Some((manifest, loaded)) = manifests.next().await {
        for entry in loaded?.entries().iter().filter(|e| e.is_alive()) {
            visit(manifest.partition_spec_id, entry.data_file());
        }
    }
    Ok(())
}

/// Data file path → the live data file, for `snapshot_id`.
pub async fn live_data_files(
    table: &Table,
    snapshot_id: i64,
) -> Result<HashMap<String, LiveDataFile>> {
    let mut files = HashMap::new();
    visit_live_data_files(table, snapshot_id, |spec_id, file| {
        files.insert(
            file.file_path().to_string(),
            LiveDataFile {
                file: file.clone(),
                spec_id,
            },
        );
    })
    .await?;
    Ok(files)
}

/// Which partition spec each live data file of a snapshot was written with.
#[derive(Debug)]
pub enum DataFileSpecs {
    /// Every data manifest of the snapshot has this spec, so every data file does.
    Uniform(i32),
    /// Data file path → spec id, when the snapshot's data manifests mix specs.
    ByPath(HashMap<String, i32>),
}

impl DataFileSpecs {
    pub fn get(&self, path: &str) -> Option<i32> {
        match self {
            DataFileSpecs::Uniform(id) => Some(*id),
            DataFileSpecs::ByPath(by_path) => by_path.get(path).copied(),
        }
    }
}

/// The partition spec of each live data file of `snapshot_id`, without their metrics (a
/// kilobyte or more a file). The manifest list alone answers when one spec covers every data
/// manifest, the common case, so a table of a million files holds no map of their paths.
pub async fn data_file_specs(table: &Table, snapshot_id: i64) -> Result<DataFileSpecs> {
    if let Some(snapshot) = table.metadata().snapshot_by_id(snapshot_id) {
        let list = table.manifest_list_reader(snapshot).load().await?;
        let mut ids = list
            .entries()
            .iter()
            .filter(|m| m.content == ManifestContentType::Data)
            .map(|m| m.partition_spec_id);
        if let Some(first) = ids.next() {
            if ids.all(|id| id == first) {
                return Ok(DataFileSpecs::Uniform(first));
            }
        }
    }
    let mut specs = HashMap::new();
    visit_live_data_files(table, snapshot_id, |spec_id, file| {
        specs.insert(file.file_path().to_string(), spec_id);
    })
    .await?;
    Ok(DataFileSpecs::ByPath(specs))
}

/// A live data or delete file: its path, whether it holds deletes, its size and rows.
#[derive(Debug, Clone)]
pub struct LiveFile {
    pub path: String,
    pub is_delete: bool,
    pub size_bytes: u64,
    pub records: u64,
}

/// Every live data and delete file of `snapshot_id` (none for an unknown snapshot).
pub async fn live_files(table: &Table, snapshot_id: i64) -> Result<Vec<LiveFile>> {
    let metadata = table.metadata();
    let mut files = vec![];
    let Some(snapshot) = metadata.snapshot_by_id(snapshot_id) else {
        return Ok(files);
    };
    let list = table.manifest_list_reader(snapshot).load().await?;
    let mut manifests = load_manifests(table.file_io(), list.entries().to_vec());
    while let Some((manifest, loaded)) = manifests.next().await {
        let is_delete = manifest.content == ManifestContentType::Deletes;
        for entry in loaded?.entries().iter().filter(|e| e.is_alive()) {
            let file = entry.data_file();
            files.push(LiveFile {
                path: file.file_path().to_string(),
                is_delete,
                size_bytes: file.file_size_in_bytes(),
                records: file.record_count(),
            });
        }
    }
    Ok(files)
}
