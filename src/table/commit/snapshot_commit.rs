//! Appends, whole-table overwrites and row deltas: the manifests of such a snapshot, committed
//! through the shared producer (`snapshot_producer`), rebuilt on conflict.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Result;
use iceberg::spec::{
    DataContentType, DataFile, ManifestContentType, ManifestFile, Operation, Schema,
    SnapshotSummaryCollector,
};
use iceberg::table::Table;
use iceberg::{TableRequirement, TableUpdate};

pub use super::isolation::{Isolation, StartingPoint};
use super::snapshot_producer::{
    add_totals, branch_head, carry_manifests, commit_with_retries, data_file_sizes,
    ensure_written_files, has_live_files, new_manifest_writer, new_snapshot_id,
    parquet_position_deletes_refusal, write_snapshot, Attempt, AttemptFiles, NewSnapshot, Prepared,
};
use super::source_ledger::{LedgerSwap, LEDGER_PROPERTY};
use crate::error::FloeError;
use crate::table::catalog::commit_policy::is_state_unknown;
use crate::table::catalog::floe_catalog::TableTarget;

/// What a new snapshot does to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotKind {
    /// Add files; keep everything.
    Append,
    /// Replace the table's whole content with the added files.
    OverwriteAll,
    /// Add data and/or delete files (position or equality deletes); keep everything else.
    RowDelta,
}

/// A snapshot to commit.
#[derive(Debug, Clone)]
pub struct SnapshotRequest {
    pub kind: SnapshotKind,
    pub added: Vec<DataFile>,
    /// The partition spec the added files were written for.
    pub spec_id: i32,
    /// A new schema the files were written with, committed in the same step (`--merge-schema`).
    pub schema: Option<Schema>,
    /// Extra snapshot summary properties (floe puts its commit id here).
    pub summary: HashMap<String, String>,
    /// The branch the snapshot goes to (`main` unless `ingest --branch`).
    pub branch: String,
    /// What the operation read when it started, checked against what others committed since
    /// (`None`: nothing is validated).
    pub start: Option<StartingPoint>,
    /// `ingest --skip-loaded`: the ledger of loaded sources moves in the same commit.
    pub ledger: Option<LedgerSwap>,
}

/// The landed snapshot.
#[derive(Debug, Clone)]
pub struct CommittedSnapshot {
    pub snapshot_id: i64,
    pub sequence_number: i64,
    pub attempts: u32,
}

/// Commit a snapshot, retrying per `commit.retry.*` when concurrent writers win the race.
///
/// When the commit definitely fails, every file written for it is deleted: the manifests of
/// each attempt and the request's added data files. When its outcome is unknown, nothing is.
pub async fn commit_snapshot(
    target: &TableTarget,
    request: SnapshotRequest,
) -> Result<CommittedSnapshot> {
    let io = crate::table::storage::file_io::file_io(target.catalog.stores());
    let outcome = match ensure_written_files(&io, data_file_sizes(&request.added)).await {
        Ok(()) => commit_attempts(target, &request).await,
        Err(e) => Err(e),
    };
    if let Err(err) = &outcome {
        if !is_state_unknown(err) {
            let added: Vec<String> = request
                .added
                .iter()
                .map(|f| f.file_path().to_string())
                .collect();
            target.catalog.stores().delete_all(&added).await;
        }
    }
    outcome
}

async fn commit_attempts(
    target: &TableTarget,
    request: &SnapshotRequest,
) -> Result<CommittedSnapshot> {
    let landed = commit_with_retries(target, |table, attempt_no| async move {
        let mut written = vec![];
        let outcome = prepare(&table, request, attempt_no, &mut written)
            .await
            .map(|attempt| Some((attempt, ())));
        Prepared { written, outcome }
    })
    .await?;
    let landed = landed.expect("an append or overwrite always commits");
    Ok(CommittedSnapshot {
        snapshot_id: landed.snapshot_id,
        sequence_number: landed.sequence_number,
        attempts: landed.attempts,
    })
}

