//! The live data files of a snapshot with what iceberg 0.10's planned scan tasks do not carry:
//! each file's partition spec (compaction tells files of older specs apart) and its full
//! manifest entry (row changes judge whole files by their column metrics).

use std::collections::HashMap;

use anyhow::Result;
use iceberg::spec::{DataFile, ManifestContentType};
use iceberg::table::Table;

/// A live data file and the spec it was written for.
#[derive(Debug, Clone)]
pub struct LiveDataFile {
    pub file: DataFile,
    pub spec_id: i32,
}

/// Data file path → the live data file, for `snapshot_id`.
pub async fn live_data_files(
    table: &Table,
    snapshot_id: i64,
) -> Result<HashMap<String, LiveDataFile>> {
    let metadata = table.metadata();
    let mut files = HashMap::new();
    let Some(snapshot) = metadata.snapshot_by_id(snapshot_id) else {
        return Ok(files);
    };
    let list = table.manifest_list_reader(snapshot).load().await?;
    for manifest in list
        .entries()
        .iter()
        .filter(|m| m.content == ManifestContentType::Data)
    {
        let loaded = manifest.load_manifest(table.file_io()).await?;
        for entry in loaded.entries().iter().filter(|e| e.is_alive()) {
            files.insert(
                entry.data_file().file_path().to_string(),
                LiveDataFile {
                    file: entry.data_file().clone(),
                    spec_id: manifest.partition_spec_id,
                },
            );
        }
    }
    Ok(files)
}

/// Data file path → partition spec id, for the live data files of `snapshot_id`.
pub async fn data_file_specs(table: &Table, snapshot_id: i64) -> Result<HashMap<String, i32>> {
    Ok(live_data_files(table, snapshot_id)
        .await?
        .into_iter()
        .map(|(path, live)| (path, live.spec_id))
        .collect())
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
    for manifest in list.entries() {
        let is_delete = manifest.content == ManifestContentType::Deletes;
        let loaded = manifest.load_manifest(table.file_io()).await?;
        for entry in loaded.entries().iter().filter(|e| e.is_alive()) {
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
