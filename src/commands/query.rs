//! `floe query`: read a table at any version, with projection, filter, order and limit.

use anyhow::Result;
use futures::StreamExt;

use super::context::{table_ref, Context};
use crate::ops::query::{
    explain, export, query, ExplainReport, ExportReport, QueryOptions, QueryResult,
};
use crate::output::rows::{print, Batches};
use crate::output::{Block, Report, Tabular};
use crate::table::scan::{parse_time, Version};
use crate::table::Session;

/// Read a table, now or at any past version.
///
/// The predicate, columns and order are SQL (DataFusion); predicates and projections are
/// pushed into the Iceberg scan, so partitions, files and row groups that cannot match are
/// skipped. Without --out, rows go to stdout: -o table shows a preview, -o json one array,
/// -o csv everything.
#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    /// Table location or identifier.
    pub table: String,

    /// Read this snapshot.
    #[arg(long, value_name = "ID", conflicts_with_all = ["as_of", "reference"])]
    pub snapshot: Option<i64>,

    /// Read the snapshot current on `main` at this time (RFC 3339 or epoch ms).
    #[arg(long = "as-of", value_name = "TIME", conflicts_with = "reference")]
    pub as_of: Option<String>,

    /// Read a branch or tag.
    #[arg(long = "ref", value_name = "NAME")]
    pub reference: Option<String>,

    /// Columns or SQL expressions, comma-separated (default: all).
    #[arg(long, value_name = "COLS")]
    pub select: Option<String>,

    /// SQL predicate, e.g. "region = 'eu' AND ts >= '2024-03-01'".
    #[arg(long = "where", value_name = "PRED")]
    pub filter: Option<String>,

    /// SQL ORDER BY list, e.g. "ts DESC".
    #[arg(long = "order-by", value_name = "EXPR")]
    pub order_by: Option<String>,

    /// At most this many rows.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,

    /// Write all rows to a file instead (.parquet, .csv or .json; local path or s3://).
    #[arg(long, value_name = "FILE")]
    pub out: Option<String>,

    /// Rows shown by -o table.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub preview: usize,

    /// Do not read: show the predicate pushed into the scan and how many files it will open.
    #[arg(long, conflicts_with = "out")]
    pub explain: bool,
}

impl Report for ExplainReport {
    fn blocks(&self) -> Vec<Block> {
        vec![
            Block::Fields(vec![
                ("table".into(), self.table.clone()),
                (
                    "snapshot".into(),
                    self.snapshot_id
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "none".into()),
                ),
                (
                    "pushed predicate".into(),
                    self.pushed_predicate
                        .clone()
                        .unwrap_or_else(|| "(none)".into()),
                ),
                (
                    "columns read".into(),
                    self.projection
                        .as_ref()
                        .map(|p| p.join(", "))
                        .unwrap_or_else(|| "all".into()),
                ),
                (
                    "data files".into(),
                    format!(
                        "{} of {} after pruning",
                        self.files_scanned, self.files_total
                    ),
                ),
            ]),
            Block::Title("Plan".into()),
            Block::Line(self.plan.trim_end().to_string()),
        ]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&[
            "table",
            "snapshot_id",
            "pushed_predicate",
            "files_total",
            "files_scanned",
        ]);
        t.row(vec![
            self.table.clone(),
            self.snapshot_id.map(|s| s.to_string()).unwrap_or_default(),
            self.pushed_predicate.clone().unwrap_or_default(),
            self.files_total.to_string(),
            self.files_scanned.to_string(),
        ]);
        t
    }
}

impl Report for ExportReport {
    fn blocks(&self) -> Vec<Block> {
        vec![Block::Line(format!(
            "wrote {} rows to {}",
            self.rows, self.file
        ))]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["file", "rows"]);
        t.row(vec![self.file.clone(), self.rows.to_string()]);
        t
    }
}

/// Print a result, or export it with `--out`.
pub async fn emit(
    result: QueryResult,
    out: Option<&str>,
    preview: usize,
    session: &Session,
    ctx: &Context,
) -> Result<()> {
    let schema = result.batches.schema();
    for (table, snapshot) in &result.sources {
        match snapshot {
            Some(id) => ctx
                .printer
                .status(&format!("reading {table} at snapshot {id}")),
            None => ctx.printer.status(&format!("{table} has no snapshots yet")),
        }
    }
    match out {
        None => {
            let batches: Batches = result
                .batches
                .map(|b| b.map_err(anyhow::Error::from))
                .boxed();
            print(batches, schema, ctx.printer.format, preview).await?;
            Ok(())
        }
        Some(file) => ctx.printer.print(&export(session, result, file).await?),
    }
}

pub async fn run(args: QueryArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let version = match (args.snapshot, &args.as_of, &args.reference) {
        (Some(id), _, _) => Version::Snapshot(id),
        (_, Some(time), _) => Version::AsOf(parse_time(time)?),
        (_, _, Some(name)) => Version::Ref(name.clone()),
        _ => Version::Current,
    };
    let options = QueryOptions {
        table: table_ref(&args.table)?,
        version,
        select: args.select,
        filter: args.filter,
        order_by: args.order_by,
        limit: args.limit,
    };
    if args.explain {
        return ctx.printer.print(&explain(&session, options).await?);
    }
    let result = query(&session, options).await?;
    emit(result, args.out.as_deref(), args.preview, &session, ctx).await
}
