//! The Glue `TableInput` of an Iceberg table, written the way Iceberg Java's and PyIceberg's
//! GlueCatalog write it: `table_type=ICEBERG` and the metadata pointers in the parameters, the
//! columns and location in the storage descriptor (so Athena and the Glue console show them),
//! and everything another tool set on the Glue table kept.

use std::collections::HashMap;

use anyhow::Result;
use aws_sdk_glue::types::{Column, StorageDescriptor, Table as GlueTable, TableInput};
use iceberg::spec::{NestedFieldRef, PrimitiveType, TableMetadata, Type};

pub(super) const TABLE_TYPE: &str = "table_type";
pub(super) const ICEBERG: &str = "ICEBERG";
pub(super) const METADATA_LOCATION: &str = "metadata_location";
pub(super) const PREVIOUS_METADATA_LOCATION: &str = "previous_metadata_location";
const EXTERNAL_TABLE: &str = "EXTERNAL_TABLE";

/// Whether a Glue table is an Iceberg table (`table_type` is `ICEBERG`, in any case, as Java
/// and PyIceberg check it).
pub(super) fn is_iceberg(table: &GlueTable) -> bool {
    table_type(table).is_some_and(|t| t.eq_ignore_ascii_case(ICEBERG))
}

pub(super) fn table_type(table: &GlueTable) -> Option<&str> {
    table
        .parameters()
        .and_then(|p| p.get(TABLE_TYPE))
        .map(String::as_str)
}

pub(super) fn metadata_location(table: &GlueTable) -> Option<&str> {
    table
        .parameters()
        .and_then(|p| p.get(METADATA_LOCATION))
        .map(String::as_str)
}

/// The input that makes `name` point at `metadata_location`. `existing` is the Glue table as
/// read before (an update keeps what other tools set on it: parameters, owner, description,
/// the storage descriptor's formats and serde); `previous` is the metadata it pointed at.
pub(super) fn table_input(
    name: &str,
    metadata_location: &str,
    previous: Option<&str>,
    metadata: &TableMetadata,
    existing: Option<&GlueTable>,
) -> Result<TableInput> {
    let mut parameters: HashMap<String, String> = existing
        .and_then(|t| t.parameters().cloned())
        .unwrap_or_default();
    // PyIceberg mirrors the table's properties into the Glue parameters, for tools that only
    // read Glue.
    for (key, value) in metadata.properties() {
        parameters.insert(key.clone(), value.clone());
    }
    parameters.insert(TABLE_TYPE.to_string(), ICEBERG.to_string());
    parameters.insert(METADATA_LOCATION.to_string(), metadata_location.to_string());
    match previous {
        Some(previous) => {
            parameters.insert(PREVIOUS_METADATA_LOCATION.to_string(), previous.to_string());
        }
        None => {
            parameters.remove(PREVIOUS_METADATA_LOCATION);
        }
    }
    let mut descriptor = existing
        .and_then(|t| t.storage_descriptor().cloned())
        .unwrap_or_else(|| StorageDescriptor::builder().build());
    descriptor.columns = Some(columns(metadata)?);
    descriptor.location = Some(metadata.location().to_string());
    // Java takes the description from the `comment` property, PyIceberg from `Description`.
    let description = metadata
        .properties()
        .get("comment")
        .or_else(|| metadata.properties().get("Description"))
        .map(String::as_str)
        .or_else(|| existing.and_then(|t| t.description()));
    let mut input = TableInput::builder()
        .name(name)
        .table_type(EXTERNAL_TABLE)
        .set_parameters(Some(parameters))
        .storage_descriptor(descriptor)
        .set_description(description.map(str::to_string));
    if let Some(existing) = existing {
        input = input
            .set_owner(existing.owner().map(str::to_string))
            .retention(existing.retention())
            .set_target_table(existing.target_table().cloned())
            .set_view_original_text(existing.view_original_text().map(str::to_string))
            .set_view_expanded_text(existing.view_expanded_text().map(str::to_string));
        if !existing.partition_keys().is_empty() {
            input = input.set_partition_keys(Some(existing.partition_keys().to_vec()));
        }
    }
    Ok(input.build()?)
}

