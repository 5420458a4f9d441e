//! Table names (location or identifier) and floe's catalog trait with the raw commit path.

use std::sync::Arc;

use anyhow::{Context, Result};
use async_trait::async_trait;
use iceberg::table::Table;
use std::collections::HashMap;

use iceberg::spec::{FormatVersion, PartitionSpec, Schema, SortOrder};
use iceberg::{NamespaceIdent, TableCreation, TableIdent, TableRequirement, TableUpdate};

use crate::error::FloeError;
use crate::table::storage::stores::{normalize_location, Stores};

/// How the user named a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableRef {
    /// A location URI or path (anything with a `/`).
    Location(String),
    /// `namespace.table` in the selected catalog.
    Ident(TableIdent),
}

impl TableRef {
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.contains('/') || text.contains("://") || text.starts_with('.') {
            return Ok(TableRef::Location(normalize_location(text)?));
        }
        Ok(TableRef::Ident(parse_ident(text)?))
    }
}

impl std::fmt::Display for TableRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TableRef::Location(l) => f.write_str(l),
            TableRef::Ident(i) => write!(f, "{}", display_ident(i)),
        }
    }
}

/// `a.b.events` → namespace `a.b`, table `events`.
pub fn parse_ident(text: &str) -> Result<TableIdent> {
    let parts: Vec<&str> = text.split('.').collect();
    let valid = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    };
    if parts.len() < 2 || !parts.iter().all(|p| valid(p)) {
        return Err(FloeError::usage(format!(
            "'{text}' is not a table name: use namespace.table (letters, digits, '_' or '-'), or a path containing '/'"
        ))
        .into());
    }
    let (name, ns) = parts.split_last().expect("two or more parts");
    Ok(TableIdent::new(
        NamespaceIdent::from_strs(ns.iter().copied()).context("invalid namespace")?,
        name.to_string(),
    ))
}

pub fn parse_namespace(text: &str) -> Result<NamespaceIdent> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.iter().any(|p| p.is_empty() || p.contains('/')) {
        return Err(FloeError::usage(format!("'{text}' is not a namespace name")).into());
    }
    Ok(NamespaceIdent::from_strs(parts)?)
}

pub fn display_ident(ident: &TableIdent) -> String {
    format!(
        "{}.{}",
        ident.namespace().clone().inner().join("."),
        ident.name()
    )
}

/// A catalog floe can commit through: iceberg's `Catalog` (so iceberg transactions and
/// scans work on it) plus the raw commit every floe operation uses.
#[async_trait]
pub trait FloeCatalog: iceberg::Catalog {
    /// Check `requirements` against the current metadata, apply `updates`, and make the result
    /// the table's current metadata atomically. Races with other writers are retried inside
    /// while the requirements still hold; a requirement that fails is a commit conflict.
    async fn commit(
        &self,
        ident: &TableIdent,
        requirements: Vec<TableRequirement>,
        updates: Vec<TableUpdate>,
    ) -> Result<Table> {
        self.commit_from(ident, None, requirements, updates).await
    }

    /// [`FloeCatalog::commit`] of updates built from the metadata at `base_location`: when
    /// the table has moved on and an update no longer applies, that is a commit conflict
    /// (rebuild and retry), not a failure.
    async fn commit_from(
        &self,
        ident: &TableIdent,
        base_location: Option<&str>,
        requirements: Vec<TableRequirement>,
        updates: Vec<TableUpdate>,
    ) -> Result<Table>;

    /// Load with errors that name the table and hint at the fix.
    async fn open(&self, ident: &TableIdent) -> Result<Table>;

    /// The location a new table with this identifier gets; `None` when the catalog places it.
    fn default_location(&self, ident: &TableIdent) -> Result<Option<String>>;

    /// The stores behind this catalog's file IO.
    fn stores(&self) -> &Stores;

    /// Where this catalog keeps the table's files, when that is fixed by how it is named (a
    /// directory table is its directory); `None` when the metadata decides.
    fn home_location(&self, _ident: &TableIdent) -> Option<String> {
        None
    }

