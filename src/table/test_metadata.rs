//! Table metadata for the table layer's unit tests: a new table of one `id` column.

use iceberg::spec::{NestedField, PrimitiveType, Schema, TableMetadata, Type};

/// A new table at `location` whose schema is one required `long` column, `id`.
pub(crate) fn one_column_table(location: &str) -> TableMetadata {
    let schema = Schema::builder()
        .with_fields(vec![NestedField::required(
            1,
            "id",
            Type::Primitive(PrimitiveType::Long),
        )
        .into()])
        .build()
        .expect("a one-column schema");
    let creation = iceberg::TableCreation::builder()
        .name("t".into())
        .location(location.into())
        .schema(schema)
        .build();
    iceberg::spec::TableMetadataBuilder::from_table_creation(creation)
        .expect("a new table's metadata")
        .build()
        .expect("a new table's metadata")
        .metadata
}
