//! A row predicate as users write it (`--where "l_partkey % 100 = 7"`), evaluated three ways
//! from one parse: on Arrow batches (which rows match), as an Iceberg predicate for scan
//! pruning (which files may hold a match), and strictly on a data file's column metrics
//! (whether EVERY row of the file matches, so it can leave by metadata alone).

use std::sync::Arc;

use anyhow::Result;
use arrow::array::{Array, BooleanArray, RecordBatch};
use datafusion::common::DFSchema;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::SessionContext;
use iceberg::expr::{Bind, BoundPredicate, Predicate, PredicateOperator};
use iceberg::spec::{DataFile, PrimitiveType, Schema as IcebergSchema, Type};

use crate::error::FloeError;

/// A parsed `--where`.
pub struct RowFilter {
    text: String,
    expr: Expr,
    /// For scan planning; `None` when no part of the predicate can prune.
    pruning: Option<Predicate>,
    strict: Strict,
    /// Field ids of the columns the predicate reads.
    field_ids: Vec<i32>,
    ctx: SessionContext,
}

impl std::fmt::Debug for RowFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RowFilter({})", self.text)
    }
}

/// The predicate's shape for strict evaluation: leaves Iceberg can bind, joined by AND/OR.
enum Strict {
    And(Box<Strict>, Box<Strict>),
    Or(Box<Strict>, Box<Strict>),
    Leaf(Option<BoundPredicate>),
}

impl RowFilter {
    /// Parse `text` against the table's current schema. `option` names the flag in errors.
    pub fn parse(schema: &IcebergSchema, text: &str, option: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Err(FloeError::usage(format!("{option} is empty")).into());
        }
        let arrow = iceberg::arrow::schema_to_arrow_schema(schema)?;
        let df_schema = DFSchema::try_from(arrow)?;
        let ctx = SessionContext::new();
        let expr = ctx
            .parse_sql_expr(text, &df_schema)
            .map_err(|e| FloeError::usage(format!("{option} '{text}': {e}")))?;
        // Type-check now: a predicate that cannot be evaluated fails before anything is read.
        ctx.create_physical_expr(expr.clone(), &df_schema)
            .map_err(|e| FloeError::usage(format!("{option} '{text}': {e}")))?;
        let mut field_ids = vec![];
        for column in expr.column_refs() {
            let id = schema.field_id_by_name(&column.name).ok_or_else(|| {
                FloeError::usage(format!("{option} uses unknown column '{}'", column.name))
            })?;
            if !field_ids.contains(&id) {
                field_ids.push(id);
            }
        }
        // Pruning and the strict shape work on the simplified form: NOT pushed to the
        // leaves, literals cast to the column types, so more leaves convert exactly.
        let simple = super::sound_predicate::simplified(&expr, &df_schema);
        let pruning = super::sound_predicate::inclusive(&simple, schema);
        let strict = strict_shape(&simple, schema);
        Ok(RowFilter {
            text: text.to_string(),
            expr,
            pruning,
            strict,
            field_ids,
            ctx,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The predicate for Iceberg's scan planning (partition, manifest and column-stats pruning).
    pub fn pruning(&self) -> Option<&Predicate> {
        self.pruning.as_ref()
    }

    /// Field ids of the columns the predicate reads.
    pub fn field_ids(&self) -> &[i32] {
        &self.field_ids
    }

    /// Prepare evaluation on batches of `batch_schema` (a projection holding the
    /// predicate's columns, by name).
    pub fn evaluator(&self, batch_schema: &arrow::datatypes::Schema) -> Result<RowEvaluator> {
        let df_schema = DFSchema::try_from(batch_schema.clone())?;
        let physical = self
            .ctx
            .create_physical_expr(self.expr.clone(), &df_schema)?;
        Ok(RowEvaluator { physical })
    }

    /// Whether every row of `file` matches, judged from its column metrics alone (never a
    /// guess: unknown means no).
    pub fn matches_whole_file(&self, file: &DataFile) -> bool {
        strictly_true(&self.strict, file)
    }
}

/// A filter bound to one batch layout.
pub struct RowEvaluator {
    physical: Arc<dyn PhysicalExpr>,
}

impl RowEvaluator {
    /// Which rows match: true only where the predicate is TRUE (NULL does not match, as in
    /// SQL's WHERE).
    pub fn matches(&self, batch: &RecordBatch) -> Result<BooleanArray> {
        let value = self
            .physical
            .evaluate(batch)?
            .into_array(batch.num_rows())?;
        let result = value
            .as_any()
            .downcast_ref::<BooleanArray>()
            .ok_or_else(|| FloeError::usage("the predicate is not a boolean expression"))?;
        Ok(match result.nulls() {
            None => result.clone(),
            Some(_) => BooleanArray::from_iter(result.iter().map(|v| Some(v == Some(true)))),
        })
    }
}

fn strict_shape(expr: &Expr, schema: &IcebergSchema) -> Strict {
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) if *op == Operator::And => Strict::And(
            Box::new(strict_shape(left, schema)),
            Box::new(strict_shape(right, schema)),
        ),
        Expr::BinaryExpr(BinaryExpr { left, op, right }) if *op == Operator::Or => Strict::Or(
            Box::new(strict_shape(left, schema)),
            Box::new(strict_shape(right, schema)),
        ),
        Expr::Alias(alias) => strict_shape(&alias.expr, schema),
        // Only plain comparisons of columns with literals of the column's type, converted
        // exactly (`CAST(x AS INT) > 4` must not become `x > 4`: a file of x = 4.6 would be
        // called wholly matched).
        leaf if is_plain_comparison(leaf) => Strict::Leaf(
            super::sound_predicate::exact_leaf(leaf, schema)
                .and_then(|p| p.bind(Arc::new(schema.clone()), true).ok()),
        ),
        _ => Strict::Leaf(None),
    }
}

