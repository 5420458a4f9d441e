//! The AWS Glue Data Catalog (`type: glue`): Glue databases are namespaces and Glue tables with
//! `table_type=ICEBERG` are tables, shared with Athena, EMR, Iceberg Java's and PyIceberg's
//! GlueCatalog. floe writes each metadata file itself; a commit moves the Glue table's
//! `metadata_location` with UpdateTable, guarded by the table's VersionId (see `pointer.rs`).

mod error;
mod input;
mod pointer;

use std::collections::HashMap;
use std::sync::Mutex;

use anyhow::Result;
use async_trait::async_trait;
use aws_sdk_glue::types::{Database, DatabaseInput, Table as GlueTable, TableInput};
use aws_sdk_glue::Client;
use bytes::Bytes;
use iceberg::spec::TableMetadataBuilder;
use iceberg::table::Table;
use iceberg::{
    Catalog, Error as IcebergError, ErrorKind as IcebergKind, Namespace, NamespaceIdent,
    TableCommit, TableCreation, TableIdent, TableRequirement, TableUpdate,
};

use self::error::GlueFailure;
use super::commit_policy::conflict;
use super::floe_catalog::{
    display_ident, read_table_metadata, to_iceberg_error, update_table_through, FloeCatalog,
};
use super::metadata_commit::commit_metadata;
use super::sql::new_metadata_location;
use crate::error::{ErrorKind, FloeError};
use crate::table::storage::file_io::build_table;
use crate::table::storage::stores::{join, normalize_location, PutIfAbsent, Stores};

/// Property of a namespace that Glue keeps as the database's `LocationUri`.
const LOCATION: &str = "location";
/// Property of a namespace that Glue keeps as the database's description.
const DESCRIPTION: &str = "Description";

/// A catalog in AWS Glue.
pub struct GlueCatalog {
    name: String,
    /// For reads and requests that are safe to repeat: the SDK retries them.
    glue: Client,
    /// For CreateTable and UpdateTable, which the SDK must not repeat: a repeat of a request
    /// that landed unseen fails (AlreadyExists, ConcurrentModification) and would be taken for
    /// a refusal. floe reads back instead.
    glue_once: Client,
    /// `glue.id`: the account whose catalog this is, when not the caller's own.
    catalog_id: Option<String>,
    warehouse: Option<String>,
    /// `glue.skip-archive` (default true, as Java and PyIceberg): no Glue table version kept
    /// per commit, so frequent commits do not run into Glue's version limit.
    skip_archive: bool,
    /// Where the requests go, for messages.
    endpoint: String,
    stores: Stores,
    /// The Glue table as read with each base metadata location (per table): its VersionId
    /// guards the swap from that base, and what other tools set on it is kept in the update.
    bases: Mutex<HashMap<(String, String), GlueTable>>,
    /// Swaps sent and not yet decided, by the metadata file they point the table at.
    sent: Mutex<HashMap<String, Sent>>,
}

/// One swap as sent.
#[derive(Debug, Clone)]
struct Sent {
    /// The VersionId the last send was guarded by: while the Glue table still has it, nothing
    /// landed.
    version: String,
    /// An earlier send went unanswered: when a re-send is refused as a concurrent
    /// modification, that first copy may be what moved the table.
    uncertain: bool,
}

impl std::fmt::Debug for GlueCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GlueCatalog")
            .field("name", &self.name)
            .field("endpoint", &self.endpoint)
            .field("catalog_id", &self.catalog_id)
            .finish()
    }
}

/// The outcome of a CreateTable.
enum Created {
    Yes,
    /// Refused: nothing was created.
    No(anyhow::Error),
    /// Not known, and reading back did not find it: it may still appear.
    Unknown(anyhow::Error),
}

