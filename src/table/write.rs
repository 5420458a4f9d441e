//! Writing Arrow batches into a table's data files: iceberg's Parquet writer stack (field ids,
//! column stats), partitioned by the table's spec, rolled at the target size in ON-DISK bytes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use arrow::array::RecordBatch;
use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use iceberg::arrow::RecordBatchPartitionSplitter;
use iceberg::io::{FileMetadata, FileRead, FileWrite, InputFile, OutputFile, Storage};
use iceberg::spec::{DataFile, DataFileFormat, TableProperties};
use iceberg::table::Table;
use iceberg::writer::base_writer::data_file_writer::DataFileWriterBuilder;
use iceberg::writer::file_writer::location_generator::{
    DefaultFileNameGenerator, DefaultLocationGenerator,
};
use iceberg::writer::file_writer::rolling_writer::RollingFileWriterBuilder;
use iceberg::writer::file_writer::{FileWriter, FileWriterBuilder, ParquetWriter, ParquetWriterBuilder};
use iceberg::writer::partitioning::fanout_writer::FanoutWriter;
use iceberg::writer::partitioning::unpartitioned_writer::UnpartitionedWriter;
use iceberg::writer::partitioning::PartitioningWriter;
use iceberg::writer::CurrentFileStatus;

type DefaultOutput = Vec<DataFile>;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};

const MIB: u64 = 1024 * 1024;

/// Compression ratio assumed before a file has flushed its first row group.
const INITIAL_COMPRESSION_RATIO: f64 = 0.5;

/// Writer settings taken from table properties.
#[derive(Debug, Clone)]
pub struct WriteSettings {
    pub target_file_size_bytes: u64,
    pub row_group_bytes: u64,
    pub compression: Compression,
}

impl WriteSettings {
    pub fn from_table(table: &Table) -> Result<Self> {
        let props = table.metadata().properties();
        let num = |key: &str| -> Result<Option<u64>> {
            props
                .get(key)
                .map(|v| {
                    crate::units::parse_size(v)
                        .with_context(|| format!("table property {key}={v} is not a size"))
                })
                .transpose()
        };
        let target = num(TableProperties::PROPERTY_WRITE_TARGET_FILE_SIZE_BYTES)?
            .unwrap_or(TableProperties::PROPERTY_WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT as u64)
            .max(1);
        // Row groups are flushed (and measured exactly) several times per file, so the part
        // of a file still estimated from uncompressed buffers stays small.
        let row_group = num("write.parquet.row-group-size-bytes")?
            .unwrap_or(128 * MIB)
            .min((target / 8).max(MIB))
            .max(64 * 1024);
        let codec = props
            .get("write.parquet.compression-codec")
            .map(|s| s.to_ascii_lowercase())
            .unwrap_or_else(|| "zstd".into());
        let level = props.get("write.parquet.compression-level").and_then(|v| v.parse::<i32>().ok());
        let compression = match codec.as_str() {
            "zstd" => Compression::ZSTD(ZstdLevel::try_new(level.unwrap_or(1)).unwrap_or_default()),
            "snappy" => Compression::SNAPPY,
            "gzip" => Compression::GZIP(Default::default()),
            "lz4" => Compression::LZ4_RAW,
            "uncompressed" | "none" => Compression::UNCOMPRESSED,
            other => {
                return Err(crate::error::FloeError::invalid(format!(
                    "table property write.parquet.compression-codec={other} is not supported (zstd, snappy, gzip, lz4, uncompressed)"
                ))
                .into())
            }
        };
        Ok(WriteSettings { target_file_size_bytes: target, row_group_bytes: row_group, compression })
    }
}

type Inner = DataFileWriterBuilder<OnDiskSized, DefaultLocationGenerator, DefaultFileNameGenerator>;

enum Partitioning {
    Unpartitioned(UnpartitionedWriter<Inner>),
    Partitioned(FanoutWriter<Inner>, RecordBatchPartitionSplitter),
}

/// Streams batches (already in the table's Arrow schema, with field ids) into data files.
pub struct TableDataWriter {
    partitioning: Option<Partitioning>,
    written: Arc<Mutex<Vec<String>>>,
    spec_id: i32,
}

