//! Z-order keys for `compact --strategy zorder`: each column's values mapped onto the same
//! 32-bit range (scaled between the group's min and max), then bit-interleaved into one
//! fixed-width binary key whose byte order clusters rows on all the columns at once.
//!
//! Spark maps every value to a fixed 64-bit word (sign-flipped integers, the first 8 bytes of
//! a string) and interleaves those. A column whose values only use the low bits (small ids)
//! then contributes nothing to the key's high bits, and a column varying in its high bits
//! (timestamps, long strings with a common prefix) decides the whole order alone. Scaling each
//! column into the same range first gives every column an equal share of the key's bits.

use std::sync::Arc;

use anyhow::{bail, Result};
use arrow::array::{Array, ArrayRef, AsArray, FixedSizeBinaryArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use iceberg::spec::{Datum, PrimitiveLiteral, PrimitiveType, Type};

/// Bits each column contributes to the key.
const BITS: u32 = 32;
const KEY_BYTES_PER_COLUMN: usize = (BITS / 8) as usize;

/// Name of the key column added to batches for the sort and dropped before writing.
pub const KEY_COLUMN: &str = "__floe_zorder_key";

/// Whether a column of this Iceberg type can be part of a Z-order key.
pub fn supported(ty: &Type) -> bool {
    matches!(
        ty,
        Type::Primitive(
            PrimitiveType::Boolean
                | PrimitiveType::Int
                | PrimitiveType::Long
                | PrimitiveType::Float
                | PrimitiveType::Double
                | PrimitiveType::Decimal { .. }
                | PrimitiveType::Date
                | PrimitiveType::Timestamp
                | PrimitiveType::Timestamptz
                | PrimitiveType::TimestampNs
                | PrimitiveType::TimestamptzNs
                | PrimitiveType::String
                | PrimitiveType::Binary
        )
    )
}

/// A value as a point on its column's number line: integer-like types (booleans, dates,
/// timestamps, decimals' unscaled values) exactly, floating types as floats, strings and binary
/// as their bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Int(i128),
    Float(f64),
    Bytes(Vec<u8>),
}

impl Raw {
    /// A manifest bound as a point, or `None` for a bound floe cannot place.
    pub fn from_datum(datum: &Datum) -> Option<Raw> {
        Some(match datum.literal() {
            PrimitiveLiteral::Boolean(b) => Raw::Int(*b as i128),
            PrimitiveLiteral::Int(v) => Raw::Int(*v as i128),
            PrimitiveLiteral::Long(v) => Raw::Int(*v as i128),
            PrimitiveLiteral::Int128(v) => Raw::Int(*v),
            PrimitiveLiteral::Float(v) if !v.is_nan() => Raw::Float(v.0 as f64),
            PrimitiveLiteral::Double(v) if !v.is_nan() => Raw::Float(v.0),
            PrimitiveLiteral::String(s) => Raw::Bytes(s.as_bytes().to_vec()),
            PrimitiveLiteral::Binary(b) => Raw::Bytes(b.clone()),
            _ => return None,
        })
    }

    fn same_kind(&self, other: &Raw) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }

    fn less(&self, other: &Raw) -> bool {
        match (self, other) {
            (Raw::Int(a), Raw::Int(b)) => a < b,
            (Raw::Float(a), Raw::Float(b)) => a < b,
            (Raw::Bytes(a), Raw::Bytes(b)) => a < b,
            _ => false,
        }
    }
}

/// The smallest and largest value a column holds in one group, as far as known.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extent {
    pub min: Option<Raw>,
    pub max: Option<Raw>,
    /// Set when two sources disagree on the kind of value (a bound of another type).
    pub mixed: bool,
}