impl GlueCatalog {
    pub async fn connect(
        name: &str,
        props: HashMap<String, String>,
        stores: Stores,
    ) -> Result<Self> {
        let (sdk, settings) = crate::table::storage::aws::sdk_config(name, &props, "glue").await?;
        let endpoint = match &settings.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => format!(
                "the regional endpoint of {}",
                sdk.region().map(|r| r.to_string()).unwrap_or_default()
            ),
        };
        let glue = Client::new(&sdk);
        let glue_once = Client::from_conf(
            aws_sdk_glue::config::Builder::from(&sdk)
                .retry_config(aws_config::retry::RetryConfig::disabled())
                .build(),
        );
        let warehouse = props
            .get("warehouse")
            .filter(|w| !w.is_empty())
            .map(|w| normalize_location(w))
            .transpose()?;
        let skip_archive = match props
            .get("glue.skip-archive")
            .map(|v| v.to_ascii_lowercase())
        {
            None => true,
            Some(v) if v == "true" => true,
            Some(v) if v == "false" => false,
            Some(v) => {
                return Err(FloeError::config(format!(
                    "catalog '{name}': glue.skip-archive={v} is not true or false"
                ))
                .into())
            }
        };
        Ok(GlueCatalog {
            name: name.to_string(),
            glue,
            glue_once,
            catalog_id: props.get("glue.id").filter(|v| !v.is_empty()).cloned(),
            warehouse,
            skip_archive,
            endpoint,
            stores,
            bases: Mutex::default(),
            sent: Mutex::default(),
        })
    }

    fn fail(&self, failure: GlueFailure, doing: &str) -> anyhow::Error {
        failure.into_error(&self.name, &self.endpoint, doing)
    }

    fn not_found(&self, ident: &TableIdent) -> anyhow::Error {
        FloeError::not_found(format!(
            "table {} does not exist in Glue catalog '{}'",
            display_ident(ident),
            self.name
        ))
        .with_hint("list tables with `floe list`, or create it with `floe create`")
        .into()
    }

    fn namespace_not_found(&self, database: &str) -> anyhow::Error {
        FloeError::not_found(format!(
            "namespace {database} does not exist in Glue catalog '{}'",
            self.name
        ))
        .with_hint(
            "list namespaces with `floe namespaces`, or create it with `floe namespaces --create`",
        )
        .into()
    }

    fn already_exists(&self, ident: &TableIdent) -> anyhow::Error {
        FloeError::new(
            ErrorKind::AlreadyExists,
            format!(
                "table {} already exists in Glue catalog '{}'",
                display_ident(ident),
                self.name
            ),
        )
        .with_hint("use --if-not-exists to accept an existing table")
        .into()
    }

    /// A Glue table that floe will not handle as an Iceberg table.
    fn not_iceberg(&self, ident: &TableIdent, table: &GlueTable) -> anyhow::Error {
        let kind = match input::table_type(table) {
            Some(t) => format!("its table_type is '{t}'"),
            None => "it has no table_type parameter".to_string(),
        };
        FloeError::invalid(format!(
            "{} in Glue catalog '{}' is not an Iceberg table ({kind})",
            display_ident(ident),
            self.name
        ))
        .with_hint("floe administers Iceberg tables only (Glue parameter table_type=ICEBERG); Hive, Delta or Hudi tables in the same database are left alone")
        .into()
    }

    async fn get_table(&self, database: &str, name: &str) -> Result<Option<GlueTable>> {
        match self
            .glue
            .get_table()
            .set_catalog_id(self.catalog_id.clone())
            .database_name(database)
            .name(name)
            .send()
            .await
        {
            Ok(out) => Ok(out.table),
            Err(e) => {
                let failure = GlueFailure::from_sdk(e);
                if failure.is_not_found() {
                    return Ok(None);
                }
                Err(self.fail(failure, &format!("read table {database}.{name}")))
            }
        }
    }

    /// The Glue table behind `ident`, which must be an Iceberg table.
    async fn iceberg_table(&self, ident: &TableIdent) -> Result<GlueTable> {
        let (database, name) = names(ident)?;
        let table = self
            .get_table(&database, &name)
            .await?
            .ok_or_else(|| self.not_found(ident))?;
        if !input::is_iceberg(&table) {
            return Err(self.not_iceberg(ident, &table));
        }
        Ok(table)
    }

    async fn get_database(&self, database: &str) -> Result<Option<Database>> {
        match self
            .glue
            .get_database()
            .set_catalog_id(self.catalog_id.clone())
            .name(database)
            .send()
            .await
        {
            Ok(out) => Ok(out.database),
            Err(e) => {
                let failure = GlueFailure::from_sdk(e);
                if failure.is_not_found() {
                    return Ok(None);
                }
                Err(self.fail(failure, &format!("read database {database}")))
            }
        }
    }

    async fn databases(&self) -> Result<Vec<String>> {
        let mut out = vec![];
        let mut token: Option<String> = None;
        loop {
            let page = self
                .glue
                .get_databases()
                .set_catalog_id(self.catalog_id.clone())
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| self.fail(GlueFailure::from_sdk(e), "list databases"))?;
            out.extend(page.database_list.into_iter().map(|d| d.name));
            match page.next_token.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        out.sort();
        Ok(out)
    }

    /// Every Glue table in a database, Iceberg or not.
    async fn tables(&self, database: &str) -> Result<Vec<GlueTable>> {
        let mut out = vec![];
        let mut token: Option<String> = None;
        loop {
            let page = self
                .glue
                .get_tables()
                .set_catalog_id(self.catalog_id.clone())
                .database_name(database)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| {
                    let failure = GlueFailure::from_sdk(e);
                    if failure.is_not_found() {
                        return self.namespace_not_found(database);
                    }
                    self.fail(failure, &format!("list the tables of {database}"))
                })?;
            out.extend(page.table_list.unwrap_or_default());
            match page.next_token.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        Ok(out)
    }

    /// CreateTable, sent once. An uncertain outcome is read back: the table pointing at
    /// `expected` (the metadata file the input names) is ours.
    async fn create_glue_table(
        &self,
        ident: &TableIdent,
        table: TableInput,
        expected: &str,
    ) -> Created {
        let (database, name) = match names(ident) {
            Ok(names) => names,
            Err(e) => return Created::No(e),
        };
        let sent = self
            .glue_once
            .create_table()
            .set_catalog_id(self.catalog_id.clone())
            .database_name(&database)
            .table_input(table)
            .send()
            .await;
        let failure = match sent {
            Ok(_) => return Created::Yes,
            Err(e) => GlueFailure::from_sdk(e),
        };
        if failure.is_already_exists() {
            return Created::No(self.already_exists(ident));
        }
        if failure.is_not_found() {
            return Created::No(self.namespace_not_found(&database));
        }
        if !failure.may_have_landed() {
            return Created::No(
                self.fail(failure, &format!("create table {}", display_ident(ident))),
            );
        }
        let error = self.fail(failure, &format!("create table {}", display_ident(ident)));
        match self.get_table(&database, &name).await {
            Ok(Some(found)) if input::metadata_location(&found) == Some(expected) => Created::Yes,
            Ok(Some(_)) => Created::No(self.already_exists(ident)),
            Ok(None) => Created::Unknown(error),
            Err(read) => Created::Unknown(error.context(format!(
                "and reading table {} back failed too: {read:#}",
                display_ident(ident)
            ))),
        }
    }

    async fn delete_glue_table(&self, database: &str, name: &str) -> Result<(), GlueFailure> {
        self.glue
            .delete_table()
            .set_catalog_id(self.catalog_id.clone())
            .database_name(database)
            .name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(GlueFailure::from_sdk)
    }

    /// Where a new table goes when no location is given: under the database's location, else
    /// `<warehouse>/<database>.db/<table>` (Hive's layout, as Java's and PyIceberg's
    /// GlueCatalog place it).
    fn default_table_location(&self, database: &Database, table: &str) -> Result<String> {
        if let Some(location) = database.location_uri().filter(|l| !l.is_empty()) {
            return Ok(join(&normalize_location(location)?, table));
        }
        let warehouse = self.warehouse.as_deref().ok_or_else(|| {
            FloeError::config(format!(
                "Glue catalog '{}' has no `warehouse` and database {} has no location, so new tables have no location",
                self.name, database.name
            ))
            .with_hint("set `warehouse` (e.g. s3://bucket/warehouse) in the catalog's config, or create the namespace with --property location=s3://…")
        })?;
        Ok(join(warehouse, &format!("{}.db/{table}", database.name)))
    }

    async fn create(&self, ident: &TableIdent, mut creation: TableCreation) -> Result<Table> {
        let (database, name) = names(ident)?;
        let db = self
            .get_database(&database)
            .await?
            .ok_or_else(|| self.namespace_not_found(&database))?;
        if self.get_table(&database, &name).await?.is_some() {
            return Err(self.already_exists(ident));
        }
        let location = match creation.location.take() {
            Some(location) => location,
            None => self.default_table_location(&db, &name)?,
        };
        creation.location = Some(location.clone());
        let metadata = TableMetadataBuilder::from_table_creation(creation)?
            .build()?
            .metadata;
        let metadata_location = new_metadata_location(&location, 0);
        let bytes = Bytes::from(serde_json::to_vec_pretty(&metadata)?);
        if self.stores.put_if_absent(&metadata_location, bytes).await? == PutIfAbsent::AlreadyExists
        {
            anyhow::bail!("{metadata_location} already exists; refusing to create a table on it");
        }
        let table_input = input::table_input(&name, &metadata_location, None, &metadata, None)?;
        match self
            .create_glue_table(ident, table_input, &metadata_location)
            .await
        {
            Created::Yes => build_table(ident, metadata_location, metadata, &self.stores),
            Created::No(e) => {
                let _ = self.stores.delete(&metadata_location).await;
                Err(e)
            }
            // The table may yet appear pointing at the file: it stays.
            Created::Unknown(e) => Err(e),
        }
    }

    async fn register(&self, ident: &TableIdent, metadata_location: String) -> Result<Table> {
        let (database, _) = names(ident)?;
        let metadata = read_table_metadata(&self.stores, &metadata_location).await?;
        if self.get_database(&database).await?.is_none() {
            return Err(self.namespace_not_found(&database));
        }
        let table_input =
            input::table_input(ident.name(), &metadata_location, None, &metadata, None)?;
        match self
            .create_glue_table(ident, table_input, &metadata_location)
            .await
        {
            Created::Yes => build_table(ident, metadata_location, metadata, &self.stores),
            Created::No(e) | Created::Unknown(e) => Err(e),
        }
    }

    /// Glue has no rename: copy the Glue table under the new name, then delete the old one
    /// (as Java's GlueCatalog does), undoing the copy when the old one cannot be deleted.
    async fn rename(&self, src: &TableIdent, dest: &TableIdent) -> Result<()> {
        let (src_db, src_name) = names(src)?;
        let (dest_db, dest_name) = names(dest)?;
        let table = self.iceberg_table(src).await?;
        let pointer = input::metadata_location(&table)
            .unwrap_or_default()
            .to_string();
        if self.get_table(&dest_db, &dest_name).await?.is_some() {
            return Err(self.already_exists(dest));
        }
        let copy = input::renamed_input(&dest_name, &table)?;
        match self.create_glue_table(dest, copy, &pointer).await {
            Created::Yes => {}
            Created::No(e) | Created::Unknown(e) => return Err(e),
        }
        // A commit to the old name between the copy and the delete would go with the old
        // table: refuse, rather than lose it.
        let now = self.get_table(&src_db, &src_name).await;
        let moved = match &now {
            Ok(Some(now)) => now.version_id() != table.version_id(),
            Ok(None) => true,
            Err(_) => true,
        };
        if moved {
            let undone = self.delete_glue_table(&dest_db, &dest_name).await;
            let mut err = conflict(format!(
                "table {} changed while it was being renamed; nothing was renamed",
                display_ident(src)
            ));
            if let Err(undo) = undone {
                err = err.context(format!(
                    "and removing the copy {} failed ({}): delete it by hand",
                    display_ident(dest),
                    self.fail(undo, "delete the copy")
                ));
            }
            return Err(err);
        }
        let deleted = self.delete_glue_table(&src_db, &src_name).await;
        let Err(failure) = deleted else {
            return Ok(());
        };
        // A delete that failed unseen may have happened: then the rename is done.
        if let Ok(None) = self.get_table(&src_db, &src_name).await {
            return Ok(());
        }
        let err = self.fail(
            failure,
            &format!("delete {} after copying it", display_ident(src)),
        );
        match self.delete_glue_table(&dest_db, &dest_name).await {
            Ok(()) => Err(err.context(format!(
                "renaming {} failed; the copy {} was removed again",
                display_ident(src),
                display_ident(dest)
            ))),
            Err(undo) => Err(err.context(format!(
                "renaming {} failed, and removing the copy {} failed too ({}): both names now point at the same table; drop one by hand (without --purge)",
                display_ident(src),
                display_ident(dest),
                self.fail(undo, "delete the copy")
            ))),
        }
    }

    async fn drop(&self, ident: &TableIdent) -> Result<()> {
        let (database, name) = names(ident)?;
        // Never drops what floe cannot read as an Iceberg table.
        self.iceberg_table(ident).await?;
        self.delete_glue_table(&database, &name)
            .await
            .map_err(|failure| {
                if failure.is_not_found() {
                    return self.not_found(ident);
                }
                self.fail(failure, &format!("drop table {}", display_ident(ident)))
            })
    }

    fn database_input(name: &str, properties: &HashMap<String, String>) -> DatabaseInput {
        let mut parameters = HashMap::new();
        let mut input = DatabaseInput::builder().name(name);
        for (key, value) in properties {
            match key.as_str() {
                LOCATION => input = input.location_uri(value),
                DESCRIPTION | "comment" => input = input.description(value),
                _ => {
                    parameters.insert(key.clone(), value.clone());
                }
            }
        }
        input
            .set_parameters(Some(parameters))
            .build()
            .expect("a database input with a name")
    }

    fn namespace_error(&self, database: &str, failure: GlueFailure, doing: &str) -> IcebergError {
        if failure.is_not_found() {
            return to_iceberg_error(self.namespace_not_found(database));
        }
        to_iceberg_error(self.fail(failure, doing))
    }
}

