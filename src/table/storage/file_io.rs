//! iceberg's `Storage`/`StorageFactory` implemented on floe's object_store stack, so every
//! iceberg read and write (manifests, data files, scans) goes through the same stores.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;
use iceberg::io::{
    FileIO, FileIOBuilder, FileMetadata, FileRead, FileWrite, InputFile, OutputFile, Storage,
    StorageConfig, StorageFactory,
};
use iceberg::table::Table;
use iceberg::{Error, ErrorKind};
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tokio::io::AsyncWriteExt;

use super::stores::{PutIfAbsent, Stores};

/// The iceberg `Storage` view of [`Stores`].
#[derive(Debug, Clone)]
pub struct ObjectStorage {
    stores: Stores,
}

// iceberg wants storages to be serializable (to ship them between processes); only the
// properties travel, a fault-injection wrapper never does.
impl Serialize for ObjectStorage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.stores.props().serialize(s)
    }
}

impl<'de> Deserialize<'de> for ObjectStorage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let props = HashMap::<String, String>::deserialize(d)?;
        Ok(ObjectStorage {
            stores: Stores::new(props),
        })
    }
}

/// Builds [`ObjectStorage`] for iceberg's `FileIO`.
#[derive(Debug, Clone)]
pub struct ObjectStorageFactory {
    stores: Stores,
}

impl Serialize for ObjectStorageFactory {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.stores.props().serialize(s)
    }
}

impl<'de> Deserialize<'de> for ObjectStorageFactory {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let props = HashMap::<String, String>::deserialize(d)?;
        Ok(ObjectStorageFactory {
            stores: Stores::new(props),
        })
    }
}

#[typetag::serde(name = "floe-object-store")]
impl StorageFactory for ObjectStorageFactory {
    fn build(&self, _config: &StorageConfig) -> iceberg::Result<Arc<dyn Storage>> {
        Ok(Arc::new(ObjectStorage {
            stores: self.stores.clone(),
        }))
    }
}

/// A `FileIO` whose every operation goes through `stores`.
pub fn file_io(stores: &Stores) -> FileIO {
    FileIOBuilder::new(Arc::new(ObjectStorageFactory {
        stores: stores.clone(),
    }))
    .with_props(stores.props().clone())
    .build()
}

/// An iceberg `Table` over metadata read from `location`, doing its IO through `stores`.
///
/// Without iceberg's manifest cache: it weighs a manifest by its struct alone, not its entries,
/// so its 32 MB bound never bites and a scan of a million files kept every entry with its
/// metrics (gigabytes) to the end of the command. floe reads each manifest once per scan and
/// runs one command per process, so nothing is lost.
pub(crate) fn build_table(
    ident: &iceberg::TableIdent,
    location: String,
    metadata: iceberg::spec::TableMetadata,
    stores: &Stores,
) -> anyhow::Result<Table> {
    Ok(Table::builder()
        .metadata(metadata)
        .metadata_location(location)
        .identifier(ident.clone())
        .file_io(file_io(stores))
        .runtime(iceberg::Runtime::try_current()?)
        .disable_cache()
        .build()?)
}

/// The same table (identifier, file IO, metadata location) with other metadata: a view of
/// what a change would make it, or a corrected reading of it. Never committed.
pub(crate) fn with_metadata(
    table: &Table,
    metadata: iceberg::spec::TableMetadata,
) -> anyhow::Result<Table> {
    let mut builder = Table::builder()
        .metadata(metadata)
        .identifier(table.identifier().clone())
        .file_io(table.file_io().clone())
        .runtime(iceberg::Runtime::try_current()?)
        .disable_cache();
    if let Some(location) = table.metadata_location() {
        builder = builder.metadata_location(location.to_string());
    }
    Ok(builder.build()?)
}

fn to_iceberg(e: anyhow::Error) -> Error {
    let kind = match e.downcast_ref::<crate::error::FloeError>() {
        Some(f) if f.kind == crate::error::ErrorKind::NotFound => ErrorKind::DataInvalid,
        _ => ErrorKind::Unexpected,
    };
    Error::new(kind, format!("{e:#}"))
}

fn os_error(e: object_store::Error, path: &str) -> Error {
    Error::new(
        ErrorKind::Unexpected,
        format!("storage error on {path}: {e}"),
    )
}

