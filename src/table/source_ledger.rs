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
//! another branch, the source is loaded again. A load whose snapshot has been expired counts
//! as loaded when it is older than the branch's oldest retained ancestor (its history was
//! trimmed, not rolled back).

use std::collections::{HashMap, HashSet};

use anyhow::{Context, Result};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::storage::{is_local, Stores};
use crate::error::FloeError;

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
    /// Each source with the loads that recorded it: (commit id, loaded at).
    known: HashMap<SourceFile, Vec<(String, i64)>>,
}

/// What a branch's history says about loads: the commit ids of its retained ancestors, and
/// when the oldest of them was made.
#[derive(Debug, Clone, Default)]
pub struct BranchLoads {
    commit_ids: HashSet<String>,
    oldest_ms: Option<i64>,
}

impl BranchLoads {
    /// The ancestors of `branch`'s head in `metadata`.
    pub fn of(metadata: &iceberg::spec::TableMetadata, branch: &str) -> Self {
        let mut out = BranchLoads::default();
        let head = if branch == iceberg::spec::MAIN_BRANCH {
            metadata.current_snapshot()
        } else {
            metadata.snapshot_for_ref(branch)
        };
        let mut at = head;
        while let Some(snapshot) = at {
            if let Some(id) = snapshot
                .summary()
                .additional_properties
                .get(COMMIT_ID_SUMMARY)
            {
                out.commit_ids.insert(id.clone());
            }
            out.oldest_ms = Some(snapshot.timestamp_ms());
            at = snapshot
                .parent_snapshot_id()
                .and_then(|p| metadata.snapshot_by_id(p));
        }
        out
    }
}

/// The snapshot summary key naming the commit (floe's `floe.commit-id`).
const COMMIT_ID_SUMMARY: &str = "floe.commit-id";

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
        let mut known: HashMap<SourceFile, Vec<(String, i64)>> = HashMap::new();
        for entry in &file.sources {
            known
                .entry(entry.source.clone())
                .or_default()
                .push((entry.commit_id.clone(), entry.loaded_at_ms));
        }
        Ok(Ledger {
            location: Some(location.clone()),
            file,
            known,
        })
    }

    /// Whether `source` is loaded on the branch whose history is `branch`: some load of it
    /// is a retained ancestor, or older than every retained ancestor (expired with history).
    pub fn loaded_on(&self, source: &SourceFile, branch: &BranchLoads) -> bool {
        self.known.get(source).is_some_and(|loads| {
            loads.iter().any(|(commit_id, loaded_at_ms)| {
                branch.commit_ids.contains(commit_id)
                    || branch.oldest_ms.is_some_and(|oldest| *loaded_at_ms < oldest)
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
    ) -> Result<String> {
        let now = chrono::Utc::now().timestamp_millis();
        let mut next = self.file.clone();
        next.format = FORMAT.to_string();
        next.sources.extend(loaded.iter().map(|source| LedgerEntry {
            source: source.clone(),
            commit_id: commit_id.to_string(),
            loaded_at_ms: now,
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
