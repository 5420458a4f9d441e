//! Position delete files of a snapshot and the commit that replaces some of them: merged
//! files in, the files they merge and dangling ones (naming only data files that are gone)
//! out, as one `replace` snapshot. Equality delete files are never touched here.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Result;
use futures::StreamExt;
use iceberg::spec::{
    DataContentType, DataFile, DataFileFormat, ManifestContentType, ManifestFile,
    SnapshotSummaryCollector, Struct, MAIN_BRANCH,
};
use iceberg::table::Table;

use super::changes_since::snapshots_since;
use super::snapshot_producer::{
    add_totals, carry_manifests, commit_with_retries, data_file_sizes, ensure_written_files,
    new_manifest_writer, new_snapshot_id, write_snapshot, Attempt, AttemptFiles, NewSnapshot,
    Prepared,
};
use crate::table::catalog::commit_policy::{conflict, is_state_unknown};
use crate::table::catalog::floe_catalog::TableTarget;
use crate::table::read::manifest_stream::load_manifests;

/// A live data file: what decides whether a position delete still applies to it.
#[derive(Debug, Clone)]
pub struct LiveData {
    /// Its data sequence number: a position delete applies to it only from the same or a
    /// higher one.
    pub sequence_number: i64,
    pub spec_id: i32,
    pub partition: Struct,
}

/// A live delete file (position or equality deletes) with its spec and data sequence number.
#[derive(Debug, Clone)]
pub struct LivePositionDeletes {
    pub file: DataFile,
    pub spec_id: i32,
    pub sequence_number: i64,
}

/// The delete-relevant content of one snapshot.
#[derive(Debug, Default)]
pub struct DeleteInventory {
    /// Data file path → what a delete needs to know of it.
    pub data_files: HashMap<String, LiveData>,
    pub position_deletes: Vec<LivePositionDeletes>,
    /// Equality delete files.
    pub equality_deletes: Vec<LivePositionDeletes>,
}

impl DeleteInventory {
    /// Whether a delete entry of sequence number `delete_sequence` naming `data_file` removes
    /// a row now: the file is live and not newer than the delete.
    pub fn applies(&self, data_file: &str, delete_sequence: i64) -> bool {
        self.data_files
            .get(data_file)
            .is_some_and(|live| live.sequence_number <= delete_sequence)
    }

    /// Equality delete files that remove no row any more: an equality delete applies to the
    /// data files of a lower data sequence number in its partition (every partition, when its
    /// spec is unpartitioned), and none is left (they were rewritten or removed since). Java's
    /// `remove-dangling-deletes` rule. Only those `keep` selects are looked at.
    pub fn dangling_equality_deletes(
        &self,
        metadata: &iceberg::spec::TableMetadata,
        keep: impl Fn(&LivePositionDeletes) -> bool,
    ) -> Vec<&LivePositionDeletes> {
        if self.equality_deletes.is_empty() {
            return vec![];
        }
        let mut oldest_anywhere = i64::MAX;
        let mut oldest_in: HashMap<(i32, &Struct), i64> = HashMap::new();
        for live in self.data_files.values() {
            oldest_anywhere = oldest_anywhere.min(live.sequence_number);
            let oldest = oldest_in
                .entry((live.spec_id, &live.partition))
                .or_insert(i64::MAX);
            *oldest = (*oldest).min(live.sequence_number);
        }
        self.equality_deletes
            .iter()
            .filter(|d| keep(d))
            .filter(|d| {
                let global = metadata
                    .partition_spec_by_id(d.spec_id)
                    .is_some_and(|s| s.is_unpartitioned());
                let oldest = if global {
                    oldest_anywhere
                } else {
                    oldest_in
                        .get(&(d.spec_id, d.file.partition()))
                        .copied()
                        .unwrap_or(i64::MAX)
                };
                oldest >= d.sequence_number
            })
            .collect()
    }
}

