//! A DataFusion table provider that reads an Iceberg snapshot in parallel: the scan is planned
//! once (partition, manifest and column-stats pruning by iceberg), and its file tasks are
//! spread over one DataFusion partition per core, each decoded by its own iceberg reader.
//! iceberg-datafusion's provider reads every file from one stream, so decoding used one core.

use std::any::Any;
use std::sync::Arc;

use arrow::array::{RecordBatch, RecordBatchOptions};
use arrow::datatypes::{Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{Session as DfSession, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::TableProviderFilterPushDown;
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
};
use datafusion::prelude::Expr;
use futures::{StreamExt, TryStreamExt};
use iceberg::expr::Predicate;
use iceberg::scan::FileScanTask;
use iceberg::table::Table;

use super::row_lineage::{is_lineage_column, with_lineage_fields, FileLineage};
use super::struct_projection::{has_grown_fields_to_fill, narrow_tasks};
use crate::struct_fill::fill_struct_fields;

/// Iceberg's table property for what opening a file costs, in bytes of reading, when splits
/// are packed; its default is Iceberg's (4 MiB).
const OPEN_FILE_COST_PROPERTY: &str = "read.split.open-file-cost";
const DEFAULT_OPEN_FILE_COST: u64 = 4 * 1024 * 1024;

fn open_file_cost(metadata: &iceberg::spec::TableMetadata) -> u64 {
    metadata
        .properties()
        .get(OPEN_FILE_COST_PROPERTY)
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_OPEN_FILE_COST)
}

