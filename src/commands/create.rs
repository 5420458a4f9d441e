//! `floe create`: make a new table.

use std::path::PathBuf;

use anyhow::Result;

use super::context::{key_value, table_ref, Context};
use crate::commands::describe::description_blocks;
use crate::ops::create::{create, CreateOptions, CreateReport, SchemaSource};
use crate::output::{Block, Report, Tabular};

/// Create a table from a schema file or a sample data file.
///
/// Schema files are YAML or JSON: `fields:` with `name`, `type` (boolean, int, long, float,
/// double, decimal(P,S), date, time, timestamp, timestamptz, string, uuid, fixed[N], binary, or
/// a mapping `{type: struct, fields: [...]}`, `{type: list, element: T}`,
/// `{type: map, key: K, value: V}`), optional `required: true` and `doc`. Iceberg's own schema
/// JSON is accepted as is.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["schema", "like"])))]
pub struct CreateArgs {
    /// Table location (path or s3:// URI) or identifier (namespace.table).
    pub table: String,

    /// Schema file (YAML or JSON).
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,

    /// Infer the schema from a data file (Parquet, CSV with header, NDJSON).
    #[arg(long, value_name = "DATAFILE")]
    pub like: Option<String>,

    /// Partition field: identity(c) or c, bucket(N, c), truncate(W, c), year(c), month(c),
    /// day(c), hour(c). Repeat, or separate with commas, for several.
    #[arg(long = "partition-by", value_name = "EXPR")]
    pub partition_by: Vec<String>,

    /// Sort field: EXPR [asc|desc] [nulls first|last]. Repeat, or separate with commas
    /// ("ts, amount desc"), for several.
    #[arg(long = "sort-by", value_name = "EXPR")]
    pub sort_by: Vec<String>,

    /// Table property KEY=VALUE (e.g. write.target-file-size-bytes=268435456). Repeatable.
    #[arg(long = "property", value_name = "K=V")]
    pub property: Vec<String>,

    /// Iceberg format version: 1, 2 (the default) or 3 (deletion vectors, row lineage). The
    /// same as `--property format-version=N`.
    #[arg(long = "format-version", value_name = "N")]
    pub format_version: Option<String>,

    /// Succeed without change when the table already exists.
    #[arg(long)]
    pub if_not_exists: bool,
}

impl Report for CreateReport {
    fn blocks(&self) -> Vec<Block> {
        let mut blocks = vec![Block::Line(if self.created {
            format!("created {}", self.table.table)
        } else {
            format!("{} already exists; left unchanged", self.table.table)
        })];
        blocks.extend(description_blocks(&self.table));
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["table", "created", "location", "metadata_location"]);
        t.row(vec![
            self.table.table.clone(),
            self.created.to_string(),
            self.table.location.clone(),
            self.table.metadata_location.clone().unwrap_or_default(),
        ]);
        t
    }
}

pub async fn run(args: CreateArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let schema = match (args.schema, args.like) {
        (Some(path), _) => SchemaSource::File(path),
        (None, Some(like)) => SchemaSource::Like(like),
        (None, None) => unreachable!("clap requires --schema or --like"),
    };
    let mut properties: Vec<(String, String)> = args
        .property
        .iter()
        .map(|p| key_value(p))
        .collect::<Result<_>>()?;
    if let Some(version) = args.format_version {
        if let Some((_, other)) = properties.iter().find(|(k, _)| k == "format-version") {
            if *other != version {
                return Err(crate::error::FloeError::usage(format!(
                    "--format-version {version} and --property format-version={other} disagree"
                ))
                .into());
            }
        }
        properties.push(("format-version".into(), version));
    }
    let options = CreateOptions {
        table: table_ref(&args.table)?,
        schema,
        partition_by: args.partition_by,
        sort_by: args.sort_by,
        properties,
        if_not_exists: args.if_not_exists,
    };
    let report = create(&session, options).await?;
    ctx.printer.print(&report)
}