impl Extent {
    /// Widen to include `lower..=upper`.
    pub fn include(&mut self, lower: Raw, upper: Raw) {
        for (slot, value, smaller) in [(&mut self.min, lower, true), (&mut self.max, upper, false)]
        {
            match slot {
                None => *slot = Some(value),
                Some(current) if !current.same_kind(&value) => self.mixed = true,
                Some(current) => {
                    let replace = if smaller {
                        value.less(current)
                    } else {
                        current.less(&value)
                    };
                    if replace {
                        *current = value;
                    }
                }
            }
        }
    }

    /// Widen to include every non-null value of `array`.
    pub fn observe(&mut self, array: &dyn Array) -> Result<()> {
        let (mut lo, mut hi): (Option<Raw>, Option<Raw>) = (None, None);
        match values(array)? {
            Values::Int(v) => {
                let v: Vec<i128> = v.into_iter().flatten().collect();
                if let (Some(a), Some(b)) = (v.iter().min(), v.iter().max()) {
                    (lo, hi) = (Some(Raw::Int(*a)), Some(Raw::Int(*b)));
                }
            }
            Values::Float(v) => {
                let v: Vec<f64> = v.into_iter().flatten().filter(|x| !x.is_nan()).collect();
                if !v.is_empty() {
                    let a = v.iter().copied().fold(f64::INFINITY, f64::min);
                    let b = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    (lo, hi) = (Some(Raw::Float(a)), Some(Raw::Float(b)));
                }
            }
            Values::Bytes(v) => {
                let v: Vec<&[u8]> = v.into_iter().flatten().collect();
                if let (Some(a), Some(b)) = (v.iter().min(), v.iter().max()) {
                    (lo, hi) = (Some(Raw::Bytes(a.to_vec())), Some(Raw::Bytes(b.to_vec())));
                }
            }
        }
        if let (Some(lo), Some(hi)) = (lo, hi) {
            self.include(lo, hi);
        }
        Ok(())
    }

    /// The scale for this extent; a column with no values or one value contributes nothing.
    pub fn scale(&self) -> Scale {
        match (&self.min, &self.max) {
            (Some(Raw::Int(a)), Some(Raw::Int(b))) if !self.mixed => Scale::Int(*a, *b),
            (Some(Raw::Float(a)), Some(Raw::Float(b))) if !self.mixed => Scale::Float(*a, *b),
            (Some(Raw::Bytes(a)), Some(Raw::Bytes(b))) if !self.mixed => {
                let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
                Scale::Bytes {
                    prefix: a[..prefix].to_vec(),
                    min: word(&a[prefix..]),
                    max: word(&b[prefix..]),
                }
            }
            _ => Scale::Flat,
        }
    }
}

/// The first 8 bytes, big-endian, zero-padded: order-preserving (up to ties) for byte strings.
fn word(bytes: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    let n = bytes.len().min(8);
    buf[..n].copy_from_slice(&bytes[..n]);
    u64::from_be_bytes(buf)
}

/// How one column's values map onto `1..=u32::MAX` (0 is null): linearly between the group's
/// min and max, so every column spreads over the whole range whatever its units.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    Int(i128, i128),
    Float(f64, f64),
    /// Byte strings between `min` and `max` all start with `prefix` (they sort between two
    /// strings that share it); what tells them apart is the 8 bytes after it.
    Bytes {
        prefix: Vec<u8>,
        min: u64,
        max: u64,
    },
    /// Nothing known, or a single value: every non-null value maps to the same point.
    Flat,
}

const TOP: f64 = (u32::MAX - 1) as f64;

/// `fraction` of the way along the column's range, as a non-null key part.
fn place(fraction: f64) -> u32 {
    if fraction.is_nan() {
        return u32::MAX;
    }
    1 + (fraction.clamp(0.0, 1.0) * TOP) as u32
}

fn int_fraction(v: i128, min: i128, max: i128) -> f64 {
    if max <= min {
        return 0.0;
    }
    match (v.checked_sub(min), max.checked_sub(min)) {
        (Some(offset), Some(span)) => offset as f64 / span as f64,
        _ => (v as f64 - min as f64) / (max as f64 - min as f64),
    }
}