/// Spreads `tasks` over `partitions` groups of about equal cost, each file weighing its bytes
/// plus `open_cost`: largest first, each to the least-loaded group. Weighing bytes alone put
/// every small file on whichever group was lighter after the large ones, and opening a file
/// (footer, pruning, one reader per column) costs far more than its bytes say; that one group
/// then ran alone for the end of the scan.
fn balance(tasks: Vec<FileScanTask>, partitions: usize, open_cost: u64) -> Vec<Vec<FileScanTask>> {
    let weight = |t: &FileScanTask| t.length.saturating_add(open_cost);
    let mut sorted = tasks;
    sorted.sort_by_key(|t| std::cmp::Reverse(weight(t)));
    let mut groups: Vec<(u64, Vec<FileScanTask>)> = vec![(0, vec![]); partitions.max(1)];
    for task in sorted {
        let slot = groups
            .iter_mut()
            .min_by_key(|(load, _)| *load)
            .expect("one partition at least");
        slot.0 = slot.0.saturating_add(weight(&task));
        slot.1.push(task);
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

fn df_error(e: iceberg::Error) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

/// Reads `table` at `snapshot_id` (or its current snapshot).
#[derive(Debug, Clone)]
pub struct ParallelScanProvider {
    table: Table,
    snapshot_id: Option<i64>,
    schema: SchemaRef,
    iceberg_schema: iceberg::spec::SchemaRef,
    stores: crate::table::storage::stores::Stores,
    /// Nested fields were added over the table's life, so older files lack them.
    grown_structs: bool,
    /// The schema ends with the row-lineage columns (`_row_id`, `_last_updated_sequence_number`).
    lineage: bool,
}

impl ParallelScanProvider {
    /// With `lineage`, the schema also has the row-lineage columns (a v3 table's), read
    /// through `lineage_scan` when a query selects them.
    pub fn try_new(
        table: Table,
        snapshot_id: Option<i64>,
        stores: crate::table::storage::stores::Stores,
        lineage: bool,
    ) -> iceberg::Result<Self> {
        let iceberg_schema = match snapshot_id.and_then(|id| table.metadata().snapshot_by_id(id)) {
            Some(snapshot) => snapshot.schema(table.metadata())?,
            None => table.metadata().current_schema().clone(),
        };
        let schema = Arc::new(match lineage {
            true => iceberg::arrow::schema_to_arrow_schema(&with_lineage_fields(&iceberg_schema)?)?,
            false => iceberg::arrow::schema_to_arrow_schema(&iceberg_schema)?,
        });
        let grown_structs = has_grown_fields_to_fill(table.metadata(), &iceberg_schema);
        Ok(ParallelScanProvider {
            table,
            snapshot_id,
            schema,
            iceberg_schema,
            stores,
            grown_structs,
            lineage,
        })
    }
}

#[async_trait]
impl TableProvider for ParallelScanProvider {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn DfSession,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let output_schema = match projection {
            Some(p) => Arc::new(self.schema.project(p)?),
            None => self.schema.clone(),
        };
        let wants_lineage = self.lineage
            && output_schema
                .fields()
                .iter()
                .any(|f| is_lineage_column(f.name()));
        let data_columns: Vec<String> = output_schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|name| !(self.lineage && is_lineage_column(name)))
            .collect();
        // With no columns wanted (count(*)), read the narrowest possible: the first column,
        // then drop it; iceberg reads every column when asked for none.
        let columns: Vec<String> = match data_columns.len() {
            0 => self
                .schema
                .fields()
                .iter()
                .take(1)
                .map(|f| f.name().clone())
                .collect(),
            _ => data_columns,
        };
        let predicate = super::sound_predicate::inclusive_all(filters, &self.iceberg_schema);
        let mut builder = match self.snapshot_id {
            Some(id) => self.table.scan().snapshot_id(id),
            None => self.table.scan(),
        };
        builder = builder.select(columns.clone());
        if let Some(p) = predicate.clone() {
            builder = builder.with_filter(p);
        }
        let tasks: Vec<FileScanTask> =
            if self.table.metadata().current_snapshot().is_none() && self.snapshot_id.is_none() {
                vec![]
            } else {
                builder
                    .build()
                    .map_err(df_error)?
                    .plan_files()
                    .await
                    .map_err(df_error)?
                    .try_collect()
                    .await
                    .map_err(df_error)?
            };
        let tasks = super::readable_tasks::readable(&self.table, self.snapshot_id, tasks)
            .await
            .map_err(|e| DataFusionError::External(e.into()))?;
        let tasks = if self.grown_structs {
            narrow_tasks(&self.stores, tasks)
                .await
                .map_err(|e| DataFusionError::External(e.into()))?
        } else {
            tasks
        };
        let partitions = state
            .config()
            .target_partitions()
            .max(1)
            .min(tasks.len().max(1));
        let groups = balance(tasks, partitions, open_file_cost(self.table.metadata()));
        let all: Vec<FileScanTask> = groups.iter().flatten().cloned().collect();
        let lineage = if wants_lineage {
            let snapshot = self
                .snapshot_id
                .or_else(|| self.table.metadata().current_snapshot_id());
            let map = match snapshot {
                Some(id) => super::lineage_scan::data_file_lineage(&self.table, id)
                    .await
                    .map_err(|e| DataFusionError::External(e.into()))?,
                None => Default::default(),
            };
            Some(Arc::new(map))
        } else {
            None
        };
        let native = if !self.grown_structs
            && lineage.is_none()
            && super::native_scan::eligible(self.table.metadata(), &self.iceberg_schema, &all)
        {
            super::native_scan::plan(
                state,
                &self.stores,
                self.schema.clone(),
                &groups,
                projection,
                filters,
                limit,
            )?
        } else {
            None
        };
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(output_schema.clone()),
            Partitioning::UnknownPartitioning(partitions),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        Ok(Arc::new(ParallelScanExec {
            native,
            lineage,
            stores: self.stores.clone(),
            table: self.table.clone(),
            snapshot_id: self.snapshot_id,
            groups,
            schema: output_schema,
            drop_columns: projection.is_some_and(|p| p.is_empty()),
            fill_structs: self.grown_structs,
            predicate,
            columns,
            limit,
            properties,
        }))
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        // iceberg prunes with what it can convert; DataFusion applies every filter again.
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }
}

/// Read file tasks with iceberg's reader (deletes applied), `batch_size` rows a batch. With
/// `fill_to`, batches are brought onto that schema by name: nested fields and columns the
/// files lack become nulls (see `struct_projection`).
/// Every live row of the tasks' files (their deletes applied, nothing else): the residual
/// predicate a filtered scan planned into each task is dropped. A rewrite removes the files it
/// reads whole, so reading them through a predicate would lose the rows it does not match.
pub fn read_whole_files(
    table: &Table,
    tasks: Vec<FileScanTask>,
    batch_size: usize,
    fill_to: Option<SchemaRef>,
) -> futures::stream::BoxStream<'static, DfResult<RecordBatch>> {
    let tasks = tasks
        .into_iter()
        .map(|mut task| {
            task.predicate = None;
            task
        })
        .collect();
    read_tasks(table, tasks, batch_size, fill_to)
}

