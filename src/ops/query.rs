//! `query` and `sql`: read any version of a table (or several, in SQL) through DataFusion, with
//! projections and predicates pushed into iceberg's scan. Results are a stream of batches.

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::Result;
use datafusion::catalog::{CatalogProvider, MemorySchemaProvider};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::TableReference;

use crate::error::FloeError;
use crate::table::parallel_scan::ParallelScanExec;
use crate::table::row_lineage::{LAST_UPDATED, ROW_ID};
use crate::table::scan::{provider, resolve_snapshot, Version};
use crate::table::{Session, TableRef};

#[derive(Debug, Clone)]
pub struct QueryOptions {
    pub table: TableRef,
    pub version: Version,
    /// Comma-separated column list or SQL expressions; all columns when absent.
    pub select: Option<String>,
    /// SQL predicate.
    pub filter: Option<String>,
    /// SQL ORDER BY list.
    pub order_by: Option<String>,
    pub limit: Option<usize>,
}

/// A running query.
pub struct QueryResult {
    /// The snapshots read, by table name (for the report line).
    pub sources: Vec<(String, Option<i64>)>,
    pub batches: SendableRecordBatchStream,
}

/// A DataFusion session using every core.
pub(crate) fn context() -> SessionContext {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    SessionContext::new_with_config(SessionConfig::new().with_target_partitions(cores))
}

/// DataFusion's planning and execution errors are the user's SQL mistakes: invalid input.
pub(crate) fn sql_error(e: datafusion::error::DataFusionError) -> anyhow::Error {
    FloeError::invalid(e.strip_backtrace()).into()
}

/// A query's frame, planned but not run.
/// The snapshot to scan: `None` for the current state, which reads with the current schema.
fn read_version(version: &Version, snapshot: Option<i64>) -> Option<i64> {
    match version {
        Version::Current => None,
        _ => snapshot,
    }
}

/// Whether a query names a row-lineage column: only then does its table offer them, so that
/// `SELECT *` shows the table's own columns, as in Spark.
fn mentions_lineage(texts: &[Option<&str>]) -> bool {
    texts.iter().flatten().any(|text| {
        let text = text.to_ascii_lowercase();
        text.contains(ROW_ID) || text.contains(LAST_UPDATED)
    })
}

/// Lineage columns exist on format-v3 tables only; naming them on an older table is refused
/// with that reason rather than DataFusion's "column not found".
fn lineage_for(table: &iceberg::table::Table, display: &str, mentioned: bool) -> Result<bool> {
    if mentioned && table.metadata().format_version() < iceberg::spec::FormatVersion::V3 {
        return Err(FloeError::invalid(format!(
            "{display} is a format-version {} table: {ROW_ID} and {LAST_UPDATED} exist on format-version 3 tables only",
            table.metadata().format_version() as u8
        ))
        .with_hint("upgrade it with `floe properties TABLE --set format-version=3`; rows written before then get ids from then on")
        .into());
    }
    Ok(mentioned)
}

async fn plan(
    session: &Session,
    options: &QueryOptions,
) -> Result<(datafusion::dataframe::DataFrame, Vec<(String, Option<i64>)>)> {
    let target = session.target(&options.table).await?;
    let table = target.load().await?;
    let snapshot = resolve_snapshot(&table, &target.display, &options.version)?;
    let ctx = context();
    // Registered under its own name, so messages about columns read `events.ts`.
    let name = target.ident.name().replace('"', "");
    let lineage = lineage_for(
        &table,
        &target.display,
        mentions_lineage(&[
            options.select.as_deref(),
            options.filter.as_deref(),
            options.order_by.as_deref(),
        ]),
    )?;
    ctx.register_table(
        TableReference::bare(name.clone()),
        provider(
            table,
            read_version(&options.version, snapshot),
            target.catalog.stores(),
            lineage,
        )
        .await?,
    )
    .map_err(sql_error)?;
    let mut sql = format!(
        "SELECT {} FROM \"{name}\"",
        options
            .select
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or("*")
    );
    if let Some(filter) = options.filter.as_deref().filter(|s| !s.trim().is_empty()) {
        sql.push_str(&format!(" WHERE {filter}"));
    }
    if let Some(order) = options.order_by.as_deref().filter(|s| !s.trim().is_empty()) {
        sql.push_str(&format!(" ORDER BY {order}"));
    }
    if let Some(limit) = options.limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    let frame = ctx.sql(&sql).await.map_err(sql_error)?;
    Ok((frame, vec![(target.display.clone(), snapshot)]))
}

