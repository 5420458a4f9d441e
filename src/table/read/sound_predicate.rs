//! Turning a DataFusion predicate into the Iceberg predicate that decides which files (and
//! rows, inside iceberg's reader) may be skipped, so that nothing holding a match is skipped.
//!
//! iceberg-datafusion's converter is built for pushdown where DataFusion filters again: it
//! drops the side of an AND it cannot convert and then negates what is left under NOT, and it
//! strips casts. Both turn "may match" into "cannot match". Here the expression is first
//! type-coerced and simplified (as DataFusion does before a query pushes filters down), then
//! converted so that the result holds for every row the expression holds for: an exactly
//! convertible leaf becomes the same Iceberg comparison, anything else becomes "always true".
//! NOT is pushed to the leaves first (De Morgan, flipped comparisons), which is exact in SQL's
//! three-valued logic, so an over-approximation never sits under a negation.
//!
//! Floating-point columns are never converted: Arrow compares floats by IEEE total order
//! (NaN above everything, -0.0 below 0.0), while Iceberg's bounds leave NaN out and compare
//! -0.0 equal to 0.0, so a bound-based skip could miss a matching row.

use std::sync::Arc;

use datafusion::common::{DFSchema, ScalarValue};
use datafusion::logical_expr::simplify::SimplifyContext;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator};
use datafusion::optimizer::simplify_expressions::ExprSimplifier;
use iceberg::expr::{Predicate, Reference};
use iceberg::spec::{Datum, PrimitiveType, Schema as IcebergSchema, Type};

/// `expr` type-coerced and simplified against `df_schema` (constants folded, casts of
/// literals applied, casts of columns unwrapped where that is exact). Unchanged when either
/// step fails: conversion then simply finds less to use.
pub fn simplified(expr: &Expr, df_schema: &DFSchema) -> Expr {
    let context = SimplifyContext::default().with_schema(Arc::new(df_schema.clone()));
    let simplifier = ExprSimplifier::new(context);
    simplifier
        .coerce(expr.clone(), df_schema)
        .and_then(|coerced| simplifier.simplify(coerced))
        .unwrap_or_else(|_| expr.clone())
}

/// A predicate true for every row `expr` is TRUE for (it may be true for more); `None` when
/// it is always true, so nothing can be skipped. `expr` should be simplified first.
pub fn inclusive(expr: &Expr, schema: &IcebergSchema) -> Option<Predicate> {
    match over(expr, schema, false) {
        Predicate::AlwaysTrue => None,
        predicate => Some(predicate),
    }
}

/// The conjunction of `inclusive` over several filters (a scan's pushed-down filters).
pub fn inclusive_all(filters: &[Expr], schema: &IcebergSchema) -> Option<Predicate> {
    filters
        .iter()
        .filter_map(|f| inclusive(f, schema))
        .reduce(Predicate::and)
}

/// One leaf converted exactly (same rows TRUE, same rows NULL), or `None` when it cannot be:
/// for judging from metrics that every row of a file matches.
pub fn exact_leaf(expr: &Expr, schema: &IcebergSchema) -> Option<Predicate> {
    leaf(expr, schema, false)
}

/// An over-approximation of `expr` (of `NOT expr` when `negated`).
fn over(expr: &Expr, schema: &IcebergSchema, negated: bool) -> Predicate {
    match expr {
        Expr::Alias(alias) => over(&alias.expr, schema, negated),
        Expr::Not(inner) => over(inner, schema, !negated),
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if matches!(op, Operator::And | Operator::Or) =>
        {
            let (l, r) = (over(left, schema, negated), over(right, schema, negated));
            // NOT (a AND b) = NOT a OR NOT b; NOT (a OR b) = NOT a AND NOT b.
            match (*op == Operator::And) != negated {
                true => and(l, r),
                false => or(l, r),
            }
        }
        Expr::Literal(value, _) => match (value, negated) {
            // NULL is not TRUE, nor is NOT NULL.
            (value, _) if value.is_null() => Predicate::AlwaysFalse,
            (ScalarValue::Boolean(Some(b)), negated) if *b != negated => Predicate::AlwaysTrue,
            (ScalarValue::Boolean(Some(_)), _) => Predicate::AlwaysFalse,
            _ => Predicate::AlwaysTrue,
        },
        // A comparison with NULL is NULL, negated or not: never TRUE.
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if matches!(
                op,
                Operator::Eq
                    | Operator::NotEq
                    | Operator::Lt
                    | Operator::LtEq
                    | Operator::Gt
                    | Operator::GtEq
            ) && [left, right]
                .iter()
                .any(|e| matches!(e.as_ref(), Expr::Literal(v, _) if v.is_null())) =>
        {
            Predicate::AlwaysFalse
        }
        other => leaf(other, schema, negated).unwrap_or(Predicate::AlwaysTrue),
    }
}

