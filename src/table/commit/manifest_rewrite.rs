//! Rewriting a snapshot's manifests: live entries of many small manifests merged and clustered
//! by partition into manifests near `commit.manifest.target-size-bytes`, committed as a
//! `replace` snapshot. Entries keep their snapshot ids and sequence numbers; no data changes.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use iceberg::spec::{ManifestContentType, ManifestEntry, ManifestFile, TableMetadata};
use iceberg::table::Table;

use super::snapshot_producer::{
    add_totals, commit_with_retries, has_live_files, new_manifest_writer, new_snapshot_id,
    write_snapshot, Attempt, AttemptFiles, NewSnapshot, Prepared,
};
use crate::table::catalog::floe_catalog::TableTarget;

/// Iceberg's default `commit.manifest.target-size-bytes`.
const DEFAULT_TARGET_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct ManifestRewrite {
    pub snapshot_id: Option<i64>,
    pub manifests_before: usize,
    pub manifests_after: usize,
    pub entries: usize,
    pub attempts: u32,
}

fn target_bytes(metadata: &TableMetadata) -> u64 {
    metadata
        .properties()
        .get("commit.manifest.target-size-bytes")
        .and_then(|v| crate::units::parse_size(v).ok())
        .unwrap_or(DEFAULT_TARGET_BYTES)
        .max(1024)
}

/// Rewrite the current snapshot's manifests, or say there is nothing to merge (`None`): every
/// (content, spec) already has a single manifest, and none is left holding only removals.
pub async fn rewrite_manifests(target: &TableTarget) -> Result<Option<ManifestRewrite>> {
    let landed = commit_with_retries(target, |table, attempt_no| async move {
        let mut written = vec![];
        let outcome = prepare(&table, attempt_no, &mut written).await;
        Prepared { written, outcome }
    })
    .await?;
    Ok(landed.map(|landed| {
        let (manifests_before, manifests_after, entries) = landed.value;
        ManifestRewrite {
            snapshot_id: Some(landed.snapshot_id),
            manifests_before,
            manifests_after,
            entries,
            attempts: landed.attempts,
        }
    }))
}

/// How many manifests the current snapshot lists (0 without snapshots).
pub async fn current_manifest_count(table: &Table) -> Result<usize> {
    Ok(match table.metadata().current_snapshot() {
        Some(snapshot) => table
            .manifest_list_reader(snapshot)
            .load()
            .await?
            .entries()
            .len(),
        None => 0,
    })
}

/// A sort key clustering entries by partition value.
fn partition_key(entry: &ManifestEntry) -> String {
    format!("{:?}", entry.data_file().partition())
}

async fn prepare(
    table: &Table,
    attempt_no: u32,
    written: &mut Vec<String>,
) -> Result<Option<(Attempt, (usize, usize, usize))>> {
    let metadata = table.metadata();
    let Some(current) = metadata.current_snapshot() else {
        return Ok(None);
    };
    let list = table.manifest_list_reader(current).load().await?;
    let manifests = list.entries();
    // Manifests per (content, spec); only those with company are merged.
    let mut by_kind: BTreeMap<(u8, i32), Vec<&ManifestFile>> = BTreeMap::new();
    for m in manifests.iter().filter(|m| has_live_files(m)) {
        let content = match m.content {
            ManifestContentType::Data => 0,
            ManifestContentType::Deletes => 1,
        };
        by_kind
            .entry((content, m.partition_spec_id))
            .or_default()
            .push(m);
    }
    if by_kind.values().all(|group| group.len() <= 1) && manifests.iter().all(has_live_files) {
        return Ok(None);
    }
    let target = target_bytes(metadata);
    let snapshot_id = new_snapshot_id(metadata);
    let mut files = AttemptFiles::new(metadata, snapshot_id, attempt_no);
    let schema = metadata.current_schema().clone();
    let mut out: Vec<ManifestFile> = vec![];
    let mut entries_total = 0;
    for ((_, spec_id), group) in by_kind {
        if group.len() <= 1 {
            out.extend(group.into_iter().cloned());
            continue;
        }
        let mut entries = vec![];
        let mut bytes = 0u64;
        for manifest in &group {
            bytes += manifest.manifest_length as u64;
            let loaded =
                crate::table::read::manifest_stream::load_manifest(manifest, table.file_io())
                    .await?;
            entries.extend(loaded.entries().iter().filter(|e| e.is_alive()).cloned());
        }
        entries_total += entries.len();
        if entries.is_empty() {
            continue;
        }
        entries.sort_by_cached_key(|e| partition_key(e));
        // Entries per manifest from the old manifests' bytes per entry.
        let per_entry = (bytes / entries.len() as u64).max(1);
        let per_manifest = (target / per_entry).max(1) as usize;
        let content = group[0].content;
        for chunk in entries.chunks(per_manifest) {
            let path = files.manifest(written);
            let mut writer =
                new_manifest_writer(table, schema.clone(), &path, snapshot_id, spec_id, content)?;
            for entry in chunk {
                writer.add_existing_file(
                    entry.data_file().clone(),
                    entry.snapshot_id().unwrap_or(current.snapshot_id()),
                    entry.sequence_number().unwrap_or(0),
                    entry.file_sequence_number,
                )?;
            }
            out.push(writer.write_manifest_file().await?);
        }
    }
    let before = manifests.len();
    let after = out.len();
    let counter = files.manifests_named();
    let mut properties = HashMap::from([
        (
            "manifests-replaced".to_string(),
            (before - (after - counter)).to_string(),
        ),
        ("manifests-created".to_string(), counter.to_string()),
        ("manifests-kept".to_string(), (after - counter).to_string()),
        ("entries-processed".to_string(), entries_total.to_string()),
    ]);
    add_totals(&mut properties, Some(current.summary()));
    let mut new = NewSnapshot::replace(metadata, &files, out, properties);
    // Entries move between manifests with their first-row-id resolved (see `row_lineage`),
    // so every row keeps its id.
    new.v3_refusal = None;
    let attempt = write_snapshot(table, new, written).await?;
    Ok(Some((attempt, (before, after, entries_total))))
}
