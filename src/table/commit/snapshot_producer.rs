//! What every snapshot producer shares (appends and overwrites, compaction, manifest
//! rewrites): the commit retry loop, naming of an attempt's files, manifest writers, and
//! writing the manifest list and the commit that makes a snapshot a branch's head.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{Context, Result};
use iceberg::spec::{
    DataFile, FormatVersion, ManifestContentType, ManifestFile, ManifestListWriter, ManifestWriter,
    ManifestWriterBuilder, Operation, SchemaRef, Snapshot, SnapshotReference, SnapshotRetention,
    Summary, TableMetadata, MAIN_BRANCH,
};
use iceberg::table::Table;
use iceberg::{TableRequirement, TableUpdate};

use crate::error::FloeError;
use crate::table::catalog::commit_policy::{is_conflict, is_state_unknown, RetryPolicy};
use crate::table::catalog::directory::metadata_dir;
use crate::table::catalog::floe_catalog::TableTarget;

/// One attempt's commit: what it requires of the table and the updates it makes.
pub(crate) struct Attempt {
    requirements: Vec<TableRequirement>,
    updates: Vec<TableUpdate>,
    snapshot_id: i64,
    sequence_number: i64,
}

impl Attempt {
    /// Add requirements and updates to the same commit (a table property that must land
    /// together with the snapshot).
    pub(crate) fn extend(
        &mut self,
        requirements: impl IntoIterator<Item = TableRequirement>,
        updates: impl IntoIterator<Item = TableUpdate>,
    ) {
        self.requirements.extend(requirements);
        self.updates.extend(updates);
    }
}

/// What one attempt prepared: the commit to make with a value to hand back (or nothing to
/// commit), and every file it wrote, deleted again if the attempt does not land.
pub(crate) struct Prepared<T> {
    pub written: Vec<String>,
    pub outcome: Result<Option<(Attempt, T)>>,
}

/// A landed commit with what its attempt prepared.
pub(crate) struct Landed<T> {
    pub snapshot_id: i64,
    pub sequence_number: i64,
    pub attempts: u32,
    pub value: T,
}

/// Load the table, prepare an attempt against it, commit; on a conflict, delete the attempt's
/// files, back off per `commit.retry.*` and prepare again from the new state. `Ok(None)` when
/// an attempt finds nothing to commit.
pub(crate) async fn commit_with_retries<T, F, Fut>(
    target: &TableTarget,
    mut prepare_attempt: F,
) -> Result<Option<Landed<T>>>
where
    F: FnMut(Table, u32) -> Fut,
    Fut: std::future::Future<Output = Prepared<T>>,
{
    let started = Instant::now();
    let stores = target.catalog.stores();
    let mut attempts = 0u32;
    loop {
        let table = target.load().await?;
        let policy = RetryPolicy::from_properties(table.metadata().properties());
        let base_location = table.metadata_location().map(str::to_string);
        attempts += 1;
        let Prepared { written, outcome } = prepare_attempt(table, attempts).await;
        let (attempt, value) = match outcome {
            Ok(Some(prepared)) => prepared,
            Ok(None) => {
                stores.delete_all(&written).await;
                return Ok(None);
            }
            Err(err) => {
                stores.delete_all(&written).await;
                return Err(err);
            }
        };
        let outcome = target
            .catalog
            .commit_from(
                &target.ident,
                base_location.as_deref(),
                attempt.requirements.clone(),
                attempt.updates.clone(),
            )
            .await;
        match outcome {
            Ok(_) => {
                return Ok(Some(Landed {
                    snapshot_id: attempt.snapshot_id,
                    sequence_number: attempt.sequence_number,
                    attempts,
                    value,
                }))
            }
            Err(err) if is_state_unknown(&err) => return Err(err),
            Err(err) => {
                stores.delete_all(&written).await;
                if is_conflict(&err) && policy.may_retry(attempts, started) {
                    tokio::time::sleep(policy.backoff(attempts)).await;
                    continue;
                }
                return Err(err);
            }
        }
    }
}

