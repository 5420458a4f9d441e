//! Partition and sort expressions: `month(ts)`, `bucket(16, id)`, `truncate(4, name)`,
//! `region`, and for sorting `ts desc nulls last`.

use anyhow::Result;
use iceberg::spec::{
    NullOrder, PartitionSpec, Schema, SchemaRef, SortDirection, SortField, SortOrder, Transform,
};

use crate::error::FloeError;

/// A parsed transform applied to one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformExpr {
    pub column: String,
    pub transform: Transform,
}

impl TransformExpr {
    /// The partition field name Iceberg's engines give this transform.
    pub fn default_name(&self) -> String {
        match self.transform {
            Transform::Identity => self.column.clone(),
            Transform::Bucket(_) => format!("{}_bucket", self.column),
            Transform::Truncate(_) => format!("{}_trunc", self.column),
            Transform::Year => format!("{}_year", self.column),
            Transform::Month => format!("{}_month", self.column),
            Transform::Day => format!("{}_day", self.column),
            Transform::Hour => format!("{}_hour", self.column),
            _ => format!("{}_{}", self.column, self.transform),
        }
    }
}

fn bad(expr: &str, why: &str) -> anyhow::Error {
    FloeError::usage(format!("invalid expression '{expr}': {why}"))
        .with_hint("use identity(c) or c, bucket(N, c), truncate(W, c), year(c), month(c), day(c), hour(c)")
        .into()
}

/// Parse `name(args)` or a bare column.
pub fn parse_transform(expr: &str) -> Result<TransformExpr> {
    let text = expr.trim();
    if text.is_empty() {
        return Err(bad(expr, "empty"));
    }
    let Some(open) = text.find('(') else {
        if text.contains(|c: char| c.is_whitespace() || c == ')' || c == ',') {
            return Err(bad(expr, "expected a column name or transform(column)"));
        }
        return Ok(TransformExpr {
            column: text.to_string(),
            transform: Transform::Identity,
        });
    };
    if !text.ends_with(')') {
        return Err(bad(expr, "missing ')'"));
    }
    let func = text[..open].trim().to_ascii_lowercase();
    let args: Vec<&str> = text[open + 1..text.len() - 1]
        .split(',')
        .map(str::trim)
        .collect();
    let column_arg = |args: &[&str]| -> Result<String> {
        match args {
            [c] if !c.is_empty() => Ok(c.to_string()),
            _ => Err(bad(expr, &format!("{func} takes one column"))),
        }
    };
    let width_and_column = |args: &[&str]| -> Result<(u32, String)> {
        match args {
            [n, c] if !c.is_empty() => {
                let n: u32 = n
                    .parse()
                    .map_err(|_| bad(expr, &format!("'{n}' is not a positive number")))?;
                if n == 0 {
                    return Err(bad(expr, "the number must be positive"));
                }
                Ok((n, c.to_string()))
            }
            _ => Err(bad(expr, &format!("{func} takes (N, column)"))),
        }
    };
    let (transform, column) = match func.as_str() {
        "identity" => (Transform::Identity, column_arg(&args)?),
        "year" | "years" => (Transform::Year, column_arg(&args)?),
        "month" | "months" => (Transform::Month, column_arg(&args)?),
        "day" | "days" | "date" => (Transform::Day, column_arg(&args)?),
        "hour" | "hours" | "date_hour" => (Transform::Hour, column_arg(&args)?),
        "bucket" => {
            let (n, c) = width_and_column(&args)?;
            (Transform::Bucket(n), c)
        }
        "truncate" => {
            let (w, c) = width_and_column(&args)?;
            (Transform::Truncate(w), c)
        }
        other => return Err(bad(expr, &format!("unknown transform '{other}'"))),
    };
    Ok(TransformExpr { column, transform })
}

fn check_column(schema: &Schema, expr: &str, column: &str) -> Result<()> {
    if schema.field_by_name(column).is_none() {
        let mut names: Vec<String> = schema
            .as_struct()
            .fields()
            .iter()
            .map(|f| f.name.clone())
            .collect();
        names.sort();
        return Err(FloeError::usage(format!(
            "'{expr}' refers to column '{column}', which is not in the schema (columns: {})",
            names.join(", ")
        ))
        .into());
    }
    Ok(())
}

