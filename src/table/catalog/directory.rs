//! The directory catalog (the embedded default): tables at `<warehouse>/<ns>/<table>` with
//! `metadata/v<N>.metadata.json` made to appear by put-if-absent, and `version-hint.text`.

use std::collections::HashMap;

use anyhow::Result;
use async_trait::async_trait;
use bytes::Bytes;
use iceberg::spec::{TableMetadata, TableMetadataBuilder};
use iceberg::table::Table;
use iceberg::{
    Catalog, Error as IcebergError, ErrorKind as IcebergKind, Namespace, NamespaceIdent,
    TableCommit, TableCreation, TableIdent, TableRequirement, TableUpdate,
};

use super::floe_catalog::{
    display_ident, ensure_home_location, read_table_metadata, to_iceberg_error,
    update_table_through, FloeCatalog,
};
use super::metadata_commit::{
    commit_metadata, MetadataPointer, PointedMetadata, Proposal, Settled, Swap,
};
use crate::error::{ErrorKind, FloeError};
use crate::table::storage::file_io::build_table;
use crate::table::storage::stores::{join, PutIfAbsent, Stores};

const HINT_FILE: &str = "version-hint.text";

/// Directory catalog: a warehouse root, or a single table pinned by its location.
#[derive(Debug, Clone)]
pub struct DirectoryCatalog {
    warehouse: Option<String>,
    pinned: Option<(TableIdent, String)>,
    /// The metadata file the table was named by (`…/metadata/00010-<uuid>.metadata.json`):
    /// that version, read-only.
    metadata_file: Option<String>,
    stores: Stores,
}

/// One loaded version of a table's metadata.
struct Current {
    location: String,
    metadata: TableMetadata,
}

/// The `metadata/` folder of a table location (every catalog keeps metadata files there).
pub(crate) fn metadata_dir(table_location: &str) -> String {
    join(table_location, "metadata")
}

fn version_file(table_location: &str, version: i64) -> String {
    join(
        &metadata_dir(table_location),
        &format!("v{version}.metadata.json"),
    )
}

/// `00012-<uuid>.metadata.json` (as Java's and PyIceberg's catalogs name them) → 12.
fn catalog_version(name: &str) -> Option<u64> {
    let (number, rest) = name.split_once('-')?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !rest.ends_with(".metadata.json") || rest.ends_with(".gz.metadata.json") {
        return None;
    }
    number.parse().ok()
}

/// `v12.metadata.json` → 12.
fn parse_version(name: &str) -> Option<i64> {
    name.strip_prefix('v')?
        .strip_suffix(".metadata.json")?
        .parse()
        .ok()
}

impl DirectoryCatalog {
    pub fn new(warehouse: Option<String>, stores: Stores) -> Self {
        DirectoryCatalog {
            warehouse,
            pinned: None,
            metadata_file: None,
            stores,
        }
    }

    /// A catalog addressing exactly the table at `location` (its directory, or one of its
    /// metadata files); its identifier is `<parent dir>.<dir>`, for display only.
    pub fn for_location(location: &str, stores: Stores) -> Result<(Self, TableIdent)> {
        let mut trimmed = location.trim_end_matches('/');
        let mut metadata_file = None;
        if trimmed.ends_with(".metadata.json") {
            metadata_file = Some(trimmed.to_string());
            trimmed = trimmed
                .rsplit_once('/')
                .map(|(dir, _)| dir)
                .and_then(|dir| dir.strip_suffix("/metadata"))
                .ok_or_else(|| {
                    FloeError::usage(format!(
                        "{location} is not inside a table's metadata/ folder (<table>/metadata/<file>.metadata.json)"
                    ))
                })?;
        }
        let mut parts = trimmed.rsplit('/');
        let name = parts
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("table")
            .to_string();
        let parent = parts
            .next()
            .filter(|s| !s.is_empty() && !s.ends_with(':'))
            .unwrap_or("default");
        let ident = TableIdent::new(NamespaceIdent::new(parent.to_string()), name);
        let catalog = DirectoryCatalog {
            warehouse: None,
            pinned: Some((ident.clone(), trimmed.to_string())),
            metadata_file,
            stores,
        };
        Ok((catalog, ident))
    }