/// Before a commit adds files: each path is named once, and each object holds what was written
/// (its size is the recorded one). Two writers given one name would otherwise leave one file
/// behind two manifest entries. `written` is (path, size written); returns every problem
/// found, naming the file.
pub(crate) async fn written_file_problems(
    io: &iceberg::io::FileIO,
    written: Vec<(String, u64)>,
) -> Vec<(String, String)> {
    use futures::StreamExt;
    let mut problems = vec![];
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (path, _) in &written {
        *seen.entry(path.as_str()).or_default() += 1;
    }
    for (path, count) in &seen {
        if *count > 1 {
            problems.push((
                path.to_string(),
                format!("{path} was written {count} times in one commit"),
            ));
        }
    }
    // Owned values in each check: the futures run concurrently and borrow nothing.
    let checks = written.clone().into_iter().map(|(path, expected)| {
        let io = io.clone();
        async move {
            let size = match io.new_input(&path) {
                Ok(input) => input.metadata().await.map(|m| m.size),
                Err(e) => Err(e),
            };
            let problem = match size {
                Ok(size) if size == expected => None,
                Ok(size) => Some(format!(
                    "{path} holds {size} bytes but {expected} were written"
                )),
                Err(e) => Some(format!("{path} cannot be checked: {e}")),
            };
            problem.map(|why| (path, why))
        }
    });
    let found: Vec<Option<(String, String)>> = futures::stream::iter(checks)
        .buffer_unordered(16)
        .collect()
        .await;
    problems.extend(found.into_iter().flatten());
    problems.sort();
    problems.dedup();
    problems
}

/// [`written_file_problems`] as one error, for commits that add all their files or none.
pub(crate) async fn ensure_written_files(
    io: &iceberg::io::FileIO,
    written: Vec<(String, u64)>,
) -> Result<()> {
    let problems = written_file_problems(io, written).await;
    if problems.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = problems.into_iter().map(|(_, why)| why).collect();
    Err(FloeError::new(
        crate::error::ErrorKind::Failed,
        format!(
            "refusing to commit files that do not hold what was written: {}",
            list.join("; ")
        ),
    )
    .into())
}

/// (path, size) of data or delete files, as [`written_file_problems`] takes them. Deletion
/// vectors share their Puffin file: it counts once.
pub(crate) fn data_file_sizes<'a>(
    files: impl IntoIterator<Item = &'a DataFile>,
) -> Vec<(String, u64)> {
    let mut puffins = std::collections::HashSet::new();
    files
        .into_iter()
        .filter(|f| {
            f.file_format() != iceberg::spec::DataFileFormat::Puffin
                || puffins.insert(f.file_path().to_string())
        })
        .map(|f| (f.file_path().to_string(), f.file_size_in_bytes()))
        .collect()
}

/// Names for the files one commit attempt writes under `metadata/`, each recorded in
/// `written` so the attempt can delete them if it does not land.
pub(crate) struct AttemptFiles {
    folder: String,
    commit_uuid: uuid::Uuid,
    snapshot_id: i64,
    attempt_no: u32,
    manifests: usize,
}

impl AttemptFiles {
    pub fn new(metadata: &TableMetadata, snapshot_id: i64, attempt_no: u32) -> Self {
        AttemptFiles {
            folder: metadata_dir(metadata.location()),
            commit_uuid: uuid::Uuid::new_v4(),
            snapshot_id,
            attempt_no,
            manifests: 0,
        }
    }

    /// The path of the next manifest.
    pub fn manifest(&mut self, written: &mut Vec<String>) -> String {
        let path = format!(
            "{}/{}-m{}.avro",
            self.folder, self.commit_uuid, self.manifests
        );
        self.manifests += 1;
        written.push(path.clone());
        path
    }

    /// How many manifests were named.
    pub fn manifests_named(&self) -> usize {
        self.manifests
    }

    /// The manifest list's path.
    pub fn list_path(&self) -> String {
        format!(
            "{}/snap-{}-{}-{}.avro",
            self.folder, self.snapshot_id, self.attempt_no, self.commit_uuid
        )
    }
}

