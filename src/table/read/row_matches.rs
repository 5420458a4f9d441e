//! Which rows of a data file match a condition, by position: the file is read in order with
//! no deletes applied (row N of the stream is position N), and the delete files that apply to
//! it (position and equality) are read separately, so matched rows are the LIVE rows the
//! condition selects. Position deletes and copy-on-write rewrites are built from the result.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow::array::{Array, ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Schema as ArrowSchema};
use arrow::row::{RowConverter, SortField};
use futures::{StreamExt, TryStreamExt};
use iceberg::scan::{FileScanTask, FileScanTaskDeleteFile};
use iceberg::spec::DataContentType;
use iceberg::table::Table;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use tokio::sync::Mutex;

use crate::table::storage::stores::Stores;

/// Rows decoded per batch while matching.
const BATCH_ROWS: usize = 8192;

/// Field ids of the position delete file schema (Iceberg spec).
pub const DELETE_FILE_PATH_ID: i32 = 2147483546;
pub const DELETE_POS_ID: i32 = 2147483545;

/// A condition on rows.
pub trait RowMatcher: Send + Sync {
    /// The columns (field ids of the table's current schema) the condition reads.
    fn field_ids(&self) -> Vec<i32>;
    /// Bind to the layout of the batches of the data file `path` that will be matched.
    fn prepare(&self, path: &str, schema: &ArrowSchema) -> Result<Box<dyn BatchMatcher>>;
}

/// A condition bound to one batch layout.
pub trait BatchMatcher: Send {
    /// true where the row matches.
    fn matches(&mut self, batch: &RecordBatch) -> Result<BooleanArray>;
}

/// One data file's matching rows.
#[derive(Debug, Clone)]
pub struct FileMatches {
    pub task: FileScanTask,
    /// Rows not deleted before.
    pub live_rows: u64,
    /// Positions of live rows that match, ascending.
    pub matched: Vec<u64>,
    /// Positions deleted before (by position or equality deletes), ascending.
    pub dead: Vec<u64>,
}

impl FileMatches {
    /// Whether every live row matches.
    pub fn all_live_rows_match(&self) -> bool {
        self.matched.len() as u64 == self.live_rows
    }

    /// Positions a rewrite leaves out: dead rows and matched rows, ascending.
    pub fn dropped(&self) -> Vec<u64> {
        let mut out = Vec::with_capacity(self.dead.len() + self.matched.len());
        out.extend_from_slice(&self.dead);
        out.extend_from_slice(&self.matched);
        out.sort_unstable();
        out
    }
}

/// Data file path → positions deleted, from one position delete file.
pub type PositionsByFile = HashMap<String, Vec<u64>>;

/// Delete files read once and shared by every data file they apply to.
#[derive(Default)]
pub struct DeleteFiles {
    positions: Mutex<HashMap<String, Arc<PositionsByFile>>>,
    equalities: Mutex<HashMap<String, Arc<EqualityDeletes>>>,
}

/// An equality delete file's rows, in the row format of the table's column types.
struct EqualityDeletes {
    field_ids: Vec<i32>,
    /// The column types the rows were encoded in; data columns are cast to them.
    types: Vec<DataType>,
    rows: HashSet<Vec<u8>>,
}

impl DeleteFiles {
    /// Positions `data_file` lost to the position delete file `delete`.
    pub(crate) async fn positions(
        &self,
        stores: &Stores,
        delete: &FileScanTaskDeleteFile,
        data_file: &str,
    ) -> Result<Vec<u64>> {
        let mut cache = self.positions.lock().await;
        if !cache.contains_key(&delete.file_path) {
            let loaded = read_position_deletes(stores, &delete.file_path).await?;
            cache.insert(delete.file_path.clone(), Arc::new(loaded));
        }
        Ok(cache[&delete.file_path]
            .get(data_file)
            .cloned()
            .unwrap_or_default())
    }

    async fn equality(
        &self,
        stores: &Stores,
        delete: &FileScanTaskDeleteFile,
        types: &HashMap<i32, DataType>,
    ) -> Result<Arc<EqualityDeletes>> {
        let mut cache = self.equalities.lock().await;
        if let Some(found) = cache.get(&delete.file_path) {
            return Ok(found.clone());
        }
        let ids = delete.equality_ids.clone().unwrap_or_default();
        let loaded = Arc::new(read_equality_deletes(stores, &delete.file_path, &ids, types).await?);
        cache.insert(delete.file_path.clone(), loaded.clone());
        Ok(loaded)
    }
}

/// Find the matching live rows of each task's file, files read concurrently.
pub async fn match_files(
    table: &Table,
    stores: &Stores,
    tasks: Vec<FileScanTask>,
    matcher: Arc<dyn RowMatcher>,
) -> Result<Vec<FileMatches>> {
    let deletes = Arc::new(DeleteFiles::default());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let jobs = tasks.into_iter().map(|task| {
        let (table, stores, matcher, deletes) = (
            table.clone(),
            stores.clone(),
            matcher.clone(),
            deletes.clone(),
        );
        async move {
            let path = task.data_file_path.clone();
            tokio::spawn(async move { match_file(&table, &stores, task, matcher, &deletes).await })
                .await
                .with_context(|| format!("reading {path} failed"))?
        }
    });
    futures::stream::iter(jobs)
        .buffered(cores.max(1) * 2)
        .try_collect()
        .await
}