    fn namespace_location(&self, ns: &NamespaceIdent) -> Result<String> {
        let warehouse = self.warehouse.as_deref().ok_or_else(|| {
            FloeError::usage(
                "this table was named by location; namespaces need a catalog warehouse",
            )
        })?;
        Ok(ns
            .iter()
            .fold(warehouse.to_string(), |acc, part| join(&acc, part)))
    }

    fn table_location(&self, ident: &TableIdent) -> Result<String> {
        if let Some((pinned, location)) = &self.pinned {
            if pinned == ident {
                return Ok(location.clone());
            }
        }
        Ok(join(
            &self.namespace_location(ident.namespace())?,
            ident.name(),
        ))
    }

    /// The newest metadata version: from the hint, then probing upward (the hint is written
    /// after the commit, so it may lag); listing when the hint is missing or wrong.
    async fn find_version(&self, table_location: &str) -> Result<Option<i64>> {
        let hint_location = join(&metadata_dir(table_location), HINT_FILE);
        let hinted = match self.stores.read_optional(&hint_location).await? {
            Some(bytes) => String::from_utf8_lossy(&bytes).trim().parse::<i64>().ok(),
            None => None,
        };
        let mut version = match hinted {
            Some(v) if self.stores.exists(&version_file(table_location, v)).await? => v,
            _ => match self.list_versions(table_location).await?.into_iter().max() {
                Some(v) => v,
                None => return Ok(None),
            },
        };
        while self
            .stores
            .exists(&version_file(table_location, version + 1))
            .await?
        {
            version += 1;
        }
        Ok(Some(version))
    }

    async fn list_versions(&self, table_location: &str) -> Result<Vec<i64>> {
        let (_, files) = self.stores.list_dir(&metadata_dir(table_location)).await?;
        Ok(files.iter().filter_map(|n| parse_version(n)).collect())
    }

    async fn current(&self, ident: &TableIdent) -> Result<Current> {
        if let Some(location) = self.named_metadata_file(ident) {
            let metadata = read_table_metadata(&self.stores, location).await?;
            return Ok(Current {
                location: location.to_string(),
                metadata,
            });
        }
        let table_location = self.table_location(ident)?;
        let found = self
            .find_version(&table_location)
            .await
            .map_err(|e| e.context(format!("cannot load table {}", self.display(ident))))?;
        let location = match found {
            Some(version) => version_file(&table_location, version),
            None => self
                .newest_catalog_version(ident, &table_location)
                .await?
                .ok_or_else(|| {
                    FloeError::not_found(format!(
                        "table {} does not exist (no metadata under {})",
                        self.display(ident),
                        metadata_dir(&table_location)
                    ))
                    .with_hint("create it with `floe create`")
                })?,
        };
        let metadata = read_table_metadata(&self.stores, &location).await?;
        Ok(Current { location, metadata })
    }

    fn named_metadata_file(&self, ident: &TableIdent) -> Option<&str> {
        match (&self.pinned, &self.metadata_file) {
            (Some((pinned, _)), Some(file)) if pinned == ident => Some(file),
            _ => None,
        }
    }

