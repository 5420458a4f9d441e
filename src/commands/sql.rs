//! `floe sql`: SQL over the catalog's tables, at any version.

use anyhow::Result;

use super::context::Context;
use crate::commands::query::emit;
use crate::ops::query::sql;

/// Run a SQL query (DataFusion) over tables of the selected catalog.
///
/// Name tables as namespace.table. To read a past version, quote the name and add
/// @<snapshot-id>, @<RFC 3339 time> or @<branch-or-tag>:
///   floe sql 'SELECT count(*) FROM "db.events@2024-05-01T00:00:00Z"'
///   floe sql 'SELECT a.id FROM db.events a JOIN "db.events@5719034431552837211" b ON a.id = b.id'
#[derive(Debug, clap::Args)]
pub struct SqlArgs {
    /// The SQL statement.
    pub query: String,

    /// Write all rows to a file instead (.parquet, .csv or .json; local path or s3://).
    #[arg(long, value_name = "FILE")]
    pub out: Option<String>,

    /// Rows shown by -o table.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub preview: usize,
}

pub async fn run(args: SqlArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let result = sql(&session, &args.query).await?;
    emit(result, args.out.as_deref(), args.preview, &session, ctx).await
}
