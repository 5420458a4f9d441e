//! An existing Parquet file seen through a table's schema: which table column each of its
//! leaf columns is (matched by name, types checked), and the metrics a manifest records for it
//! (sizes, value and null counts, bounds) read from the footer. Used when a file floe did not
//! write becomes a data file (`add-files`). Bounds are recorded only when every row group
//! proves them; a bound that is missing or cannot be trusted is left out, never guessed.

use std::collections::HashMap;

use anyhow::Result;
use arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use iceberg::spec::{Datum, NestedField, PrimitiveType, Schema, StructType, Type};
use parquet::arrow::PARQUET_FIELD_ID_META_KEY;
use parquet::basic::{LogicalType, Type as PhysicalType};
use parquet::file::metadata::ParquetMetaData;
use parquet::file::statistics::Statistics;

use crate::error::FloeError;

/// One leaf column of the file and the table column it is.
#[derive(Debug, Clone)]
pub struct Leaf {
    pub field_id: i32,
    /// The table's dotted name of the column (for messages).
    pub name: String,
    pub table_type: PrimitiveType,
    /// Whether bounds may be kept: not inside a list or map, whose values Iceberg does not
    /// bound per file.
    pub bounded: bool,
}

/// How a file's columns line up with the table's.
#[derive(Debug, Clone)]
pub struct FileColumns {
    /// One per Parquet leaf column, in the file's column order.
    pub leaves: Vec<Leaf>,
    /// Whether the file carries Parquet field ids (all of them agree with the table's).
    pub has_field_ids: bool,
    /// Every column of the file by its dotted name (list elements as `element`, map entries as
    /// `key`/`value`, as a name mapping spells them) with the table's field id.
    pub names: Vec<(Vec<String>, i32)>,
    /// Required table columns the file declares optional: (name, leaf column indexes). They
    /// are accepted only when the footer proves they hold no nulls.
    pub must_be_non_null: Vec<(String, Vec<usize>)>,
}

/// Match a file's schema to the table's by name: every file column must be a table column
/// of a compatible type, every required table column must be in the file, and field ids the
/// file carries must be the table's.
pub fn match_columns(
    location: &str,
    schema: &Schema,
    metadata: &ParquetMetaData,
) -> Result<FileColumns> {
    let descr = metadata.file_metadata().schema_descr();
    // The file's own Parquet schema (not an embedded Arrow schema hint): what readers see.
    let arrow = parquet::arrow::parquet_to_arrow_schema(descr, None)
        .map_err(|e| FloeError::invalid(format!("cannot read the schema of {location}: {e}")))?;
    let mut walk = Walk {
        location,
        metadata,
        leaves: vec![],
        names: vec![],
        with_ids: 0,
        without_ids: 0,
        must_be_non_null: vec![],
    };
    walk.structure(arrow.fields(), schema.as_struct(), &[], false)?;
    if walk.leaves.len() != descr.num_columns() {
        return Err(FloeError::invalid(format!(
            "cannot line up the {} Parquet columns of {location} with its schema",
            descr.num_columns()
        ))
        .into());
    }
    if walk.with_ids > 0 && walk.without_ids > 0 {
        return Err(FloeError::invalid(format!(
            "{location} carries Parquet field ids on some columns but not on others"
        ))
        .into());
    }
    Ok(FileColumns {
        leaves: walk.leaves,
        has_field_ids: walk.with_ids > 0,
        names: walk.names,
        must_be_non_null: walk.must_be_non_null,
    })
}

struct Walk<'a> {
    location: &'a str,
    metadata: &'a ParquetMetaData,
    leaves: Vec<Leaf>,
    names: Vec<(Vec<String>, i32)>,
    with_ids: usize,
    without_ids: usize,
    must_be_non_null: Vec<(String, Vec<usize>)>,
}

