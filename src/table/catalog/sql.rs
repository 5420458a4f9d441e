//! The SQL catalog: Iceberg's JDBC-catalog tables in sqlite or postgres, shared with
//! PyIceberg's SqlCatalog and Java's JdbcCatalog. A commit is a compare-and-swap of the
//! table's `metadata_location`.

use std::collections::HashMap;
use std::sync::Once;
use std::time::Duration;

use anyhow::Result;
use async_trait::async_trait;
use bytes::Bytes;
use iceberg::spec::{TableMetadata, TableMetadataBuilder};
use iceberg::table::Table;
use iceberg::{
    Catalog, Error as IcebergError, ErrorKind as IcebergKind, Namespace, NamespaceIdent,
    TableCommit, TableCreation, TableIdent, TableRequirement, TableUpdate,
};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Connection, Row};

use super::floe_catalog::{
    display_ident, read_table_metadata, to_iceberg_error, update_table_through, FloeCatalog,
};
use super::metadata_commit::{
    commit_metadata, write_proposal_file, MetadataPointer, PointedMetadata, Proposal, Settled, Swap,
};
use crate::error::{ErrorKind, FloeError};
use crate::table::storage::file_io::build_table;
use crate::table::storage::stores::{join, Stores};

const TABLES: &str = "iceberg_tables";
const NAMESPACE_PROPS: &str = "iceberg_namespace_properties";

/// A catalog in a SQL database.
#[derive(Debug, Clone)]
pub struct SqlCatalog {
    name: String,
    pool: AnyPool,
    warehouse: Option<String>,
    stores: Stores,
    /// The V1 layout has `iceberg_type` (tables vs views); V0 (older PyIceberg/Java) has not.
    typed: bool,
    /// For messages: the database, without credentials.
    describe: String,
    /// An embedded SQLite database: a statement that failed is over, none is left running
    /// on a server that could still apply it.
    embedded: bool,
}

/// SQLAlchemy-style URIs (what `.pyiceberg.yaml` holds) to sqlx ones: `sqlite:///rel.db`,
/// `sqlite:////abs.db`, `postgresql+psycopg2://…`.
pub fn sqlx_uri(uri: &str) -> Result<String> {
    if let Some(rest) = uri.strip_prefix("sqlite:///") {
        if rest == ":memory:" {
            return Ok("sqlite::memory:".into());
        }
        let (path, _query) = rest.split_once('?').unwrap_or((rest, ""));
        return Ok(format!("sqlite://{path}?mode=rwc"));
    }
    if uri.starts_with("sqlite:") {
        return Err(FloeError::config(format!(
            "sqlite URI '{uri}' should look like sqlite:///relative/path.db or sqlite:////absolute/path.db"
        ))
        .into());
    }
    for prefix in ["postgresql", "postgres"] {
        if let Some(rest) = uri.strip_prefix(prefix) {
            let rest = match rest.find("://") {
                Some(i) if rest[..i].starts_with('+') || i == 0 => &rest[i..],
                _ => continue,
            };
            return Ok(format!("postgres{rest}"));
        }
    }
    Err(FloeError::config(format!(
        "unsupported SQL catalog URI '{uri}' (use sqlite:///… or postgresql://…)"
    ))
    .into())
}

fn redact(uri: &str) -> String {
    match (uri.find("://"), uri.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}***{}", &uri[..s + 3], &uri[at..]),
        _ => uri.to_string(),
    }
}

fn db_error(e: sqlx::Error, what: &str) -> anyhow::Error {
    if e.to_string().contains("database is locked") {
        return FloeError::new(ErrorKind::Failed, format!("catalog database: cannot {what}: the sqlite file is locked by another process"))
            .with_hint("another writer held the catalog longer than the catalog's busy-timeout-ms (default 30000); try again, or raise it")
            .into();
    }
    anyhow::Error::new(e).context(format!("catalog database: cannot {what}"))
}

fn namespace_key(ns: &NamespaceIdent) -> String {
    ns.join(".")
}

