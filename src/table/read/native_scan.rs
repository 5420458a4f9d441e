//! Reading plain files with DataFusion's own Parquet scan. When nothing Iceberg-specific is
//! needed for the files a scan planned (no delete files, no name mapping, no nested fields
//! older files lack, and every column kept its name and type under its id through the
//! table's schemas), reading by column name is the same as reading by field id, and
//! DataFusion's reader (page-index pruning, string views, parallel decoding) is faster than
//! iceberg's general one. Otherwise the iceberg reader is used.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use datafusion::catalog::Session as DfSession;
use datafusion::common::DFSchema;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::error::Result as DfResult;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::utils::conjunction;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::Expr;
use iceberg::scan::FileScanTask;
use iceberg::spec::{DataFileFormat, Schema, TableMetadata};

use crate::table::storage::stores::Stores;

/// Bytes read from a file's end in one request for its footer; without a hint the length is
/// read first and the footer second (two round trips per file, on S3 two requests).
const FOOTER_READ_BYTES: usize = 64 * 1024;

/// Whether the planned tasks can be read by column name.
pub fn eligible(metadata: &TableMetadata, scan_schema: &Schema, tasks: &[FileScanTask]) -> bool {
    if tasks.is_empty()
        || metadata
            .properties()
            .contains_key("schema.name-mapping.default")
    {
        return false;
    }
    if tasks
        .iter()
        .any(|t| !t.deletes.is_empty() || t.data_file_format != DataFileFormat::Parquet)
    {
        return false;
    }
    // Every column, in every schema the table had, by the same name with the same type.
    scan_schema.as_struct().fields().iter().all(|field| {
        metadata.schemas_iter().all(|schema| {
            let by_id = schema.field_by_id(field.id);
            let by_name = schema.field_by_name(&field.name);
            match (by_id, by_name) {
                (None, None) => true,
                (Some(a), Some(b)) => a.id == b.id && a.field_type == field.field_type,
                _ => false,
            }
        })
    })
}

/// The DataFusion scan of `tasks` in `groups` (one per partition), projected and pruned with
/// the query's filters; `None` when the files are not all on one store.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    state: &dyn DfSession,
    stores: &Stores,
    schema: SchemaRef,
    groups: &[Vec<FileScanTask>],
    projection: Option<&Vec<usize>>,
    filters: &[Expr],
    limit: Option<usize>,
) -> DfResult<Option<Arc<dyn ExecutionPlan>>> {
    let mut root: Option<(String, Arc<dyn object_store::ObjectStore>)> = None;
    let mut file_groups = Vec::with_capacity(groups.len());
    for group in groups {
        let mut files = Vec::with_capacity(group.len());
        for task in group {
            let (store, path) = match stores.resolve(&task.data_file_path) {
                Ok(resolved) => resolved,
                Err(_) => return Ok(None),
            };
            let url = store_url(&task.data_file_path);
            match &root {
                Some((known, _)) if *known != url => return Ok(None),
                Some(_) => {}
                None => root = Some((url, store)),
            }
            // The parsed path as is: `PartitionedFile::new` would re-encode it (`%` in
            // Java-escaped partition values) and name another object.
            files.push(PartitionedFile::new_from_meta(object_store::ObjectMeta {
                location: path,
                last_modified: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
                size: task.file_size_in_bytes,
                e_tag: None,
                version: None,
            }));
        }
        file_groups.push(FileGroup::new(files));
    }
    let Some((url, store)) = root else {
        return Ok(None);
    };
    let store_url = ObjectStoreUrl::parse(&url)?;
    state
        .runtime_env()
        .register_object_store(store_url.as_ref(), store);
    let mut source = ParquetSource::new(schema.clone())
        .with_table_parquet_options(state.table_options().parquet.clone())
        .with_metadata_size_hint(FOOTER_READ_BYTES);
    if let Some(predicate) = conjunction(filters.iter().cloned()) {
        let df_schema = DFSchema::try_from(schema.as_ref().clone())?;
        let physical = state.create_physical_expr(predicate, &df_schema)?;
        source = source.with_predicate(physical);
    }
    let config = FileScanConfigBuilder::new(store_url, Arc::new(source))
        .with_file_groups(file_groups)
        .with_limit(limit)
        .with_projection_indices(projection.cloned())?
        .build();
    Ok(Some(DataSourceExec::from_data_source(config)))
}

/// The object store URL of a location: `file:///` for local paths, `s3://bucket` for S3.
fn store_url(location: &str) -> String {
    for scheme in ["s3://", "s3a://", "s3n://", "memory://"] {
        if let Some(rest) = location.strip_prefix(scheme) {
            let bucket = rest.split('/').next().unwrap_or_default();
            let scheme = if scheme.starts_with("s3") {
                "s3://"
            } else {
                scheme
            };
            return format!("{scheme}{bucket}");
        }
    }
    "file:///".to_string()
}