fn read_tasks(
    table: &Table,
    tasks: Vec<FileScanTask>,
    batch_size: usize,
    fill_to: Option<SchemaRef>,
) -> futures::stream::BoxStream<'static, DfResult<RecordBatch>> {
    let reader = table
        .reader_builder()
        .with_batch_size(batch_size)
        .with_data_file_concurrency_limit(2)
        .build();
    let stream = match reader.read(futures::stream::iter(tasks.into_iter().map(Ok)).boxed()) {
        Ok(stream) => stream.stream().map_err(df_error),
        Err(e) => return futures::stream::once(async move { Err(df_error(e)) }).boxed(),
    };
    let Some(output_schema) = fill_to else {
        return stream.boxed();
    };
    stream
        .map(move |batch| {
            let batch = batch?;
            let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
            // By name: files may have been read without the nested columns they lack.
            let columns = output_schema
                .fields()
                .iter()
                .map(|field| match batch.column_by_name(field.name()) {
                    Some(column) => fill_struct_fields(column, field.data_type()).map_err(|e| {
                        DataFusionError::Execution(format!("column '{}' {e}", field.name()))
                    }),
                    None => Ok(arrow::array::new_null_array(
                        field.data_type(),
                        batch.num_rows(),
                    )),
                })
                .collect::<DfResult<Vec<_>>>()?;
            Ok(RecordBatch::try_new_with_options(
                output_schema.clone(),
                columns,
                &options,
            )?)
        })
        .boxed()
}

/// The physical scan: one group of file tasks per partition.
#[derive(Debug)]
pub struct ParallelScanExec {
    /// DataFusion's own Parquet scan of the same files, when they need nothing of Iceberg's
    /// reader (see `native_scan`).
    native: Option<Arc<dyn ExecutionPlan>>,
    /// Data file path → lineage, when the query selects a lineage column (see `lineage_scan`).
    lineage: Option<Arc<std::collections::HashMap<String, FileLineage>>>,
    stores: crate::table::storage::stores::Stores,
    table: Table,
    snapshot_id: Option<i64>,
    groups: Vec<Vec<FileScanTask>>,
    schema: SchemaRef,
    /// The query wants rows but no columns.
    drop_columns: bool,
    /// Files may have been read with fewer struct fields than the schema's (see
    /// `struct_projection`); fill them with nulls.
    fill_structs: bool,
    predicate: Option<Predicate>,
    columns: Vec<String>,
    limit: Option<usize>,
    properties: Arc<PlanProperties>,
}

impl ParallelScanExec {
    pub fn table(&self) -> &Table {
        &self.table
    }

    pub fn snapshot_id(&self) -> Option<i64> {
        self.snapshot_id
    }

    /// The predicate iceberg pruned with.
    pub fn predicate(&self) -> Option<&Predicate> {
        self.predicate.as_ref()
    }

    /// Columns read.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Data files the scan reads.
    pub fn file_count(&self) -> usize {
        self.groups.iter().map(|g| g.len()).sum()
    }
}

impl DisplayAs for ParallelScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "IcebergParallelScan reader:{} files:[{}] partitions:[{}] columns:[{}] predicate:[{}]",
            if self.native.is_some() {
                "datafusion"
            } else {
                "iceberg"
            },
            self.file_count(),
            self.groups.len(),
            self.columns.join(","),
            self.predicate
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default()
        )
    }
}

