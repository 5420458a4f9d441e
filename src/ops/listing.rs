//! `list` (tables) and `namespaces` in the selected catalog.

use anyhow::Result;
use iceberg::NamespaceIdent;
use serde::Serialize;

use crate::table::{display_ident, Session};

#[derive(Debug, Clone, Serialize)]
pub struct TablesReport {
    pub catalog: String,
    pub tables: Vec<TableListEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableListEntry {
    pub namespace: String,
    pub name: String,
    pub identifier: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NamespacesReport {
    pub catalog: String,
    pub namespaces: Vec<String>,
}

/// All namespaces, walking nested ones.
async fn all_namespaces(catalog: &dyn crate::table::FloeCatalog, parent: Option<&NamespaceIdent>) -> Result<Vec<NamespaceIdent>> {
    let mut out = vec![];
    for ns in catalog.list_namespaces(parent).await? {
        out.push(ns.clone());
        out.extend(Box::pin(all_namespaces(catalog, Some(&ns))).await?);
    }
    Ok(out)
}

pub async fn tables(session: &Session, namespace: Option<&str>) -> Result<TablesReport> {
    let catalog = session.catalog().await?;
    let namespaces = match namespace {
        Some(ns) => {
            let ns = crate::table::parse_namespace(ns)?;
            if !catalog.namespace_exists(&ns).await? {
                return Err(crate::error::FloeError::not_found(format!("namespace {} does not exist", ns.join(".")))
                    .with_hint("list namespaces with `floe namespaces`")
                    .into());
            }
            vec![ns]
        }
        None => all_namespaces(catalog.as_ref(), None).await?,
    };
    let mut tables = vec![];
    for ns in namespaces {
        for ident in catalog.list_tables(&ns).await? {
            tables.push(TableListEntry {
                namespace: ns.join("."),
                name: ident.name().to_string(),
                identifier: display_ident(&ident),
            });
        }
    }
    tables.sort_by(|a, b| a.identifier.cmp(&b.identifier));
    Ok(TablesReport { catalog: session.catalog_name().to_string(), tables })
}

pub async fn namespaces(session: &Session) -> Result<NamespacesReport> {
    let catalog = session.catalog().await?;
    let mut namespaces: Vec<String> = all_namespaces(catalog.as_ref(), None).await?.iter().map(|n| n.join(".")).collect();
    namespaces.sort();
    Ok(NamespacesReport { catalog: session.catalog_name().to_string(), namespaces })
}