/// A namespace is one Glue database: Glue has no nesting.
fn database(ns: &NamespaceIdent) -> Result<String> {
    match ns.as_ref().as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(FloeError::invalid(format!(
            "'{}' is not a Glue database name: Glue databases are not nested",
            ns.join(".")
        ))
        .with_hint("name Glue tables database.table")
        .into()),
    }
}

fn names(ident: &TableIdent) -> Result<(String, String)> {
    Ok((database(ident.namespace())?, ident.name().to_string()))
}

#[async_trait]
impl FloeCatalog for GlueCatalog {
    async fn commit_from(
        &self,
        ident: &TableIdent,
        base_location: Option<&str>,
        requirements: Vec<TableRequirement>,
        updates: Vec<TableUpdate>,
    ) -> Result<Table> {
        let committed =
            commit_metadata(self, ident, base_location, &requirements, &updates).await?;
        build_table(ident, committed.location, committed.metadata, &self.stores)
    }

    async fn open(&self, ident: &TableIdent) -> Result<Table> {
        let pointed = self.load(ident).await?;
        build_table(ident, pointed.location, pointed.metadata, &self.stores)
    }

    fn default_location(&self, _ident: &TableIdent) -> Result<Option<String>> {
        // It depends on the database's location, which takes a request: `create` finds it.
        Ok(None)
    }