/// `…/metadata/00012-<uuid>.metadata.json` → 12 (PyIceberg's and Java's naming).
pub(crate) fn metadata_version(location: &str) -> i64 {
    let name = location.rsplit('/').next().unwrap_or("");
    let digits: String = name
        .trim_start_matches('v')
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().unwrap_or(0)
}

/// `<table>/metadata/<version, 5 digits>-<uuid>.metadata.json`, as PyIceberg and Java name them.
pub(crate) fn new_metadata_location(table_location: &str, version: i64) -> String {
    join(
        table_location,
        &format!(
            "metadata/{version:05}-{}.metadata.json",
            uuid::Uuid::new_v4()
        ),
    )
}

impl SqlCatalog {
    /// Connect, and create the catalog tables when they are missing.
    pub async fn connect(
        name: &str,
        uri: &str,
        warehouse: Option<String>,
        busy_timeout: Duration,
        stores: Stores,
    ) -> Result<Self> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let url = sqlx_uri(uri)?;
        let is_sqlite = url.starts_with("sqlite:");
        let describe = redact(uri);
        let unusable = |e: &dyn std::fmt::Display| -> anyhow::Error {
            FloeError::config(format!(
                "cannot open the SQL catalog '{name}' at {describe}: {e}"
            ))
            .with_hint("check the catalog's `uri` (and that the database server is running)")
            .into()
        };
        // One direct connection first: a pool only reports "timed out" when the server is
        // unreachable, a connection says why.
        let probe =
            tokio::time::timeout(Duration::from_secs(15), sqlx::AnyConnection::connect(&url)).await;
        match probe {
            Ok(Ok(mut conn)) => {
                // Also proves a sqlite file really is a database.
                if is_sqlite {
                    sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&mut conn)
                        .await
                        .map_err(|e| unusable(&e))?;
                }
                let _ = conn.close().await;
            }
            Ok(Err(e)) => return Err(unusable(&e)),
            Err(_) => return Err(unusable(&"no answer within 15 s")),
        }
        // sqlite: WAL lets readers work while a writer commits; the busy timeout makes
        // concurrent writers wait their turn instead of failing.
        let pool = AnyPoolOptions::new()
            .max_connections(if is_sqlite { 1 } else { 4 })
            .acquire_timeout(Duration::from_secs(15))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if is_sqlite {
                        let pragma = format!("PRAGMA busy_timeout = {}", busy_timeout.as_millis());
                        sqlx::query(&pragma).execute(&mut *conn).await?;
                        sqlx::query("PRAGMA journal_mode = WAL")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| unusable(&e))?;
        let mut catalog = SqlCatalog {
            name: name.to_string(),
            pool,
            warehouse,
            stores,
            typed: true,
            describe,
            embedded: is_sqlite,
        };
        catalog.ensure_schema().await?;
        Ok(catalog)
    }

    async fn ensure_schema(&mut self) -> Result<()> {
        let create_tables = format!(
            "CREATE TABLE IF NOT EXISTS {TABLES} (
                catalog_name VARCHAR(255) NOT NULL,
                table_namespace VARCHAR(255) NOT NULL,
                table_name VARCHAR(255) NOT NULL,
                metadata_location VARCHAR(1000),
                previous_metadata_location VARCHAR(1000),
                iceberg_type VARCHAR(5),
                PRIMARY KEY (catalog_name, table_namespace, table_name))"
        );
        let create_props = format!(
            "CREATE TABLE IF NOT EXISTS {NAMESPACE_PROPS} (
                catalog_name VARCHAR(255) NOT NULL,
                namespace VARCHAR(255) NOT NULL,
                property_key VARCHAR(255) NOT NULL,
                property_value VARCHAR(1000),
                PRIMARY KEY (catalog_name, namespace, property_key))"
        );
        for statement in [create_tables, create_props] {
            // Postgres' CREATE TABLE IF NOT EXISTS races with a concurrent one (a unique
            // violation in pg_type); the loser finds the table there on its next try.
            let mut tries = 0;
            loop {
                match sqlx::query(&statement).execute(&self.pool).await {
                    Ok(_) => break,
                    Err(sqlx::Error::Database(d)) if d.is_unique_violation() && tries < 3 => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Err(e) => {
                        return Err(FloeError::config(format!(
                            "the SQL catalog at {} is not usable: {e}",
                            self.describe
                        ))
                        .into())
                    }
                }
            }
        }
        // A database made by an older PyIceberg or Java (V0) has no iceberg_type column.
        self.typed = sqlx::query(&format!("SELECT iceberg_type FROM {TABLES} WHERE 1 = 0"))
            .fetch_all(&self.pool)
            .await
            .is_ok();
        Ok(())
    }

    fn type_filter(&self) -> &'static str {
        if self.typed {
            " AND (iceberg_type = 'TABLE' OR iceberg_type IS NULL)"
        } else {
            ""
        }
    }

    fn display(&self, ident: &TableIdent) -> String {
        display_ident(ident)
    }

    fn not_found(&self, ident: &TableIdent) -> anyhow::Error {
        FloeError::not_found(format!(
            "table {} does not exist in catalog '{}'",
            self.display(ident),
            self.name
        ))
        .with_hint("create it with `floe create`, or list tables with `floe list`")
        .into()
    }

    async fn pointer(&self, ident: &TableIdent) -> Result<Option<String>> {
        let sql = format!(
            "SELECT metadata_location FROM {TABLES} WHERE catalog_name = $1 AND table_namespace = $2 AND table_name = $3{}",
            self.type_filter()
        );
        let row: Option<AnyRow> = sqlx::query(&sql)
            .bind(&self.name)
            .bind(namespace_key(ident.namespace()))
            .bind(ident.name())
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| db_error(e, "read a table pointer"))?;
        Ok(match row {
            Some(row) => row
                .try_get::<Option<String>, _>(0)
                .map_err(|e| db_error(e, "read a table pointer"))?,
            None => None,
        })
    }

    fn table_from(
        &self,
        ident: &TableIdent,
        location: String,
        metadata: TableMetadata,
    ) -> Result<Table> {
        build_table(ident, location, metadata, &self.stores)
    }

    async fn current(&self, ident: &TableIdent) -> Result<(String, TableMetadata)> {
        let location = self
            .pointer(ident)
            .await?
            .ok_or_else(|| self.not_found(ident))?;
        let metadata = read_table_metadata(&self.stores, &location).await?;
        Ok((location, metadata))
    }

    fn namespace_location(&self, ns: &NamespaceIdent) -> Result<String> {
        let warehouse = self.warehouse.as_deref().ok_or_else(|| {
            FloeError::config(format!(
                "catalog '{}' has no `warehouse`, so new tables have no location",
                self.name
            ))
        })?;
        Ok(ns
            .iter()
            .fold(warehouse.to_string(), |acc, part| join(&acc, part)))
    }

    /// Compare-and-swap the pointer: true when this UPDATE moved it from `old` to `new`.
    async fn swap_pointer(&self, ident: &TableIdent, old: &str, new: &str) -> Result<bool> {
        let sql = format!(
            "UPDATE {TABLES} SET metadata_location = $1, previous_metadata_location = $2
             WHERE catalog_name = $3 AND table_namespace = $4 AND table_name = $5 AND metadata_location = $6"
        );
        let done = sqlx::query(&sql)
            .bind(new)
            .bind(old)
            .bind(&self.name)
            .bind(namespace_key(ident.namespace()))
            .bind(ident.name())
            .bind(old)
            .execute(&self.pool)
            .await
            .map_err(|e| db_error(e, "update a table pointer"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_pointer(&self, ident: &TableIdent, location: &str) -> Result<()> {
        let sql = if self.typed {
            format!("INSERT INTO {TABLES} (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location, iceberg_type) VALUES ($1, $2, $3, $4, NULL, 'TABLE')")
        } else {
            format!("INSERT INTO {TABLES} (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location) VALUES ($1, $2, $3, $4, NULL)")
        };
        sqlx::query(&sql)
            .bind(&self.name)
            .bind(namespace_key(ident.namespace()))
            .bind(ident.name())
            .bind(location)
            .execute(&self.pool)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_unique_violation() => anyhow::Error::new(
                    FloeError::new(
                        ErrorKind::AlreadyExists,
                        format!("table {} already exists", self.display(ident)),
                    )
                    .with_hint("use --if-not-exists to accept an existing table"),
                ),
                _ => db_error(e, "add a table"),
            })?;
        Ok(())
    }

    async fn create(&self, ident: &TableIdent, mut creation: TableCreation) -> Result<Table> {
        if self.pointer(ident).await?.is_some() {
            return Err(FloeError::new(
                ErrorKind::AlreadyExists,
                format!("table {} already exists", self.display(ident)),
            )
            .with_hint("use --if-not-exists to accept an existing table")
            .into());
        }
        let location = match creation.location.take() {
            Some(l) => l,
            None => join(&self.namespace_location(ident.namespace())?, ident.name()),
        };
        creation.location = Some(location.clone());
        let metadata = TableMetadataBuilder::from_table_creation(creation)?
            .build()?
            .metadata;
        let metadata_location = new_metadata_location(&location, 0);
        self.stores
            .put(
                &metadata_location,
                Bytes::from(serde_json::to_vec_pretty(&metadata)?),
            )
            .await?;
        if let Err(e) = self.insert_pointer(ident, &metadata_location).await {
            let _ = self.stores.delete(&metadata_location).await;
            return Err(e);
        }
        self.table_from(ident, metadata_location, metadata)
    }

    async fn namespaces(&self) -> Result<Vec<String>> {
        let sql = format!(
            "SELECT DISTINCT table_namespace FROM {TABLES} WHERE catalog_name = $1
             UNION SELECT DISTINCT namespace FROM {NAMESPACE_PROPS} WHERE catalog_name = $1"
        );
        let rows = sqlx::query(&sql)
            .bind(&self.name)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| db_error(e, "list namespaces"))?;
        let mut out: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>(0).ok())
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    async fn namespace_properties(&self, ns: &NamespaceIdent) -> Result<HashMap<String, String>> {
        let sql = format!("SELECT property_key, property_value FROM {NAMESPACE_PROPS} WHERE catalog_name = $1 AND namespace = $2");
        let rows = sqlx::query(&sql)
            .bind(&self.name)
            .bind(namespace_key(ns))
            .fetch_all(&self.pool)
            .await
            .map_err(|e| db_error(e, "read namespace properties"))?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some((
                    r.try_get::<String, _>(0).ok()?,
                    r.try_get::<Option<String>, _>(1).ok()?.unwrap_or_default(),
                ))
            })
            .collect())
    }

    async fn insert_namespace_property(
        &self,
        ns: &NamespaceIdent,
        key: &str,
        value: &str,
    ) -> Result<()> {
        let sql = format!("INSERT INTO {NAMESPACE_PROPS} (catalog_name, namespace, property_key, property_value) VALUES ($1, $2, $3, $4)");
        sqlx::query(&sql)
            .bind(&self.name)
            .bind(namespace_key(ns))
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await
            .map_err(|e| db_error(e, "set a namespace property"))?;
        Ok(())
    }

    /// Table rows in a namespace.
    async fn tables_in(&self, ns: &NamespaceIdent) -> Result<Vec<String>> {
        let sql = format!(
            "SELECT table_name FROM {TABLES} WHERE catalog_name = $1 AND table_namespace = $2{} ORDER BY table_name",
            self.type_filter()
        );
        let rows = sqlx::query(&sql)
            .bind(&self.name)
            .bind(namespace_key(ns))
            .fetch_all(&self.pool)
            .await
            .map_err(|e| db_error(e, "list tables"))?;
        Ok(rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>(0).ok())
            .collect())
    }

    /// After an unknown swap from `base` to `location`: the pointer decides (ours when it
    /// names our file or a newer metadata logs it, pending while it names the base).
    async fn settle_pointer(
        &self,
        ident: &TableIdent,
        base: &str,
        location: &str,
    ) -> Result<Settled> {
        let now = self
            .pointer(ident)
            .await?
            .ok_or_else(|| self.not_found(ident))?;
        if now == location {
            return Ok(Settled::Landed(None));
        }
        if now == base {
            return Ok(if self.embedded {
                Settled::Absent
            } else {
                Settled::Pending
            });
        }
        // Moved on: ours landed first if the newer metadata logs it (Java's rule).
        let metadata = read_table_metadata(&self.stores, &now).await?;
        Ok(
            if metadata
                .metadata_log()
                .iter()
                .any(|entry| entry.metadata_file == location)
            {
                Settled::Landed(None)
            } else {
                Settled::Lost
            },
        )
    }

    async fn delete_pointer(&self, ident: &TableIdent) -> Result<()> {
        let sql = format!(
            "DELETE FROM {TABLES} WHERE catalog_name = $1 AND table_namespace = $2 AND table_name = $3{}",
            self.type_filter()
        );
        let done = sqlx::query(&sql)
            .bind(&self.name)
            .bind(namespace_key(ident.namespace()))
            .bind(ident.name())
            .execute(&self.pool)
            .await
            .map_err(|e| db_error(e, "drop a table"))?;
        if done.rows_affected() == 0 {
            return Err(self.not_found(ident));
        }
        Ok(())
    }
}