    /// Refuse writes and cleanup of a table that is readable here but changeable only elsewhere
    /// (named by one metadata file, or owned by another catalog).
    fn ensure_writable(&self, _ident: &TableIdent, _metadata_location: &str) -> Result<()> {
        Ok(())
    }

    /// Drop the table from the catalog. `purge` tells a catalog that cleans up on its side
    /// (REST's `purgeRequested`) to do so; floe deletes what it listed either way.
    async fn drop_purging(&self, ident: &TableIdent, purge: bool) -> Result<()> {
        let _ = purge;
        self.drop_table(ident).await?;
        Ok(())
    }
}

/// A table whose metadata names another location than the one it was found at was copied
/// (`cp -r`, `aws s3 sync`): its manifests name the original's files, its writes would land in
/// the original's folders and its cleanup would delete the original's newer files. Such a
/// table is read-only until registered anew.
pub(crate) fn ensure_home_location(
    catalog: &dyn FloeCatalog,
    ident: &TableIdent,
    display: &str,
    metadata: &iceberg::spec::TableMetadata,
) -> Result<()> {
    let Some(home) = catalog.home_location(ident) else {
        return Ok(());
    };
    let recorded = metadata.location();
    if crate::table::storage::stores::comparable_location(recorded)
        == crate::table::storage::stores::comparable_location(&home)
    {
        return Ok(());
    }
    Err(FloeError::invalid(format!(
        "table {display} is at {home} but its metadata says it lives at {recorded}: it looks copied from there, so writing or cleaning up here would touch the original's files"
    ))
    .with_hint("reads still work; to write to the copy, register it under its new location with `floe register` (a SQL catalog) after rewriting its location, or work on the original")
    .into())
}

/// The catalog and identifier that address one table.
#[derive(Clone)]
pub struct TableTarget {
    pub catalog: Arc<dyn FloeCatalog>,
    pub ident: TableIdent,
    /// How the user named it, for messages.
    pub display: String,
}

impl TableTarget {
    pub async fn load(&self) -> Result<Table> {
        self.catalog.open(&self.ident).await
    }

    /// Refuse to clean up a table whose files are not where it was found (see
    /// [`ensure_home_location`]).
    pub fn ensure_home_location(&self, table: &Table) -> Result<()> {
        if let Some(location) = table.metadata_location() {
            self.catalog.ensure_writable(&self.ident, location)?;
        }
        ensure_home_location(
            self.catalog.as_ref(),
            &self.ident,
            &self.display,
            table.metadata(),
        )
    }

    /// Drop the table from its catalog; with `purge`, also delete every file its metadata
    /// reaches (listed before the drop). Returns (files deleted, files that could not be).
    pub async fn drop(&self, table: &Table, purge: bool) -> Result<(usize, usize)> {
        if let Some(location) = table.metadata_location() {
            self.catalog.ensure_writable(&self.ident, location)?;
        }
        let files = if purge {
            crate::table::cleanup::reachable::reachable_files(
                table,
                crate::table::cleanup::reachable::Entries::All,
            )
            .await?
        } else {
            vec![]
        };
        self.catalog.drop_purging(&self.ident, purge).await?;
        if !purge {
            return Ok((0, 0));
        }
        let stores = self.catalog.stores();
        let failed = stores.delete_all(&files).await;
        stores.remove_empty_dirs(table.metadata().location());
        Ok((files.len() - failed, failed))
    }