impl ExecutionPlan for ParallelScanExec {
    fn name(&self) -> &str {
        "IcebergParallelScan"
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn with_new_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> DfResult<SendableRecordBatchStream> {
        if let Some(native) = &self.native {
            return native.execute(partition, context);
        }
        let tasks = self.groups.get(partition).cloned().unwrap_or_default();
        let schema = self.schema.clone();
        let mut stream = if let Some(lineage) = &self.lineage {
            super::lineage_scan::read_with_lineage(
                super::lineage_scan::LineageRead {
                    table: self.table.clone(),
                    stores: self.stores.clone(),
                    lineage: lineage.clone(),
                    schema: schema.clone(),
                    batch_size: context.session_config().batch_size(),
                },
                tasks,
            )
        } else if self.drop_columns {
            read_tasks(
                &self.table,
                tasks,
                context.session_config().batch_size(),
                None,
            )
            .map(|batch| {
                let batch = batch?;
                let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
                Ok(RecordBatch::try_new_with_options(
                    Arc::new(Schema::empty()),
                    vec![],
                    &options,
                )?)
            })
            .boxed()
        } else {
            read_tasks(
                &self.table,
                tasks,
                context.session_config().batch_size(),
                self.fill_structs.then(|| schema.clone()),
            )
        };
        if let Some(limit) = self.limit {
            let mut remaining = limit;
            stream = stream
                .try_filter_map(move |batch: RecordBatch| {
                    let out = if remaining == 0 {
                        None
                    } else if batch.num_rows() <= remaining {
                        remaining -= batch.num_rows();
                        Some(batch)
                    } else {
                        let cut = batch.slice(0, remaining);
                        remaining = 0;
                        Some(cut)
                    };
                    futures::future::ready(Ok(out))
                })
                .boxed();
        }
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, stream)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iceberg::spec::{
        DataFileFormat, NestedField, PrimitiveType, Schema as IcebergSchema, Type,
    };

    fn task(path: &str, length: u64) -> FileScanTask {
        let schema = IcebergSchema::builder()
            .with_fields(vec![Arc::new(NestedField::required(
                1,
                "id",
                Type::Primitive(PrimitiveType::Long),
            ))])
            .build()
            .expect("schema");
        FileScanTask {
            file_size_in_bytes: length,
            start: 0,
            length,
            record_count: None,
            data_file_path: path.to_string(),
            data_file_format: DataFileFormat::Parquet,
            schema: Arc::new(schema),
            project_field_ids: vec![1],
            predicate: None,
            deletes: vec![],
            partition: None,
            partition_spec: None,
            name_mapping: None,
            case_sensitive: true,
        }
    }

    /// Four month-sized files and ten small ones, as an append of a few rows into a
    /// month-partitioned table leaves them.
    fn tasks() -> Vec<FileScanTask> {
        let mut tasks: Vec<FileScanTask> = [2_020_932, 1_819_264, 2_009_144, 1_954_940]
            .iter()
            .enumerate()
            .map(|(i, len)| task(&format!("big-{i}"), *len))
            .collect();
        tasks.extend((0..10).map(|i| task(&format!("small-{i}"), 7_000 + i)));
        tasks
    }

    fn small_files(group: &[FileScanTask]) -> usize {
        group
            .iter()
            .filter(|t| t.data_file_path.starts_with("small-"))
            .count()
    }

    #[test]
    fn small_files_are_shared_between_partitions() {
        let groups = balance(tasks(), 2, DEFAULT_OPEN_FILE_COST);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups.iter().map(Vec::len).collect::<Vec<_>>(), vec![7, 7]);
        assert_eq!(small_files(&groups[0]), 5);
        assert_eq!(small_files(&groups[1]), 5);
        let bytes: Vec<u64> = groups
            .iter()
            .map(|g| g.iter().map(|t| t.length).sum())
            .collect();
        assert!(bytes[0].abs_diff(bytes[1]) < 300_000, "{bytes:?}");
    }

    #[test]
    fn weighing_bytes_alone_piles_small_files_on_one_partition() {
        let groups = balance(tasks(), 2, 0);
        let small: Vec<usize> = groups.iter().map(|g| small_files(g)).collect();
        assert!(small.contains(&10), "{small:?}");
    }

    #[test]
    fn every_task_lands_in_exactly_one_partition() {
        let groups = balance(tasks(), 3, DEFAULT_OPEN_FILE_COST);
        let mut paths: Vec<String> = groups
            .iter()
            .flatten()
            .map(|t| t.data_file_path.clone())
            .collect();
        paths.sort();
        let mut expected: Vec<String> = tasks().into_iter().map(|t| t.data_file_path).collect();
        expected.sort();
        assert_eq!(paths, expected);
        assert!(groups.iter().all(|g| !g.is_empty()));
        assert_eq!(balance(vec![], 0, 0), vec![Vec::<FileScanTask>::new()]);
    }

    #[test]
    fn the_open_cost_is_read_from_the_table_property() {
        let metadata = |props: Vec<(String, String)>| {
            let schema = task("x", 1).schema.as_ref().clone();
            iceberg::spec::TableMetadataBuilder::new(
                schema,
                iceberg::spec::PartitionSpec::unpartition_spec(),
                iceberg::spec::SortOrder::unsorted_order(),
                "/tmp/t".to_string(),
                iceberg::spec::FormatVersion::V2,
                props.into_iter().collect(),
            )
            .expect("builder")
            .build()
            .expect("metadata")
            .metadata
        };
        assert_eq!(open_file_cost(&metadata(vec![])), DEFAULT_OPEN_FILE_COST);
        let set = metadata(vec![(
            OPEN_FILE_COST_PROPERTY.to_string(),
            "1024".to_string(),
        )]);
        assert_eq!(open_file_cost(&set), 1024);
        let bad = metadata(vec![(
            OPEN_FILE_COST_PROPERTY.to_string(),
            "lots".to_string(),
        )]);
        assert_eq!(open_file_cost(&bad), DEFAULT_OPEN_FILE_COST);
    }
}