/// The SQL catalog's pointer is the `metadata_location` column; a swap writes a new metadata
/// file (create-only) and moves the column with a compare-and-swap UPDATE.
#[async_trait]
impl MetadataPointer for SqlCatalog {
    async fn load_pointed(&self, ident: &TableIdent) -> Result<PointedMetadata> {
        let (location, metadata) = self.current(ident).await?;
        Ok(PointedMetadata { location, metadata })
    }

    fn next_location(&self, _ident: &TableIdent, base: &PointedMetadata) -> Result<Option<String>> {
        Ok(Some(new_metadata_location(
            base.metadata.location(),
            metadata_version(&base.location) + 1,
        )))
    }

    async fn swap(&self, ident: &TableIdent, proposal: &Proposal<'_>) -> Swap {
        let location = match write_proposal_file(&self.stores, proposal).await {
            Ok(location) => location,
            Err(failed) => return failed,
        };
        match self
            .swap_pointer(ident, &proposal.base.location, location)
            .await
        {
            Ok(true) => Swap::Swapped(None),
            Ok(false) => Swap::Lost,
            Err(e) => Swap::Unknown(e),
        }
    }

    async fn settle(&self, ident: &TableIdent, proposal: &Proposal<'_>) -> Result<Settled> {
        let (location, _) = proposal.file()?;
        self.settle_pointer(ident, &proposal.base.location, location)
            .await
    }