/// A writer for a new version of an existing manifest (same spec and content), and its spec.
pub(crate) fn rewrite_writer(
    table: &Table,
    schema: SchemaRef,
    manifest: &ManifestFile,
    path: &str,
    snapshot_id: i64,
) -> Result<(iceberg::spec::PartitionSpecRef, ManifestWriter)> {
    let spec = table
        .metadata()
        .partition_spec_by_id(manifest.partition_spec_id)
        .context("manifest references a missing partition spec")?
        .clone();
    let writer = new_manifest_writer(
        table,
        schema,
        path,
        snapshot_id,
        manifest.partition_spec_id,
        manifest.content,
    )?;
    Ok((spec, writer))
}

/// The parent's manifests carried into a new snapshot: a manifest where no live file leaves
/// is kept as it is (when it still lists live files); one where some do is written again with
/// those entries DELETED and the rest EXISTING. Returns the manifests and the files that left
/// (each with its manifest's content type); removals are counted into `summary`.
pub(crate) async fn carry_manifests(
    table: &Table,
    parent: &iceberg::spec::SnapshotRef,
    snapshot_id: i64,
    names: &mut AttemptFiles,
    written: &mut Vec<String>,
    summary: &mut iceberg::spec::SnapshotSummaryCollector,
    leaving: impl Fn(&ManifestFile, &DataFile) -> bool,
) -> Result<(Vec<ManifestFile>, Vec<(ManifestContentType, DataFile)>)> {
    let schema = table.metadata().current_schema().clone();
    let mut manifests = vec![];
    let mut left = vec![];
    let list = table.manifest_list_reader(parent).load().await?;
    for manifest in list.entries() {
        let loaded =
            crate::table::read::manifest_stream::load_manifest(manifest, table.file_io()).await?;
        let touched = loaded
            .entries()
            .iter()
            .any(|e| e.is_alive() && leaving(manifest, e.data_file()));
        if !touched {
            if has_live_files(manifest) {
                manifests.push(manifest.clone());
            }
            continue;
        }
        let path = names.manifest(written);
        let (spec, mut writer) =
            rewrite_writer(table, schema.clone(), manifest, &path, snapshot_id)?;
        for entry in loaded.entries().iter().filter(|e| e.is_alive()) {
            let file = entry.data_file().clone();
            let sequence_number = entry.sequence_number().unwrap_or(0);
            if leaving(manifest, &file) {
                summary.remove_file(&file, schema.clone(), spec.clone());
                left.push((manifest.content, file.clone()));
                writer.add_delete_file(file, sequence_number, entry.file_sequence_number)?;
            } else {
                writer.add_existing_file(
                    file,
                    entry.snapshot_id().unwrap_or(parent.snapshot_id()),
                    sequence_number,
                    entry.file_sequence_number,
                )?;
            }
        }
        manifests.push(writer.write_manifest_file().await?);
    }
    Ok((manifests, left))
}

/// Whether a parent's manifest still lists live files. One holding only DELETED entries
/// recorded its snapshot's removals and is not carried into the next snapshot (as Iceberg's
/// own producers do).
pub(crate) fn has_live_files(manifest: &ManifestFile) -> bool {
    manifest.has_added_files() || manifest.has_existing_files()
}

pub(crate) fn new_snapshot_id(metadata: &TableMetadata) -> i64 {
    loop {
        let (hi, lo) = uuid::Uuid::new_v4().as_u64_pair();
        let id = ((hi ^ lo) & (i64::MAX as u64)) as i64;
        if id != 0 && metadata.snapshot_by_id(id).is_none() {
            return id;
        }
    }
}