fn and(l: Predicate, r: Predicate) -> Predicate {
    match (l, r) {
        (Predicate::AlwaysTrue, x) | (x, Predicate::AlwaysTrue) => x,
        (Predicate::AlwaysFalse, _) | (_, Predicate::AlwaysFalse) => Predicate::AlwaysFalse,
        (l, r) => l.and(r),
    }
}

fn or(l: Predicate, r: Predicate) -> Predicate {
    match (l, r) {
        (Predicate::AlwaysTrue, _) | (_, Predicate::AlwaysTrue) => Predicate::AlwaysTrue,
        (Predicate::AlwaysFalse, x) | (x, Predicate::AlwaysFalse) => x,
        (l, r) => l.or(r),
    }
}

/// A leaf (comparison of a column with a literal, IN list, IS [NOT] NULL, bare boolean
/// column) converted exactly, negated when asked; `None` for anything else.
fn leaf(expr: &Expr, schema: &IcebergSchema, negated: bool) -> Option<Predicate> {
    match expr {
        Expr::Alias(alias) => leaf(&alias.expr, schema, negated),
        Expr::Not(inner) => leaf(inner, schema, !negated),
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            let (column, op, literal) = match (left.as_ref(), right.as_ref()) {
                (Expr::Column(c), Expr::Literal(v, _)) => (c, *op, v),
                (Expr::Literal(v, _), Expr::Column(c)) => (c, op.swap()?, v),
                _ => return None,
            };
            let (name, field_type) = column_type(schema, &column.name)?;
            let datum = datum(literal, &field_type)?;
            let op = if negated { op.negate()? } else { op };
            let term = Reference::new(name);
            Some(match op {
                Operator::Eq => term.equal_to(datum),
                Operator::NotEq => term.not_equal_to(datum),
                Operator::Lt => term.less_than(datum),
                Operator::LtEq => term.less_than_or_equal_to(datum),
                Operator::Gt => term.greater_than(datum),
                Operator::GtEq => term.greater_than_or_equal_to(datum),
                _ => return None,
            })
        }
        Expr::InList(list) => {
            let Expr::Column(column) = list.expr.as_ref() else {
                return None;
            };
            let (name, field_type) = column_type(schema, &column.name)?;
            let mut datums = vec![];
            let mut has_null = false;
            for item in &list.list {
                match item {
                    Expr::Literal(value, _) if value.is_null() => has_null = true,
                    Expr::Literal(value, _) => datums.push(datum(value, &field_type)?),
                    _ => return None,
                }
            }
            let term = Reference::new(name);
            // `x IN (1, NULL)` is TRUE exactly where `x IN (1)` is; `x NOT IN (1, NULL)` is
            // never TRUE, which "not in (1)" over-approximates but does not equal.
            match list.negated != negated {
                false if datums.is_empty() => None,
                false => Some(term.is_in(datums)),
                true if has_null || datums.is_empty() => None,
                true => Some(term.is_not_in(datums)),
            }
        }
        Expr::IsNull(inner) | Expr::IsNotNull(inner) => {
            let Expr::Column(column) = inner.as_ref() else {
                return None;
            };
            let (name, _) = column_type(schema, &column.name)?;
            let term = Reference::new(name);
            let is_null = matches!(expr, Expr::IsNull(_)) != negated;
            Some(if is_null {
                term.is_null()
            } else {
                term.is_not_null()
            })
        }
        Expr::Column(column) => {
            let (name, field_type) = column_type(schema, &column.name)?;
            if field_type != PrimitiveType::Boolean {
                return None;
            }
            Some(Reference::new(name).equal_to(Datum::bool(!negated)))
        }
        _ => None,
    }
}

/// A top-level primitive column's name and type, unless it is a float (see the module doc).
fn column_type(schema: &IcebergSchema, name: &str) -> Option<(String, PrimitiveType)> {
    let field = schema.as_struct().field_by_name(name)?;
    match field.field_type.as_ref() {
        Type::Primitive(PrimitiveType::Float | PrimitiveType::Double) => None,
        Type::Primitive(p) => Some((field.name.clone(), p.clone())),
        _ => None,
    }
}

