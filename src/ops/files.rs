//! `files`: the live data and delete files of a snapshot (Iceberg's `files` metadata table).

use std::collections::BTreeMap;

use anyhow::Result;
use iceberg::spec::{DataContentType, Literal, PrimitiveLiteral};
use serde::Serialize;

use crate::error::FloeError;
use crate::table::{Session, TableRef};

#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    pub file_path: String,
    pub content: String,
    pub file_format: String,
    pub partition_spec_id: i32,
    /// Partition values by partition field name (strings in Iceberg's human form).
    pub partition: BTreeMap<String, Option<String>>,
    pub record_count: u64,
    pub file_size_bytes: u64,
    pub sequence_number: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FilesReport {
    pub table: String,
    pub snapshot_id: Option<i64>,
    pub files: Vec<FileEntry>,
    pub file_count: usize,
    pub record_count: u64,
    pub total_size_bytes: u64,
}

fn literal_text(value: &Literal) -> String {
    match value {
        Literal::Primitive(p) => match p {
            PrimitiveLiteral::String(s) => s.clone(),
            PrimitiveLiteral::Int(i) => i.to_string(),
            PrimitiveLiteral::Long(l) => l.to_string(),
            PrimitiveLiteral::Boolean(b) => b.to_string(),
            other => format!("{other:?}"),
        },
        other => format!("{other:?}"),
    }
}

pub async fn files(session: &Session, table: &TableRef, snapshot_id: Option<i64>) -> Result<FilesReport> {
    let target = session.target(table)?;
    let loaded = target.load().await?;
    let metadata = loaded.metadata();
    let snapshot = match snapshot_id {
        Some(id) => Some(metadata.snapshot_by_id(id).ok_or_else(|| {
            FloeError::not_found(format!("table {} has no snapshot {id}", target.display))
                .with_hint("list them with `floe snapshots`")
        })?),
        None => metadata.current_snapshot(),
    };
    let mut entries = vec![];
    if let Some(snapshot) = snapshot {
        let list = loaded.manifest_list_reader(snapshot).load().await?;
        for manifest_file in list.entries() {
            let manifest = manifest_file.load_manifest(loaded.file_io()).await?;
            let spec = metadata.partition_spec_by_id(manifest_file.partition_spec_id);
            for entry in manifest.entries().iter().filter(|e| e.is_alive()) {
                let file = entry.data_file();
                let mut partition = BTreeMap::new();
                if let Some(spec) = spec {
                    for (field, value) in spec.fields().iter().zip(file.partition().fields()) {
                        partition.insert(field.name.clone(), value.as_ref().map(literal_text));
                    }
                }
                entries.push(FileEntry {
                    file_path: file.file_path().to_string(),
                    content: match file.content_type() {
                        DataContentType::Data => "data".into(),
                        DataContentType::PositionDeletes => "position_deletes".into(),
                        DataContentType::EqualityDeletes => "equality_deletes".into(),
                    },
                    file_format: file.file_format().to_string(),
                    partition_spec_id: manifest_file.partition_spec_id,
                    partition,
                    record_count: file.record_count(),
                    file_size_bytes: file.file_size_in_bytes(),
                    sequence_number: entry.sequence_number(),
                });
            }
        }
    }
    entries.sort_by(|a, b| a.file_path.cmp(&b.file_path));
    Ok(FilesReport {
        table: target.display.clone(),
        snapshot_id: snapshot.map(|s| s.snapshot_id()),
        file_count: entries.len(),
        record_count: entries.iter().filter(|e| e.content == "data").map(|e| e.record_count).sum(),
        total_size_bytes: entries.iter().map(|e| e.file_size_bytes).sum(),
        files: entries,
    })
}
