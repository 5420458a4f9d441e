//! Orphan files: everything under a table's location that no snapshot, metadata log entry,
//! version hint or statistics file reaches, and that is older than a cutoff (younger files may
//! belong to a commit in flight). Paths are compared after normalising schemes (`s3a://`,
//! `s3n://` are `s3://`; `file://` is a local path); a file whose path matches a reachable
//! one except for its scheme or bucket is an error, never a deletion.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use anyhow::Result;
use iceberg::table::Table;

use super::reachable::{reachable_files, Entries};
use crate::error::FloeError;
use crate::table::storage::stores::{comparable_location, normalize_location, Stores};

#[derive(Debug, Clone, serde::Serialize)]
pub struct OrphanFile {
    pub location: String,
    pub size_bytes: u64,
    pub last_modified_ms: i64,
}

/// The comparable form of a path, and its path without scheme and bucket.
fn compared(path: &str) -> (String, String) {
    let normalized = comparable_location(path);
    let bare = match normalized.split_once("://") {
        Some((_, rest)) => rest
            .split_once('/')
            .map(|(_, p)| p.to_string())
            .unwrap_or_default(),
        None => normalized.trim_start_matches('/').to_string(),
    };
    (normalized, bare)
}

/// Orphans under the table's location last modified before `cutoff_ms`.
pub async fn find_orphans(
    table: &Table,
    stores: &Stores,
    cutoff_ms: i64,
) -> Result<Vec<OrphanFile>> {
    let location = normalize_location(table.metadata().location())?;
    let listed = stores.list(&location).await?;
    let metadata_dir = format!("{location}/metadata/");

    // Another table's metadata under this location would make its files look orphaned.
    if let Some(foreign) = listed.iter().find(|o| {
        let (path, _) = compared(&o.location);
        (path.ends_with(".metadata.json") || path.ends_with("version-hint.text"))
            && !path.starts_with(&metadata_dir)
    }) {
        return Err(FloeError::invalid(format!(
            "refusing to remove orphans: {} looks like another table's metadata under {location}",
            foreign.location
        ))
        .with_hint("move that table elsewhere, or clean this location by hand")
        .into());
    }

    // Reachable paths by their bare form, each with the scheme-and-bucket prefix it was reached
    // under (an index into the few distinct prefixes): one string per path, for tables with
    // millions of files. A bare path reached under a second prefix is kept whole in `others`.
    let mut prefixes: Vec<String> = vec![];
    let mut reachable: HashMap<String, usize> = HashMap::new();
    let mut others: HashSet<String> = HashSet::new();
    let mut keep = reachable_files(table, Entries::All).await?;
    keep.push(format!("{metadata_dir}version-hint.text"));
    for path in keep {
        let (full, bare) = compared(&path);
        let prefix = &full[..full.len() - bare.len()];
        let id = match prefixes.iter().position(|p| p == prefix) {
            Some(id) => id,
            None => {
                prefixes.push(prefix.to_string());
                prefixes.len() - 1
            }
        };
        match reachable.entry(bare) {
            Entry::Vacant(slot) => {
                slot.insert(id);
            }
            Entry::Occupied(slot) if *slot.get() != id => {
                others.insert(full);
            }
            Entry::Occupied(_) => {}
        }
    }
    let mut orphans = vec![];
    for object in listed {
        let (full, bare) = compared(&object.location);
        if let Some(id) = reachable.get(&bare) {
            let prefix = &full[..full.len() - bare.len()];
            if prefixes[*id] == prefix || others.contains(&full) {
                continue;
            }
            return Err(FloeError::invalid(format!(
                "{} and the table's {}{bare} differ only in scheme or bucket: the metadata and the location disagree",
                object.location, prefixes[*id]
            ))
            .with_hint("nothing was deleted; fix the table's location or its file paths first")
            .into());
        }
        if object.last_modified_ms < cutoff_ms {
            orphans.push(OrphanFile {
                location: object.location,
                size_bytes: object.size_bytes,
                last_modified_ms: object.last_modified_ms,
            });
        }
    }
    orphans.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(orphans)
}

/// Find the orphans older than `cutoff_ms` and delete them unless `dry_run`; returns (the
/// orphans, the ones that could not be deleted).
pub async fn remove_orphans(
    table: &Table,
    stores: &Stores,
    cutoff_ms: i64,
    dry_run: bool,
) -> Result<(Vec<OrphanFile>, Vec<String>)> {
    // As Java's DeleteOrphanFiles: a table without garbage collection may share its folders
    // with other tables, whose files it cannot see.
    let gc = table
        .metadata()
        .properties()
        .get("gc.enabled")
        .is_none_or(|v| v.eq_ignore_ascii_case("true"));
    if !gc {
        return Err(crate::error::FloeError::invalid(
            "cannot remove orphan files: the table sets gc.enabled=false (its folders may hold other tables' files)",
        )
        .with_hint("set gc.enabled=true if the table's location is its own")
        .into());
    }
    let orphans = find_orphans(table, stores, cutoff_ms).await?;
    let failed = if dry_run {
        vec![]
    } else {
        stores
            .delete_concurrently(orphans.iter().map(|o| o.location.clone()))
            .await
    };
    Ok((orphans, failed))
}

#[cfg(test)]
mod tests {
    use crate::table::cleanup::orphans::compared;

    #[test]
    fn schemes_compare_equal_after_normalising() {
        assert_eq!(
            compared("s3a://b/t/data/f.parquet").0,
            compared("s3://b/t/data/f.parquet").0
        );
        assert_eq!(compared("s3n://b/t/x").0, "s3://b/t/x");
        assert_eq!(compared("file:///wh/t/x").0, compared("/wh/t/x").0);
        // Another bucket: same bare path, different full path.
        assert_eq!(compared("s3://other/t/x").1, compared("s3://b/t/x").1);
        assert_ne!(compared("s3://other/t/x").0, compared("s3://b/t/x").0);
    }
}
