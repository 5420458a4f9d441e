//! Catalogs: the `FloeCatalog` trait and table names, the one pointer-swap path every catalog
//! shares (with its retry policy and the outcomes a commit can end in), the directory, sql,
//! rest and glue catalogs, the planning catalog a dry run commits into, and leases. This file
//! only wires them: it builds the configured catalog. Uses `storage`, and `read` for a table's
//! refs.

pub mod commit_policy;
pub mod directory;
pub mod floe_catalog;
pub mod glue;
pub mod lease;
pub mod metadata_commit;
pub mod planning_catalog;
pub mod rest;
pub mod sql;
pub mod unsupported_types;

use std::sync::Arc;

use anyhow::Result;

use crate::config::CatalogConfig;
use crate::error::FloeError;
use crate::table::storage::stores::{normalize_location, Stores};
use directory::DirectoryCatalog;
use glue::GlueCatalog;
use rest::RestCatalog;
use sql::SqlCatalog;

pub use floe_catalog::{
    display_ident, parse_ident, parse_namespace, FloeCatalog, TableDefinition, TableRef,
    TableTarget,
};

/// Build the catalog from configuration.
pub async fn build_catalog(
    name: &str,
    config: &CatalogConfig,
    stores: Stores,
) -> Result<Arc<dyn FloeCatalog>> {
    match config.catalog_type() {
        "directory" | "hadoop" => {
            let warehouse = config.get("warehouse").unwrap_or("./warehouse");
            Ok(Arc::new(DirectoryCatalog::new(Some(normalize_location(warehouse)?), stores)))
        }
        "sql" => {
            let uri = config.get("uri").ok_or_else(|| {
                FloeError::config(format!("catalog '{name}' is of type sql but has no `uri` (sqlite:///path.db or postgresql://…)"))
            })?;
            let warehouse = config.get("warehouse").map(normalize_location).transpose()?;
            let busy_ms = match config.get("busy-timeout-ms") {
                Some(v) => v.parse::<u64>().map_err(|_| FloeError::config(format!("catalog '{name}': busy-timeout-ms={v} is not a number of milliseconds")))?,
                None => 30_000,
            };
            Ok(Arc::new(SqlCatalog::connect(name, uri, warehouse, std::time::Duration::from_millis(busy_ms), stores).await?))
        }
        "rest" => {
            let props = config
                .props()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Ok(Arc::new(RestCatalog::connect(name, props, stores).await?))
        }
        "glue" => {
            let props = config
                .props()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Ok(Arc::new(GlueCatalog::connect(name, props, stores).await?))
        }
        other => Err(FloeError::config(format!(
            "catalog '{name}' has type '{other}', which floe does not support (supported: directory, sql, rest, glue)"
        ))
        .into()),
    }
}

/// Resolve a table reference: a location gets its own directory catalog (the table's metadata
/// is found under it); an identifier goes to the configured catalog.
pub async fn target_for<F>(table: &TableRef, catalog: F, stores: Stores) -> Result<TableTarget>
where
    F: std::future::Future<Output = Result<Arc<dyn FloeCatalog>>>,
{
    match table {
        TableRef::Location(location) => {
            let (catalog, ident) = DirectoryCatalog::for_location(location, stores)?;
            Ok(TableTarget {
                catalog: Arc::new(catalog),
                ident,
                display: location.clone(),
            })
        }
        TableRef::Ident(ident) => Ok(TableTarget {
            catalog: catalog.await?,
            ident: ident.clone(),
            display: display_ident(ident),
        }),
    }
}
