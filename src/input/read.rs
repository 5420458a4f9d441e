//! Reading one input file as a stream of Arrow batches with bounded memory: Parquet by row
//! groups through object_store, CSV and NDJSON through arrow's push decoders.

use std::io::Cursor;
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema as ArrowSchema, SchemaRef};
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use parquet::arrow::arrow_reader::ArrowReaderMetadata;
use parquet::arrow::async_reader::ParquetObjectReader;
use parquet::arrow::ParquetRecordBatchStreamBuilder;

use super::{Format, InputFile};
use crate::error::FloeError;
use crate::progress::Progress;
use crate::table::{is_local, Stores};

/// Rows per batch read from an input.
pub const BATCH_ROWS: usize = 32 * 1024;
const LOCAL_CHUNK_BYTES: usize = 4 * 1024 * 1024;
/// How much of a text file schema inference looks at.
const INFER_BYTES: usize = 1024 * 1024;

/// A batch and the 0-based index of its first data row within the file.
pub struct RawBatch {
    pub batch: RecordBatch,
    pub first_row: u64,
}

fn not_parquet(file: &InputFile, e: impl std::fmt::Display) -> anyhow::Error {
    FloeError::invalid(format!(
        "{} is not a readable Parquet file: {e}",
        file.location
    ))
    .with_hint("check that the file is complete, or pass the right --format")
    .into()
}

/// The raw bytes of a file as a stream of chunks.
async fn byte_stream(
    file: &InputFile,
    stores: &Stores,
) -> Result<BoxStream<'static, Result<Bytes>>> {
    if is_local(&file.location) {
        let f = tokio::fs::File::open(&file.location)
            .await
            .with_context(|| format!("cannot open {}", file.location))?;
        let location = file.location.clone();
        Ok(futures::stream::try_unfold(f, move |mut f| {
            let location = location.clone();
            async move {
                use tokio::io::AsyncReadExt;
                let mut buf = vec![0u8; LOCAL_CHUNK_BYTES];
                let mut filled = 0;
                while filled < buf.len() {
                    let n = f
                        .read(&mut buf[filled..])
                        .await
                        .with_context(|| format!("cannot read {location}"))?;
                    if n == 0 {
                        break;
                    }
                    filled += n;
                }
                if filled == 0 {
                    return Ok(None);
                }
                buf.truncate(filled);
                Ok(Some((Bytes::from(buf), f)))
            }
        })
        .boxed())
    } else {
        stores.open_stream(&file.location).await
    }
}

/// The first bytes of a text file (enough to read a header or infer a schema).
async fn head_bytes(file: &InputFile, stores: &Stores) -> Result<Bytes> {
    let mut stream = byte_stream(file, stores).await?;
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        buf.extend_from_slice(&chunk?);
        if buf.len() >= INFER_BYTES {
            break;
        }
    }
    // Cut at the last complete line so inference never sees half a record.
    if buf.len() >= INFER_BYTES {
        if let Some(pos) = buf.iter().rposition(|b| *b == b'\n') {
            buf.truncate(pos + 1);
        }
    }
    Ok(Bytes::from(buf))
}

fn csv_format(file: &InputFile) -> arrow::csv::reader::Format {
    let delimiter = if file.location.to_ascii_lowercase().ends_with(".tsv") {
        b'\t'
    } else {
        b','
    };
    arrow::csv::reader::Format::default()
        .with_header(true)
        .with_delimiter(delimiter)
}

/// The Arrow schema a file carries (Parquet) or suggests (CSV/JSON, inferred from its start).
pub async fn file_schema(file: &InputFile, stores: &Stores) -> Result<ArrowSchema> {
    match file.format {
        Format::Parquet => {
            let (store, path) = stores.resolve(&file.location)?;
            let reader = ParquetObjectReader::new(store, path).with_file_size(file.size_bytes);
            let builder = ParquetRecordBatchStreamBuilder::new(reader)
                .await
                .map_err(|e| not_parquet(file, e))?;
            Ok(builder.schema().as_ref().clone())
        }
        Format::Csv => {
            let head = head_bytes(file, stores).await?;
            if head.is_empty() {
                return Err(FloeError::invalid(format!(
                    "{} is empty (a CSV file needs a header line)",
                    file.location
                ))
                .into());
            }
            let (schema, _) = csv_format(file)
                .infer_schema(Cursor::new(head), Some(1000))
                .map_err(|e| {
                    FloeError::invalid(format!("{}: cannot read CSV header: {e}", file.location))
                })?;
            Ok(schema)
        }
        Format::Json => {
            let head = head_bytes(file, stores).await?;
            let (schema, _) =
                arrow::json::reader::infer_json_schema(Cursor::new(head.clone()), Some(1000))
                    .map_err(|e| {
                        FloeError::invalid(format!(
                            "{}: not newline-delimited JSON: {e}",
                            file.location
                        ))
                    })?;
            Ok(in_key_order(schema, &head))
        }
    }
}

