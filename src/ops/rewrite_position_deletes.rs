//! `rewrite-position-deletes`: delete-file hygiene for merge-on-read tables. Per partition
//! (and spec), position delete files are merged into fewer files holding only the entries
//! that still remove a row, and delete files whose every entry names a data file that is gone
//! (dangling) are dropped; one `replace` snapshot, the table's rows unchanged. Equality delete
//! files that no live data file is old enough for (dangling too) are dropped; the others stay.
//! On format v3 the position deletes become deletion vectors (`position_deletes_to_vectors`).
//!
//! Two steps, each callable alone (tests put a concurrent commit between them): [`plan`]
//! reads the delete files and decides, [`execute`] writes the merged files and commits.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use anyhow::Result;
use futures::{StreamExt, TryStreamExt};
use iceberg::spec::Struct;
use iceberg::table::Table;
use serde::Serialize;

use crate::error::FloeError;
use crate::ops::files::partition_words;
pub use crate::ops::position_deletes_to_vectors::PartitionDeletesReport;
use crate::ops::position_deletes_to_vectors::{
    plan_conversion, write_conversion, VectorConversion,
};
use crate::table::delete_writer::{sibling_location, write_position_delete_entries};
use crate::table::position_delete_rewrite::{
    commit_delete_rewrite, delete_inventory, DeleteInventory, DeleteRewrite, LivePositionDeletes,
    MergedDeletes,
};
use crate::table::row_matches::{read_position_deletes, PositionsByFile};
use crate::table::scan::with_current_schema;
use crate::table::{Session, Stores, TableRef, TableTarget};

/// Iceberg's `write.delete.target-file-size-bytes` default.
const DEFAULT_DELETE_TARGET_BYTES: u64 = 64 * 1024 * 1024;
const GRANULARITY_PROPERTY: &str = "write.delete.granularity";

#[derive(Debug, Clone)]
pub struct RewritePositionDeletesOptions {
    pub table: TableRef,
    /// A SQL predicate on partition source columns (`--where`).
    pub filter: Option<String>,
    /// Fewest position delete files that make a partition worth merging.
    pub min_input_files: usize,
    pub target_file_size: Option<u64>,
    pub dry_run: bool,
}

impl RewritePositionDeletesOptions {
    pub fn new(table: TableRef) -> Self {
        RewritePositionDeletesOptions {
            table,
            filter: None,
            min_input_files: 5,
            target_file_size: None,
            dry_run: false,
        }
    }
}

/// How merged entries are laid out in files (Iceberg's `write.delete.granularity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    /// One delete file per data file (Iceberg 1.8+'s default, and what floe writes).
    File,
    /// One delete file per partition, up to the target size.
    Partition,
}

