//! Inferring an Iceberg schema from a data file (`create --like`).

use std::sync::Arc;

use anyhow::Result;
use arrow::datatypes::{DataType, Field, Fields, Schema as ArrowSchema, TimeUnit};
use iceberg::spec::Schema;

use super::{read, InputFile};
use crate::error::FloeError;
use crate::table::Stores;

/// The Iceberg schema a file suggests; field ids are assigned fresh.
pub async fn infer_schema(file: &InputFile, stores: &Stores) -> Result<Schema> {
    let arrow = read::file_schema(file, stores).await?;
    let mut normalized = normalize_schema(&arrow)?;
    if file.format != super::Format::Parquet {
        normalized = refine_text_types(normalized, file, stores).await?;
    }
    iceberg::arrow::arrow_schema_to_schema_auto_assign_ids(&normalized).map_err(|e| {
        FloeError::invalid(format!(
            "cannot derive an Iceberg schema from {}: {}",
            file.location,
            e.message()
        ))
        .into()
    })
}

/// Types arrow's text inference leaves open, settled from sampled values: timestamps written
/// with a zone (`...Z`, `+02:00`) are instants (`timestamptz`, as Spark and PyIceberg type
/// them), and JSON strings that are all timestamps or dates become those types.
async fn refine_text_types(
    schema: ArrowSchema,
    file: &InputFile,
    stores: &Stores,
) -> Result<ArrowSchema> {
    let candidates: Vec<String> = schema
        .fields()
        .iter()
        .filter(|f| matches!(f.data_type(), DataType::Timestamp(_, None) | DataType::Utf8))
        .map(|f| f.name().clone())
        .collect();
    if candidates.is_empty() {
        return Ok(schema);
    }
    let samples = read::text_samples(file, stores, &candidates, 1000).await?;
    let all = |name: &str, test: &dyn Fn(&str) -> bool| {
        samples
            .get(name)
            .is_some_and(|values| !values.is_empty() && values.iter().all(|v| test(v)))
    };
    let micros = TimeUnit::Microsecond;
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            let name = f.name();
            let refined = match f.data_type() {
                DataType::Timestamp(_, None) if all(name, &has_zone) => {
                    Some(DataType::Timestamp(micros, Some(Arc::from("UTC"))))
                }
                DataType::Utf8 if all(name, &|v| has_zone(v) && is_timestamp(v)) => {
                    Some(DataType::Timestamp(micros, Some(Arc::from("UTC"))))
                }
                DataType::Utf8 if all(name, &is_timestamp) => {
                    Some(DataType::Timestamp(micros, None))
                }
                DataType::Utf8
                    if all(name, &|v| {
                        chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
                    }) =>
                {
                    Some(DataType::Date32)
                }
                _ => None,
            };
            match refined {
                Some(t) => f.as_ref().clone().with_data_type(t),
                None => f.as_ref().clone(),
            }
        })
        .collect();
    Ok(ArrowSchema::new(fields))
}

/// An ISO-8601 date-time, with or without a zone.
fn is_timestamp(value: &str) -> bool {
    let v = value.trim();
    chrono::DateTime::parse_from_rfc3339(v).is_ok()
        || chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
        || chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S%.f").is_ok()
}

fn has_zone(value: &str) -> bool {
    let v = value.trim();
    if v.ends_with('Z') || v.ends_with('z') {
        return true;
    }
    // A trailing +hh:mm, -hh:mm, +hhmm or +hh after the time part.
    let tail: String = v
        .chars()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let sign = tail.rfind(['+', '-']);
    match sign {
        Some(i) => {
            let offset = &tail[i + 1..];
            let digits: String = offset.chars().filter(|c| *c != ':').collect();
            (digits.len() == 2 || digits.len() == 4)
                && digits.chars().all(|c| c.is_ascii_digit())
                && v.contains(['T', ' '])
        }
        None => false,
    }
}

fn normalize_schema(schema: &ArrowSchema) -> Result<ArrowSchema> {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| normalize_field(f))
        .collect::<Result<_>>()?;
    Ok(ArrowSchema::new(fields))
}

/// Strip foreign field ids (fresh ones are assigned) and map Arrow types Iceberg has no
/// direct twin for onto the nearest Iceberg type.
fn normalize_field(field: &Field) -> Result<Field> {
    Ok(Field::new(
        field.name(),
        normalize_type(field.data_type(), field.name())?,
        field.is_nullable(),
    ))
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

#[cfg(test)]
mod tests {
    use super::has_zone;

    #[test]
    fn recognises_zoned_timestamps() {
        assert!(has_zone("2024-01-01T00:00:00Z"));
        assert!(has_zone("2024-01-01T00:00:00+02:00"));
        assert!(has_zone("2024-01-01 00:00:00-0530"));
        assert!(!has_zone("2024-01-01T00:00:00"));
        assert!(!has_zone("2024-01-01"));
        assert!(super::is_timestamp("2024-01-01T00:00:00Z"));
        assert!(super::is_timestamp("2024-01-01 10:00:00.5"));
        assert!(!super::is_timestamp("yesterday"));
    }
}
