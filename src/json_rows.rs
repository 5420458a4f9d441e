//! How result rows become JSON values: decimals as strings (no float rounding), binary as
//! base64, timestamps as RFC 3339 strings. Used for stdout and for exported files alike.

use std::sync::Arc;

use anyhow::Result;
use arrow::array::{ArrayRef, AsArray, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema};
use base64::Engine;

/// Make a batch JSON-friendly: decimals as strings (no float rounding), binary as base64,
/// timestamps as RFC 3339 strings.
pub fn json_ready(batch: &RecordBatch) -> Result<RecordBatch> {
    let mut fields = vec![];
    let mut columns: Vec<ArrayRef> = vec![];
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        let converted: ArrayRef = match field.data_type() {
            DataType::Decimal128(_, _) | DataType::Decimal256(_, _) | DataType::Timestamp(_, _) => {
                cast(column, &DataType::Utf8)?
            }
            DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
            | DataType::FixedSizeBinary(_) => {
                let as_binary = cast(column, &DataType::LargeBinary)?;
                let bytes = as_binary.as_binary::<i64>();
                let engine = base64::engine::general_purpose::STANDARD;
                Arc::new(StringArray::from_iter(
                    bytes.iter().map(|v| v.map(|b| engine.encode(b))),
                ))
            }
            _ => column.clone(),
        };
        fields.push(Field::new(
            field.name(),
            converted.data_type().clone(),
            field.is_nullable(),
        ));
        columns.push(converted);
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}