impl Granularity {
    fn of(table: &Table) -> Result<Self> {
        match table
            .metadata()
            .properties()
            .get(GRANULARITY_PROPERTY)
            .map(|v| v.trim())
        {
            None | Some("file") => Ok(Granularity::File),
            Some("partition") => Ok(Granularity::Partition),
            Some(other) => Err(FloeError::invalid(format!(
                "table property {GRANULARITY_PROPERTY}={other} is neither file nor partition"
            ))
            .into()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RewritePositionDeletesReport {
    pub table: String,
    pub dry_run: bool,
    pub starting_snapshot_id: Option<i64>,
    /// The `replace` snapshot, or null (dry run, nothing to do).
    pub snapshot_id: Option<i64>,
    /// Why there is nothing to do, when there is nothing to do.
    pub message: Option<String>,
    pub granularity: Granularity,
    pub min_input_files: usize,
    pub target_file_size_bytes: u64,
    /// The table's position delete files, entries and bytes before and after (after: as
    /// planned on a dry run, whose bytes after are null).
    pub position_delete_files_before: usize,
    pub position_delete_records_before: u64,
    pub position_delete_bytes_before: u64,
    pub position_delete_files_after: usize,
    pub position_delete_records_after: u64,
    pub position_delete_bytes_after: Option<u64>,
    pub files_rewritten: usize,
    pub files_written: usize,
    pub dangling_files_removed: usize,
    pub dangling_records_removed: u64,
    pub partitions_rewritten: usize,
    /// Equality delete files, never touched.
    pub equality_delete_files: usize,
    /// Equality delete files dropped because no live data file is old enough for them to
    /// apply to (Java's remove-dangling-deletes).
    pub dangling_equality_deletes_removed: usize,
    pub commit_attempts: u32,
    pub elapsed_ms: u64,
    pub partitions: Vec<PartitionDeletesReport>,
}

impl RewritePositionDeletesReport {
    /// The totals of `partitions`.
    fn add_up_partitions(&mut self) {
        let parts = &self.partitions;
        self.files_rewritten = parts.iter().map(|p| p.files_rewritten).sum();
        self.files_written = parts.iter().map(|p| p.files_written).sum();
        self.dangling_files_removed = parts.iter().map(|p| p.dangling_files).sum();
        self.dangling_records_removed = parts.iter().map(|p| p.dangling_records).sum();
        self.partitions_rewritten = parts.len();
    }
}

/// One new delete file to write.
#[derive(Debug, Clone)]
pub struct PlannedOutput {
    pub spec_id: i32,
    pub partition: Struct,
    /// (data file path, deleted positions ascending), by path.
    pub entries: Vec<(String, Vec<u64>)>,
    /// The highest data sequence number among the files it merges.
    pub sequence_number: i64,
}

/// What [`plan`] decided.
pub struct PositionDeletesPlan {
    pub target: TableTarget,
    pub table: Table,
    pub starting_snapshot_id: Option<i64>,
    /// Delete files leaving: merged and dangling.
    pub removed: Vec<String>,
    pub outputs: Vec<PlannedOutput>,
    /// Format v3: position deletes become deletion vectors instead of merged files.
    pub vectors: Option<VectorConversion>,
    /// Equality delete files that apply to no live data file (also in `removed`).
    pub dangling_equality: Vec<String>,
    pub report: RewritePositionDeletesReport,
    started: Instant,
}

fn usage(message: String) -> anyhow::Error {
    FloeError::usage(message).into()
}

/// Read position delete files not read yet, several at once.
async fn read_all(
    stores: &Stores,
    cache: &mut HashMap<String, PositionsByFile>,
    paths: Vec<String>,
) -> Result<()> {
    let wanted: Vec<String> = paths
        .into_iter()
        .filter(|p| !cache.contains_key(p))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let read: Vec<(String, PositionsByFile)> =
        futures::stream::iter(wanted.into_iter().map(|path| async move {
            let entries = read_position_deletes(stores, &path).await?;
            Ok::<_, anyhow::Error>((path, entries))
        }))
        .buffer_unordered(8)
        .try_collect()
        .await?;
    cache.extend(read);
    Ok(())
}

/// A live delete file's entries that still remove a row, by data file; `None` when the
/// file was not read (a file-scoped one: all or nothing).
fn kept_entries(
    inventory: &DeleteInventory,
    delete: &LivePositionDeletes,
    read: Option<&PositionsByFile>,
) -> (BTreeMap<String, Vec<u64>>, u64) {
    let mut kept = BTreeMap::new();
    let mut dropped = 0u64;
    match read {
        Some(entries) => {
            for (path, positions) in entries {
                if inventory.applies(path, delete.sequence_number) {
                    kept.insert(path.clone(), positions.clone());
                } else {
                    dropped += positions.len() as u64;
                }
            }
        }
        None => {
            let referenced = delete.file.referenced_data_file().unwrap_or_default();
            if !inventory.applies(&referenced, delete.sequence_number) {
                dropped = delete.file.record_count();
            }
        }
    }
    (kept, dropped)
}

/// A delete file as the planning of its partition sees it.
struct Input<'a> {
    delete: &'a LivePositionDeletes,
    /// Entries that still apply; empty for an unread file-scoped file that still applies.
    kept: BTreeMap<String, Vec<u64>>,
    dropped: u64,
    read: bool,
}

impl Input<'_> {
    fn dangling(&self) -> bool {
        self.kept.is_empty() && (self.read || self.dropped > 0)
    }

    fn paths(&self) -> Vec<String> {
        if self.read {
            self.kept.keys().cloned().collect()
        } else {
            self.delete
                .file
                .referenced_data_file()
                .into_iter()
                .collect()
        }
    }
}

/// Merge the entries of `inputs` into one list by data file (positions ascending, each once).
fn merge(inputs: &[&Input], only: Option<&HashSet<String>>) -> Vec<(String, Vec<u64>)> {
    let mut merged: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for input in inputs {
        for (path, positions) in &input.kept {
            if only.is_some_and(|o| !o.contains(path)) {
                continue;
            }
            merged
                .entry(path.clone())
                .or_default()
                .extend(positions.iter().copied());
        }
    }
    merged
        .into_iter()
        .map(|(path, mut positions)| {
            positions.sort_unstable();
            positions.dedup();
            (path, positions)
        })
        .collect()
}

/// What planning a partition needs of the whole table.
struct PartitionContext<'a> {
    inventory: &'a DeleteInventory,
    stores: &'a Stores,
    granularity: Granularity,
    min_files: usize,
    target_size: u64,
}

/// One partition's share of the plan.
struct PartitionPlan {
    report: PartitionDeletesReport,
    /// Its delete files that leave (merged and dangling).
    removed: Vec<String>,
    outputs: Vec<PlannedOutput>,
}

/// Decide one partition: dangling files are dropped; with `min_files` files or more, or a
/// file partly dangling, the live ones are merged as the granularity lays them out.
async fn plan_partition(
    context: &PartitionContext<'_>,
    cache: &mut HashMap<String, PositionsByFile>,
    spec_id: i32,
    words: String,
    partition: Struct,
    deletes: Vec<&LivePositionDeletes>,
) -> Result<PartitionPlan> {
    let inventory = context.inventory;
    let many = deletes.len() >= context.min_files;
    // Partition-scoped files are always read (only their entries tell which data files they
    // name); file-scoped ones when the partition is merged.
    let to_read: Vec<String> = deletes
        .iter()
        .filter(|d| many || d.file.referenced_data_file().is_none())
        .map(|d| d.file.file_path().to_string())
        .collect();
    read_all(context.stores, cache, to_read).await?;
    let mut inputs: Vec<Input> = deletes
        .iter()
        .map(|d| {
            let read = cache.get(d.file.file_path());
            let (kept, dropped) = kept_entries(inventory, d, read);
            Input {
                delete: d,
                kept,
                dropped,
                read: read.is_some(),
            }
        })
        .collect();
    let partly_dangling = inputs.iter().any(|i| !i.dangling() && i.dropped > 0);
    if partly_dangling && !many {
        // The partition is merged after all: every file in it is read, so what is merged is
        // merged from its entries.
        let rest: Vec<String> = inputs
            .iter()
            .filter(|i| !i.read)
            .map(|i| i.delete.file.file_path().to_string())
            .collect();
        read_all(context.stores, cache, rest).await?;
        for input in inputs.iter_mut().filter(|i| !i.read) {
            let read = cache.get(input.delete.file.file_path());
            let (kept, dropped) = kept_entries(inventory, input.delete, read);
            (input.kept, input.dropped, input.read) = (kept, dropped, read.is_some());
        }
    }
    if (many || partly_dangling) && inputs.iter().any(|i| !i.read) {
        anyhow::bail!("a position delete file of partition {words} was not read before merging");
    }

    let mut report = PartitionDeletesReport {
        partition: words,
        spec_id,
        delete_files: deletes.len(),
        delete_records: deletes.iter().map(|d| d.file.record_count()).sum(),
        files_rewritten: 0,
        files_written: 0,
        records_written: 0,
        dangling_files: 0,
        dangling_records: 0,
    };
    let mut removed: Vec<String> = vec![];
    for input in inputs.iter().filter(|i| i.dangling()) {
        report.dangling_files += 1;
        report.dangling_records += input.dropped;
        removed.push(input.delete.file.file_path().to_string());
    }
    let live: Vec<&Input> = inputs.iter().filter(|i| !i.dangling()).collect();
    let (merged, outputs) = match context.granularity {
        _ if !(many || partly_dangling) => (vec![], vec![]),
        Granularity::File => per_data_file(&live, spec_id, &partition),
        Granularity::Partition if live.len() > 1 || partly_dangling => {
            per_partition(&live, spec_id, &partition, context.target_size)
        }
        Granularity::Partition => (vec![], vec![]),
    };
    for input in &merged {
        report.dangling_records += input.dropped;
        removed.push(input.delete.file.file_path().to_string());
    }
    report.files_rewritten = merged.len();
    report.files_written = outputs.len();
    report.records_written = outputs
        .iter()
        .flat_map(|o| o.entries.iter().map(|(_, p)| p.len() as u64))
        .sum();
    Ok(PartitionPlan {
        report,
        removed,
        outputs,
    })
}

/// File granularity: a data file gets one merged file when more than one live delete file
/// names it, or a partition-scoped one does (split to file scope). Each keeps the highest
/// data sequence number of the files it merges. Returns the files merged and the outputs.
fn per_data_file<'a>(
    live: &[&'a Input<'a>],
    spec_id: i32,
    partition: &Struct,
) -> (Vec<&'a Input<'a>>, Vec<PlannedOutput>) {
    let mut sources: HashMap<String, usize> = HashMap::new();
    for input in live {
        for path in input.paths() {
            *sources.entry(path).or_default() += 1;
        }
    }
    let needs: HashSet<String> = live
        .iter()
        .flat_map(|i| {
            let scoped = i.delete.file.referenced_data_file().is_some();
            let sources = &sources;
            i.paths()
                .into_iter()
                .filter(move |p| !scoped || sources[p] > 1)
        })
        .collect();
    let merged: Vec<&Input> = live
        .iter()
        .copied()
        .filter(|i| i.paths().iter().any(|p| needs.contains(p)))
        .collect();
    let outputs = merge(&merged, Some(&needs))
        .into_iter()
        .map(|(path, positions)| {
            let sequence_number = merged
                .iter()
                .filter(|i| i.kept.contains_key(&path))
                .map(|i| i.delete.sequence_number)
                .max()
                .unwrap_or(0);
            PlannedOutput {
                spec_id,
                partition: partition.clone(),
                entries: vec![(path, positions)],
                sequence_number,
            }
        })
        .collect();
    (merged, outputs)
}