    /// A table a catalog wrote (`00010-<uuid>.metadata.json`, no version hint): its newest
    /// metadata by the sequence number in the name, never by modification time (a restored
    /// copy has fresh times). Two files claiming the newest number cannot be told apart.
    async fn newest_catalog_version(
        &self,
        ident: &TableIdent,
        table_location: &str,
    ) -> Result<Option<String>> {
        let dir = metadata_dir(table_location);
        let (_, files) = self.stores.list_dir(&dir).await?;
        let mut numbered: Vec<(u64, &String)> = files
            .iter()
            .filter_map(|name| Some((catalog_version(name)?, name)))
            .collect();
        numbered.sort();
        let Some((newest, _)) = numbered.last().copied() else {
            return Ok(None);
        };
        let claimants: Vec<&str> = numbered
            .iter()
            .filter(|(n, _)| *n == newest)
            .map(|(_, name)| name.as_str())
            .collect();
        if claimants.len() > 1 {
            return Err(FloeError::invalid(format!(
                "table {} has {} metadata files numbered {newest} ({}): floe cannot tell which one its catalog points at",
                self.display(ident),
                claimants.len(),
                claimants.join(", ")
            ))
            .with_hint("name the metadata file itself (…/metadata/<file>.metadata.json), or reach the table through its catalog")
            .into());
        }
        Ok(Some(join(&dir, claimants[0])))
    }

    /// Why floe must not write to this table by its location, if so: it was named by one
    /// metadata file, or a catalog owns its pointer (its files are not `v<N>.metadata.json`).
    fn refuse_writes(&self, ident: &TableIdent, metadata_location: &str) -> Result<()> {
        let file_name = metadata_location.rsplit('/').next().unwrap_or_default();
        let reason = if self.named_metadata_file(ident).is_some() {
            "it was named by one of its metadata files, which is one version of it, read-only"
        } else if parse_version(file_name).is_none() {
            "its metadata files are named by a catalog (<number>-<uuid>.metadata.json), and only that catalog can make a new version current"
        } else {
            return Ok(());
        };
        Err(FloeError::invalid(format!(
            "table {} cannot be changed by its location: {reason}",
            self.display(ident)
        ))
        .with_hint("reads work as they are; to change it, configure the catalog that owns it (--catalog) and name it namespace.table")
        .into())
    }

    fn display(&self, ident: &TableIdent) -> String {
        match &self.pinned {
            Some((pinned, location)) if pinned == ident => location.clone(),
            _ => display_ident(ident),
        }
    }

    fn table_from(&self, ident: &TableIdent, current: Current) -> Result<Table> {
        build_table(ident, current.location, current.metadata, &self.stores)
    }

    async fn write_hint(&self, table_location: &str, version: i64) {
        // The hint only speeds up readers; they probe upward past a stale one.
        let hint = join(&metadata_dir(table_location), HINT_FILE);
        let _ = self
            .stores
            .put(&hint, Bytes::from(version.to_string()))
            .await;
    }

    /// Create a table from `creation`; fails if any metadata version exists there already.
    async fn create(&self, ident: &TableIdent, creation: TableCreation) -> Result<Table> {
        let table_location = self.table_location(ident)?;
        if self.find_version(&table_location).await?.is_some() {
            return Err(FloeError::new(
                ErrorKind::AlreadyExists,
                format!(
                    "table {} already exists at {table_location}",
                    self.display(ident)
                ),
            )
            .with_hint("use --if-not-exists to accept an existing table")
            .into());
        }
        let mut creation = creation;
        creation.location = Some(table_location.clone());
        let metadata = TableMetadataBuilder::from_table_creation(creation)?
            .build()?
            .metadata;
        let bytes = Bytes::from(serde_json::to_vec_pretty(&metadata)?);
        let location = version_file(&table_location, 1);
        match self.stores.put_if_absent(&location, bytes).await? {
            PutIfAbsent::Created => {}
            PutIfAbsent::AlreadyExists => {
                return Err(FloeError::new(
                    ErrorKind::AlreadyExists,
                    format!("table {} was created concurrently", self.display(ident)),
                )
                .into())
            }
        }
        self.write_hint(&table_location, 1).await;
        self.table_from(ident, Current { location, metadata })
    }

    /// What a table dropped without purge leaves: a `data/` directory and no metadata. It is
    /// not a namespace.
    async fn is_dropped_table_dir(&self, location: &str) -> Result<bool> {
        let (dirs, _) = self.stores.list_dir(location).await?;
        Ok(dirs.iter().any(|d| d == "data" || d == "metadata"))
    }

