//! Every file a table's metadata reaches: metadata files (current and logged), manifest lists,
//! manifests, data and delete files of every snapshot, statistics files.

use std::collections::BTreeSet;

use anyhow::Result;
use iceberg::table::Table;

/// The files reachable from the table's current metadata, sorted and without repeats.
pub async fn reachable_files(table: &Table) -> Result<Vec<String>> {
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
    for stats in metadata.partition_statistics_iter() {
        files.insert(stats.statistics_path.clone());
    }
    let mut seen_manifests = BTreeSet::new();
    for snapshot in metadata.snapshots() {
        files.insert(snapshot.manifest_list().to_string());
        let list = table.manifest_list_reader(snapshot).load().await?;
        for manifest_file in list.entries() {
            if !seen_manifests.insert(manifest_file.manifest_path.clone()) {
                continue;
            }
            files.insert(manifest_file.manifest_path.clone());
            let manifest = manifest_file.load_manifest(table.file_io()).await?;
            for entry in manifest.entries() {
                files.insert(entry.data_file().file_path().to_string());
            }
        }
    }
    Ok(files.into_iter().collect())
}
