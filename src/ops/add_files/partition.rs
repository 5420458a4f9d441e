//! The partition of a file that `add-files` adopts: derived from its column bounds (the
//! transform of the lower and the upper bound must agree), read from its Hive-style path
//! (`name=value` segments), or both, which must then agree.

use iceberg::spec::{Literal, PartitionField, PrimitiveType, Schema};
use iceberg::transform::create_transform_function;

use crate::table::parquet_metrics::FileMetrics;
use crate::table::partition_path::{human_partition_value, parse_human_value, path_segments};

/// What a file's bounds say about one partition field.
#[derive(Debug, Clone, PartialEq)]
pub enum Derived {
    /// Every row has this value (`None`: null).
    Value(Option<Literal>),
    /// Its rows belong to more than one partition.
    Spans(String),
    /// The footer cannot tell.
    Unknown(String),
}

/// The source column of a partition field and its type.
pub fn source_of<'a>(
    schema: &'a Schema,
    field: &PartitionField,
) -> Option<(&'a iceberg::spec::NestedField, PrimitiveType)> {
    let source = schema.field_by_id(field.source_id)?;
    let primitive = source.field_type.as_primitive_type()?.clone();
    Some((source.as_ref(), primitive))
}

/// One partition field's value from the file's metrics.
pub fn from_bounds(schema: &Schema, field: &PartitionField, metrics: &FileMetrics) -> Derived {
    let Some((source, source_type)) = source_of(schema, field) else {
        return Derived::Unknown(format!(
            "partition field {} has no primitive source column",
            field.name
        ));
    };
    if matches!(field.transform, iceberg::spec::Transform::Void) {
        return Derived::Value(None);
    }
    let column = schema
        .name_by_field_id(source.id)
        .unwrap_or(&source.name)
        .to_string();
    let rows = metrics.record_count;
    if rows == 0 {
        return Derived::Unknown("the file has no rows".to_string());
    }
    let nulls = match metrics.null_value_counts.get(&source.id) {
        Some(n) => *n,
        None => {
            return Derived::Unknown(format!("its footer has no null count for column {column}"))
        }
    };
    if nulls >= rows {
        return Derived::Value(None);
    }
    if nulls > 0 {
        return Derived::Spans(format!(
            "column {column} holds {nulls} null(s) and non-null values, so {} has both null and non-null values",
            field.name
        ));
    }
    let (Some(lower), Some(upper)) = (
        metrics.lower_bounds.get(&source.id),
        metrics.upper_bounds.get(&source.id),
    ) else {
        return Derived::Unknown(format!(
            "its footer has no trustworthy min/max statistics for column {column}"
        ));
    };
    let transform = match create_transform_function(&field.transform) {
        Ok(t) => t,
        Err(e) => return Derived::Unknown(format!("{}: {e}", field.name)),
    };
    let (low, high) = match (
        transform.transform_literal(lower),
        transform.transform_literal(upper),
    ) {
        (Ok(Some(low)), Ok(Some(high))) => (Literal::from(low), Literal::from(high)),
        _ => {
            return Derived::Unknown(format!(
                "cannot apply {} to the bounds of column {column}",
                field.transform
            ))
        }
    };
    if low != high {
        return Derived::Spans(format!(
            "{} ranges from {} to {}",
            field.name,
            human_partition_value(&field.transform, &source_type, Some(&low)),
            human_partition_value(&field.transform, &source_type, Some(&high))
        ));
    }
    // An order-preserving transform maps everything between equal ends to the same value;
    // any other (bucket) only when the bounds themselves are equal.
    if !field.transform.preserves_order() && lower != upper {
        return Derived::Unknown(format!(
            "{} of column {column} cannot be derived from a range of values",
            field.transform
        ));
    }
    Derived::Value(Some(low))
}

/// One partition field's value from a Hive-style path: the segment named by the partition
/// field (as floe, Spark and Java write them) or, for an identity partition, by its source
/// column. `Ok(None)` when the path has no such segment.
pub fn from_path(
    location: &str,
    schema: &Schema,
    field: &PartitionField,
) -> Result<Option<Option<Literal>>, String> {
    let Some((source, source_type)) = source_of(schema, field) else {
        return Err(format!(
            "partition field {} has no primitive source column",
            field.name
        ));
    };
    let identity = matches!(field.transform, iceberg::spec::Transform::Identity);
    let mut found: Option<(String, Option<Literal>)> = None;
    for (name, text) in path_segments(location) {
        if name != field.name && !(identity && name == source.name) {
            continue;
        }
        let value = parse_human_value(&field.transform, &source_type, &text)
            .map_err(|e| format!("path segment {name}={text}: {e}"))?;
        match &found {
            Some((_, earlier)) if *earlier != value => {
                return Err(format!(
                    "the path names {} twice with different values",
                    field.name
                ))
            }
            _ => found = Some((text, value)),
        }
    }
    Ok(found.map(|(_, v)| v))
}
