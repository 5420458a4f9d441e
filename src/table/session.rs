//! A session: the configuration and selected catalog, turned into stores, catalogs and table
//! targets on demand.

use std::sync::Arc;

use anyhow::Result;

use crate::config::{CatalogConfig, Config};
use crate::table::catalog::floe_catalog::{FloeCatalog, TableRef, TableTarget};
use crate::table::catalog::{build_catalog, target_for};
use crate::table::storage::stores::{StoreWrapper, Stores};

/// Everything an operation needs to reach tables.
#[derive(Clone)]
pub struct Session {
    catalog_name: String,
    catalog_config: CatalogConfig,
    stores: Stores,
    policy: Arc<crate::policy::MaintenancePolicy>,
    spark: crate::table::spark::SparkSettings,
    /// The catalog, built once: a REST catalog's configuration and token, or a SQL pool, are
    /// reused by every table a command touches (`maintain` over many tables).
    catalog: Arc<tokio::sync::OnceCell<Arc<dyn FloeCatalog>>>,
}

impl Session {
    /// Select a catalog (or the default) from the configuration.
    pub fn new(config: &Config, catalog: Option<&str>) -> Result<Self> {
        let (catalog_name, catalog_config) = config.catalog(catalog)?;
        let props = catalog_config
            .props()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut stores = Stores::new(props);
        if let Some(wrapper) = crate::table::storage::fault_injection::from_env()? {
            stores = stores.with_wrapper(wrapper);
        }
        Ok(Session {
            catalog_name,
            catalog_config,
            stores,
            policy: Arc::new(config.maintenance.clone()),
            spark: config.spark.clone(),
            catalog: Arc::default(),
        })
    }

    /// A session on the embedded default (a directory warehouse), for tests and tools.
    pub fn embedded(warehouse: &str) -> Self {
        let mut config = CatalogConfig::default();
        config.set("type", "directory");
        config.set("warehouse", warehouse);
        Session {
            catalog_name: "default".into(),
            catalog_config: config,
            stores: Stores::new(Default::default()),
            policy: Default::default(),
            spark: Default::default(),
            catalog: Arc::default(),
        }
    }

    /// Route every storage call through `wrapper` (fault injection in tests).
    pub fn with_store_wrapper(mut self, wrapper: StoreWrapper) -> Self {
        self.stores = self.stores.with_wrapper(wrapper);
        self.catalog = Arc::default();
        self
    }

    /// The same session with the launcher `--spark-submit` gave (if any) in force.
    pub fn with_spark_submit(mut self, submit: Option<String>) -> Self {
        if submit.is_some() {
            self.spark.submit = submit;
        }
        self
    }

    /// The same session, letting Spark commit where its commits are not atomic
    /// (`--allow-unsafe-spark-commits`).
    pub fn with_unsafe_spark_commits(mut self, allow: bool) -> Self {
        self.spark.allow_unsafe_commits |= allow;
        self
    }

    /// How `--engine spark` launches Spark (the config file's `engine.spark`).
    pub fn spark_settings(&self) -> &crate::table::spark::SparkSettings {
        &self.spark
    }

    /// The selected catalog's configuration.
    pub fn catalog_config(&self) -> &CatalogConfig {
        &self.catalog_config
    }

    pub fn catalog_name(&self) -> &str {
        &self.catalog_name
    }

    /// The selected catalog's type (`directory`, `sql`, `rest`, `glue`).
    pub fn catalog_type(&self) -> &str {
        match self.catalog_config.catalog_type() {
            "hadoop" => "directory",
            other => other,
        }
    }

    /// The maintenance policy of the configuration.
    pub fn policy(&self) -> &crate::policy::MaintenancePolicy {
        &self.policy
    }

    pub fn stores(&self) -> &Stores {
        &self.stores
    }

    pub async fn catalog(&self) -> Result<Arc<dyn FloeCatalog>> {
        self.catalog
            .get_or_try_init(|| {
                build_catalog(
                    &self.catalog_name,
                    &self.catalog_config,
                    self.stores.clone(),
                )
            })
            .await
            .cloned()
    }

    pub async fn target(&self, table: &TableRef) -> Result<TableTarget> {
        target_for(table, self.catalog(), self.stores.clone()).await
    }
}
