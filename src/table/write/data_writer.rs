//! Writing Arrow batches into a table's data files: iceberg's Parquet writer stack (field ids,
//! column stats), partitioned by the table's spec, rolled at the target size in ON-DISK bytes.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use arrow::array::RecordBatch;
use iceberg::spec::{DataFile, DataFileFormat, PartitionKey, TableProperties};
use iceberg::table::Table;
use iceberg::writer::base_writer::data_file_writer::DataFileWriterBuilder;
use iceberg::writer::file_writer::location_generator::DefaultFileNameGenerator;
use iceberg::writer::file_writer::rolling_writer::RollingFileWriterBuilder;
use iceberg::writer::file_writer::ParquetWriterBuilder;
use iceberg::writer::partitioning::fanout_writer::FanoutWriter;
use iceberg::writer::partitioning::unpartitioned_writer::UnpartitionedWriter;
use iceberg::writer::partitioning::PartitioningWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::file_sizing::OnDiskSized;
use super::partition_path::PartitionPathGenerator;
use super::partition_split::PartitionSplitter;
use crate::table::storage::stores::Stores;

const MIB: u64 = 1024 * 1024;

/// Data writers made by this process, numbered into their file names.
static WRITERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Sub-batches queued per writer task: one input batch splits into a slice per partition, so
/// a deep queue keeps one slow task from stalling the others.
const WORKER_QUEUE: usize = 64;

/// Writer settings taken from table properties.
#[derive(Debug, Clone)]
pub struct WriteSettings {
    pub target_file_size_bytes: u64,
    pub row_group_bytes: u64,
    pub page_bytes: usize,
    pub page_rows: usize,
    pub dictionary_bytes: usize,
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
            .min((target / 8).max(64 * 1024))
            .max(64 * 1024);
        let codec = props
            .get("write.parquet.compression-codec")
            .map(|s| s.to_ascii_lowercase())
            .unwrap_or_else(|| "zstd".into());
        let level = props
            .get("write.parquet.compression-level")
            .and_then(|v| v.parse::<i32>().ok());
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
        // Pages and dictionaries are smaller than Iceberg's defaults (1 MiB pages, 20000 rows,
        // 2 MiB dictionaries): a partitioned ingest keeps a writer per column per open partition,
        // and these buffers are most of its memory. Dictionaries that outgrow 64 KiB fall back
        // to plain encoding, which zstd compresses as well and which is much cheaper to build.
        let page_bytes = num("write.parquet.page-size-bytes")?
            .unwrap_or(64 * 1024)
            .clamp(4 * 1024, 64 * MIB) as usize;
        let page_rows = num("write.parquet.page-row-limit")?
            .unwrap_or(8192)
            .clamp(64, 1 << 24) as usize;
        let dictionary_bytes = num("write.parquet.dict-size-bytes")?
            .unwrap_or(64 * 1024)
            .clamp(4 * 1024, 64 * MIB) as usize;
        Ok(WriteSettings {
            target_file_size_bytes: target,
            row_group_bytes: row_group,
            page_bytes,
            page_rows,
            dictionary_bytes,
            compression,
        })
    }
}

impl WriteSettings {
    /// These settings with another target file size (row groups kept a fraction of it).
    pub fn with_target_file_size(mut self, bytes: u64) -> Self {
        self.target_file_size_bytes = bytes.max(1);
        self.row_group_bytes = self
            .row_group_bytes
            .min((self.target_file_size_bytes / 8).max(64 * 1024));
        self
    }
}

type Inner = DataFileWriterBuilder<OnDiskSized, PartitionPathGenerator, DefaultFileNameGenerator>;

/// One writer task: owns the open files of the partitions routed to it.
struct Worker {
    queue: mpsc::Sender<(Option<PartitionKey>, RecordBatch)>,
    task: JoinHandle<Result<Vec<DataFile>>>,
}

/// Streams batches (already in the table's Arrow schema, with field ids) into data files.
///
/// Work is spread over `parallelism` writer tasks. A partition goes to the task with the
/// fewest rows so far when it is first seen and stays there, so each partition's files stay
/// with one task and sizing is unaffected (a hash of the key left one of two tasks with up to
/// a third more work); unpartitioned batches go round-robin.
pub struct TableDataWriter {
    splitter: Option<PartitionSplitter>,
    workers: Vec<Worker>,
    next_worker: usize,
    /// The task of each partition seen so far, by a hash of its key.
    routes: HashMap<u64, usize>,
    /// Rows sent to each task.
    load: Vec<u64>,
    written: Arc<Mutex<Vec<String>>>,
    spec_id: i32,
    stores: Stores,
}

impl TableDataWriter {
    /// `schema` is the schema the files are written with: the table's current one, or the
    /// evolved one an ingest with `--merge-schema` commits together with its data.
    pub fn new(
        table: &Table,
        schema: iceberg::spec::SchemaRef,
        stores: &Stores,
        file_prefix: &str,
        parallelism: usize,
    ) -> Result<Self> {
        let settings = WriteSettings::from_table(table)?;
        Self::with_settings(table, schema, stores, file_prefix, parallelism, settings)
    }