impl ObjectStorage {
    fn resolve(&self, path: &str) -> iceberg::Result<(Arc<dyn ObjectStore>, Path)> {
        self.stores.resolve(path).map_err(to_iceberg)
    }
}

#[async_trait]
#[typetag::serde(name = "floe-object-store")]
impl Storage for ObjectStorage {
    async fn exists(&self, path: &str) -> iceberg::Result<bool> {
        self.stores.exists(path).await.map_err(to_iceberg)
    }

    async fn metadata(&self, path: &str) -> iceberg::Result<FileMetadata> {
        Ok(FileMetadata {
            size: self.stores.size(path).await.map_err(to_iceberg)?,
        })
    }

    async fn read(&self, path: &str) -> iceberg::Result<Bytes> {
        self.stores.read(path).await.map_err(to_iceberg)
    }

    async fn reader(&self, path: &str) -> iceberg::Result<Box<dyn FileRead>> {
        let (store, location) = self.resolve(path)?;
        Ok(Box::new(ObjectRead {
            store,
            location,
            display: path.to_string(),
        }))
    }

    async fn write(&self, path: &str, bs: Bytes) -> iceberg::Result<()> {
        match self
            .stores
            .put_if_absent(path, bs)
            .await
            .map_err(to_iceberg)?
        {
            PutIfAbsent::Created => Ok(()),
            PutIfAbsent::AlreadyExists => Err(exists_error(path)),
        }
    }

    async fn writer(&self, path: &str) -> iceberg::Result<Box<dyn FileWrite>> {
        let (store, location) = self.resolve(path)?;
        Ok(Box::new(ObjectWrite::new(
            self.stores.clone(),
            store,
            location,
            path.to_string(),
        )))
    }

    async fn delete(&self, path: &str) -> iceberg::Result<()> {
        self.stores.delete(path).await.map_err(to_iceberg)
    }

    async fn delete_prefix(&self, path: &str) -> iceberg::Result<()> {
        let listed = self.stores.list(path).await.map_err(to_iceberg)?;
        for object in listed {
            self.stores
                .delete(&object.location)
                .await
                .map_err(to_iceberg)?;
        }
        Ok(())
    }

    async fn delete_stream(&self, mut paths: BoxStream<'static, String>) -> iceberg::Result<()> {
        while let Some(path) = paths.next().await {
            self.stores.delete(&path).await.map_err(to_iceberg)?;
        }
        Ok(())
    }

    fn new_input(&self, path: &str) -> iceberg::Result<InputFile> {
        Ok(InputFile::new(Arc::new(self.clone()), path.to_string()))
    }

    fn new_output(&self, path: &str) -> iceberg::Result<OutputFile> {
        Ok(OutputFile::new(Arc::new(self.clone()), path.to_string()))
    }
}

struct ObjectRead {
    store: Arc<dyn ObjectStore>,
    location: Path,
    display: String,
}

#[async_trait]
impl FileRead for ObjectRead {
    async fn read(&self, range: Range<u64>) -> iceberg::Result<Bytes> {
        self.store
            .get_range(&self.location, range)
            .await
            .map_err(|e| os_error(e, &self.display))
    }
}

/// Files up to this size are sent in one conditional request at close.
const ONE_REQUEST_BYTES: usize = 8 * 1024 * 1024;

/// A refusal to replace an object: every file floe writes for a table is new, so a name that
/// is taken means two writers were given one name, and replacing would lose the other's data.
fn exists_error(path: &str) -> Error {
    Error::new(
        ErrorKind::Unexpected,
        format!("refusing to overwrite {path}: a file is already there"),
    )
}

/// Writes a new file and never replaces an existing one. Files up to `ONE_REQUEST_BYTES` go in
/// one create-only request at close (put-if-absent: `If-None-Match: *` on S3, a hard link
/// locally). Larger ones stream as a multipart upload once the name is checked to be free:
/// object_store offers no conditional multipart completion, so for those the guarantee rests
/// on names being unique per writer and on the size check every commit makes.
struct ObjectWrite {
    stores: Stores,
    store: Arc<dyn ObjectStore>,
    location: Path,
    display: String,
    state: WriteState,
}

enum WriteState {
    Buffering { chunks: Vec<Bytes>, bytes: usize },
    Streaming(BufWriter),
    Closed,
}

