//! Catalog management: create and drop namespaces, drop (and purge), rename and register
//! tables.

use std::collections::HashMap;

use anyhow::Result;
use serde::Serialize;

use crate::error::{kind_of, ErrorKind, FloeError};
use crate::ops::describe::{describe_table, TableDescription};
use crate::table::{parse_ident, parse_namespace, Session, TableRef};

#[derive(Debug, Clone, Serialize)]
pub struct NamespaceChange {
    pub namespace: String,
    /// `created` or `dropped`.
    pub action: String,
}

/// Create a namespace with properties.
pub async fn create_namespace(
    session: &Session,
    name: &str,
    properties: HashMap<String, String>,
) -> Result<NamespaceChange> {
    let ns = parse_namespace(name)?;
    let catalog = session.catalog().await?;
    catalog
        .create_namespace(&ns, properties)
        .await
        .map_err(|e| {
            let err = anyhow::Error::new(e);
            if kind_of(&err) == ErrorKind::AlreadyExists {
                FloeError::new(
                    ErrorKind::AlreadyExists,
                    format!("namespace {name} already exists"),
                )
                .into()
            } else {
                err
            }
        })?;
    Ok(NamespaceChange {
        namespace: name.to_string(),
        action: "created".into(),
    })
}

/// Drop an empty namespace; one holding tables or namespaces is refused.
pub async fn drop_namespace(session: &Session, name: &str) -> Result<NamespaceChange> {
    let ns = parse_namespace(name)?;
    let catalog = session.catalog().await?;
    if !catalog.namespace_exists(&ns).await? {
        return Err(FloeError::not_found(format!("namespace {name} does not exist")).into());
    }
    let tables = catalog.list_tables(&ns).await?;
    let children = catalog.list_namespaces(Some(&ns)).await?;
    if !tables.is_empty() || !children.is_empty() {
        let mut held: Vec<String> = tables.iter().map(crate::table::display_ident).collect();
        held.extend(children.iter().map(|c| c.join(".")));
        return Err(FloeError::invalid(format!(
            "namespace {name} is not empty: it holds {}",
            held.join(", ")
        ))
        .with_hint("drop or move what it holds first")
        .into());
    }
    catalog.drop_namespace(&ns).await?;
    Ok(NamespaceChange {
        namespace: name.to_string(),
        action: "dropped".into(),
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct DropReport {
    pub table: String,
    pub purged: bool,
    /// Files deleted by `--purge` (data, delete, manifest, manifest-list and metadata files).
    pub files_deleted: usize,
    pub files_not_deleted: usize,
}

/// Drop a table from its catalog; with `purge`, also delete every file its metadata reaches
/// (refused when the table has `gc.enabled=false`).
pub async fn drop_table(session: &Session, table: &TableRef, purge: bool) -> Result<DropReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let mut report = DropReport {
        table: target.display.clone(),
        purged: purge,
        files_deleted: 0,
        files_not_deleted: 0,
    };
    if purge {
        let gc = loaded
            .metadata()
            .properties()
            .get("gc.enabled")
            .map(|v| v.eq_ignore_ascii_case("true"))
            .unwrap_or(true);
        if !gc {
            return Err(FloeError::invalid(format!(
                "table {} has gc.enabled=false: its files may be shared with other tables, so they cannot be purged",
                target.display
            ))
            .with_hint("drop it without --purge, or set gc.enabled=true first")
            .into());
        }
    }
    let (deleted, not_deleted) = target.drop(&loaded, purge).await?;
    report.files_deleted = deleted;
    report.files_not_deleted = not_deleted;
    Ok(report)
}

#[derive(Debug, Clone, Serialize)]
pub struct RenameReport {
    pub from: String,
    pub to: String,
}

pub async fn rename_table(session: &Session, from: &str, to: &str) -> Result<RenameReport> {
    let (src, dest) = (parse_ident(from)?, parse_ident(to)?);
    let catalog = session.catalog().await?;
    if !catalog.table_exists(&src).await? {
        return Err(FloeError::not_found(format!("table {from} does not exist")).into());
    }
    if !catalog.namespace_exists(dest.namespace()).await? {
        return Err(FloeError::not_found(format!(
            "namespace {} does not exist",
            dest.namespace().join(".")
        ))
        .with_hint("create it with `floe namespaces --create`")
        .into());
    }
    catalog.rename_table(&src, &dest).await?;
    Ok(RenameReport {
        from: from.to_string(),
        to: to.to_string(),
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct RegisterReport {
    #[serde(flatten)]
    pub table: TableDescription,
}

/// Add an existing table (its metadata file) to the catalog under a name.
pub async fn register_table(
    session: &Session,
    name: &str,
    metadata_location: &str,
) -> Result<RegisterReport> {
    let ident = parse_ident(name)?;
    let location = crate::table::normalize_location(metadata_location)?;
    let catalog = session.catalog().await?;
    if !catalog.namespace_exists(ident.namespace()).await? {
        catalog
            .create_namespace(ident.namespace(), HashMap::new())
            .await?;
    }
    let table = catalog.register_table(&ident, location).await?;
    let mut description = describe_table(&table);
    description.table = name.to_string();
    Ok(RegisterReport { table: description })
}