    async fn discard(&self, location: &str) {
        let _ = self.stores.delete(location).await;
    }

    fn describe(&self, ident: &TableIdent) -> String {
        self.display(ident)
    }

    fn pointer_stores(&self) -> &Stores {
        &self.stores
    }
}

#[async_trait]
impl FloeCatalog for SqlCatalog {
    async fn commit_from(
        &self,
        ident: &TableIdent,
        base_location: Option<&str>,
        requirements: Vec<TableRequirement>,
        updates: Vec<TableUpdate>,
    ) -> Result<Table> {
        let committed =
            commit_metadata(self, ident, base_location, &requirements, &updates).await?;
        self.table_from(ident, committed.location, committed.metadata)
    }

    async fn open(&self, ident: &TableIdent) -> Result<Table> {
        let (location, metadata) = self.current(ident).await?;
        self.table_from(ident, location, metadata)
    }

    fn default_location(&self, ident: &TableIdent) -> Result<Option<String>> {
        Ok(Some(join(
            &self.namespace_location(ident.namespace())?,
            ident.name(),
        )))
    }

    fn stores(&self) -> &Stores {
        &self.stores
    }
}

#[async_trait]
impl Catalog for SqlCatalog {
    async fn list_namespaces(
        &self,
        parent: Option<&NamespaceIdent>,
    ) -> iceberg::Result<Vec<NamespaceIdent>> {
        let all = self.namespaces().await.map_err(to_iceberg_error)?;
        let prefix = parent.map(|p| format!("{}.", namespace_key(p)));
        let depth = parent.map(|p| p.len() + 1).unwrap_or(1);
        let mut out: Vec<NamespaceIdent> = vec![];
        for ns in all {
            if let Some(prefix) = &prefix {
                if !ns.starts_with(prefix.as_str()) {
                    continue;
                }
            }
            let parts: Vec<&str> = ns.split('.').collect();
            if parts.len() < depth {
                continue;
            }
            let ident = NamespaceIdent::from_strs(&parts[..depth])?;
            if !out.contains(&ident) {
                out.push(ident);
            }
        }
        Ok(out)
    }

