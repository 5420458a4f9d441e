//! `create`: a new table from a schema file or a sample data file, with partitioning, sort
//! order and properties.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use iceberg::spec::Schema;
use serde::Serialize;

use crate::error::{kind_of, ErrorKind, FloeError};
use crate::input::{self, FormatChoice};
use crate::ops::describe::{describe_table, TableDescription};
use crate::table::TableDefinition;
use crate::table::{Session, TableRef};
use crate::tabledef::{expr, schema_file};

/// Where the schema comes from.
#[derive(Debug, Clone)]
pub enum SchemaSource {
    /// A YAML/JSON schema file.
    File(PathBuf),
    /// Inferred from a data file (Parquet, CSV with header, NDJSON).
    Like(String),
}

#[derive(Debug, Clone)]
pub struct CreateOptions {
    pub table: TableRef,
    pub schema: SchemaSource,
    pub partition_by: Vec<String>,
    pub sort_by: Vec<String>,
    pub properties: Vec<(String, String)>,
    pub if_not_exists: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreateReport {
    /// False when the table existed and `--if-not-exists` accepted it.
    pub created: bool,
    #[serde(flatten)]
    pub table: TableDescription,
}

async fn resolve_schema(source: &SchemaSource, session: &Session) -> Result<Schema> {
    match source {
        SchemaSource::File(path) => schema_file::load(path),
        SchemaSource::Like(location) => {
            let files = input::expand(
                std::slice::from_ref(location),
                FormatChoice::Auto,
                session.stores(),
            )
            .await?;
            let first = files.first().expect("expand returns at least one file");
            input::infer::infer_schema(first, session.stores()).await
        }
    }
}

/// The Iceberg format versions floe reads and writes, by their number.
pub(crate) fn parse_format_version(text: &str) -> Option<iceberg::spec::FormatVersion> {
    match text.trim() {
        "1" => Some(iceberg::spec::FormatVersion::V1),
        "2" => Some(iceberg::spec::FormatVersion::V2),
        "3" => Some(iceberg::spec::FormatVersion::V3),
        _ => None,
    }
}

pub async fn create(session: &Session, options: CreateOptions) -> Result<CreateReport> {
    let target = session.target(&options.table).await?;
    // Validate everything before touching storage.
    let schema = Arc::new(resolve_schema(&options.schema, session).await?);
    let spec = expr::partition_spec(&schema, &options.partition_by)?;
    let sort = expr::sort_order(&schema, &options.sort_by)?;
    let mut properties: HashMap<String, String> = HashMap::new();
    for (k, v) in &options.properties {
        properties.insert(k.clone(), v.clone());
    }
    let format_version = match properties.remove("format-version") {
        None => iceberg::spec::FormatVersion::V2,
        Some(v) => parse_format_version(&v).ok_or_else(|| {
            FloeError::usage(format!(
                "format-version {v} is not supported for new tables (use 1, 2 or 3)"
            ))
        })?,
    };
    let definition = TableDefinition {
        schema: Arc::unwrap_or_clone(schema),
        partition_spec: spec,
        sort_order: sort,
        properties,
        format_version,
    };
    match target.create(definition).await {
        Ok(table) => Ok(CreateReport {
            created: true,
            table: describe_for(&table, &target.display),
        }),
        Err(err) if options.if_not_exists && kind_of(&err) == ErrorKind::AlreadyExists => {
            let table = target.load().await?;
            Ok(CreateReport {
                created: false,
                table: describe_for(&table, &target.display),
            })
        }
        Err(err) => Err(err),
    }
}

fn describe_for(table: &iceberg::table::Table, display: &str) -> TableDescription {
    let mut description = describe_table(table);
    description.table = display.to_string();
    description
}
