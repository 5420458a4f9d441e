//! Inferring an Iceberg schema from a data file (`create --like`).

use std::sync::Arc;

use anyhow::Result;
use arrow::datatypes::{DataType, Field, Fields, Schema as ArrowSchema, TimeUnit};
use iceberg::spec::Schema;

use super::{read, InputFile};
use crate::error::FloeError;
use crate::table::storage::Stores;

/// The Iceberg schema a file suggests; field ids are assigned fresh.
pub async fn infer_schema(file: &InputFile, stores: &Stores) -> Result<Schema> {
    let arrow = read::file_schema(file, stores).await?;
    let normalized = normalize_schema(&arrow)?;
    iceberg::arrow::arrow_schema_to_schema_auto_assign_ids(&normalized).map_err(|e| {
        FloeError::invalid(format!("cannot derive an Iceberg schema from {}: {}", file.location, e.message())).into()
    })
}

fn normalize_schema(schema: &ArrowSchema) -> Result<ArrowSchema> {
    let fields: Vec<Field> = schema.fields().iter().map(|f| normalize_field(f)).collect::<Result<_>>()?;
    Ok(ArrowSchema::new(fields))
}

/// Strip foreign field ids (fresh ones are assigned) and map Arrow types Iceberg has no
/// direct twin for onto the nearest Iceberg type.
fn normalize_field(field: &Field) -> Result<Field> {
    Ok(Field::new(field.name(), normalize_type(field.data_type(), field.name())?, field.is_nullable()))
}

fn normalize_type(t: &DataType, name: &str) -> Result<DataType> {
    use DataType::*;
    Ok(match t {
        Int8 | Int16 | UInt8 | UInt16 => Int32,
        UInt32 => Int64,
        UInt64 => {
            return Err(FloeError::invalid(format!(
                "column '{name}' is an unsigned 64-bit integer, which Iceberg cannot hold; cast it to a signed type first"
            ))
            .into())
        }
        Float16 => Float32,
        Utf8View | LargeUtf8 => Utf8,
        BinaryView | Binary => LargeBinary,
        Date64 => Date32,
        Timestamp(_, tz) => Timestamp(TimeUnit::Microsecond, tz.as_ref().map(|_| Arc::from("UTC"))),
        Time32(_) | Time64(_) => Time64(TimeUnit::Microsecond),
        Dictionary(_, v) => normalize_type(v, name)?,
        Null => Utf8,
        List(f) | LargeList(f) | ListView(f) | LargeListView(f) => List(Arc::new(normalize_field(f)?)),
        FixedSizeList(f, _) => List(Arc::new(normalize_field(f)?)),
        Struct(fields) => Struct(Fields::from(
            fields.iter().map(|f| normalize_field(f)).collect::<Result<Vec<_>>>()?,
        )),
        Map(f, sorted) => Map(Arc::new(normalize_field(f)?), *sorted),
        other => other.clone(),
    })
}