impl ObjectWrite {
    fn new(stores: Stores, store: Arc<dyn ObjectStore>, location: Path, display: String) -> Self {
        ObjectWrite {
            stores,
            store,
            location,
            display,
            state: WriteState::Buffering {
                chunks: vec![],
                bytes: 0,
            },
        }
    }
}

#[async_trait]
impl FileWrite for ObjectWrite {
    async fn write(&mut self, bs: Bytes) -> iceberg::Result<()> {
        match &mut self.state {
            WriteState::Buffering { chunks, bytes } => {
                *bytes += bs.len();
                chunks.push(bs);
                if *bytes <= ONE_REQUEST_BYTES {
                    return Ok(());
                }
                if self
                    .stores
                    .exists(&self.display)
                    .await
                    .map_err(to_iceberg)?
                {
                    return Err(exists_error(&self.display));
                }
                let mut writer = BufWriter::new(self.store.clone(), self.location.clone());
                for chunk in std::mem::take(chunks) {
                    writer
                        .put(chunk)
                        .await
                        .map_err(|e| os_error(e, &self.display))?;
                }
                self.state = WriteState::Streaming(writer);
                Ok(())
            }
            WriteState::Streaming(writer) => {
                writer.put(bs).await.map_err(|e| os_error(e, &self.display))
            }
            WriteState::Closed => Err(Error::new(
                ErrorKind::Unexpected,
                format!("write after close on {}", self.display),
            )),
        }
    }

    async fn close(&mut self) -> iceberg::Result<()> {
        match std::mem::replace(&mut self.state, WriteState::Closed) {
            WriteState::Buffering { chunks, bytes } => {
                let mut all = bytes::BytesMut::with_capacity(bytes);
                for chunk in chunks {
                    all.extend_from_slice(&chunk);
                }
                match self
                    .stores
                    .put_if_absent(&self.display, all.freeze())
                    .await
                    .map_err(to_iceberg)?
                {
                    PutIfAbsent::Created => Ok(()),
                    PutIfAbsent::AlreadyExists => Err(exists_error(&self.display)),
                }
            }
            WriteState::Streaming(mut writer) => writer.shutdown().await.map_err(|e| {
                Error::new(
                    ErrorKind::Unexpected,
                    format!("cannot finish writing {}: {e}", self.display),
                )
            }),
            WriteState::Closed => Err(Error::new(
                ErrorKind::Unexpected,
                format!("{} closed twice", self.display),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn files_are_never_replaced() {
        let stores = Stores::new(Default::default());
        let io = file_io(&stores);
        let small = "memory://create-only/data/small.parquet";
        io.new_output(small)
            .unwrap()
            .write(Bytes::from_static(b"first"))
            .await
            .unwrap();
        let again = io
            .new_output(small)
            .unwrap()
            .write(Bytes::from_static(b"second"))
            .await;
        assert!(format!("{}", again.unwrap_err()).contains("refusing to overwrite"));
        assert_eq!(
            stores.read(small).await.unwrap(),
            Bytes::from_static(b"first")
        );

        // Streamed writes: the one-request path, and the multipart path past its size.
        let mut writer = io.new_output(small).unwrap().writer().await.unwrap();
        writer.write(Bytes::from_static(b"x")).await.unwrap();
        assert!(format!("{}", writer.close().await.unwrap_err()).contains("refusing to overwrite"));
        let big = vec![7u8; ONE_REQUEST_BYTES + 1];
        let mut writer = io.new_output(small).unwrap().writer().await.unwrap();
        let refused = writer.write(Bytes::from(big.clone())).await;
        assert!(format!("{}", refused.unwrap_err()).contains("refusing to overwrite"));
        assert_eq!(
            stores.read(small).await.unwrap(),
            Bytes::from_static(b"first")
        );

        let fresh = "memory://create-only/data/big.parquet";
        let mut writer = io.new_output(fresh).unwrap().writer().await.unwrap();
        writer.write(Bytes::from(big.clone())).await.unwrap();
        writer.write(Bytes::from_static(b"tail")).await.unwrap();
        writer.close().await.unwrap();
        assert_eq!(stores.size(fresh).await.unwrap(), big.len() as u64 + 4);
    }
}