async fn match_file(
    table: &Table,
    stores: &Stores,
    task: FileScanTask,
    matcher: Arc<dyn RowMatcher>,
    deletes: &DeleteFiles,
) -> Result<FileMatches> {
    let mut ids = matcher.field_ids();
    for id in equality_field_ids(&task) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let mut file_deletes = FileDeletes::read(stores, &task, deletes).await?;
    let mut stream = read_in_file_order(table, &task, ids, BATCH_ROWS)?;
    let mut bound: Option<Box<dyn BatchMatcher>> = None;
    let (mut position, mut live_rows) = (0u64, 0u64);
    let mut matched = vec![];
    let mut more_dead = vec![];
    while let Some(batch) = stream.next().await {
        let batch = batch.with_context(|| format!("cannot read {}", task.data_file_path))?;
        if bound.is_none() {
            bound = Some(matcher.prepare(&task.data_file_path, batch.schema().as_ref())?);
        }
        let hits = bound.as_mut().expect("bound above").matches(&batch)?;
        for (row, state) in file_deletes
            .row_states(&batch, position)?
            .into_iter()
            .enumerate()
        {
            let at = position + row as u64;
            match state {
                RowState::DeletedByPosition => {}
                RowState::DeletedByEquality => more_dead.push(at),
                RowState::Live => {
                    live_rows += 1;
                    if hits.value(row) {
                        matched.push(at);
                    }
                }
            }
        }
        position += batch.num_rows() as u64;
    }
    let mut dead = file_deletes.positions;
    if !more_dead.is_empty() {
        dead.extend(more_dead);
        dead.sort_unstable();
    }
    // Deletes naming positions past the end delete nothing.
    dead.retain(|p| *p < position);
    Ok(FileMatches {
        task,
        live_rows,
        matched,
        dead,
    })
}

/// The field ids of the columns `task`'s equality deletes compare.
pub(crate) fn equality_field_ids(task: &FileScanTask) -> Vec<i32> {
    let mut ids = vec![];
    for delete in &task.deletes {
        for id in delete.equality_ids.iter().flatten() {
            if !ids.contains(id) {
                ids.push(*id);
            }
        }
    }
    ids
}

/// Read `task`'s file whole, in order, with no deletes and no predicate: row N of the
/// stream is position N. `ids` are the columns read (equality delete columns among them).
pub(crate) fn read_in_file_order(
    table: &Table,
    task: &FileScanTask,
    ids: Vec<i32>,
    batch_size: usize,
) -> Result<iceberg::scan::ArrowRecordBatchStream> {
    let mut plain = task.clone();
    plain.deletes = vec![];
    plain.predicate = None;
    plain.project_field_ids = ids;
    let reader = table
        .reader_builder()
        .with_batch_size(batch_size)
        .with_data_file_concurrency_limit(1)
        .build();
    Ok(reader
        .read(futures::stream::iter([Ok(plain)]).boxed())
        .with_context(|| format!("cannot read {}", task.data_file_path))?
        .stream())
}

/// What became of one row of a data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowState {
    Live,
    DeletedByPosition,
    DeletedByEquality,
}

/// The deletes that apply to one data file, read once (through the shared cache), and a
/// cursor over its rows in file order.
pub(crate) struct FileDeletes {
    /// Positions its position deletes (or DV) remove, ascending.
    pub positions: Vec<u64>,
    cursor: usize,
    equalities: Vec<Arc<EqualityDeletes>>,
    schema: iceberg::spec::SchemaRef,
}

impl FileDeletes {
    pub(crate) async fn read(
        stores: &Stores,
        task: &FileScanTask,
        cache: &DeleteFiles,
    ) -> Result<Self> {
        let schema = task.schema.clone();
        let types: HashMap<i32, DataType> = equality_field_ids(task)
            .into_iter()
            .filter_map(|id| {
                let field = schema.field_by_id(id)?;
                let arrow = iceberg::arrow::type_to_arrow_type(&field.field_type).ok()?;
                Some((id, arrow))
            })
            .collect();
        let mut positions: Vec<u64> = vec![];
        let mut equalities = vec![];
        for delete in &task.deletes {
            match delete.file_type {
                DataContentType::PositionDeletes => positions.extend(
                    cache
                        .positions(stores, delete, &task.data_file_path)
                        .await?,
                ),
                DataContentType::EqualityDeletes => {
                    equalities.push(cache.equality(stores, delete, &types).await?)
                }
                DataContentType::Data => {}
            }
        }
        positions.sort_unstable();
        positions.dedup();
        Ok(FileDeletes {
            positions,
            cursor: 0,
            equalities,
            schema,
        })
    }

