//! Verifying a table's files against its metadata: manifest lists and manifests parse, every
//! file they reach exists with its recorded size, sequence numbers and the parent chain are
//! consistent, and (deep) each data file's Parquet footer holds the recorded row count and each
//! deletion vector (format v3) decodes with its CRC and recorded cardinality. DVs share Puffin
//! files, so they are told apart by (path, offset).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Result;
use futures::StreamExt;
use iceberg::spec::{DataContentType, DataFileFormat};
use iceberg::table::Table;
use serde::Serialize;

use crate::table::read::deletion_vectors::{dv_of_entry, read_positions, DeletionVector};
use crate::table::read::manifest_stream::{load_manifest_lists, load_manifests};
use crate::table::storage::stores::Stores;

/// Files checked at once.
const CONCURRENCY: usize = 32;

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// What is wrong: missing_file, wrong_size, unreadable_manifest_list, unreadable_manifest,
    /// row_count_mismatch, unreadable_footer, broken_parent_chain, sequence_number,
    /// corrupt_deletion_vector.
    pub kind: String,
    /// The file or snapshot at fault.
    pub at: String,
    pub detail: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Verification {
    pub snapshots_checked: Vec<i64>,
    pub manifest_lists: usize,
    pub manifests: usize,
    pub data_files: usize,
    /// Delete files, each deletion vector counted on its own.
    pub delete_files: usize,
    /// Of those, deletion vectors (format v3).
    pub deletion_vectors: usize,
    pub footers_read: usize,
    pub problems: Vec<Problem>,
}

fn problem(kind: &str, at: impl Into<String>, detail: impl Into<String>) -> Problem {
    Problem {
        kind: kind.into(),
        at: at.into(),
        detail: detail.into(),
    }
}

/// A file to check: its recorded size, and the row count to compare with its footer.
struct Expected {
    size: u64,
    is_data: bool,
    rows: Option<u64>,
}

async fn check_file(
    stores: &Stores,
    path: &str,
    file: &Expected,
    deep: bool,
) -> (Option<Problem>, bool) {
    let size = match stores.size(path).await {
        Ok(size) => size,
        Err(e) => {
            let missing = crate::error::kind_of(&e) == crate::error::ErrorKind::NotFound;
            let kind = if missing {
                "missing_file"
            } else {
                "unreadable_file"
            };
            return (Some(problem(kind, path, format!("{e:#}"))), false);
        }
    };
    if size != file.size {
        return (
            Some(problem(
                "wrong_size",
                path,
                format!("{size} bytes on storage, {} in the manifest", file.size),
            )),
            false,
        );
    }
    let Some(rows) = file.rows.filter(|_| deep) else {
        return (None, false);
    };
    let footer = stores.parquet_metadata(path, size).await;
    match footer.map(|m| m.file_metadata().num_rows() as u64) {
        Ok(found) if found == rows => (None, true),
        Ok(found) => (
            Some(problem(
                "row_count_mismatch",
                path,
                format!("{found} rows in the footer, {rows} in the manifest"),
            )),
            true,
        ),
        Err(e) => (
            Some(problem("unreadable_footer", path, format!("{e:#}"))),
            true,
        ),
    }
}