impl Walk<'_> {
    fn refuse(&self, message: String) -> anyhow::Error {
        FloeError::invalid(format!("{}: {message}", self.location))
            .with_hint("add-files registers files as they are; to convert them, load them with `floe ingest`")
            .into()
    }

    fn structure(
        &mut self,
        fields: &Fields,
        table: &StructType,
        path: &[String],
        repeated: bool,
    ) -> Result<()> {
        for field in fields {
            let Some(column) = table.field_by_name(field.name()) else {
                return Err(self.refuse(format!(
                    "column {} is not in the table",
                    dotted(path, field.name())
                )));
            };
            self.field(field, column, path, repeated)?;
        }
        for column in table.fields() {
            if column.required && !fields.iter().any(|f| f.name() == &column.name) {
                return Err(self.refuse(format!(
                    "required column {} is missing",
                    dotted(path, &column.name)
                )));
            }
        }
        Ok(())
    }

    /// `file` against `column`, which `parent` names the container of.
    fn field(
        &mut self,
        file: &Field,
        column: &NestedField,
        parent: &[String],
        repeated: bool,
    ) -> Result<()> {
        let mut path = parent.to_vec();
        path.push(column.name.clone());
        let display = path.join(".");
        match file
            .metadata()
            .get(PARQUET_FIELD_ID_META_KEY)
            .map(|v| v.parse::<i32>())
        {
            Some(Ok(id)) if id == column.id => self.with_ids += 1,
            Some(Ok(id)) => {
                return Err(self.refuse(format!(
                    "column {display} carries Parquet field id {id} but is field {} in the table",
                    column.id
                )))
            }
            Some(Err(_)) => {
                return Err(self.refuse(format!("column {display} has a malformed field id")))
            }
            None => self.without_ids += 1,
        }
        // List elements and map entries are named `element`, `key` and `value` in the table
        // schema, as a name mapping names them, whatever the file calls them.
        self.names.push((path.clone(), column.id));
        let first_leaf = self.leaves.len();
        match (file.data_type(), column.field_type.as_ref()) {
            (DataType::Struct(children), Type::Struct(table)) => {
                self.structure(children, table, &path, repeated)?
            }
            (DataType::List(element) | DataType::LargeList(element), Type::List(list)) => {
                self.field(element, &list.element_field, &path, true)?
            }
            (DataType::Map(entries, _), Type::Map(map)) => {
                let DataType::Struct(kv) = entries.data_type() else {
                    return Err(self.refuse(format!("map column {display} has no entries")));
                };
                if kv.len() != 2 {
                    return Err(self.refuse(format!("map column {display} is malformed")));
                }
                self.field(&kv[0], &map.key_field, &path, true)?;
                self.field(&kv[1], &map.value_field, &path, true)?;
            }
            (data_type, Type::Primitive(primitive))
                if !matches!(
                    data_type,
                    DataType::Struct(_)
                        | DataType::List(_)
                        | DataType::LargeList(_)
                        | DataType::Map(..)
                ) =>
            {
                let index = self.leaves.len();
                if index >= self.metadata.file_metadata().schema_descr().num_columns() {
                    return Err(self.refuse(format!("cannot line up column {display}")));
                }
                let descr = self.metadata.file_metadata().schema_descr().column(index);
                if !compatible(
                    primitive,
                    data_type,
                    descr.physical_type(),
                    descr.logical_type_ref(),
                ) {
                    return Err(self.refuse(format!(
                        "column {display} is {} in the file but {} in the table",
                        describe(data_type, descr.logical_type_ref()),
                        column.field_type
                    )));
                }
                self.leaves.push(Leaf {
                    field_id: column.id,
                    name: display.clone(),
                    table_type: primitive.clone(),
                    bounded: !repeated,
                });
            }
            (data_type, _) => {
                return Err(self.refuse(format!(
                    "column {display} is {} in the file but {} in the table",
                    describe(data_type, None),
                    column.field_type
                )))
            }
        }
        if column.required && file.is_nullable() {
            if repeated {
                return Err(self.refuse(format!(
                    "column {display} is required in the table but optional in the file"
                )));
            }
            self.must_be_non_null
                .push((display, (first_leaf..self.leaves.len()).collect()));
        }
        Ok(())
    }
}