impl Scale {
    /// Key parts for every row of `array`; nulls are 0 so they sort first.
    pub fn apply(&self, array: &dyn Array) -> Result<Vec<u32>> {
        let flat = |n: usize| -> Vec<u32> {
            (0..n)
                .map(|i| if array.is_null(i) { 0 } else { 1 })
                .collect()
        };
        Ok(match (self, values(array)?) {
            (Scale::Int(min, max), Values::Int(v)) => v
                .into_iter()
                .map(|x| x.map_or(0, |x| place(int_fraction(x, *min, *max))))
                .collect(),
            (Scale::Float(min, max), Values::Float(v)) => {
                // Halves keep the span finite even between -f64::MAX and f64::MAX.
                let (lo, span) = (min / 2.0, max / 2.0 - min / 2.0);
                v.into_iter()
                    .map(|x| {
                        x.map_or(0, |x| {
                            if x.is_nan() {
                                u32::MAX
                            } else if span > 0.0 {
                                place((x / 2.0 - lo) / span)
                            } else {
                                place(0.0)
                            }
                        })
                    })
                    .collect()
            }
            (Scale::Bytes { prefix, min, max }, Values::Bytes(v)) => v
                .into_iter()
                .map(|x| {
                    x.map_or(0, |x| {
                        let w = if x.starts_with(prefix) {
                            word(&x[prefix.len()..]) as i128
                        } else if x < prefix.as_slice() {
                            i128::MIN
                        } else {
                            i128::MAX
                        };
                        place(int_fraction(w, *min as i128, *max as i128))
                    })
                })
                .collect(),
            (Scale::Flat, _) => flat(array.len()),
            (scale, _) => bail!(
                "a {} column cannot be placed on a {scale:?} scale",
                array.data_type()
            ),
        })
    }
}

/// A column's values in the form its scale works on.
enum Values<'a> {
    Int(Vec<Option<i128>>),
    Float(Vec<Option<f64>>),
    Bytes(Vec<Option<&'a [u8]>>),
}

fn values(array: &dyn Array) -> Result<Values<'_>> {
    use arrow::datatypes::*;
    Ok(match array.data_type() {
        DataType::Boolean => Values::Int(
            array
                .as_boolean()
                .iter()
                .map(|v| v.map(|b| b as i128))
                .collect(),
        ),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(_, _) => {
            let longs = arrow::compute::cast(array, &DataType::Int64)?;
            Values::Int(
                longs
                    .as_primitive::<Int64Type>()
                    .iter()
                    .map(|v| v.map(|x| x as i128))
                    .collect(),
            )
        }
        DataType::UInt64 => Values::Int(
            array
                .as_primitive::<UInt64Type>()
                .iter()
                .map(|v| v.map(|x| x as i128))
                .collect(),
        ),
        DataType::Decimal128(_, _) => {
            Values::Int(array.as_primitive::<Decimal128Type>().iter().collect())
        }
        DataType::Float16 | DataType::Float32 | DataType::Float64 => {
            let doubles = arrow::compute::cast(array, &DataType::Float64)?;
            Values::Float(doubles.as_primitive::<Float64Type>().iter().collect())
        }
        DataType::Utf8 => Values::Bytes(
            array
                .as_string::<i32>()
                .iter()
                .map(|v| v.map(str::as_bytes))
                .collect(),
        ),
        DataType::LargeUtf8 => Values::Bytes(
            array
                .as_string::<i64>()
                .iter()
                .map(|v| v.map(str::as_bytes))
                .collect(),
        ),
        DataType::Utf8View => Values::Bytes(
            array
                .as_string_view()
                .iter()
                .map(|v| v.map(str::as_bytes))
                .collect(),
        ),
        DataType::Binary => Values::Bytes(array.as_binary::<i32>().iter().collect()),
        DataType::LargeBinary => Values::Bytes(array.as_binary::<i64>().iter().collect()),
        DataType::BinaryView => Values::Bytes(array.as_binary_view().iter().collect()),
        DataType::FixedSizeBinary(_) => {
            Values::Bytes(array.as_fixed_size_binary().iter().collect())
        }
        other => bail!("cannot build a Z-order key from a {other} column"),
    })
}

