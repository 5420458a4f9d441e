//! Rewriting one group: its rows read with deletes applied (sorted for `--strategy sort`,
//! spilling to disk past a memory limit), written at the target size in the current spec.

use std::sync::Arc;

use anyhow::Result;
use futures::StreamExt;
use iceberg::scan::FileScanTask;
use iceberg::spec::{DataFile, SortDirection};

use super::{CompactionPlan, PlannedGroup};
use crate::table::parallel_scan::read_tasks;
use crate::table::write::TableDataWriter;

const BATCH_ROWS: usize = 8192;

/// The rows of a group, sorted when the plan says so (spilling to disk past a memory limit).
async fn group_batches(
    plan: &CompactionPlan,
    tasks: Vec<FileScanTask>,
    schema: arrow::datatypes::SchemaRef,
) -> Result<BatchStream> {
    let fill = crate::table::struct_projection::has_grown_nested_fields(
        plan.table.metadata(),
        plan.table.metadata().current_schema(),
    );
    let tasks = if fill {
        crate::table::struct_projection::narrow_tasks(plan.target.catalog.stores(), tasks).await?
    } else {
        tasks
    };
    let batches = read_tasks(&plan.table, tasks, BATCH_ROWS, fill.then(|| schema.clone()));
    let Some(order) = &plan.sort else {
        return Ok(batches);
    };
    use datafusion::physical_expr::expressions::Column;
    use datafusion::physical_expr::{LexOrdering, PhysicalSortExpr};
    use datafusion::physical_plan::sorts::sort::SortExec;
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
    let schema = plan.table.metadata().current_schema().clone();
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
        let mut batches = group_batches(plan, group.tasks.clone(), arrow_schema).await?;
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