    async fn is_table_dir(&self, location: &str) -> Result<bool> {
        let dir = metadata_dir(location);
        if self.stores.exists(&join(&dir, HINT_FILE)).await? {
            return Ok(true);
        }
        let (_, files) = self.stores.list_dir(&dir).await?;
        Ok(files
            .iter()
            .any(|name| parse_version(name).is_some() || catalog_version(name).is_some()))
    }
}

/// The directory catalog's pointer is the highest `v<N>.metadata.json`; a swap is the
/// put-if-absent of the next version, and a file found there is ours only if it holds exactly
/// the bytes we sent.
#[async_trait]
impl MetadataPointer for DirectoryCatalog {
    async fn load_pointed(&self, ident: &TableIdent) -> Result<PointedMetadata> {
        let current = self.current(ident).await?;
        self.refuse_writes(ident, &current.location)?;
        ensure_home_location(self, ident, &self.display(ident), &current.metadata)?;
        Ok(PointedMetadata {
            location: current.location,
            metadata: current.metadata,
        })
    }

    fn next_location(&self, ident: &TableIdent, base: &PointedMetadata) -> Result<Option<String>> {
        let version = base
            .location
            .rsplit('/')
            .next()
            .and_then(parse_version)
            .ok_or_else(|| anyhow::anyhow!("{} is not a version file", base.location))?;
        Ok(Some(version_file(
            &self.table_location(ident)?,
            version + 1,
        )))
    }

    async fn swap(&self, _ident: &TableIdent, proposal: &Proposal<'_>) -> Swap {
        let (location, bytes) = match proposal.file() {
            Ok(file) => file,
            Err(e) => return Swap::Failed(e),
        };
        match self.stores.put_if_absent(location, bytes.clone()).await {
            Ok(PutIfAbsent::Created) => Swap::Swapped(None),
            // An earlier copy of this very swap may have landed: decided by content.
            Ok(PutIfAbsent::AlreadyExists) => match self.stores.read_optional(location).await {
                Ok(Some(found)) if found == *bytes => Swap::Swapped(None),
                Ok(Some(_)) => Swap::Lost,
                Ok(None) => Swap::Unknown(anyhow::anyhow!(
                    "{location} was reported to exist but cannot be read"
                )),
                Err(e) => Swap::Unknown(e),
            },
            Err(e) => Swap::Unknown(e),
        }
    }

    async fn settle(&self, _ident: &TableIdent, proposal: &Proposal<'_>) -> Result<Settled> {
        let (location, bytes) = proposal.file()?;
        Ok(match self.stores.read_optional(location).await? {
            Some(found) if found == *bytes => Settled::Landed(None),
            Some(_) => Settled::Lost,
            // A local (or in-memory) write that failed is over; an object store's may still
            // be on its way.
            None if self.stores.writes_finish_with_the_call(location) => Settled::Absent,
            None => Settled::Pending,
        })
    }

    async fn discard(&self, _location: &str) {
        // A lost version file is the winner's; nothing of ours is left.
    }

    fn describe(&self, ident: &TableIdent) -> String {
        self.display(ident)
    }

    fn pointer_stores(&self) -> &Stores {
        &self.stores
    }
}

#[async_trait]
impl FloeCatalog for DirectoryCatalog {
    async fn commit_from(
        &self,
        ident: &TableIdent,
        base_location: Option<&str>,
        requirements: Vec<TableRequirement>,
        updates: Vec<TableUpdate>,
    ) -> Result<Table> {
        let committed =
            commit_metadata(self, ident, base_location, &requirements, &updates).await?;
        if let Some(version) = committed
            .location
            .rsplit('/')
            .next()
            .and_then(parse_version)
        {
            self.write_hint(&self.table_location(ident)?, version).await;
        }
        build_table(ident, committed.location, committed.metadata, &self.stores)
    }

    async fn open(&self, ident: &TableIdent) -> Result<Table> {
        let current = self.current(ident).await?;
        self.table_from(ident, current)
    }