/// Write an attempt's manifests and manifest list (recording each file in `written`, so the
/// caller can delete them if the attempt does not land) and build its commit.
pub(crate) async fn prepare(
    table: &Table,
    request: &SnapshotRequest,
    attempt_no: u32,
    written: &mut Vec<String>,
) -> Result<Attempt> {
    let metadata = table.metadata();
    let snapshot_id = new_snapshot_id(metadata);
    let parent = branch_head(metadata, &request.branch)?;
    if let Some(swap) = &request.ledger {
        if metadata.properties().get(LEDGER_PROPERTY) != swap.expected.as_ref() {
            return Err(super::isolation::StalePlan(
                "another ingest recorded loaded sources after this one listed its inputs".into(),
            )
            .into());
        }
    }
    if let Some(start) = &request.start {
        if request.schema.is_some() {
            check_schema_base(metadata, start)?;
        }
        if request.kind == SnapshotKind::OverwriteAll && start.isolation == Isolation::Serializable
        {
            check_no_data_added_since(table, parent.as_ref(), start, &request.branch).await?;
        }
    }
    let mut names = AttemptFiles::new(metadata, snapshot_id, attempt_no);
    let schema = metadata.current_schema().clone();
    let default_spec = metadata.default_partition_spec().clone();
    let mut manifests: Vec<ManifestFile> = vec![];
    let mut summary = SnapshotSummaryCollector::default();

    // Files this snapshot adds, one manifest per content type.
    for content in [DataContentType::Data, DataContentType::PositionDeletes] {
        let files: Vec<&DataFile> = request
            .added
            .iter()
            .filter(|f| {
                (f.content_type() == DataContentType::Data) == (content == DataContentType::Data)
            })
            .collect();
        if files.is_empty() {
            continue;
        }
        if request.spec_id != default_spec.spec_id() {
            return Err(crate::table::catalog::commit_policy::conflict(format!(
                "the table's partition spec changed to {} while files were written for spec {}",
                default_spec.spec_id(),
                request.spec_id
            )));
        }
        let kind = if content == DataContentType::Data {
            ManifestContentType::Data
        } else {
            ManifestContentType::Deletes
        };
        let path = names.manifest(written);
        let files_schema = match &request.schema {
            Some(schema) => Arc::new(schema.clone()),
            None => schema.clone(),
        };
        let mut writer = new_manifest_writer(
            table,
            files_schema,
            &path,
            snapshot_id,
            default_spec.spec_id(),
            kind,
        )?;
        for f in files {
            summary.add_file(f, schema.clone(), default_spec.clone());
            // A negative sequence number leaves it to be inherited from the manifest list.
            writer.add_file((*f).clone(), -1)?;
        }
        manifests.push(writer.write_manifest_file().await?);
    }

    // What the parent snapshot had: kept as is (append) or marked deleted (overwrite).
    if let Some(parent) = &parent {
        match request.kind {
            SnapshotKind::Append | SnapshotKind::RowDelta => {
                let list = table.manifest_list_reader(parent).load().await?;
                manifests.extend(list.entries().iter().filter(|m| has_live_files(m)).cloned());
            }
            SnapshotKind::OverwriteAll => {
                let (carried, _) = carry_manifests(
                    table,
                    parent,
                    snapshot_id,
                    &mut names,
                    written,
                    &mut summary,
                    |_, _| true,
                )
                .await?;
                manifests.extend(carried);
            }
        }
    }

    let adds_data = request
        .added
        .iter()
        .any(|f| f.content_type() == DataContentType::Data);
    let operation = match request.kind {
        SnapshotKind::Append => Operation::Append,
        SnapshotKind::OverwriteAll => Operation::Overwrite,
        // Iceberg's row-delta convention: `delete` when only deletes are added.
        SnapshotKind::RowDelta if adds_data => Operation::Overwrite,
        SnapshotKind::RowDelta => Operation::Delete,
    };
    let mut properties = request.summary.clone();
    properties.extend(summary.build());
    add_totals(&mut properties, parent.as_ref().map(|p| p.summary()));

    // A new schema gets the next id (iceberg reuses an identical existing schema's id).
    let snapshot_schema_id = match &request.schema {
        None => metadata.current_schema_id(),
        Some(schema) => metadata
            .schemas_iter()
            .find(|s| {
                s.as_struct() == schema.as_struct()
                    && s.identifier_field_ids().eq(schema.identifier_field_ids())
            })
            .map(|s| s.schema_id())
            .unwrap_or_else(|| {
                metadata
                    .schemas_iter()
                    .map(|s| s.schema_id())
                    .max()
                    .unwrap_or(0)
                    + 1
            }),
    };
    let mut requirements = vec![];
    let mut updates = vec![];
    if let Some(schema) = &request.schema {
        // The schema's new field ids were assigned against this base; another writer's
        // schema change in between would make them collide.
        let (schema_id, last_column_id) = request
            .start
            .as_ref()
            .map(|start| start.schema)
            .unwrap_or((metadata.current_schema_id(), metadata.last_column_id()));
        requirements.push(TableRequirement::CurrentSchemaIdMatch {
            current_schema_id: schema_id,
        });
        requirements.push(TableRequirement::LastAssignedFieldIdMatch {
            last_assigned_field_id: last_column_id,
        });
        updates.push(TableUpdate::AddSchema {
            schema: schema.clone(),
        });
        updates.push(TableUpdate::SetCurrentSchema { schema_id: -1 });
    }
    let mut attempt = write_snapshot(
        table,
        NewSnapshot {
            snapshot_id,
            operation,
            manifests,
            properties,
            schema_id: snapshot_schema_id,
            list_path: names.list_path(),
            requirements,
            updates,
            branch: request.branch.clone(),
            v3_refusal: parquet_position_deletes_refusal(request.added.iter()),
        },
        written,
    )
    .await?;
    if let Some(swap) = &request.ledger {
        attempt.extend(
            [],
            [TableUpdate::SetProperties {
                updates: HashMap::from([(LEDGER_PROPERTY.to_string(), swap.next.clone())]),
            }],
        );
    }
    Ok(attempt)
}

