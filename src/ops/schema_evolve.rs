//! `schema evolve`: any mix of add, rename, drop, widen, make-optional, doc, move and
//! identifier-field changes as ONE new schema, committed with a requirement on the current
//! schema id. Field ids are kept; new ids come from `last-column-id`.
//!
//! iceberg 0.10 only offers add/delete column actions, so the new schema is built here, on the
//! schema's JSON form (the spec's own shape), and parsed back into an iceberg `Schema`.

use anyhow::Result;
use iceberg::spec::Schema;
use iceberg::{TableRequirement, TableUpdate};
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::FloeError;
use crate::ops::schema::FieldNode;
use crate::table::{Session, TableRef};
use crate::tabledef::schema_file::primitive_name;

/// Where `--move` puts a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    First,
    After(String),
    Before(String),
}

#[derive(Debug, Clone, Default)]
pub struct EvolveOptions {
    pub adds: Vec<(String, String)>,
    pub renames: Vec<(String, String)>,
    pub drops: Vec<String>,
    pub widens: Vec<(String, String)>,
    pub make_optional: Vec<String>,
    pub make_required: Vec<String>,
    /// `--add` columns are to be required.
    pub required_adds: bool,
    pub docs: Vec<(String, String)>,
    pub moves: Vec<(String, Position)>,
    pub identifier_fields: Option<Vec<String>>,
    pub dry_run: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvolveReport {
    pub table: String,
    pub dry_run: bool,
    pub previous_schema_id: i32,
    /// The new current schema id (the would-be id under `--dry-run`).
    pub schema_id: Option<i32>,
    pub changes: Vec<String>,
    pub fields: Vec<FieldNode>,
    pub metadata_location: Option<String>,
}

fn refuse(message: String) -> anyhow::Error {
    FloeError::invalid(message).into()
}

/// The fields array a field list lives in, following struct fields, list elements and map
/// values for nested paths.
fn nested_fields(field: &mut Value) -> Option<&mut Vec<Value>> {
    let ty = field.get_mut("type")?;
    let mut ty = ty;
    loop {
        match ty.get("type").and_then(Value::as_str) {
            Some("struct") => return ty.get_mut("fields")?.as_array_mut(),
            Some("list") => ty = ty.get_mut("element")?,
            Some("map") => ty = ty.get_mut("value")?,
            _ => return None,
        }
    }
}

/// (parent fields array, index) of the field at a dotted path.
fn locate<'a>(root: &'a mut Vec<Value>, path: &str) -> Result<(&'a mut Vec<Value>, usize)> {
    let parts: Vec<&str> = path.split('.').collect();
    let mut fields = root;
    for (depth, part) in parts.iter().enumerate() {
        let index = fields
            .iter()
            .position(|f| f["name"] == *part)
            .ok_or_else(|| refuse(format!("column '{path}' does not exist")))?;
        if depth + 1 == parts.len() {
            return Ok((fields, index));
        }
        fields = nested_fields(&mut fields[index]).ok_or_else(|| {
            refuse(format!(
                "'{}' is not a struct, list or map, so '{path}' does not exist",
                parts[..=depth].join(".")
            ))
        })?;
    }
    Err(refuse(format!("column '{path}' does not exist")))
}

/// Iceberg's allowed type promotions.
pub fn widening_allowed(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    let decimal = |t: &str| -> Option<(u32, u32)> {
        let inner = t.strip_prefix("decimal(")?.strip_suffix(')')?;
        let (p, s) = inner.split_once(',')?;
        Some((p.trim().parse().ok()?, s.trim().parse().ok()?))
    };
    match (from, to) {
        ("int", "long") | ("float", "double") => true,
        _ => match (decimal(from), decimal(to)) {
            (Some((p1, s1)), Some((p2, s2))) => s1 == s2 && p2 >= p1,
            _ => false,
        },
    }
}

fn node(value: &Value) -> FieldNode {
    let field: iceberg::spec::NestedField =
        serde_json::from_value(value.clone()).expect("valid field");
    let field = std::sync::Arc::new(field);
    crate::ops::schema::field_node(&field)
}