/// The same Glue table under another name (a rename is a copy then a delete, Glue having no
/// rename): everything kept, the pointer included.
pub(super) fn renamed_input(name: &str, existing: &GlueTable) -> Result<TableInput> {
    let mut input = TableInput::builder()
        .name(name)
        .set_table_type(existing.table_type().map(str::to_string))
        .set_description(existing.description().map(str::to_string))
        .set_owner(existing.owner().map(str::to_string))
        .retention(existing.retention())
        .set_parameters(existing.parameters().cloned())
        .set_storage_descriptor(existing.storage_descriptor().cloned())
        .set_target_table(existing.target_table().cloned())
        .set_view_original_text(existing.view_original_text().map(str::to_string))
        .set_view_expanded_text(existing.view_expanded_text().map(str::to_string));
    if !existing.partition_keys().is_empty() {
        input = input.set_partition_keys(Some(existing.partition_keys().to_vec()));
    }
    Ok(input.build()?)
}

/// The table's columns as Glue shows them: the current schema's, then those only older schemas
/// have (`iceberg.field.current=false`), each with its field id and optionality, as Java and
/// PyIceberg write them.
fn columns(metadata: &TableMetadata) -> Result<Vec<Column>> {
    let mut out: Vec<Column> = vec![];
    let mut seen: std::collections::HashSet<String> = Default::default();
    let current = metadata.current_schema();
    let mut add = |field: &NestedFieldRef, current: bool| -> Result<()> {
        if !seen.insert(field.name.clone()) {
            return Ok(());
        }
        let parameters = HashMap::from([
            ("iceberg.field.id".to_string(), field.id.to_string()),
            (
                "iceberg.field.optional".to_string(),
                (!field.required).to_string(),
            ),
            ("iceberg.field.current".to_string(), current.to_string()),
        ]);
        out.push(
            Column::builder()
                .name(field.name.clone())
                .r#type(glue_type(&field.field_type))
                .set_comment(field.doc.clone())
                .set_parameters(Some(parameters))
                .build()?,
        );
        Ok(())
    };
    for field in current.as_struct().fields() {
        add(field, true)?;
    }
    let mut older: Vec<_> = metadata
        .schemas_iter()
        .filter(|s| s.schema_id() != current.schema_id())
        .collect();
    older.sort_by_key(|s| s.schema_id());
    for schema in older {
        for field in schema.as_struct().fields() {
            add(field, false)?;
        }
    }
    Ok(out)
}

/// Hive's type names for an Iceberg type, as PyIceberg's `_IcebergSchemaToGlueType` spells them.
fn glue_type(ty: &Type) -> String {
    match ty {
        Type::Primitive(p) => match p {
            PrimitiveType::Boolean => "boolean".into(),
            PrimitiveType::Int => "int".into(),
            PrimitiveType::Long => "bigint".into(),
            PrimitiveType::Float => "float".into(),
            PrimitiveType::Double => "double".into(),
            PrimitiveType::Decimal { precision, scale } => format!("decimal({precision},{scale})"),
            PrimitiveType::Date => "date".into(),
            PrimitiveType::Time | PrimitiveType::String | PrimitiveType::Uuid => "string".into(),
            PrimitiveType::Timestamp
            | PrimitiveType::Timestamptz
            | PrimitiveType::TimestampNs
            | PrimitiveType::TimestamptzNs => "timestamp".into(),
            PrimitiveType::Fixed(_) | PrimitiveType::Binary => "binary".into(),
        },
        Type::Struct(s) => format!(
            "struct<{}>",
            s.fields()
                .iter()
                .map(|f| format!("{}:{}", f.name, glue_type(&f.field_type)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        Type::List(l) => format!("array<{}>", glue_type(&l.element_field.field_type)),
        Type::Map(m) => format!(
            "map<{},{}>",
            glue_type(&m.key_field.field_type),
            glue_type(&m.value_field.field_type)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iceberg::spec::{ListType, MapType, NestedField, StructType};

    #[test]
    fn types_are_spelled_as_hive_spells_them() {
        let nested = Type::Struct(StructType::new(vec![
            NestedField::optional(3, "a", Type::Primitive(PrimitiveType::Long)).into(),
            NestedField::optional(
                4,
                "b",
                Type::List(ListType::new(
                    NestedField::list_element(5, Type::Primitive(PrimitiveType::String), false)
                        .into(),
                )),
            )
            .into(),
        ]));
        assert_eq!(glue_type(&nested), "struct<a:bigint,b:array<string>>");
        let map = Type::Map(MapType::new(
            NestedField::map_key_element(6, Type::Primitive(PrimitiveType::String)).into(),
            NestedField::map_value_element(
                7,
                Type::Primitive(PrimitiveType::Decimal {
                    precision: 10,
                    scale: 2,
                }),
                false,
            )
            .into(),
        ));
        assert_eq!(glue_type(&map), "map<string,decimal(10,2)>");
        assert_eq!(
            glue_type(&Type::Primitive(PrimitiveType::Timestamptz)),
            "timestamp"
        );
    }
}
