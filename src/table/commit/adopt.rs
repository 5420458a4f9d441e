//! Committing files the table did not write (`add-files`): an append whose data files are the
//! user's own. Unlike the commit of written files, a failure never deletes them; every attempt
//! re-checks that none of them became live on the branch meanwhile; a name mapping for readers
//! of files without field ids lands in the same commit.

use std::collections::{HashMap, HashSet};

use anyhow::Result;
use futures::StreamExt;
use iceberg::spec::{
    DataFile, ManifestContentType, MappedField, NameMapping, Schema, SnapshotRef, Type,
    DEFAULT_SCHEMA_NAME_MAPPING,
};
use iceberg::table::Table;
use iceberg::{TableRequirement, TableUpdate};

use super::snapshot_commit::{
    prepare, CommittedSnapshot, SnapshotKind, SnapshotRequest, StartingPoint,
};
use super::snapshot_producer::{
    branch_head, commit_with_retries, data_file_sizes, ensure_written_files, Prepared,
};
use crate::error::{ErrorKind, FloeError};
use crate::table::catalog::floe_catalog::TableTarget;
use crate::table::storage::stores::comparable_location;

/// Manifests read at once when listing a snapshot's live files.
const MANIFEST_READS: usize = 8;

/// Files to adopt in one append.
#[derive(Debug, Clone)]
pub struct Adoption {
    pub files: Vec<DataFile>,
    /// The partition spec the files' partition values are for.
    pub spec_id: i32,
    /// The schema the files were checked against.
    pub schema_id: i32,
    pub branch: String,
    pub summary: HashMap<String, String>,
    /// The table's name mapping when the files were checked against it (`None`: it had none).
    pub mapping_seen: Option<String>,
    /// A name mapping to set with the snapshot (the table had none and some file has no
    /// field ids).
    pub set_mapping: Option<String>,
    /// The branch head the files were checked against: none of them was live there.
    pub checked_head: Option<i64>,
    pub start: StartingPoint,
}

/// The live data file paths of a snapshot, in comparable form.
pub async fn live_data_paths(table: &Table, snapshot: &SnapshotRef) -> Result<HashSet<String>> {
    let list = table.manifest_list_reader(snapshot).load().await?;
    let io = table.file_io().clone();
    let loads = list
        .entries()
        .iter()
        .filter(|m| m.content == ManifestContentType::Data)
        .cloned()
        .map(|manifest| {
            let io = io.clone();
            async move { crate::table::read::manifest_stream::load_manifest(&manifest, &io).await }
        });
    let mut manifests = futures::stream::iter(loads).buffer_unordered(MANIFEST_READS);
    let mut paths = HashSet::new();
    while let Some(manifest) = manifests.next().await {
        for entry in manifest?.entries().iter().filter(|e| e.is_alive()) {
            paths.insert(comparable_location(entry.data_file().file_path()));
        }
    }
    Ok(paths)
}

