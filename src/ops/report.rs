//! `report`: one table's state and story in one value: summary, file sizes against the target,
//! records and bytes per partition, the snapshot timeline, schema history and health findings.
//! `-o json` prints it; `--html` draws it as a page.

use anyhow::Result;
use serde::Serialize;

use crate::ops::describe::describe_table;
use crate::ops::diff::{schema_change_between, SchemaChange};
use crate::ops::distribution::{PartitionSkew, SizeHistogram};
use crate::ops::files::files_of;
use crate::ops::health::{table_health_of, Finding, HealthStats, Severity};
use crate::ops::partitions::{by_partition, size_histogram, skew_of, PartitionEntry};
use crate::ops::schema::{version, FieldNode};
use crate::table::WriteSettings;
use crate::table::{Session, TableRef};

/// What `describe` says, cut to what a reader of the report needs first.
#[derive(Debug, Clone, Serialize)]
pub struct ReportSummary {
    pub location: String,
    pub metadata_location: Option<String>,
    pub format_version: u8,
    pub table_uuid: String,
    pub last_updated_ms: i64,
    pub current_snapshot_id: Option<i64>,
    pub current_schema_id: i32,
    pub snapshot_count: usize,
    /// Counted from the current snapshot's live files (not its summary, which other engines
    /// may leave out).
    pub records: u64,
    pub data_files: u64,
    pub delete_files: u64,
    pub total_size_bytes: u64,
    /// `region, day(ts)`; `unpartitioned` without fields.
    pub partition_spec: String,
    /// `id asc nulls-first, ...`; `unsorted` without fields.
    pub sort_order: String,
}

/// One snapshot on the timeline, with the table's totals after it (from its summary; `null`
/// where the writer left them out).
#[derive(Debug, Clone, Serialize)]
pub struct TimelinePoint {
    pub snapshot_id: i64,
    pub parent_snapshot_id: Option<i64>,
    pub sequence_number: i64,
    pub timestamp_ms: i64,
    pub timestamp: String,
    pub operation: String,
    pub schema_id: Option<i32>,
    pub is_current: bool,
    pub total_records: Option<u64>,
    pub total_data_files: Option<u64>,
    pub total_size_bytes: Option<u64>,
    pub added_records: Option<u64>,
    pub deleted_records: Option<u64>,
}

/// One schema the table has had, with what changed from the schema before it.
#[derive(Debug, Clone, Serialize)]
pub struct SchemaStep {
    pub schema_id: i32,
    pub is_current: bool,
    pub snapshot_count: usize,
    pub first_snapshot_ms: Option<i64>,
    pub fields: Vec<FieldNode>,
    /// `null` for the first schema.
    pub changes: Option<SchemaChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableReport {
    pub table: String,
    pub generated_ms: i64,
    pub summary: ReportSummary,
    pub file_sizes: SizeHistogram,
    pub partitions: Vec<PartitionEntry>,
    pub partition_skew: PartitionSkew,
    /// Oldest first.
    pub snapshots: Vec<TimelinePoint>,
    /// By schema id.
    pub schemas: Vec<SchemaStep>,
    /// `health`'s verdict, findings (each with its fix command) and counts.
    pub status: Option<Severity>,
    pub findings: Vec<Finding>,
    pub health_stats: HealthStats,
}

fn summary_number(summary: &std::collections::HashMap<String, String>, key: &str) -> Option<u64> {
    summary.get(key).and_then(|v| v.parse().ok())
}

pub async fn report(session: &Session, table: &TableRef) -> Result<TableReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let metadata = loaded.metadata();
    let described = describe_table(&loaded);
    let target_size = WriteSettings::from_table(&loaded)?.target_file_size_bytes;
    let listing = files_of(&loaded, &target.display, None).await?;
    let partitions = by_partition(&listing.files);
    let file_sizes = size_histogram(&listing.files, target_size);
    let health = table_health_of(&target, &loaded).await?;

    let spec_text = described
        .partition_spec
        .fields
        .iter()
        .map(|f| match f.transform.as_str() {
            "identity" => f.source.clone(),
            transform => format!("{transform}({})", f.source),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sort_text = described
        .sort_order
        .fields
        .iter()
        .map(|f| {
            let column = match f.transform.as_str() {
                "identity" => f.source.clone(),
                transform => format!("{transform}({})", f.source),
            };
            format!("{column} {} {}", f.direction, f.null_order)
        })
        .collect::<Vec<_>>()
        .join(", ");
    let summary = ReportSummary {
        location: described.location.clone(),
        metadata_location: described.metadata_location.clone(),
        format_version: described.format_version,
        table_uuid: described.table_uuid.clone(),
        last_updated_ms: described.last_updated_ms,
        current_snapshot_id: metadata.current_snapshot_id(),
        current_schema_id: metadata.current_schema_id(),
        snapshot_count: described.snapshot_count,
        records: listing.record_count,
        data_files: file_sizes.data_files,
        delete_files: listing.files.iter().filter(|f| f.content != "data").count() as u64,
        total_size_bytes: listing.total_size_bytes,
        partition_spec: if spec_text.is_empty() {
            "unpartitioned".into()
        } else {
            spec_text
        },
        sort_order: if sort_text.is_empty() {
            "unsorted".into()
        } else {
            sort_text
        },
    };

    let mut snapshots: Vec<TimelinePoint> = metadata
        .snapshots()
        .map(|s| {
            let props = &s.summary().additional_properties;
            TimelinePoint {
                snapshot_id: s.snapshot_id(),
                parent_snapshot_id: s.parent_snapshot_id(),
                sequence_number: s.sequence_number(),
                timestamp_ms: s.timestamp_ms(),
                timestamp: crate::units::format_time_ms(s.timestamp_ms()),
                operation: s.summary().operation.as_str().to_string(),
                schema_id: s.schema_id(),
                is_current: metadata.current_snapshot_id() == Some(s.snapshot_id()),
                total_records: summary_number(props, "total-records"),
                total_data_files: summary_number(props, "total-data-files"),
                total_size_bytes: summary_number(props, "total-files-size"),
                added_records: summary_number(props, "added-records"),
                deleted_records: summary_number(props, "deleted-records"),
            }
        })
        .collect();
    snapshots.sort_by_key(|s| (s.timestamp_ms, s.sequence_number));

    let used: Vec<(i64, i64, Option<i32>)> = snapshots
        .iter()
        .map(|s| (s.snapshot_id, s.timestamp_ms, s.schema_id))
        .collect();
    let mut all_schemas: Vec<_> = metadata.schemas_iter().collect();
    all_schemas.sort_by_key(|s| s.schema_id());
    let current_schema = metadata.current_schema_id();
    let schemas = all_schemas
        .iter()
        .enumerate()
        .map(|(i, schema)| {
            let v = version(schema, current_schema, &used);
            SchemaStep {
                schema_id: v.schema_id,
                is_current: v.is_current,
                snapshot_count: v.snapshot_ids.len(),
                first_snapshot_ms: v.first_snapshot_ms,
                fields: v.fields,
                changes: i
                    .checked_sub(1)
                    .map(|prev| schema_change_between(all_schemas[prev], schema)),
            }
        })
        .collect();

    Ok(TableReport {
        table: target.display.clone(),
        generated_ms: chrono::Utc::now().timestamp_millis(),
        summary,
        partition_skew: skew_of(&partitions),
        file_sizes,
        partitions,
        snapshots,
        schemas,
        status: health.status,
        findings: health.findings,
        health_stats: health.stats,
    })
}
