//! `ingest`: files (paths, globs, `s3://`) into ONE atomic snapshot, conformed to the table
//! schema, partitioned and sized per table properties, streamed with bounded memory.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use arrow::array::RecordBatch;
use arrow::datatypes::{Field, Schema as ArrowSchema};
use futures::StreamExt;

use crate::error::FloeError;
use crate::input::conform::{all_nullable, Conformer};
use crate::input::{self, read, Format, InputFile};
pub use crate::ops::ingest_options::{
    IngestMode, IngestOptions, IngestReport, Replace, ReplacedRows, SkipLoaded, COMMIT_ID_PROPERTY,
};
use crate::ops::ingest_replace::{commit_replacing, input_check, Condition, InputCheck};
use crate::ops::schema_merge::{merge_input_schemas, InputSchema};
use crate::progress::{NoProgress, Progress};
use crate::table::commit_policy::{is_state_unknown, RetryPolicy};
use crate::table::row_change_commit::{is_stale_plan, stale_as_conflict};
use crate::table::snapshot_commit::{
    commit_snapshot, SnapshotKind, SnapshotRequest, StartingPoint,
};
use crate::table::source_ledger::{identify, BranchLoads, Ledger, LedgerSwap};
use crate::table::Session;
use crate::table::{TableDataWriter, WriteSettings};

/// Batches in flight between the reader and the writer: enough to overlap decoding with
/// encoding on two cores, few enough to keep memory flat.
const CHANNEL_BATCHES: usize = 4;

/// Plan how to read one input: the schema its decoder produces and how to conform it.
async fn plan_input(
    file: &InputFile,
    target: &Arc<ArrowSchema>,
    session: &Session,
) -> Result<(Arc<ArrowSchema>, Conformer)> {
    let stores = session.stores();
    match file.format {
        Format::Parquet => {
            let schema = Arc::new(read::file_schema(file, stores).await?);
            let conformer = Conformer::new(target.clone(), &schema, file)?;
            Ok((schema, conformer))
        }
        Format::Csv => {
            let header = read::csv_header(file, stores).await?;
            let schema = read::string_schema(&header);
            let conformer = Conformer::new(target.clone(), &schema, file)?;
            Ok((schema, conformer))
        }
        Format::Json => {
            // Names come from the start of the file; values are decoded straight into the
            // table's types.
            let head = read::file_schema(file, stores).await?;
            let fields: Vec<Field> = head
                .fields()
                .iter()
                .map(|f| {
                    let matched = target
                        .fields()
                        .iter()
                        .find(|t| t.name() == f.name())
                        .or_else(|| {
                            target
                                .fields()
                                .iter()
                                .find(|t| t.name().eq_ignore_ascii_case(f.name()))
                        });
                    match matched {
                        Some(t) => t.as_ref().clone().with_name(f.name()).with_nullable(true),
                        None => f.as_ref().clone(),
                    }
                })
                .collect();
            let schema = all_nullable(&ArrowSchema::new(fields));
            let conformer = Conformer::new(target.clone(), &schema, file)?;
            Ok((schema, conformer))
        }
    }
}

pub async fn ingest(session: &Session, options: IngestOptions) -> Result<IngestReport> {
    ingest_with_progress(session, options, Arc::new(NoProgress)).await
}

pub async fn ingest_with_progress(
    session: &Session,
    options: IngestOptions,
    progress: Arc<dyn Progress>,
) -> Result<IngestReport> {
    let started = Instant::now();
    let mut restarts = 0u32;
    loop {
        match ingest_once(session, &options, progress.clone(), started, restarts).await {
            // Another --skip-loaded run recorded sources first: list again against its ledger.
            Err(err) if options.skip_loaded && is_stale_plan(&err) => {
                let table = session.target(&options.table).await?.load().await?;
                let policy = RetryPolicy::from_properties(table.metadata().properties());
                if restarts >= policy.num_retries {
                    return Err(stale_as_conflict(err));
                }
                restarts += 1;
                tokio::time::sleep(policy.backoff(restarts)).await;
            }
            other => return other,
        }
    }
}