/// Partition granularity: every live file merged, cut into files near `target_size` (by the
/// bytes per entry the merged files hold), each at their highest data sequence number.
fn per_partition<'a>(
    live: &[&'a Input<'a>],
    spec_id: i32,
    partition: &Struct,
    target_size: u64,
) -> (Vec<&'a Input<'a>>, Vec<PlannedOutput>) {
    let merged: Vec<&Input> = live.to_vec();
    let sequence_number = merged
        .iter()
        .map(|i| i.delete.sequence_number)
        .max()
        .unwrap_or(0);
    let (bytes, records) = merged.iter().fold((0u64, 0u64), |(b, r), i| {
        (
            b + i.delete.file.file_size_in_bytes(),
            r + i.delete.file.record_count(),
        )
    });
    let per_entry = bytes as f64 / records.max(1) as f64;
    let output = |entries| PlannedOutput {
        spec_id,
        partition: partition.clone(),
        entries,
        sequence_number,
    };
    let mut outputs = vec![];
    let mut chunk: Vec<(String, Vec<u64>)> = vec![];
    let mut chunk_bytes = 0f64;
    for (path, positions) in merge(&merged, None) {
        chunk_bytes += positions.len() as f64 * per_entry;
        chunk.push((path, positions));
        if chunk_bytes >= target_size as f64 {
            outputs.push(output(std::mem::take(&mut chunk)));
            chunk_bytes = 0.0;
        }
    }
    if !chunk.is_empty() {
        outputs.push(output(chunk));
    }
    (merged, outputs)
}