    /// The state of each row of `batch`, the file's rows from position `from` on (batches
    /// come in file order).
    pub(crate) fn row_states(&mut self, batch: &RecordBatch, from: u64) -> Result<Vec<RowState>> {
        let by_equality = equality_mask(batch, &self.schema, &self.equalities)?;
        Ok((0..batch.num_rows())
            .map(|row| {
                let at = from + row as u64;
                while self.cursor < self.positions.len() && self.positions[self.cursor] < at {
                    self.cursor += 1;
                }
                if self.cursor < self.positions.len() && self.positions[self.cursor] == at {
                    RowState::DeletedByPosition
                } else if by_equality.as_ref().is_some_and(|m| m.value(row)) {
                    RowState::DeletedByEquality
                } else {
                    RowState::Live
                }
            })
            .collect())
    }
}

/// Rows of `batch` that some equality delete removes.
fn equality_mask(
    batch: &RecordBatch,
    schema: &iceberg::spec::Schema,
    equalities: &[Arc<EqualityDeletes>],
) -> Result<Option<BooleanArray>> {
    if equalities.is_empty() {
        return Ok(None);
    }
    let mut dead = vec![false; batch.num_rows()];
    for deletes in equalities {
        let mut columns: Vec<ArrayRef> = vec![];
        for (id, data_type) in deletes.field_ids.iter().zip(&deletes.types) {
            let name = schema
                .name_by_field_id(*id)
                .with_context(|| format!("equality delete column {id} is not in the table"))?;
            let column = batch
                .column_by_name(name)
                .with_context(|| format!("column {name} was not read"))?;
            columns.push(arrow::compute::cast(column, data_type)?);
        }
        let converter = RowConverter::new(
            deletes
                .types
                .iter()
                .map(|t| SortField::new(t.clone()))
                .collect(),
        )?;
        let rows = converter.convert_columns(&columns)?;
        for (i, row) in rows.iter().enumerate() {
            if deletes.rows.contains(row.as_ref()) {
                dead[i] = true;
            }
        }
    }
    Ok(Some(BooleanArray::from(dead)))
}

fn field_id(field: &arrow::datatypes::Field) -> Option<i32> {
    field
        .metadata()
        .get(parquet::arrow::PARQUET_FIELD_ID_META_KEY)
        .and_then(|v| v.parse().ok())
}

async fn parquet_batches(stores: &Stores, path: &str) -> Result<Vec<RecordBatch>> {
    let bytes = stores.read(path).await?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .with_context(|| format!("{path} is not a readable Parquet delete file"))?
        .with_batch_size(64 * 1024)
        .build()?;
    reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .with_context(|| format!("cannot read {path}"))
}

/// data file path → positions, from one position delete file.
pub async fn read_position_deletes(stores: &Stores, path: &str) -> Result<PositionsByFile> {
    let mut out = PositionsByFile::new();
    for batch in parquet_batches(stores, path).await? {
        let schema = batch.schema();
        let index = |id: i32, name: &str| {
            schema
                .fields()
                .iter()
                .position(|f| field_id(f) == Some(id))
                .or_else(|| schema.index_of(name).ok())
        };
        let (Some(file_col), Some(pos_col)) = (
            index(DELETE_FILE_PATH_ID, "file_path"),
            index(DELETE_POS_ID, "pos"),
        ) else {
            anyhow::bail!("{path} lacks the file_path and pos columns of a position delete file");
        };
        let files = arrow::compute::cast(batch.column(file_col), &DataType::Utf8)?;
        let files = files
            .as_any()
            .downcast_ref::<StringArray>()
            .context("file_path is not a string")?;
        let positions = arrow::compute::cast(batch.column(pos_col), &DataType::Int64)?;
        let positions = positions
            .as_any()
            .downcast_ref::<Int64Array>()
            .context("pos is not a long")?;
        for row in 0..batch.num_rows() {
            if files.is_null(row) || positions.is_null(row) {
                continue;
            }
            out.entry(files.value(row).to_string())
                .or_default()
                .push(positions.value(row).max(0) as u64);
        }
    }
    Ok(out)
}

async fn read_equality_deletes(
    stores: &Stores,
    path: &str,
    ids: &[i32],
    types: &HashMap<i32, DataType>,
) -> Result<EqualityDeletes> {
    let mut column_types = vec![];
    for id in ids {
        let data_type = types
            .get(id)
            .with_context(|| format!("{path} deletes by field {id}, which the table lacks"))?;
        column_types.push(data_type.clone());
    }
    let converter = RowConverter::new(
        column_types
            .iter()
            .map(|t| SortField::new(t.clone()))
            .collect(),
    )?;
    let mut rows = HashSet::new();
    for batch in parquet_batches(stores, path).await? {
        let schema = batch.schema();
        let mut columns = vec![];
        for id in ids {
            let index = schema
                .fields()
                .iter()
                .position(|f| field_id(f) == Some(*id))
                .with_context(|| format!("{path} lacks the column of field {id}"))?;
            columns.push(arrow::compute::cast(batch.column(index), &types[id])?);
        }
        let converted = converter.convert_columns(&columns)?;
        rows.extend(converted.iter().map(|r| r.as_ref().to_vec()));
    }
    Ok(EqualityDeletes {
        field_ids: ids.to_vec(),
        types: column_types,
        rows,
    })
}