    fn stores(&self) -> &Stores {
        &self.stores
    }
}

#[async_trait]
impl Catalog for GlueCatalog {
    async fn list_namespaces(
        &self,
        parent: Option<&NamespaceIdent>,
    ) -> iceberg::Result<Vec<NamespaceIdent>> {
        if parent.is_some() {
            // Glue databases hold no databases.
            return Ok(vec![]);
        }
        let names = self.databases().await.map_err(to_iceberg_error)?;
        Ok(names.into_iter().map(NamespaceIdent::new).collect())
    }

    async fn create_namespace(
        &self,
        namespace: &NamespaceIdent,
        properties: HashMap<String, String>,
    ) -> iceberg::Result<Namespace> {
        let name = database(namespace).map_err(to_iceberg_error)?;
        let mut properties = properties;
        if let Some(location) = properties.get(LOCATION).cloned() {
            properties.insert(
                LOCATION.to_string(),
                normalize_location(&location).map_err(to_iceberg_error)?,
            );
        }
        self.glue
            .create_database()
            .set_catalog_id(self.catalog_id.clone())
            .database_input(Self::database_input(&name, &properties))
            .send()
            .await
            .map_err(|e| {
                let failure = GlueFailure::from_sdk(e);
                if failure.is_already_exists() {
                    return IcebergError::new(
                        IcebergKind::NamespaceAlreadyExists,
                        format!("namespace {name} already exists"),
                    );
                }
                to_iceberg_error(self.fail(failure, &format!("create database {name}")))
            })?;
        Ok(Namespace::with_properties(namespace.clone(), properties))
    }

