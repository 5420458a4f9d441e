//! `files`: the live data and delete files of a snapshot (Iceberg's `files` metadata table).

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use anyhow::Result;
use futures::StreamExt;
use iceberg::spec::{
    DataContentType, DataFileFormat, Literal, PartitionSpec, PrimitiveLiteral, SnapshotRef, Struct,
    Transform,
};
use iceberg::table::Table;
use serde::Serialize;

use crate::error::FloeError;
use crate::table::manifest_stream::load_manifests;
use crate::table::{Session, TableRef};

/// A partition's values by field name, shared by every file of the partition: a listing of a
/// million files holds each partition's values once, not once per file.
#[derive(Debug, Clone, Default)]
pub struct PartitionValues(Arc<serde_json::Map<String, serde_json::Value>>);

impl Deref for PartitionValues {
    type Target = serde_json::Map<String, serde_json::Value>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Serialize for PartitionValues {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    pub file_path: String,
    /// `data`, `position_deletes` or `equality_deletes`.
    pub content: &'static str,
    pub file_format: &'static str,
    pub partition_spec_id: i32,
    /// Partition values by partition field name, as Iceberg stores them (a `day` value is a
    /// date, `month`/`year`/`hour` are counts since 1970, as in Iceberg's `files` table).
    pub partition: PartitionValues,
    /// The same values in Iceberg's human form (`2024-03`, `2024-03-01-10`), as in paths.
    pub partition_display: PartitionValues,
    pub record_count: u64,
    pub file_size_bytes: u64,
    pub sequence_number: Option<i64>,
    /// The one data file a delete file applies to, when it is scoped to one (always for a
    /// deletion vector).
    pub referenced_data_file: Option<String>,
    /// A deletion vector's blob in its Puffin file: offset and length in bytes.
    pub content_offset: Option<i64>,
    pub content_size_in_bytes: Option<i64>,
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

/// A partition value as JSON: numbers stay numbers, a `day` value is an ISO date.
pub(crate) fn partition_json(transform: &Transform, value: Option<&Literal>) -> serde_json::Value {
    let Some(Literal::Primitive(p)) = value else {
        return serde_json::Value::Null;
    };
    match (transform, p) {
        (Transform::Day, PrimitiveLiteral::Int(days)) => serde_json::json!(day_text(*days)),
        (_, PrimitiveLiteral::Int(i)) => serde_json::json!(i),
        (_, PrimitiveLiteral::Long(l)) => serde_json::json!(l),
        (_, PrimitiveLiteral::Boolean(b)) => serde_json::json!(b),
        (_, PrimitiveLiteral::String(s)) => serde_json::json!(s),
        (_, PrimitiveLiteral::Float(f)) => serde_json::json!(f.0),
        (_, PrimitiveLiteral::Double(f)) => serde_json::json!(f.0),
        (_, other) => serde_json::json!(format!("{other:?}")),
    }
}

fn day_text(days: i32) -> String {
    chrono::DateTime::from_timestamp(days as i64 * 86_400, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| days.to_string())
}

/// A partition in words, `name=value, ...` in Iceberg's human form ("unpartitioned" when the
/// spec has no fields).
pub fn partition_words(
    spec: &iceberg::spec::PartitionSpec,
    partition: Option<&iceberg::spec::Struct>,
) -> String {
    match partition.filter(|_| !spec.fields().is_empty()) {
        Some(partition) => partition_pairs(spec, partition).join(", "),
        None => "unpartitioned".to_string(),
    }
}

/// `name=value` per partition field, values in Iceberg's human form.
fn partition_pairs(
    spec: &iceberg::spec::PartitionSpec,
    partition: &iceberg::spec::Struct,
) -> Vec<String> {
    spec.fields()
        .iter()
        .zip(partition.fields())
        .map(|(field, value)| {
            let json = partition_json(&field.transform, value.as_ref());
            format!(
                "{}={}",
                field.name,
                partition_human(&field.transform, &json)
            )
        })
        .collect()
}

/// A partition as `name=value/...` in Iceberg's human form (empty when unpartitioned), the
/// way `partitions` names it.
pub fn partition_text(
    spec: Option<&iceberg::spec::PartitionSpec>,
    partition: &iceberg::spec::Struct,
) -> String {
    spec.map(|spec| partition_pairs(spec, partition).join("/"))
        .unwrap_or_default()
}

/// Iceberg's human form of a partition value.
fn partition_human(transform: &Transform, value: &serde_json::Value) -> String {
    match (transform, value.as_i64()) {
        (Transform::Year, Some(y)) => format!("{}", 1970 + y),
        (Transform::Month, Some(m)) => {
            format!("{:04}-{:02}", 1970 + m.div_euclid(12), m.rem_euclid(12) + 1)
        }
        (Transform::Hour, Some(h)) => chrono::DateTime::from_timestamp(h * 3600, 0)
            .map(|t| t.format("%Y-%m-%d-%H").to_string())
            .unwrap_or_else(|| h.to_string()),
        _ => match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "null".to_string(),
            other => other.to_string(),
        },
    }
}

pub async fn files(
    session: &Session,
    table: &TableRef,
    snapshot_id: Option<i64>,
) -> Result<FilesReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    files_of(&loaded, &target.display, snapshot_id).await
}

