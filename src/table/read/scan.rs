//! Reading a table at a version: choosing the snapshot (id, time on `main`, or ref) and handing
//! DataFusion a table provider that pushes projections and filters into iceberg's scan.

use std::sync::Arc;

use super::parallel_scan::ParallelScanProvider;
use anyhow::Result;
use datafusion::catalog::TableProvider;
use iceberg::spec::SnapshotReference;
use iceberg::table::Table;

use crate::error::FloeError;

/// Which version of a table to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    /// The current snapshot of `main`.
    Current,
    /// A snapshot by id.
    Snapshot(i64),
    /// The snapshot current on `main` at this time (epoch ms), per the snapshot log.
    AsOf(i64),
    /// A branch or tag.
    Ref(String),
}

impl Version {
    /// `12345` (snapshot id), RFC 3339 time, or a ref name: the time-travel suffix of a table
    /// name in `sql` (`"db.events@…"`).
    pub fn parse_selector(text: &str) -> Result<Self> {
        let t = text.trim();
        if let Ok(id) = t.parse::<i64>() {
            return Ok(Version::Snapshot(id));
        }
        if let Ok(time) = chrono::DateTime::parse_from_rfc3339(t) {
            return Ok(Version::AsOf(time.timestamp_millis()));
        }
        if t.is_empty() {
            return Err(FloeError::usage("empty version after '@'").into());
        }
        Ok(Version::Ref(t.to_string()))
    }
}

/// Parse a time: RFC 3339 or epoch milliseconds.
pub fn parse_time(text: &str) -> Result<i64> {
    let t = text.trim();
    if let Ok(ms) = t.parse::<i64>() {
        return Ok(ms);
    }
    chrono::DateTime::parse_from_rfc3339(t).map(|d| d.timestamp_millis()).map_err(|_| {
        FloeError::usage(format!("'{text}' is not a time (RFC 3339 like 2024-05-01T12:00:00Z, or epoch milliseconds)"))
            .into()
    })
}

/// The snapshot a version names; `None` for a table with no snapshots read at its current
/// version.
pub fn resolve_snapshot(table: &Table, display: &str, version: &Version) -> Result<Option<i64>> {
    let metadata = table.metadata();
    match version {
        Version::Current => Ok(metadata.current_snapshot_id()),
        Version::Snapshot(id) => {
            if metadata.snapshot_by_id(*id).is_some() {
                return Ok(Some(*id));
            }
            let mut ids: Vec<i64> = metadata.snapshots().map(|s| s.snapshot_id()).collect();
            ids.sort_by_key(|s| (s - id).unsigned_abs());
            let nearest: Vec<String> = ids.iter().take(5).map(|s| s.to_string()).collect();
            Err(FloeError::not_found(format!(
                "table {display} has no snapshot {id}{}",
                if nearest.is_empty() {
                    " (it has no snapshots)".to_string()
                } else {
                    format!("; nearest: {}", nearest.join(", "))
                }
            ))
            .with_hint("list them with `floe snapshots`")
            .into())
        }
        Version::AsOf(ms) => {
            let log = metadata.history();
            match log.iter().rev().find(|entry| entry.timestamp_ms <= *ms) {
                Some(entry) => Ok(Some(entry.snapshot_id)),
                None => {
                    let first = log
                        .first()
                        .map(|e| crate::units::format_time_ms(e.timestamp_ms));
                    Err(FloeError::not_found(format!(
                        "table {display} had no snapshot at {}{}",
                        crate::units::format_time_ms(*ms),
                        match first {
                            Some(f) => format!(": its first snapshot is from {f}"),
                            None => ": it has no snapshots".to_string(),
                        }
                    ))
                    .into())
                }
            }
        }
        Version::Ref(name) => match metadata.snapshot_for_ref(name) {
            Some(snapshot) => Ok(Some(snapshot.snapshot_id())),
            None => {
                let names: Vec<String> = refs(table.metadata())?.into_keys().collect();
                Err(FloeError::not_found(format!(
                    "table {display} has no branch or tag '{name}' (refs: {})",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ))
                .into())
            }
        },
    }
}

/// The table's branches and tags. iceberg 0.10 keeps the map private and only answers by
/// name, so it is read from the metadata's serialized form.
pub fn refs(
    metadata: &iceberg::spec::TableMetadata,
) -> Result<std::collections::BTreeMap<String, SnapshotReference>> {
    let json = serde_json::to_value(metadata)?;
    Ok(match json.get("refs") {
        Some(refs) => serde_json::from_value(refs.clone())?,
        None => Default::default(),
    })
}

/// A DataFusion table provider reading `table` at `snapshot` (or its current state); with
/// `lineage`, it also offers a v3 table's `_row_id` and `_last_updated_sequence_number`.
pub async fn provider(
    table: Table,
    snapshot: Option<i64>,
    stores: &crate::table::storage::stores::Stores,
    lineage: bool,
) -> Result<Arc<dyn TableProvider>> {
    let table = match snapshot {
        Some(_) => table,
        None => with_current_schema(table)?,
    };
    Ok(Arc::new(ParallelScanProvider::try_new(
        table,
        snapshot,
        stores.clone(),
        lineage,
    )?))
}

/// The table as its current state reads. iceberg 0.10 scans a snapshot with the schema it was
/// written with, but the current state reads with the current schema, as in Spark: a rename or
/// an added column shows before the next write. Field ids make old files read right under it.
pub fn with_current_schema(table: Table) -> Result<Table> {
    let metadata = table.metadata();
    let current_schema_id = metadata.current_schema_id();
    let Some(current) = metadata.current_snapshot() else {
        return Ok(table);
    };
    if current.schema_id() == Some(current_schema_id) {
        return Ok(table);
    }
    let mut json = serde_json::to_value(metadata)?;
    let snapshot_id = current.snapshot_id();
    if let Some(snapshots) = json["snapshots"].as_array_mut() {
        for snapshot in snapshots
            .iter_mut()
            .filter(|s| s["snapshot-id"] == snapshot_id)
        {
            snapshot["schema-id"] = serde_json::json!(current_schema_id);
        }
    }
    let metadata: iceberg::spec::TableMetadata = serde_json::from_value(json)?;
    crate::table::storage::file_io::with_metadata(&table, metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_version_selectors() {
        assert_eq!(
            Version::parse_selector("42").unwrap(),
            Version::Snapshot(42)
        );
        assert_eq!(
            Version::parse_selector("1970-01-01T00:00:01Z").unwrap(),
            Version::AsOf(1000)
        );
        assert_eq!(
            Version::parse_selector("audit-2024").unwrap(),
            Version::Ref("audit-2024".into())
        );
        assert_eq!(parse_time("1700000000000").unwrap(), 1_700_000_000_000);
        assert!(parse_time("last tuesday").is_err());
    }
}
