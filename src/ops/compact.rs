//! `compact`: rewrite small, oversized, delete-laden and old-spec data files into files near
//! the target size, in the current spec, as `replace` snapshots that are safe beside concurrent
//! writers (see `table::rewrite_commit` for the validation).
//!
//! Three steps, each callable alone (tests put a concurrent commit between them): [`plan`]
//! picks file groups per partition, [`rewrite`] writes each group's new files, [`commit`]
//! commits the groups that still validate.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use futures::{StreamExt, TryStreamExt};
use iceberg::scan::FileScanTask;
use iceberg::spec::{DataFile, SortDirection, SortOrder, Struct, Transform};
use iceberg::table::Table;
use serde::Serialize;

use crate::error::FloeError;
use crate::ops::files::partition_words;
use crate::table::parallel_scan::read_tasks;
use crate::table::rewrite_commit::{commit_rewrite, RewriteRequest, RewrittenGroup};
use crate::table::scan::with_current_schema;
use crate::table::write::{TableDataWriter, WriteSettings};
use crate::table::{Session, TableRef, TableTarget};

/// Spark's default cap on one group's input (`max-file-group-size-bytes`).
const DEFAULT_MAX_GROUP_BYTES: u64 = 100 * 1024 * 1024 * 1024;
const BATCH_ROWS: usize = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Combine files up to the target size, rows in their existing order.
    Binpack,
    /// Also sort each group by the table's sort order (or --sort-by).
    Sort,
}

#[derive(Debug, Clone)]
pub struct CompactOptions {
    pub table: TableRef,
    pub strategy: Strategy,
    /// Sort expressions overriding the table's sort order (`--sort-by`).
    pub sort_by: Vec<String>,
    pub target_file_size: Option<u64>,
    pub min_file_size: Option<u64>,
    pub max_file_size: Option<u64>,
    pub max_file_group_size: Option<u64>,
    pub min_input_files: usize,
    /// A SQL predicate on partition source columns.
    pub filter: Option<String>,
    pub rewrite_all: bool,
    pub dry_run: bool,
    pub max_commits: usize,
    pub max_bytes: Option<u64>,
    pub max_runtime: Option<Duration>,
}