    async fn get_namespace(&self, namespace: &NamespaceIdent) -> iceberg::Result<Namespace> {
        let name = database(namespace).map_err(to_iceberg_error)?;
        let found = self
            .get_database(&name)
            .await
            .map_err(to_iceberg_error)?
            .ok_or_else(|| to_iceberg_error(self.namespace_not_found(&name)))?;
        let mut properties: HashMap<String, String> =
            found.parameters().cloned().unwrap_or_default();
        if let Some(location) = found.location_uri().filter(|l| !l.is_empty()) {
            properties.insert(LOCATION.to_string(), location.to_string());
        }
        if let Some(description) = found.description().filter(|d| !d.is_empty()) {
            properties.insert(DESCRIPTION.to_string(), description.to_string());
        }
        Ok(Namespace::with_properties(namespace.clone(), properties))
    }

    async fn namespace_exists(&self, namespace: &NamespaceIdent) -> iceberg::Result<bool> {
        let Ok(name) = database(namespace) else {
            return Ok(false);
        };
        Ok(self
            .get_database(&name)
            .await
            .map_err(to_iceberg_error)?
            .is_some())
    }

    async fn update_namespace(
        &self,
        namespace: &NamespaceIdent,
        properties: HashMap<String, String>,
    ) -> iceberg::Result<()> {
        let mut merged = self.get_namespace(namespace).await?.properties().clone();
        merged.extend(properties);
        let name = database(namespace).map_err(to_iceberg_error)?;
        self.glue
            .update_database()
            .set_catalog_id(self.catalog_id.clone())
            .name(&name)
            .database_input(Self::database_input(&name, &merged))
            .send()
            .await
            .map_err(|e| {
                self.namespace_error(
                    &name,
                    GlueFailure::from_sdk(e),
                    &format!("update database {name}"),
                )
            })?;
        Ok(())
    }

