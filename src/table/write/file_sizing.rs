//! Data-file sizing in on-disk bytes: iceberg's Parquet writer wrapped so the rolling writer
//! sees flushed bytes exactly and buffered bytes scaled by the observed compression ratio.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arrow::array::RecordBatch;
use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use iceberg::io::{FileMetadata, FileRead, FileWrite, InputFile, OutputFile, Storage};
use iceberg::spec::DataFileBuilder;
use iceberg::writer::file_writer::{
    FileWriter, FileWriterBuilder, ParquetWriter, ParquetWriterBuilder,
};
use iceberg::writer::CurrentFileStatus;
use serde::{Deserialize, Serialize};

/// Compression ratio assumed before a file has flushed its first row group.
const INITIAL_COMPRESSION_RATIO: f64 = 0.5;

/// iceberg's Parquet writer, but reporting its size as on-disk bytes: the flushed part is
/// counted exactly at the sink, the buffered row group is scaled by the compression ratio the
/// flushed row groups showed. iceberg's own count takes buffers at their uncompressed size,
/// which rolls files several times smaller than the target.
#[derive(Clone)]
pub struct OnDiskSized {
    pub inner: ParquetWriterBuilder,
    pub row_group_bytes: u64,
    /// Every file location started, for cleanup when the command fails.
    pub written: Arc<Mutex<Vec<String>>>,
}

impl FileWriterBuilder for OnDiskSized {
    type R = OnDiskSizedWriter;

    async fn build(&self, output_file: OutputFile) -> iceberg::Result<Self::R> {
        let location = output_file.location().to_string();
        self.written
            .lock()
            .expect("written lock")
            .push(location.clone());
        let flushed = Arc::new(AtomicU64::new(0));
        let counting = Arc::new(CountingStorage {
            inner: output_file,
            flushed: flushed.clone(),
        });
        let output = OutputFile::new(counting, location);
        Ok(OnDiskSizedWriter {
            inner: self.inner.build(output).await?,
            flushed,
            row_group_bytes: self.row_group_bytes,
            ratio: INITIAL_COMPRESSION_RATIO,
        })
    }
}

pub struct OnDiskSizedWriter {
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

    async fn close(self) -> iceberg::Result<Vec<DataFileBuilder>> {
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
        Err(serde::ser::Error::custom(
            "a counting writer cannot be serialized",
        ))
    }
}

impl<'de> Deserialize<'de> for CountingStorage {
    fn deserialize<D: serde::Deserializer<'de>>(_d: D) -> std::result::Result<Self, D::Error> {
        Err(serde::de::Error::custom(
            "a counting writer cannot be deserialized",
        ))
    }
}

fn single_file_only() -> iceberg::Error {
    iceberg::Error::new(
        iceberg::ErrorKind::Unexpected,
        "counting storage serves one output file",
    )
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
        Ok(Box::new(CountingWrite {
            inner: self.inner.writer().await?,
            flushed: self.flushed.clone(),
        }))
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
