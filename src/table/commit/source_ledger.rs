//! Which source files `ingest --skip-loaded` already loaded. Each load writes a new ledger
//! file under `metadata/` (every source so far: location, size, ETag or modification time,
//! and the commit that loaded it) and points the table property `floe.ingest.loaded-sources`
//! at it IN THE SAME COMMIT as its data. So the record and the rows land together or not at
//! all: a run that dies before its commit left no record and the next run loads its files;
//! a run that committed is never repeated; two runs racing over one folder conflict on the
//! property and the loser starts again from the winner's ledger. A table property (not a
//! snapshot summary) survives snapshot expiry.
//!
//! The ledger is one per table, but rows live on branches: a source counts as loaded on a
//! branch only while the snapshot that loaded it (found by the commit id in its summary) is
//! an ancestor of the branch's head. After a rollback past that load, or for a load into
//! another branch, the source is loaded again. A load into this branch whose snapshot has been
//! expired counts as loaded: expiry trims history, and once the snapshot is gone floe cannot
//! tell a trimmed ancestor from a rolled-back snapshot that was expired afterwards. The same
//! holds for a snapshot kept (by a tag) beyond a gap expiry cut into the branch's parent
//! chain: older than the oldest ancestor still reachable, it counts as loaded.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, Result};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::error::FloeError;
use crate::table::storage::stores::{is_local, Stores};

/// The table property naming the current ledger file.
pub const LEDGER_PROPERTY: &str = "floe.ingest.loaded-sources";

/// A source file as it was when loaded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourceFile {
    pub location: String,
    pub size_bytes: u64,
    /// The object's ETag (object stores); `None` for local files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Last modification time (local files, and objects without an ETag).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct LedgerEntry {
    #[serde(flatten)]
    source: SourceFile,
    commit_id: String,
    loaded_at_ms: i64,
    /// The branch the load committed to (absent in ledgers written before branches were
    /// recorded: taken as any branch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    branch: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct LedgerFile {
    format: String,
    sources: Vec<LedgerEntry>,
}

const FORMAT: &str = "floe-loaded-sources/1";

/// The loaded sources recorded by the table's current ledger.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// The ledger file the table named (`None`: nothing recorded yet).
    pub location: Option<String>,
    file: LedgerFile,
    /// Each source with the loads that recorded it: (commit id, branch).
    known: HashMap<SourceFile, Vec<(String, Option<String>)>>,
}

/// What a table's history says about loads into one branch: the commit ids of the branch's
/// retained ancestors, and of every snapshot the table still has (with its sequence number).
#[derive(Debug, Clone, Default)]
pub struct BranchLoads {
    branch: String,
    ancestors: HashSet<String>,
    retained: HashMap<String, i64>,
    /// Where expiry cut the parent chain: the sequence number of the oldest ancestor reached,
    /// whose parent is gone. Snapshots older than that may be ancestors past the cut.
    cut: Option<i64>,
}

impl BranchLoads {
    /// The ancestors of `branch`'s head in `metadata`.
    pub fn of(metadata: &iceberg::spec::TableMetadata, branch: &str) -> Self {
        let commit_id = |s: &iceberg::spec::SnapshotRef| {
            s.summary()
                .additional_properties
                .get(COMMIT_ID_SUMMARY)
                .cloned()
        };
        let mut out = BranchLoads {
            branch: branch.to_string(),
            ancestors: HashSet::new(),
            retained: metadata
                .snapshots()
                .filter_map(|s| commit_id(s).map(|id| (id, s.sequence_number())))
                .collect(),
            cut: None,
        };
        let head = if branch == iceberg::spec::MAIN_BRANCH {
            metadata.current_snapshot()
        } else {
            metadata.snapshot_for_ref(branch)
        };
        let mut at = head;
        while let Some(snapshot) = at {
            out.ancestors.extend(commit_id(snapshot));
            at = match snapshot.parent_snapshot_id() {
                Some(parent) => {
                    let found = metadata.snapshot_by_id(parent);
                    if found.is_none() {
                        out.cut = Some(snapshot.sequence_number());
                    }
                    found
                }
                None => None,
            };
        }
        out
    }
}