async fn ingest_once(
    session: &Session,
    options: &IngestOptions,
    progress: Arc<dyn Progress>,
    started: Instant,
    restarts: u32,
) -> Result<IngestReport> {
    let target = session.target(&options.table).await?;
    let table = target.load().await?;
    let start = StartingPoint::of(&table, &options.branch, options.isolation)?;
    let mut files = input::expand(&options.inputs, options.format, session.stores()).await?;
    let mut sources = None;
    if options.skip_loaded {
        if options.mode != IngestMode::Append || options.replace != Replace::ByMode {
            return Err(FloeError::usage(
                "--skip-loaded appends the sources not loaded before; it cannot be combined with --mode overwrite, --where, --overwrite-partitions or --upsert",
            )
            .into());
        }
        let ledger = Ledger::load(table.metadata().properties(), session.stores()).await?;
        let history = BranchLoads::of(table.metadata(), &options.branch);
        let locations: Vec<String> = files.iter().map(|f| f.location.clone()).collect();
        let identified = identify(session.stores(), &locations).await?;
        let (mut new_files, mut new_sources) = (vec![], vec![]);
        for (file, source) in files.into_iter().zip(identified) {
            if !ledger.loaded_on(&source, &history) {
                new_files.push(file);
                new_sources.push(source);
            }
        }
        files = new_files;
        sources = Some((ledger, new_sources, locations.len()));
    }
    if options.merge_schema && options.replace != Replace::ByMode {
        return Err(FloeError::usage(
            "--merge-schema cannot be combined with --where, --overwrite-partitions or --upsert",
        )
        .with_hint("evolve the schema first (`floe ingest --merge-schema` of an empty file, or `floe schema evolve`), then replace rows")
        .into());
    }
    let (schema, new_schema, schema_changes) = if options.merge_schema {
        merged_schema(&table, &files, session).await?
    } else {
        (table.metadata().current_schema().clone(), None, vec![])
    };
    let arrow_schema = Arc::new(iceberg::arrow::schema_to_arrow_schema(&schema)?);
    let mut condition = Condition::of(options, &table)?;

    // Plan every input before writing anything: a bad header fails fast and writes nothing.
    let mut plans = Vec::with_capacity(files.len());
    for file in &files {
        plans.push(plan_input(file, &arrow_schema, session).await?);
    }

    let commit_id = uuid::Uuid::new_v4().to_string();
    let input_bytes: u64 = files.iter().map(|f| f.size_bytes).sum();
    progress.start("ingesting", input_bytes);
    let mut writer = TableDataWriter::new(
        &table,
        schema.clone(),
        target.catalog.stores(),
        &commit_id,
        writer_tasks(&table, input_bytes)?,
    )?;
    let check = input_check(&mut condition, &arrow_schema)?;
    let written = write_all(&mut writer, &files, plans, session, progress.clone(), check).await;
    progress.finish();
    let data_files = match written {
        Ok(()) => writer.finish().await,
        Err(e) => Err(e),
    };
    let data_files = match data_files {
        Ok(files) => files,
        Err(e) => {
            writer.abort().await;
            return Err(e);
        }
    };

    let records_added: u64 = data_files.iter().map(|f| f.record_count()).sum();
    let bytes_added: u64 = data_files.iter().map(|f| f.file_size_in_bytes()).sum();
    let files_added = data_files.len();
    let mut report = IngestReport {
        table: target.display.clone(),
        mode: options.mode,
        snapshot_id: None,
        sequence_number: None,
        input_files: files.len(),
        input_bytes,
        files_added,
        records_added,
        bytes_added,
        elapsed_ms: 0,
        commit_attempts: 0,
        commit_id: commit_id.clone(),
        schema_changes,
        replaced: None,
        skip_loaded: sources.as_ref().map(|(_, new, all)| SkipLoaded {
            skipped_files: all - new.len(),
            loaded_files: new.len(),
            ledger: None,
            restarts,
        }),
    };
    if let Some(condition) = condition {
        let outcome = commit_replacing(
            &target,
            table,
            start,
            options,
            condition,
            data_files,
            writer.spec_id(),
            &commit_id,
        )
        .await?;
        if let Some(committed) = outcome.committed {
            report.snapshot_id = Some(committed.snapshot_id);
            report.sequence_number = Some(committed.sequence_number);
            report.commit_attempts = committed.attempts;
        }
        report.replaced = Some(outcome.replaced);
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        return Ok(report);
    }
    if data_files.is_empty() && options.mode == IngestMode::Append && new_schema.is_none() {
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        return Ok(report);
    }
    let ledger = match &sources {
        Some((_, new, _)) if new.is_empty() => {
            report.elapsed_ms = started.elapsed().as_millis() as u64;
            return Ok(report);
        }
        Some((ledger, new, _)) => {
            // The ledger records each source as it was identified before it was read: one
            // changed meanwhile (still being written into the folder) would be recorded by
            // its old size or ETag and loaded again, whole, by the next run.
            let next = async {
                let locations: Vec<String> = new.iter().map(|s| s.location.clone()).collect();
                let now = identify(session.stores(), &locations).await?;
                if let Some((was, _)) = new.iter().zip(&now).find(|(was, is)| was != is) {
                    return Err(FloeError::invalid(format!(
                        "{} changed while it was loaded; nothing was committed",
                        was.location
                    ))
                    .with_hint("write files into the folder whole (write elsewhere, then move them in) and run again")
                    .into());
                }
                ledger
                    .write_next(
                        target.catalog.stores(),
                        &format!(
                            "{}/metadata",
                            table.metadata().location().trim_end_matches('/')
                        ),
                        new,
                        &commit_id,
                        &options.branch,
                    )
                    .await
            }
            .await;
            let next = match next {
                Ok(next) => next,
                Err(e) => {
                    target
                        .catalog
                        .stores()
                        .delete_all(&paths_of(&data_files))
                        .await;
                    return Err(e);
                }
            };
            if let Some(skip) = report.skip_loaded.as_mut() {
                skip.ledger = Some(next.clone());
            }
            Some(LedgerSwap {
                expected: ledger.location.clone(),
                next,
            })
        }
        None => None,
    };
    let request = SnapshotRequest {
        kind: match options.mode {
            IngestMode::Append => SnapshotKind::Append,
            IngestMode::Overwrite => SnapshotKind::OverwriteAll,
        },
        added: data_files,
        spec_id: writer.spec_id(),
        schema: new_schema,
        summary: HashMap::from([(COMMIT_ID_PROPERTY.to_string(), commit_id)]),
        branch: options.branch.clone(),
        start: Some(start),
        ledger: ledger.clone(),
    };
    let committed = match commit_snapshot(&target, request).await {
        Ok(committed) => committed,
        Err(err) => {
            if let Some(swap) = &ledger {
                if !is_state_unknown(&err) {
                    target
                        .catalog
                        .stores()
                        .delete_all(std::slice::from_ref(&swap.next))
                        .await;
                }
            }
            return Err(err);
        }
    };
    report.snapshot_id = Some(committed.snapshot_id);
    report.sequence_number = Some(committed.sequence_number);
    report.commit_attempts = committed.attempts;
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// `--merge-schema`: the table's schema plus the inputs' columns it lacks (union by name,
/// nested too) and the widenings typed inputs need. Returns (schema to write with, schema to
/// commit, changes).
async fn merged_schema(
    table: &iceberg::table::Table,
    files: &[InputFile],
    session: &Session,
) -> Result<(
    iceberg::spec::SchemaRef,
    Option<iceberg::spec::Schema>,
    Vec<String>,
)> {
    let mut inferred = Vec::with_capacity(files.len());
    for file in files {
        inferred.push(crate::input::infer::infer_schema(file, session.stores()).await?);
    }
    let inputs: Vec<InputSchema<'_>> = files
        .iter()
        .zip(&inferred)
        .map(|(file, schema)| InputSchema {
            location: &file.location,
            schema,
            typed: file.format == Format::Parquet,
        })
        .collect();
    match merge_input_schemas(table.metadata(), &inputs)? {
        Some((schema, changes)) => Ok((Arc::new(schema.clone()), Some(schema), changes)),
        None => Ok((table.metadata().current_schema().clone(), None, vec![])),
    }
}

/// How many writer tasks to run: one per core for partitioned tables (partitions never share
/// files across tasks); for unpartitioned ones no more than the input can fill with
/// full-size files, so small ingests still make one file.
fn writer_tasks(table: &iceberg::table::Table, input_bytes: u64) -> Result<usize> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    if !table.metadata().default_partition_spec().is_unpartitioned() {
        return Ok(cores);
    }
    let target = WriteSettings::from_table(table)?
        .target_file_size_bytes
        .max(1);
    Ok(cores.min(input_bytes.div_ceil(target) as usize).max(1))
}