/// A manifest writer; `schema` is the one the listed files were written with (their column
/// bounds are encoded in its types).
pub(crate) fn new_manifest_writer(
    table: &Table,
    schema: SchemaRef,
    path: &str,
    snapshot_id: i64,
    spec_id: i32,
    content: ManifestContentType,
) -> Result<ManifestWriter> {
    let metadata = table.metadata();
    let spec = metadata
        .partition_spec_by_id(spec_id)
        .with_context(|| format!("partition spec {spec_id} is missing from the table metadata"))?;
    let builder = ManifestWriterBuilder::new(
        table.file_io().new_output(path)?,
        Some(snapshot_id),
        schema,
        spec.as_ref().clone(),
    );
    Ok(match (metadata.format_version(), content) {
        (FormatVersion::V1, _) => builder.build_v1(),
        (FormatVersion::V2, ManifestContentType::Data) => builder.build_v2_data(),
        (FormatVersion::V2, ManifestContentType::Deletes) => builder.build_v2_deletes(),
        (FormatVersion::V3, ManifestContentType::Data) => builder.build_v3_data(),
        (FormatVersion::V3, ManifestContentType::Deletes) => builder.build_v3_deletes(),
    })
}

/// A snapshot ready to be written: its manifests, summary and schema, plus requirements and
/// updates of the same commit (a new schema) beyond the snapshot itself.
pub(crate) struct NewSnapshot {
    pub snapshot_id: i64,
    pub operation: Operation,
    pub manifests: Vec<ManifestFile>,
    /// The summary's properties, totals included.
    pub properties: HashMap<String, String>,
    pub schema_id: i32,
    /// Where the manifest list goes.
    pub list_path: String,
    pub requirements: Vec<TableRequirement>,
    pub updates: Vec<TableUpdate>,
    /// The branch it becomes the head of, required to still be at its parent.
    pub branch: String,
    /// Why this snapshot cannot go onto a format-v3 table, if it cannot: it rewrites rows
    /// without carrying their row ids, or adds files v3 does not take.
    pub v3_refusal: Option<String>,
}

impl NewSnapshot {
    /// A `replace` snapshot on main: the same rows, rearranged files or manifests.
    pub fn replace(
        metadata: &TableMetadata,
        files: &AttemptFiles,
        manifests: Vec<ManifestFile>,
        properties: HashMap<String, String>,
    ) -> Self {
        NewSnapshot {
            snapshot_id: files.snapshot_id,
            operation: Operation::Replace,
            manifests,
            properties,
            schema_id: metadata.current_schema_id(),
            list_path: files.list_path(),
            requirements: vec![],
            updates: vec![],
            branch: MAIN_BRANCH.to_string(),
            v3_refusal: Some("this rewrite does not carry row lineage yet".into()),
        }
    }
}

/// The head snapshot of a branch (`None` for `main` of a table without snapshots); an error
/// for a branch that does not exist.
pub(crate) fn branch_head(
    metadata: &TableMetadata,
    branch: &str,
) -> Result<Option<iceberg::spec::SnapshotRef>> {
    if branch == MAIN_BRANCH {
        return Ok(metadata.current_snapshot().cloned());
    }
    match metadata.snapshot_for_ref(branch) {
        Some(snapshot) => Ok(Some(snapshot.clone())),
        None => Err(
            FloeError::not_found(format!("the table has no branch '{branch}'"))
                .with_hint("create it with `floe branch create TABLE NAME`")
                .into(),
        ),
    }
}

/// Refuses a snapshot that a format-version 3 table cannot take (`what` names why): one that
/// rewrites rows without carrying their lineage, or adds Parquet position deletes. Every
/// producer reaches `write_snapshot`, which checks this, so none can slip past.
fn refuse_v3_writes(metadata: &TableMetadata, what: &str) -> Result<()> {
    if metadata.format_version() >= FormatVersion::V3 {
        return Err(FloeError::invalid(format!(
            "{what} on a format-version 3 table would break its row lineage (_row_id) or its one-deletion-vector-per-file rule, so floe leaves the table unchanged"
        ))
        .into());
    }
    Ok(())
}

/// Why a snapshot adding `files` cannot go onto a v3 table: there, position deletes are
/// deletion vectors, never Parquet files.
pub(crate) fn parquet_position_deletes_refusal<'a>(
    mut files: impl Iterator<Item = &'a DataFile>,
) -> Option<String> {
    files
        .any(|f| {
            f.content_type() == iceberg::spec::DataContentType::PositionDeletes
                && f.file_format() != iceberg::spec::DataFileFormat::Puffin
        })
        .then(|| "writing Parquet position delete files".to_string())
}

