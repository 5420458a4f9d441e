//! Schema files in YAML or JSON: floe's friendly form (`fields: [{name, type, required, doc}]`
//! with nested struct/list/map) or Iceberg's own schema JSON.

use anyhow::{anyhow, bail, Result};
use iceberg::spec::Schema;
use serde_json::{json, Map, Value as Json};
use serde_yaml_ng::Value as Yaml;

use crate::error::FloeError;

/// Read a schema file (YAML or JSON).
pub fn load(path: &std::path::Path) -> Result<Schema> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        FloeError::invalid(format!("cannot read schema file {}: {e}", path.display()))
    })?;
    parse(&text).map_err(|e| {
        FloeError::invalid(format!(
            "schema file {} is not valid: {e:#}",
            path.display()
        ))
        .with_hint("see `floe create --help` for the schema file format")
        .into()
    })
}

/// Parse schema text. Iceberg's JSON form (fields carry `id`) is taken as is.
pub fn parse(text: &str) -> Result<Schema> {
    let doc: Yaml = serde_yaml_ng::from_str(text)?;
    let json = yaml_to_json(&doc)?;
    let fields = match &json {
        Json::Object(map) => map
            .get("fields")
            .or_else(|| map.get("columns"))
            .ok_or_else(|| anyhow!("expected a top-level `fields:` list"))?,
        Json::Array(_) => &json,
        _ => bail!("expected a mapping with `fields:` or a list of fields"),
    };
    let fields = fields
        .as_array()
        .ok_or_else(|| anyhow!("`fields` must be a list"))?;
    let is_iceberg = fields.iter().all(|f| f.get("id").is_some()) && !fields.is_empty();
    if is_iceberg {
        return Ok(serde_json::from_value::<Schema>(json)?);
    }
    let mut next_id = 0;
    let converted = convert_fields(fields, &mut next_id, "")?;
    let schema_json = json!({"type": "struct", "schema-id": 0, "fields": converted});
    Ok(serde_json::from_value::<Schema>(schema_json)?)
}

fn yaml_to_json(value: &Yaml) -> Result<Json> {
    Ok(serde_json::to_value(value)?)
}

fn convert_fields(fields: &[Json], next_id: &mut i32, path: &str) -> Result<Vec<Json>> {
    if fields.is_empty() {
        bail!(
            "{} has no fields",
            if path.is_empty() { "the schema" } else { path }
        );
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = vec![];
    for field in fields {
        let obj = field
            .as_object()
            .ok_or_else(|| anyhow!("each field must be a mapping with name and type"))?;
        let name = obj
            .get("name")
            .and_then(Json::as_str)
            .ok_or_else(|| anyhow!("a field{} has no `name`", at(path)))?;
        let full = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        if !seen.insert(name.to_string()) {
            bail!("field '{full}' appears twice");
        }
        let ty = obj
            .get("type")
            .ok_or_else(|| anyhow!("field '{full}' has no `type`"))?;
        *next_id += 1;
        let id = *next_id;
        let mut f = Map::new();
        f.insert("id".into(), json!(id));
        f.insert("name".into(), json!(name));
        f.insert("required".into(), json!(required(obj, &full)?));
        f.insert("type".into(), convert_type(ty, next_id, &full)?);
        if let Some(doc) = obj.get("doc").or_else(|| obj.get("comment")) {
            f.insert(
                "doc".into(),
                json!(doc
                    .as_str()
                    .ok_or_else(|| anyhow!("doc of '{full}' must be text"))?),
            );
        }
        out.push(Json::Object(f));
    }
    Ok(out)
}

fn at(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" in '{path}'")
    }
}

fn required(obj: &Map<String, Json>, full: &str) -> Result<bool> {
    match (obj.get("required"), obj.get("nullable")) {
        (Some(r), _) => r
            .as_bool()
            .ok_or_else(|| anyhow!("`required` of '{full}' must be true or false")),
        (None, Some(n)) => Ok(!n
            .as_bool()
            .ok_or_else(|| anyhow!("`nullable` of '{full}' must be true or false"))?),
        (None, None) => Ok(false),
    }
}

/// A primitive type name in Iceberg's spelling, accepting common aliases.
pub fn primitive_name(text: &str) -> Option<String> {
    let t = text.trim().to_ascii_lowercase().replace(' ', "");
    let name = match t.as_str() {
        "boolean" | "bool" => "boolean",
        "int" | "integer" | "int32" | "smallint" | "tinyint" => "int",
        "long" | "bigint" | "int64" => "long",
        "float" | "float32" | "real" => "float",
        "double" | "float64" => "double",
        "date" => "date",
        "time" => "time",
        "timestamp" | "timestamp_ntz" => "timestamp",
        "timestamptz" | "timestamp_tz" | "timestamp_ltz" => "timestamptz",
        "timestamp_ns" => "timestamp_ns",
        "timestamptz_ns" => "timestamptz_ns",
        "string" | "varchar" | "text" | "str" => "string",
        "uuid" => "uuid",
        "binary" | "bytes" | "blob" => "binary",
        _ => {
            if let Some(inner) = t.strip_prefix("decimal(").and_then(|s| s.strip_suffix(')')) {
                let (p, s) = inner.split_once(',')?;
                let (p, s): (u32, u32) = (p.parse().ok()?, s.parse().ok()?);
                if p == 0 || p > 38 || s > p {
                    return None;
                }
                return Some(format!("decimal({p},{s})"));
            }
            let fixed = t
                .strip_prefix("fixed[")
                .and_then(|s| s.strip_suffix(']'))
                .or_else(|| t.strip_prefix("fixed(").and_then(|s| s.strip_suffix(')')));
            if let Some(n) = fixed {
                let n: u64 = n.parse().ok()?;
                return Some(format!("fixed[{n}]"));
            }
            return None;
        }
    };
    Some(name.to_string())
}