impl TableDataWriter {
    pub fn new(table: &Table, file_prefix: &str) -> Result<Self> {
        let metadata = table.metadata();
        let settings = WriteSettings::from_table(table)?;
        let schema = metadata.current_schema().clone();
        let props = WriterProperties::builder()
            .set_compression(settings.compression)
            .set_max_row_group_row_count(None)
            .set_max_row_group_bytes(Some(settings.row_group_bytes as usize))
            .build();
        let written = Arc::new(Mutex::new(vec![]));
        let parquet = OnDiskSized {
            inner: ParquetWriterBuilder::new(props, schema.clone()),
            row_group_bytes: settings.row_group_bytes,
            written: written.clone(),
        };
        let rolling = RollingFileWriterBuilder::new(
            parquet,
            settings.target_file_size_bytes as usize,
            table.file_io().clone(),
            DefaultLocationGenerator::new(metadata)?,
            DefaultFileNameGenerator::new(file_prefix.to_string(), None, DataFileFormat::Parquet),
        );
        let builder = DataFileWriterBuilder::new(rolling);
        let spec = metadata.default_partition_spec().clone();
        let spec_id = spec.spec_id();
        let partitioning = if spec.is_unpartitioned() {
            Partitioning::Unpartitioned(UnpartitionedWriter::new(builder))
        } else {
            let splitter = RecordBatchPartitionSplitter::try_new_with_computed_values(schema, spec)?;
            Partitioning::Partitioned(FanoutWriter::new(builder), splitter)
        };
        Ok(TableDataWriter { partitioning: Some(partitioning), written, spec_id })
    }

    pub async fn write(&mut self, batch: RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        match self.partitioning.as_mut().context("writer already closed")? {
            Partitioning::Unpartitioned(w) => w.write(batch).await?,
            Partitioning::Partitioned(w, splitter) => {
                for (key, part) in splitter.split(&batch)? {
                    w.write(key, part).await?;
                }
            }
        }
        Ok(())
    }

    /// Close all open files and return their data-file entries.
    pub async fn finish(&mut self) -> Result<Vec<DataFile>> {
        let files: DefaultOutput = match self.partitioning.take().context("writer already closed")? {
            Partitioning::Unpartitioned(w) => w.close().await?,
            Partitioning::Partitioned(w, _) => w.close().await?,
        };
        Ok(files)
    }

    /// The partition spec the files are written for.
    pub fn spec_id(&self) -> i32 {
        self.spec_id
    }

    /// Every file location this writer created, closed or not (for cleanup on failure).
    pub fn written_locations(&self) -> Vec<String> {
        self.written.lock().expect("written lock").clone()
    }
}

/// iceberg's Parquet writer, but reporting its size as on-disk bytes: the flushed part is
/// counted exactly at the sink, the buffered row group is scaled by the compression ratio the
/// flushed row groups showed. iceberg's own count takes buffers at their uncompressed size,
/// which rolls files several times smaller than the target.
#[derive(Clone)]
struct OnDiskSized {
    inner: ParquetWriterBuilder,
    row_group_bytes: u64,
    written: Arc<Mutex<Vec<String>>>,
}

impl FileWriterBuilder for OnDiskSized {
    type R = OnDiskSizedWriter;

    async fn build(&self, output_file: OutputFile) -> iceberg::Result<Self::R> {
        let location = output_file.location().to_string();
        self.written.lock().expect("written lock").push(location.clone());
        let flushed = Arc::new(AtomicU64::new(0));
        let counting = Arc::new(CountingStorage { inner: output_file, flushed: flushed.clone() });
        let output = OutputFile::new(counting, location);
        Ok(OnDiskSizedWriter {
            inner: self.inner.build(output).await?,
            flushed,
            row_group_bytes: self.row_group_bytes,
            ratio: INITIAL_COMPRESSION_RATIO,
        })
    }
}

struct OnDiskSizedWriter {
    inner: ParquetWriter,
    flushed: Arc<AtomicU64>,
    row_group_bytes: u64,
    ratio: f64,
}