    async fn drop_namespace(&self, namespace: &NamespaceIdent) -> iceberg::Result<()> {
        let name = database(namespace).map_err(to_iceberg_error)?;
        // Glue's DeleteDatabase deletes every table in the database with it; floe drops only
        // an empty one (Hive, Delta or Hudi tables count).
        let tables = self.tables(&name).await.map_err(to_iceberg_error)?;
        if !tables.is_empty() {
            let held: Vec<&str> = tables.iter().map(|t| t.name()).collect();
            return Err(to_iceberg_error(
                FloeError::invalid(format!(
                    "namespace {name} is not empty: Glue database {name} holds {}",
                    held.join(", ")
                ))
                .with_hint("drop what it holds first (Glue would delete every table in it with the database)")
                .into(),
            ));
        }
        self.glue
            .delete_database()
            .set_catalog_id(self.catalog_id.clone())
            .name(&name)
            .send()
            .await
            .map_err(|e| {
                self.namespace_error(
                    &name,
                    GlueFailure::from_sdk(e),
                    &format!("drop database {name}"),
                )
            })?;
        Ok(())
    }

    async fn list_tables(&self, namespace: &NamespaceIdent) -> iceberg::Result<Vec<TableIdent>> {
        let name = database(namespace).map_err(to_iceberg_error)?;
        let tables = self.tables(&name).await.map_err(to_iceberg_error)?;
        let mut out: Vec<TableIdent> = tables
            .iter()
            .filter(|t| input::is_iceberg(t))
            .map(|t| TableIdent::new(namespace.clone(), t.name().to_string()))
            .collect();
        out.sort_by(|a, b| a.name().cmp(b.name()));
        Ok(out)
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
        self.drop(table).await.map_err(to_iceberg_error)
    }

    async fn purge_table(&self, table: &TableIdent) -> iceberg::Result<()> {
        // Purging goes through ops (which honours gc.enabled and lists files first); here only
        // the Glue table goes.
        self.drop(table).await.map_err(to_iceberg_error)
    }

    async fn table_exists(&self, table: &TableIdent) -> iceberg::Result<bool> {
        // Any Glue table of that name: a rename or create of a Hive table's name must not
        // be told it is free.
        let (database, name) = names(table).map_err(to_iceberg_error)?;
        Ok(self
            .get_table(&database, &name)
            .await
            .map_err(to_iceberg_error)?
            .is_some())
    }

    async fn rename_table(&self, src: &TableIdent, dest: &TableIdent) -> iceberg::Result<()> {
        self.rename(src, dest).await.map_err(to_iceberg_error)
    }

    async fn register_table(
        &self,
        table: &TableIdent,
        metadata_location: String,
    ) -> iceberg::Result<Table> {
        self.register(table, metadata_location)
            .await
            .map_err(to_iceberg_error)
    }

    async fn update_table(&self, commit: TableCommit) -> iceberg::Result<Table> {
        update_table_through(self, commit).await
    }
}