/// Pick what to rewrite.
pub async fn plan(
    session: &Session,
    options: RewritePositionDeletesOptions,
) -> Result<PositionDeletesPlan> {
    let started = Instant::now();
    let target = session.target(&options.table).await?;
    let table = with_current_schema(target.load().await?)?;
    let metadata = table.metadata();
    let granularity = Granularity::of(&table)?;
    let target_size = match options.target_file_size {
        Some(size) => size,
        None => match metadata
            .properties()
            .get("write.delete.target-file-size-bytes")
        {
            Some(v) => crate::units::parse_size(v).map_err(|_| {
                FloeError::invalid(format!(
                    "table property write.delete.target-file-size-bytes={v} is not a size"
                ))
            })?,
            None => DEFAULT_DELETE_TARGET_BYTES,
        },
    }
    .max(1);
    let filter = options
        .filter
        .as_deref()
        .map(|text| crate::ops::compact::partition_filter(&table, text))
        .transpose()?;
    let report = RewritePositionDeletesReport {
        table: target.display.clone(),
        dry_run: options.dry_run,
        starting_snapshot_id: metadata.current_snapshot_id(),
        snapshot_id: None,
        message: None,
        granularity,
        min_input_files: options.min_input_files,
        target_file_size_bytes: target_size,
        position_delete_files_before: 0,
        position_delete_records_before: 0,
        position_delete_bytes_before: 0,
        position_delete_files_after: 0,
        position_delete_records_after: 0,
        position_delete_bytes_after: Some(0),
        files_rewritten: 0,
        files_written: 0,
        dangling_files_removed: 0,
        dangling_records_removed: 0,
        partitions_rewritten: 0,
        equality_delete_files: 0,
        dangling_equality_deletes_removed: 0,
        commit_attempts: 0,
        elapsed_ms: 0,
        partitions: vec![],
    };
    let mut plan = PositionDeletesPlan {
        target: target.clone(),
        table: table.clone(),
        starting_snapshot_id: metadata.current_snapshot_id(),
        removed: vec![],
        outputs: vec![],
        vectors: None,
        dangling_equality: vec![],
        report,
        started,
    };
    let Some(snapshot_id) = plan.starting_snapshot_id else {
        plan.report.message = Some("the table has no snapshots: nothing to rewrite".into());
        return Ok(plan);
    };
    let no_delete_files = metadata
        .current_snapshot()
        .and_then(|s| s.summary().additional_properties.get("total-delete-files"))
        .is_some_and(|total| total == "0");
    if no_delete_files {
        // The snapshot's own count says so: no manifest needs reading (maintain asks every
        // table, most of which never had a delete file).
        plan.report.message = Some("the table has no delete files: nothing to rewrite".into());
        return Ok(plan);
    }
    let inventory = delete_inventory(&table, snapshot_id).await?;
    let report = &mut plan.report;
    report.equality_delete_files = inventory.equality_deletes.len();
    report.position_delete_files_before = inventory.position_deletes.len();
    report.position_delete_records_before = inventory
        .position_deletes
        .iter()
        .map(|d| d.file.record_count())
        .sum();
    report.position_delete_bytes_before = inventory
        .position_deletes
        .iter()
        .map(|d| d.file.file_size_in_bytes())
        .sum();

    // Partitions --where selects: those of the live data files it selects (a partition left
    // with no data file cannot be matched, and is left alone).
    let selected: Option<HashSet<(i32, Struct)>> = match filter {
        None => None,
        Some(filter) => {
            let tasks: Vec<iceberg::scan::FileScanTask> = table
                .scan()
                .snapshot_id(snapshot_id)
                .with_filter(filter)
                .build()?
                .plan_files()
                .await?
                .try_collect()
                .await?;
            Some(
                tasks
                    .iter()
                    .filter_map(|t| inventory.data_files.get(&t.data_file_path))
                    .map(|live| (live.spec_id, live.partition.clone()))
                    .collect(),
            )
        }
    };
    // Equality delete files that apply to no live data file any more leave too.
    let dangling_equality: Vec<String> = inventory
        .dangling_equality_deletes(metadata, |d| {
            selected
                .as_ref()
                .is_none_or(|s| s.contains(&(d.spec_id, d.file.partition().clone())))
        })
        .into_iter()
        .map(|d| d.file.file_path().to_string())
        .collect();
    report.dangling_equality_deletes_removed = dangling_equality.len();
    plan.dangling_equality = dangling_equality;
    if metadata.format_version() >= iceberg::spec::FormatVersion::V3 {
        let conversion = plan_conversion(
            &table,
            target.catalog.stores(),
            &inventory,
            selected.as_ref(),
        )
        .await?;
        plan.removed = conversion.removed_files.clone();
        let report = &mut plan.report;
        report.partitions = conversion.partitions.clone();
        report.add_up_partitions();
        let parts = &report.partitions;
        plan.removed.extend(plan.dangling_equality.iter().cloned());
        let leaving = conversion.removed_files.len() + conversion.removed_vectors.len();
        report.position_delete_files_after =
            inventory.position_deletes.len() - leaving + conversion.vectors.len();
        report.position_delete_records_after = report.position_delete_records_before
            - parts.iter().map(|p| p.delete_records).sum::<u64>()
            + parts.iter().map(|p| p.records_written).sum::<u64>();
        report.position_delete_bytes_after = None;
        if conversion.is_empty() && plan.dangling_equality.is_empty() {
            report.message = Some(
                "nothing to rewrite: every position delete is a deletion vector of a live data file"
                    .into(),
            );
            report.position_delete_bytes_after = Some(report.position_delete_bytes_before);
        }
        plan.vectors = Some(conversion);
        return Ok(plan);
    }
    let mut groups: BTreeMap<(i32, String), (Struct, Vec<&LivePositionDeletes>)> = BTreeMap::new();
    for delete in &inventory.position_deletes {
        let partition = delete.file.partition().clone();
        if selected
            .as_ref()
            .is_some_and(|s| !s.contains(&(delete.spec_id, partition.clone())))
        {
            continue;
        }
        let Some(spec) = metadata.partition_spec_by_id(delete.spec_id) else {
            continue;
        };
        let words = partition_words(spec, Some(&partition));
        groups
            .entry((delete.spec_id, words))
            .or_insert_with(|| (partition, vec![]))
            .1
            .push(delete);
    }

    let context = PartitionContext {
        inventory: &inventory,
        stores: target.catalog.stores(),
        granularity,
        min_files: options.min_input_files.max(1),
        target_size,
    };
    let min_files = context.min_files;
    let mut cache: HashMap<String, PositionsByFile> = HashMap::new();
    for ((spec_id, words), (partition, deletes)) in groups {
        let part = plan_partition(&context, &mut cache, spec_id, words, partition, deletes).await?;
        if part.removed.is_empty() {
            continue;
        }
        plan.removed.extend(part.removed);
        plan.outputs.extend(part.outputs);
        report.partitions.push(part.report);
    }

    report.add_up_partitions();
    let positions_change = !plan.removed.is_empty();
    plan.removed.extend(plan.dangling_equality.iter().cloned());
    let parts = &report.partitions;
    let removed: HashSet<&str> = plan.removed.iter().map(String::as_str).collect();
    let staying = inventory
        .position_deletes
        .iter()
        .filter(|d| !removed.contains(d.file.file_path()));
    let (files, records, bytes) = staying.fold((0usize, 0u64, 0u64), |(f, r, b), d| {
        (
            f + 1,
            r + d.file.record_count(),
            b + d.file.file_size_in_bytes(),
        )
    });
    report.position_delete_files_after = files + report.files_written;
    report.position_delete_records_after =
        records + parts.iter().map(|p| p.records_written).sum::<u64>();
    // Known once the files are written.
    report.position_delete_bytes_after = (!positions_change).then_some(bytes);
    if plan.removed.is_empty() {
        report.message = Some(format!(
            "nothing to rewrite: no partition has {min_files} or more position delete files, and none is dangling"
        ));
    }
    Ok(plan)
}