    async fn create_namespace(
        &self,
        namespace: &NamespaceIdent,
        properties: HashMap<String, String>,
    ) -> iceberg::Result<Namespace> {
        if self.namespace_exists(namespace).await? {
            return Err(IcebergError::new(
                IcebergKind::NamespaceAlreadyExists,
                format!("namespace {} already exists", namespace_key(namespace)),
            ));
        }
        // PyIceberg and Java mark an empty namespace with an `exists` property.
        let mut props = properties.clone();
        props
            .entry("exists".to_string())
            .or_insert_with(|| "true".to_string());
        for (k, v) in &props {
            self.insert_namespace_property(namespace, k, v)
                .await
                .map_err(to_iceberg_error)?;
        }
        Ok(Namespace::with_properties(namespace.clone(), properties))
    }

    async fn get_namespace(&self, namespace: &NamespaceIdent) -> iceberg::Result<Namespace> {
        if !self.namespace_exists(namespace).await? {
            return Err(IcebergError::new(
                IcebergKind::NamespaceNotFound,
                format!("namespace {} does not exist", namespace_key(namespace)),
            ));
        }
        let props = self
            .namespace_properties(namespace)
            .await
            .map_err(to_iceberg_error)?;
        Ok(Namespace::with_properties(namespace.clone(), props))
    }