/// Refuse files that are live at the head of `branch` already.
pub async fn ensure_not_live(table: &Table, branch: &str, files: &[String]) -> Result<()> {
    let Some(head) = branch_head(table.metadata(), branch)? else {
        return Ok(());
    };
    let live = live_data_paths(table, &head).await?;
    let already: Vec<&String> = files
        .iter()
        .filter(|f| live.contains(&comparable_location(f)))
        .collect();
    if already.is_empty() {
        return Ok(());
    }
    Err(FloeError::invalid(format!(
        "already in the table (live in snapshot {} of branch {branch}): {}",
        head.snapshot_id(),
        already
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .with_hint("a data file can be added once; leave it out of the command")
    .into())
}

/// Iceberg's name mapping of a schema (Java's `MappingUtil.create`): every field by its name,
/// list elements as `element`, map entries as `key` and `value`.
pub fn name_mapping(schema: &Schema) -> NameMapping {
    fn mapped(field: &iceberg::spec::NestedField) -> MappedField {
        let children = match field.field_type.as_ref() {
            Type::Struct(s) => s.fields().iter().map(|f| mapped(f)).collect(),
            Type::List(l) => vec![mapped(&l.element_field)],
            Type::Map(m) => vec![mapped(&m.key_field), mapped(&m.value_field)],
            Type::Primitive(_) => vec![],
        };
        MappedField::new(Some(field.id), vec![field.name.clone()], children)
    }
    NameMapping::new(
        schema
            .as_struct()
            .fields()
            .iter()
            .map(|f| mapped(f))
            .collect(),
    )
}

/// The field id a name mapping gives a column path, if any.
pub fn mapped_id(mapping: &NameMapping, path: &[String]) -> Option<i32> {
    let (first, rest) = path.split_first()?;
    let mut field = mapping
        .fields()
        .iter()
        .find(|f| f.names().contains(first))?;
    for name in rest {
        field = field.fields().iter().find(|f| f.names().contains(name))?;
    }
    field.field_id()
}

/// Commit the files as one append, retrying per `commit.retry.*`. On failure the files stay
/// where they are: they were the user's before and remain so.
pub async fn commit_adopted(target: &TableTarget, adoption: Adoption) -> Result<CommittedSnapshot> {
    // The files must still be what was read (same size), each named once.
    let io = crate::table::storage::file_io::file_io(target.catalog.stores());
    ensure_written_files(&io, data_file_sizes(&adoption.files)).await?;
    let request = SnapshotRequest {
        kind: SnapshotKind::Append,
        added: adoption.files.clone(),
        spec_id: adoption.spec_id,
        schema: None,
        summary: adoption.summary.clone(),
        branch: adoption.branch.clone(),
        start: Some(adoption.start.clone()),
        ledger: None,
    };
    let paths: Vec<String> = adoption
        .files
        .iter()
        .map(|f| f.file_path().to_string())
        .collect();
    let request = &request;
    let adoption = &adoption;
    let paths = &paths;
    let landed = commit_with_retries(target, |table, attempt_no| async move {
        let mut written = vec![];
        let outcome = attempt(&table, request, adoption, paths, attempt_no, &mut written).await;
        Prepared {
            written,
            outcome: outcome.map(|a| Some((a, ()))),
        }
    })
    .await?;
    let landed = landed.expect("an append always commits");
    Ok(CommittedSnapshot {
        snapshot_id: landed.snapshot_id,
        sequence_number: landed.sequence_number,
        attempts: landed.attempts,
    })
}

async fn attempt(
    table: &Table,
    request: &SnapshotRequest,
    adoption: &Adoption,
    paths: &[String],
    attempt_no: u32,
    written: &mut Vec<String>,
) -> Result<super::snapshot_producer::Attempt> {
    let metadata = table.metadata();
    let changed = |what: String| -> anyhow::Error {
        FloeError::new(ErrorKind::CommitConflict, what)
            .with_hint("run add-files again: it checks the files against the table as it is now")
            .into()
    };
    if metadata.current_schema_id() != adoption.schema_id {
        return Err(changed(format!(
            "the table's schema changed (schema {} is now {}) while the files were checked",
            adoption.schema_id,
            metadata.current_schema_id()
        )));
    }
    // Another writer may have added one of the files since they were checked.
    let head = branch_head(metadata, &request.branch)?.map(|s| s.snapshot_id());
    if head != adoption.checked_head {
        ensure_not_live(table, &request.branch, paths).await?;
    }
    let mapping = metadata.properties().get(DEFAULT_SCHEMA_NAME_MAPPING);
    let set_mapping = if mapping == adoption.mapping_seen.as_ref() {
        adoption.set_mapping.clone()
    } else if mapping.is_some() && mapping == adoption.set_mapping.as_ref() {
        // Another add-files set the very mapping this one would.
        None
    } else {
        return Err(changed(format!(
            "the table's {DEFAULT_SCHEMA_NAME_MAPPING} changed while the files were checked"
        )));
    };
    let mut attempt = prepare(table, request, attempt_no, written).await?;
    attempt.extend(
        [TableRequirement::CurrentSchemaIdMatch {
            current_schema_id: adoption.schema_id,
        }],
        set_mapping.map(|json| TableUpdate::SetProperties {
            updates: HashMap::from([(DEFAULT_SCHEMA_NAME_MAPPING.to_string(), json)]),
        }),
    );
    Ok(attempt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use iceberg::spec::{ListType, NestedField, PrimitiveType, StructType};
    use std::sync::Arc;

    #[test]
    fn name_mapping_names_every_field_as_java_does() {
        let schema = Schema::builder()
            .with_fields(vec![
                NestedField::required(1, "id", Type::Primitive(PrimitiveType::Long)).into(),
                NestedField::optional(
                    2,
                    "tags",
                    Type::List(ListType::new(Arc::new(NestedField::list_element(
                        4,
                        Type::Struct(StructType::new(vec![NestedField::optional(
                            5,
                            "k",
                            Type::Primitive(PrimitiveType::String),
                        )
                        .into()])),
                        false,
                    )))),
                )
                .into(),
            ])
            .build()
            .unwrap();
        let mapping = name_mapping(&schema);
        let json = serde_json::to_string(&mapping).unwrap();
        assert_eq!(
            json,
            r#"[{"field-id":1,"names":["id"]},{"field-id":2,"names":["tags"],"fields":[{"field-id":4,"names":["element"],"fields":[{"field-id":5,"names":["k"]}]}]}]"#
        );
        let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            mapped_id(&mapping, &path(&["tags", "element", "k"])),
            Some(5)
        );
        assert_eq!(mapped_id(&mapping, &path(&["tags", "k"])), None);
    }
}