/// The evolved schema (not yet committed), the changes in words, and its fields as JSON.
pub fn evolved_schema(
    metadata: &iceberg::spec::TableMetadata,
    options: &EvolveOptions,
) -> Result<(Schema, Vec<String>, Vec<Value>)> {
    let current = metadata.current_schema();
    let mut doc = serde_json::to_value(current.as_ref())?;
    let mut next_id = metadata.last_column_id() + 1;
    let mut changes = vec![];
    // Ids a drop must not take away: partition sources, sort fields, identifier fields.
    let spec_sources: Vec<i32> = metadata
        .default_partition_spec()
        .fields()
        .iter()
        .map(|f| f.source_id)
        .collect();
    let sort_sources: Vec<i32> = metadata
        .default_sort_order()
        .fields
        .iter()
        .map(|f| f.source_id)
        .collect();
    let identifiers: Vec<i32> = current.identifier_field_ids().collect();
    {
        let root = doc["fields"].as_array_mut().expect("schema has fields");
        for path in &options.drops {
            let (fields, i) = locate(root, path)?;
            let id = fields[i]["id"].as_i64().unwrap_or(-1) as i32;
            if spec_sources.contains(&id) {
                return Err(FloeError::invalid(format!(
                    "cannot drop '{path}': the partition spec uses it"
                ))
                .with_hint("evolve the partition spec first (`floe partition evolve --remove`)")
                .into());
            }
            if sort_sources.contains(&id) {
                return Err(FloeError::invalid(format!(
                    "cannot drop '{path}': the sort order uses it"
                ))
                .with_hint("set another sort order first (`floe sort-order set`)")
                .into());
            }
            if identifiers.contains(&id) {
                return Err(refuse(format!(
                    "cannot drop '{path}': it is an identifier field"
                )));
            }
            fields.remove(i);
            changes.push(format!("drop {path}"));
        }
        for (path, new_name) in &options.renames {
            let (fields, i) = locate(root, path)?;
            if fields.iter().any(|f| f["name"] == new_name.as_str()) {
                return Err(refuse(format!(
                    "cannot rename '{path}' to '{new_name}': a column of that name exists"
                )));
            }
            fields[i]["name"] = json!(new_name);
            changes.push(format!("rename {path} to {new_name}"));
        }
        for (path, type_text) in &options.widens {
            let wanted = primitive_name(type_text)
                .ok_or_else(|| refuse(format!("'{type_text}' is not a primitive type")))?;
            let (fields, i) = locate(root, path)?;
            let from = fields[i]["type"]
                .as_str()
                .ok_or_else(|| {
                    refuse(format!(
                        "'{path}' is nested; only primitive columns can be widened"
                    ))
                })?
                .to_string();
            if !widening_allowed(&from, &wanted) {
                return Err(FloeError::invalid(format!("cannot change '{path}' from {from} to {wanted}: not a widening Iceberg allows"))
                    .with_hint("allowed: int to long, float to double, decimal(P,S) to decimal(P',S) with P' > P")
                    .into());
            }
            fields[i]["type"] = json!(wanted);
            changes.push(format!("widen {path} from {from} to {wanted}"));
        }
        for path in &options.make_optional {
            let (fields, i) = locate(root, path)?;
            if identifiers.contains(&(fields[i]["id"].as_i64().unwrap_or(-1) as i32)) {
                return Err(refuse(format!(
                    "cannot make '{path}' optional: it is an identifier field"
                )));
            }
            fields[i]["required"] = json!(false);
            changes.push(format!("make {path} optional"));
        }
        for path in &options.make_required {
            let (fields, i) = locate(root, path)?;
            if fields[i]["required"] != true {
                return Err(FloeError::invalid(format!(
                    "cannot make '{path}' required: files already written may hold nulls in it, so Iceberg only allows making columns optional"
                ))
                .with_hint("write a new table with the column required (`floe create`), then copy the rows")
                .into());
            }
        }
        for (path, text) in &options.docs {
            let (fields, i) = locate(root, path)?;
            fields[i]["doc"] = json!(text);
            changes.push(format!("doc {path}"));
        }
        if options.required_adds {
            if let Some((path, _)) = options.adds.first() {
                return Err(FloeError::invalid(format!(
                    "cannot add required column '{path}' without a default: the rows already written have no value for it (column defaults need format v3, and floe does not write them)"
                ))
                .with_hint("add it optional (without --required)")
                .into());
            }
        }
        for (path, type_text) in &options.adds {
            let wanted = primitive_name(type_text).ok_or_else(|| {
                refuse(format!("'{type_text}' is not a primitive type (add nested columns field by field: parent.child:TYPE)"))
            })?;
            let (parent, name) = match path.rsplit_once('.') {
                Some((parent, name)) => (Some(parent), name),
                None => (None, path.as_str()),
            };
            let fields = match parent {
                None => &mut *root,
                Some(parent_path) => {
                    let (siblings, i) = locate(root, parent_path)?;
                    nested_fields(&mut siblings[i]).ok_or_else(|| {
                        refuse(format!(
                            "cannot add '{path}': '{parent_path}' is not a struct"
                        ))
                    })?
                }
            };
            if fields.iter().any(|f| f["name"] == name) {
                return Err(refuse(format!(
                    "cannot add '{path}': a column of that name exists"
                )));
            }
            fields.push(json!({"id": next_id, "name": name, "required": false, "type": wanted}));
            next_id += 1;
            changes.push(format!("add {path} {wanted}"));
        }
        for (path, position) in &options.moves {
            let (fields, i) = locate(root, path)?;
            let moving = fields.remove(i);
            let at = match position {
                Position::First => 0,
                Position::After(other) | Position::Before(other) => {
                    let j = fields
                        .iter()
                        .position(|f| f["name"] == other.as_str())
                        .ok_or_else(|| {
                            refuse(format!(
                                "cannot move '{path}' next to '{other}': no such sibling column"
                            ))
                        })?;
                    if matches!(position, Position::After(_)) {
                        j + 1
                    } else {
                        j
                    }
                }
            };
            fields.insert(at, moving);
            changes.push(format!("move {path}"));
        }
    }
    if let Some(names) = &options.identifier_fields {
        let mut ids = vec![];
        let root = doc["fields"].as_array_mut().expect("schema has fields");
        for name in names {
            let (fields, i) = locate(root, name)?;
            if fields[i]["required"] != true
                || !fields[i]["type"].is_string()
                || matches!(fields[i]["type"].as_str(), Some("float" | "double"))
            {
                return Err(refuse(format!("'{name}' cannot be an identifier field: it must be a required, non-floating primitive")));
            }
            ids.push(json!(fields[i]["id"]));
        }
        doc["identifier-field-ids"] = json!(ids);
        changes.push(format!("identifier fields {}", names.join(", ")));
    }
    let new_schema: Schema = serde_json::from_value(doc.clone())
        .map_err(|e| refuse(format!("the evolved schema is not valid: {e}")))?;
    let fields = doc["fields"].as_array().cloned().unwrap_or_default();
    Ok((new_schema, changes, fields))
}

