//! Row-level ingests: the input replaces rows already in the table, in ONE snapshot with it.
//! `--mode overwrite --where` replaces the rows a predicate selects (every input row must
//! match it), `--overwrite-partitions` every row of the partitions the input writes, and
//! `--upsert` the rows whose key an input row carries. The input is written once; if a
//! concurrent commit makes the replacement's plan stale, only the replacement is planned again.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::Result;
use arrow::datatypes::Schema as ArrowSchema;
use iceberg::spec::{DataFile, Struct};
use iceberg::table::Table;

use super::ingest_options::{IngestMode, IngestOptions, Replace, ReplacedRows, COMMIT_ID_PROPERTY};
use super::row_deletion::{plan_deletion, write_deletion, DeletionWrites, RowChangeMode};
use crate::error::FloeError;
use crate::table::commit_policy::RetryPolicy;
use crate::table::delete_writer::write_equality_deletes;
use crate::table::key_set::{KeyMatcher, KeySet};
use crate::table::row_change_commit::{
    commit_row_change, is_stale_plan, stale_as_conflict, touched, CommittedChange, ConflictScope,
    RowChange,
};
use crate::table::row_filter::RowFilter;
use crate::table::row_matches::RowMatcher;
use crate::table::scan::with_current_schema;
use crate::table::snapshot_commit::StartingPoint;
use crate::table::TableDataWriter;
use crate::table::TableTarget;

/// What the input replaces.
pub enum Condition {
    Matching(Arc<RowFilter>),
    Partitions,
    Keys(KeySet),
}

impl Condition {
    /// The condition `options` ask for, checked against the table; `None` for plain appends
    /// and whole-table overwrites.
    pub fn of(options: &IngestOptions, table: &Table) -> Result<Option<Self>> {
        let schema = table.metadata().current_schema();
        Ok(match &options.replace {
            Replace::ByMode => None,
            Replace::Matching(text) => {
                if options.mode != IngestMode::Overwrite {
                    return Err(FloeError::usage(
                        "--where selects the rows an overwrite replaces: it needs --mode overwrite",
                    )
                    .into());
                }
                Some(Condition::Matching(Arc::new(RowFilter::parse(
                    schema, text, "--where",
                )?)))
            }
            Replace::Partitions => Some(Condition::Partitions),
            Replace::Keys(names) => {
                if options.mode == IngestMode::Overwrite {
                    return Err(FloeError::usage(
                        "--upsert replaces rows by key; it cannot be combined with --mode overwrite",
                    )
                    .into());
                }
                Some(Condition::Keys(KeySet::new(schema, names)?))
            }
        })
    }

    fn kind(&self) -> &'static str {
        match self {
            Condition::Matching(_) => "matching",
            Condition::Partitions => "partitions",
            Condition::Keys(_) => "upsert",
        }
    }
}

/// The check each input batch passes while it is written: rows of an overwrite by filter
/// must match it; an upsert's keys are collected (and must be unique).
pub enum InputCheck<'a> {
    Matching {
        evaluator: crate::table::row_filter::RowEvaluator,
        text: String,
    },
    Keys(&'a mut KeySet),
}

impl InputCheck<'_> {
    /// Check one conformed batch of `file` whose first row is number `first_row` (1-based).
    pub fn observe(
        &mut self,
        batch: &arrow::array::RecordBatch,
        file: &str,
        first_row: u64,
    ) -> Result<()> {
        match self {
            InputCheck::Keys(keys) => keys.add_batch(batch, file, first_row),
            InputCheck::Matching { evaluator, text } => {
                let matches = evaluator.matches(batch)?;
                match (0..batch.num_rows()).find(|row| !matches.value(*row)) {
                    None => Ok(()),
                    Some(row) => Err(FloeError::invalid(format!(
                        "{file}: row {} does not match --where {text}; an overwrite by filter writes only rows it replaces",
                        first_row + row as u64
                    ))
                    .with_hint("filter the input, or widen --where to cover it")
                    .into()),
                }
            }
        }
    }
}

