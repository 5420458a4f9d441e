//! Format v3 types floe cannot handle yet (`variant`, `geometry`, `geography`, `unknown`),
//! found in table metadata that iceberg 0.10's parser refuses: the error then names the column
//! and its type rather than a serde message about an unknown variant.

use serde_json::Value;

/// Type names (or prefixes, for the parameterized geospatial types) floe cannot read.
const UNSUPPORTED: &[&str] = &["variant", "geometry", "geography", "unknown"];

fn unsupported(type_name: &str) -> bool {
    let name = type_name.trim().to_ascii_lowercase();
    UNSUPPORTED
        .iter()
        .any(|t| name == *t || name.starts_with(&format!("{t}(")))
}

/// The first column (dotted path) of any schema in `metadata` whose type floe cannot read,
/// with that type.
pub fn find_unsupported_column(metadata: &Value) -> Option<(String, String)> {
    let schemas = metadata.get("schemas").and_then(Value::as_array);
    let single = metadata.get("schema").into_iter();
    for schema in schemas.into_iter().flatten().chain(single) {
        if let Some(found) = in_struct(schema, "") {
            return Some(found);
        }
    }
    None
}

fn in_struct(ty: &Value, prefix: &str) -> Option<(String, String)> {
    for field in ty
        .get("fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = field.get("name").and_then(Value::as_str).unwrap_or("?");
        let path = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        };
        if let Some(found) = field.get("type").and_then(|t| in_type(t, &path)) {
            return Some(found);
        }
    }
    None
}

fn in_type(ty: &Value, path: &str) -> Option<(String, String)> {
    match ty {
        Value::String(name) if unsupported(name) => Some((path.to_string(), name.clone())),
        Value::Object(_) => match ty.get("type").and_then(Value::as_str) {
            Some("struct") => in_struct(ty, path),
            Some("list") => ty
                .get("element")
                .and_then(|e| in_type(e, &format!("{path}.element"))),
            Some("map") => ty
                .get("key")
                .and_then(|k| in_type(k, &format!("{path}.key")))
                .or_else(|| {
                    ty.get("value")
                        .and_then(|v| in_type(v, &format!("{path}.value")))
                }),
            _ => None,
        },
        _ => None,
    }
}

/// The error for metadata at `location` that holds such a column.
pub fn unsupported_column_error(location: &str, column: &str, type_name: &str) -> anyhow::Error {
    crate::error::FloeError::invalid(format!(
        "column {column} of the table at {location} has type {type_name}, which floe cannot read or write yet; floe leaves the table unchanged"
    ))
    .with_hint("read this table with an engine that supports the type, or drop the column there")
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_unsupported_types_wherever_they_nest() {
        let metadata = serde_json::json!({
            "schemas": [{"type": "struct", "fields": [
                {"id": 1, "name": "id", "type": "long"},
                {"id": 2, "name": "shape", "type": {"type": "struct", "fields": [
                    {"id": 3, "name": "points", "type": {"type": "list", "element-id": 4,
                        "element": "geometry(srid:4326)"}}
                ]}}
            ]}]
        });
        assert_eq!(
            find_unsupported_column(&metadata),
            Some(("shape.points.element".into(), "geometry(srid:4326)".into()))
        );
        let plain = serde_json::json!({"schemas": [{"type": "struct", "fields": [
            {"id": 1, "name": "payload", "type": "variant"}]}]});
        assert_eq!(
            find_unsupported_column(&plain),
            Some(("payload".into(), "variant".into()))
        );
        let fine = serde_json::json!({"schemas": [{"type": "struct", "fields": [
            {"id": 1, "name": "ts", "type": "timestamp_ns"}]}]});
        assert_eq!(find_unsupported_column(&fine), None);
    }
}