pub async fn evolve(
    session: &Session,
    table: &TableRef,
    options: EvolveOptions,
) -> Result<EvolveReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let metadata = loaded.metadata();
    let current = metadata.current_schema();
    let (new_schema, changes, fields) = evolved_schema(metadata, &options)?;
    if changes.is_empty() {
        return Err(FloeError::usage("no change given")
            .with_hint("see `floe schema evolve --help`")
            .into());
    }
    let fields: Vec<FieldNode> = fields.iter().map(node).collect();
    let mut report = EvolveReport {
        table: target.display.clone(),
        dry_run: options.dry_run,
        previous_schema_id: current.schema_id(),
        schema_id: None,
        changes,
        fields,
        metadata_location: loaded.metadata_location().map(str::to_string),
    };
    if options.dry_run {
        return Ok(report);
    }
    let requirements = vec![
        TableRequirement::UuidMatch {
            uuid: metadata.uuid(),
        },
        TableRequirement::CurrentSchemaIdMatch {
            current_schema_id: current.schema_id(),
        },
        TableRequirement::LastAssignedFieldIdMatch {
            last_assigned_field_id: metadata.last_column_id(),
        },
    ];
    let updates = vec![
        TableUpdate::AddSchema { schema: new_schema },
        TableUpdate::SetCurrentSchema { schema_id: -1 },
    ];
    let committed = target
        .catalog
        .commit(&target.ident, requirements, updates)
        .await?;
    report.schema_id = Some(committed.metadata().current_schema_id());
    report.metadata_location = committed.metadata_location().map(str::to_string);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::widening_allowed;

    #[test]
    fn widenings() {
        assert!(widening_allowed("int", "long"));
        assert!(widening_allowed("float", "double"));
        assert!(widening_allowed("decimal(10,2)", "decimal(12,2)"));
        assert!(!widening_allowed("long", "int"));
        assert!(!widening_allowed("decimal(10,2)", "decimal(12,3)"));
        assert!(!widening_allowed("string", "long"));
    }
}