/// A partition's values in the spec's field order: as stored, and in Iceberg's human form.
fn partition_values(
    spec: Option<&PartitionSpec>,
    partition: &Struct,
) -> (PartitionValues, PartitionValues) {
    let mut stored = serde_json::Map::new();
    let mut human = serde_json::Map::new();
    if let Some(spec) = spec {
        for (field, value) in spec.fields().iter().zip(partition.fields()) {
            let json = partition_json(&field.transform, value.as_ref());
            human.insert(
                field.name.clone(),
                partition_human(&field.transform, &json).into(),
            );
            stored.insert(field.name.clone(), json);
        }
    }
    (
        PartitionValues(Arc::new(stored)),
        PartitionValues(Arc::new(human)),
    )
}

/// The snapshot `snapshot_id` names, else the current one (`None` for a table without
/// snapshots).
pub(crate) fn chosen_snapshot<'a>(
    loaded: &'a Table,
    display: &str,
    snapshot_id: Option<i64>,
) -> Result<Option<&'a SnapshotRef>> {
    let metadata = loaded.metadata();
    Ok(match snapshot_id {
        Some(id) => Some(metadata.snapshot_by_id(id).ok_or_else(|| {
            FloeError::not_found(format!("table {display} has no snapshot {id}"))
                .with_hint("list them with `floe snapshots`")
        })?),
        None => metadata.current_snapshot(),
    })
}

/// The live files of a snapshot (the current one by default) of a loaded table.
pub async fn files_of(
    loaded: &Table,
    display: &str,
    snapshot_id: Option<i64>,
) -> Result<FilesReport> {
    let metadata = loaded.metadata();
    let snapshot = chosen_snapshot(loaded, display, snapshot_id)?;
    let mut entries = vec![];
    // Each partition's values, made once: spec id → partition → (stored, human form).
    let mut partitions: HashMap<i32, HashMap<Struct, (PartitionValues, PartitionValues)>> =
        HashMap::new();
    if let Some(snapshot) = snapshot {
        let list = loaded.manifest_list_reader(snapshot).load().await?;
        let mut manifests = load_manifests(loaded.file_io(), list.entries().to_vec());
        while let Some((manifest_file, manifest)) = manifests.next().await {
            let manifest = manifest?;
            let spec_id = manifest_file.partition_spec_id;
            let spec = metadata.partition_spec_by_id(spec_id);
            let known = partitions.entry(spec_id).or_default();
            for entry in manifest.entries().iter().filter(|e| e.is_alive()) {
                let file = entry.data_file();
                if !known.contains_key(file.partition()) {
                    known.insert(
                        file.partition().clone(),
                        partition_values(spec.map(|s| s.as_ref()), file.partition()),
                    );
                }
                let (partition, partition_display) = known[file.partition()].clone();
                entries.push(FileEntry {
                    file_path: file.file_path().to_string(),
                    content: match file.content_type() {
                        DataContentType::Data => "data",
                        DataContentType::PositionDeletes => "position_deletes",
                        DataContentType::EqualityDeletes => "equality_deletes",
                    },
                    file_format: match file.file_format() {
                        DataFileFormat::Avro => "avro",
                        DataFileFormat::Orc => "orc",
                        DataFileFormat::Parquet => "parquet",
                        DataFileFormat::Puffin => "puffin",
                    },
                    partition_spec_id: manifest_file.partition_spec_id,
                    partition,
                    partition_display,
                    record_count: file.record_count(),
                    file_size_bytes: file.file_size_in_bytes(),
                    sequence_number: entry.sequence_number(),
                    referenced_data_file: file.referenced_data_file(),
                    content_offset: file.content_offset(),
                    content_size_in_bytes: file.content_size_in_bytes(),
                });
            }
        }
    }
    entries.sort_by(|a, b| a.file_path.cmp(&b.file_path));
    Ok(FilesReport {
        table: display.to_string(),
        snapshot_id: snapshot.map(|s| s.snapshot_id()),
        file_count: entries.len(),
        record_count: entries
            .iter()
            .filter(|e| e.content == "data")
            .map(|e| e.record_count)
            .sum(),
        total_size_bytes: entries.iter().map(|e| e.file_size_bytes).sum(),
        files: entries,
    })
}
