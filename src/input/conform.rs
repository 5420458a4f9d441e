//! Conforming input batches to a table's schema: columns matched by name, safe casts only
//! (int into long, float into double, text parsed), required columns checked; every error
//! names the file, row or line, column and value.

use std::sync::Arc;

use anyhow::Result;
use arrow::array::{new_null_array, Array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::compute::{cast_with_options, CastOptions};
use arrow::datatypes::{DataType, Schema as ArrowSchema, SchemaRef, TimeUnit};
use arrow::util::display::{ArrayFormatter, FormatOptions};

use super::read::RawBatch;
use super::{Format, InputFile};
use crate::error::FloeError;

/// Where one table column's values come from.
#[derive(Debug, Clone)]
enum Source {
    Input(usize),
    Nulls,
}

/// A plan to turn one input file's batches into table batches.
#[derive(Debug, Clone)]
pub struct Conformer {
    target: SchemaRef,
    sources: Vec<Source>,
    location: String,
    format: Format,
}

fn names_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn strip_dictionary(t: &DataType) -> &DataType {
    match t {
        DataType::Dictionary(_, v) => v.as_ref(),
        other => other,
    }
}

/// Whether a typed input column may be written into a table column of type `to` without
/// losing information Iceberg would keep (the type-promotion rules, plus same-kind encodings).
fn is_safe_cast(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    let from = strip_dictionary(from);
    if from == to || matches!(from, Null) {
        return true;
    }
    match (from, to) {
        (Int8 | Int16 | Int32 | UInt8 | UInt16, Int32 | Int64) => true,
        (Int64 | UInt32, Int64) => true,
        (Float16 | Float32, Float32 | Float64) | (Float64, Float64) => true,
        (Decimal128(p1, s1), Decimal128(p2, s2)) => s1 == s2 && p1 <= p2,
        (Utf8 | LargeUtf8 | Utf8View, Utf8 | LargeUtf8) => true,
        (Binary | LargeBinary | BinaryView | FixedSizeBinary(_), Binary | LargeBinary) => true,
        (Date32 | Date64, Date32) => true,
        // Nanosecond timestamps (pandas' default) are kept at microseconds, as Iceberg v2 stores.
        (Timestamp(_, tz1), Timestamp(TimeUnit::Microsecond, tz2)) => {
            tz1.is_some() == tz2.is_some()
        }
        (Time32(_) | Time64(_), Time64(TimeUnit::Microsecond)) => true,
        (List(a) | LargeList(a), List(b) | LargeList(b)) => {
            is_safe_cast(a.data_type(), b.data_type())
                || arrow::compute::can_cast_types(a.data_type(), b.data_type())
        }
        // Struct fields match by name, as columns do: the input may lack optional fields but
        // may not carry fields the table does not have. Values inside are checked one by one
        // by the strict cast (writers such as pyarrow type every nested integer as int64).
        (Struct(a), Struct(b)) => a.iter().all(|f| {
            b.iter()
                .find(|t| t.name().eq_ignore_ascii_case(f.name()))
                .is_some_and(|t| {
                    is_safe_cast(f.data_type(), t.data_type())
                        || arrow::compute::can_cast_types(f.data_type(), t.data_type())
                })
        }),
        (Map(_, _), Map(_, _)) => arrow::compute::can_cast_types(from, to),
        _ => false,
    }
}

fn type_name(t: &DataType) -> String {
    format!("{t}")
}

impl Conformer {
    /// Plan the mapping of `input` columns onto `target` (the table's Arrow schema).
    pub fn new(target: SchemaRef, input: &ArrowSchema, file: &InputFile) -> Result<Self> {
        let input_names: Vec<String> = input.fields().iter().map(|f| f.name().clone()).collect();
        let find = |name: &str| {
            input_names.iter().position(|n| n == name).or_else(|| {
                input_names
                    .iter()
                    .position(|n| n.eq_ignore_ascii_case(name))
            })
        };
        let mut sources = vec![];
        let mut missing_required = vec![];
        let mut used = vec![false; input_names.len()];
        for field in target.fields() {
            match find(field.name()) {
                Some(i) => {
                    used[i] = true;
                    sources.push(Source::Input(i));
                }
                None => {
                    if !field.is_nullable() {
                        missing_required.push(field.name().clone());
                    }
                    sources.push(Source::Nulls);
                }
            }
        }
        let unknown: Vec<String> = input_names
            .iter()
            .zip(&used)
            .filter(|(_, used)| !**used)
            .map(|(n, _)| n.clone())
            .collect();
        if !unknown.is_empty() || !missing_required.is_empty() {
            let mut parts = vec![];
            if !missing_required.is_empty() {
                parts.push(format!(
                    "missing required column(s) {}",
                    names_list(&missing_required)
                ));
            }
            if !unknown.is_empty() {
                parts.push(format!(
                    "column(s) {} not in the table",
                    names_list(&unknown)
                ));
            }
            let mut err = FloeError::invalid(format!(
                "{} does not match the table schema: {}",
                file.location,
                parts.join("; ")
            ));
            if !unknown.is_empty() {
                let table_names: Vec<String> =
                    target.fields().iter().map(|f| f.name().clone()).collect();
                err = err.with_hint(format!(
                    "the table's columns are {}; add new columns with schema evolution first",
                    names_list(&table_names)
                ));
            }
            return Err(err.into());
        }
        // Typed inputs must convert safely; text (CSV) is parsed row by row later.
        if file.format != Format::Csv {
            for (field, source) in target.fields().iter().zip(&sources) {
                if let Source::Input(i) = source {
                    let from = input.field(*i).data_type();
                    if !is_safe_cast(from, field.data_type()) {
                        return Err(FloeError::invalid(format!(
                            "{}: column '{}' is {} in the file but {} in the table, and cannot be converted without loss",
                            file.location,
                            field.name(),
                            type_name(from),
                            type_name(field.data_type())
                        ))
                        .into());
                    }
                }
            }
        }
        Ok(Conformer {
            target,
            sources,
            location: file.location.clone(),
            format: file.format,
        })
    }

    /// Where a row is, in the words a user can find it with.
    fn row_position(&self, row: u64) -> String {
        match self.format {
            // Line 1 is the header.
            Format::Csv => format!("line {}", row + 2),
            Format::Json => format!("line {}", row + 1),
            Format::Parquet => format!("row {}", row + 1),
        }
    }

    /// Convert one raw batch into the table's schema.
    pub fn apply(&self, raw: RawBatch) -> Result<RecordBatch> {
        let RawBatch { batch, first_row } = raw;
        let rows = batch.num_rows();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.target.fields().len());
        for (field, source) in self.target.fields().iter().zip(&self.sources) {
            let column = match source {
                Source::Nulls => new_null_array(field.data_type(), rows),
                Source::Input(i) => {
                    self.convert(batch.column(*i), field.name(), field.data_type(), first_row)?
                }
            };
            if !field.is_nullable() && column.null_count() > 0 {
                let row = (0..rows).find(|r| column.is_null(*r)).unwrap_or(0) as u64;
                return Err(FloeError::invalid(format!(
                    "{}: {}: column '{}' is required but has no value",
                    self.location,
                    self.row_position(first_row + row),
                    field.name()
                ))
                .into());
            }
            columns.push(column);
        }
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        Ok(RecordBatch::try_new_with_options(
            self.target.clone(),
            columns,
            &options,
        )?)
    }

    fn convert(
        &self,
        array: &ArrayRef,
        name: &str,
        to: &DataType,
        first_row: u64,
    ) -> Result<ArrayRef> {
        if array.data_type() == to {
            return Ok(array.clone());
        }
        let aligned = crate::struct_fill::fill_struct_fields(array, to)
            .map_err(|e| FloeError::invalid(format!("{}: column '{name}' {e}", self.location)))?;
        let array = &aligned;
        let strict = CastOptions {
            safe: false,
            format_options: FormatOptions::default(),
        };
        match cast_with_options(array, to, &strict) {
            Ok(converted) => Ok(converted),
            Err(cast_error) => {
                // Find the first value that does not convert, to name it.
                let lenient = CastOptions {
                    safe: true,
                    format_options: FormatOptions::default(),
                };
                let converted = cast_with_options(array, to, &lenient);
                let bad_row = converted
                    .ok()
                    .and_then(|c| (0..array.len()).find(|r| !array.is_null(*r) && c.is_null(*r)));
                match bad_row {
                    Some(row) => {
                        let formatter =
                            ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default())?;
                        let value = formatter.value(row).to_string();
                        Err(FloeError::invalid(format!(
                            "{}: {}: column '{name}': cannot read '{value}' as {}",
                            self.location,
                            self.row_position(first_row + row as u64),
                            iceberg_type_word(to)
                        ))
                        .into())
                    }
                    None => Err(FloeError::invalid(format!(
                        "{}: column '{name}' cannot be converted to {}: {cast_error}",
                        self.location,
                        iceberg_type_word(to)
                    ))
                    .into()),
                }
            }
        }
    }
}