/// The check `condition` puts on the input, if any.
pub fn input_check<'a>(
    condition: &'a mut Option<Condition>,
    schema: &ArrowSchema,
) -> Result<Option<InputCheck<'a>>> {
    Ok(match condition {
        None | Some(Condition::Partitions) => None,
        Some(Condition::Matching(filter)) => Some(InputCheck::Matching {
            evaluator: filter.evaluator(schema)?,
            text: filter.text().to_string(),
        }),
        Some(Condition::Keys(keys)) => Some(InputCheck::Keys(keys)),
    })
}

type ReplacementParts = (
    Option<Arc<dyn RowMatcher>>,
    Option<iceberg::expr::Predicate>,
    Option<Arc<RowFilter>>,
    &'static [&'static str],
);

/// What a row-level ingest committed.
pub struct Replaced {
    /// `None` when there was nothing to commit.
    pub committed: Option<CommittedChange>,
    pub replaced: ReplacedRows,
}

/// Commit `input` (already written) with the replacement `condition` asks for.
#[allow(clippy::too_many_arguments)]
pub async fn commit_replacing(
    target: &TableTarget,
    table: Table,
    start: StartingPoint,
    options: &IngestOptions,
    condition: Condition,
    input: Vec<DataFile>,
    spec_id: i32,
    commit_id: &str,
) -> Result<Replaced> {
    let stores = target.catalog.stores();
    let input_rows: u64 = input.iter().map(|f| f.record_count()).sum();
    let mut replaced = ReplacedRows {
        kind: condition.kind().to_string(),
        ..Default::default()
    };
    let mut keys: Option<Arc<KeySet>> = None;
    // The row condition, its pruning predicate, the filter (for whole-file matches by
    // metrics) and the table properties that choose the row mode.
    let (matcher, pruning, filter, mode_keys): ReplacementParts = match condition {
        Condition::Partitions => (None, None, None, &[]),
        Condition::Matching(filter) => (
            Some(filter.clone() as Arc<dyn RowMatcher>),
            filter.pruning().cloned(),
            Some(filter),
            &["write.delete.mode"],
        ),
        Condition::Keys(mut set) => {
            let pruning = set.pruning();
            let set = Arc::new(set);
            keys = Some(set.clone());
            (
                Some(Arc::new(KeyMatcher(set)) as Arc<dyn RowMatcher>),
                pruning,
                None,
                &["write.upsert.mode", "write.update.mode"],
            )
        }
    };
    let is_upsert = keys.is_some();
    let summary = HashMap::from([(COMMIT_ID_PROPERTY.to_string(), commit_id.to_string())]);
    let mut table = match with_current_schema(table) {
        Ok(table) => table,
        Err(e) => return Err(discard_input(stores, &input, e).await),
    };
    let mut start = start;
    loop {
        let mut extra: Vec<String> = vec![];
        let change = match &matcher {
            None => {
                if input.is_empty() {
                    return Ok(Replaced {
                        committed: None,
                        replaced,
                    });
                }
                let mut partitions: Vec<(i32, Option<Struct>)> = vec![];
                for file in &input {
                    let partition = (spec_id, Some(file.partition().clone()));
                    if !partitions.contains(&partition) {
                        partitions.push(partition);
                    }
                }
                RowChange {
                    branch: options.branch.clone(),
                    start: start.clone(),
                    dropped: vec![],
                    rewritten: vec![],
                    referenced: vec![],
                    added_data: input.clone(),
                    data_spec_id: spec_id,
                    added_deletes: vec![],
                    conflicts: ConflictScope::Partitions(partitions.clone()),
                    replaced_partitions: partitions,
                    summary: summary.clone(),
                    lineage_carried: false,
                }
            }
            Some(matcher) => {
                let mode = match resolve_mode(options.row_mode, &table, mode_keys) {
                    Ok(mode) => mode,
                    Err(e) => return Err(discard_input(stores, &input, e).await),
                };
                replaced.row_mode = Some(mode);
                if let Some(keys) = &keys {
                    keys.forget_found();
                }
                let plan = match plan_deletion(
                    &table,
                    stores,
                    &options.branch,
                    matcher.clone(),
                    pruning.as_ref(),
                    filter.as_deref(),
                )
                .await
                {
                    Ok(plan) => plan,
                    Err(e) => return Err(discard_input(stores, &input, e).await),
                };
                if plan.is_empty() && input.is_empty() {
                    return Ok(Replaced {
                        committed: None,
                        replaced,
                    });
                }
                replaced.rows_deleted = plan.rows_deleted();
                let prefix = format!("{commit_id}-r{}", replaced.replans);
                let writer = crate::table::row_lineage::rewrite_schema(table.metadata())
                    .map_err(anyhow::Error::from)
                    .and_then(|schema| {
                        TableDataWriter::new(&table, schema, stores, &prefix, cores())
                    });
                let mut writer = match writer {
                    Ok(writer) => writer,
                    Err(e) => return Err(discard_input(stores, &input, e).await),
                };
                let writes = match (&keys, mode) {
                    (Some(keys), RowChangeMode::MergeOnRead) => {
                        equality_deletes(&table, stores, &plan, keys, &prefix).await
                    }
                    _ => write_deletion(&table, stores, &plan, mode, &prefix, &mut writer).await,
                };
                let (writes, rewrites) = match writes {
                    Ok(writes) => match writer.finish().await {
                        Ok(files) => (writes, files),
                        Err(e) => {
                            writer.abort().await;
                            discard_deletes(stores, &writes).await;
                            stores.delete_all(&paths(&input)).await;
                            return Err(e);
                        }
                    },
                    Err(e) => {
                        writer.abort().await;
                        stores.delete_all(&paths(&input)).await;
                        return Err(e);
                    }
                };
                extra.extend(paths(&rewrites));
                extra.extend(
                    writes
                        .delete_files
                        .iter()
                        .map(|(_, f)| f.file_path().to_string()),
                );
                replaced.files_removed = writes.dropped.len();
                replaced.files_rewritten = writes.rewritten.len();
                replaced.rewrite_files_added = rewrites.len();
                replaced.delete_files_added = writes.delete_files.len();
                let mut added_data = input.clone();
                added_data.extend(rewrites);
                RowChange {
                    branch: options.branch.clone(),
                    start: start.clone(),
                    dropped: writes.dropped,
                    rewritten: writes.rewritten,
                    referenced: writes.referenced,
                    added_data,
                    data_spec_id: spec_id,
                    added_deletes: writes.delete_files,
                    conflicts: match &pruning {
                        Some(predicate) => ConflictScope::Matching(predicate.clone()),
                        None => ConflictScope::AnyData,
                    },
                    replaced_partitions: vec![],
                    summary: summary.clone(),
                    lineage_carried: writes.lineage_carried,
                }
            }
        };
        match commit_row_change(target, &change).await {
            Ok(committed) => {
                if matcher.is_none() {
                    replaced.rows_deleted = committed.replaced_rows;
                    replaced.files_removed = committed.replaced_files;
                }
                if is_upsert {
                    replaced.rows_updated = replaced.rows_deleted.min(input_rows);
                    replaced.rows_inserted = input_rows - replaced.rows_updated;
                }
                return Ok(Replaced {
                    committed: Some(committed),
                    replaced,
                });
            }
            Err(err) if is_stale_plan(&err) => {
                stores.delete_all(&extra).await;
                let policy = RetryPolicy::from_properties(table.metadata().properties());
                if replaced.replans >= policy.num_retries {
                    stores.delete_all(&paths(&input)).await;
                    return Err(stale_as_conflict(err));
                }
                replaced.replans += 1;
                tokio::time::sleep(policy.backoff(replaced.replans)).await;
                let fresh = async {
                    let table = with_current_schema(target.load().await?)?;
                    let start = StartingPoint::of(&table, &options.branch, options.isolation)?;
                    Ok::<_, anyhow::Error>((table, start))
                };
                (table, start) = match fresh.await {
                    Ok(fresh) => fresh,
                    Err(e) => return Err(discard_input(stores, &input, e).await),
                };
            }
            Err(err) => return Err(err),
        }
    }
}