/// Read the live data and delete files of `snapshot_id`.
pub async fn delete_inventory(table: &Table, snapshot_id: i64) -> Result<DeleteInventory> {
    let mut inventory = DeleteInventory::default();
    let Some(snapshot) = table.metadata().snapshot_by_id(snapshot_id) else {
        return Ok(inventory);
    };
    let list = table.manifest_list_reader(snapshot).load().await?;
    let mut manifests = load_manifests(table.file_io(), list.entries().to_vec());
    while let Some((manifest, loaded)) = manifests.next().await {
        for entry in loaded?.entries().iter().filter(|e| e.is_alive()) {
            let file = entry.data_file();
            let sequence_number = entry.sequence_number().unwrap_or(0);
            match file.content_type() {
                DataContentType::Data => {
                    inventory.data_files.insert(
                        file.file_path().to_string(),
                        LiveData {
                            sequence_number,
                            spec_id: manifest.partition_spec_id,
                            partition: file.partition().clone(),
                        },
                    );
                }
                DataContentType::PositionDeletes => {
                    inventory.position_deletes.push(LivePositionDeletes {
                        file: file.clone(),
                        spec_id: manifest.partition_spec_id,
                        sequence_number,
                    })
                }
                DataContentType::EqualityDeletes => {
                    inventory.equality_deletes.push(LivePositionDeletes {
                        file: file.clone(),
                        spec_id: manifest.partition_spec_id,
                        sequence_number,
                    })
                }
            }
        }
    }
    Ok(inventory)
}

/// A new position delete file with the spec of its partition and the data sequence number
/// it is committed at.
#[derive(Debug, Clone)]
pub struct MergedDeletes {
    pub spec_id: i32,
    pub file: DataFile,
    pub sequence_number: i64,
}