/// Write the manifest list and build the commit that makes the snapshot the head of its
/// branch, required to follow the branch's current head.
pub(crate) async fn write_snapshot(
    table: &Table,
    new: NewSnapshot,
    written: &mut Vec<String>,
) -> Result<Attempt> {
    let metadata = table.metadata();
    if let Some(reason) = &new.v3_refusal {
        refuse_v3_writes(metadata, reason)?;
    }
    let snapshot_id = new.snapshot_id;
    // Format version 1 has no sequence numbers: they stay 0.
    let sequence_number = match metadata.format_version() {
        FormatVersion::V1 => 0,
        _ => metadata.last_sequence_number() + 1,
    };
    // The manifests this snapshot wrote, before the manifest list names them.
    let new_manifests: Vec<(String, u64)> = new
        .manifests
        .iter()
        .filter(|m| m.added_snapshot_id == snapshot_id)
        .map(|m| (m.manifest_path.clone(), m.manifest_length as u64))
        .collect();
    ensure_written_files(table.file_io(), new_manifests).await?;
    let list_path = new.list_path;
    written.push(list_path.clone());
    let parent_id = branch_head(metadata, &new.branch)?.map(|p| p.snapshot_id());
    let out = table.file_io().new_output(&list_path)?;
    // On v3 the snapshot's rows get ids from the table's next-row-id on: the list writer gives
    // each data manifest without a first-row-id the next range (its added and existing rows,
    // as Java does), and the snapshot records the range it used.
    let first_row_id = metadata.next_row_id();
    let mut list_writer = match metadata.format_version() {
        FormatVersion::V1 => ManifestListWriter::v1(out.writer().await?, snapshot_id, parent_id),
        FormatVersion::V2 => {
            ManifestListWriter::v2(out.writer().await?, snapshot_id, parent_id, sequence_number)
        }
        FormatVersion::V3 => ManifestListWriter::v3(
            out.writer().await?,
            snapshot_id,
            parent_id,
            sequence_number,
            Some(first_row_id),
        ),
    };
    list_writer.add_manifests(new.manifests.into_iter())?;
    let row_range = match (metadata.format_version(), list_writer.next_row_id()) {
        (FormatVersion::V3, Some(next)) => Some((first_row_id, next - first_row_id)),
        _ => None,
    };
    list_writer.close().await?;

    let snapshot = Snapshot::builder()
        .with_snapshot_id(snapshot_id)
        .with_parent_snapshot_id(parent_id)
        .with_sequence_number(sequence_number)
        .with_timestamp_ms(
            chrono::Utc::now()
                .timestamp_millis()
                .max(metadata.last_updated_ms()),
        )
        .with_manifest_list(list_path)
        .with_summary(Summary {
            operation: new.operation,
            additional_properties: new.properties,
        })
        .with_schema_id(new.schema_id);
    let snapshot = match row_range {
        Some((first, added)) => snapshot.with_row_range(first, added).build(),
        None => snapshot.build(),
    };

    let mut requirements = vec![
        TableRequirement::UuidMatch {
            uuid: metadata.uuid(),
        },
        TableRequirement::RefSnapshotIdMatch {
            r#ref: new.branch.clone(),
            snapshot_id: parent_id,
        },
    ];
    requirements.extend(new.requirements);
    let mut updates = new.updates;
    updates.extend([
        TableUpdate::AddSnapshot { snapshot },
        TableUpdate::SetSnapshotRef {
            ref_name: new.branch.clone(),
            reference: SnapshotReference::new(snapshot_id, retention_of(metadata, &new.branch)),
        },
    ]);
    Ok(Attempt {
        requirements,
        updates,
        snapshot_id,
        sequence_number,
    })
}

