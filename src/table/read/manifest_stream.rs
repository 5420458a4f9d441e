//! Reading many manifest lists or manifests of a table at once: each is decoded on a task of its
//! own, so Avro decoding spreads over every core, and only a bounded number are in flight, so a
//! command holds a few manifests at a time rather than every entry of the table.

use futures::{Stream, StreamExt};
use iceberg::io::FileIO;
use iceberg::spec::{Manifest, ManifestFile, ManifestList, SnapshotRef};
use iceberg::table::Table;

use super::row_lineage::with_inherited_row_ids;

/// Manifests (or manifest lists) read at once: enough to keep every core decoding while others
/// wait on storage.
pub fn concurrency() -> usize {
    std::thread::available_parallelism()
        .map_or(4, |n| n.get())
        .clamp(2, 16)
        * 2
}

/// The result of a spawned read; a panic inside it is re-raised here, as if it ran inline.
async fn joined<T>(handle: tokio::task::JoinHandle<T>) -> T {
    match handle.await {
        Ok(value) => value,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// One manifest, its data files' `first_row_id` assigned as the spec says (see `row_lineage`).
/// Every manifest floe reads comes through here, so entries carried into a new manifest keep
/// their row ids.
pub async fn load_manifest(file: &ManifestFile, file_io: &FileIO) -> iceberg::Result<Manifest> {
    let manifest = file.load_manifest(file_io).await?;
    Ok(with_inherited_row_ids(file, manifest))
}

/// The manifests `files`, each with its manifest-list entry, in the order given, decoded
/// concurrently.
pub fn load_manifests(
    file_io: &FileIO,
    files: Vec<ManifestFile>,
) -> impl Stream<Item = (ManifestFile, iceberg::Result<Manifest>)> {
    let file_io = file_io.clone();
    futures::stream::iter(files)
        .map(move |file| {
            let file_io = file_io.clone();
            joined(tokio::spawn(async move {
                let manifest = load_manifest(&file, &file_io).await;
                (file, manifest)
            }))
        })
        .buffered(concurrency())
}

/// The manifest lists of `snapshots`, each with its snapshot, in the order given, decoded
/// concurrently.
pub fn load_manifest_lists(
    table: &Table,
    snapshots: Vec<SnapshotRef>,
) -> impl Stream<Item = (SnapshotRef, iceberg::Result<ManifestList>)> {
    let table = table.clone();
    futures::stream::iter(snapshots)
        .map(move |snapshot| {
            let reader = table.manifest_list_reader(&snapshot);
            joined(tokio::spawn(async move {
                let list = reader.load().await;
                (snapshot, list)
            }))
        })
        .buffered(concurrency())
}
