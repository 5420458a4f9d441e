//! Writing a result stream to a file (local or s3://) as Parquet, CSV or NDJSON, streamed
//! through the object store with memory bounded by one batch.

use anyhow::Result;
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use futures::{Stream, StreamExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::error::FloeError;
use crate::json_rows::json_ready;
use crate::table::storage::stores::{normalize_location, Stores};

/// File formats a result can be written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Parquet,
    Csv,
    Json,
}

impl FileFormat {
    pub fn from_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".parquet") {
            Some(FileFormat::Parquet)
        } else if lower.ends_with(".csv") {
            Some(FileFormat::Csv)
        } else if lower.ends_with(".json")
            || lower.ends_with(".ndjson")
            || lower.ends_with(".jsonl")
        {
            Some(FileFormat::Json)
        } else {
            None
        }
    }
}

/// Write `batches` to `location` in the format its name says; returns (location, rows).
pub async fn export_to<S>(
    batches: S,
    schema: SchemaRef,
    file: &str,
    stores: &Stores,
) -> Result<(String, u64)>
where
    S: Stream<Item = Result<RecordBatch>> + Send + Unpin,
{
    let format = FileFormat::from_name(file).ok_or_else(|| {
        FloeError::usage(format!(
            "--out {file}: the name must end in .parquet, .csv or .json"
        ))
    })?;
    let location = normalize_location(file)?;
    let (store, path) = stores.resolve(&location)?;
    let sink = object_store::buffered::BufWriter::new(store, path);
    let rows = write(batches, schema, format, sink).await?;
    Ok((location, rows))
}

async fn write<S, W>(
    mut batches: S,
    schema: SchemaRef,
    format: FileFormat,
    mut sink: W,
) -> Result<u64>
where
    S: Stream<Item = Result<RecordBatch>> + Send + Unpin,
    W: AsyncWrite + Unpin + Send,
{
    let mut rows = 0u64;
    match format {
        FileFormat::Parquet => {
            let mut writer = parquet::arrow::AsyncArrowWriter::try_new(sink, schema, None)?;
            while let Some(batch) = batches.next().await {
                let batch = batch?;
                rows += batch.num_rows() as u64;
                writer.write(&batch).await?;
            }
            writer.close().await?;
        }
        FileFormat::Csv | FileFormat::Json => {
            let mut header = format == FileFormat::Csv;
            while let Some(batch) = batches.next().await {
                let batch = batch?;
                rows += batch.num_rows() as u64;
                let mut buf = Vec::new();
                if format == FileFormat::Csv {
                    let mut writer = arrow::csv::WriterBuilder::new()
                        .with_header(header)
                        .build(&mut buf);
                    writer.write(&batch)?;
                    header = false;
                } else {
                    let batch = json_ready(&batch)?;
                    let mut writer = arrow::json::WriterBuilder::new()
                        .with_explicit_nulls(true)
                        .build::<_, arrow::json::writer::LineDelimited>(&mut buf);
                    writer.write(&batch)?;
                    writer.finish()?;
                }
                sink.write_all(&buf).await?;
            }
            if header {
                let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                sink.write_all(format!("{}\n", names.join(",")).as_bytes())
                    .await?;
            }
            sink.shutdown().await?;
        }
    }
    Ok(rows)
}