/// The literal as an Iceberg value of exactly the column's type, or `None` when the types
/// differ (a comparison DataFusion would evaluate through a cast).
fn datum(value: &ScalarValue, field_type: &PrimitiveType) -> Option<Datum> {
    Some(match (field_type, value) {
        (PrimitiveType::Boolean, ScalarValue::Boolean(Some(v))) => Datum::bool(*v),
        (PrimitiveType::Int, ScalarValue::Int32(Some(v))) => Datum::int(*v),
        (PrimitiveType::Long, ScalarValue::Int64(Some(v))) => Datum::long(*v),
        (PrimitiveType::Date, ScalarValue::Date32(Some(v))) => Datum::date(*v),
        (PrimitiveType::Time, ScalarValue::Time64Microsecond(Some(v))) => {
            Datum::time_micros(*v).ok()?
        }
        (PrimitiveType::Timestamp, ScalarValue::TimestampMicrosecond(Some(v), None)) => {
            Datum::timestamp_micros(*v)
        }
        (PrimitiveType::Timestamptz, ScalarValue::TimestampMicrosecond(Some(v), Some(_))) => {
            Datum::timestamptz_micros(*v)
        }
        (
            PrimitiveType::String,
            ScalarValue::Utf8(Some(v))
            | ScalarValue::LargeUtf8(Some(v))
            | ScalarValue::Utf8View(Some(v)),
        ) => Datum::string(v),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use iceberg::spec::NestedField;

    fn schema() -> IcebergSchema {
        IcebergSchema::builder()
            .with_fields(vec![
                NestedField::required(1, "id", Type::Primitive(PrimitiveType::Long)).into(),
                NestedField::optional(2, "x", Type::Primitive(PrimitiveType::Double)).into(),
                NestedField::optional(3, "name", Type::Primitive(PrimitiveType::String)).into(),
                NestedField::optional(4, "qty", Type::Primitive(PrimitiveType::Int)).into(),
                NestedField::optional(5, "ts", Type::Primitive(PrimitiveType::Timestamptz)).into(),
            ])
            .build()
            .unwrap()
    }

    fn convert(text: &str) -> Option<String> {
        let schema = schema();
        let arrow = iceberg::arrow::schema_to_arrow_schema(&schema).unwrap();
        let df_schema = DFSchema::try_from(arrow).unwrap();
        let ctx = datafusion::prelude::SessionContext::new();
        let expr = ctx.parse_sql_expr(text, &df_schema).unwrap();
        inclusive(&simplified(&expr, &df_schema), &schema).map(|p| p.to_string())
    }

    #[test]
    fn what_cannot_be_converted_exactly_may_match() {
        // The unconvertible side of an AND under NOT: everything may match.
        assert_eq!(convert("NOT (id < 150 AND id % 2 = 0)"), None);
        // A cast of the column is not the column.
        assert_eq!(convert("CAST(id AS VARCHAR) < '5'"), None);
        assert_eq!(convert("id % 2 = 0 OR id < 10"), None);
        // Floats never prune (NaN and -0.0).
        assert_eq!(convert("x > 5"), None);
        assert_eq!(convert("upper(name) = 'A'"), None);
        // Never TRUE: `id != 1 AND id != NULL`, the second NULL.
        assert_eq!(convert("id NOT IN (1, NULL)").as_deref(), Some("FALSE"));
        assert_eq!(convert("id NOT IN (1, 2, 3, 4, 5, NULL)"), None);
    }

    #[test]
    fn exact_parts_are_kept_and_negations_pushed_to_the_leaves() {
        assert_eq!(
            convert("id < 150 AND id % 2 = 0").as_deref(),
            Some("id < 150")
        );
        assert_eq!(convert("NOT (id < 150)").as_deref(), Some("id >= 150"));
        assert_eq!(
            convert("NOT (id < 150 OR name = 'a')").as_deref(),
            Some("(id >= 150) AND (name != \"a\")")
        );
        assert_eq!(
            convert("NOT (name IS NULL)").as_deref(),
            Some("name IS NOT NULL")
        );
        assert_eq!(convert("5 > id").as_deref(), Some("id < 5"));
        // Integer literals coerce to the int column's type.
        assert_eq!(convert("qty = 7").as_deref(), Some("qty = 7"));
        assert_eq!(
            convert("id IN (1, 2, NULL)").as_deref(),
            Some("(id = 1) OR (id = 2)")
        );
        let long_list = convert("id IN (1, 2, 3, 4, 5, NULL)").unwrap();
        assert!(long_list.starts_with("id IN ("), "{long_list}");
        assert_eq!(long_list.matches(", ").count(), 4, "{long_list}");
        assert_eq!(
            convert("id IS DISTINCT FROM NULL"),
            None,
            "TRUE for every non-null id"
        );
        assert!(convert("ts >= '2026-01-03T12:00:00Z'")
            .unwrap()
            .starts_with("ts >= "));
        assert_eq!(convert("id < 5 AND false").as_deref(), Some("FALSE"));
    }
}