    async fn namespace_exists(&self, namespace: &NamespaceIdent) -> iceberg::Result<bool> {
        let key = namespace_key(namespace);
        let prefix = format!("{key}.");
        let all = self.namespaces().await.map_err(to_iceberg_error)?;
        Ok(all.iter().any(|n| *n == key || n.starts_with(&prefix)))
    }

    async fn update_namespace(
        &self,
        namespace: &NamespaceIdent,
        properties: HashMap<String, String>,
    ) -> iceberg::Result<()> {
        if !self.namespace_exists(namespace).await? {
            return Err(IcebergError::new(
                IcebergKind::NamespaceNotFound,
                format!("namespace {} does not exist", namespace_key(namespace)),
            ));
        }
        for (k, v) in &properties {
            let update = format!("UPDATE {NAMESPACE_PROPS} SET property_value = $1 WHERE catalog_name = $2 AND namespace = $3 AND property_key = $4");
            let done = sqlx::query(&update)
                .bind(v)
                .bind(&self.name)
                .bind(namespace_key(namespace))
                .bind(k)
                .execute(&self.pool)
                .await
                .map_err(|e| to_iceberg_error(db_error(e, "update namespace properties")))?;
            if done.rows_affected() == 0 {
                self.insert_namespace_property(namespace, k, v)
                    .await
                    .map_err(to_iceberg_error)?;
            }
        }
        Ok(())
    }

