//! Reading rows with their lineage (format v3): `_row_id` and `_last_updated_sequence_number`
//! beside the data columns, deletes applied.
//!
//! iceberg 0.10's reader neither derives these columns nor reads them from files that store
//! them. So each file is read in order with no deletes (row N of the stream is position N, as
//! `row_matches` does), its stored lineage columns are read by field id where it has them, and a
//! row's values are the stored ones or, where null or absent, `first_row_id + position` and the
//! file's data sequence number, as the spec says. Then the rows its deletes remove are dropped.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow::array::{Array, ArrayRef, BooleanArray, Int64Array, RecordBatch, RecordBatchOptions};
use arrow::datatypes::SchemaRef;
use datafusion::error::{DataFusionError, Result as DfResult};
use futures::{SinkExt, StreamExt, TryStreamExt};
use iceberg::scan::FileScanTask;
use iceberg::table::Table;
use parquet::arrow::async_reader::ParquetObjectReader;
use parquet::arrow::{ParquetRecordBatchStreamBuilder, ProjectionMask};

use super::manifest_stream::load_manifests;
use super::row_lineage::{
    is_lineage_column, FileLineage, LAST_UPDATED, LAST_UPDATED_FIELD_ID, ROW_ID, ROW_ID_FIELD_ID,
};
use super::row_matches::{
    equality_field_ids, read_in_file_order, DeleteFiles, FileDeletes, RowState,
};
use crate::struct_fill::fill_struct_fields;
use crate::table::storage::stores::Stores;

/// Data file path → its lineage, for every live data file of `snapshot_id`.
pub async fn data_file_lineage(
    table: &Table,
    snapshot_id: i64,
) -> Result<HashMap<String, FileLineage>> {
    let mut out = HashMap::new();
    let Some(snapshot) = table.metadata().snapshot_by_id(snapshot_id) else {
        return Ok(out);
    };
    let list = table.manifest_list_reader(snapshot).load().await?;
    let data = list
        .entries()
        .iter()
        .filter(|m| m.content == iceberg::spec::ManifestContentType::Data)
        .cloned()
        .collect();
    let mut manifests = load_manifests(table.file_io(), data);
    while let Some((_, loaded)) = manifests.next().await {
        for entry in loaded?.entries().iter().filter(|e| e.is_alive()) {
            if let Some(lineage) = FileLineage::of(entry) {
                out.insert(entry.data_file.file_path().to_string(), lineage);
            }
        }
    }
    Ok(out)
}

/// What a lineage read needs besides the tasks.
#[derive(Clone)]
pub struct LineageRead {
    pub table: Table,
    pub stores: Stores,
    pub lineage: Arc<HashMap<String, FileLineage>>,
    /// The batches' schema: data columns by name, and the lineage columns wanted.
    pub schema: SchemaRef,
    pub batch_size: usize,
}

/// Every live row of `tasks`' files with the columns of `read.schema`, one file after another,
/// streamed: a task reads ahead a couple of batches at most.
pub fn read_with_lineage(
    read: LineageRead,
    tasks: Vec<FileScanTask>,
) -> futures::stream::BoxStream<'static, DfResult<RecordBatch>> {
    let (mut tx, rx) = futures::channel::mpsc::channel::<DfResult<RecordBatch>>(2);
    let reading = tokio::spawn(async move {
        let deletes = DeleteFiles::default();
        for task in tasks {
            match read_file(&read, task, &deletes, &mut tx).await {
                Ok(true) => {}
                // The reader went away: nobody wants the rest.
                Ok(false) => return,
                Err(e) => {
                    let _ = tx.send(Err(DataFusionError::External(e.into()))).await;
                    return;
                }
            }
        }
    });
    // A task that panicked ends the channel as if every row had been sent: say so instead,
    // or a rewrite would commit fewer rows than it read.
    let end = futures::stream::once(async move {
        reading.await.err().map(|e| {
            Err(DataFusionError::Execution(format!(
                "reading rows with their lineage failed: {e}"
            )))
        })
    })
    .filter_map(futures::future::ready);
    rx.chain(end).boxed()
}

