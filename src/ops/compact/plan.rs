//! Planning a compaction: which files of the starting snapshot to rewrite, grouped per
//! partition (and spec) into bins, and which delete files leave with them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use futures::TryStreamExt;
use iceberg::scan::FileScanTask;
use iceberg::spec::{SortOrder, Struct, Transform};
use iceberg::table::Table;

use super::model::{
    CompactOptions, CompactionPlan, GroupReport, GroupStatus, PlannedGroup, Strategy, ZorderColumn,
};
use super::zorder::{self, Extent, Raw};
use crate::error::FloeError;
use crate::ops::files::partition_words;
use crate::table::readable_tasks::unreadable_format;
use crate::table::scan::with_current_schema;
use crate::table::Session;
use crate::table::WriteSettings;

/// Spark's default cap on one group's input (`max-file-group-size-bytes`).
const DEFAULT_MAX_GROUP_BYTES: u64 = 100 * 1024 * 1024 * 1024;

/// Candidate files of one (spec, partition), with why they are candidates.
struct PartitionCandidates {
    partition: Option<Struct>,
    tasks: Vec<FileScanTask>,
    reasons: Vec<String>,
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

/// The columns a `zorder` rewrite clusters on, checked: at least two distinct top-level
/// columns of types a key can be built from.
fn zorder_columns(table: &Table, options: &CompactOptions) -> Result<Vec<ZorderColumn>> {
    if options.strategy != Strategy::Zorder {
        if !options.zorder_by.is_empty() {
            return Err(usage("--zorder-by needs --strategy zorder".into()));
        }
        return Ok(vec![]);
    }
    if !options.sort_by.is_empty() {
        return Err(usage(
            "--sort-by needs --strategy sort; --strategy zorder takes --zorder-by".into(),
        ));
    }
    let mut names: Vec<&str> = vec![];
    for item in &options.zorder_by {
        let pieces: Vec<&str> = item.split(',').map(str::trim).collect();
        if pieces.iter().any(|p| p.is_empty()) {
            return Err(usage(format!("--zorder-by '{item}': an empty column name")));
        }
        names.extend(pieces);
    }
    if names.is_empty() {
        return Err(
            FloeError::usage("--strategy zorder needs --zorder-by COLUMNS")
                .with_hint("name two or more columns: --zorder-by a,b")
                .into(),
        );
    }
    let schema = table.metadata().current_schema();
    let mut columns: Vec<ZorderColumn> = vec![];
    for name in names {
        let Some(field) = schema.as_struct().field_by_name(name) else {
            let nested = schema.field_by_name(name).is_some();
            let mut known: Vec<&str> = schema
                .as_struct()
                .fields()
                .iter()
                .map(|f| f.name.as_str())
                .collect();
            known.sort_unstable();
            return Err(if nested {
                FloeError::usage(format!(
                    "--zorder-by '{name}': a nested field; Z-order takes top-level columns"
                ))
            } else {
                FloeError::usage(format!(
                    "--zorder-by '{name}': no such column (columns: {})",
                    known.join(", ")
                ))
            }
            .into());
        };
        if !zorder::supported(&field.field_type) {
            return Err(usage(format!(
                "--zorder-by '{name}': a {} column; Z-order takes ints, longs, floats, doubles, decimals, dates, timestamps, strings, binary and booleans",
                field.field_type
            )));
        }
        if columns.iter().any(|c| c.field_id == field.id) {
            return Err(usage(format!("--zorder-by names '{name}' twice")));
        }
        columns.push(ZorderColumn {
            name: field.name.clone(),
            field_id: field.id,
        });
    }
    if columns.len() < 2 {
        return Err(FloeError::usage(format!(
            "--zorder-by needs at least two columns, got only '{}'",
            columns[0].name
        ))
        .with_hint(format!(
            "to order by one column use --strategy sort --sort-by {}",
            columns[0].name
        ))
        .into());
    }
    Ok(columns)
}

/// A group's extent on one column from its files' manifest bounds, or `None` when a file
/// holding values of the column has no bounds for it.
fn extent_from_bounds<'a>(
    files: impl Iterator<Item = Option<&'a iceberg::spec::DataFile>>,
    field_id: i32,
) -> Option<Extent> {
    let mut extent = Extent::default();
    for file in files {
        let file = file?;
        let bounds = (
            file.lower_bounds().get(&field_id),
            file.upper_bounds().get(&field_id),
        );
        match bounds {
            (Some(lower), Some(upper)) => {
                extent.include(Raw::from_datum(lower)?, Raw::from_datum(upper)?)
            }
            // Only nulls: nothing to place.
            _ if file.null_value_counts().get(&field_id) == Some(&file.record_count()) => {}
            _ => return None,
        }
    }
    Some(extent)
}

/// Parse `--where` (compaction's, or another command's selecting partitions the same way) and
/// check it names only partition source columns.
pub(crate) fn partition_filter(table: &Table, text: &str) -> Result<iceberg::expr::Predicate> {
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
                "the table is unpartitioned: leave out --where".to_string()
            } else {
                format!("--where selects partitions; use {}", sources.join(", "))
            })
            .into());
        }
    }
    let simple = crate::table::sound_predicate::simplified(&expr, &df_schema);
    crate::table::sound_predicate::inclusive(&simple, metadata.current_schema()).ok_or_else(|| {
        usage(format!(
            "--where '{text}' cannot be evaluated on partitions: use comparisons of partition source columns with literals"
        ))
    })
}

