//! `list` (tables) and `namespaces` in the selected catalog.

use anyhow::Result;
use iceberg::NamespaceIdent;
use serde::Serialize;

use crate::table::{display_ident, Session};

#[derive(Debug, Clone, Serialize)]
pub struct TablesReport {
    pub catalog: String,
    /// `directory`, `sql`, `rest` or `glue`.
    pub catalog_type: String,
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
    /// `directory`, `sql`, `rest` or `glue`.
    pub catalog_type: String,
    pub namespaces: Vec<String>,
    /// Properties of each namespace that has any (sql catalogs keep them; the directory
    /// catalog has none).
    pub properties: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
    /// Namespaces this command created or dropped before listing.
    pub changes: Vec<crate::ops::manage::NamespaceChange>,
}

/// All namespaces, walking nested ones.
async fn all_namespaces(
    catalog: &dyn crate::table::FloeCatalog,
    parent: Option<&NamespaceIdent>,
) -> Result<Vec<NamespaceIdent>> {
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
                return Err(crate::error::FloeError::not_found(format!(
                    "namespace {} does not exist",
                    ns.join(".")
                ))
                .with_hint("list namespaces with `floe namespaces`")
                .into());
            }
            vec![ns]
        }
        None => all_namespaces(catalog.as_ref(), None).await?,
    };
    let mut tables = vec![];
    let all = namespace.is_none();
    for ns in namespaces {
        let listed = match catalog.list_tables(&ns).await.map_err(anyhow::Error::new) {
            Ok(listed) => listed,
            // Walking every namespace, one another client dropped meanwhile is just gone.
            Err(e) if all && crate::error::kind_of(&e) == crate::error::ErrorKind::NotFound => {
                continue
            }
            Err(e) => return Err(e),
        };
        for ident in listed {
            tables.push(TableListEntry {
                namespace: ns.join("."),
                name: ident.name().to_string(),
                identifier: display_ident(&ident),
            });
        }
    }
    tables.sort_by(|a, b| a.identifier.cmp(&b.identifier));
    Ok(TablesReport {
        catalog: session.catalog_name().to_string(),
        catalog_type: session.catalog_type().to_string(),
        tables,
    })
}

pub async fn namespaces(session: &Session) -> Result<NamespacesReport> {
    let catalog = session.catalog().await?;
    let idents = all_namespaces(catalog.as_ref(), None).await?;
    let mut properties = std::collections::BTreeMap::new();
    let mut listed = vec![];
    for ns in idents {
        // A namespace another client dropped since the listing is not an error: it is gone.
        let found = match catalog.get_namespace(&ns).await.map_err(anyhow::Error::new) {
            Ok(found) => found,
            Err(e) if crate::error::kind_of(&e) == crate::error::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        // `exists` is the marker PyIceberg and Java write for an empty namespace.
        let props: std::collections::BTreeMap<String, String> = found
            .properties()
            .iter()
            .filter(|(k, _)| k.as_str() != "exists")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !props.is_empty() {
            properties.insert(ns.join("."), props);
        }
        listed.push(ns);
    }
    let mut namespaces: Vec<String> = listed.iter().map(|n| n.join(".")).collect();
    namespaces.sort();
    Ok(NamespacesReport {
        catalog: session.catalog_name().to_string(),
        catalog_type: session.catalog_type().to_string(),
        namespaces,
        properties,
        changes: vec![],
    })
}