    fn default_location(&self, ident: &TableIdent) -> Result<Option<String>> {
        self.table_location(ident).map(Some)
    }

    fn stores(&self) -> &Stores {
        &self.stores
    }

    fn home_location(&self, ident: &TableIdent) -> Option<String> {
        self.table_location(ident).ok()
    }

    fn ensure_writable(&self, ident: &TableIdent, metadata_location: &str) -> Result<()> {
        self.refuse_writes(ident, metadata_location)
    }
}

#[async_trait]
impl Catalog for DirectoryCatalog {
    async fn list_namespaces(
        &self,
        parent: Option<&NamespaceIdent>,
    ) -> iceberg::Result<Vec<NamespaceIdent>> {
        let base = match parent {
            Some(p) => self.namespace_location(p).map_err(to_iceberg_error)?,
            None => self.warehouse.clone().ok_or_else(|| {
                IcebergError::new(IcebergKind::FeatureUnsupported, "no warehouse")
            })?,
        };
        let (dirs, _) = self
            .stores
            .list_dir(&base)
            .await
            .map_err(to_iceberg_error)?;
        let mut out = vec![];
        for dir in dirs {
            let path = join(&base, &dir);
            if dir.starts_with('.')
                || self.is_table_dir(&path).await.map_err(to_iceberg_error)?
                || self
                    .is_dropped_table_dir(&path)
                    .await
                    .map_err(to_iceberg_error)?
            {
                continue;
            }
            let mut parts = parent.map(|p| p.clone().inner()).unwrap_or_default();
            parts.push(dir);
            out.push(NamespaceIdent::from_vec(parts)?);
        }
        out.sort_by_key(|n| n.to_url_string());
        Ok(out)
    }

    async fn create_namespace(
        &self,
        namespace: &NamespaceIdent,
        properties: HashMap<String, String>,
    ) -> iceberg::Result<Namespace> {
        if !properties.is_empty() {
            return Err(IcebergError::new(
                IcebergKind::FeatureUnsupported,
                "the directory catalog keeps no namespace properties; use a sql catalog for them",
            ));
        }
        if self.namespace_exists(namespace).await? {
            return Err(IcebergError::new(
                IcebergKind::NamespaceAlreadyExists,
                format!("namespace {} already exists", namespace.join(".")),
            ));
        }
        let location = self
            .namespace_location(namespace)
            .map_err(to_iceberg_error)?;
        if crate::table::storage::stores::is_local(&location) {
            std::fs::create_dir_all(&location).map_err(|e| {
                IcebergError::new(
                    IcebergKind::Unexpected,
                    format!("cannot create {location}: {e}"),
                )
            })?;
        }
        Ok(Namespace::with_properties(namespace.clone(), properties))
    }

    async fn get_namespace(&self, namespace: &NamespaceIdent) -> iceberg::Result<Namespace> {
        if self.namespace_exists(namespace).await? {
            Ok(Namespace::new(namespace.clone()))
        } else {
            Err(IcebergError::new(
                IcebergKind::NamespaceNotFound,
                format!("namespace {} does not exist", namespace.join(".")),
            ))
        }
    }

    async fn namespace_exists(&self, namespace: &NamespaceIdent) -> iceberg::Result<bool> {
        let location = self
            .namespace_location(namespace)
            .map_err(to_iceberg_error)?;
        let (dirs, files) = self
            .stores
            .list_dir(&location)
            .await
            .map_err(to_iceberg_error)?;
        Ok(!dirs.is_empty()
            || !files.is_empty()
            || (crate::table::storage::stores::is_local(&location)
                && std::path::Path::new(&location).is_dir()))
    }

    async fn update_namespace(
        &self,
        _namespace: &NamespaceIdent,
        _properties: HashMap<String, String>,
    ) -> iceberg::Result<()> {
        Err(IcebergError::new(
            IcebergKind::FeatureUnsupported,
            "the directory catalog keeps no namespace properties",
        ))
    }