/// A schema merged at the start must still extend the table's current schema: the field ids
/// it assigned are only free while nobody else changed the schema.
fn check_schema_base(metadata: &iceberg::spec::TableMetadata, start: &StartingPoint) -> Result<()> {
    let (schema_id, last_column_id) = start.schema;
    if metadata.current_schema_id() != schema_id || metadata.last_column_id() != last_column_id {
        return Err(FloeError::new(
            crate::error::ErrorKind::CommitConflict,
            format!(
                "the table's schema changed while this ingest ran (schema {schema_id} with last column id {last_column_id} became schema {} with {}); the merged schema's new field ids would collide",
                metadata.current_schema_id(),
                metadata.last_column_id()
            ),
        )
        .with_hint("run the ingest again: it merges against the new schema")
        .into());
    }
    Ok(())
}

/// Serializable overwrite: no snapshot committed on the branch since the start added data
/// (appends and overwrites; compaction's `replace` adds no rows). A branch that no longer
/// descends from the start (rolled back, or history expired) cannot be checked and fails too.
async fn check_no_data_added_since(
    table: &Table,
    head: Option<&iceberg::spec::SnapshotRef>,
    start: &StartingPoint,
    branch: &str,
) -> Result<()> {
    use iceberg::spec::Operation;
    let metadata = table.metadata();
    let conflict = |message: String| -> anyhow::Error {
        FloeError::new(crate::error::ErrorKind::CommitConflict, message)
            .with_hint("run the overwrite again to replace the new data too, or pass --isolation snapshot to replace whatever the table holds at commit time")
            .into()
    };
    let mut cursor = head.cloned();
    while let Some(snapshot) = cursor {
        if Some(snapshot.snapshot_id()) == start.snapshot_id {
            return Ok(());
        }
        if matches!(
            snapshot.summary().operation,
            Operation::Append | Operation::Overwrite
        ) {
            let list = table.manifest_list_reader(&snapshot).load().await?;
            let added = list.entries().iter().any(|m| {
                m.added_snapshot_id == snapshot.snapshot_id()
                    && m.content == ManifestContentType::Data
                    && m.has_added_files()
            });
            if added {
                return Err(conflict(format!(
                    "snapshot {} ({}) added data to branch {branch} after this overwrite read {}; overwriting now would drop it",
                    snapshot.snapshot_id(),
                    snapshot.summary().operation.as_str(),
                    match start.snapshot_id {
                        Some(id) => format!("snapshot {id}"),
                        None => "the empty branch".to_string(),
                    }
                )));
            }
        }
        cursor = match snapshot.parent_snapshot_id() {
            Some(parent) => match metadata.snapshot_by_id(parent) {
                Some(p) => Some(p.clone()),
                None => {
                    return Err(conflict(format!(
                        "cannot tell what was committed to branch {branch} since this overwrite started: snapshot {parent} is no longer in the table"
                    )))
                }
            },
            None => None,
        };
    }
    match start.snapshot_id {
        None => Ok(()),
        Some(id) => Err(conflict(format!(
            "branch {branch} no longer descends from snapshot {id}, which this overwrite read (rolled back meanwhile?)"
        ))),
    }
}