    /// As [`TableDataWriter::new`], with settings other than the table's (compaction's
    /// `--target-file-size`).
    pub fn with_settings(
        table: &Table,
        schema: iceberg::spec::SchemaRef,
        stores: &Stores,
        file_prefix: &str,
        parallelism: usize,
        settings: WriteSettings,
    ) -> Result<Self> {
        let metadata = table.metadata();
        let props = WriterProperties::builder()
            .set_compression(settings.compression)
            .set_max_row_group_row_count(None)
            .set_max_row_group_bytes(Some(settings.row_group_bytes as usize))
            .set_data_page_size_limit(settings.page_bytes)
            .set_data_page_row_count_limit(settings.page_rows)
            .set_dictionary_page_size_limit(settings.dictionary_bytes)
            .build();
        let written = Arc::new(Mutex::new(vec![]));
        let parquet = OnDiskSized {
            inner: ParquetWriterBuilder::new(props, schema.clone()),
            row_group_bytes: settings.row_group_bytes,
            written: written.clone(),
        };
        // One file-name generator shared by all tasks keeps names unique within this writer;
        // the writer's own number keeps them unique among writers sharing a prefix (the groups
        // of one compaction, which may land in one partition), as Iceberg's OutputFileFactory
        // numbers its tasks.
        let writer_no = WRITERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let rolling = RollingFileWriterBuilder::new(
            parquet,
            settings.target_file_size_bytes as usize,
            table.file_io().clone(),
            PartitionPathGenerator::new(metadata),
            DefaultFileNameGenerator::new(
                format!("{file_prefix}-{writer_no:05}"),
                None,
                DataFileFormat::Parquet,
            ),
        );
        let spec = metadata.default_partition_spec().clone();
        let spec_id = spec.spec_id();
        let partitioned = !spec.is_unpartitioned();
        let workers: Vec<Worker> = (0..parallelism.max(1))
            .map(|_| spawn_worker(DataFileWriterBuilder::new(rolling.clone()), partitioned))
            .collect();
        let splitter = if partitioned {
            Some(PartitionSplitter::new(schema, spec)?)
        } else {
            None
        };
        let load = vec![0; workers.len()];
        Ok(TableDataWriter {
            splitter,
            workers,
            next_worker: 0,
            routes: HashMap::new(),
            load,
            written,
            spec_id,
            stores: stores.clone(),
        })
    }

    pub async fn write(&mut self, batch: RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        match &self.splitter {
            None => {
                let i = self.next_worker % self.workers.len();
                self.next_worker += 1;
                self.send(i, None, batch).await
            }
            Some(splitter) => {
                for (key, part) in splitter.split(&batch)? {
                    let mut hasher = std::collections::hash_map::DefaultHasher::new();
                    key.data().hash(&mut hasher);
                    let load = &self.load;
                    let i = *self
                        .routes
                        .entry(hasher.finish())
                        .or_insert_with(|| (0..load.len()).min_by_key(|w| load[*w]).unwrap_or(0));
                    self.load[i] += part.num_rows() as u64;
                    self.send(i, Some(key), part).await?;
                }
                Ok(())
            }
        }
    }

    async fn send(
        &mut self,
        worker: usize,
        key: Option<PartitionKey>,
        batch: RecordBatch,
    ) -> Result<()> {
        if self.workers[worker].queue.send((key, batch)).await.is_ok() {
            return Ok(());
        }
        // The task stopped early: it failed; surface its error.
        let failed = self.workers.remove(worker);
        match failed.task.await {
            Ok(Err(e)) => Err(e),
            Ok(Ok(_)) => Err(anyhow::anyhow!("a data writer stopped unexpectedly")),
            Err(e) => Err(anyhow::anyhow!("a data writer failed: {e}")),
        }
    }

    /// Close all open files and return their data-file entries.
    pub async fn finish(&mut self) -> Result<Vec<DataFile>> {
        let mut files = vec![];
        let mut first_error = None;
        for worker in self.workers.drain(..) {
            drop(worker.queue);
            match worker.task.await {
                Ok(Ok(mut f)) => files.append(&mut f),
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                Err(e) => {
                    first_error.get_or_insert(anyhow::anyhow!("a data writer failed: {e}"));
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(files),
        }
    }

    /// The partition spec the files are written for.
    pub fn spec_id(&self) -> i32 {
        self.spec_id
    }

    /// Give up: let the writer tasks wind down, then delete every file they started.
    ///
    /// The tasks are awaited rather than cancelled: a cancelled task can leave a write in
    /// flight (a blocking local write, an upload) that lands after the delete.
    pub async fn abort(&mut self) {
        for worker in self.workers.drain(..) {
            drop(worker.queue);
            let _ = worker.task.await;
        }
        let started = self.written.lock().expect("written lock").clone();
        self.stores.delete_all(&started).await;
    }
}

fn spawn_worker(builder: Inner, partitioned: bool) -> Worker {
    let (queue, mut rx) = mpsc::channel::<(Option<PartitionKey>, RecordBatch)>(WORKER_QUEUE);
    let task = tokio::spawn(async move {
        if partitioned {
            let mut writer = FanoutWriter::new(builder);
            while let Some((key, batch)) = rx.recv().await {
                writer
                    .write(key.context("partition key missing")?, batch)
                    .await?;
            }
            Ok(writer.close().await?)
        } else {
            let mut writer = UnpartitionedWriter::new(builder);
            while let Some((_, batch)) = rx.recv().await {
                writer.write(batch).await?;
            }
            Ok(writer.close().await?)
        }
    });
    Worker { queue, task }
}