fn is_plain_comparison(expr: &Expr) -> bool {
    let operand = |e: &Expr| matches!(e, Expr::Column(_) | Expr::Literal(..));
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            matches!(
                op,
                Operator::Eq
                    | Operator::NotEq
                    | Operator::Lt
                    | Operator::LtEq
                    | Operator::Gt
                    | Operator::GtEq
            ) && operand(left)
                && operand(right)
        }
        Expr::InList(list) => {
            !list.negated
                && matches!(list.expr.as_ref(), Expr::Column(_))
                && list.list.iter().all(|e| matches!(e, Expr::Literal(..)))
        }
        Expr::IsNull(inner) | Expr::IsNotNull(inner) => matches!(inner.as_ref(), Expr::Column(_)),
        _ => false,
    }
}

fn strictly_true(shape: &Strict, file: &DataFile) -> bool {
    match shape {
        Strict::And(a, b) => strictly_true(a, file) && strictly_true(b, file),
        Strict::Or(a, b) => strictly_true(a, file) || strictly_true(b, file),
        Strict::Leaf(Some(predicate)) => leaf_strictly_true(predicate, file),
        Strict::Leaf(None) => false,
    }
}

/// Iceberg's strict metrics rules for one bound leaf. Bounds may be truncated (strings): a
/// lower bound is then below every value and an upper bound above, which keeps these rules
/// sound. Nulls (and NaNs for floats) make a comparison NULL, so a column with any fails.
fn leaf_strictly_true(predicate: &BoundPredicate, file: &DataFile) -> bool {
    match predicate {
        BoundPredicate::AlwaysTrue => true,
        BoundPredicate::AlwaysFalse => false,
        BoundPredicate::And(e) => {
            let [a, b] = e.inputs();
            leaf_strictly_true(a, file) && leaf_strictly_true(b, file)
        }
        BoundPredicate::Or(e) => {
            let [a, b] = e.inputs();
            leaf_strictly_true(a, file) || leaf_strictly_true(b, file)
        }
        BoundPredicate::Not(_) => false,
        BoundPredicate::Unary(e) => {
            let id = e.term().field().id;
            let values = file.value_counts().get(&id).copied();
            let nulls = file.null_value_counts().get(&id).copied();
            match e.op() {
                PredicateOperator::IsNull => values.is_some() && nulls == values,
                PredicateOperator::NotNull => values.is_some() && nulls == Some(0),
                _ => false,
            }
        }
        BoundPredicate::Binary(e) => {
            let field = e.term().field();
            if !comparable_values_only(file, field.id, &field.field_type) {
                return false;
            }
            let (Some(lower), Some(upper)) = (
                file.lower_bounds().get(&field.id),
                file.upper_bounds().get(&field.id),
            ) else {
                return false;
            };
            let literal = e.literal();
            use std::cmp::Ordering::*;
            let cmp = |a: &iceberg::spec::Datum, b: &iceberg::spec::Datum| a.partial_cmp(b);
            match e.op() {
                PredicateOperator::LessThan => cmp(upper, literal) == Some(Less),
                PredicateOperator::LessThanOrEq => {
                    matches!(cmp(upper, literal), Some(Less | Equal))
                }
                PredicateOperator::GreaterThan => cmp(lower, literal) == Some(Greater),
                PredicateOperator::GreaterThanOrEq => {
                    matches!(cmp(lower, literal), Some(Greater | Equal))
                }
                PredicateOperator::Eq => {
                    cmp(lower, literal) == Some(Equal) && cmp(upper, literal) == Some(Equal)
                }
                PredicateOperator::NotEq => {
                    cmp(literal, lower) == Some(Less) || cmp(literal, upper) == Some(Greater)
                }
                _ => false,
            }
        }
        BoundPredicate::Set(e) => {
            let field = e.term().field();
            if e.op() != PredicateOperator::In
                || !comparable_values_only(file, field.id, &field.field_type)
            {
                return false;
            }
            match (
                file.lower_bounds().get(&field.id),
                file.upper_bounds().get(&field.id),
            ) {
                (Some(lower), Some(upper)) => lower == upper && e.literals().contains(lower),
                _ => false,
            }
        }
    }
}