impl CompactOptions {
    pub fn new(table: TableRef) -> Self {
        CompactOptions {
            table,
            strategy: Strategy::Binpack,
            sort_by: vec![],
            target_file_size: None,
            min_file_size: None,
            max_file_size: None,
            max_file_group_size: None,
            min_input_files: 5,
            filter: None,
            rewrite_all: false,
            dry_run: false,
            max_commits: 1,
            max_bytes: None,
            max_runtime: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupStatus {
    Planned,
    Committed,
    Failed,
    /// Not started: a budget (--max-bytes, --max-runtime) was spent.
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    pub id: usize,
    pub partition: String,
    pub spec_id: i32,
    pub files: usize,
    pub bytes: u64,
    pub records: u64,
    pub delete_files: usize,
    pub expected_output_files: u64,
    pub reasons: Vec<String>,
    pub status: GroupStatus,
    pub output_files: usize,
    pub output_bytes: u64,
    pub failure: Option<String>,
    pub snapshot_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CompactReport {
    pub table: String,
    pub dry_run: bool,
    pub strategy: Strategy,
    pub starting_snapshot_id: Option<i64>,
    pub target_file_size_bytes: u64,
    /// Why there is nothing to do, when there is nothing to do.
    pub message: Option<String>,
    pub groups_planned: usize,
    pub groups_committed: usize,
    pub groups_failed: usize,
    pub groups_skipped: usize,
    pub files_rewritten: usize,
    pub bytes_rewritten: u64,
    pub files_written: usize,
    pub bytes_written: u64,
    pub delete_files_removed: usize,
    pub snapshot_ids: Vec<i64>,
    pub commit_attempts: u32,
    pub elapsed_ms: u64,
    pub groups: Vec<GroupReport>,
}

/// One group of files to rewrite together (all from one partition of one spec).
#[derive(Debug, Clone)]
pub struct PlannedGroup {
    pub report: GroupReport,
    pub spec_id: i32,
    pub partition: Option<Struct>,
    pub tasks: Vec<FileScanTask>,
}

/// What [`plan`] decided, and what [`rewrite`] and [`commit`] need.
pub struct CompactionPlan {
    pub target: TableTarget,
    /// The table at the starting snapshot, read with the current schema.
    pub table: Table,
    pub starting_snapshot_id: Option<i64>,
    pub starting_sequence_number: i64,
    pub settings: WriteSettings,
    pub sort: Option<SortOrder>,
    pub groups: Vec<PlannedGroup>,
    pub delete_scopes: Vec<(String, Vec<String>)>,
    pub options: CompactOptions,
    pub message: Option<String>,
    started: Instant,
}

/// A group's new files, or why it has none.
pub struct GroupResult {
    pub id: usize,
    pub outcome: std::result::Result<Vec<DataFile>, String>,
}

fn usage(message: String) -> anyhow::Error {
    FloeError::usage(message).into()
}

/// The sort order a `sort` rewrite uses, checked to be one floe can apply: every field on a
/// top-level column through a transform that keeps order (identity, year, month, day, hour,
/// truncate), since sorting by the column then also sorts by the transform.
fn sort_order_for(table: &Table, options: &CompactOptions) -> Result<Option<SortOrder>> {
    if options.strategy != Strategy::Sort {
        return Ok(None);
    }
    let metadata = table.metadata();
    let order = if options.sort_by.is_empty() {
        metadata.default_sort_order().as_ref().clone()
    } else {
        crate::tabledef::expr::sort_order(metadata.current_schema(), &options.sort_by)?
    };
    if order.fields.is_empty() {
        return Err(usage(
            "--strategy sort needs a sort order: the table has none; give --sort-by".into(),
        ));
    }
    for field in &order.fields {
        let column = metadata.current_schema().name_by_field_id(field.source_id);
        let top_level = metadata
            .current_schema()
            .as_struct()
            .fields()
            .iter()
            .any(|f| f.id == field.source_id);
        let keeps_order = matches!(
            field.transform,
            Transform::Identity
                | Transform::Year
                | Transform::Month
                | Transform::Day
                | Transform::Hour
                | Transform::Truncate(_)
        );
        if !top_level || !keeps_order {
            return Err(usage(format!(
                "cannot sort by {}({}): compaction sorts by top-level columns through identity, year, month, day, hour or truncate",
                field.transform,
                column.unwrap_or("?")
            )));
        }
    }
    Ok(Some(order))
}

/// Parse `--where` and check it names only partition source columns.
fn partition_filter(table: &Table, text: &str) -> Result<iceberg::expr::Predicate> {
    let metadata = table.metadata();
    let arrow = Arc::new(iceberg::arrow::schema_to_arrow_schema(
        metadata.current_schema(),
    )?);
    let df_schema = datafusion::common::DFSchema::try_from(arrow.as_ref().clone())?;
    let ctx = datafusion::prelude::SessionContext::new();
    let expr = ctx
        .parse_sql_expr(text, &df_schema)
        .map_err(|e| usage(format!("--where '{text}': {e}")))?;
    let sources: Vec<String> = metadata
        .partition_specs_iter()
        .flat_map(|spec| {
            spec.fields()
                .iter()
                .map(|f| f.source_id)
                .collect::<Vec<_>>()
        })
        .filter_map(|id| {
            metadata
                .current_schema()
                .name_by_field_id(id)
                .map(str::to_string)
        })
        .collect();
    for column in expr.column_refs() {
        if !sources.iter().any(|s| s == &column.name) {
            return Err(FloeError::usage(format!(
                "--where uses '{}', which is not a partition source column",
                column.name
            ))
            .with_hint(if sources.is_empty() {
                "the table is unpartitioned: compact it whole".to_string()
            } else {
                format!("--where selects partitions; use {}", sources.join(", "))
            })
            .into());
        }
    }
    iceberg_datafusion::physical_plan::convert_filters_to_predicate(&[expr]).ok_or_else(|| {
        usage(format!(
            "--where '{text}' cannot be evaluated on partitions"
        ))
    })
}

async fn plan_tasks(
    table: &Table,
    snapshot_id: i64,
    filter: Option<iceberg::expr::Predicate>,
) -> Result<Vec<FileScanTask>> {
    let mut builder = table.scan().snapshot_id(snapshot_id).select_all();
    if let Some(filter) = filter {
        builder = builder.with_filter(filter);
    }
    Ok(builder.build()?.plan_files().await?.try_collect().await?)
}

/// Pick the groups to rewrite.
pub async fn plan(session: &Session, options: CompactOptions) -> Result<CompactionPlan> {
    let started = Instant::now();
    if options.max_commits == 0 {
        return Err(usage("--max-commits must be at least 1".into()));
    }
    let target = session.target(&options.table).await?;
    let table = with_current_schema(target.load().await?)?;
    let metadata = table.metadata();
    let mut settings = WriteSettings::from_table(&table)?;
    if let Some(bytes) = options.target_file_size {
        settings = settings.with_target_file_size(bytes);
    }
    let target_size = settings.target_file_size_bytes;
    let min_size = options.min_file_size.unwrap_or(target_size * 3 / 4);
    let max_size = options.max_file_size.unwrap_or(target_size * 9 / 5);
    let max_group = options
        .max_file_group_size
        .unwrap_or(DEFAULT_MAX_GROUP_BYTES);
    let sort = sort_order_for(&table, &options)?;
    let filter = options
        .filter
        .as_deref()
        .map(|text| partition_filter(&table, text))
        .transpose()?;
    let mut plan = CompactionPlan {
        starting_snapshot_id: metadata.current_snapshot_id(),
        starting_sequence_number: metadata
            .current_snapshot()
            .map(|s| s.sequence_number())
            .unwrap_or(0),
        target: target.clone(),
        table: table.clone(),
        settings,
        sort,
        groups: vec![],
        delete_scopes: vec![],
        options: options.clone(),
        message: None,
        started,
    };
    let Some(snapshot_id) = plan.starting_snapshot_id else {
        plan.message = Some("the table has no snapshots: nothing to compact".into());
        return Ok(plan);
    };

    let all = plan_tasks(&table, snapshot_id, None).await?;
    let mut scopes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for task in &all {
        for delete in &task.deletes {
            scopes
                .entry(delete.file_path.clone())
                .or_default()
                .push(task.data_file_path.clone());
        }
    }
    plan.delete_scopes = scopes.into_iter().collect();
    let selected = match filter {
        Some(f) => plan_tasks(&table, snapshot_id, Some(f)).await?,
        None => all,
    };

    let default_spec = metadata.default_partition_spec_id();
    let specs = crate::table::live_files::data_file_specs(&table, snapshot_id).await?;
    // Candidates per (spec, partition), keyed by the partition's text for a stable order.
    let mut partitions: BTreeMap<(i32, String), (Option<Struct>, Vec<FileScanTask>, Vec<String>)> =
        BTreeMap::new();
    for task in selected {
        let spec_id = specs
            .get(&task.data_file_path)
            .copied()
            .unwrap_or(default_spec);
        let mut reasons = vec![];
        if options.rewrite_all {
            reasons.push("rewrite-all");
        }
        if task.file_size_in_bytes < min_size {
            reasons.push("small");
        }
        if task.file_size_in_bytes > max_size {
            reasons.push("large");
        }
        if !task.deletes.is_empty() {
            reasons.push("deletes");
        }
        if spec_id != default_spec {
            reasons.push("older spec");
        }
        if reasons.is_empty() {
            continue;
        }
        let spec = metadata
            .partition_spec_by_id(spec_id)
            .cloned()
            .unwrap_or_else(|| metadata.default_partition_spec().clone());
        let words = partition_words(&spec, task.partition.as_ref());
        let slot = partitions
            .entry((spec_id, words))
            .or_insert_with(|| (task.partition.clone(), vec![], vec![]));
        for r in reasons {
            if !slot.2.iter().any(|x| x == r) {
                slot.2.push(r.to_string());
            }
        }
        slot.1.push(task);
    }

    for ((spec_id, words), (partition, mut tasks, reasons)) in partitions {
        let bytes: u64 = tasks.iter().map(|t| t.file_size_in_bytes).sum();
        let forced = reasons.iter().any(|r| {
            matches!(
                r.as_str(),
                "rewrite-all" | "large" | "deletes" | "older spec"
            )
        });
        let enough_files = tasks.len() >= options.min_input_files.max(1);
        let enough_content = bytes > target_size && tasks.len() > 1;
        if !(forced || enough_files || enough_content) {
            continue;
        }
        // Bins up to the group cap, largest files first.
        tasks.sort_by_key(|t| std::cmp::Reverse(t.file_size_in_bytes));
        let mut bins: Vec<Vec<FileScanTask>> = vec![];
        let mut bin_bytes: Vec<u64> = vec![];
        for task in tasks {
            match bin_bytes
                .iter()
                .position(|b| b + task.file_size_in_bytes <= max_group)
            {
                Some(i) => {
                    bin_bytes[i] += task.file_size_in_bytes;
                    bins[i].push(task);
                }
                None => {
                    bin_bytes.push(task.file_size_in_bytes);
                    bins.push(vec![task]);
                }
            }
        }
        for tasks in bins {
            let bytes: u64 = tasks.iter().map(|t| t.file_size_in_bytes).sum();
            let mut deletes: Vec<&str> = tasks
                .iter()
                .flat_map(|t| t.deletes.iter().map(|d| d.file_path.as_str()))
                .collect();
            deletes.sort_unstable();
            deletes.dedup();
            let id = plan.groups.len() + 1;
            plan.groups.push(PlannedGroup {
                report: GroupReport {
                    id,
                    partition: words.clone(),
                    spec_id,
                    files: tasks.len(),
                    bytes,
                    records: tasks.iter().filter_map(|t| t.record_count).sum(),
                    delete_files: deletes.len(),
                    expected_output_files: bytes.div_ceil(target_size).max(1),
                    reasons: reasons.clone(),
                    status: GroupStatus::Planned,
                    output_files: 0,
                    output_bytes: 0,
                    failure: None,
                    snapshot_id: None,
                },
                spec_id,
                partition: partition.clone(),
                tasks,
            });
        }
    }
    if plan.groups.is_empty() {
        plan.message = Some(format!(
            "nothing to compact: no partition has {} or more files outside {}..{} bytes, nor files with deletes or from an older spec",
            options.min_input_files, min_size, max_size
        ));
    }
    Ok(plan)
}

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
        crate::table::struct_projection::narrow_tasks(plan.table.file_io(), tasks).await?
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

/// Rewrite the planned groups, several at once; commits along the way when `--max-commits`
/// asks for partial progress. Budgets stop new groups from starting.
pub async fn run(plan: &mut CompactionPlan) -> Result<CompactReport> {
    if plan.options.dry_run || plan.groups.is_empty() {
        return Ok(report(plan, vec![], 0));
    }
    let parallel = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(plan.groups.len());
    let bytes_started = Arc::new(AtomicU64::new(0));
    let commit_id = uuid::Uuid::new_v4().to_string();
    let prefix = format!("compact-{commit_id}");
    let per_commit = plan.groups.len().div_ceil(plan.options.max_commits);
    let mut pending: Vec<GroupResult> = vec![];
    let mut snapshots = vec![];
    let mut attempts = 0;
    let plan_ref: &CompactionPlan = plan;
    let mut results = futures::stream::iter(plan_ref.groups.iter())
        .map(|group| {
            let bytes_started = bytes_started.clone();
            let prefix = prefix.clone();
            async move {
                let over_bytes = plan_ref
                    .options
                    .max_bytes
                    .is_some_and(|max| bytes_started.load(Ordering::SeqCst) >= max);
                let over_time = plan_ref
                    .options
                    .max_runtime
                    .is_some_and(|max| plan_ref.started.elapsed() >= max);
                if over_bytes || over_time {
                    return None;
                }
                bytes_started.fetch_add(group.report.bytes, Ordering::SeqCst);
                let outcome = rewrite_group(plan_ref, group, &prefix)
                    .await
                    .map_err(|e| format!("{e:#}"));
                Some(GroupResult {
                    id: group.report.id,
                    outcome,
                })
            }
        })
        .buffer_unordered(parallel);
    let mut finished: Vec<(usize, Option<String>, Vec<DataFile>)> = vec![];
    let mut commits: Vec<(Vec<usize>, Vec<(usize, String)>, Option<i64>)> = vec![];
    let mut removed_deletes = 0;
    let mut rewritten = std::collections::HashSet::new();
    while let Some(result) = results.next().await {
        if let Some(result) = result {
            pending.push(result);
        }
        if pending.len() >= per_commit && plan_ref.options.max_commits > 1 {
            let batch = std::mem::take(&mut pending);
            let landed = commit(plan_ref, &batch, &rewritten).await?;
            note_rewritten(plan_ref, &landed.committed, &mut rewritten);
            attempts += landed.attempts;
            removed_deletes += landed.removed_delete_files;
            snapshots.extend(landed.snapshot_id);
            commits.push((landed.committed, landed.failed, landed.snapshot_id));
            finished.extend(batch.into_iter().map(|r| match r.outcome {
                Ok(files) => (r.id, None, files),
                Err(e) => (r.id, Some(e), vec![]),
            }));
        }
    }
    drop(results);
    if !pending.is_empty() {
        let landed = commit(plan_ref, &pending, &rewritten).await?;
        attempts += landed.attempts;
        removed_deletes += landed.removed_delete_files;
        snapshots.extend(landed.snapshot_id);
        commits.push((landed.committed, landed.failed, landed.snapshot_id));
        finished.extend(pending.into_iter().map(|r| match r.outcome {
            Ok(files) => (r.id, None, files),
            Err(e) => (r.id, Some(e), vec![]),
        }));
    }
    // Fold outcomes into the group reports.
    let by_id: HashMap<usize, usize> = plan
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.report.id, i))
        .collect();
    for group in plan.groups.iter_mut() {
        group.report.status = GroupStatus::Skipped;
    }
    for (id, error, files) in finished {
        let group = &mut plan.groups[by_id[&id]].report;
        group.status = GroupStatus::Failed;
        group.failure = error;
        group.output_files = files.len();
        group.output_bytes = files.iter().map(|f| f.file_size_in_bytes()).sum();
    }
    for (committed, failed, snapshot_id) in commits {
        for id in committed {
            let group = &mut plan.groups[by_id[&id]].report;
            group.status = GroupStatus::Committed;
            group.snapshot_id = snapshot_id;
        }
        for (id, why) in failed {
            let group = &mut plan.groups[by_id[&id]].report;
            group.status = GroupStatus::Failed;
            group.failure.get_or_insert(why);
            group.output_files = 0;
            group.output_bytes = 0;
        }
    }
    let mut out = report(plan, snapshots, attempts);
    out.delete_files_removed = removed_deletes;
    Ok(out)
}

fn note_rewritten(
    plan: &CompactionPlan,
    committed: &[usize],
    rewritten: &mut std::collections::HashSet<String>,
) {
    for group in plan
        .groups
        .iter()
        .filter(|g| committed.contains(&g.report.id))
    {
        rewritten.extend(group.tasks.iter().map(|t| t.data_file_path.clone()));
    }
}

/// Commit finished groups (failed rewrites are left out).
///
/// `earlier` lists data files earlier commits of this run rewrote: a delete file that applied
/// to those and to this commit's files leaves with this commit.
pub async fn commit(
    plan: &CompactionPlan,
    results: &[GroupResult],
    earlier: &std::collections::HashSet<String>,
) -> Result<crate::table::rewrite_commit::RewriteOutcome> {
    let groups: Vec<RewrittenGroup> = results
        .iter()
        .filter_map(|r| {
            let files = r.outcome.as_ref().ok()?;
            let planned = plan.groups.iter().find(|g| g.report.id == r.id)?;
            Some(RewrittenGroup {
                id: r.id,
                spec_id: planned.spec_id,
                partition: planned.partition.clone(),
                removed: planned
                    .tasks
                    .iter()
                    .map(|t| t.data_file_path.clone())
                    .collect(),
                added: files.clone(),
            })
        })
        .collect();
    let mut outcome = if groups.is_empty() {
        Default::default()
    } else {
        let request = RewriteRequest {
            starting_snapshot_id: plan.starting_snapshot_id.unwrap_or_default(),
            starting_sequence_number: plan.starting_sequence_number,
            spec_id: plan.table.metadata().default_partition_spec_id(),
            groups,
            delete_scopes: plan
                .delete_scopes
                .iter()
                .map(|(delete, applies_to)| {
                    let left = applies_to
                        .iter()
                        .filter(|p| !earlier.contains(*p))
                        .cloned()
                        .collect();
                    (delete.clone(), left)
                })
                .filter(|(_, left): &(String, Vec<String>)| !left.is_empty())
                .collect(),
            summary: HashMap::from([("floe.operation".to_string(), "compact".to_string())]),
        };
        commit_rewrite(&plan.target, &request).await?
    };
    for r in results {
        if let Err(e) = &r.outcome {
            outcome.failed.push((r.id, e.clone()));
        }
    }
    Ok(outcome)
}

fn report(plan: &CompactionPlan, snapshot_ids: Vec<i64>, attempts: u32) -> CompactReport {
    let groups: Vec<GroupReport> = plan.groups.iter().map(|g| g.report.clone()).collect();
    let count = |s: GroupStatus| groups.iter().filter(|g| g.status == s).count();
    let committed: Vec<&GroupReport> = groups
        .iter()
        .filter(|g| g.status == GroupStatus::Committed || plan.options.dry_run)
        .collect();
    CompactReport {
        table: plan.target.display.clone(),
        dry_run: plan.options.dry_run,
        strategy: plan.options.strategy,
        starting_snapshot_id: plan.starting_snapshot_id,
        target_file_size_bytes: plan.settings.target_file_size_bytes,
        message: plan.message.clone(),
        groups_planned: groups.len(),
        groups_committed: count(GroupStatus::Committed),
        groups_failed: count(GroupStatus::Failed),
        groups_skipped: count(GroupStatus::Skipped),
        files_rewritten: committed.iter().map(|g| g.files).sum(),
        bytes_rewritten: committed.iter().map(|g| g.bytes).sum(),
        files_written: committed.iter().map(|g| g.output_files).sum(),
        bytes_written: committed.iter().map(|g| g.output_bytes).sum(),
        delete_files_removed: 0,
        snapshot_ids,
        commit_attempts: attempts,
        elapsed_ms: plan.started.elapsed().as_millis() as u64,
        groups,
    }
}

/// Plan, rewrite and commit.
pub async fn compact(session: &Session, options: CompactOptions) -> Result<CompactReport> {
    let mut plan = plan(session, options).await?;
    run(&mut plan).await
}