    async fn drop_namespace(&self, namespace: &NamespaceIdent) -> iceberg::Result<()> {
        if !self.list_tables(namespace).await?.is_empty() {
            return Err(IcebergError::new(
                IcebergKind::PreconditionFailed,
                format!("namespace {} is not empty", namespace.join(".")),
            ));
        }
        let location = self
            .namespace_location(namespace)
            .map_err(to_iceberg_error)?;
        if crate::table::storage::stores::is_local(&location) {
            let _ = std::fs::remove_dir(&location);
        }
        Ok(())
    }

    async fn list_tables(&self, namespace: &NamespaceIdent) -> iceberg::Result<Vec<TableIdent>> {
        let base = self
            .namespace_location(namespace)
            .map_err(to_iceberg_error)?;
        let (dirs, _) = self
            .stores
            .list_dir(&base)
            .await
            .map_err(to_iceberg_error)?;
        let mut out = vec![];
        for dir in dirs {
            if self
                .is_table_dir(&join(&base, &dir))
                .await
                .map_err(to_iceberg_error)?
            {
                out.push(TableIdent::new(namespace.clone(), dir));
            }
        }
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
        // A directory table is its metadata; dropping removes the metadata files and keeps data.
        let location = self.table_location(table).map_err(to_iceberg_error)?;
        self.current(table).await.map_err(to_iceberg_error)?;
        let listed = self
            .stores
            .list(&metadata_dir(&location))
            .await
            .map_err(to_iceberg_error)?;
        for object in listed {
            self.stores
                .delete(&object.location)
                .await
                .map_err(to_iceberg_error)?;
        }
        self.stores.remove_empty_dirs(&metadata_dir(&location));
        Ok(())
    }

    async fn purge_table(&self, table: &TableIdent) -> iceberg::Result<()> {
        let location = self.table_location(table).map_err(to_iceberg_error)?;
        self.current(table).await.map_err(to_iceberg_error)?;
        let listed = self
            .stores
            .list(&location)
            .await
            .map_err(to_iceberg_error)?;
        for object in listed {
            self.stores
                .delete(&object.location)
                .await
                .map_err(to_iceberg_error)?;
        }
        Ok(())
    }

    async fn table_exists(&self, table: &TableIdent) -> iceberg::Result<bool> {
        let location = self.table_location(table).map_err(to_iceberg_error)?;
        Ok(self
            .find_version(&location)
            .await
            .map_err(to_iceberg_error)?
            .is_some())
    }

    async fn rename_table(&self, _src: &TableIdent, _dest: &TableIdent) -> iceberg::Result<()> {
        Err(IcebergError::new(
            IcebergKind::FeatureUnsupported,
            "the directory catalog cannot rename tables: a table's files live under its name",
        ))
    }

    async fn register_table(
        &self,
        _table: &TableIdent,
        _metadata_location: String,
    ) -> iceberg::Result<Table> {
        Err(IcebergError::new(
            IcebergKind::FeatureUnsupported,
            "the directory catalog finds tables by their directory; register needs a sql catalog",
        ))
    }

    async fn update_table(&self, commit: TableCommit) -> iceberg::Result<Table> {
        update_table_through(self, commit).await
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn catalog_metadata_names_carry_their_sequence_number() {
        assert_eq!(
            catalog_version("00010-6f1c2c43-3c3e-4a7e-a1b1-7d3a2f0e9c11.metadata.json"),
            Some(10)
        );
        assert_eq!(catalog_version("v3.metadata.json"), None);
        assert_eq!(catalog_version("00001-x.gz.metadata.json"), None);
        assert_eq!(catalog_version("snap-1-1-x.avro"), None);
        assert_eq!(catalog_version("-x.metadata.json"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_version_file_names() {
        assert_eq!(parse_version("v12.metadata.json"), Some(12));
        assert_eq!(parse_version("v1.metadata.json"), Some(1));
        assert_eq!(parse_version("00001-abc.metadata.json"), None);
        assert_eq!(parse_version("version-hint.text"), None);
    }
}