    /// Create the table at the catalog's default location for it. An existing table is an
    /// `AlreadyExists` error.
    pub async fn create(&self, definition: TableDefinition) -> Result<Table> {
        let creation = TableCreation::builder()
            .name(self.ident.name().to_string())
            .location_opt(self.catalog.default_location(&self.ident)?)
            .schema(definition.schema)
            .partition_spec(definition.partition_spec.into_unbound())
            .sort_order(definition.sort_order)
            .properties(definition.properties)
            .format_version(definition.format_version)
            .build();
        match self
            .catalog
            .create_table(self.ident.namespace(), creation)
            .await
        {
            Ok(table) => Ok(table),
            Err(e) => {
                let err = anyhow::Error::new(e);
                if crate::error::kind_of(&err) == crate::error::ErrorKind::AlreadyExists {
                    return Err(FloeError::new(
                        crate::error::ErrorKind::AlreadyExists,
                        format!("table {} already exists", self.display),
                    )
                    .with_hint("use --if-not-exists to accept an existing table")
                    .into());
                }
                Err(err)
            }
        }
    }
}

/// Everything a new table is made of.
#[derive(Debug, Clone)]
pub struct TableDefinition {
    pub schema: Schema,
    pub partition_spec: PartitionSpec,
    pub sort_order: SortOrder,
    pub properties: HashMap<String, String>,
    pub format_version: FormatVersion,
}

/// floe's error as the `iceberg::Error` iceberg's `Catalog` trait returns, keeping the kind
/// (a conflict stays retryable, so iceberg transactions retry it) and the original as its
/// source (so its exit code and hint survive).
pub(crate) fn to_iceberg_error(e: anyhow::Error) -> iceberg::Error {
    use crate::error::ErrorKind;
    use iceberg::ErrorKind as IcebergKind;
    let kind = match crate::error::kind_of(&e) {
        ErrorKind::NotFound => IcebergKind::TableNotFound,
        ErrorKind::AlreadyExists => IcebergKind::TableAlreadyExists,
        ErrorKind::CommitConflict => IcebergKind::CatalogCommitConflicts,
        ErrorKind::InvalidInput => IcebergKind::DataInvalid,
        _ => IcebergKind::Unexpected,
    };
    iceberg::Error::new(kind, format!("{e:#}"))
        .with_retryable(kind == IcebergKind::CatalogCommitConflicts)
        .with_source(e)
}

/// Read and parse a table metadata file; a file that does not parse is an error naming it,
/// never an empty table.
pub(crate) async fn read_table_metadata(
    stores: &Stores,
    location: &str,
) -> Result<iceberg::spec::TableMetadata> {
    let bytes = stores.read(location).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let unsupported = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|json| super::unsupported_types::find_unsupported_column(&json));
        if let Some((column, type_name)) = unsupported {
            return super::unsupported_types::unsupported_column_error(location, &column, &type_name);
        }
        FloeError::invalid(format!("{location} is not valid Iceberg table metadata: {e}"))
            .with_hint("the file is corrupt or truncated; restore it, or roll back by deleting it if it is the newest version and nothing references it")
            .into()
    })
}

/// iceberg's `Catalog::update_table` for a floe catalog: the commit's requirements and updates
/// go through floe's raw commit path.
pub(crate) async fn update_table_through<C: FloeCatalog + ?Sized>(
    catalog: &C,
    mut commit: iceberg::TableCommit,
) -> iceberg::Result<Table> {
    let ident = commit.identifier().clone();
    let requirements = commit.take_requirements();
    let updates = commit.take_updates();
    catalog
        .commit(&ident, requirements, updates)
        .await
        .map_err(to_iceberg_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_table_refs() {
        match TableRef::parse("db.events").unwrap() {
            TableRef::Ident(i) => {
                assert_eq!(i.name(), "events");
                assert_eq!(i.namespace().clone().inner(), vec!["db".to_string()]);
            }
            other => panic!("{other:?}"),
        }
        match TableRef::parse("a.b.events").unwrap() {
            TableRef::Ident(i) => assert_eq!(i.namespace().clone().inner(), vec!["a", "b"]),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            TableRef::parse("s3a://bucket/wh/db/t").unwrap(),
            TableRef::Location("s3://bucket/wh/db/t".into())
        );
        assert!(TableRef::parse("events").is_err());
        assert!(TableRef::parse("db..t").is_err());
    }
}