/// A branch keeps its retention settings as it moves, `main` included (Spark and Java set
/// `min-snapshots-to-keep` and the age limits on it; dropping them would let the next expiry
/// remove history the user meant to keep).
fn retention_of(metadata: &TableMetadata, branch: &str) -> SnapshotRetention {
    let existing = crate::table::read::scan::refs(metadata)
        .ok()
        .and_then(|mut refs| refs.remove(branch));
    match existing {
        Some(reference) => reference.retention,
        None => SnapshotRetention::Branch {
            min_snapshots_to_keep: None,
            max_snapshot_age_ms: None,
            max_ref_age_ms: None,
        },
    }
}

/// `total-*` summary fields: the parent's totals plus what this snapshot added, minus what it
/// removed (Iceberg's rule). A total the parent does not carry is left out rather than counted
/// from zero, as Java does: it would understate the table. The first snapshot starts at zero.
pub(crate) fn add_totals(props: &mut HashMap<String, String>, parent: Option<&Summary>) {
    let get = |map: &HashMap<String, String>, key: &str| {
        map.get(key)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let rules = [
        ("total-data-files", "added-data-files", "deleted-data-files"),
        (
            "total-delete-files",
            "added-delete-files",
            "removed-delete-files",
        ),
        ("total-records", "added-records", "deleted-records"),
        ("total-files-size", "added-files-size", "removed-files-size"),
        (
            "total-position-deletes",
            "added-position-deletes",
            "removed-position-deletes",
        ),
        (
            "total-equality-deletes",
            "added-equality-deletes",
            "removed-equality-deletes",
        ),
    ];
    for (total, added, removed) in rules {
        let before = match parent {
            None => 0,
            Some(p) => match p
                .additional_properties
                .get(total)
                .and_then(|v| v.parse::<i64>().ok())
            {
                Some(v) => v,
                None => {
                    props.remove(total);
                    continue;
                }
            },
        };
        let value = before + get(props, added) - get(props, removed);
        props.insert(total.to_string(), value.max(0).to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(pairs: &[(&str, &str)]) -> Summary {
        Summary {
            operation: Operation::Append,
            additional_properties: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn totals_build_on_the_parent_and_are_left_out_when_it_has_none() {
        let mut props: HashMap<String, String> =
            [("added-records", "5"), ("added-data-files", "1")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let parent = summary(&[("total-records", "10")]);
        add_totals(&mut props, Some(&parent));
        assert_eq!(props.get("total-records").map(String::as_str), Some("15"));
        // The parent carries no total-data-files: unknown stays unknown.
        assert_eq!(props.get("total-data-files"), None);

        let mut first: HashMap<String, String> =
            [("added-records".to_string(), "7".to_string())].into();
        add_totals(&mut first, None);
        assert_eq!(first.get("total-records").map(String::as_str), Some("7"));
        assert_eq!(first.get("total-data-files").map(String::as_str), Some("0"));
    }

    #[test]
    fn main_keeps_its_retention() {
        let metadata = crate::table::test_metadata::one_column_table("memory://t");
        let snapshot = Snapshot::builder()
            .with_snapshot_id(1)
            .with_sequence_number(1)
            .with_timestamp_ms(metadata.last_updated_ms() + 1)
            .with_manifest_list("memory://t/metadata/snap-1.avro")
            .with_summary(summary(&[]))
            .with_schema_id(0)
            .build();
        let retention = SnapshotRetention::Branch {
            min_snapshots_to_keep: Some(7),
            max_snapshot_age_ms: Some(86_400_000),
            max_ref_age_ms: None,
        };
        let metadata = metadata
            .into_builder(None)
            .add_snapshot(snapshot)
            .unwrap()
            .set_ref(MAIN_BRANCH, SnapshotReference::new(1, retention.clone()))
            .unwrap()
            .build()
            .unwrap()
            .metadata;
        assert_eq!(retention_of(&metadata, MAIN_BRANCH), retention);
        assert_eq!(
            retention_of(&metadata, "dev"),
            SnapshotRetention::Branch {
                min_snapshots_to_keep: None,
                max_snapshot_age_ms: None,
                max_ref_age_ms: None
            }
        );
    }
}