/// Write the merged files and commit.
pub async fn execute(mut plan: PositionDeletesPlan) -> Result<RewritePositionDeletesReport> {
    let report = &mut plan.report;
    let nothing = match &plan.vectors {
        Some(conversion) => conversion.is_empty() && plan.dangling_equality.is_empty(),
        None => plan.removed.is_empty(),
    };
    if report.dry_run || nothing {
        report.elapsed_ms = plan.started.elapsed().as_millis() as u64;
        return Ok(plan.report);
    }
    let stores = plan.target.catalog.stores();
    if let Some(conversion) = &plan.vectors {
        let (added, _) = write_conversion(&plan.table, conversion).await?;
        let rewrite = DeleteRewrite {
            starting_snapshot_id: plan.starting_snapshot_id.unwrap_or_default(),
            removed: plan.removed.clone(),
            removed_vectors: conversion.removed_vectors.clone(),
            added,
            summary: HashMap::from([(
                "floe.operation".to_string(),
                "rewrite-position-deletes".to_string(),
            )]),
        };
        return committed_report(plan, &rewrite).await;
    }
    let prefix = uuid::Uuid::new_v4();
    let table = &plan.table;
    let jobs: Vec<_> = plan
        .outputs
        .iter()
        .enumerate()
        .map(|(n, output)| {
            let first = output
                .entries
                .first()
                .map(|(p, _)| p.as_str())
                .unwrap_or("");
            let path = sibling_location(table, first, &format!("{prefix}-deletes-{n:05}.parquet"));
            async move {
                let result = write_position_delete_entries(
                    table,
                    &output.entries,
                    output.spec_id,
                    output.partition.clone(),
                    &path,
                )
                .await;
                (path, output, result)
            }
        })
        .collect();
    let results: Vec<_> = futures::stream::iter(jobs).buffered(8).collect().await;
    let mut added = vec![];
    let mut attempted = vec![];
    let mut failure = None;
    for (path, output, result) in results {
        attempted.push(path);
        match result {
            Ok(file) => added.push(MergedDeletes {
                spec_id: output.spec_id,
                file,
                sequence_number: output.sequence_number,
            }),
            Err(e) => {
                failure.get_or_insert(e);
            }
        }
    }
    if let Some(e) = failure {
        stores.delete_all(&attempted).await;
        return Err(e);
    }
    let rewrite = DeleteRewrite {
        starting_snapshot_id: plan.starting_snapshot_id.unwrap_or_default(),
        removed: plan.removed.clone(),
        removed_vectors: vec![],
        added,
        summary: HashMap::from([(
            "floe.operation".to_string(),
            "rewrite-position-deletes".to_string(),
        )]),
    };
    committed_report(plan, &rewrite).await
}