fn convert_type(ty: &Json, next_id: &mut i32, full: &str) -> Result<Json> {
    match ty {
        Json::String(s) => primitive_name(s).map(Json::String).ok_or_else(|| {
            anyhow!("field '{full}' has unknown type '{s}' (boolean, int, long, float, double, decimal(P,S), date, time, timestamp, timestamptz, string, uuid, fixed[N], binary, or a struct/list/map mapping)")
        }),
        Json::Object(obj) => {
            let kind = obj.get("type").and_then(Json::as_str).ok_or_else(|| anyhow!("nested type of '{full}' needs `type: struct|list|map`"))?;
            match kind {
                "struct" => {
                    let fields = obj.get("fields").and_then(Json::as_array).ok_or_else(|| anyhow!("struct '{full}' needs `fields`"))?;
                    Ok(json!({"type": "struct", "fields": convert_fields(fields, next_id, full)?}))
                }
                "list" => {
                    let element = obj.get("element").ok_or_else(|| anyhow!("list '{full}' needs `element`"))?;
                    *next_id += 1;
                    let element_id = *next_id;
                    let element_required = obj.get("element-required").and_then(Json::as_bool).unwrap_or(false);
                    Ok(json!({
                        "type": "list",
                        "element-id": element_id,
                        "element": convert_type(element, next_id, &format!("{full}.element"))?,
                        "element-required": element_required,
                    }))
                }
                "map" => {
                    let key = obj.get("key").ok_or_else(|| anyhow!("map '{full}' needs `key`"))?;
                    let value = obj.get("value").ok_or_else(|| anyhow!("map '{full}' needs `value`"))?;
                    *next_id += 1;
                    let key_id = *next_id;
                    *next_id += 1;
                    let value_id = *next_id;
                    let value_required = obj.get("value-required").and_then(Json::as_bool).unwrap_or(false);
                    Ok(json!({
                        "type": "map",
                        "key-id": key_id,
                        "key": convert_type(key, next_id, &format!("{full}.key"))?,
                        "value-id": value_id,
                        "value": convert_type(value, next_id, &format!("{full}.value"))?,
                        "value-required": value_required,
                    }))
                }
                other => {
                    // `{type: long}` spelled as a mapping.
                    primitive_name(other).map(Json::String).ok_or_else(|| anyhow!("field '{full}' has unknown type '{other}'"))
                }
            }
        }
        _ => bail!("field '{full}' has a type that is neither a name nor a mapping"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iceberg::spec::{PrimitiveType, Type};

    #[test]
    fn parses_friendly_yaml_with_nesting() {
        let schema = parse(
            r#"
fields:
  - {name: id, type: long, required: true, doc: "row id"}
  - {name: ts, type: timestamptz}
  - {name: price, type: "decimal(10, 2)"}
  - name: tags
    type: {type: list, element: string}
  - name: attrs
    type: {type: map, key: string, value: int}
  - name: address
    type:
      type: struct
      fields:
        - {name: city, type: string}
        - {name: zip, type: int, required: true}
"#,
        )
        .unwrap();
        let id = schema.field_by_name("id").unwrap();
        assert!(id.required);
        assert_eq!(id.doc.as_deref(), Some("row id"));
        assert_eq!(
            *schema.field_by_name("price").unwrap().field_type,
            Type::Primitive(PrimitiveType::Decimal {
                precision: 10,
                scale: 2
            })
        );
        assert!(schema.field_by_name("address.zip").unwrap().required);
        assert!(matches!(
            *schema.field_by_name("tags").unwrap().field_type,
            Type::List(_)
        ));
        assert!(matches!(
            *schema.field_by_name("attrs").unwrap().field_type,
            Type::Map(_)
        ));
    }

    #[test]
    fn accepts_iceberg_schema_json() {
        let schema = parse(r#"{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"a","required":true,"type":"long"},{"id":2,"name":"b","required":false,"type":"string"}]}"#).unwrap();
        assert_eq!(schema.field_by_name("b").unwrap().id, 2);
    }

    #[test]
    fn rejects_bad_types_and_duplicates() {
        assert!(
            format!("{:#}", parse("fields: [{name: a, type: lng}]").unwrap_err())
                .contains("unknown type 'lng'")
        );
        assert!(format!(
            "{:#}",
            parse("fields: [{name: a, type: long}, {name: a, type: int}]").unwrap_err()
        )
        .contains("twice"));
        assert!(parse("fields: [{name: a, type: \"decimal(40,2)\"}]").is_err());
    }
}