impl FileWriter for OnDiskSizedWriter {
    async fn write(&mut self, batch: &RecordBatch) -> iceberg::Result<()> {
        let before = self.flushed.load(Ordering::Relaxed);
        self.inner.write(batch).await?;
        let after = self.flushed.load(Ordering::Relaxed);
        if after > before {
            // A row group was flushed: it held about `row_group_bytes` of buffered data.
            let sample = (after - before) as f64 / self.row_group_bytes as f64;
            self.ratio = sample.clamp(0.01, 1.5);
        }
        Ok(())
    }

    async fn close(self) -> iceberg::Result<Vec<iceberg::spec::DataFileBuilder>> {
        self.inner.close().await
    }
}

impl CurrentFileStatus for OnDiskSizedWriter {
    fn current_file_path(&self) -> String {
        self.inner.current_file_path()
    }

    fn current_row_num(&self) -> usize {
        self.inner.current_row_num()
    }

    fn current_written_size(&self) -> usize {
        let total = self.inner.current_written_size() as u64;
        let flushed = self.flushed.load(Ordering::Relaxed);
        let buffered = total.saturating_sub(flushed);
        (flushed as f64 + buffered as f64 * self.ratio) as usize
    }
}

/// A one-file storage that counts the bytes handed to the real writer.
#[derive(Debug)]
struct CountingStorage {
    inner: OutputFile,
    flushed: Arc<AtomicU64>,
}

impl Serialize for CountingStorage {
    fn serialize<S: serde::Serializer>(&self, _s: S) -> std::result::Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("a counting writer cannot be serialized"))
    }
}

impl<'de> Deserialize<'de> for CountingStorage {
    fn deserialize<D: serde::Deserializer<'de>>(_d: D) -> std::result::Result<Self, D::Error> {
        Err(serde::de::Error::custom("a counting writer cannot be deserialized"))
    }
}

fn single_file_only() -> iceberg::Error {
    iceberg::Error::new(iceberg::ErrorKind::Unexpected, "counting storage serves one output file")
}

#[async_trait]
#[typetag::serde(name = "floe-counting")]
impl Storage for CountingStorage {
    async fn exists(&self, _path: &str) -> iceberg::Result<bool> {
        self.inner.exists().await
    }
    async fn metadata(&self, _path: &str) -> iceberg::Result<FileMetadata> {
        Err(single_file_only())
    }
    async fn read(&self, _path: &str) -> iceberg::Result<Bytes> {
        Err(single_file_only())
    }
    async fn reader(&self, _path: &str) -> iceberg::Result<Box<dyn FileRead>> {
        Err(single_file_only())
    }
    async fn write(&self, _path: &str, bs: Bytes) -> iceberg::Result<()> {
        self.flushed.fetch_add(bs.len() as u64, Ordering::Relaxed);
        self.inner.write(bs).await
    }
    async fn writer(&self, _path: &str) -> iceberg::Result<Box<dyn FileWrite>> {
        Ok(Box::new(CountingWrite { inner: self.inner.writer().await?, flushed: self.flushed.clone() }))
    }
    async fn delete(&self, _path: &str) -> iceberg::Result<()> {
        self.inner.delete().await
    }
    async fn delete_prefix(&self, _path: &str) -> iceberg::Result<()> {
        Err(single_file_only())
    }
    async fn delete_stream(&self, _paths: BoxStream<'static, String>) -> iceberg::Result<()> {
        Err(single_file_only())
    }
    fn new_input(&self, _path: &str) -> iceberg::Result<InputFile> {
        Err(single_file_only())
    }
    fn new_output(&self, _path: &str) -> iceberg::Result<OutputFile> {
        Err(single_file_only())
    }
}

struct CountingWrite {
    inner: Box<dyn FileWrite>,
    flushed: Arc<AtomicU64>,
}

#[async_trait]
impl FileWrite for CountingWrite {
    async fn write(&mut self, bs: Bytes) -> iceberg::Result<()> {
        self.flushed.fetch_add(bs.len() as u64, Ordering::Relaxed);
        self.inner.write(bs).await
    }
    async fn close(&mut self) -> iceberg::Result<()> {
        self.inner.close().await
    }
}
