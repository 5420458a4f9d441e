//! The local-disk store: object_store's `LocalFileSystem`, with reads of up to a few MiB done
//! on the calling thread.
//!
//! `LocalFileSystem` hands every open and every read to tokio's blocking pool. A scan of a
//! local table makes several such reads per file (footer, then each row group's column
//! chunks), each a round trip through another thread that costs more than a read of a file
//! the page cache already holds. Reading in place is what DuckDB does: a scan runs one
//! partition per core, so a worker blocked on a read has nothing else it could run. Large reads
//! still stream from the blocking pool, and everything that is not a read is `LocalFileSystem`
//! itself.

use std::fs::{File, Metadata};
use std::io::ErrorKind;
use std::ops::Range;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    Attributes, CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload,
    ObjectMeta, ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
    Result,
};

/// Reads up to this many bytes in one call happen in place; larger ones go to the blocking
/// pool (a page-cache copy of 8 MiB takes a few milliseconds).
const IN_PLACE_READ_BYTES: u64 = 8 * 1024 * 1024;

const STORE: &str = "LocalFileSystem";

#[derive(Debug, Default)]
pub struct LocalStore {
    inner: LocalFileSystem,
}

impl std::fmt::Display for LocalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocalStore({})", self.inner)
    }
}

fn generic(source: impl std::error::Error + Send + Sync + 'static) -> object_store::Error {
    object_store::Error::Generic {
        store: STORE,
        source: Box::new(source),
    }
}

fn not_found(location: &Path, source: std::io::Error) -> object_store::Error {
    object_store::Error::NotFound {
        path: location.to_string(),
        source: Box::new(source),
    }
}

/// Open a file for reading, with `LocalFileSystem`'s errors: a missing file or a directory
/// is not found.
fn open(path: &std::path::Path, location: &Path) -> Result<(File, Metadata)> {
    let file = File::open(path).map_err(|e| match e.kind() {
        ErrorKind::NotFound => not_found(location, e),
        _ => generic(e),
    })?;
    let metadata = file.metadata().map_err(generic)?;
    if metadata.is_dir() {
        return Err(not_found(
            location,
            std::io::Error::new(ErrorKind::NotFound, "is a directory"),
        ));
    }
    Ok((file, metadata))
}

/// The object metadata `LocalFileSystem` reports for the same file (its e-tag included, so
/// conditional requests agree whichever path served them).
fn object_meta(metadata: &Metadata, location: &Path) -> ObjectMeta {
    let modified = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    let micros = modified
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros();
    ObjectMeta {
        location: location.clone(),
        last_modified: modified.into(),
        size: metadata.len(),
        e_tag: Some(format!(
            "{:x}-{micros:x}-{:x}",
            metadata.ino(),
            metadata.len()
        )),
        version: None,
    }
}

fn read_exact(file: &File, range: Range<u64>, location: &Path) -> Result<Bytes> {
    let mut buf = vec![0u8; (range.end - range.start) as usize];
    file.read_exact_at(&mut buf, range.start).map_err(|e| {
        if e.kind() == ErrorKind::UnexpectedEof {
            generic(std::io::Error::new(
                ErrorKind::UnexpectedEof,
                format!("{location}: bytes {range:?} are beyond the end of the file"),
            ))
        } else {
            generic(e)
        }
    })?;
    Ok(buf.into())
}