/// The first of `keys` the table sets decides; else `--row-mode`'s default.
fn resolve_mode(
    chosen: Option<RowChangeMode>,
    table: &Table,
    keys: &[&str],
) -> Result<RowChangeMode> {
    let key = keys
        .iter()
        .find(|k| table.metadata().properties().contains_key(**k))
        .or(keys.first())
        .copied()
        .unwrap_or("write.delete.mode");
    RowChangeMode::resolve(chosen, table, key)
}

/// Upsert, merge-on-read: files whose every live row is replaced leave; elsewhere one
/// equality delete file per partition names the keys found there.
async fn equality_deletes(
    table: &Table,
    stores: &crate::table::Stores,
    plan: &super::row_deletion::DeletionPlan,
    keys: &KeySet,
    prefix: &str,
) -> Result<DeletionWrites> {
    let mut out = DeletionWrites::default();
    let key_ids: Vec<i32> = keys.columns().iter().map(|c| c.field_id).collect();
    // (spec, partition) → the data files with replaced rows there.
    let mut partitions: BTreeMap<(i32, String), (Struct, Vec<String>)> = BTreeMap::new();
    for (spec_id, partition, path, whole) in plan.matched_files() {
        if whole {
            out.dropped.push(touched(path, spec_id, Some(partition)));
            continue;
        }
        partitions
            .entry((spec_id, format!("{partition:?}")))
            .or_insert_with(|| (partition.clone(), vec![]))
            .1
            .push(path.to_string());
    }
    for (n, ((spec_id, _), (partition, files))) in partitions.into_iter().enumerate() {
        let columns = match keys.found_in(files.iter().map(String::as_str)) {
            Ok(columns) => columns,
            Err(e) => {
                discard_deletes(stores, &out).await;
                return Err(e);
            }
        };
        if columns.first().is_none_or(|c| c.is_empty()) {
            continue;
        }
        let path = crate::table::delete_writer::sibling_location(
            table,
            &files[0],
            &format!("{prefix}-eq-deletes-{n:05}.parquet"),
        );
        // The delete applies by (spec, partition): a concurrent rewrite that moves one of
        // these files elsewhere (compaction into a newer spec) would take the replaced rows
        // out of its reach, so the commit must see that they are still live.
        out.referenced.extend(
            files
                .iter()
                .map(|file| touched(file, spec_id, Some(&partition))),
        );
        match write_equality_deletes(table, &key_ids, columns, spec_id, partition, &path).await {
            Ok(file) => out.delete_files.push((spec_id, file)),
            Err(e) => {
                stores.delete_all(&[path]).await;
                discard_deletes(stores, &out).await;
                return Err(e);
            }
        }
    }
    Ok(out)
}

/// Delete the written input after `err` ended the ingest before its commit; returns `err`.
async fn discard_input(
    stores: &crate::table::Stores,
    input: &[DataFile],
    err: anyhow::Error,
) -> anyhow::Error {
    stores.delete_all(&paths(input)).await;
    err
}

fn paths(files: &[DataFile]) -> Vec<String> {
    files.iter().map(|f| f.file_path().to_string()).collect()
}

async fn discard_deletes(stores: &crate::table::Stores, writes: &DeletionWrites) {
    let written: Vec<String> = writes
        .delete_files
        .iter()
        .map(|(_, f)| f.file_path().to_string())
        .collect();
    stores.delete_all(&written).await;
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