pub async fn query(session: &Session, options: QueryOptions) -> Result<QueryResult> {
    let (frame, sources) = plan(session, &options).await?;
    let batches = frame.execute_stream().await.map_err(sql_error)?;
    Ok(QueryResult { sources, batches })
}

/// How a query reads its table: the predicate pushed into the Iceberg scan and how many data
/// files survive partition and column-statistics pruning.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExplainReport {
    pub table: String,
    pub snapshot_id: Option<i64>,
    /// The Iceberg predicate the scan got (empty when nothing could be pushed down).
    pub pushed_predicate: Option<String>,
    pub projection: Option<Vec<String>>,
    /// Data files in the snapshot.
    pub files_total: usize,
    /// Data files the scan will open after pruning.
    pub files_scanned: usize,
    /// DataFusion's physical plan.
    pub plan: String,
}

pub async fn explain(session: &Session, options: QueryOptions) -> Result<ExplainReport> {
    let (frame, sources) = plan(session, &options).await?;
    let physical = frame.create_physical_plan().await.map_err(sql_error)?;
    let plan_text = datafusion::physical_plan::displayable(physical.as_ref())
        .indent(true)
        .to_string();
    let mut pending = vec![physical];
    let mut scan_node = None;
    while let Some(node) = pending.pop() {
        if let Some(scan) = node.as_any().downcast_ref::<ParallelScanExec>() {
            scan_node = Some((
                scan.table().clone(),
                scan.snapshot_id(),
                scan.predicate().cloned(),
                Some(scan.columns().to_vec()),
                scan.file_count(),
            ));
            break;
        }
        pending.extend(node.children().into_iter().cloned());
    }
    let (table_name, snapshot_id) = sources.into_iter().next().unwrap_or_default();
    let Some((table, snapshot, predicate, projection, files_scanned)) = scan_node else {
        return Ok(ExplainReport {
            table: table_name,
            snapshot_id,
            pushed_predicate: None,
            projection: None,
            files_total: 0,
            files_scanned: 0,
            plan: plan_text,
        });
    };
    let files_total = if snapshot.is_some() || table.metadata().current_snapshot().is_some() {
        let builder = match snapshot {
            Some(id) => table.scan().snapshot_id(id),
            None => table.scan(),
        };
        let tasks: Vec<_> =
            futures::TryStreamExt::try_collect(builder.build()?.plan_files().await?).await?;
        tasks.len()
    } else {
        0
    };
    Ok(ExplainReport {
        table: table_name,
        snapshot_id,
        pushed_predicate: predicate.map(|p| p.to_string()),
        projection,
        files_total,
        files_scanned,
        plan: plan_text,
    })
}

/// One table a SQL statement names, and the version it asks for.
fn table_of(reference: &TableReference) -> Result<(TableRef, Version)> {
    let (name, version) = match reference {
        // `"db.events@123"`: a quoted name with a version suffix.
        TableReference::Bare { table } => match table.rsplit_once('@') {
            Some((name, selector)) => (name.to_string(), Version::parse_selector(selector)?),
            None => (table.to_string(), Version::Current),
        },
        TableReference::Partial { schema, table } => match table.rsplit_once('@') {
            Some((name, selector)) => (
                format!("{schema}.{name}"),
                Version::parse_selector(selector)?,
            ),
            None => (format!("{schema}.{table}"), Version::Current),
        },
        TableReference::Full {
            catalog,
            schema,
            table,
        } => match table.rsplit_once('@') {
            Some((name, selector)) => (
                format!("{catalog}.{schema}.{name}"),
                Version::parse_selector(selector)?,
            ),
            None => (format!("{catalog}.{schema}.{table}"), Version::Current),
        },
    };
    Ok((TableRef::parse(&name)?, version))
}