#[async_trait]
impl ObjectStore for LocalStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let path = self.inner.path_to_filesystem(location)?;
        let (file, metadata) = open(&path, location)?;
        let meta = object_meta(&metadata, location);
        options.check_preconditions(&meta)?;
        let range = match &options.range {
            Some(r) => r.as_range(meta.size).map_err(generic)?,
            None => 0..meta.size,
        };
        let payload = if options.head || range.end - range.start > IN_PLACE_READ_BYTES {
            GetResultPayload::File(file, path)
        } else {
            let bytes = read_exact(&file, range.clone(), location)?;
            GetResultPayload::Stream(Box::pin(futures::stream::once(async { Ok(bytes) })))
        };
        Ok(GetResult {
            payload,
            meta,
            range,
            attributes: Attributes::default(),
        })
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        let total: u64 = ranges.iter().map(|r| r.end.saturating_sub(r.start)).sum();
        if total > IN_PLACE_READ_BYTES {
            return self.inner.get_ranges(location, ranges).await;
        }
        let path = self.inner.path_to_filesystem(location)?;
        let (file, _) = open(&path, location)?;
        ranges
            .iter()
            .map(|r| read_exact(&file, r.clone(), location))
            .collect()
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.inner.rename_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use object_store::{GetRange, ObjectStoreExt};

    use super::*;

    fn fixture() -> (tempfile::TempDir, Path, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let bytes: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        let file = dir.path().join("data.bin");
        std::fs::write(&file, &bytes).unwrap();
        let location = Path::from_filesystem_path(&file).unwrap();
        (dir, location, bytes)
    }

    #[tokio::test]
    async fn reads_ranges_and_suffixes_as_local_file_system_does() {
        let (_dir, location, bytes) = fixture();
        let store = LocalStore::default();
        let reference = LocalFileSystem::new();

        let got = store
            .get_ranges(&location, &[0..10, 19_990..20_000, 5_000..5_001])
            .await
            .unwrap();
        assert_eq!(got[0].as_ref(), &bytes[0..10]);
        assert_eq!(got[1].as_ref(), &bytes[19_990..20_000]);
        assert_eq!(got[2].as_ref(), &bytes[5_000..5_001]);

        let suffix = store
            .get_opts(
                &location,
                GetOptions {
                    range: Some(GetRange::Suffix(8)),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(suffix.range, 19_992..20_000);
        let ours_meta = suffix.meta.clone();
        assert_eq!(suffix.bytes().await.unwrap().as_ref(), &bytes[19_992..]);

        let whole = store.get(&location).await.unwrap().bytes().await.unwrap();
        assert_eq!(whole.as_ref(), bytes.as_slice());

        // Same size, time and e-tag as the reference store: conditional reads agree.
        let theirs = reference.head(&location).await.unwrap();
        assert_eq!(ours_meta.size, theirs.size);
        assert_eq!(ours_meta.e_tag, theirs.e_tag);
        assert_eq!(ours_meta.last_modified, theirs.last_modified);
        let conditional = store
            .get_opts(
                &location,
                GetOptions {
                    if_match: theirs.e_tag.clone(),
                    ..Default::default()
                },
            )
            .await;
        assert!(conditional.is_ok());
        let stale = store
            .get_opts(
                &location,
                GetOptions {
                    if_match: Some("0-0-0".into()),
                    ..Default::default()
                },
            )
            .await;
        assert!(matches!(
            stale,
            Err(object_store::Error::Precondition { .. })
        ));
    }

    #[tokio::test]
    async fn missing_files_directories_and_short_files_are_errors() {
        let (dir, location, _) = fixture();
        let store = LocalStore::default();
        let missing = Path::from(format!("{location}.missing"));
        assert!(matches!(
            store.get(&missing).await,
            Err(object_store::Error::NotFound { .. })
        ));
        assert!(matches!(
            store.get_ranges(&missing, &[0..1, 1..2]).await,
            Err(object_store::Error::NotFound { .. })
        ));
        let directory = Path::from_filesystem_path(dir.path()).unwrap();
        assert!(matches!(
            store.head(&directory).await,
            Err(object_store::Error::NotFound { .. })
        ));
        let beyond = store.get_ranges(&location, &[0..1, 19_000..21_000]).await;
        let message = beyond.unwrap_err().to_string();
        assert!(message.contains("beyond the end"), "{message}");
    }

    #[tokio::test]
    async fn large_reads_go_through_the_blocking_pool_with_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let size = IN_PLACE_READ_BYTES as usize + 4096;
        let bytes: Vec<u8> = (0..size).map(|i| (i % 253) as u8).collect();
        let file = dir.path().join("big.bin");
        std::fs::write(&file, &bytes).unwrap();
        let location = Path::from_filesystem_path(&file).unwrap();
        let store = LocalStore::default();
        let whole = store.get(&location).await.unwrap();
        assert!(matches!(whole.payload, GetResultPayload::File(..)));
        assert_eq!(whole.bytes().await.unwrap().len(), size);
        let ranges = store
            .get_ranges(&location, &[0..(size as u64 - 1), 7..9])
            .await
            .unwrap();
        assert_eq!(ranges[0].as_ref(), &bytes[..size - 1]);
        assert_eq!(ranges[1].as_ref(), &bytes[7..9]);
    }
}
