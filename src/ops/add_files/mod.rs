//! `add-files`: register existing Parquet files as data files of a table without rewriting
//! them (PyIceberg's `add_files`, Spark's `add_files` procedure). Each file is checked against
//! the table schema by name, its metrics are read from its footer, its partition is derived
//! from its bounds or its Hive-style path; then all of them land in ONE append snapshot.

pub mod partition;

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use anyhow::Result;
use futures::StreamExt;
use iceberg::spec::{
    DataContentType, DataFile, DataFileBuilder, DataFileFormat, Literal, NameMapping,
    PartitionSpecRef, SchemaRef, Struct, DEFAULT_SCHEMA_NAME_MAPPING,
};
use serde::Serialize;

use self::partition::Derived;
use crate::error::FloeError;
use crate::input::{self, Format, FormatChoice, InputFile};
use crate::ops::ingest::COMMIT_ID_PROPERTY;
use crate::table::adopt::{commit_adopted, ensure_not_live, mapped_id, name_mapping, Adoption};
use crate::table::is_local;
use crate::table::parquet_metrics::{file_metrics, match_columns, proves_no_nulls};
use crate::table::snapshot_commit::{Isolation, StartingPoint};
use crate::table::snapshot_producer::branch_head;
use crate::table::{Session, TableRef, TableTarget};

/// Footers read at once.
const FOOTER_READS: usize = 8;

#[derive(Debug, Clone)]
pub struct AddFilesOptions {
    pub table: TableRef,
    /// Files, directories, globs, `s3://` URIs.
    pub paths: Vec<String>,
    /// Read partition values from `name=value` path segments.
    pub hive_partitioned: bool,
    pub dry_run: bool,
    pub branch: String,
}