/// Column names of a CSV header.
pub async fn csv_header(file: &InputFile, stores: &Stores) -> Result<Vec<String>> {
    let head = head_bytes(file, stores).await?;
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let (schema, _) = csv_format(file)
        .infer_schema(Cursor::new(first_line.to_vec()), Some(0))
        .map_err(|e| {
            FloeError::invalid(format!("{}: cannot read CSV header: {e}", file.location))
        })?;
    Ok(schema.fields().iter().map(|f| f.name().clone()).collect())
}

/// A file's batches as up to `parts` streams. `read_schema` is what the decoder produces:
/// for CSV all-string columns named by the header (typed conversion happens in `conform`,
/// where errors can name the row); for JSON the target types; unused for Parquet (types come
/// from the file). Together the streams yield every row once, so several tasks can decode
/// one file: Parquet splits by row group (each batch keeps its row number within the file);
/// CSV and JSON are one stream, as a record may span any byte boundary.
pub async fn streams(
    file: &InputFile,
    stores: &Stores,
    read_schema: SchemaRef,
    progress: Arc<dyn Progress>,
    parts: usize,
) -> Result<Vec<BoxStream<'static, Result<RawBatch>>>> {
    match file.format {
        Format::Parquet => parquet_streams(file, stores, progress, parts).await,
        Format::Csv => {
            let decoder = arrow::csv::reader::ReaderBuilder::new(read_schema)
                .with_format(csv_format(file))
                .with_batch_size(BATCH_ROWS)
                .build_decoder();
            let stream =
                text_stream(file, stores, TextDecoder::Csv(Box::new(decoder)), progress).await?;
            Ok(vec![stream])
        }
        Format::Json => {
            let decoder = arrow::json::ReaderBuilder::new(read_schema)
                .with_batch_size(BATCH_ROWS)
                .with_strict_mode(true)
                .build_decoder()?;
            let stream =
                text_stream(file, stores, TextDecoder::Json(Box::new(decoder)), progress).await?;
            Ok(vec![stream])
        }
    }
}

async fn parquet_streams(
    file: &InputFile,
    stores: &Stores,
    progress: Arc<dyn Progress>,
    parts: usize,
) -> Result<Vec<BoxStream<'static, Result<RawBatch>>>> {
    let (store, path) = stores.resolve(&file.location)?;
    let mut reader = ParquetObjectReader::new(store, path).with_file_size(file.size_bytes);
    let metadata = ArrowReaderMetadata::load_async(&mut reader, Default::default())
        .await
        .map_err(|e| not_parquet(file, e))?;
    let row_groups = metadata.metadata().row_groups();
    let total_rows = metadata.metadata().file_metadata().num_rows().max(1) as u64;
    let mut group_first_rows = Vec::with_capacity(row_groups.len());
    let mut rows = 0u64;
    for group in row_groups {
        group_first_rows.push(rows);
        rows += group.num_rows() as u64;
    }
    // Contiguous runs of row groups: each stream's rows stay in file order, so a batch's row
    // number is its run's first row plus what the stream yielded before it.
    let groups = row_groups.len();
    let parts = parts.clamp(1, groups.max(1));
    let mut streams = Vec::with_capacity(parts);
    for part in 0..parts {
        let run: Vec<usize> = (groups * part / parts..groups * (part + 1) / parts).collect();
        let mut row = run.first().map_or(0, |g| group_first_rows[*g]);
        // Every column is read: `Conformer` has already refused files with columns the
        // table lacks.
        let stream =
            ParquetRecordBatchStreamBuilder::new_with_metadata(reader.clone(), metadata.clone())
                .with_row_groups(run)
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| not_parquet(file, e))?;
        let location = file.location.clone();
        let size = file.size_bytes;
        let progress = progress.clone();
        streams.push(
            stream
                .map(move |r| {
                    let batch = r.map_err(|e| {
                        anyhow::Error::new(FloeError::invalid(format!(
                            "{location}: cannot read Parquet data: {e}"
                        )))
                    })?;
                    let first_row = row;
                    row += batch.num_rows() as u64;
                    progress.advance(size * batch.num_rows() as u64 / total_rows);
                    Ok(RawBatch { batch, first_row })
                })
                .boxed(),
        );
    }
    Ok(streams)
}

enum TextDecoder {
    Csv(Box<arrow::csv::reader::Decoder>),
    Json(Box<arrow::json::reader::Decoder>),
}

impl TextDecoder {
    fn decode(&mut self, buf: &[u8]) -> std::result::Result<usize, arrow::error::ArrowError> {
        match self {
            TextDecoder::Csv(d) => d.decode(buf),
            TextDecoder::Json(d) => d.decode(buf),
        }
    }
    fn flush(&mut self) -> std::result::Result<Option<RecordBatch>, arrow::error::ArrowError> {
        match self {
            TextDecoder::Csv(d) => d.flush(),
            TextDecoder::Json(d) => d.flush(),
        }
    }
    fn is_csv(&self) -> bool {
        matches!(self, TextDecoder::Csv(_))
    }
}

