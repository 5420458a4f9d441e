//! The partition spec of each live data file of a snapshot. iceberg 0.10's planned scan tasks
//! do not carry it, and compaction must tell files of older specs apart.

use std::collections::HashMap;

use anyhow::Result;
use iceberg::spec::ManifestContentType;
use iceberg::table::Table;

/// Data file path → partition spec id, for the live data files of `snapshot_id`.
pub async fn data_file_specs(table: &Table, snapshot_id: i64) -> Result<HashMap<String, i32>> {
    let metadata = table.metadata();
    let mut specs = HashMap::new();
    let Some(snapshot) = metadata.snapshot_by_id(snapshot_id) else {
        return Ok(specs);
    };
    let list = table.manifest_list_reader(snapshot).load().await?;
    for manifest in list
        .entries()
        .iter()
        .filter(|m| m.content == ManifestContentType::Data)
    {
        let loaded = manifest.load_manifest(table.file_io()).await?;
        for entry in loaded.entries().iter().filter(|e| e.is_alive()) {
            specs.insert(
                entry.data_file().file_path().to_string(),
                manifest.partition_spec_id,
            );
        }
    }
    Ok(specs)
}