/// Interleave the key parts of one row, most significant bits first: bit `b` of every column,
/// in column order, then bit `b - 1`, … so comparing keys bytewise walks the Z-order curve.
pub fn interleave(parts: &[u32], out: &mut [u8]) {
    debug_assert_eq!(out.len(), parts.len() * KEY_BYTES_PER_COLUMN);
    out.fill(0);
    let mut position = 0usize;
    for bit in (0..BITS).rev() {
        for part in parts {
            if (part >> bit) & 1 == 1 {
                out[position / 8] |= 0x80 >> (position % 8);
            }
            position += 1;
        }
    }
}

/// Appends the Z-order key of `columns` (indices into each batch, with their scales) to
/// batches, and removes it again after the sort.
#[derive(Debug, Clone)]
pub struct KeyBuilder {
    columns: Vec<(usize, Scale)>,
    with_key: SchemaRef,
}

impl KeyBuilder {
    pub fn new(schema: &Schema, columns: Vec<(usize, Scale)>) -> Result<KeyBuilder> {
        let width = (columns.len() * KEY_BYTES_PER_COLUMN) as i32;
        let mut fields: Vec<Arc<Field>> = schema.fields().iter().cloned().collect();
        fields.push(Arc::new(Field::new(
            KEY_COLUMN,
            DataType::FixedSizeBinary(width),
            false,
        )));
        Ok(KeyBuilder {
            columns,
            with_key: Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())),
        })
    }

    /// The batches' schema with the key column last.
    pub fn schema(&self) -> SchemaRef {
        self.with_key.clone()
    }

    /// Index of the key column in [`Self::schema`].
    pub fn key_index(&self) -> usize {
        self.with_key.fields().len() - 1
    }

    /// The key of every row of `batch`.
    pub fn key(&self, batch: &RecordBatch) -> Result<FixedSizeBinaryArray> {
        let parts: Vec<Vec<u32>> = self
            .columns
            .iter()
            .map(|(index, scale)| scale.apply(batch.column(*index).as_ref()))
            .collect::<Result<_>>()?;
        let width = parts.len() * KEY_BYTES_PER_COLUMN;
        let mut bytes = vec![0u8; width * batch.num_rows()];
        let mut row = vec![0u32; parts.len()];
        for (i, out) in bytes.chunks_exact_mut(width).enumerate() {
            for (slot, column) in row.iter_mut().zip(&parts) {
                *slot = column[i];
            }
            interleave(&row, out);
        }
        Ok(FixedSizeBinaryArray::try_new(
            width as i32,
            bytes.into(),
            None,
        )?)
    }

    /// `batch` with its key column appended.
    pub fn add_key(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
        columns.push(Arc::new(self.key(batch)?));
        Ok(RecordBatch::try_new(self.with_key.clone(), columns)?)
    }

    /// `batch` (sorted, with its key) without the key column.
    pub fn drop_key(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        let mut batch = batch.clone();
        batch.remove_column(self.key_index());
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{
        Date32Array, Decimal128Array, Float64Array, Int32Array, Int64Array, StringArray,
    };

    fn extent_of(array: &dyn Array) -> Extent {
        let mut e = Extent::default();
        e.observe(array).unwrap();
        e
    }

    fn sorted_by_key(parts: &[u32]) -> bool {
        parts.windows(2).all(|w| w[0] <= w[1])
    }

    #[test]
    fn integers_map_in_order_onto_the_whole_range() {
        let a = Int64Array::from(vec![Some(-5), None, Some(0), Some(3), Some(100)]);
        let scale = extent_of(&a).scale();
        assert_eq!(scale, Scale::Int(-5, 100));
        let parts = scale.apply(&a).unwrap();
        assert_eq!(parts[1], 0, "null first");
        assert_eq!(parts[0], 1, "the minimum is the first non-null point");
        assert_eq!(parts[4], u32::MAX, "the maximum the last");
        let (mid, expected) = (parts[2] as f64, 1.0 + 5.0 / 105.0 * TOP);
        assert!((mid - expected).abs() < 2.0, "{mid} vs {expected}");
        let ordered = Int64Array::from((-5..=100).collect::<Vec<i64>>());
        let parts = scale.apply(&ordered).unwrap();
        assert!(sorted_by_key(&parts));
        let mut distinct = parts.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), parts.len(), "distinct values stay distinct");
    }

    #[test]
    fn small_and_large_columns_get_the_same_share() {
        // Ids 0..100 and timestamps a day apart both reach the top of the range: neither
        // dominates the interleaved key.
        let ids = Int32Array::from(vec![0, 50, 100]);
        let times = Int64Array::from(vec![
            1_700_000_000_000_000,
            1_700_043_200_000_000,
            1_700_086_400_000_000,
        ]);
        let a = extent_of(&ids).scale().apply(&ids).unwrap();
        let b = extent_of(&times).scale().apply(&times).unwrap();
        assert_eq!(a, b);
        assert_eq!(a[1], 1 + (TOP / 2.0) as u32);
    }

    #[test]
    fn values_outside_the_bounds_clamp_and_nan_sorts_last() {
        let scale = Scale::Float(0.0, 10.0);
        let v = Float64Array::from(vec![
            Some(-1.0),
            Some(0.0),
            Some(5.0),
            Some(10.0),
            Some(11.0),
            Some(f64::NAN),
            None,
        ]);
        let parts = scale.apply(&v).unwrap();
        assert_eq!(parts[0], 1);
        assert_eq!(parts[1], 1);
        assert_eq!(parts[2], 1 + (TOP / 2.0) as u32);
        assert_eq!(parts[3], u32::MAX);
        assert_eq!(parts[4], u32::MAX);
        assert_eq!(parts[5], u32::MAX);
        assert_eq!(parts[6], 0);
        let extreme = Scale::Float(-f64::MAX, f64::MAX);
        let parts = extreme
            .apply(&Float64Array::from(vec![-f64::MAX, 0.0, f64::MAX]))
            .unwrap();
        assert_eq!(parts, vec![1, 1 + (TOP / 2.0) as u32, u32::MAX]);
    }

    #[test]
    fn strings_are_told_apart_after_their_common_prefix() {
        let v = StringArray::from(vec![
            "customer#000000001",
            "customer#000000500",
            "customer#000000999",
            "customer#0000009995",
        ]);
        let scale = extent_of(&v).scale();
        let Scale::Bytes { prefix, .. } = &scale else {
            panic!("{scale:?}")
        };
        assert_eq!(prefix, b"customer#000000");
        let parts = scale.apply(&v).unwrap();
        assert!(sorted_by_key(&parts), "{parts:?}");
        assert_eq!(parts[0], 1);
        assert_eq!(parts[3], u32::MAX);
        // The middle value lands near the middle: the spread is over the differing bytes.
        let middle = parts[1] as f64 / u32::MAX as f64;
        assert!((0.3..0.7).contains(&middle), "{middle}");
        // Strings outside a truncated bound still order: below the prefix first, above last.
        let outside = scale
            .apply(&StringArray::from(vec!["a", "customer#000000500", "z"]))
            .unwrap();
        assert!(sorted_by_key(&outside), "{outside:?}");
        assert_eq!((outside[0], outside[2]), (1, u32::MAX));
    }

    #[test]
    fn bounds_from_manifests_give_the_same_scale_as_the_data() {
        let mut from_bounds = Extent::default();
        from_bounds.include(
            Raw::from_datum(&Datum::date(10)).unwrap(),
            Raw::from_datum(&Datum::date(20)).unwrap(),
        );
        from_bounds.include(
            Raw::from_datum(&Datum::date(5)).unwrap(),
            Raw::from_datum(&Datum::date(12)).unwrap(),
        );
        let dates = Date32Array::from(vec![5, 12, 20]);
        assert_eq!(from_bounds.scale(), extent_of(&dates).scale());
        assert_eq!(from_bounds.scale(), Scale::Int(5, 20));

        let decimals = Decimal128Array::from(vec![-12345, 99999])
            .with_precision_and_scale(10, 2)
            .unwrap();
        let mut bounds = Extent::default();
        bounds.include(
            Raw::from_datum(&Datum::decimal_from_str("-123.45").unwrap()).unwrap(),
            Raw::from_datum(&Datum::decimal_from_str("999.99").unwrap()).unwrap(),
        );
        assert_eq!(bounds.scale(), extent_of(&decimals).scale());

        let mut mixed = Extent::default();
        mixed.include(Raw::Int(1), Raw::Int(2));
        mixed.include(Raw::Float(1.0), Raw::Float(2.0));
        assert_eq!(
            mixed.scale(),
            Scale::Flat,
            "bounds of another type are not trusted"
        );
    }

    #[test]
    fn interleave_takes_one_bit_of_each_column_in_turn() {
        let mut out = [0u8; 8];
        interleave(&[u32::MAX, 0], &mut out);
        assert_eq!(out, [0xAA; 8]);
        interleave(&[0, u32::MAX], &mut out);
        assert_eq!(out, [0x55; 8]);
        interleave(&[0x8000_0000, 0x4000_0000], &mut out);
        assert_eq!(out, [0b1001_0000, 0, 0, 0, 0, 0, 0, 0]);
        let mut three = [0u8; 12];
        interleave(&[1, 1, 1], &mut three);
        assert_eq!(&three[..11], &[0; 11]);
        assert_eq!(three[11], 0b0000_0111);
    }

    #[test]
    fn keys_order_rows_along_the_z_curve() {
        // A 4x4 grid: the Z-order visits the four 2x2 quadrants in turn, each one whole.
        let mut cells = vec![];
        for x in 0..4i64 {
            for y in 0..4i64 {
                cells.push((x, y));
            }
        }
        let schema = Schema::new(vec![
            Field::new("x", DataType::Int64, false),
            Field::new("y", DataType::Int64, false),
        ]);
        let batch = RecordBatch::try_new(
            Arc::new(schema.clone()),
            vec![
                Arc::new(Int64Array::from(
                    cells.iter().map(|c| c.0).collect::<Vec<_>>(),
                )),
                Arc::new(Int64Array::from(
                    cells.iter().map(|c| c.1).collect::<Vec<_>>(),
                )),
            ],
        )
        .unwrap();
        let builder =
            KeyBuilder::new(&schema, vec![(0, Scale::Int(0, 3)), (1, Scale::Int(0, 3))]).unwrap();
        let keys = builder.key(&batch).unwrap();
        let mut order: Vec<usize> = (0..cells.len()).collect();
        order.sort_by_key(|&i| keys.value(i).to_vec());
        let visited: Vec<(i64, i64)> = order.iter().map(|&i| cells[i]).collect();
        for quadrant in visited.chunks(4) {
            let xs: Vec<i64> = quadrant.iter().map(|c| c.0 / 2).collect();
            let ys: Vec<i64> = quadrant.iter().map(|c| c.1 / 2).collect();
            assert!(xs.iter().all(|x| *x == xs[0]), "{visited:?}");
            assert!(ys.iter().all(|y| *y == ys[0]), "{visited:?}");
        }
        assert_eq!(visited[0], (0, 0));
        assert_eq!(visited[15], (3, 3));
        let with_key = builder.add_key(&batch).unwrap();
        assert_eq!(with_key.num_columns(), 3);
        assert_eq!(builder.drop_key(&with_key).unwrap(), batch);
    }
}