struct TextState {
    bytes: BoxStream<'static, Result<Bytes>>,
    decoder: TextDecoder,
    pending: Bytes,
    done: bool,
    row: u64,
    location: String,
    progress: Arc<dyn Progress>,
}

async fn text_stream(
    file: &InputFile,
    stores: &Stores,
    decoder: TextDecoder,
    progress: Arc<dyn Progress>,
) -> Result<BoxStream<'static, Result<RawBatch>>> {
    let bytes = byte_stream(file, stores).await?;
    let state = TextState {
        bytes,
        decoder,
        pending: Bytes::new(),
        done: false,
        row: 0,
        location: file.location.clone(),
        progress,
    };
    Ok(futures::stream::try_unfold(state, |mut s| async move {
        loop {
            if s.pending.is_empty() && !s.done {
                match s.bytes.try_next().await? {
                    Some(chunk) => {
                        s.progress.advance(chunk.len() as u64);
                        s.pending = chunk;
                    }
                    None => s.done = true,
                }
            }
            let consumed = s
                .decoder
                .decode(&s.pending)
                .map_err(|e| decode_error(&s, e))?;
            let _ = s.pending.split_to(consumed);
            // The decoder stops when a batch is full or the input runs out.
            if !s.pending.is_empty() || s.done {
                match s.decoder.flush().map_err(|e| decode_error(&s, e))? {
                    Some(batch) => {
                        let first_row = s.row;
                        s.row += batch.num_rows() as u64;
                        return Ok(Some((RawBatch { batch, first_row }, s)));
                    }
                    None if s.done => return Ok(None),
                    None => {}
                }
            }
        }
    })
    .boxed())
}

fn decode_error(s: &TextState, e: arrow::error::ArrowError) -> anyhow::Error {
    let what = if s.decoder.is_csv() { "CSV" } else { "JSON" };
    FloeError::invalid(format!(
        "{}: invalid {what} after data row {}: {e}",
        s.location, s.row
    ))
    .into()
}

/// An all-string, all-nullable schema with these column names (how CSV is first read).
pub fn string_schema(names: &[String]) -> SchemaRef {
    Arc::new(ArrowSchema::new(
        names
            .iter()
            .map(|n| Field::new(n, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ))
}

/// Up to `max_rows` text values per column from the start of a CSV or NDJSON file (for
/// inference decisions the type inferrer cannot make, such as whether timestamps carry a zone).
pub async fn text_samples(
    file: &InputFile,
    stores: &Stores,
    columns: &[String],
    max_rows: usize,
) -> Result<std::collections::HashMap<String, Vec<String>>> {
    let head = head_bytes(file, stores).await?;
    let mut out: std::collections::HashMap<String, Vec<String>> =
        columns.iter().map(|c| (c.clone(), vec![])).collect();
    match file.format {
        Format::Parquet => {}
        Format::Csv => {
            let header = csv_header(file, stores).await?;
            let reader = arrow::csv::reader::ReaderBuilder::new(string_schema(&header))
                .with_format(csv_format(file))
                .with_batch_size(max_rows)
                .build(Cursor::new(head))?;
            if let Some(batch) = reader.into_iter().next() {
                let batch = batch?;
                for column in columns {
                    if let Some(array) = batch.column_by_name(column) {
                        let strings = arrow::array::AsArray::as_string::<i32>(array.as_ref());
                        out.get_mut(column)
                            .expect("column")
                            .extend(strings.iter().flatten().map(str::to_string));
                    }
                }
            }
        }
        Format::Json => {
            for line in head.split(|b| *b == b'\n').take(max_rows) {
                let Ok(serde_json::Value::Object(obj)) =
                    serde_json::from_slice::<serde_json::Value>(line)
                else {
                    continue;
                };
                for column in columns {
                    if let Some(serde_json::Value::String(v)) = obj.get(column) {
                        out.get_mut(column).expect("column").push(v.clone());
                    }
                }
            }
        }
    }
    Ok(out)
}

/// arrow's JSON inference sorts fields by name; put them back in the order keys first appear.
fn in_key_order(schema: ArrowSchema, head: &[u8]) -> ArrowSchema {
    let mut order: Vec<String> = vec![];
    for line in head.split(|b| *b == b'\n').take(1000) {
        if let Ok(serde_json::Value::Object(obj)) =
            serde_json::from_slice::<serde_json::Value>(line)
        {
            for key in obj.keys() {
                if !order.contains(key) {
                    order.push(key.clone());
                }
            }
        }
    }
    let position = |name: &str| order.iter().position(|k| k == name).unwrap_or(usize::MAX);
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.sort_by_key(|f| position(f.name()));
    ArrowSchema::new_with_metadata(fields, schema.metadata().clone())
}