/// The snapshot summary key naming the floe commit that made a snapshot.
pub const COMMIT_ID_SUMMARY: &str = "floe.commit-id";

impl Ledger {
    /// Read the ledger the table's properties name.
    pub async fn load(
        properties: &std::collections::HashMap<String, String>,
        stores: &Stores,
    ) -> Result<Self> {
        let Some(location) = properties.get(LEDGER_PROPERTY) else {
            return Ok(Ledger::default());
        };
        let bytes = stores.read(location).await.with_context(|| {
            format!("cannot read the ledger of loaded sources {location} (table property {LEDGER_PROPERTY})")
        })?;
        let file: LedgerFile = serde_json::from_slice(&bytes)
            .with_context(|| format!("{location} is not a ledger of loaded sources"))?;
        if file.format != FORMAT {
            return Err(FloeError::invalid(format!(
                "{location} is a ledger in format '{}', which this floe does not know",
                file.format
            ))
            .into());
        }
        let mut known: HashMap<SourceFile, Vec<(String, Option<String>)>> = HashMap::new();
        for entry in &file.sources {
            known
                .entry(entry.source.clone())
                .or_default()
                .push((entry.commit_id.clone(), entry.branch.clone()));
        }
        Ok(Ledger {
            location: Some(location.clone()),
            file,
            known,
        })
    }

    /// Whether `source` is loaded on the branch whose history is `branch`: some load of it
    /// is a reachable ancestor, or was a load into this branch whose snapshot is expired or
    /// lies behind the cut expiry made in the branch's parent chain.
    pub fn loaded_on(&self, source: &SourceFile, branch: &BranchLoads) -> bool {
        self.known.get(source).is_some_and(|loads| {
            loads.iter().any(|(commit_id, loaded_into)| {
                let into_this_branch = loaded_into.as_ref().is_none_or(|b| *b == branch.branch);
                let behind_history = match branch.retained.get(commit_id) {
                    None => true,
                    Some(sequence) => branch.cut.is_some_and(|cut| *sequence < cut),
                };
                branch.ancestors.contains(commit_id) || (into_this_branch && behind_history)
            })
        })
    }

    /// Write the next ledger (this one plus `loaded`) beside the table's metadata; returns its
    /// location.
    pub async fn write_next(
        &self,
        stores: &Stores,
        metadata_dir: &str,
        loaded: &[SourceFile],
        commit_id: &str,
        branch: &str,
    ) -> Result<String> {
        let now = chrono::Utc::now().timestamp_millis();
        let mut next = self.file.clone();
        next.format = FORMAT.to_string();
        next.sources.extend(loaded.iter().map(|source| LedgerEntry {
            source: source.clone(),
            commit_id: commit_id.to_string(),
            loaded_at_ms: now,
            branch: Some(branch.to_string()),
        }));
        let location = format!(
            "{}/floe-loaded-sources-{commit_id}.json",
            metadata_dir.trim_end_matches('/')
        );
        let body = serde_json::to_vec(&next)?;
        stores.put(&location, Bytes::from(body)).await?;
        Ok(location)
    }
}

/// How each input file is identified: its size plus its ETag on object stores, its
/// modification time on local disk (local ETags change with the inode, e.g. after a copy).
pub async fn identify(stores: &Stores, locations: &[String]) -> Result<Vec<SourceFile>> {
    use futures::StreamExt;
    let heads = locations.iter().map(|location| async move {
        let meta = stores.head(location).await?;
        let local = is_local(location);
        Ok::<SourceFile, anyhow::Error>(SourceFile {
            location: location.clone(),
            size_bytes: meta.size,
            etag: if local { None } else { meta.e_tag.clone() },
            modified_ms: if local || meta.e_tag.is_none() {
                Some(meta.last_modified.timestamp_millis())
            } else {
                None
            },
        })
    });
    let found: Vec<Result<SourceFile>> = futures::stream::iter(heads.collect::<Vec<_>>())
        .buffered(32)
        .collect()
        .await;
    found.into_iter().collect()
}

/// The swap a load makes in its commit: the property must still name `expected`.
#[derive(Debug, Clone)]
pub struct LedgerSwap {
    pub expected: Option<String>,
    pub next: String,
}