/// Each item may itself list several, comma-separated (`"a, b desc"`, as SQL's `ORDER BY`
/// and Spark's `WRITE ORDERED BY` take them); commas inside a transform's parentheses
/// (`bucket(16, id)`) do not separate.
fn split_items(exprs: &[String]) -> Result<Vec<String>> {
    let mut items = vec![];
    for expr in exprs {
        let mut depth = 0i32;
        let mut start = 0;
        let mut pieces = vec![];
        for (i, c) in expr.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    pieces.push(&expr[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        pieces.push(&expr[start..]);
        if pieces.len() > 1 && pieces.iter().any(|p| p.trim().is_empty()) {
            return Err(bad(expr, "an empty item between commas"));
        }
        items.extend(pieces.into_iter().map(|p| p.trim().to_string()));
    }
    Ok(items)
}

/// Build a partition spec from expressions against a schema.
pub fn partition_spec(schema: &SchemaRef, exprs: &[String]) -> Result<PartitionSpec> {
    let mut builder = PartitionSpec::builder(schema.clone());
    for expr in &split_items(exprs)? {
        let parsed = parse_transform(expr)?;
        check_column(schema, expr, &parsed.column)?;
        builder = builder
            .add_partition_field(&parsed.column, parsed.default_name(), parsed.transform)
            .map_err(|e| {
                FloeError::usage(format!("cannot partition by '{expr}': {}", e.message()))
            })?;
    }
    builder
        .build()
        .map_err(|e| FloeError::usage(format!("invalid partition spec: {}", e.message())).into())
}

/// Build a sort order from `expr [asc|desc] [nulls first|last]` items.
pub fn sort_order(schema: &Schema, exprs: &[String]) -> Result<SortOrder> {
    if exprs.is_empty() {
        return Ok(SortOrder::unsorted_order());
    }
    let mut builder = SortOrder::builder();
    for expr in &split_items(exprs)? {
        let lower = expr.to_ascii_lowercase();
        let mut words: Vec<&str> = lower.split_whitespace().collect();
        let mut null_order = None;
        if words.len() >= 2 && words[words.len() - 2] == "nulls" {
            null_order = Some(match words[words.len() - 1] {
                "first" => NullOrder::First,
                "last" => NullOrder::Last,
                other => {
                    return Err(bad(
                        expr,
                        &format!("'nulls {other}' should be 'nulls first' or 'nulls last'"),
                    ))
                }
            });
            words.truncate(words.len() - 2);
        }
        let mut direction = SortDirection::Ascending;
        if let Some(last) = words.last() {
            match *last {
                "asc" => {
                    words.pop();
                }
                "desc" => {
                    direction = SortDirection::Descending;
                    words.pop();
                }
                _ => {}
            }
        }
        // Keep the column's original case: cut the same prefix length from the input.
        let body_len = words.join(" ").len();
        let body = expr.trim()[..body_len.min(expr.trim().len())].to_string();
        let parsed = parse_transform(&body)?;
        check_column(schema, expr, &parsed.column)?;
        let field = schema.field_by_name(&parsed.column).expect("checked");
        builder.with_sort_field(SortField {
            source_id: field.id,
            transform: parsed.transform,
            direction,
            // Iceberg's default: nulls first when ascending, last when descending.
            null_order: null_order.unwrap_or(match direction {
                SortDirection::Ascending => NullOrder::First,
                SortDirection::Descending => NullOrder::Last,
            }),
        });
    }
    builder
        .build(schema)
        .map_err(|e| FloeError::usage(format!("invalid sort order: {}", e.message())).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comma_separated_items_split_outside_parentheses() {
        let items = |v: &[&str]| split_items(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            items(&["a, b desc", "bucket(16, id) asc nulls last"]).unwrap(),
            ["a", "b desc", "bucket(16, id) asc nulls last"]
        );
        assert_eq!(items(&["truncate(4,name)"]).unwrap(), ["truncate(4,name)"]);
        let err = items(&["a,,b"]).unwrap_err().to_string();
        assert!(err.contains("a,,b") && err.contains("empty"), "{err}");
    }

    #[test]
    fn parses_transforms() {
        assert_eq!(
            parse_transform("month(ts)").unwrap().transform,
            Transform::Month
        );
        let b = parse_transform("bucket(16, id)").unwrap();
        assert_eq!(
            (b.transform, b.column.as_str()),
            (Transform::Bucket(16), "id")
        );
        assert_eq!(
            parse_transform("region").unwrap().transform,
            Transform::Identity
        );
        assert_eq!(
            parse_transform("truncate(4,name)").unwrap().default_name(),
            "name_trunc"
        );
        for bad in [
            "bucket(x, id)",
            "bucket(0, id)",
            "frobnicate(id)",
            "month(ts",
            "month()",
            "a b",
        ] {
            let err = parse_transform(bad).unwrap_err();
            assert_eq!(
                crate::error::kind_of(&err),
                crate::error::ErrorKind::Usage,
                "{bad}"
            );
        }
    }
}
