//! Printing query results on stdout as they stream: a bounded table preview, one JSON array,
//! or CSV. Memory stays bounded by one batch at a time.

use std::io::Write;

use anyhow::Result;
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use futures::{Stream, StreamExt};

use super::{ClosedPipe, OutputFormat};
use crate::json_rows::json_ready;

/// A result stream: batches sharing one schema.
pub type Batches = std::pin::Pin<Box<dyn Stream<Item = Result<RecordBatch>> + Send>>;

fn arrow_io_error(e: arrow::error::ArrowError) -> anyhow::Error {
    match e {
        arrow::error::ArrowError::IoError(_, io) => stdout_error(io),
        other => other.into(),
    }
}

fn stdout_error(e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        ClosedPipe.into()
    } else {
        e.into()
    }
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
            let mut writer = arrow::json::WriterBuilder::new()
                .with_explicit_nulls(true)
                .build::<_, arrow::json::writer::JsonArray>(&mut out);
            while let Some(batch) = batches.next().await {
                let batch = json_ready(&batch?)?;
                rows += batch.num_rows() as u64;
                writer.write(&batch).map_err(arrow_io_error)?;
            }
            writer.finish().map_err(arrow_io_error)?;
            drop(writer);
            out.write_all(b"\n").map_err(stdout_error)?;
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
                writer.write(&batch).map_err(arrow_io_error)?;
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