    async fn drop_namespace(&self, namespace: &NamespaceIdent) -> iceberg::Result<()> {
        if !self.namespace_exists(namespace).await? {
            return Err(IcebergError::new(
                IcebergKind::NamespaceNotFound,
                format!("namespace {} does not exist", namespace_key(namespace)),
            ));
        }
        let key = namespace_key(namespace);
        let nested = self
            .namespaces()
            .await
            .map_err(to_iceberg_error)?
            .into_iter()
            .any(|n| n.starts_with(&format!("{key}.")));
        if nested
            || !self
                .tables_in(namespace)
                .await
                .map_err(to_iceberg_error)?
                .is_empty()
        {
            return Err(IcebergError::new(
                IcebergKind::PreconditionFailed,
                format!("namespace {key} is not empty"),
            ));
        }
        sqlx::query(&format!(
            "DELETE FROM {NAMESPACE_PROPS} WHERE catalog_name = $1 AND namespace = $2"
        ))
        .bind(&self.name)
        .bind(&key)
        .execute(&self.pool)
        .await
        .map_err(|e| to_iceberg_error(db_error(e, "drop a namespace")))?;
        Ok(())
    }

    async fn list_tables(&self, namespace: &NamespaceIdent) -> iceberg::Result<Vec<TableIdent>> {
        let names = self.tables_in(namespace).await.map_err(to_iceberg_error)?;
        Ok(names
            .into_iter()
            .map(|n| TableIdent::new(namespace.clone(), n))
            .collect())
    }

    async fn create_table(
        &self,
        namespace: &NamespaceIdent,
        creation: TableCreation,
    ) -> iceberg::Result<Table> {
        let ident = TableIdent::new(namespace.clone(), creation.name.clone());
        self.create(&ident, creation)
            .await
            .map_err(to_iceberg_error)
    }

    async fn load_table(&self, table: &TableIdent) -> iceberg::Result<Table> {
        self.open(table).await.map_err(to_iceberg_error)
    }

    async fn drop_table(&self, table: &TableIdent) -> iceberg::Result<()> {
        self.delete_pointer(table).await.map_err(to_iceberg_error)
    }

    async fn purge_table(&self, table: &TableIdent) -> iceberg::Result<()> {
        // Purging goes through ops (which honours gc.enabled and lists files first); here only
        // the pointer goes.
        self.delete_pointer(table).await.map_err(to_iceberg_error)
    }

    async fn table_exists(&self, table: &TableIdent) -> iceberg::Result<bool> {
        Ok(self
            .pointer(table)
            .await
            .map_err(to_iceberg_error)?
            .is_some())
    }

    async fn rename_table(&self, src: &TableIdent, dest: &TableIdent) -> iceberg::Result<()> {
        if self
            .pointer(dest)
            .await
            .map_err(to_iceberg_error)?
            .is_some()
        {
            return Err(IcebergError::new(
                IcebergKind::TableAlreadyExists,
                format!("table {} already exists", display_ident(dest)),
            ));
        }
        let sql = format!(
            "UPDATE {TABLES} SET table_namespace = $1, table_name = $2 WHERE catalog_name = $3 AND table_namespace = $4 AND table_name = $5{}",
            self.type_filter()
        );
        let done = sqlx::query(&sql)
            .bind(namespace_key(dest.namespace()))
            .bind(dest.name())
            .bind(&self.name)
            .bind(namespace_key(src.namespace()))
            .bind(src.name())
            .execute(&self.pool)
            .await
            .map_err(|e| to_iceberg_error(db_error(e, "rename a table")))?;
        if done.rows_affected() == 0 {
            return Err(to_iceberg_error(self.not_found(src)));
        }
        Ok(())
    }

    async fn register_table(
        &self,
        table: &TableIdent,
        metadata_location: String,
    ) -> iceberg::Result<Table> {
        let metadata = read_table_metadata(&self.stores, &metadata_location)
            .await
            .map_err(to_iceberg_error)?;
        self.insert_pointer(table, &metadata_location)
            .await
            .map_err(to_iceberg_error)?;
        self.table_from(table, metadata_location, metadata)
            .map_err(to_iceberg_error)
    }