/// The Iceberg name of an Arrow type the table uses, for messages.
fn iceberg_type_word(t: &DataType) -> String {
    iceberg::arrow::arrow_type_to_type(t)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| t.to_string())
}

/// A schema with every top-level field nullable (decoders must not fail on a missing value
/// before `Conformer` can report it with its row).
pub fn all_nullable(schema: &ArrowSchema) -> SchemaRef {
    Arc::new(ArrowSchema::new_with_metadata(
        schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_nullable(true))
            .collect::<Vec<_>>(),
        schema.metadata().clone(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_casts_follow_promotion_rules() {
        assert!(is_safe_cast(&DataType::Int32, &DataType::Int64));
        assert!(!is_safe_cast(&DataType::Int64, &DataType::Int32));
        assert!(!is_safe_cast(&DataType::Utf8, &DataType::Int64));
        assert!(is_safe_cast(
            &DataType::Decimal128(10, 2),
            &DataType::Decimal128(12, 2)
        ));
        assert!(!is_safe_cast(
            &DataType::Decimal128(10, 2),
            &DataType::Decimal128(12, 3)
        ));
        assert!(is_safe_cast(
            &DataType::Timestamp(TimeUnit::Nanosecond, None),
            &DataType::Timestamp(TimeUnit::Microsecond, None)
        ));
        assert!(!is_safe_cast(
            &DataType::Timestamp(TimeUnit::Microsecond, None),
            &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        ));
    }
}
