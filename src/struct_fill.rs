//! Struct arrays brought onto a struct type with more (or reordered) fields, matched by name:
//! the fields an array lacks become nulls. Arrow's cast needs both sides to have the same
//! fields, which neither an input file written before a nested field existed nor a data file
//! written under an older schema has.

use std::sync::Arc;

use arrow::array::{new_null_array, Array, ArrayRef, AsArray, ListArray, MapArray, StructArray};
use arrow::datatypes::{DataType, FieldRef};

/// Why an array could not be brought onto the wanted type, with the nested path at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FillError {
    /// The array has a field the wanted type does not.
    Extra(String),
    /// A required field is missing or null.
    Required(String),
}

impl std::fmt::Display for FillError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FillError::Extra(path) => write!(f, "has a field '{path}' the table does not have"),
            FillError::Required(path) => write!(f, "has no value for required field '{path}'"),
        }
    }
}

fn nested(parent: &str, inner: FillError) -> FillError {
    match inner {
        FillError::Extra(p) => FillError::Extra(format!("{parent}.{p}")),
        FillError::Required(p) => FillError::Required(format!("{parent}.{p}")),
    }
}

/// `field` carrying `data_type` (what the filled child actually is; primitives are left to a
/// later cast).
fn retyped(field: &FieldRef, data_type: &DataType) -> FieldRef {
    if field.data_type() == data_type {
        field.clone()
    } else {
        Arc::new(field.as_ref().clone().with_data_type(data_type.clone()))
    }
}

/// `array` with every struct inside it (also in list elements and map entries) holding the
/// wanted struct's fields in the wanted order. Primitive types are not converted.
pub fn fill_struct_fields(array: &ArrayRef, to: &DataType) -> Result<ArrayRef, FillError> {
    match (array.data_type(), to) {
        (DataType::Struct(from_fields), DataType::Struct(to_fields)) => {
            let same_names = from_fields.len() == to_fields.len()
                && from_fields
                    .iter()
                    .zip(to_fields.iter())
                    .all(|(a, b)| a.name() == b.name());
            if same_names && array.data_type().equals_datatype(to) {
                return Ok(array.clone());
            }
            if let Some(extra) = from_fields.iter().find(|f| {
                !to_fields
                    .iter()
                    .any(|t| t.name().eq_ignore_ascii_case(f.name()))
            }) {
                return Err(FillError::Extra(extra.name().clone()));
            }
            let input = array.as_struct();
            let mut fields = Vec::with_capacity(to_fields.len());
            let mut columns = Vec::with_capacity(to_fields.len());
            for target in to_fields.iter() {
                let found = from_fields
                    .iter()
                    .position(|f| f.name() == target.name())
                    .or_else(|| {
                        from_fields
                            .iter()
                            .position(|f| f.name().eq_ignore_ascii_case(target.name()))
                    });
                let column = match found {
                    Some(i) => fill_struct_fields(input.column(i), target.data_type())
                        .map_err(|inner| nested(target.name(), inner))?,
                    None => new_null_array(target.data_type(), input.len()),
                };
                fields.push(retyped(target, column.data_type()));
                columns.push(column);
            }
            let filled = StructArray::try_new(fields.into(), columns, input.nulls().cloned())
                .map_err(|_| {
                    let missing = to_fields
                        .iter()
                        .find(|t| !t.is_nullable())
                        .map(|t| t.name().clone())
                        .unwrap_or_default();
                    FillError::Required(missing)
                })?;
            Ok(Arc::new(filled))
        }
        (DataType::List(_), DataType::List(to_item)) => {
            let list = array.as_list::<i32>();
            let values = fill_struct_fields(list.values(), to_item.data_type())?;
            if values.data_type() == list.values().data_type() {
                return Ok(array.clone());
            }
            let item = retyped(to_item, values.data_type());
            let filled =
                ListArray::try_new(item, list.offsets().clone(), values, list.nulls().cloned())
                    .map_err(|_| FillError::Required(to_item.name().clone()))?;
            Ok(Arc::new(filled))
        }
        (DataType::Map(_, _), DataType::Map(to_entries, ordered)) => {
            let map = array.as_map();
            let entries: ArrayRef = Arc::new(map.entries().clone());
            let filled_entries = fill_struct_fields(&entries, to_entries.data_type())?;
            if filled_entries.data_type() == entries.data_type() {
                return Ok(array.clone());
            }
            let entries_field = retyped(to_entries, filled_entries.data_type());
            let filled = MapArray::try_new(
                entries_field,
                map.offsets().clone(),
                filled_entries.as_struct().clone(),
                map.nulls().cloned(),
                *ordered,
            )
            .map_err(|_| FillError::Required(to_entries.name().clone()))?;
            Ok(Arc::new(filled))
        }
        _ => Ok(array.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, StringArray};
    use arrow::datatypes::{Field, Fields};

    #[test]
    fn missing_fields_become_nulls_and_extras_are_named() {
        let city = Arc::new(StringArray::from(vec![Some("Oslo"), None])) as ArrayRef;
        let narrow: ArrayRef = Arc::new(StructArray::new(
            Fields::from(vec![Field::new("city", DataType::Utf8, true)]),
            vec![city],
            None,
        ));
        let wide = DataType::Struct(Fields::from(vec![
            Field::new("zip", DataType::Int32, true),
            Field::new("city", DataType::Utf8, true),
        ]));
        let filled = fill_struct_fields(&narrow, &wide).unwrap();
        assert_eq!(filled.data_type(), &wide);
        let s = filled.as_struct();
        assert_eq!(s.column(0).null_count(), 2);
        assert_eq!(s.column(1).as_string::<i32>().value(0), "Oslo");

        let zip = Arc::new(Int32Array::from(vec![1, 2])) as ArrayRef;
        let wider: ArrayRef = Arc::new(StructArray::new(
            Fields::from(vec![Field::new("zip", DataType::Int32, true)]),
            vec![zip],
            None,
        ));
        let only_city =
            DataType::Struct(Fields::from(vec![Field::new("city", DataType::Utf8, true)]));
        assert_eq!(
            fill_struct_fields(&wider, &only_city).unwrap_err(),
            FillError::Extra("zip".into())
        );
    }
}