/// Read every input and feed the writer. Decoding and conforming run on tasks of their own
/// (a large Parquet file is split by row groups, a text file's typed conversion is spread
/// over batches) while this task checks batches and hands them to the writer tasks. Files
/// are taken one after another, so an error names the first bad file.
async fn write_all(
    writer: &mut TableDataWriter,
    files: &[InputFile],
    plans: Vec<(Arc<ArrowSchema>, Conformer)>,
    session: &Session,
    progress: Arc<dyn Progress>,
    mut check: Option<InputCheck<'_>>,
) -> Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Decoded>>(CHANNEL_BATCHES);
    let owned = files.to_vec();
    let stores = session.stores().clone();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let reader = tokio::spawn(async move {
        for (index, (file, (read_schema, conformer))) in owned.iter().zip(plans).enumerate() {
            let streams = read::streams(file, &stores, read_schema, progress.clone(), cores).await;
            let streams = match streams {
                Ok(s) => s,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            let conversions = (cores / streams.len()).max(1);
            let conformer = Arc::new(conformer);
            let decoders: Vec<_> = streams
                .into_iter()
                .map(|stream| {
                    let feed = decode(stream, conformer.clone(), index, conversions, tx.clone());
                    tokio::spawn(feed)
                })
                .collect();
            let mut stopped = false;
            for decoder in decoders {
                stopped |= !decoder.await.unwrap_or(false);
            }
            if stopped {
                return;
            }
        }
    });
    let mut outcome = Ok(());
    while let Some(decoded) = rx.recv().await {
        let step = match decoded {
            Ok(Decoded {
                file,
                first_row,
                batch,
            }) => {
                let checked = match check.as_mut() {
                    Some(check) => check.observe(&batch, &files[file].location, first_row + 1),
                    None => Ok(()),
                };
                match checked {
                    Ok(()) => writer.write(batch).await,
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        };
        if let Err(e) = step {
            outcome = Err(e);
            break;
        }
    }
    drop(rx);
    if let Err(join) = reader.await {
        if outcome.is_ok() {
            outcome = Err(FloeError::invalid(format!("input reader failed: {join}")).into());
        }
    }
    outcome
}

/// A batch in the table's schema, with the input file it came from and its first row there
/// (0-based).
struct Decoded {
    file: usize,
    first_row: u64,
    batch: RecordBatch,
}

/// Conform one stream's batches and send them on, `conversions` at a time on their own tasks
/// (in stream order, so the first bad row is the one reported). False when it stopped early:
/// an error was sent, or the receiver is gone.
async fn decode(
    stream: futures::stream::BoxStream<'static, Result<read::RawBatch>>,
    conformer: Arc<Conformer>,
    file: usize,
    conversions: usize,
    tx: tokio::sync::mpsc::Sender<Result<Decoded>>,
) -> bool {
    let mut conformed = stream
        .map(|raw| {
            let conformer = conformer.clone();
            async move {
                let raw = raw?;
                let first_row = raw.first_row;
                let batch = tokio::spawn(async move { conformer.apply(raw) })
                    .await
                    .map_err(|e| FloeError::invalid(format!("input conversion failed: {e}")))??;
                Ok(Decoded {
                    file,
                    first_row,
                    batch,
                })
            }
        })
        .buffered(conversions);
    while let Some(decoded) = conformed.next().await {
        let failed = decoded.is_err();
        if tx.send(decoded).await.is_err() || failed {
            return false;
        }
    }
    true
}

fn paths_of(files: &[iceberg::spec::DataFile]) -> Vec<String> {
    files.iter().map(|f| f.file_path().to_string()).collect()
}