/// Whether the file records that the column holds no nulls (and, for floats, no NaNs).
fn comparable_values_only(file: &DataFile, id: i32, field_type: &Type) -> bool {
    if file.null_value_counts().get(&id).copied() != Some(0) {
        return false;
    }
    match field_type {
        Type::Primitive(PrimitiveType::Float | PrimitiveType::Double) => {
            file.nan_value_counts().get(&id).copied() == Some(0)
        }
        _ => true,
    }
}

impl super::row_matches::RowMatcher for RowFilter {
    fn field_ids(&self) -> Vec<i32> {
        self.field_ids.clone()
    }

    fn prepare(
        &self,
        _path: &str,
        schema: &arrow::datatypes::Schema,
    ) -> Result<Box<dyn super::row_matches::BatchMatcher>> {
        Ok(Box::new(self.evaluator(schema)?))
    }
}

impl super::row_matches::BatchMatcher for RowEvaluator {
    fn matches(&mut self, batch: &RecordBatch) -> Result<BooleanArray> {
        RowEvaluator::matches(self, batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iceberg::spec::{DataContentType, DataFileBuilder, DataFileFormat, Datum, NestedField};
    use std::collections::HashMap;

    fn schema() -> IcebergSchema {
        IcebergSchema::builder()
            .with_fields(vec![
                NestedField::required(1, "id", Type::Primitive(PrimitiveType::Long)).into(),
                NestedField::optional(2, "x", Type::Primitive(PrimitiveType::Double)).into(),
                NestedField::optional(3, "region", Type::Primitive(PrimitiveType::String)).into(),
            ])
            .build()
            .unwrap()
    }

    /// A file whose ids run 10..=20, x is 4.6 throughout (no NaN), region is 'eu' or null.
    fn file(region_nulls: u64) -> DataFile {
        DataFileBuilder::default()
            .content(DataContentType::Data)
            .file_path("f.parquet".into())
            .file_format(DataFileFormat::Parquet)
            .record_count(11)
            .file_size_in_bytes(100)
            .value_counts(HashMap::from([(1, 11), (2, 11), (3, 11)]))
            .null_value_counts(HashMap::from([(1, 0), (2, 0), (3, region_nulls)]))
            .nan_value_counts(HashMap::from([(2, 0)]))
            .lower_bounds(HashMap::from([
                (1, Datum::long(10)),
                (2, Datum::double(4.6)),
                (3, Datum::string("eu")),
            ]))
            .upper_bounds(HashMap::from([
                (1, Datum::long(20)),
                (2, Datum::double(4.6)),
                (3, Datum::string("eu")),
            ]))
            .build()
            .unwrap()
    }

    fn whole(text: &str, file: &DataFile) -> bool {
        RowFilter::parse(&schema(), text, "--where")
            .unwrap()
            .matches_whole_file(file)
    }

    #[test]
    fn whole_files_are_judged_by_their_metrics_only_when_sound() {
        let f = file(0);
        assert!(whole("id >= 10", &f));
        assert!(whole("id < 21 AND region = 'eu'", &f));
        assert!(whole("id > 100 OR region = 'eu'", &f));
        assert!(whole("region IN ('eu', 'us')", &f));
        assert!(whole("id <> 5", &f));
        assert!(!whole("id > 10", &f), "the lower bound itself may be a row");
        assert!(!whole("id % 2 = 0", &f));
        // Simplified to id >= 5 first, which every row meets.
        assert!(whole("NOT (id < 5)", &f));
        assert!(!whole("NOT (id < 15)", &f));
        // Floats are never judged by bounds (-0.0 and NaN compare differently in Arrow).
        assert!(!whole("x >= 4.6", &f));
        // CAST(4.6 AS INT) is 4: dropping the cast would say every row matches.
        assert!(!whole("CAST(x AS INT) > 4", &f));
        // A null region is not 'eu': the file may keep rows.
        assert!(!whole("region = 'eu'", &file(1)));
        assert!(whole("region IS NOT NULL", &f));
        assert!(!whole("region IS NOT NULL", &file(1)));
    }
}
