//! `schema TABLE [--history]`: the current schema as a tree, or every schema the table has had
//! with the snapshots that used it.

use anyhow::Result;
use iceberg::spec::{NestedFieldRef, Schema, Type};
use serde::Serialize;

use crate::table::{Session, TableRef};

/// One field, nested fields under it.
#[derive(Debug, Clone, Serialize)]
pub struct FieldNode {
    pub id: i32,
    pub name: String,
    /// The type, with nested types spelled out (`struct<…>`, `list<…>`, `map<…>`).
    #[serde(rename = "type")]
    pub field_type: String,
    pub required: bool,
    pub doc: Option<String>,
    /// Struct fields, a list's `element`, a map's `key` and `value`.
    pub children: Vec<FieldNode>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SchemaVersion {
    pub schema_id: i32,
    pub is_current: bool,
    /// Snapshots written with this schema, oldest first (ids).
    pub snapshot_ids: Vec<i64>,
    pub first_snapshot_ms: Option<i64>,
    pub last_snapshot_ms: Option<i64>,
    pub identifier_field_ids: Vec<i32>,
    pub fields: Vec<FieldNode>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SchemaReport {
    pub table: String,
    pub current_schema_id: i32,
    pub last_column_id: i32,
    /// The current schema only, or every schema with `--history`.
    pub schemas: Vec<SchemaVersion>,
}

/// A field and its nested fields as a tree.
pub fn field_node(field: &NestedFieldRef) -> FieldNode {
    let children = match field.field_type.as_ref() {
        Type::Struct(s) => s.fields().iter().map(field_node).collect(),
        Type::List(l) => vec![field_node(&l.element_field)],
        Type::Map(m) => vec![field_node(&m.key_field), field_node(&m.value_field)],
        Type::Primitive(_) => vec![],
    };
    FieldNode {
        id: field.id,
        name: field.name.clone(),
        field_type: field.field_type.to_string(),
        required: field.required,
        doc: field.doc.clone(),
        children,
    }
}

/// A schema with the snapshots written with it; `snapshots` are `(id, timestamp_ms, schema_id)`
/// oldest first.
pub fn version(
    schema: &Schema,
    current: i32,
    snapshots: &[(i64, i64, Option<i32>)],
) -> SchemaVersion {
    let used: Vec<&(i64, i64, Option<i32>)> = snapshots
        .iter()
        .filter(|(_, _, s)| *s == Some(schema.schema_id()))
        .collect();
    SchemaVersion {
        schema_id: schema.schema_id(),
        is_current: schema.schema_id() == current,
        snapshot_ids: used.iter().map(|(id, _, _)| *id).collect(),
        first_snapshot_ms: used.first().map(|(_, t, _)| *t),
        last_snapshot_ms: used.last().map(|(_, t, _)| *t),
        identifier_field_ids: schema.identifier_field_ids().collect(),
        fields: schema.as_struct().fields().iter().map(field_node).collect(),
    }
}

pub async fn schema(session: &Session, table: &TableRef, history: bool) -> Result<SchemaReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let metadata = loaded.metadata();
    let mut snapshots: Vec<(i64, i64, Option<i32>)> = metadata
        .snapshots()
        .map(|s| (s.snapshot_id(), s.timestamp_ms(), s.schema_id()))
        .collect();
    snapshots.sort_by_key(|(_, t, _)| *t);
    let current = metadata.current_schema_id();
    let mut schemas: Vec<SchemaVersion> = if history {
        metadata
            .schemas_iter()
            .map(|s| version(s, current, &snapshots))
            .collect()
    } else {
        vec![version(metadata.current_schema(), current, &snapshots)]
    };
    schemas.sort_by_key(|s| s.schema_id);
    Ok(SchemaReport {
        table: target.display.clone(),
        current_schema_id: current,
        last_column_id: metadata.last_column_id(),
        schemas,
    })
}
