//! Rewriting one group: its rows read with deletes applied (sorted for `--strategy sort` or by
//! a Z-order key for `--strategy zorder`, spilling to disk past a memory limit), written at the
//! target size in the current spec.

use std::sync::Arc;

use anyhow::Result;
use datafusion::error::DataFusionError;
use futures::StreamExt;
use iceberg::scan::FileScanTask;
use iceberg::spec::{DataFile, SortDirection};

use super::model::{CompactionPlan, PlannedGroup};
use super::zorder;
use crate::table::lineage_scan::{read_with_lineage, LineageRead};
use crate::table::parallel_scan::read_whole_files;
use crate::table::row_lineage::rewrite_schema;
use crate::table::TableDataWriter;

const BATCH_ROWS: usize = 8192;

/// Every live row of a group's files (deletes applied; never the `--where` that chose them,
/// since the files leave whole).
async fn read_group(
    plan: &CompactionPlan,
    tasks: Vec<FileScanTask>,
    schema: &arrow::datatypes::SchemaRef,
) -> Result<BatchStream> {
    let fill = crate::table::struct_projection::has_grown_fields_to_fill(
        plan.table.metadata(),
        plan.table.metadata().current_schema(),
    );
    let tasks = if fill {
        crate::table::struct_projection::narrow_tasks(plan.target.catalog.stores(), tasks).await?
    } else {
        tasks
    };
    if let Some(lineage) = &plan.lineage {
        return Ok(read_with_lineage(
            LineageRead {
                table: plan.table.clone(),
                stores: plan.target.catalog.stores().clone(),
                lineage: lineage.clone(),
                schema: schema.clone(),
                batch_size: BATCH_ROWS,
            },
            tasks,
        ));
    }
    Ok(read_whole_files(
        &plan.table,
        tasks,
        BATCH_ROWS,
        fill.then(|| schema.clone()),
    ))
}

/// The rows of a group, sorted by the plan's sort order or Z-order key when it has one
/// (spilling to disk past a memory limit).
async fn group_batches(
    plan: &CompactionPlan,
    group: &PlannedGroup,
    schema: arrow::datatypes::SchemaRef,
) -> Result<BatchStream> {
    use datafusion::physical_expr::expressions::Column;
    use datafusion::physical_expr::PhysicalSortExpr;
    if !plan.zorder.is_empty() {
        let keys = zorder_keys(plan, group, &schema).await?;
        let batches = read_group(plan, group.tasks.clone(), &schema).await?;
        let add = keys.clone();
        let with_key = batches
            .map(move |batch| {
                batch.and_then(|b| {
                    add.add_key(&b)
                        .map_err(|e| DataFusionError::External(e.into()))
                })
            })
            .boxed();
        let by_key = PhysicalSortExpr {
            expr: Arc::new(Column::new(zorder::KEY_COLUMN, keys.key_index())),
            options: arrow::compute::SortOptions::default(),
        };
        let sorted = sort(with_key, keys.schema(), vec![by_key])?;
        return Ok(sorted
            .map(move |batch| {
                batch.and_then(|b| {
                    keys.drop_key(&b)
                        .map_err(|e| DataFusionError::External(e.into()))
                })
            })
            .boxed());
    }
    let batches = read_group(plan, group.tasks.clone(), &schema).await?;
    let Some(order) = &plan.sort else {
        return Ok(batches);
    };
    let iceberg_schema = plan.table.metadata().current_schema();
    let mut exprs = vec![];
    for field in &order.fields {
        let name = iceberg_schema
            .name_by_field_id(field.source_id)
            .unwrap_or_default();
        let index = schema.index_of(name)?;
        exprs.push(PhysicalSortExpr {
            expr: Arc::new(Column::new(name, index)),
            options: arrow::compute::SortOptions {
                descending: field.direction == SortDirection::Descending,
                nulls_first: field.null_order == iceberg::spec::NullOrder::First,
            },
        });
    }
    sort(batches, schema, exprs)
}

