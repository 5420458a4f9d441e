//! `ingest --merge-schema`: the union by name of the inputs' schemas into the table's,
//! nested fields included, with the widenings typed inputs need. Conflicting types refuse.
//!
//! Like `schema evolve`, this works on the schema's JSON form: existing field ids are kept and
//! every new field (and every field, element, key and value inside a new nested column) takes
//! the next id after `last-column-id`.

use anyhow::Result;
use iceberg::spec::{Schema, TableMetadata};
use serde_json::{json, Value};

use crate::error::FloeError;
use crate::ops::schema_evolve::widening_allowed;

/// One input's inferred schema, where it came from, and whether its primitive types are real
/// (Parquet) or guessed from text (CSV, JSON), which never widen or conflict.
pub struct InputSchema<'a> {
    pub location: &'a str,
    pub schema: &'a Schema,
    pub typed: bool,
}

/// The merged schema and the changes in words, or `None` when the inputs add nothing.
pub fn merge_input_schemas(
    metadata: &TableMetadata,
    inputs: &[InputSchema<'_>],
) -> Result<Option<(Schema, Vec<String>)>> {
    let mut doc = serde_json::to_value(metadata.current_schema().as_ref())?;
    let mut merge = Merge {
        next_id: metadata.last_column_id() + 1,
        changes: vec![],
    };
    for input in inputs {
        let input_doc = serde_json::to_value(input.schema)?;
        let input_fields = input_doc["fields"].as_array().cloned().unwrap_or_default();
        let fields = doc["fields"].as_array_mut().expect("schema has fields");
        merge.fields(fields, &input_fields, "", input)?;
    }
    if merge.changes.is_empty() {
        return Ok(None);
    }
    let schema: Schema = serde_json::from_value(doc)
        .map_err(|e| FloeError::invalid(format!("the merged schema is not valid: {e}")))?;
    Ok(Some((schema, merge.changes)))
}

struct Merge {
    next_id: i32,
    changes: Vec<String>,
}

fn kind(ty: &Value) -> String {
    match ty.get("type").and_then(Value::as_str) {
        Some(nested) => nested.to_string(),
        None => ty.as_str().unwrap_or("?").to_string(),
    }
}

/// The type in the short form messages use: `list<string>`, `struct<zip: int>`.
fn type_text(ty: &Value) -> String {
    match kind(ty).as_str() {
        "struct" => {
            let fields: Vec<String> = ty["fields"]
                .as_array()
                .map(|fields| {
                    fields
                        .iter()
                        .map(|f| {
                            format!(
                                "{}: {}",
                                f["name"].as_str().unwrap_or("?"),
                                type_text(&f["type"])
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!("struct<{}>", fields.join(", "))
        }
        "list" => format!("list<{}>", type_text(&ty["element"])),
        "map" => format!(
            "map<{}, {}>",
            type_text(&ty["key"]),
            type_text(&ty["value"])
        ),
        primitive => primitive.to_string(),
    }
}

impl Merge {
    fn take_id(&mut self) -> i32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Give a new field fresh ids throughout and make it optional (rows already in the table
    /// have no value for it).
    fn fresh_field(&mut self, field: &Value) -> Value {
        let mut field = field.clone();
        field["id"] = json!(self.take_id());
        field["required"] = json!(false);
        self.fresh_type(&mut field["type"]);
        field
    }

    fn fresh_type(&mut self, ty: &mut Value) {
        match ty.get("type").and_then(Value::as_str) {
            Some("struct") => {
                if let Some(fields) = ty["fields"].as_array_mut() {
                    for field in fields.iter_mut() {
                        *field = self.fresh_field(field);
                    }
                }
            }
            Some("list") => {
                ty["element-id"] = json!(self.take_id());
                ty["element-required"] = json!(false);
                self.fresh_type(&mut ty["element"]);
            }
            Some("map") => {
                ty["key-id"] = json!(self.take_id());
                ty["value-id"] = json!(self.take_id());
                ty["value-required"] = json!(false);
                self.fresh_type(&mut ty["key"]);
                self.fresh_type(&mut ty["value"]);
            }
            _ => {}
        }
    }

    fn fields(
        &mut self,
        table: &mut Vec<Value>,
        input: &[Value],
        prefix: &str,
        source: &InputSchema<'_>,
    ) -> Result<()> {
        for field in input {
            let name = field["name"].as_str().unwrap_or_default();
            let path = format!("{prefix}{name}");
            let existing = table.iter_mut().find(|f| {
                f["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            });
            match existing {
                Some(existing) => {
                    self.types(&mut existing["type"], &field["type"], &path, source)?;
                }
                None => {
                    let added = self.fresh_field(field);
                    self.changes
                        .push(format!("add {path} {}", type_text(&added["type"])));
                    table.push(added);
                }
            }
        }
        Ok(())
    }

    fn types(
        &mut self,
        table: &mut Value,
        input: &Value,
        path: &str,
        source: &InputSchema<'_>,
    ) -> Result<()> {
        let (table_kind, input_kind) = (kind(table), kind(input));
        match (table_kind.as_str(), input_kind.as_str()) {
            ("struct", "struct") => {
                let input_fields = input["fields"].as_array().cloned().unwrap_or_default();
                let fields = table["fields"].as_array_mut().expect("struct has fields");
                self.fields(fields, &input_fields, &format!("{path}."), source)
            }
            ("list", "list") => self.types(&mut table["element"], &input["element"], path, source),
            ("map", "map") => self.types(&mut table["value"], &input["value"], path, source),
            (a, b)
                if !matches!(a, "struct" | "list" | "map")
                    && !matches!(b, "struct" | "list" | "map") =>
            {
                if !source.typed || widening_allowed(b, a) {
                    // Same type, a text input, or an input narrower than the column: the
                    // rows convert as they are written.
                    return Ok(());
                }
                if widening_allowed(a, b) {
                    *table = json!(b);
                    self.changes.push(format!("widen {path} from {a} to {b}"));
                    return Ok(());
                }
                Err(conflict(path, &type_text(table), &type_text(input), source))
            }
            _ => Err(conflict(path, &type_text(table), &type_text(input), source)),
        }
    }
}

fn conflict(path: &str, table: &str, input: &str, source: &InputSchema<'_>) -> anyhow::Error {
    FloeError::invalid(format!(
        "{}: column '{path}' is {input} in the file but {table} in the table, and --merge-schema only adds columns and widens types",
        source.location
    ))
    .with_hint("allowed widenings: int to long, float to double, decimal(P,S) to decimal(P',S) with P' > P")
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(fields: Value) -> Schema {
        serde_json::from_value(json!({"type": "struct", "schema-id": 0, "fields": fields})).unwrap()
    }

    fn metadata(table: &Schema) -> TableMetadata {
        iceberg::spec::TableMetadataBuilder::new(
            table.clone(),
            iceberg::spec::PartitionSpec::unpartition_spec(),
            iceberg::spec::SortOrder::unsorted_order(),
            "memory://t".to_string(),
            iceberg::spec::FormatVersion::V2,
            Default::default(),
        )
        .unwrap()
        .build()
        .unwrap()
        .metadata
    }

    #[test]
    fn nested_fields_get_fresh_ids_and_widenings_apply() {
        let table = schema(json!([
            {"id": 1, "name": "id", "required": true, "type": "int"},
            {"id": 2, "name": "addr", "required": false, "type": {"type": "struct", "fields": [
                {"id": 3, "name": "city", "required": false, "type": "string"}]}}
        ]));
        let input = schema(json!([
            {"id": 1, "name": "id", "required": true, "type": "long"},
            {"id": 2, "name": "addr", "required": false, "type": {"type": "struct", "fields": [
                {"id": 3, "name": "city", "required": false, "type": "string"},
                {"id": 4, "name": "zip", "required": true, "type": "int"}]}},
            {"id": 5, "name": "tags", "required": false, "type": {"type": "list",
                "element-id": 6, "element-required": true, "element": "string"}}
        ]));
        let source = InputSchema {
            location: "in.parquet",
            schema: &input,
            typed: true,
        };
        let (merged, changes) = merge_input_schemas(&metadata(&table), &[source])
            .unwrap()
            .unwrap();
        assert_eq!(
            changes,
            vec![
                "widen id from int to long",
                "add addr.zip int",
                "add tags list<string>"
            ]
        );
        let doc = serde_json::to_value(&merged).unwrap();
        assert_eq!(doc["fields"][0]["type"], "long");
        assert_eq!(doc["fields"][1]["type"]["fields"][1]["id"], 4);
        assert_eq!(doc["fields"][1]["type"]["fields"][1]["required"], false);
        assert_eq!(doc["fields"][2]["id"], 5);
        assert_eq!(doc["fields"][2]["type"]["element-id"], 6);
        assert_eq!(doc["fields"][2]["type"]["element-required"], false);
    }

    #[test]
    fn conflicting_types_refuse_unless_the_input_is_text() {
        let table = schema(json!([{"id": 1, "name": "v", "required": false, "type": "string"}]));
        let input = schema(json!([{"id": 1, "name": "v", "required": false, "type": "long"}]));
        let typed = InputSchema {
            location: "a.parquet",
            schema: &input,
            typed: true,
        };
        let err = merge_input_schemas(&metadata(&table), &[typed]).unwrap_err();
        assert!(
            err.to_string()
                .contains("a.parquet: column 'v' is long in the file but string in the table"),
            "{err}"
        );
        let text = InputSchema {
            location: "a.json",
            schema: &input,
            typed: false,
        };
        assert!(merge_input_schemas(&metadata(&table), &[text])
            .unwrap()
            .is_none());
    }
}
