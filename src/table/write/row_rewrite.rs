//! Copy-on-write: a data file's rows written again without the positions a change drops
//! (rows deleted before, rows it deletes now), into the table's current spec and file size.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow::array::{BooleanArray, RecordBatch};
use futures::StreamExt;
use iceberg::scan::FileScanTask;
use iceberg::table::Table;
use tokio::sync::mpsc;

use super::data_writer::TableDataWriter;
use crate::table::read::lineage_scan::{read_with_lineage, LineageRead};
use crate::table::read::parallel_scan::read_whole_files;
use crate::table::read::row_lineage::{with_lineage_fields, FileLineage};
use crate::table::read::struct_projection::{has_grown_fields_to_fill, narrow_tasks};
use crate::table::storage::stores::Stores;

const BATCH_ROWS: usize = 8192;

/// A file to rewrite and the positions to leave out (ascending).
pub struct FileRewrite {
    pub task: FileScanTask,
    pub dropped: Vec<u64>,
}

/// Feed the kept rows of every file to `writer`, files read concurrently.
/// With `lineage` (format v3), each kept row's `_row_id` and `_last_updated_sequence_number`
/// go with it, and `writer` must write them (`row_lineage::rewrite_schema`).
pub async fn write_kept_rows(
    table: &Table,
    stores: &Stores,
    files: Vec<FileRewrite>,
    lineage: Option<Arc<HashMap<String, FileLineage>>>,
    writer: &mut TableDataWriter,
) -> Result<u64> {
    let metadata = table.metadata();
    let schema = metadata.current_schema();
    let fill = has_grown_fields_to_fill(metadata, schema);
    let arrow_schema = match &lineage {
        Some(_) => Arc::new(iceberg::arrow::schema_to_arrow_schema(
            &with_lineage_fields(schema)?,
        )?),
        None => Arc::new(iceberg::arrow::schema_to_arrow_schema(schema)?),
    };
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let (tx, mut rx) = mpsc::channel::<Result<RecordBatch>>(4);
    let readers = {
        let (table, stores, arrow_schema) = (table.clone(), stores.clone(), arrow_schema.clone());
        tokio::spawn(async move {
            let jobs = files.into_iter().map(|file| {
                let (table, stores, arrow_schema, lineage, tx) = (
                    table.clone(),
                    stores.clone(),
                    arrow_schema.clone(),
                    lineage.clone(),
                    tx.clone(),
                );
                tokio::spawn(async move {
                    let read = Reading {
                        fill,
                        schema: arrow_schema,
                        lineage,
                    };
                    if let Err(e) = send_kept_rows(&table, &stores, file, read, &tx).await {
                        let _ = tx.send(Err(e)).await;
                    }
                })
            });
            let mut running = futures::stream::iter(jobs).buffer_unordered(cores.max(1));
            while let Some(joined) = running.next().await {
                // A reader that panicked sent only some of its rows: fail the rewrite rather
                // than commit it short.
                if let Err(e) = joined {
                    let _ = tx
                        .send(Err(anyhow::anyhow!("reading rows to rewrite failed: {e}")))
                        .await;
                    return;
                }
            }
        })
    };
    let mut rows = 0u64;
    let mut outcome = Ok(());
    while let Some(batch) = rx.recv().await {
        match batch {
            Ok(batch) => {
                rows += batch.num_rows() as u64;
                if let Err(e) = writer.write(batch).await {
                    outcome = Err(e);
                    break;
                }
            }
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
    }
    drop(rx);
    readers.abort();
    let _ = readers.await;
    outcome.map(|()| rows)
}

/// How one file's rows are read for a rewrite.
struct Reading {
    /// Nested fields the file lacks are filled with nulls.
    fill: bool,
    /// The batches' schema.
    schema: arrow::datatypes::SchemaRef,
    lineage: Option<Arc<HashMap<String, FileLineage>>>,
}

async fn send_kept_rows(
    table: &Table,
    stores: &Stores,
    file: FileRewrite,
    read: Reading,
    tx: &mpsc::Sender<Result<RecordBatch>>,
) -> Result<()> {
    let path = file.task.data_file_path.clone();
    let mut task = file.task;
    // Every row in file order (row N is position N); `dropped` names the ones that go.
    task.deletes = vec![];
    let tasks = if read.fill {
        narrow_tasks(stores, vec![task]).await?
    } else {
        vec![task]
    };
    let mut stream = match read.lineage {
        Some(lineage) => read_with_lineage(
            LineageRead {
                table: table.clone(),
                stores: stores.clone(),
                lineage,
                schema: read.schema,
                batch_size: BATCH_ROWS,
            },
            tasks,
        ),
        None => read_whole_files(table, tasks, BATCH_ROWS, read.fill.then_some(read.schema)),
    };
    let dropped = file.dropped;
    let (mut position, mut cursor) = (0u64, 0usize);
    while let Some(batch) = stream.next().await {
        let batch = batch.with_context(|| format!("cannot read {path}"))?;
        let rows = batch.num_rows();
        let keep: BooleanArray = (0..rows)
            .map(|row| {
                let at = position + row as u64;
                while cursor < dropped.len() && dropped[cursor] < at {
                    cursor += 1;
                }
                Some(!(cursor < dropped.len() && dropped[cursor] == at))
            })
            .collect();
        position += rows as u64;
        let kept = arrow::compute::filter_record_batch(&batch, &keep)?;
        if kept.num_rows() > 0 && tx.send(Ok(kept)).await.is_err() {
            return Ok(());
        }
    }
    Ok(())
}