/// Commit `rewrite` and fill the report in from the new snapshot.
async fn committed_report(
    mut plan: PositionDeletesPlan,
    rewrite: &DeleteRewrite,
) -> Result<RewritePositionDeletesReport> {
    let committed = commit_delete_rewrite(&plan.target, rewrite).await?;
    let report = &mut plan.report;
    report.snapshot_id = Some(committed.snapshot_id);
    report.commit_attempts = committed.attempts;
    // Recount from the new snapshot: other writers' delete files may have landed meanwhile.
    // The commit stands whatever happens here; without a recount the plan's numbers stay.
    let recount = async {
        let fresh = plan.target.load().await?;
        delete_inventory(&fresh, committed.snapshot_id).await
    };
    let Ok(inventory) = recount.await else {
        report.position_delete_bytes_after = None;
        report.elapsed_ms = plan.started.elapsed().as_millis() as u64;
        return Ok(plan.report);
    };
    report.position_delete_files_after = inventory.position_deletes.len();
    report.position_delete_records_after = inventory
        .position_deletes
        .iter()
        .map(|d| d.file.record_count())
        .sum();
    report.position_delete_bytes_after = Some(
        inventory
            .position_deletes
            .iter()
            .map(|d| d.file.file_size_in_bytes())
            .sum(),
    );
    report.elapsed_ms = plan.started.elapsed().as_millis() as u64;
    Ok(plan.report)
}

/// Plan, write and commit.
pub async fn rewrite_position_deletes(
    session: &Session,
    options: RewritePositionDeletesOptions,
) -> Result<RewritePositionDeletesReport> {
    if options.min_input_files == 0 {
        return Err(usage("--min-input-files must be at least 1".into()));
    }
    let plan = plan(session, options).await?;
    execute(plan).await
}
