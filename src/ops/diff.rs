//! `diff TABLE FROM TO`: what changed between two snapshots: files and records added and
//! removed, schema and partition-spec changes, and (with `--rows`) the rows themselves.

use std::collections::{BTreeMap, HashSet};

use anyhow::Result;
use iceberg::spec::{DataContentType, Schema, SnapshotRef, TableMetadata};
use iceberg::table::Table;
use serde::Serialize;

use crate::error::FloeError;
use crate::ops::query::{context, sql_error, QueryResult};
use crate::table::scan::{provider, resolve_snapshot, Version};
use crate::table::{Session, TableRef};

#[derive(Debug, Clone, Serialize)]
pub struct DiffFile {
    pub file_path: String,
    pub content: String,
    pub record_count: u64,
    pub file_size_bytes: u64,
    pub partition_spec_id: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct SchemaChange {
    pub from_schema_id: Option<i32>,
    pub to_schema_id: Option<i32>,
    pub added_columns: Vec<String>,
    pub removed_columns: Vec<String>,
    /// `old -> new` for columns whose name or type changed (same field id).
    pub changed_columns: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub table: String,
    pub from_snapshot_id: i64,
    pub to_snapshot_id: i64,
    /// `forward` (TO descends from FROM), `backward` (FROM descends from TO) or `diverged`.
    pub relationship: String,
    /// The newest snapshot both descend from (for `diverged`, the branch point).
    pub common_ancestor_id: Option<i64>,
    pub files_added: Vec<DiffFile>,
    pub files_removed: Vec<DiffFile>,
    pub data_files_added: usize,
    pub data_files_removed: usize,
    pub delete_files_added: usize,
    pub delete_files_removed: usize,
    pub records_added: u64,
    pub records_removed: u64,
    pub schema: SchemaChange,
    pub partition_specs_from: Vec<i32>,
    pub partition_specs_to: Vec<i32>,
}

fn ancestors(metadata: &TableMetadata, id: i64) -> Vec<i64> {
    let mut out = vec![];
    let mut next = Some(id);
    while let Some(current) = next {
        if out.contains(&current) {
            break;
        }
        out.push(current);
        next = metadata
            .snapshot_by_id(current)
            .and_then(|s| s.parent_snapshot_id());
    }
    out
}

async fn live_files(table: &Table, snapshot: &SnapshotRef) -> Result<BTreeMap<String, DiffFile>> {
    let mut out = BTreeMap::new();
    let list = table.manifest_list_reader(snapshot).load().await?;
    for manifest_file in list.entries() {
        let manifest =
            crate::table::manifest_stream::load_manifest(manifest_file, table.file_io()).await?;
        for entry in manifest.entries().iter().filter(|e| e.is_alive()) {
            let file = entry.data_file();
            out.insert(
                file.file_path().to_string(),
                DiffFile {
                    file_path: file.file_path().to_string(),
                    content: match file.content_type() {
                        DataContentType::Data => "data".into(),
                        DataContentType::PositionDeletes => "position_deletes".into(),
                        DataContentType::EqualityDeletes => "equality_deletes".into(),
                    },
                    record_count: file.record_count(),
                    file_size_bytes: file.file_size_in_bytes(),
                    partition_spec_id: manifest_file.partition_spec_id,
                },
            );
        }
    }
    Ok(out)
}

fn schema_change(metadata: &TableMetadata, from: &SnapshotRef, to: &SnapshotRef) -> SchemaChange {
    let schema_of = |s: &SnapshotRef| s.schema_id().and_then(|id| metadata.schema_by_id(id));
    match (schema_of(from), schema_of(to)) {
        (Some(a), Some(b)) => schema_change_between(a, b),
        _ => SchemaChange {
            from_schema_id: from.schema_id(),
            to_schema_id: to.schema_id(),
            added_columns: vec![],
            removed_columns: vec![],
            changed_columns: vec![],
        },
    }
}

/// Columns added, removed, renamed or retyped from schema `a` to schema `b`, by field id.
pub fn schema_change_between(a: &Schema, b: &Schema) -> SchemaChange {
    let mut change = SchemaChange {
        from_schema_id: Some(a.schema_id()),
        to_schema_id: Some(b.schema_id()),
        added_columns: vec![],
        removed_columns: vec![],
        changed_columns: vec![],
    };
    if a.schema_id() == b.schema_id() {
        return change;
    }
    for field in b.as_struct().fields() {
        match a.field_by_id(field.id) {
            None => change
                .added_columns
                .push(format!("{} {}", field.name, field.field_type)),
            Some(old) if old.name != field.name || old.field_type != field.field_type => {
                change.changed_columns.push(format!(
                    "{} {} -> {} {}",
                    old.name, old.field_type, field.name, field.field_type
                ))
            }
            _ => {}
        }
    }
    for field in a.as_struct().fields() {
        if b.field_by_id(field.id).is_none() {
            change.removed_columns.push(field.name.clone());
        }
    }
    change
}

fn snapshot<'a>(table: &'a Table, display: &str, version: &Version) -> Result<&'a SnapshotRef> {
    let id = resolve_snapshot(table, display, version)?
        .ok_or_else(|| FloeError::not_found(format!("table {display} has no snapshots")))?;
    Ok(table
        .metadata()
        .snapshot_by_id(id)
        .expect("resolved snapshot exists"))
}

