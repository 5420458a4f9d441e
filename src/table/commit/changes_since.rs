//! What other writers committed to a branch after an operation read it: the files each later
//! snapshot added and removed. Every validating commit (compaction, deletes, upserts,
//! partition overwrites) checks its own plan against this, as Iceberg Java's
//! `validateFromSnapshot` family does.

use std::collections::HashMap;

use anyhow::Result;
use iceberg::spec::{
    DataContentType, DataFile, ManifestStatus, Operation, SnapshotRef, Struct, TableMetadata,
};
use iceberg::table::Table;

/// A file a later snapshot added.
#[derive(Debug, Clone)]
pub struct AddedFile {
    pub file: DataFile,
    pub spec_id: i32,
    pub snapshot_id: i64,
    /// The adding snapshot's operation: `replace` (compaction) adds files holding rows that
    /// were already there, which no serializable check counts as new data.
    pub operation: Operation,
    /// The adding snapshot added more rows than it removed: even a `replace` then brought
    /// rows that were not in the table before.
    pub grew: bool,
}

/// The changes, oldest snapshot last.
#[derive(Debug, Default)]
pub struct ChangesSince {
    /// Data files removed, with the snapshot that removed them.
    pub removed_data: HashMap<String, i64>,
    pub added_data: Vec<AddedFile>,
    /// Position and equality delete files added.
    pub added_deletes: Vec<AddedFile>,
}

/// The snapshots on `branch` after `start` (newest first); `None` when `start` is no longer
/// an ancestor of the branch's head (rolled back, or its history expired).
pub fn snapshots_since<'a>(
    metadata: &'a TableMetadata,
    branch: &str,
    start: Option<i64>,
) -> Option<Vec<&'a SnapshotRef>> {
    let head = if branch == iceberg::spec::MAIN_BRANCH {
        metadata.current_snapshot()
    } else {
        metadata.snapshot_for_ref(branch)
    };
    let mut out = vec![];
    let mut at = head;
    while let Some(snapshot) = at {
        if Some(snapshot.snapshot_id()) == start {
            return Some(out);
        }
        out.push(snapshot);
        at = match snapshot.parent_snapshot_id() {
            Some(parent) => Some(metadata.snapshot_by_id(parent)?),
            None => None,
        };
    }
    start.is_none().then_some(out)
}

/// Read what `snapshots` added and removed (only the entries each snapshot wrote itself).
pub async fn changes_since(table: &Table, snapshots: &[&SnapshotRef]) -> Result<ChangesSince> {
    let mut changes = ChangesSince::default();
    for snapshot in snapshots {
        let id = snapshot.snapshot_id();
        let count = |key: &str| {
            snapshot
                .summary()
                .additional_properties
                .get(key)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let grew = count("added-records") > count("deleted-records");
        let list = table.manifest_list_reader(snapshot).load().await?;
        for manifest in list.entries().iter().filter(|m| m.added_snapshot_id == id) {
            let loaded =
                crate::table::read::manifest_stream::load_manifest(manifest, table.file_io())
                    .await?;
            for entry in loaded.entries() {
                if entry.snapshot_id() != Some(id) {
                    continue;
                }
                let file = entry.data_file();
                let added = || AddedFile {
                    file: file.clone(),
                    spec_id: manifest.partition_spec_id,
                    snapshot_id: id,
                    operation: snapshot.summary().operation.clone(),
                    grew,
                };
                match (entry.status(), file.content_type()) {
                    (ManifestStatus::Deleted, DataContentType::Data) => {
                        changes
                            .removed_data
                            .insert(file.file_path().to_string(), id);
                    }
                    (ManifestStatus::Added, DataContentType::Data) => {
                        changes.added_data.push(added())
                    }
                    (ManifestStatus::Added, _) => changes.added_deletes.push(added()),
                    _ => {}
                }
            }
        }
    }
    Ok(changes)
}

/// Whether two partition tuples are the same partition (an unpartitioned file's tuple may be
/// absent or empty).
pub fn same_partition(a: Option<&Struct>, b: Option<&Struct>) -> bool {
    let empty = |p: Option<&Struct>| p.is_none_or(|s| s.fields().is_empty());
    (empty(a) && empty(b)) || a == b
}

impl AddedFile {
    /// Whether this delete file can apply to the data file `path` of spec `spec_id` in
    /// `partition`: a position delete naming it (or naming none, in its partition), an
    /// equality delete in its partition or in an unpartitioned spec (which applies to all).
    pub fn may_delete_from(
        &self,
        metadata: &TableMetadata,
        path: &str,
        spec_id: i32,
        partition: Option<&Struct>,
    ) -> bool {
        let same_place =
            self.spec_id == spec_id && same_partition(Some(self.file.partition()), partition);
        match self.file.content_type() {
            DataContentType::PositionDeletes => match self.file.referenced_data_file() {
                Some(referenced) => referenced == path,
                None => same_place,
            },
            DataContentType::EqualityDeletes => {
                let global = metadata
                    .partition_spec_by_id(self.spec_id)
                    .is_some_and(|s| s.is_unpartitioned());
                global || same_place
            }
            DataContentType::Data => false,
        }
    }
}

impl ChangesSince {
    /// Data files added by appends, overwrites and deletes: new rows (compaction's `replace`
    /// only moves existing ones, unless it added more rows than it removed). Files added and
    /// then rewritten or removed again are here too: their rows may live on in what
    /// replaced them.
    pub fn new_rows(&self) -> impl Iterator<Item = &AddedFile> {
        self.added_data
            .iter()
            .filter(|a| a.operation != Operation::Replace || a.grew)
    }
}
