//! `describe`: a table's location, format, schema, partitioning, sort order, properties,
//! current snapshot and totals.

use std::collections::BTreeMap;

use anyhow::Result;
use iceberg::spec::{Schema, Snapshot, TableMetadata};
use iceberg::table::Table;
use serde::Serialize;

use crate::ops::schema::{field_node, FieldNode};
use crate::table::{Session, TableRef};

#[derive(Debug, Clone, Serialize)]
pub struct SchemaInfo {
    pub schema_id: i32,
    /// Top-level fields, nested ones under `children`.
    pub fields: Vec<FieldNode>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartitionFieldInfo {
    pub field_id: i32,
    pub name: String,
    pub transform: String,
    pub source_id: i32,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartitionSpecInfo {
    pub spec_id: i32,
    pub fields: Vec<PartitionFieldInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SortFieldInfo {
    pub source: String,
    pub transform: String,
    pub direction: String,
    pub null_order: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SortOrderInfo {
    pub order_id: i64,
    pub fields: Vec<SortFieldInfo>,
}

/// One snapshot, as listed.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotInfo {
    pub snapshot_id: i64,
    pub parent_snapshot_id: Option<i64>,
    pub sequence_number: i64,
    pub timestamp_ms: i64,
    pub timestamp: String,
    pub operation: String,
    pub manifest_list: String,
    pub schema_id: Option<i32>,
    pub summary: BTreeMap<String, String>,
}

/// Table-wide totals from the current snapshot's summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub records: u64,
    pub data_files: u64,
    pub total_size_bytes: u64,
    pub delete_files: u64,
    pub position_deletes: u64,
    pub equality_deletes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableDescription {
    pub table: String,
    pub location: String,
    pub metadata_location: Option<String>,
    pub format_version: u8,
    pub table_uuid: String,
    pub last_updated_ms: i64,
    pub last_sequence_number: i64,
    pub schema: SchemaInfo,
    pub partition_spec: PartitionSpecInfo,
    pub sort_order: SortOrderInfo,
    pub properties: BTreeMap<String, String>,
    pub current_snapshot: Option<SnapshotInfo>,
    pub snapshot_count: usize,
    pub totals: Totals,
}

pub fn schema_info(schema: &Schema) -> SchemaInfo {
    SchemaInfo {
        schema_id: schema.schema_id(),
        fields: schema.as_struct().fields().iter().map(field_node).collect(),
    }
}

fn column_name(metadata: &TableMetadata, id: i32) -> String {
    metadata
        .current_schema()
        .name_by_field_id(id)
        .map(str::to_string)
        .unwrap_or_else(|| format!("<dropped column {id}>"))
}

pub fn snapshot_info(snapshot: &Snapshot) -> SnapshotInfo {
    SnapshotInfo {
        snapshot_id: snapshot.snapshot_id(),
        parent_snapshot_id: snapshot.parent_snapshot_id(),
        sequence_number: snapshot.sequence_number(),
        timestamp_ms: snapshot.timestamp_ms(),
        timestamp: crate::units::format_time_ms(snapshot.timestamp_ms()),
        operation: snapshot.summary().operation.as_str().to_string(),
        manifest_list: snapshot.manifest_list().to_string(),
        schema_id: snapshot.schema_id(),
        summary: snapshot
            .summary()
            .additional_properties
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

pub fn totals_of(snapshot: Option<&Snapshot>) -> Totals {
    let Some(snapshot) = snapshot else {
        return Totals::default();
    };
    let props = &snapshot.summary().additional_properties;
    let get = |k: &str| {
        props
            .get(k)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Totals {
        records: get("total-records"),
        data_files: get("total-data-files"),
        total_size_bytes: get("total-files-size"),
        delete_files: get("total-delete-files"),
        position_deletes: get("total-position-deletes"),
        equality_deletes: get("total-equality-deletes"),
    }
}

pub fn describe_table(table: &Table) -> TableDescription {
    let metadata = table.metadata();
    let spec = metadata.default_partition_spec();
    let sort = metadata.default_sort_order();
    let current = metadata.current_snapshot();
    TableDescription {
        table: crate::table::display_ident(table.identifier()),
        location: metadata.location().to_string(),
        metadata_location: table.metadata_location().map(str::to_string),
        format_version: metadata.format_version() as u8,
        table_uuid: metadata.uuid().to_string(),
        last_updated_ms: metadata.last_updated_ms(),
        last_sequence_number: metadata.last_sequence_number(),
        schema: schema_info(metadata.current_schema()),
        partition_spec: PartitionSpecInfo {
            spec_id: spec.spec_id(),
            fields: spec
                .fields()
                .iter()
                .map(|f| PartitionFieldInfo {
                    field_id: f.field_id,
                    name: f.name.clone(),
                    transform: f.transform.to_string(),
                    source_id: f.source_id,
                    source: column_name(metadata, f.source_id),
                })
                .collect(),
        },
        sort_order: SortOrderInfo {
            order_id: sort.order_id,
            fields: sort
                .fields
                .iter()
                .map(|f| SortFieldInfo {
                    source: column_name(metadata, f.source_id),
                    transform: f.transform.to_string(),
                    direction: match f.direction {
                        iceberg::spec::SortDirection::Ascending => "asc".into(),
                        iceberg::spec::SortDirection::Descending => "desc".into(),
                    },
                    null_order: match f.null_order {
                        iceberg::spec::NullOrder::First => "nulls-first".into(),
                        iceberg::spec::NullOrder::Last => "nulls-last".into(),
                    },
                })
                .collect(),
        },
        properties: metadata
            .properties()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        current_snapshot: current.map(|s| snapshot_info(s)),
        snapshot_count: metadata.snapshots().count(),
        totals: totals_of(current.map(|s| s.as_ref())),
    }
}

pub async fn describe(session: &Session, table: &TableRef) -> Result<TableDescription> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let mut description = describe_table(&loaded);
    description.table = target.display.clone();
    Ok(description)
}
