//! `health`: what a table needs, as findings with a severity and the floe command that fixes
//! each: small files, delete files, manifests, snapshots, metadata files, orphans, maintenance,
//! files that overlap on the table's sort column; and per-column diagnostics from the metrics.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use futures::StreamExt;
use iceberg::table::Table;
use serde::Serialize;

use crate::ops::column_stats::{ColumnCollector, ColumnDiagnostics, OVERLAP_WORTH_SORTING};
use crate::ops::distribution::{small_file_bytes, PartitionSkew, SizeHistogram};
use crate::ops::files::partition_text;
use crate::table::expire::metadata_files;
use crate::table::manifest_stream::load_manifests;
use crate::table::orphans::find_orphans;
use crate::table::position_delete_rewrite::delete_inventory;
use crate::table::TableTarget;
use crate::table::WriteSettings;
use crate::table::{Session, TableRef};

/// Table property `maintain` sets when it finishes a table.
pub const LAST_MAINTAINED_PROPERTY: &str = "floe.last-maintained-ms";

const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub check: String,
    pub severity: Severity,
    pub message: String,
    /// The floe command that fixes it.
    pub fix: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct HealthStats {
    pub data_files: usize,
    /// Bytes and records of the current snapshot's data files.
    pub data_bytes: u64,
    pub records: u64,
    pub small_files: usize,
    /// Partitions with at least five small files (worth compacting).
    pub partitions_with_small_files: usize,
    pub delete_files: usize,
    pub manifests: usize,
    pub snapshots: usize,
    pub oldest_snapshot_age_ms: Option<i64>,
    pub metadata_files: usize,
    pub orphan_files: usize,
    pub orphan_bytes: u64,
    pub last_maintained_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableHealth {
    pub table: String,
    /// The worst finding's severity, or none.
    pub status: Option<Severity>,
    pub findings: Vec<Finding>,
    pub stats: HealthStats,
    /// Current data files by size against the target file size (`null` when unreadable).
    pub file_sizes: Option<SizeHistogram>,
    /// Records and bytes per partition against the median and largest (`null` when
    /// unreadable).
    pub partition_skew: Option<PartitionSkew>,
    /// Per top-level column: null rate, bytes, overlapping file pairs, and the command that
    /// would lay it out for pruning (empty when unreadable).
    pub columns: Vec<ColumnDiagnostics>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HealthReport {
    pub tables: Vec<TableHealth>,
    pub worst: Option<Severity>,
}

fn finding(check: &str, severity: Severity, message: String, fix: String) -> Finding {
    Finding {
        check: check.into(),
        severity,
        message,
        fix,
    }
}

/// One table's health.
pub async fn table_health(session: &Session, table: &TableRef) -> Result<TableHealth> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    table_health_of(&target, &loaded).await
}

/// The health of a table already loaded.
pub async fn table_health_of(target: &TableTarget, loaded: &Table) -> Result<TableHealth> {
    let metadata = loaded.metadata();
    let name = target.display.clone();
    let now = chrono::Utc::now().timestamp_millis();
    let mut stats = HealthStats {
        snapshots: metadata.snapshots().count(),
        oldest_snapshot_age_ms: metadata.snapshots().map(|s| now - s.timestamp_ms()).max(),
        last_maintained_ms: metadata
            .properties()
            .get(LAST_MAINTAINED_PROPERTY)
            .and_then(|v| v.parse().ok()),
        ..Default::default()
    };
    let target_size = WriteSettings::from_table(loaded)?.target_file_size_bytes;
    let small = small_file_bytes(target_size);
    let mut file_sizes = SizeHistogram::new(target_size);
    // (spec, partition) -> (name, records, bytes)
    let mut per_partition: BTreeMap<(i32, String), (u64, u64)> = BTreeMap::new();
    let sort = metadata.default_sort_order();
    let mut columns = ColumnCollector::new(metadata.current_schema(), sort);
    let mut dangling_deletes = 0usize;
    let mut dangling_equality = 0usize;
    if let Some(snapshot) = metadata.current_snapshot() {
        let list = loaded.manifest_list_reader(snapshot).load().await?;
        stats.manifests = list.entries().len();
        let mut small_per_partition: HashMap<String, usize> = HashMap::new();
        // File-scoped position deletes (their data file named in the manifest) and the live
        // data files' sequence numbers: a delete whose data file is gone, or newer than it,
        // removes nothing (partition-scoped ones would have to be read to tell). The data
        // files' paths are only kept when the snapshot counts delete files at all, since on a
        // table of a million files they are the largest thing health would hold.
        let counts_deletes = snapshot
            .summary()
            .additional_properties
            .get("total-delete-files")
            .is_none_or(|n| n != "0");
        let mut scoped_deletes: Vec<(String, i64)> = vec![];
        let mut data_sequence: HashMap<String, i64> = HashMap::new();
        let mut manifests = load_manifests(loaded.file_io(), list.entries().to_vec());
        while let Some((manifest, loaded_manifest)) = manifests.next().await {
            let loaded_manifest = loaded_manifest?;
            let spec = metadata.partition_spec_by_id(manifest.partition_spec_id);
            for entry in loaded_manifest.entries().iter().filter(|e| e.is_alive()) {
                let file = entry.data_file();
                let sequence_number = entry.sequence_number().unwrap_or(0);
                if file.content_type() != iceberg::spec::DataContentType::Data {
                    stats.delete_files += 1;
                    if let Some(referenced) = file.referenced_data_file() {
                        scoped_deletes.push((referenced, sequence_number));
                    }
                    continue;
                }
                if counts_deletes {
                    data_sequence.insert(file.file_path().to_string(), sequence_number);
                }
                stats.data_files += 1;
                stats.data_bytes += file.file_size_in_bytes();
                stats.records += file.record_count();
                file_sizes.add(file.file_size_in_bytes(), file.record_count());
                let partition = partition_text(spec.map(|s| s.as_ref()), file.partition());
                columns.add(&format!("{}/{partition}", manifest.partition_spec_id), file);
                let totals = per_partition
                    .entry((manifest.partition_spec_id, partition))
                    .or_default();
                totals.0 += file.record_count();
                totals.1 += file.file_size_in_bytes();
                if file.file_size_in_bytes() < small {
                    stats.small_files += 1;
                    *small_per_partition
                        .entry(format!(
                            "{}/{:?}",
                            manifest.partition_spec_id,
                            file.partition()
                        ))
                        .or_default() += 1;
                }
            }
        }
        stats.partitions_with_small_files =
            small_per_partition.values().filter(|n| **n >= 5).count();
        dangling_deletes = scoped_deletes
            .iter()
            .filter(|(data_file, sequence)| {
                data_sequence
                    .get(data_file)
                    .is_none_or(|live| live > sequence)
            })
            .count();
        // Equality deletes that apply to no live data file (older ones all rewritten or
        // removed): a second pass, only for tables that hold equality deletes at all.
        let has_equality = snapshot
            .summary()
            .additional_properties
            .get("total-equality-deletes")
            .is_none_or(|n| n != "0");
        if counts_deletes && has_equality {
            let inventory = delete_inventory(&loaded, snapshot.snapshot_id()).await?;
            dangling_equality = inventory
                .dangling_equality_deletes(metadata, |_| true)
                .len();
        }
    }
    let parts: Vec<(&str, u64, u64)> = per_partition
        .iter()
        .map(|((_, name), (records, bytes))| (name.as_str(), *records, *bytes))
        .collect();
    let partition_skew = PartitionSkew::of(&parts);
    // Finished before the orphan search: the files' bounds and the table's reachable paths
    // are each a million entries on a large table, and need not be held at once.
    let sort_first = sort
        .fields
        .first()
        .and_then(|f| metadata.current_schema().name_by_field_id(f.source_id))
        .map(str::to_string);
    let columns = columns.finish(&name, sort_first.as_deref());
    let stores = target.catalog.stores();
    stats.metadata_files = metadata_files(loaded, stores).await?.len();
    let orphans = find_orphans(loaded, stores, now - 3 * DAY_MS).await?;
    stats.orphan_files = orphans.len();
    stats.orphan_bytes = orphans.iter().map(|o| o.size_bytes).sum();

    let mut findings = vec![];
    if stats.partitions_with_small_files > 0 {
        let severity = if stats.small_files >= 1000 {
            Severity::Error
        } else {
            Severity::Warn
        };
        findings.push(finding(
            "small_files",
            severity,
            format!(
                "{} of {} data files are under {} bytes, in {} partition(s) with 5 or more",
                stats.small_files, stats.data_files, small, stats.partitions_with_small_files
            ),
            format!("floe compact {name}"),
        ));
    }
    // Dangling delete files are their own finding, fixed by another command: compaction has
    // no data file to rewrite for them.
    let applying = stats
        .delete_files
        .saturating_sub(dangling_deletes + dangling_equality);
    if applying > 0 {
        let ratio = applying as f64 / stats.data_files.max(1) as f64;
        let severity = if ratio >= 0.5 {
            Severity::Error
        } else if ratio >= 0.1 {
            Severity::Warn
        } else {
            Severity::Info
        };
        findings.push(finding(
            "delete_files",
            severity,
            format!(
                "{applying} delete file(s) for {} data files: reads merge them row by row",
                stats.data_files
            ),
            format!("floe compact {name}"),
        ));
    }
    if dangling_deletes > 0 || dangling_equality > 0 {
        let mut what = vec![];
        if dangling_deletes > 0 {
            what.push(format!(
                "{dangling_deletes} position delete file(s) name data files that are gone"
            ));
        }
        if dangling_equality > 0 {
            what.push(format!(
                "{dangling_equality} equality delete file(s) apply to no live data file"
            ));
        }
        findings.push(finding(
            "dangling_deletes",
            Severity::Warn,
            format!("{}: every read still opens them", what.join("; ")),
            format!("floe rewrite-position-deletes {name}"),
        ));
    }
    if stats.manifests > 100 {
        let severity = if stats.manifests > 1000 {
            Severity::Error
        } else {
            Severity::Warn
        };
        findings.push(finding(
            "manifests",
            severity,
            format!("the current snapshot has {} manifests", stats.manifests),
            format!("floe rewrite-manifests {name}"),
        ));
    }
    let max_age = metadata
        .properties()
        .get("history.expire.max-snapshot-age-ms")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(5 * DAY_MS);
    if stats.snapshots > 1000
        || stats
            .oldest_snapshot_age_ms
            .is_some_and(|age| age > 2 * max_age && stats.snapshots > 1)
    {
        let severity = if stats.snapshots > 10_000 {
            Severity::Error
        } else {
            Severity::Warn
        };
        findings.push(finding(
            "snapshots",
            severity,
            format!(
                "{} snapshots, the oldest {} days old",
                stats.snapshots,
                stats.oldest_snapshot_age_ms.unwrap_or(0) / DAY_MS
            ),
            format!("floe expire {name}"),
        ));
    }
    if stats.metadata_files > 100 {
        findings.push(finding(
            "metadata_files",
            Severity::Warn,
            format!(
                "{} metadata files under {}",
                stats.metadata_files,
                crate::table::directory::metadata_dir(metadata.location())
            ),
            format!("floe expire {name} --metadata"),
        ));
    }
    if stats.orphan_files > 0 {
        let severity = if stats.orphan_bytes >= 1 << 30 {
            Severity::Warn
        } else {
            Severity::Info
        };
        findings.push(finding(
            "orphans",
            severity,
            format!(
                "{} file(s), {} bytes, older than 3 days that nothing reaches",
                stats.orphan_files, stats.orphan_bytes
            ),
            format!("floe remove-orphans {name}"),
        ));
    }
    if let Some(first) = &sort_first {
        let overlapping = columns.iter().find(|c| &c.column == first).and_then(|c| {
            c.overlap_ratio
                .filter(|r| *r >= OVERLAP_WORTH_SORTING)
                .zip(c.fix.clone())
        });
        if let Some((ratio, fix)) = overlapping {
            findings.push(finding(
                "sort_overlap",
                Severity::Warn,
                format!(
                    "{:.0}% of file pairs in a partition overlap on the sort column {first}: \
                     filters on it cannot skip them",
                    ratio * 100.0
                ),
                fix,
            ));
        }
    }
    if stats.last_maintained_ms.is_none() && stats.snapshots > 0 {
        findings.push(finding(
            "never_maintained",
            Severity::Info,
            "floe maintain has never run on this table".into(),
            format!("floe maintain {name}"),
        ));
    }
    Ok(TableHealth {
        table: name,
        status: findings.iter().map(|f| f.severity).max(),
        findings,
        stats,
        file_sizes: Some(file_sizes),
        partition_skew: Some(partition_skew),
        columns,
    })
}

pub async fn health(session: &Session, tables: &[TableRef]) -> Result<HealthReport> {
    let mut out = vec![];
    for table in tables {
        // A table that cannot be read is a finding, not the end of the check.
        let checked = match table_health(session, table).await {
            Ok(checked) => checked,
            Err(e) => TableHealth {
                table: table.to_string(),
                status: Some(Severity::Error),
                findings: vec![finding(
                    "unreadable",
                    Severity::Error,
                    format!("the table cannot be read: {e:#}"),
                    format!("floe verify {table} --all-snapshots"),
                )],
                stats: HealthStats::default(),
                file_sizes: None,
                partition_skew: None,
                columns: vec![],
            },
        };
        out.push(checked);
    }
    Ok(HealthReport {
        worst: out.iter().filter_map(|t| t.status).max(),
        tables: out,
    })
}