/// How to build a group's Z-order keys: each column scaled between the group's min and max,
/// from the manifest bounds the plan gathered or, where a file has none, from a first read of
/// the group.
async fn zorder_keys(
    plan: &CompactionPlan,
    group: &PlannedGroup,
    schema: &arrow::datatypes::SchemaRef,
) -> Result<zorder::KeyBuilder> {
    let indices: Vec<usize> = plan
        .zorder
        .iter()
        .map(|c| schema.index_of(&c.name))
        .collect::<std::result::Result<_, _>>()?;
    let mut extents: Vec<Option<zorder::Extent>> = group.zorder_extents.clone();
    extents.resize(plan.zorder.len(), None);
    if extents.iter().any(Option::is_none) {
        let mut seen: Vec<zorder::Extent> = vec![Default::default(); extents.len()];
        let mut batches = read_group(plan, group.tasks.clone(), schema).await?;
        while let Some(batch) = batches.next().await {
            let batch = batch?;
            for (extent, index) in seen.iter_mut().zip(&indices) {
                extent.observe(batch.column(*index).as_ref())?;
            }
        }
        for (known, seen) in extents.iter_mut().zip(seen) {
            known.get_or_insert(seen);
        }
    }
    let columns = indices
        .into_iter()
        .zip(extents)
        .map(|(index, extent)| (index, extent.unwrap_or_default().scale()))
        .collect();
    zorder::KeyBuilder::new(schema, columns)
}

/// `batches` sorted by `exprs`, through DataFusion's sort so a large group spills to disk.
fn sort(
    batches: BatchStream,
    schema: arrow::datatypes::SchemaRef,
    exprs: Vec<datafusion::physical_expr::PhysicalSortExpr>,
) -> Result<BatchStream> {
    use datafusion::physical_expr::LexOrdering;
    use datafusion::physical_plan::sorts::sort::SortExec;
    let ordering = LexOrdering::new(exprs).expect("a sort order has fields");
    let source = datafusion::physical_plan::streaming::StreamingTableExec::try_new(
        schema.clone(),
        vec![Arc::new(OneStream {
            schema,
            stream: std::sync::Mutex::new(Some(batches)),
        })],
        None,
        vec![],
        false,
        None,
    )?;
    let sort = SortExec::new(ordering, Arc::new(source));
    let runtime = datafusion::execution::runtime_env::RuntimeEnvBuilder::new()
        .with_memory_limit(SORT_MEMORY_BYTES, 1.0)
        .build_arc()?;
    let ctx = Arc::new(datafusion::execution::TaskContext::default().with_runtime(runtime));
    Ok(datafusion::physical_plan::execute_stream(
        Arc::new(sort),
        ctx,
    )?)
}

/// Memory one group's sort may hold before spilling to disk.
const SORT_MEMORY_BYTES: usize = 256 * 1024 * 1024;

type BatchStream =
    futures::stream::BoxStream<'static, datafusion::error::Result<arrow::array::RecordBatch>>;

/// A stream handed to DataFusion once, as the input of a sort.
struct OneStream {
    schema: arrow::datatypes::SchemaRef,
    stream: std::sync::Mutex<Option<BatchStream>>,
}

impl std::fmt::Debug for OneStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneStream")
    }
}

impl datafusion::physical_plan::streaming::PartitionStream for OneStream {
    fn schema(&self) -> &arrow::datatypes::SchemaRef {
        &self.schema
    }

    fn execute(
        &self,
        _ctx: Arc<datafusion::execution::TaskContext>,
    ) -> datafusion::execution::SendableRecordBatchStream {
        match self.stream.lock().expect("stream lock").take() {
            Some(stream) => Box::pin(
                datafusion::physical_plan::stream::RecordBatchStreamAdapter::new(
                    self.schema.clone(),
                    stream,
                ),
            ),
            None => Box::pin(datafusion::physical_plan::EmptyRecordBatchStream::new(
                self.schema.clone(),
            )),
        }
    }
}
/// Write one group's rows into new files (deleted again if anything fails); not committed.
pub async fn rewrite_group(
    plan: &CompactionPlan,
    group: &PlannedGroup,
    prefix: &str,
) -> Result<Vec<DataFile>> {
    let schema = rewrite_schema(plan.table.metadata())?;
    let arrow_schema = Arc::new(iceberg::arrow::schema_to_arrow_schema(&schema)?);
    let mut writer = TableDataWriter::with_settings(
        &plan.table,
        schema,
        plan.target.catalog.stores(),
        prefix,
        1,
        plan.settings.clone(),
    )?;
    let outcome: Result<()> = async {
        let mut batches = group_batches(plan, group, arrow_schema).await?;
        while let Some(batch) = batches.next().await {
            writer.write(batch?).await?;
        }
        Ok(())
    }
    .await;
    let files = match outcome {
        Ok(()) => writer.finish().await,
        Err(e) => Err(e),
    };
    match files {
        Ok(files) => Ok(files),
        Err(e) => {
            writer.abort().await;
            Err(e)
        }
    }
}