/// One adopted file.
#[derive(Debug, Clone, Serialize)]
pub struct AddedFile {
    /// The path recorded in the manifest.
    pub path: String,
    /// Partition values by partition field name (as `floe files` shows them).
    pub partition: serde_json::Map<String, serde_json::Value>,
    pub records: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AddFilesReport {
    pub table: String,
    /// The new snapshot; `null` on a dry run.
    pub snapshot_id: Option<i64>,
    pub files_added: usize,
    pub records_added: u64,
    pub bytes_added: u64,
    pub files: Vec<AddedFile>,
    /// Whether the commit sets the table's `schema.name-mapping.default` (files without
    /// Parquet field ids are read by column name through it).
    pub name_mapping_set: bool,
    pub dry_run: bool,
    pub elapsed_ms: u64,
}

/// Everything checked and ready to commit.
pub struct AddFilesPlan {
    target: TableTarget,
    adoption: Adoption,
    report: AddFilesReport,
    started: Instant,
}

impl AddFilesPlan {
    /// What the plan would do (the dry run's report).
    pub fn report(&self) -> &AddFilesReport {
        &self.report
    }
}

pub async fn add_files(session: &Session, options: AddFilesOptions) -> Result<AddFilesReport> {
    let dry_run = options.dry_run;
    let plan = plan(session, options).await?;
    if dry_run {
        let mut report = plan.report;
        report.elapsed_ms = plan.started.elapsed().as_millis() as u64;
        return Ok(report);
    }
    execute(plan).await
}

/// A file that stores row-lineage columns (a rewrite of another v3 table wrote it) would bring
/// that table's `_row_id`s along, which readers take over the ids this table assigns: two rows
/// could share one. Such files are refused, as on any table (an upgrade to v3 would honour
/// them later).
fn refuse_lineage_columns(
    location: &str,
    footer: &parquet::file::metadata::ParquetMetaData,
) -> Result<()> {
    use crate::table::row_lineage::{LAST_UPDATED, LAST_UPDATED_FIELD_ID, ROW_ID, ROW_ID_FIELD_ID};
    let root = footer.file_metadata().schema_descr().root_schema();
    for field in root.get_fields() {
        let info = field.get_basic_info();
        let by_id =
            info.has_id() && (info.id() == ROW_ID_FIELD_ID || info.id() == LAST_UPDATED_FIELD_ID);
        if by_id || field.name() == ROW_ID || field.name() == LAST_UPDATED {
            return Err(FloeError::invalid(format!(
                "{location} stores the row-lineage column {} of another table; its row ids would collide with this table's",
                field.name()
            ))
            .with_hint("load the file with `floe ingest`, which gives its rows new ids, or write it without that column")
            .into());
        }
    }
    Ok(())
}

/// Check every file and build its data-file entry; nothing is written.
pub async fn plan(session: &Session, options: AddFilesOptions) -> Result<AddFilesPlan> {
    let started = Instant::now();
    let target = session.target(&options.table).await?;
    let table = target.load().await?;
    let metadata = table.metadata();
    let head = branch_head(metadata, &options.branch)?;
    let start = StartingPoint::of(&table, &options.branch, Isolation::Serializable)?;
    let schema = metadata.current_schema().clone();
    let spec = metadata.default_partition_spec().clone();
    if options.hive_partitioned && spec.is_unpartitioned() {
        return Err(FloeError::usage(format!(
            "--hive-partitioned: table {} is not partitioned",
            target.display
        ))
        .into());
    }

    let inputs = input::expand(&options.paths, FormatChoice::Auto, session.stores()).await?;
    let mut seen = HashSet::new();
    let mut files: Vec<(InputFile, String)> = Vec::with_capacity(inputs.len());
    for file in inputs {
        if file.format != Format::Parquet {
            return Err(FloeError::invalid(format!(
                "{} is not a Parquet file; add-files registers Parquet files only",
                file.location
            ))
            .with_hint("load CSV and JSON files with `floe ingest`")
            .into());
        }
        let path = recorded_path(metadata.location(), &file.location);
        if !seen.insert(path.clone()) {
            return Err(FloeError::invalid(format!("{path} is named twice")).into());
        }
        files.push((file, path));
    }
    let paths: Vec<String> = files.iter().map(|(_, p)| p.clone()).collect();
    ensure_not_live(&table, &options.branch, &paths).await?;

    let stores = session.stores().clone();
    let footers = files.iter().map(|(file, _)| {
        let stores = stores.clone();
        let location = file.location.clone();
        let size = file.size_bytes;
        async move {
            stores.parquet_metadata(&location, size).await.map_err(|e| {
                anyhow::Error::new(FloeError::invalid(format!(
                    "{location} is not a readable Parquet file: {e:#}"
                )))
            })
        }
    });
    let footers: Vec<Result<_>> = futures::stream::iter(footers)
        .buffered(FOOTER_READS)
        .collect()
        .await;

    let existing_mapping = metadata
        .properties()
        .get(DEFAULT_SCHEMA_NAME_MAPPING)
        .cloned();
    let parsed_mapping: Option<NameMapping> = match &existing_mapping {
        Some(json) => Some(serde_json::from_str(json).map_err(|e| {
            FloeError::invalid(format!(
                "the table's {DEFAULT_SCHEMA_NAME_MAPPING} is not a name mapping: {e}"
            ))
        })?),
        None => None,
    };
    let mut needs_mapping = false;
    let mut data_files = Vec::with_capacity(files.len());
    let mut added = Vec::with_capacity(files.len());
    for ((file, path), footer) in files.iter().zip(footers) {
        let footer = footer?;
        refuse_lineage_columns(&file.location, &footer)?;
        let columns = match_columns(&file.location, &schema, &footer)?;
        for (name, leaves) in &columns.must_be_non_null {
            if !proves_no_nulls(&footer, leaves) {
                return Err(FloeError::invalid(format!(
                    "{}: column {name} is required in the table but optional in the file, and its statistics do not prove it holds no nulls",
                    file.location
                ))
                .into());
            }
        }
        if !columns.has_field_ids {
            // floe's reader applies a name mapping to top-level columns only: nested values
            // of such a file would read as nulls, and nested columns it lacks fail the scan.
            if let Some(nested) = schema
                .as_struct()
                .fields()
                .iter()
                .find(|f| !f.field_type.is_primitive())
            {
                return Err(FloeError::invalid(format!(
                    "{} has no Parquet field ids and the table has nested columns ({}); files without field ids can only be added to tables whose columns are all primitive",
                    file.location, nested.name
                ))
                .with_hint("write the files with the table's field ids (PARQUET:field_id), or load them with `floe ingest`")
                .into());
            }
            needs_mapping = true;
            if let Some(mapping) = &parsed_mapping {
                for (names, id) in &columns.names {
                    if mapped_id(mapping, names) != Some(*id) {
                        return Err(FloeError::invalid(format!(
                            "{}: the file has no field ids, and the table's {DEFAULT_SCHEMA_NAME_MAPPING} does not map column {} to field {id}",
                            file.location,
                            names.join(".")
                        ))
                        .with_hint("update the name mapping, or unset it so that add-files writes one from the current schema")
                        .into());
                    }
                }
            }
        }
        let metrics = file_metrics(&columns, &footer, file.size_bytes);
        let values = partition_values(
            &file.location,
            &schema,
            &spec,
            &metrics,
            options.hive_partitioned,
        )?;
        let mut shown = serde_json::Map::new();
        for (field, value) in spec.fields().iter().zip(&values) {
            shown.insert(
                field.name.clone(),
                crate::ops::files::partition_json(&field.transform, value.as_ref()),
            );
        }
        added.push(AddedFile {
            path: path.clone(),
            partition: shown,
            records: metrics.record_count,
            bytes: file.size_bytes,
        });
        data_files.push(data_file(path, file.size_bytes, &spec, values, metrics)?);
    }

    let set_mapping = if needs_mapping && existing_mapping.is_none() {
        Some(serde_json::to_string(&name_mapping(&schema))?)
    } else {
        None
    };
    let commit_id = uuid::Uuid::new_v4().to_string();
    let report = AddFilesReport {
        table: target.display.clone(),
        snapshot_id: None,
        files_added: added.len(),
        records_added: added.iter().map(|f| f.records).sum(),
        bytes_added: added.iter().map(|f| f.bytes).sum(),
        files: added,
        name_mapping_set: set_mapping.is_some(),
        dry_run: options.dry_run,
        elapsed_ms: 0,
    };
    let adoption = Adoption {
        files: data_files,
        spec_id: spec.spec_id(),
        schema_id: schema.schema_id(),
        branch: options.branch.clone(),
        summary: HashMap::from([(COMMIT_ID_PROPERTY.to_string(), commit_id)]),
        mapping_seen: existing_mapping,
        set_mapping,
        checked_head: head.map(|h| h.snapshot_id()),
        start,
    };
    Ok(AddFilesPlan {
        target,
        adoption,
        report,
        started,
    })
}

/// Commit a plan as one append snapshot.
pub async fn execute(plan: AddFilesPlan) -> Result<AddFilesReport> {
    let AddFilesPlan {
        target,
        adoption,
        mut report,
        started,
    } = plan;
    report.dry_run = false;
    if !adoption.files.is_empty() {
        let committed = commit_adopted(&target, adoption).await?;
        report.snapshot_id = Some(committed.snapshot_id);
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// The path a file is recorded under: S3 URIs as given (normalised), local files as absolute
/// paths without `.` or `..`, in the form the table's own location uses (`/x`, `file:/x` or
/// `file:///x`) so every engine reading the table resolves them alike.
fn recorded_path(table_location: &str, location: &str) -> String {
    if !is_local(location) {
        return location.to_string();
    }
    let mut clean = std::path::PathBuf::new();
    for component in std::path::Path::new(location).components() {
        match component {
            std::path::Component::ParentDir => {
                clean.pop();
            }
            std::path::Component::CurDir => {}
            other => clean.push(other),
        }
    }
    let absolute = clean.to_string_lossy().to_string();
    if table_location.starts_with("file:///") {
        format!("file://{absolute}")
    } else if table_location.starts_with("file:/") {
        format!("file:{absolute}")
    } else {
        absolute
    }
}

/// The file's value for each field of the spec.
fn partition_values(
    location: &str,
    schema: &SchemaRef,
    spec: &PartitionSpecRef,
    metrics: &crate::table::parquet_metrics::FileMetrics,
    hive: bool,
) -> Result<Vec<Option<Literal>>> {
    let refuse = |message: String, hint: &str| -> anyhow::Error {
        FloeError::invalid(format!("{location}: {message}"))
            .with_hint(hint)
            .into()
    };
    let rewrite = "load it with `floe ingest`, which splits rows by partition";
    let mut values = Vec::with_capacity(spec.fields().len());
    for field in spec.fields() {
        let derived = partition::from_bounds(schema, field, metrics);
        let value = if hive {
            let from_path = partition::from_path(location, schema, field)
                .map_err(|e| refuse(e, "partition segments look like name=value"))?;
            let Some(from_path) = from_path else {
                return Err(refuse(
                    format!("the path has no {}=… segment", field.name),
                    "with --hive-partitioned every partition field must be in the path",
                ));
            };
            match derived {
                Derived::Value(v) if v != from_path => {
                    return Err(refuse(
                        format!(
                            "the path says {}={} but the file's values are in {}={}",
                            field.name,
                            shown(schema, field, from_path.as_ref()),
                            field.name,
                            shown(schema, field, v.as_ref())
                        ),
                        "the file is in the wrong directory, or its partition columns are wrong",
                    ))
                }
                Derived::Spans(why) => {
                    return Err(refuse(
                        format!(
                            "the path names one partition but the file spans partitions: {why}"
                        ),
                        rewrite,
                    ))
                }
                // Agreeing, or bounds that cannot tell: the path decides.
                _ => from_path,
            }
        } else {
            match derived {
                Derived::Value(v) => v,
                Derived::Spans(why) => {
                    return Err(refuse(format!("the file spans partitions: {why}"), rewrite))
                }
                Derived::Unknown(why) => {
                    return Err(refuse(
                        format!("cannot tell its {} partition: {why}", field.name),
                        "pass --hive-partitioned to read partition values from name=value path segments",
                    ))
                }
            }
        };
        values.push(value);
    }
    Ok(values)
}

fn shown(
    schema: &SchemaRef,
    field: &iceberg::spec::PartitionField,
    value: Option<&Literal>,
) -> String {
    match partition::source_of(schema, field) {
        Some((_, ty)) => {
            crate::table::partition_path::human_partition_value(&field.transform, &ty, value)
        }
        None => format!("{value:?}"),
    }
}

fn data_file(
    path: &str,
    size: u64,
    spec: &PartitionSpecRef,
    values: Vec<Option<Literal>>,
    metrics: crate::table::parquet_metrics::FileMetrics,
) -> Result<DataFile> {
    let mut builder = DataFileBuilder::default();
    builder
        .content(DataContentType::Data)
        .file_path(path.to_string())
        .file_format(DataFileFormat::Parquet)
        .partition(Struct::from_iter(values))
        .partition_spec_id(spec.spec_id())
        .record_count(metrics.record_count)
        .file_size_in_bytes(size)
        .column_sizes(metrics.column_sizes)
        .value_counts(metrics.value_counts)
        .null_value_counts(metrics.null_value_counts)
        .lower_bounds(metrics.lower_bounds)
        .upper_bounds(metrics.upper_bounds)
        .split_offsets(metrics.split_offsets);
    builder.build().map_err(|e| {
        FloeError::invalid(format!("cannot describe {path} as a data file: {e}")).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_take_the_table_locations_form() {
        assert_eq!(
            recorded_path("/wh/t", "/in/./a/../x.parquet"),
            "/in/x.parquet"
        );
        assert_eq!(
            recorded_path("file:/wh/t", "/in/x.parquet"),
            "file:/in/x.parquet"
        );
        assert_eq!(
            recorded_path("file:///wh/t", "/in/x.parquet"),
            "file:///in/x.parquet"
        );
        assert_eq!(
            recorded_path("/wh/t", "s3://b/in/x.parquet"),
            "s3://b/in/x.parquet"
        );
    }
}