pub async fn diff(
    session: &Session,
    table: &TableRef,
    from: &Version,
    to: &Version,
) -> Result<DiffReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let metadata = loaded.metadata();
    let (a, b) = (
        snapshot(&loaded, &target.display, from)?,
        snapshot(&loaded, &target.display, to)?,
    );
    let (a_line, b_line) = (
        ancestors(metadata, a.snapshot_id()),
        ancestors(metadata, b.snapshot_id()),
    );
    let (relationship, common) = if b_line.contains(&a.snapshot_id()) {
        ("forward", Some(a.snapshot_id()))
    } else if a_line.contains(&b.snapshot_id()) {
        ("backward", Some(b.snapshot_id()))
    } else {
        let a_set: HashSet<i64> = a_line.iter().copied().collect();
        (
            "diverged",
            b_line.iter().copied().find(|id| a_set.contains(id)),
        )
    };
    let (a_files, b_files) = (live_files(&loaded, a).await?, live_files(&loaded, b).await?);
    let files_added: Vec<DiffFile> = b_files
        .iter()
        .filter(|(p, _)| !a_files.contains_key(*p))
        .map(|(_, f)| f.clone())
        .collect();
    let files_removed: Vec<DiffFile> = a_files
        .iter()
        .filter(|(p, _)| !b_files.contains_key(*p))
        .map(|(_, f)| f.clone())
        .collect();
    let count = |files: &[DiffFile], data: bool| {
        files
            .iter()
            .filter(|f| (f.content == "data") == data)
            .count()
    };
    let records = |files: &[DiffFile]| {
        files
            .iter()
            .filter(|f| f.content == "data")
            .map(|f| f.record_count)
            .sum::<u64>()
    };
    let specs = |files: &BTreeMap<String, DiffFile>| {
        let mut ids: Vec<i32> = files.values().map(|f| f.partition_spec_id).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    Ok(DiffReport {
        table: target.display.clone(),
        from_snapshot_id: a.snapshot_id(),
        to_snapshot_id: b.snapshot_id(),
        relationship: relationship.into(),
        common_ancestor_id: common,
        data_files_added: count(&files_added, true),
        data_files_removed: count(&files_removed, true),
        delete_files_added: count(&files_added, false),
        delete_files_removed: count(&files_removed, false),
        records_added: records(&files_added),
        records_removed: records(&files_removed),
        schema: schema_change(metadata, a, b),
        partition_specs_from: specs(&a_files),
        partition_specs_to: specs(&b_files),
        files_added,
        files_removed,
    })
}

/// The rows that differ: `TO EXCEPT ALL FROM` as `added`, `FROM EXCEPT ALL TO` as `removed`,
/// in a `_change` column ahead of the table's columns.
pub async fn diff_rows(
    session: &Session,
    table: &TableRef,
    from: &Version,
    to: &Version,
) -> Result<QueryResult> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let (a, b) = (
        snapshot(&loaded, &target.display, from)?.clone(),
        snapshot(&loaded, &target.display, to)?.clone(),
    );
    if a.schema_id() != b.schema_id() {
        return Err(FloeError::invalid(format!(
            "snapshots {} and {} have different schemas ({:?} and {:?}); --rows compares rows of one schema",
            a.snapshot_id(),
            b.snapshot_id(),
            a.schema_id(),
            b.schema_id()
        ))
        .into());
    }
    let ctx = context();
    ctx.register_table(
        "diff_from",
        provider(
            loaded.clone(),
            Some(a.snapshot_id()),
            target.catalog.stores(),
            false,
        )
        .await?,
    )
    .map_err(sql_error)?;
    ctx.register_table(
        "diff_to",
        provider(
            loaded,
            Some(b.snapshot_id()),
            target.catalog.stores(),
            false,
        )
        .await?,
    )
    .map_err(sql_error)?;
    let frame = ctx
        .sql(
            "SELECT 'added' AS _change, * FROM (SELECT * FROM diff_to EXCEPT ALL SELECT * FROM diff_from) \
             UNION ALL SELECT 'removed' AS _change, * FROM (SELECT * FROM diff_from EXCEPT ALL SELECT * FROM diff_to)",
        )
        .await
        .map_err(sql_error)?;
    let batches = frame.execute_stream().await.map_err(sql_error)?;
    Ok(QueryResult {
        sources: vec![(target.display.clone(), Some(b.snapshot_id()))],
        batches,
    })
}