/// Verify the snapshots `ids` of `table`.
pub async fn verify(
    table: &Table,
    stores: &Stores,
    ids: &[i64],
    deep: bool,
) -> Result<Verification> {
    let metadata = table.metadata();
    let mut out = Verification {
        snapshots_checked: ids.to_vec(),
        ..Default::default()
    };
    // The parent chain and sequence numbers of every snapshot checked.
    for id in ids {
        let Some(snapshot) = metadata.snapshot_by_id(*id) else {
            continue;
        };
        if let Some(parent_id) = snapshot.parent_snapshot_id() {
            match metadata.snapshot_by_id(parent_id) {
                Some(parent) if parent.sequence_number() >= snapshot.sequence_number() => {
                    out.problems.push(problem(
                        "sequence_number",
                        id.to_string(),
                        format!(
                            "sequence number {} is not above its parent's {}",
                            snapshot.sequence_number(),
                            parent.sequence_number()
                        ),
                    ))
                }
                Some(_) => {}
                // A parent removed by expiry is normal; only the head's ancestry matters.
                None => {}
            }
        }
        if snapshot.sequence_number() > metadata.last_sequence_number() {
            out.problems.push(problem(
                "sequence_number",
                id.to_string(),
                format!(
                    "sequence number {} is above the table's last {}",
                    snapshot.sequence_number(),
                    metadata.last_sequence_number()
                ),
            ));
        }
    }
    if let Some(current) = metadata.current_snapshot() {
        let mut at = current.parent_snapshot_id();
        let mut seen = BTreeSet::from([current.snapshot_id()]);
        while let Some(id) = at {
            if !seen.insert(id) {
                out.problems.push(problem(
                    "broken_parent_chain",
                    id.to_string(),
                    "the parent chain loops",
                ));
                break;
            }
            at = metadata
                .snapshot_by_id(id)
                .and_then(|s| s.parent_snapshot_id());
        }
    }

    let mut files: HashMap<String, Expected> = HashMap::new();
    let mut dvs: BTreeMap<(String, u64), DeletionVector> = BTreeMap::new();
    let snapshots = ids
        .iter()
        .filter_map(|id| metadata.snapshot_by_id(*id).cloned())
        .collect();
    // Snapshots share most of their manifests: each is read once, whichever list names it first.
    let mut manifests_seen = BTreeSet::new();
    let mut manifests = vec![];
    let mut lists = load_manifest_lists(table, snapshots);
    while let Some((snapshot, list)) = lists.next().await {
        out.manifest_lists += 1;
        let list = match list {
            Ok(list) => list,
            Err(e) => {
                out.problems.push(problem(
                    "unreadable_manifest_list",
                    snapshot.manifest_list(),
                    e.to_string(),
                ));
                continue;
            }
        };
        for manifest_file in list.consume_entries() {
            if !manifests_seen.insert(manifest_file.manifest_path.clone()) {
                continue;
            }
            out.manifests += 1;
            if manifest_file.sequence_number > snapshot.sequence_number() {
                out.problems.push(problem(
                    "sequence_number",
                    &manifest_file.manifest_path,
                    format!(
                        "manifest sequence number {} is above its snapshot's {}",
                        manifest_file.sequence_number,
                        snapshot.sequence_number()
                    ),
                ));
            }
            manifests.push(manifest_file);
        }
    }
    let mut loaded = load_manifests(table.file_io(), manifests);
    while let Some((manifest_file, manifest)) = loaded.next().await {
        let manifest = match manifest {
            Ok(m) => m,
            Err(e) => {
                out.problems.push(problem(
                    "unreadable_manifest",
                    &manifest_file.manifest_path,
                    e.to_string(),
                ));
                continue;
            }
        };
        for entry in manifest.entries().iter().filter(|e| e.is_alive()) {
            let file = entry.data_file();
            if file.file_format() == DataFileFormat::Puffin
                && file.content_type() == DataContentType::PositionDeletes
            {
                match dv_of_entry(file) {
                    Ok(dv) => {
                        dvs.insert((dv.puffin.clone(), dv.offset), dv);
                    }
                    Err(e) => out.problems.push(problem(
                        "corrupt_deletion_vector",
                        file.file_path(),
                        format!("{e:#}"),
                    )),
                }
            }
            if files.contains_key(file.file_path()) {
                continue;
            }
            let is_data = file.content_type() == DataContentType::Data;
            files.insert(
                file.file_path().to_string(),
                Expected {
                    size: file.file_size_in_bytes(),
                    is_data,
                    rows: (is_data && file.file_format() == DataFileFormat::Parquet)
                        .then(|| file.record_count()),
                },
            );
        }
    }
    let puffins: BTreeSet<&str> = dvs.keys().map(|(path, _)| path.as_str()).collect();
    for (path, file) in &files {
        if file.is_data {
            out.data_files += 1;
        } else if !puffins.contains(path.as_str()) {
            out.delete_files += 1;
        }
    }
    out.deletion_vectors = dvs.len();
    out.delete_files += dvs.len();
    let checks: Vec<(Option<Problem>, bool)> = futures::stream::iter(files.iter())
        .map(|(path, file)| check_file(stores, path, file, deep))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for (found, footer_read) in checks {
        out.footers_read += usize::from(footer_read);
        out.problems.extend(found);
    }
    if deep {
        let missing: BTreeSet<&str> = out
            .problems
            .iter()
            .filter(|p| p.kind == "missing_file" || p.kind == "wrong_size")
            .map(|p| p.at.as_str())
            .collect();
        // A missing or truncated Puffin file is reported once, above.
        let checked: Vec<Option<Problem>> = futures::stream::iter(
            dvs.values()
                .filter(|dv| !missing.contains(dv.puffin.as_str())),
        )
        .map(|dv| async move {
            read_positions(table, dv).await.err().map(|e| {
                problem(
                    "corrupt_deletion_vector",
                    format!("{}@{}", dv.puffin, dv.offset),
                    format!("{e:#}"),
                )
            })
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
        out.problems.extend(checked.into_iter().flatten());
    }
    out.problems
        .sort_by(|a, b| (&a.kind, &a.at).cmp(&(&b.kind, &b.at)));
    Ok(out)
}