    async fn update_table(&self, commit: TableCommit) -> iceberg::Result<Table> {
        update_table_through(self, commit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_sqlalchemy_uris() {
        assert_eq!(
            sqlx_uri("sqlite:////var/lib/c.db").unwrap(),
            "sqlite:///var/lib/c.db?mode=rwc"
        );
        assert_eq!(
            sqlx_uri("sqlite:///c.db").unwrap(),
            "sqlite://c.db?mode=rwc"
        );
        assert_eq!(
            sqlx_uri("postgresql+psycopg2://u:p@h:5432/db").unwrap(),
            "postgres://u:p@h:5432/db"
        );
        assert_eq!(sqlx_uri("postgresql://h/db").unwrap(), "postgres://h/db");
        assert!(sqlx_uri("mysql://h/db").is_err());
        assert_eq!(
            redact("postgresql://u:secret@h/db"),
            "postgresql://***@h/db"
        );
        assert_eq!(
            metadata_version("s3://b/t/metadata/00012-abc.metadata.json"),
            12
        );
        assert_eq!(metadata_version("/t/metadata/v3.metadata.json"), 3);
    }
}

#[cfg(test)]
mod settle_tests {
    use super::*;
    use iceberg::spec::{NestedField, PrimitiveType, Schema, Type};

    /// What the read-back decides, by name (`Settled` carries metadata).
    async fn settled(
        catalog: &SqlCatalog,
        ident: &TableIdent,
        base: &PointedMetadata,
        location: &str,
    ) -> &'static str {
        match catalog
            .settle_pointer(ident, &base.location, location)
            .await
            .unwrap()
        {
            Settled::Landed(_) => "landed",
            Settled::Lost => "lost",
            Settled::Pending => "pending",
            Settled::Absent => "absent",
        }
    }

    /// After an unknown outcome the pointer decides: ours when it names our file or a newer
    /// metadata logs it (another writer committed on top before the read-back), absent (on
    /// SQLite) while it still names the base, lost otherwise.
    #[tokio::test(flavor = "multi_thread")]
    async fn an_uncertain_swap_is_decided_by_the_pointer_and_the_metadata_log() {
        let dir = tempfile::tempdir().unwrap();
        let uri = format!("sqlite:///{}", dir.path().join("c.db").display());
        let warehouse = dir.path().join("wh").to_string_lossy().to_string();
        let catalog = SqlCatalog::connect(
            "test",
            &uri,
            Some(warehouse),
            Duration::from_secs(5),
            Stores::new(Default::default()),
        )
        .await
        .unwrap();
        let ident = TableIdent::from_strs(["db", "t"]).unwrap();
        let schema = Schema::builder()
            .with_fields(vec![NestedField::required(
                1,
                "id",
                Type::Primitive(PrimitiveType::Long),
            )
            .into()])
            .build()
            .unwrap();
        let creation = TableCreation::builder()
            .name("t".into())
            .schema(schema)
            .build();
        catalog.create(&ident, creation).await.unwrap();
        let set = |k: &str| {
            vec![TableUpdate::SetProperties {
                updates: HashMap::from([(k.to_string(), "1".to_string())]),
            }]
        };
        let base = catalog.load_pointed(&ident).await.unwrap();
        let ours = catalog.commit(&ident, vec![], set("ours")).await.unwrap();
        let ours = ours.metadata_location().unwrap().to_string();
        // Landed, pointer at ours.
        assert_eq!(settled(&catalog, &ident, &base, &ours).await, "landed");
        // Another writer committed on top before we read back: the log still shows ours.
        catalog.commit(&ident, vec![], set("theirs")).await.unwrap();
        assert_eq!(settled(&catalog, &ident, &base, &ours).await, "landed");
        // A file the table never pointed at was not ours to land.
        let never = format!(
            "{}/metadata/00009-never.metadata.json",
            base.metadata.location()
        );
        assert_eq!(settled(&catalog, &ident, &base, &never).await, "lost");
        // Still at the base: an embedded SQLite ran the statement to its end, so it did not
        // land and cannot later (a server's database could: "pending").
        let now = catalog.load_pointed(&ident).await.unwrap();
        assert_eq!(settled(&catalog, &ident, &now, &never).await, "absent");
    }
}
