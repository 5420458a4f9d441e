//! The keys of an upsert's input: collected while the input is written (a key twice is an
//! error naming it), matched against the table's rows, and recorded per data file so
//! equality deletes name only keys that were found, in the partitions they were found in.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use arrow::array::{Array, ArrayRef, BooleanArray, RecordBatch};
use arrow::datatypes::{DataType, Schema as ArrowSchema};
use arrow::row::{RowConverter, SortField};
use datafusion::functions_aggregate::min_max::{MaxAccumulator, MinAccumulator};
use datafusion::logical_expr::Accumulator;
use datafusion::prelude::{col, lit, Expr};
use iceberg::expr::Predicate;
use iceberg::spec::{PrimitiveType, Schema as IcebergSchema, Type};

use crate::error::FloeError;
use crate::table::read::row_matches::{BatchMatcher, RowMatcher};

/// One key column.
#[derive(Debug, Clone)]
pub struct KeyColumn {
    pub field_id: i32,
    pub name: String,
    pub data_type: DataType,
}

/// The input's keys.
pub struct KeySet {
    columns: Vec<KeyColumn>,
    converter: RowConverter,
    rows: HashSet<Vec<u8>>,
    bounds: Vec<(MinAccumulator, MaxAccumulator)>,
    /// Data file path → the input keys found in it.
    found: Mutex<HashMap<String, HashSet<Vec<u8>>>>,
    /// The table schema the keys belong to, for the pruning predicate's column types.
    schema: IcebergSchema,
}