#[derive(Debug, Clone)]
pub struct DeleteRewrite {
    pub starting_snapshot_id: i64,
    /// Position delete files leaving (merged or dangling).
    pub removed: Vec<String>,
    /// Deletion vectors leaving (Puffin path, blob offset): several share one Puffin file.
    pub removed_vectors: Vec<(String, i64)>,
    pub added: Vec<MergedDeletes>,
    pub summary: HashMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct DeleteRewriteCommitted {
    pub snapshot_id: i64,
    pub attempts: u32,
}

/// Commit the rewrite, rebuilt on the newest state if another writer commits first. Refused
/// as a conflict (nothing committed, the new files deleted) when a file it replaces is no
/// longer live or its starting snapshot left main's history: the plan no longer holds.
pub async fn commit_delete_rewrite(
    target: &TableTarget,
    rewrite: &DeleteRewrite,
) -> Result<DeleteRewriteCommitted> {
    let stores = target.catalog.stores();
    let added: Vec<String> = rewrite
        .added
        .iter()
        .map(|m| m.file.file_path().to_string())
        .collect();
    let io = crate::table::storage::file_io::file_io(stores);
    if let Err(e) =
        ensure_written_files(&io, data_file_sizes(rewrite.added.iter().map(|m| &m.file))).await
    {
        stores.delete_all(&added).await;
        return Err(e);
    }
    let landed = commit_with_retries(target, |table, attempt_no| async move {
        let mut written = vec![];
        let outcome = prepare(&table, rewrite, attempt_no, &mut written).await;
        Prepared { written, outcome }
    })
    .await;
    match landed {
        Ok(Some(landed)) => Ok(DeleteRewriteCommitted {
            snapshot_id: landed.snapshot_id,
            attempts: landed.attempts,
        }),
        Ok(None) => {
            stores.delete_all(&added).await;
            Err(conflict(
                "the table has no snapshot to rewrite the delete files of",
            ))
        }
        Err(err) => {
            if !is_state_unknown(&err) {
                stores.delete_all(&added).await;
            }
            Err(err)
        }
    }
}

async fn prepare(
    table: &Table,
    rewrite: &DeleteRewrite,
    attempt_no: u32,
    written: &mut Vec<String>,
) -> Result<Option<(Attempt, ())>> {
    let metadata = table.metadata();
    let Some(current) = metadata.current_snapshot() else {
        return Ok(None);
    };
    // Entries dropped as dangling named files gone at the start; only a rollback brings such
    // a file back.
    if snapshots_since(metadata, MAIN_BRANCH, Some(rewrite.starting_snapshot_id)).is_none() {
        return Err(conflict(format!(
            "snapshot {} is no longer an ancestor of main (rolled back?)",
            rewrite.starting_snapshot_id
        )));
    }
    let snapshot_id = new_snapshot_id(metadata);
    let mut files = AttemptFiles::new(metadata, snapshot_id, attempt_no);
    let schema = metadata.current_schema().clone();
    let mut summary = SnapshotSummaryCollector::default();
    let mut manifests: Vec<ManifestFile> = vec![];

    let mut by_spec: BTreeMap<i32, Vec<&MergedDeletes>> = BTreeMap::new();
    for merged in &rewrite.added {
        by_spec.entry(merged.spec_id).or_default().push(merged);
    }
    for (spec_id, merged) in by_spec {
        let Some(spec) = metadata.partition_spec_by_id(spec_id).cloned() else {
            return Err(conflict(format!("partition spec {spec_id} left the table")));
        };
        let path = files.manifest(written);
        let mut writer = new_manifest_writer(
            table,
            schema.clone(),
            &path,
            snapshot_id,
            spec_id,
            ManifestContentType::Deletes,
        )?;
        for m in merged {
            summary.add_file(&m.file, schema.clone(), spec.clone());
            // The data sequence number of the files it merges: it applies to exactly the
            // data files they applied to, never to one added after the rewrite started.
            writer.add_file(m.file.clone(), m.sequence_number)?;
        }
        manifests.push(writer.write_manifest_file().await?);
    }

    let removed: HashSet<&str> = rewrite.removed.iter().map(String::as_str).collect();
    let removed_vectors: HashSet<(&str, i64)> = rewrite
        .removed_vectors
        .iter()
        .map(|(p, o)| (p.as_str(), *o))
        .collect();
    // Data files that get a new DV, and those with a DV that stays: one DV per data file.
    let new_vectors: HashSet<String> = rewrite
        .added
        .iter()
        .filter_map(|m| m.file.referenced_data_file())
        .collect();
    let kept_vectors = std::sync::Mutex::new(Vec::<String>::new());
    let (carried, left) = carry_manifests(
        table,
        current,
        snapshot_id,
        &mut files,
        written,
        &mut summary,
        |manifest, file| {
            if manifest.content != ManifestContentType::Deletes {
                return false;
            }
            if file.file_format() != DataFileFormat::Puffin {
                return removed.contains(file.file_path());
            }
            let leaves = removed_vectors
                .contains(&(file.file_path(), file.content_offset().unwrap_or_default()));
            if !leaves {
                if let Some(referenced) = file.referenced_data_file() {
                    kept_vectors.lock().expect("lock").push(referenced);
                }
            }
            leaves
        },
    )
    .await?;
    manifests.extend(carried);
    let expected = removed.len() + removed_vectors.len();
    if left.len() != expected {
        return Err(conflict(format!(
            "{} of the {} delete files this rewrite replaces were removed by another writer meanwhile",
            expected - left.len(),
            expected
        )));
    }
    if let Some(doubled) = kept_vectors
        .into_inner()
        .expect("lock")
        .into_iter()
        .find(|r| new_vectors.contains(r))
    {
        return Err(conflict(format!(
            "another writer added a deletion vector for {doubled} meanwhile; this rewrite would give it a second one"
        )));
    }
    let mut properties = rewrite.summary.clone();
    properties.extend(summary.build());
    add_totals(&mut properties, Some(current.summary()));
    let mut new = NewSnapshot::replace(metadata, &files, manifests, properties);
    if rewrite
        .added
        .iter()
        .all(|m| m.file.file_format() == DataFileFormat::Puffin)
    {
        // Deletion vectors (or only removals): what a v3 table takes; rows keep their ids.
        new.v3_refusal = None;
    }
    let attempt = write_snapshot(table, new, written).await?;
    Ok(Some((attempt, ())))
}
