//! Reading data files written before nested fields, or columns of some types, were added.
//! iceberg 0.10's reader casts each file's struct to the scan's struct type, and arrow's cast
//! fails when the file lacks some of the fields; it also cannot make a null column of a list,
//! map, uuid, fixed or time type that a file lacks. Such scans read each file with only the
//! fields it has (field ids from its Parquet footer); the scan then fills the rest with nulls
//! (`crate::struct_fill`), as the spec's column projection asks.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::Result;
use futures::{StreamExt, TryStreamExt};
use iceberg::scan::FileScanTask;
use iceberg::spec::{NestedFieldRef, PrimitiveType, Schema, SchemaRef, TableMetadata, Type};
use serde_json::Value;

use crate::table::storage::stores::Stores;

/// How many footers to fetch at once.
const FOOTER_READS: usize = 16;

/// The child ids of every struct in `fields`, keyed by the id of the field holding it (list
/// elements and map values by their own ids).
fn struct_children(fields: &[NestedFieldRef], out: &mut HashMap<i32, HashSet<i32>>) {
    for field in fields {
        collect_type(field.id, &field.field_type, out);
    }
}

fn collect_type(id: i32, ty: &Type, out: &mut HashMap<i32, HashSet<i32>>) {
    match ty {
        Type::Struct(s) => {
            out.insert(id, s.fields().iter().map(|f| f.id).collect());
            struct_children(s.fields(), out);
        }
        Type::List(l) => collect_type(l.element_field.id, &l.element_field.field_type, out),
        Type::Map(m) => collect_type(m.value_field.id, &m.value_field.field_type, out),
        Type::Primitive(_) => {}
    }
}

/// Ids of the top-level columns iceberg's reader cannot make null columns of when a file
/// lacks them: nested types, and the primitives it has no null array for (uuid and fixed,
/// both fixed-size binary in Arrow, and time).
fn unfillable_columns(schema: &Schema) -> HashSet<i32> {
    schema
        .as_struct()
        .fields()
        .iter()
        .filter(|f| match f.field_type.as_ref() {
            Type::Primitive(p) => matches!(
                p,
                PrimitiveType::Uuid | PrimitiveType::Fixed(_) | PrimitiveType::Time
            ),
            _ => true,
        })
        .map(|f| f.id)
        .collect()
}

/// Whether an older schema of the table lacked a nested column of `scan_schema` (or a field
/// of one of its structs), or a column of a type the reader cannot fill, so that files
/// written under that schema miss it.
pub fn has_grown_fields_to_fill(metadata: &TableMetadata, scan_schema: &Schema) -> bool {
    let columns = unfillable_columns(scan_schema);
    if columns.is_empty() {
        return false;
    }
    let mut now = HashMap::new();
    struct_children(scan_schema.as_struct().fields(), &mut now);
    metadata.schemas_iter().any(|old| {
        if !columns.iter().all(|id| old.field_by_id(*id).is_some()) {
            return true;
        }
        let mut then = HashMap::new();
        struct_children(old.as_struct().fields(), &mut then);
        now.iter().any(|(id, children)| {
            then.get(id)
                .is_some_and(|old_children| !children.is_subset(old_children))
        })
    })
}

/// The field ids a Parquet file's schema carries (empty when it has none: such files are
/// resolved by name mapping, which this does not touch).
async fn file_field_ids(stores: &Stores, path: &str, size: u64) -> Result<HashSet<i32>> {
    let metadata = stores.parquet_metadata(path, size).await?;
    let mut ids = HashSet::new();
    fn walk(t: &parquet::schema::types::Type, ids: &mut HashSet<i32>) {
        let info = t.get_basic_info();
        if info.has_id() {
            ids.insert(info.id());
        }
        if t.is_group() {
            for child in t.get_fields() {
                walk(child, ids);
            }
        }
    }
    walk(
        metadata.file_metadata().schema_descr().root_schema(),
        &mut ids,
    );
    Ok(ids)
}

/// Drop, from the structs a file has, the fields it lacks. Columns (and struct fields) the
/// file lacks entirely stay: the reader fills those with nulls itself.
fn trim_nested(ty: &mut Value, keep: &HashSet<i32>) {
    match ty.get("type").and_then(Value::as_str) {
        Some("struct") => {
            if let Some(fields) = ty["fields"].as_array_mut() {
                fields.retain(|f| has_id(f, "id", keep));
                for f in fields.iter_mut() {
                    trim_nested(&mut f["type"], keep);
                }
            }
        }
        Some("list") => trim_nested(&mut ty["element"], keep),
        Some("map") => trim_nested(&mut ty["value"], keep),
        _ => {}
    }
}

fn has_id(field: &Value, key: &str, ids: &HashSet<i32>) -> bool {
    field[key]
        .as_i64()
        .is_some_and(|id| ids.contains(&(id as i32)))
}

fn schema_for_file(scan_schema: &Schema, keep: &HashSet<i32>) -> Result<Schema> {
    let mut doc = serde_json::to_value(scan_schema)?;
    if let Some(fields) = doc["fields"].as_array_mut() {
        for f in fields.iter_mut().filter(|f| has_id(f, "id", keep)) {
            trim_nested(&mut f["type"], keep);
        }
    }
    Ok(serde_json::from_value(doc)?)
}

/// Give each task whose file lacks some nested fields a schema without them, and take the
/// columns it lacks entirely that the reader cannot fill out of its projection (the scan
/// fills them by name).
/// Tasks keep their order; files with every field keep the scan's schema.
pub async fn narrow_tasks(stores: &Stores, tasks: Vec<FileScanTask>) -> Result<Vec<FileScanTask>> {
    // Owned (path, size) pairs: a future borrowing the task would not be `Send` enough for
    // DataFusion's `scan`.
    let files: Vec<(String, u64)> = tasks
        .iter()
        .map(|t| (t.data_file_path.clone(), t.file_size_in_bytes))
        .collect();
    let ids: Vec<HashSet<i32>> = futures::stream::iter(files)
        .map(|(path, size)| async move { file_field_ids(stores, &path, size).await })
        .buffered(FOOTER_READS)
        .try_collect()
        .await?;
    let mut by_missing: HashMap<Vec<i32>, SchemaRef> = HashMap::new();
    let mut out = Vec::with_capacity(tasks.len());
    for (mut task, file_ids) in tasks.into_iter().zip(ids) {
        if !file_ids.is_empty() {
            let absent_nested: HashSet<i32> = unfillable_columns(&task.schema)
                .into_iter()
                .filter(|id| !file_ids.contains(id))
                .collect();
            task.project_field_ids
                .retain(|id| !absent_nested.contains(id));
            let mut all = HashMap::new();
            struct_children(task.schema.as_struct().fields(), &mut all);
            let mut missing: Vec<i32> = all
                .values()
                .flatten()
                .filter(|id| !file_ids.contains(id))
                .copied()
                .collect();
            if !missing.is_empty() {
                missing.sort_unstable();
                let schema = match by_missing.get(&missing) {
                    Some(schema) => schema.clone(),
                    None => {
                        let schema = Arc::new(schema_for_file(&task.schema, &file_ids)?);
                        by_missing.insert(missing, schema.clone());
                        schema
                    }
                };
                task.schema = schema;
            }
        }
        out.push(task);
    }
    Ok(out)
}
