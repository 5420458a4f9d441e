//! A catalog that commits nothing: it serves one loaded table and keeps the commit an iceberg
//! transaction would make. iceberg's own actions (expiry) compute their updates only inside
//! `Transaction::commit`; through this, floe takes those updates and commits them on its own
//! path, or only shows them (`--dry-run`).

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use iceberg::table::Table;
use iceberg::{
    Catalog, Error, ErrorKind, Namespace, NamespaceIdent, Result, TableCommit, TableCreation,
    TableIdent, TableRequirement, TableUpdate,
};

#[derive(Debug)]
pub struct PlanningCatalog {
    table: Table,
    taken: Mutex<Option<(Vec<TableRequirement>, Vec<TableUpdate>)>>,
}

impl PlanningCatalog {
    pub fn new(table: Table) -> Self {
        PlanningCatalog {
            table,
            taken: Mutex::new(None),
        }
    }

    /// The requirements and updates of the commit the transaction made (none if it made none).
    pub fn taken(&self) -> (Vec<TableRequirement>, Vec<TableUpdate>) {
        self.taken
            .lock()
            .expect("planning catalog lock")
            .take()
            .unwrap_or_default()
    }
}

fn unsupported() -> Error {
    Error::new(
        ErrorKind::FeatureUnsupported,
        "a planning catalog only serves one table",
    )
}

#[async_trait]
impl Catalog for PlanningCatalog {
    async fn list_namespaces(&self, _: Option<&NamespaceIdent>) -> Result<Vec<NamespaceIdent>> {
        Err(unsupported())
    }
    async fn create_namespace(
        &self,
        _: &NamespaceIdent,
        _: HashMap<String, String>,
    ) -> Result<Namespace> {
        Err(unsupported())
    }
    async fn get_namespace(&self, _: &NamespaceIdent) -> Result<Namespace> {
        Err(unsupported())
    }
    async fn namespace_exists(&self, _: &NamespaceIdent) -> Result<bool> {
        Err(unsupported())
    }
    async fn update_namespace(&self, _: &NamespaceIdent, _: HashMap<String, String>) -> Result<()> {
        Err(unsupported())
    }
    async fn drop_namespace(&self, _: &NamespaceIdent) -> Result<()> {
        Err(unsupported())
    }
    async fn list_tables(&self, _: &NamespaceIdent) -> Result<Vec<TableIdent>> {
        Err(unsupported())
    }
    async fn create_table(&self, _: &NamespaceIdent, _: TableCreation) -> Result<Table> {
        Err(unsupported())
    }
    async fn load_table(&self, _: &TableIdent) -> Result<Table> {
        Ok(self.table.clone())
    }
    async fn drop_table(&self, _: &TableIdent) -> Result<()> {
        Err(unsupported())
    }
    async fn purge_table(&self, _: &TableIdent) -> Result<()> {
        Err(unsupported())
    }
    async fn table_exists(&self, _: &TableIdent) -> Result<bool> {
        Ok(true)
    }
    async fn rename_table(&self, _: &TableIdent, _: &TableIdent) -> Result<()> {
        Err(unsupported())
    }
    async fn register_table(&self, _: &TableIdent, _: String) -> Result<Table> {
        Err(unsupported())
    }
    async fn update_table(&self, mut commit: TableCommit) -> Result<Table> {
        let requirements = commit.take_requirements();
        let updates = commit.take_updates();
        *self.taken.lock().expect("planning catalog lock") = Some((requirements, updates));
        Ok(self.table.clone())
    }
}