/// Hands each planned task of the snapshot to `visit` as iceberg's planner yields it, so a
/// table of a million files never has every task in one list beside the candidates taken
/// from it.
async fn visit_tasks(
    table: &Table,
    snapshot_id: i64,
    filter: Option<iceberg::expr::Predicate>,
    mut visit: impl FnMut(FileScanTask),
) -> Result<()> {
    let mut builder = table.scan().snapshot_id(snapshot_id).select_all();
    if let Some(filter) = filter {
        builder = builder.with_filter(filter);
    }
    let scan = builder.build()?;
    let mut tasks = scan.plan_files().await?;
    while let Some(task) = tasks.try_next().await? {
        visit(task);
    }
    Ok(())
}

/// Records which data files each delete file applies to.
fn note_delete_scopes(scopes: &mut BTreeMap<String, Vec<String>>, task: &FileScanTask) {
    for delete in &task.deletes {
        scopes
            .entry(delete.file_path.clone())
            .or_default()
            .push(task.data_file_path.clone());
    }
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
    let zorder = zorder_columns(&table, &options)?;
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
        zorder,
        groups: vec![],
        delete_scopes: vec![],
        lineage: None,
        options: options.clone(),
        message: None,
        started,
    };
    let Some(snapshot_id) = plan.starting_snapshot_id else {
        plan.message = Some("the table has no snapshots: nothing to compact".into());
        return Ok(plan);
    };

    if metadata.format_version() >= iceberg::spec::FormatVersion::V3 {
        plan.lineage = Some(Arc::new(
            crate::table::lineage_scan::data_file_lineage(&table, snapshot_id).await?,
        ));
    }
    let default_spec = metadata.default_partition_spec_id();
    let specs = crate::table::live_files::data_file_specs(&table, snapshot_id).await?;
    // Full entries (their bounds) only where z-order extents need them: a million files'
    // metrics would weigh gigabytes.
    let live = if plan.zorder.is_empty() {
        HashMap::new()
    } else {
        crate::table::live_files::live_data_files(&table, snapshot_id).await?
    };
    // Candidates per (spec, partition), keyed by the partition's text for a stable order.
    let mut partitions: BTreeMap<(i32, String), PartitionCandidates> = BTreeMap::new();
    // Files floe cannot read stay as they are (their deletes with them: see the scopes).
    let mut unreadable: Vec<String> = vec![];
    let mut take_candidate = |mut task: FileScanTask| {
        if let Some(why) = unreadable_format(&task) {
            unreadable.push(why);
            return;
        }
        // The filter chose the file; its rows are all rewritten (the reader drops it too).
        task.predicate = None;
        let spec_id = specs.get(&task.data_file_path).unwrap_or(default_spec);
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
            return;
        }
        let spec = metadata
            .partition_spec_by_id(spec_id)
            .cloned()
            .unwrap_or_else(|| metadata.default_partition_spec().clone());
        let words = partition_words(&spec, task.partition.as_ref());
        let slot = partitions
            .entry((spec_id, words))
            .or_insert_with(|| PartitionCandidates {
                partition: task.partition.clone(),
                tasks: vec![],
                reasons: vec![],
            });
        for r in reasons {
            if !slot.reasons.iter().any(|x| x == r) {
                slot.reasons.push(r.to_string());
            }
        }
        slot.tasks.push(task);
    };
    // Every data file a delete file applies to, in or out of the filter: a delete file can
    // only leave with the rewrite when none of its data files stays behind.
    let mut scopes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    match filter {
        None => {
            visit_tasks(&table, snapshot_id, None, |task| {
                note_delete_scopes(&mut scopes, &task);
                take_candidate(task);
            })
            .await?
        }
        Some(filter) => {
            visit_tasks(&table, snapshot_id, None, |task| {
                note_delete_scopes(&mut scopes, &task)
            })
            .await?;
            visit_tasks(&table, snapshot_id, Some(filter), &mut take_candidate).await?;
        }
    }
    plan.delete_scopes = scopes.into_iter().collect();
    drop(specs);
    // Format v3: each candidate's deletion vector, as the reader applies it.
    let dvs =
        crate::table::deletion_vectors::live_deletion_vectors(&table, Some(snapshot_id)).await?;
    if !dvs.is_empty() {
        for candidates in partitions.values_mut() {
            let tasks = std::mem::take(&mut candidates.tasks);
            candidates.tasks =
                crate::table::deletion_vectors::resolve_with(&table, &dvs, tasks).await?;
        }
    }

    for ((spec_id, words), candidates) in partitions {
        let PartitionCandidates {
            partition,
            mut tasks,
            reasons,
        } = candidates;
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
            let zorder_extents = plan
                .zorder
                .iter()
                .map(|column| {
                    let files = tasks
                        .iter()
                        .map(|t| live.get(&t.data_file_path).map(|l| &l.file));
                    extent_from_bounds(files, column.field_id)
                })
                .collect();
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
                    failure_kind: None,
                    snapshot_id: None,
                },
                spec_id,
                partition: partition.clone(),
                tasks,
                zorder_extents,
            });
        }
    }
    if plan.groups.is_empty() {
        plan.message = Some(format!(
            "nothing to compact: no partition has {} or more files outside {}..{} bytes, nor files with deletes or from an older spec",
            options.min_input_files, min_size, max_size
        ));
    }
    if let Some(first) = unreadable.first() {
        let left = format!(
            "left {} data file(s) alone that floe cannot read ({first})",
            unreadable.len()
        );
        plan.message = Some(match plan.message.take() {
            Some(message) => format!("{message}; {left}"),
            None => left,
        });
    }
    Ok(plan)
}