fn dotted(path: &[String], name: &str) -> String {
    let mut all = path.to_vec();
    all.push(name.to_string());
    all.join(".")
}

/// The file type as people read it in a message.
fn describe(data_type: &DataType, logical: Option<&LogicalType>) -> String {
    match (data_type, logical) {
        (DataType::FixedSizeBinary(16), Some(LogicalType::Uuid)) => "uuid".to_string(),
        (DataType::Timestamp(unit, tz), _) => format!(
            "timestamp[{}{}]",
            match unit {
                TimeUnit::Second => "s",
                TimeUnit::Millisecond => "ms",
                TimeUnit::Microsecond => "us",
                TimeUnit::Nanosecond => "ns",
            },
            if tz.is_some() { ", UTC" } else { "" }
        ),
        (other, _) => other.to_string().to_lowercase(),
    }
}

/// Whether a file column of this type reads as the table type in every Iceberg reader: the
/// same type, or int → long and float → double (the promotions Iceberg's readers apply).
fn compatible(
    table: &PrimitiveType,
    file: &DataType,
    physical: PhysicalType,
    logical: Option<&LogicalType>,
) -> bool {
    use PrimitiveType as P;
    let uuid = matches!(logical, Some(LogicalType::Uuid));
    match (table, file) {
        (P::Boolean, DataType::Boolean) => true,
        (P::Int, DataType::Int32) => true,
        (P::Long, DataType::Int64 | DataType::Int32) => true,
        (P::Float, DataType::Float32) => true,
        (P::Double, DataType::Float64 | DataType::Float32) => true,
        (
            P::Decimal { precision, scale },
            DataType::Decimal32(p, s)
            | DataType::Decimal64(p, s)
            | DataType::Decimal128(p, s)
            | DataType::Decimal256(p, s),
        ) => *precision == *p as u32 && *s >= 0 && *scale == *s as u32,
        (P::Date, DataType::Date32) => true,
        (P::Time, DataType::Time64(TimeUnit::Microsecond)) => true,
        (P::Timestamp, DataType::Timestamp(TimeUnit::Microsecond, None)) => true,
        (P::Timestamptz, DataType::Timestamp(TimeUnit::Microsecond, Some(_))) => true,
        (P::TimestampNs, DataType::Timestamp(TimeUnit::Nanosecond, None)) => {
            physical == PhysicalType::INT64
        }
        (P::TimestamptzNs, DataType::Timestamp(TimeUnit::Nanosecond, Some(_))) => {
            physical == PhysicalType::INT64
        }
        (P::String, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => true,
        (P::Binary, DataType::Binary | DataType::LargeBinary | DataType::BinaryView) => !uuid,
        (P::Uuid, DataType::FixedSizeBinary(16)) => uuid,
        (P::Fixed(n), DataType::FixedSizeBinary(m)) => *n == *m as u64 && !uuid,
        _ => false,
    }
}

/// What a manifest records about a file, from its footer.
#[derive(Debug, Clone, Default)]
pub struct FileMetrics {
    pub record_count: u64,
    pub column_sizes: HashMap<i32, u64>,
    pub value_counts: HashMap<i32, u64>,
    pub null_value_counts: HashMap<i32, u64>,
    pub lower_bounds: HashMap<i32, Datum>,
    pub upper_bounds: HashMap<i32, Datum>,
    pub split_offsets: Option<Vec<i64>>,
}

/// A bound being folded over row groups.
#[derive(Debug, Clone)]
enum Fold {
    /// No row group had a value yet.
    Empty,
    Known(Datum),
    /// Some row group's bound is missing or untrustworthy: the file's is unknown.
    Unknown,
}

impl Fold {
    fn add(&mut self, value: Option<Datum>, keep_lower: bool) {
        *self = match (std::mem::replace(self, Fold::Unknown), value) {
            (Fold::Unknown, _) | (_, None) => Fold::Unknown,
            (Fold::Empty, Some(v)) => Fold::Known(v),
            (Fold::Known(a), Some(b)) => {
                let lower = a <= b;
                Fold::Known(if lower == keep_lower { a } else { b })
            }
        }
    }

    fn known(self) -> Option<Datum> {
        match self {
            Fold::Known(d) => Some(d),
            _ => None,
        }
    }
}

/// The metrics of a file whose columns were matched by [`match_columns`].
pub fn file_metrics(columns: &FileColumns, metadata: &ParquetMetaData, size: u64) -> FileMetrics {
    let mut metrics = FileMetrics {
        record_count: metadata.file_metadata().num_rows().max(0) as u64,
        ..Default::default()
    };
    for (index, leaf) in columns.leaves.iter().enumerate() {
        let mut size_sum = 0u64;
        let mut values = 0u64;
        let mut nulls = Some(0u64);
        let mut lower = Fold::Empty;
        let mut upper = Fold::Empty;
        for group in metadata.row_groups() {
            let chunk = group.column(index);
            size_sum += chunk.compressed_size().max(0) as u64;
            let chunk_values = chunk.num_values().max(0) as u64;
            values += chunk_values;
            let stats = chunk.statistics();
            let chunk_nulls = stats.and_then(|s| s.null_count_opt());
            nulls = match (nulls, chunk_nulls) {
                (Some(total), Some(n)) => Some(total + n),
                _ => None,
            };
            if !leaf.bounded {
                continue;
            }
            match chunk_bounds(&leaf.table_type, stats, chunk_values) {
                ChunkBounds::NoValues => {}
                ChunkBounds::Bounds(min, max) => {
                    lower.add(min, true);
                    upper.add(max, false);
                }
            }
        }
        metrics.column_sizes.insert(leaf.field_id, size_sum);
        metrics.value_counts.insert(leaf.field_id, values);
        if let Some(n) = nulls {
            metrics.null_value_counts.insert(leaf.field_id, n);
        }
        if let Some(d) = lower.known() {
            metrics.lower_bounds.insert(leaf.field_id, d);
        }
        if let Some(d) = upper.known() {
            metrics.upper_bounds.insert(leaf.field_id, d);
        }
    }
    metrics.split_offsets = split_offsets(metadata, size);
    metrics
}

/// Whether a file proves that these leaf columns hold no null (their null counts are known
/// and zero in every row group).
pub fn proves_no_nulls(metadata: &ParquetMetaData, leaves: &[usize]) -> bool {
    leaves.iter().all(|&index| {
        metadata.row_groups().iter().all(|group| {
            group
                .column(index)
                .statistics()
                .and_then(|s| s.null_count_opt())
                == Some(0)
        })
    })
}

enum ChunkBounds {
    /// The chunk holds only nulls (or nothing): it bounds nothing.
    NoValues,
    /// Its min and max, each `None` when unknown.
    Bounds(Option<Datum>, Option<Datum>),
}

fn chunk_bounds(ty: &PrimitiveType, stats: Option<&Statistics>, values: u64) -> ChunkBounds {
    let Some(stats) = stats else {
        return if values == 0 {
            ChunkBounds::NoValues
        } else {
            ChunkBounds::Bounds(None, None)
        };
    };
    if stats.min_bytes_opt().is_none() || stats.max_bytes_opt().is_none() {
        // No min/max: fine only when the chunk provably holds nothing but nulls.
        return if stats.null_count_opt() == Some(values) {
            ChunkBounds::NoValues
        } else {
            ChunkBounds::Bounds(None, None)
        };
    }
    // The deprecated min/max fields were written in signed byte order: right for numbers and
    // booleans, wrong for strings, binary and decimals stored as bytes.
    if stats.is_min_max_deprecated()
        && !matches!(
            stats,
            Statistics::Boolean(_)
                | Statistics::Int32(_)
                | Statistics::Int64(_)
                | Statistics::Float(_)
                | Statistics::Double(_)
        )
    {
        return ChunkBounds::Bounds(None, None);
    }
    let min = stats
        .min_is_exact()
        .then(|| stat_datum(ty, stats, false))
        .flatten();
    let max = stats
        .max_is_exact()
        .then(|| stat_datum(ty, stats, true))
        .flatten();
    ChunkBounds::Bounds(min, max)
}

/// A chunk's min (or max) as a value of the table's type; `None` when it cannot be one.
fn stat_datum(ty: &PrimitiveType, stats: &Statistics, max: bool) -> Option<Datum> {
    use PrimitiveType as P;
    macro_rules! pick {
        ($s:expr) => {
            if max {
                $s.max_opt()
            } else {
                $s.min_opt()
            }
        };
    }
    let bytes = || {
        if max {
            stats.max_bytes_opt()
        } else {
            stats.min_bytes_opt()
        }
    };
    match (ty, stats) {
        (P::Boolean, Statistics::Boolean(s)) => pick!(s).map(|v| Datum::bool(*v)),
        (P::Int, Statistics::Int32(s)) => pick!(s).map(|v| Datum::int(*v)),
        (P::Long, Statistics::Int32(s)) => pick!(s).map(|v| Datum::long(*v as i64)),
        (P::Long, Statistics::Int64(s)) => pick!(s).map(|v| Datum::long(*v)),
        (P::Date, Statistics::Int32(s)) => pick!(s).map(|v| Datum::date(*v)),
        (P::Time, Statistics::Int64(s)) => pick!(s).and_then(|v| Datum::time_micros(*v).ok()),
        (P::Timestamp, Statistics::Int64(s)) => pick!(s).map(|v| Datum::timestamp_micros(*v)),
        (P::Timestamptz, Statistics::Int64(s)) => pick!(s).map(|v| Datum::timestamptz_micros(*v)),
        (P::TimestampNs, Statistics::Int64(s)) => pick!(s).map(|v| Datum::timestamp_nanos(*v)),
        (P::TimestamptzNs, Statistics::Int64(s)) => pick!(s).map(|v| Datum::timestamptz_nanos(*v)),
        (P::Float, Statistics::Float(s)) => {
            pick!(s).and_then(|v| float_bound(*v as f64, max).map(|v| Datum::float(v as f32)))
        }
        (P::Double, Statistics::Float(s)) => {
            pick!(s).and_then(|v| float_bound(*v as f64, max).map(Datum::double))
        }
        (P::Double, Statistics::Double(s)) => {
            pick!(s).and_then(|v| float_bound(*v, max).map(Datum::double))
        }
        (P::String, Statistics::ByteArray(_)) => bytes()
            .and_then(|b| std::str::from_utf8(b).ok())
            .map(Datum::string),
        (P::Binary, Statistics::ByteArray(_)) => bytes().map(|b| Datum::binary(b.to_vec())),
        (P::Fixed(n), Statistics::FixedLenByteArray(_)) => bytes()
            .filter(|b| b.len() as u64 == *n)
            .map(|b| Datum::fixed(b.to_vec())),
        (P::Uuid, Statistics::FixedLenByteArray(_)) => bytes()
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
            .map(|b| Datum::uuid(uuid::Uuid::from_bytes(b))),
        (P::Decimal { .. }, Statistics::Int32(s)) => {
            pick!(s).and_then(|v| decimal(ty, &(*v as i128).to_be_bytes()))
        }
        (P::Decimal { .. }, Statistics::Int64(s)) => {
            pick!(s).and_then(|v| decimal(ty, &(*v as i128).to_be_bytes()))
        }
        (P::Decimal { .. }, Statistics::ByteArray(_) | Statistics::FixedLenByteArray(_)) => {
            bytes().and_then(|b| decimal(ty, b))
        }
        _ => None,
    }
}

/// A decimal from big-endian two's-complement bytes (at most 16).
fn decimal(ty: &PrimitiveType, bytes: &[u8]) -> Option<Datum> {
    if bytes.is_empty() || bytes.len() > 16 {
        return None;
    }
    Datum::try_from_bytes(bytes, ty.clone()).ok()
}

/// A float statistic as a bound: NaN bounds nothing; a zero min may stand for -0.0 and a zero
/// max for +0.0 (Parquet's rule), so the bound takes the sign that covers both.
fn float_bound(value: f64, max: bool) -> Option<f64> {
    if value.is_nan() {
        return None;
    }
    if value == 0.0 {
        return Some(if max { 0.0 } else { -0.0 });
    }
    Some(value)
}

/// Where each row group starts, as Iceberg Java computes it (the first column's dictionary
/// page if it has one, else its first data page); left out unless they make sense.
fn split_offsets(metadata: &ParquetMetaData, size: u64) -> Option<Vec<i64>> {
    let mut offsets = Vec::with_capacity(metadata.num_row_groups());
    for group in metadata.row_groups() {
        if group.num_columns() == 0 {
            return None;
        }
        let first = group.column(0);
        let data = first.data_page_offset();
        let start = match first.dictionary_page_offset() {
            Some(dict) if dict > 0 && dict < data => dict,
            _ => data,
        };
        offsets.push(start);
    }
    let sorted = offsets.windows(2).all(|w| w[0] < w[1]);
    let inside = offsets.iter().all(|&o| o >= 4 && (o as u64) < size);
    (sorted && inside).then_some(offsets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_keep_the_widest_bounds_and_lose_them_to_one_unknown() {
        let mut lower = Fold::Empty;
        lower.add(Some(Datum::long(5)), true);
        lower.add(Some(Datum::long(3)), true);
        lower.add(Some(Datum::long(9)), true);
        assert_eq!(lower.clone().known(), Some(Datum::long(3)));
        let mut upper = Fold::Empty;
        upper.add(Some(Datum::long(5)), false);
        upper.add(Some(Datum::long(9)), false);
        assert_eq!(upper.clone().known(), Some(Datum::long(9)));
        upper.add(None, false);
        upper.add(Some(Datum::long(1)), false);
        assert_eq!(upper.known(), None);
    }

    #[test]
    fn float_bounds_cover_both_zeros_and_skip_nan() {
        assert_eq!(float_bound(f64::NAN, false), None);
        assert!(float_bound(0.0, false).unwrap().is_sign_negative());
        assert!(float_bound(-0.0, true).unwrap().is_sign_positive());
        assert_eq!(float_bound(2.5, true), Some(2.5));
    }

    #[test]
    fn promotions_are_the_ones_readers_apply() {
        let plain = PhysicalType::INT64;
        assert!(compatible(
            &PrimitiveType::Long,
            &DataType::Int32,
            plain,
            None
        ));
        assert!(compatible(
            &PrimitiveType::Double,
            &DataType::Float32,
            plain,
            None
        ));
        assert!(!compatible(
            &PrimitiveType::Int,
            &DataType::Int64,
            plain,
            None
        ));
        assert!(!compatible(
            &PrimitiveType::Long,
            &DataType::Int16,
            plain,
            None
        ));
        assert!(!compatible(
            &PrimitiveType::String,
            &DataType::Int64,
            plain,
            None
        ));
        assert!(!compatible(
            &PrimitiveType::Timestamp,
            &DataType::Timestamp(TimeUnit::Millisecond, None),
            plain,
            None
        ));
        assert!(!compatible(
            &PrimitiveType::Timestamp,
            &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            plain,
            None
        ));
        assert!(!compatible(
            &PrimitiveType::Fixed(16),
            &DataType::FixedSizeBinary(16),
            PhysicalType::FIXED_LEN_BYTE_ARRAY,
            Some(&LogicalType::Uuid)
        ));
    }

    #[test]
    fn decimals_sign_extend() {
        let ty = PrimitiveType::Decimal {
            precision: 9,
            scale: 2,
        };
        let d = decimal(&ty, &[0xff, 0x85]).unwrap();
        assert_eq!(d.literal(), &iceberg::spec::PrimitiveLiteral::Int128(-123));
        assert!(decimal(&ty, &[]).is_none());
    }
}