/// Run a SQL statement over tables of the selected catalog, named `namespace.table`; a
/// quoted name with `@<snapshot-id|RFC 3339 time|branch or tag>` reads that version.
pub async fn sql(session: &Session, text: &str) -> Result<QueryResult> {
    let ctx = context();
    let state = ctx.state();
    let dialect = state.config().options().sql_parser.dialect;
    let statement = state.sql_to_statement(text, &dialect).map_err(sql_error)?;
    let references = state
        .resolve_table_references(&statement)
        .map_err(sql_error)?;
    let mut sources = vec![];
    let mut schemas_made = HashSet::new();
    for reference in references {
        let (table_ref, version) = table_of(&reference)?;
        let target = session.target(&table_ref).await?;
        let table = target.load().await?;
        let snapshot = resolve_snapshot(&table, &target.display, &version)?;
        // DataFusion wants the schema (and catalog) of a qualified name to exist.
        let default_catalog = state.config().options().catalog.default_catalog.clone();
        let (catalog_name, schema_name) = match &reference {
            TableReference::Bare { .. } => (None, None),
            TableReference::Partial { schema, .. } => (None, Some(schema.to_string())),
            TableReference::Full {
                catalog, schema, ..
            } => (Some(catalog.to_string()), Some(schema.to_string())),
        };
        if let Some(schema_name) = schema_name {
            let catalog_name = catalog_name.unwrap_or(default_catalog);
            if schemas_made.insert((catalog_name.clone(), schema_name.clone())) {
                let catalog = match ctx.catalog(&catalog_name) {
                    Some(c) => c,
                    None => {
                        let made: Arc<dyn CatalogProvider> =
                            Arc::new(datafusion::catalog::MemoryCatalogProvider::new());
                        ctx.register_catalog(&catalog_name, made.clone());
                        made
                    }
                };
                if catalog.schema(&schema_name).is_none() {
                    catalog
                        .register_schema(&schema_name, Arc::new(MemorySchemaProvider::new()))
                        .map_err(sql_error)?;
                }
            }
        }
        // A v3 table offers its lineage columns when the statement names them anywhere.
        let lineage = mentions_lineage(&[Some(text)])
            && table.metadata().format_version() >= iceberg::spec::FormatVersion::V3;
        ctx.register_table(
            reference.clone(),
            provider(
                table,
                read_version(&version, snapshot),
                target.catalog.stores(),
                lineage,
            )
            .await?,
        )
        .map_err(sql_error)?;
        sources.push((target.display.clone(), snapshot));
    }
    // Plan the statement parsed above rather than parsing the text again (`ctx.sql`).
    let plan = ctx
        .state()
        .statement_to_plan(statement)
        .await
        .map_err(sql_error)?;
    let frame = ctx.execute_logical_plan(plan).await.map_err(sql_error)?;
    let batches = frame.execute_stream().await.map_err(sql_error)?;
    Ok(QueryResult { sources, batches })
}

/// What `--out` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportReport {
    pub file: String,
    pub rows: u64,
    /// The snapshot read from each table (null for an empty table).
    pub sources: Vec<ExportSource>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportSource {
    pub table: String,
    pub snapshot_id: Option<i64>,
}

/// Write a result to a file (local or `s3://`): Parquet, CSV or NDJSON by its name.
pub async fn export(session: &Session, result: QueryResult, file: &str) -> Result<ExportReport> {
    use futures::TryStreamExt;
    let schema = result.batches.schema();
    let batches = result.batches.map_err(anyhow::Error::from);
    let (location, rows) =
        crate::table::export::export_to(batches, schema, file, session.stores()).await?;
    Ok(ExportReport {
        file: location,
        rows,
        sources: result
            .sources
            .into_iter()
            .map(|(table, snapshot_id)| ExportSource { table, snapshot_id })
            .collect(),
    })
}