impl KeySet {
    /// Keys named by `names`, or the schema's identifier fields when `names` is empty.
    pub fn new(schema: &IcebergSchema, names: &[String]) -> Result<Self> {
        let ids: Vec<i32> = if names.is_empty() {
            let ids: Vec<i32> = schema.identifier_field_ids().collect();
            if ids.is_empty() {
                return Err(FloeError::usage(
                    "--upsert needs a key: the table has no identifier fields",
                )
                .with_hint("name the key columns: --upsert id or --upsert a,b (or set identifier fields with `floe schema evolve`)")
                .into());
            }
            ids
        } else {
            let mut ids = vec![];
            for name in names {
                let id = schema.field_id_by_name(name.trim()).ok_or_else(|| {
                    FloeError::usage(format!(
                        "--upsert key '{}' is not a column of the table",
                        name.trim()
                    ))
                })?;
                if ids.contains(&id) {
                    return Err(FloeError::usage(format!(
                        "--upsert names '{}' twice",
                        name.trim()
                    ))
                    .into());
                }
                ids.push(id);
            }
            ids
        };
        let mut columns = vec![];
        for id in ids {
            let field = schema
                .field_by_id(id)
                .with_context(|| format!("field {id} is not in the schema"))?;
            let name = schema
                .name_by_field_id(id)
                .unwrap_or(&field.name)
                .to_string();
            match field.field_type.as_ref() {
                Type::Primitive(PrimitiveType::Float | PrimitiveType::Double) => {
                    return Err(FloeError::usage(format!(
                        "--upsert key '{name}' is a floating-point column; keys must compare exactly"
                    ))
                    .into())
                }
                Type::Primitive(_) => {}
                _ => {
                    return Err(FloeError::usage(format!(
                        "--upsert key '{name}' is not a primitive column"
                    ))
                    .into())
                }
            }
            if name.contains('.') {
                return Err(FloeError::usage(format!(
                    "--upsert key '{name}' is nested; keys must be top-level columns"
                ))
                .into());
            }
            columns.push(KeyColumn {
                field_id: id,
                name,
                data_type: iceberg::arrow::type_to_arrow_type(&field.field_type)?,
            });
        }
        let converter = RowConverter::new(
            columns
                .iter()
                .map(|c| SortField::new(c.data_type.clone()))
                .collect(),
        )?;
        let bounds = columns
            .iter()
            .map(|c| {
                Ok((
                    MinAccumulator::try_new(&c.data_type)?,
                    MaxAccumulator::try_new(&c.data_type)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(KeySet {
            columns,
            converter,
            rows: HashSet::new(),
            bounds,
            found: Mutex::new(HashMap::new()),
            schema: schema.clone(),
        })
    }

    pub fn columns(&self) -> &[KeyColumn] {
        &self.columns
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn key_columns(&self, batch: &RecordBatch) -> Result<Vec<ArrayRef>> {
        self.columns
            .iter()
            .map(|c| {
                let column = batch
                    .column_by_name(&c.name)
                    .with_context(|| format!("key column {} was not read", c.name))?;
                Ok(arrow::compute::cast(column, &c.data_type)?)
            })
            .collect()
    }

    /// Add an input batch's keys; `file` and `first_row` (1-based) name rows in errors.
    pub fn add_batch(&mut self, batch: &RecordBatch, file: &str, first_row: u64) -> Result<()> {
        let columns = self.key_columns(batch)?;
        for (column, key) in columns.iter().zip(&self.columns) {
            if let Some(row) = (0..column.len()).find(|r| column.is_null(*r)) {
                return Err(FloeError::invalid(format!(
                    "{file}: row {} has no value for key column {}",
                    first_row + row as u64,
                    key.name
                ))
                .into());
            }
        }
        for (column, (min, max)) in columns.iter().zip(self.bounds.iter_mut()) {
            min.update_batch(std::slice::from_ref(column))?;
            max.update_batch(std::slice::from_ref(column))?;
        }
        let rows = self.converter.convert_columns(&columns)?;
        for (i, row) in rows.iter().enumerate() {
            if !self.rows.insert(row.as_ref().to_vec()) {
                let key: Vec<String> = self
                    .columns
                    .iter()
                    .zip(&columns)
                    .map(|(c, array)| {
                        let value = arrow::util::display::array_value_to_string(array, i)
                            .unwrap_or_else(|_| "?".into());
                        format!("{}={value}", c.name)
                    })
                    .collect();
                return Err(FloeError::invalid(format!(
                    "{file}: row {} repeats key ({}) within the input; an upsert takes each key once",
                    first_row + i as u64,
                    key.join(", ")
                ))
                .with_hint("deduplicate the input first, keeping the row you want")
                .into());
            }
        }
        Ok(())
    }

    /// A predicate selecting files that may hold a key: each key column within the input's
    /// range of values.
    pub fn pruning(&mut self) -> Option<Predicate> {
        if self.rows.is_empty() {
            return None;
        }
        let mut conjuncts: Vec<Expr> = vec![];
        for (column, (min, max)) in self.columns.iter().zip(self.bounds.iter_mut()) {
            let (Ok(low), Ok(high)) = (min.evaluate(), max.evaluate()) else {
                continue;
            };
            if low.is_null() || high.is_null() {
                continue;
            }
            conjuncts.push(col(&column.name).gt_eq(lit(low)));
            conjuncts.push(col(&column.name).lt_eq(lit(high)));
        }
        let expr = conjuncts.into_iter().reduce(Expr::and)?;
        crate::table::read::sound_predicate::inclusive(&expr, &self.schema)
    }

    /// Forget which keys were found where (before matching again from a new state).
    pub fn forget_found(&self) {
        self.found.lock().expect("found lock").clear();
    }

    /// The keys found in any of `paths`, as columns.
    pub fn found_in<'a>(&self, paths: impl IntoIterator<Item = &'a str>) -> Result<Vec<ArrayRef>> {
        let found = self.found.lock().expect("found lock");
        let mut union: HashSet<&[u8]> = HashSet::new();
        for path in paths {
            if let Some(keys) = found.get(path) {
                union.extend(keys.iter().map(Vec::as_slice));
            }
        }
        let mut rows: Vec<&[u8]> = union.into_iter().collect();
        rows.sort_unstable();
        let parser = self.converter.parser();
        let parsed: Vec<_> = rows.iter().map(|r| parser.parse(r)).collect();
        Ok(self.converter.convert_rows(parsed)?)
    }
}

/// [`KeySet`] as a row condition: rows whose key is one of the input's.
#[derive(Clone)]
pub struct KeyMatcher(pub Arc<KeySet>);

impl RowMatcher for KeyMatcher {
    fn field_ids(&self) -> Vec<i32> {
        self.0.columns.iter().map(|c| c.field_id).collect()
    }

    fn prepare(&self, path: &str, _schema: &ArrowSchema) -> Result<Box<dyn BatchMatcher>> {
        Ok(Box::new(FileKeyMatcher {
            keys: self.0.clone(),
            path: path.to_string(),
        }))
    }
}

struct FileKeyMatcher {
    keys: Arc<KeySet>,
    path: String,
}

impl BatchMatcher for FileKeyMatcher {
    fn matches(&mut self, batch: &RecordBatch) -> Result<BooleanArray> {
        let columns = self.keys.key_columns(batch)?;
        let rows = self.keys.converter.convert_columns(&columns)?;
        let mut hits = Vec::with_capacity(batch.num_rows());
        let mut found = vec![];
        for (i, row) in rows.iter().enumerate() {
            // A null key never equals an input key (input keys have no nulls).
            let null = columns.iter().any(|c| c.is_null(i));
            let hit = !null && self.keys.rows.contains(row.as_ref());
            if hit {
                found.push(row.as_ref().to_vec());
            }
            hits.push(hit);
        }
        if !found.is_empty() {
            self.keys
                .found
                .lock()
                .expect("found lock")
                .entry(self.path.clone())
                .or_default()
                .extend(found);
        }
        Ok(BooleanArray::from(hits))
    }
}
