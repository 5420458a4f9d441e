//! Printing and exporting query results as they stream: a bounded table preview, one JSON
//! array, CSV, or a Parquet/CSV/JSON file. Memory stays bounded by one batch at a time.

use std::io::Write;

use anyhow::Result;
use arrow::array::{ArrayRef, AsArray, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use base64::Engine;
use futures::{Stream, StreamExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::{ClosedPipe, OutputFormat};

/// A result stream: batches sharing one schema.
pub type Batches = std::pin::Pin<Box<dyn Stream<Item = Result<RecordBatch>> + Send>>;

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

fn stdout_error(e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        ClosedPipe.into()
    } else {
        e.into()
    }
}

/// Make a batch JSON-friendly: decimals as strings (no float rounding), binary as base64,
/// timestamps as RFC 3339 strings.
pub fn json_ready(batch: &RecordBatch) -> Result<RecordBatch> {
    let mut fields = vec![];
    let mut columns: Vec<ArrayRef> = vec![];
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        let converted: ArrayRef = match field.data_type() {
            DataType::Decimal128(_, _) | DataType::Decimal256(_, _) | DataType::Timestamp(_, _) => {
                cast(column, &DataType::Utf8)?
            }
            DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
            | DataType::FixedSizeBinary(_) => {
                let as_binary = cast(column, &DataType::LargeBinary)?;
                let bytes = as_binary.as_binary::<i64>();
                let engine = base64::engine::general_purpose::STANDARD;
                std::sync::Arc::new(StringArray::from_iter(
                    bytes.iter().map(|v| v.map(|b| engine.encode(b))),
                ))
            }
            _ => column.clone(),
        };
        fields.push(Field::new(
            field.name(),
            converted.data_type().clone(),
            field.is_nullable(),
        ));
        columns.push(converted);
    }
    Ok(RecordBatch::try_new(
        std::sync::Arc::new(Schema::new(fields)),
        columns,
    )?)
}

/// Print a result on stdout; returns the number of rows.
pub async fn print(
    mut batches: Batches,
    schema: SchemaRef,
    format: OutputFormat,
    preview_rows: usize,
) -> Result<u64> {
    let mut rows = 0u64;
    match format {
        OutputFormat::Table => {
            let mut shown: Vec<RecordBatch> = vec![];
            let mut kept = 0usize;
            while let Some(batch) = batches.next().await {
                let batch = batch?;
                if kept < preview_rows {
                    let take = (preview_rows - kept).min(batch.num_rows());
                    shown.push(batch.slice(0, take));
                    kept += take;
                }
                rows += batch.num_rows() as u64;
            }
            let mut text = if shown.is_empty() {
                let empty = RecordBatch::new_empty(schema);
                arrow::util::pretty::pretty_format_batches(&[empty])?.to_string()
            } else {
                arrow::util::pretty::pretty_format_batches(&shown)?.to_string()
            };
            text.push('\n');
            if rows as usize > kept {
                text.push_str(&format!(
                    "({rows} rows, first {kept} shown; -o csv or --out FILE for all)\n"
                ));
            } else {
                text.push_str(&format!(
                    "({rows} row{})\n",
                    if rows == 1 { "" } else { "s" }
                ));
            }
            std::io::stdout()
                .lock()
                .write_all(text.as_bytes())
                .map_err(stdout_error)?;
        }
        OutputFormat::Json => {
            let mut out = std::io::stdout().lock();
            out.write_all(b"[").map_err(stdout_error)?;
            let mut first = true;
            while let Some(batch) = batches.next().await {
                let batch = json_ready(&batch?)?;
                rows += batch.num_rows() as u64;
                let mut buf = Vec::new();
                {
                    let mut writer = arrow::json::WriterBuilder::new()
                        .with_explicit_nulls(true)
                        .build::<_, arrow::json::writer::LineDelimited>(&mut buf);
                    writer.write(&batch)?;
                    writer.finish()?;
                }
                for line in buf.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                    if !first {
                        out.write_all(b",").map_err(stdout_error)?;
                    }
                    first = false;
                    out.write_all(b"\n").map_err(stdout_error)?;
                    out.write_all(line).map_err(stdout_error)?;
                }
            }
            out.write_all(if first { b"]\n" as &[u8] } else { b"\n]\n" })
                .map_err(stdout_error)?;
        }
        OutputFormat::Csv => {
            let mut out = std::io::stdout().lock();
            let mut writer = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut out);
            let mut wrote = false;
            while let Some(batch) = batches.next().await {
                let batch = batch?;
                rows += batch.num_rows() as u64;
                writer.write(&batch).map_err(|e| match e {
                    arrow::error::ArrowError::IoError(_, io) => stdout_error(io),
                    other => other.into(),
                })?;
                wrote = true;
            }
            if !wrote {
                let header: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                drop(writer);
                out.write_all(format!("{}\n", header.join(",")).as_bytes())
                    .map_err(stdout_error)?;
            }
        }
    }
    Ok(rows)
}

/// Write a result to `sink` as a file; returns the number of rows.
pub async fn export<W: AsyncWrite + Unpin + Send>(
    mut batches: Batches,
    schema: SchemaRef,
    format: FileFormat,
    mut sink: W,
) -> Result<u64> {
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