/// Send one file's live rows to `out`; `false` when `out` is closed.
async fn read_file(
    read: &LineageRead,
    task: FileScanTask,
    deletes: &DeleteFiles,
    out: &mut futures::channel::mpsc::Sender<DfResult<RecordBatch>>,
) -> Result<bool> {
    let path = task.data_file_path.clone();
    let lineage = read.lineage.get(&path).copied().unwrap_or(FileLineage {
        first_row_id: None,
        sequence_number: None,
    });
    let schema = task.schema.clone();
    let mut ids: Vec<i32> = read
        .schema
        .fields()
        .iter()
        .filter(|f| !is_lineage_column(f.name()))
        .filter_map(|f| schema.field_id_by_name(f.name()))
        .collect();
    for id in equality_field_ids(&task) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        // Rows but no data columns: read the narrowest, the first column.
        ids.extend(schema.as_struct().fields().first().map(|f| f.id));
    }
    let mut file_deletes = FileDeletes::read(&read.stores, &task, deletes).await?;
    let (stored_row_ids, stored_updated) =
        stored_lineage(&read.stores, &path, task.file_size_in_bytes).await?;
    let mut stream = read_in_file_order(&read.table, &task, ids, read.batch_size)?;
    let mut position = 0u64;
    while let Some(batch) = stream.next().await {
        let batch = batch.with_context(|| format!("cannot read {path}"))?;
        let rows = batch.num_rows();
        let keep: BooleanArray = file_deletes
            .row_states(&batch, position)?
            .into_iter()
            .map(|state| Some(state == RowState::Live))
            .collect();
        let row_ids = lineage_values(&stored_row_ids, position, rows, |pos| {
            lineage.first_row_id.map(|first| first + pos as i64)
        });
        let updated = lineage_values(&stored_updated, position, rows, |_| lineage.sequence_number);
        let mut columns: Vec<ArrayRef> = vec![];
        for field in read.schema.fields() {
            let column: ArrayRef = match field.name().as_str() {
                ROW_ID => Arc::new(row_ids.clone()),
                LAST_UPDATED => Arc::new(updated.clone()),
                // By name, nested fields the file lacks filled with nulls (`struct_projection`).
                name => match batch.column_by_name(name) {
                    Some(column) => fill_struct_fields(column, field.data_type())
                        .map_err(|e| anyhow::anyhow!("column '{name}' of {path} {e}"))?,
                    None => arrow::array::new_null_array(field.data_type(), rows),
                },
            };
            columns.push(column);
        }
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        let full = RecordBatch::try_new_with_options(read.schema.clone(), columns, &options)?;
        let kept = arrow::compute::filter_record_batch(&full, &keep)?;
        if kept.num_rows() > 0 && out.send(Ok(kept)).await.is_err() {
            return Ok(false);
        }
        position += rows as u64;
    }
    Ok(true)
}

/// The lineage column values of rows `from .. from + rows`: the stored value where the file
/// has a non-null one, else `derive(position)`.
fn lineage_values(
    stored: &Option<Int64Array>,
    from: u64,
    rows: usize,
    derive: impl Fn(u64) -> Option<i64>,
) -> Int64Array {
    (0..rows)
        .map(|row| {
            let at = from + row as u64;
            match stored {
                Some(values) if (at as usize) < values.len() && values.is_valid(at as usize) => {
                    Some(values.value(at as usize))
                }
                _ => derive(at),
            }
        })
        .collect()
}

/// The `_row_id` and `_last_updated_sequence_number` columns a data file stores (a rewrite
/// keeps the old values there), found by field id; `None` for a column it lacks.
async fn stored_lineage(
    stores: &Stores,
    path: &str,
    size: u64,
) -> Result<(Option<Int64Array>, Option<Int64Array>)> {
    let (store, object) = stores.resolve(path)?;
    let reader = ParquetObjectReader::new(store, object).with_file_size(size);
    let builder = ParquetRecordBatchStreamBuilder::new(reader)
        .await
        .with_context(|| format!("cannot read the Parquet footer of {path}"))?;
    let descriptor = builder.metadata().file_metadata().schema_descr_ptr();
    let root = descriptor.root_schema();
    let index_of = |id: i32| {
        root.get_fields()
            .iter()
            .position(|f| f.get_basic_info().has_id() && f.get_basic_info().id() == id)
    };
    let (row_id_at, updated_at) = (index_of(ROW_ID_FIELD_ID), index_of(LAST_UPDATED_FIELD_ID));
    let roots: Vec<usize> = [row_id_at, updated_at].into_iter().flatten().collect();
    if roots.is_empty() {
        return Ok((None, None));
    }
    let mask = ProjectionMask::roots(&descriptor, roots);
    let batches: Vec<RecordBatch> = builder
        .with_projection(mask)
        .build()?
        .try_collect()
        .await
        .with_context(|| format!("cannot read the lineage columns of {path}"))?;
    let column = |id: i32| -> Result<Option<Int64Array>> {
        let mut parts: Vec<ArrayRef> = vec![];
        for batch in &batches {
            let found = batch.schema().fields().iter().position(|f| {
                f.metadata()
                    .get(parquet::arrow::PARQUET_FIELD_ID_META_KEY)
                    .and_then(|v| v.parse::<i32>().ok())
                    == Some(id)
            });
            match found {
                Some(i) => parts.push(arrow::compute::cast(
                    batch.column(i),
                    &arrow::datatypes::DataType::Int64,
                )?),
                None => return Ok(None),
            }
        }
        if parts.is_empty() {
            return Ok(Some(Int64Array::from(Vec::<i64>::new())));
        }
        let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
        let joined = arrow::compute::concat(&refs)?;
        Ok(joined.as_any().downcast_ref::<Int64Array>().cloned())
    };
    Ok((column(ROW_ID_FIELD_ID)?, column(LAST_UPDATED_FIELD_ID)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_win_and_nulls_are_derived_from_the_position() {
        let stored = Some(Int64Array::from(vec![Some(7), None, Some(9), None]));
        let got = lineage_values(&stored, 1, 3, |pos| Some(100 + pos as i64));
        assert_eq!(got, Int64Array::from(vec![Some(101), Some(9), Some(103)]));
        let none = lineage_values(&None, 0, 2, |_| None);
        assert_eq!(none, Int64Array::from(vec![None, None]));
    }
}
