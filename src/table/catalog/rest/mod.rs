//! The Iceberg REST catalog (`type: rest`): tables behind Polaris, Lakekeeper, Nessie, Unity,
//! Gravitino or Glue's REST endpoint. Commits go through floe's shared commit path, with the
//! table-commit endpoint as the pointer swap.

mod client;
mod settle;
mod sigv4;
mod types;

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Result;
use async_trait::async_trait;
use iceberg::spec::TableMetadata;
use iceberg::table::Table;
use iceberg::{
    Catalog, Error as IcebergError, ErrorKind as IcebergKind, Namespace, NamespaceIdent,
    TableCommit, TableCreation, TableIdent, TableRequirement, TableUpdate,
};
use reqwest::{Method, StatusCode};

use self::client::{namespace_segment, table_segments, RestClient, RestFailure};
use self::types::*;
use super::floe_catalog::{display_ident, to_iceberg_error, update_table_through, FloeCatalog};
use super::metadata_commit::{
    commit_metadata, MetadataPointer, PointedMetadata, Proposal, Settled, Swap,
};
use crate::error::{ErrorKind, FloeError};
use crate::table::storage::file_io::build_table;
use crate::table::storage::stores::Stores;
use crate::table::storage::vended_credentials::PropsRefresher;

/// A catalog served over the Iceberg REST protocol.
#[derive(Debug)]
pub struct RestCatalog {
    client: Arc<RestClient>,
    stores: Stores,
}

impl RestCatalog {
    pub async fn connect(
        name: &str,
        props: HashMap<String, String>,
        stores: Stores,
    ) -> Result<Self> {
        let client = RestClient::connect(name, props).await?;
        // Storage settings the server hands every client (its defaults and overrides).
        stores.scope_props("", client.props());
        Ok(RestCatalog {
            client: Arc::new(client),
            stores,
        })
    }

    fn table_url(&self, ident: &TableIdent) -> reqwest::Url {
        table_url(&self.client, ident)
    }

    fn namespace_url(&self, ns: &NamespaceIdent, rest: &[&str]) -> reqwest::Url {
        let segment = namespace_segment(ns);
        let mut segments = vec!["namespaces", segment.as_str()];
        segments.extend_from_slice(rest);
        self.client.url(&segments)
    }

    /// A failure on a table request; 404 names the table.
    fn table_error(&self, ident: &TableIdent, failure: RestFailure, doing: &str) -> anyhow::Error {
        if failure.status() == Some(StatusCode::NOT_FOUND) {
            return FloeError::not_found(format!(
                "table {} does not exist in catalog '{}' ({})",
                display_ident(ident),
                self.client.catalog(),
                match &failure {
                    RestFailure::Status { message, .. } if !message.is_empty() => message.clone(),
                    _ => "HTTP 404".to_string(),
                }
            ))
            .with_hint("list tables with `floe list`, or create it with `floe create`")
            .into();
        }
        self.client.error(failure, doing)
    }

    fn namespace_error(
        &self,
        ns: &NamespaceIdent,
        failure: RestFailure,
        doing: &str,
    ) -> anyhow::Error {
        if failure.status() == Some(StatusCode::NOT_FOUND) {
            return FloeError::not_found(format!(
                "namespace {} does not exist in catalog '{}'",
                ns.join("."),
                self.client.catalog()
            ))
            .with_hint("list namespaces with `floe namespaces`")
            .into();
        }
        self.client.error(failure, doing)
    }

    /// Load a table, and take the storage credentials the server vends for its files.
    async fn load(&self, ident: &TableIdent) -> Result<PointedMetadata> {
        let result: LoadTableResult = self
            .client
            .send(Method::GET, self.table_url(ident), None::<&()>, &[])
            .await
            .map_err(|f| {
                self.table_error(ident, f, &format!("load table {}", display_ident(ident)))
            })?;
        self.accept(ident, result)
    }

    fn accept(&self, ident: &TableIdent, result: LoadTableResult) -> Result<PointedMetadata> {
        let table_location = result.metadata.location().to_string();
        self.stores.scope_props_renewable(
            &table_location,
            &result.config,
            Some(self.renewer(ident, &table_location, result.config.clone())),
        );
        for credential in &result.storage_credentials {
            self.stores.scope_props_renewable(
                &credential.prefix,
                &credential.config,
                Some(self.renewer(ident, &credential.prefix, result.config.clone())),
            );
        }
        let location = result.metadata_location.ok_or_else(|| {
            FloeError::invalid(format!(
                "table {} in catalog '{}' is staged (no metadata file yet)",
                display_ident(ident),
                self.client.catalog()
            ))
        })?;
        Ok(PointedMetadata {
            location,
            metadata: result.metadata,
        })
    }

    /// Fetches the storage properties for `prefix` of a table again: the spec's credentials
    /// endpoint, else (a server without it) a fresh load of the table.
    fn renewer(
        &self,
        ident: &TableIdent,
        prefix: &str,
        table_config: HashMap<String, String>,
    ) -> PropsRefresher {
        let client = self.client.clone();
        let ident = ident.clone();
        let prefix = prefix.to_string();
        Arc::new(move || {
            let client = client.clone();
            let ident = ident.clone();
            let prefix = prefix.clone();
            let mut props = table_config.clone();
            Box::pin(async move {
                let mut url = table_url(&client, &ident);
                url.path_segments_mut()
                    .expect("an http(s) URL has a path")
                    .push("credentials");
                let credentials = match client
                    .send::<(), LoadCredentialsResponse>(Method::GET, url, None, &[])
                    .await
                {
                    Ok(found) => found.storage_credentials,
                    Err(_) => {
                        let loaded: LoadTableResult = client
                            .send(Method::GET, table_url(&client, &ident), None::<&()>, &[])
                            .await
                            .map_err(|f| {
                                client.error(f, "renew the table's storage credentials")
                            })?;
                        props = loaded.config;
                        loaded.storage_credentials
                    }
                };
                // The most specific credential covering the prefix.
                if let Some(credential) = credentials
                    .iter()
                    .filter(|c| prefix.starts_with(c.prefix.trim_end_matches('/')))
                    .max_by_key(|c| c.prefix.len())
                {
                    props.extend(credential.config.clone());
                }
                Ok(props)
            })
        })
    }

    async fn create(&self, ident: &TableIdent, creation: TableCreation) -> Result<Table> {
        let spec = creation.partition_spec.clone();
        let request = CreateTableRequest {
            name: ident.name(),
            location: creation.location.as_deref(),
            schema: &creation.schema,
            partition_spec: spec.as_ref(),
            write_order: creation.sort_order.as_ref(),
            stage_create: false,
            properties: &with_format_version(&creation),
        };
        let url = self.namespace_url(ident.namespace(), &["tables"]);
        let result: LoadTableResult = self
            .client
            .send(Method::POST, url, Some(&request), &[])
            .await
            .map_err(|f| match f.status() {
                Some(StatusCode::CONFLICT) => FloeError::new(
                    ErrorKind::AlreadyExists,
                    format!("table {} already exists", display_ident(ident)),
                )
                .with_hint("use --if-not-exists to accept an existing table")
                .into(),
                _ => self.namespace_error(
                    ident.namespace(),
                    f,
                    &format!("create table {}", display_ident(ident)),
                ),
            })?;
        let pointed = self.accept(ident, result)?;
        build_table(ident, pointed.location, pointed.metadata, &self.stores)
    }

    /// Every page of a listing.
    async fn pages<T: serde::de::DeserializeOwned>(
        &self,
        url: reqwest::Url,
        next: impl Fn(&T) -> Option<String>,
        mut collect: impl FnMut(T),
        doing: &str,
        ns: Option<&NamespaceIdent>,
    ) -> Result<()> {
        let mut token: Option<String> = None;
        loop {
            let mut page_url = url.clone();
            if let Some(token) = &token {
                page_url.query_pairs_mut().append_pair("pageToken", token);
            }
            let page: T = self
                .client
                .send(Method::GET, page_url, None::<&()>, &[])
                .await
                .map_err(|f| match ns {
                    Some(ns) => self.namespace_error(ns, f, doing),
                    None => self.client.error(f, doing),
                })?;
            token = next(&page).filter(|t| !t.is_empty());
            collect(page);
            if token.is_none() {
                return Ok(());
            }
        }
    }

    async fn drop_as(&self, ident: &TableIdent, purge: bool) -> Result<()> {
        let mut url = self.table_url(ident);
        url.query_pairs_mut()
            .append_pair("purgeRequested", if purge { "true" } else { "false" });
        self.client
            .exchange(Method::DELETE, url, None::<&()>, &[])
            .await
            .map_err(|f| {
                self.table_error(ident, f, &format!("drop table {}", display_ident(ident)))
            })?;
        Ok(())
    }
}

fn table_url(client: &RestClient, ident: &TableIdent) -> reqwest::Url {
    let segments = table_segments(ident);
    let refs: Vec<&str> = segments.iter().map(String::as_str).collect();
    client.url(&refs)
}

/// The format version travels as a property in the create request.
fn with_format_version(creation: &TableCreation) -> HashMap<String, String> {
    let mut props = creation.properties.clone();
    props.insert(
        "format-version".to_string(),
        (creation.format_version as u8).to_string(),
    );
    props
}

/// What pins a commit to the metadata floe built it from: the server applies our updates to
/// ITS current metadata, so every ref, the schema, spec and sort order floe read must still be
/// there. Anything else another writer changed meanwhile is a 409, and the shared path reloads
/// and re-checks, as it does when a directory or SQL pointer moved.
fn pinned_requirements(
    base: &TableMetadata,
    requirements: &[TableRequirement],
    updates: &[TableUpdate],
) -> Result<Vec<TableRequirement>> {
    let base_refs = crate::table::read::scan::refs(base)?;
    let mut pinned = requirements.to_vec();
    let mut push = |r: TableRequirement| {
        if !pinned.contains(&r) {
            pinned.push(r);
        }
    };
    push(TableRequirement::UuidMatch { uuid: base.uuid() });
    for (name, reference) in &base_refs {
        push(TableRequirement::RefSnapshotIdMatch {
            r#ref: name.clone(),
            snapshot_id: Some(reference.snapshot_id),
        });
    }
    for update in updates {
        if let TableUpdate::SetSnapshotRef { ref_name, .. } = update {
            if !base_refs.contains_key(ref_name) {
                push(TableRequirement::RefSnapshotIdMatch {
                    r#ref: ref_name.clone(),
                    snapshot_id: None,
                });
            }
        }
    }
    push(TableRequirement::CurrentSchemaIdMatch {
        current_schema_id: base.current_schema_id(),
    });
    push(TableRequirement::LastAssignedFieldIdMatch {
        last_assigned_field_id: base.last_column_id(),
    });
    push(TableRequirement::DefaultSpecIdMatch {
        default_spec_id: base.default_partition_spec_id(),
    });
    push(TableRequirement::LastAssignedPartitionIdMatch {
        last_assigned_partition_id: base.last_partition_id(),
    });
    push(TableRequirement::DefaultSortOrderIdMatch {
        default_sort_order_id: base.default_sort_order_id(),
    });
    Ok(pinned)
}

/// The spec's `add-spec` carries the spec id and field ids (Java's parser requires them);
/// iceberg leaves them to whoever applies the update, so they are taken from floe's own
/// application of it.
fn with_spec_ids(updates: &[TableUpdate], applied: &TableMetadata) -> Vec<TableUpdate> {
    updates
        .iter()
        .map(|update| match update {
            TableUpdate::AddSpec { spec } if spec.spec_id().is_none() => {
                let same_fields = |bound: &iceberg::spec::PartitionSpec| {
                    bound.fields().len() == spec.fields().len()
                        && bound.fields().iter().zip(spec.fields()).all(|(b, u)| {
                            b.source_id == u.source_id
                                && b.name == u.name
                                && b.transform == u.transform
                                && u.field_id.is_none_or(|id| id == b.field_id)
                        })
                };
                match applied
                    .partition_specs_iter()
                    .find(|bound| same_fields(bound))
                {
                    Some(bound) => TableUpdate::AddSpec {
                        spec: bound.as_ref().clone().into_unbound(),
                    },
                    None => update.clone(),
                }
            }
            _ => update.clone(),
        })
        .collect()
}

#[async_trait]
impl MetadataPointer for RestCatalog {
    async fn load_pointed(&self, ident: &TableIdent) -> Result<PointedMetadata> {
        self.load(ident).await
    }

    fn next_location(
        &self,
        _ident: &TableIdent,
        _base: &PointedMetadata,
    ) -> Result<Option<String>> {
        // The server writes its own metadata files.
        Ok(None)
    }

    async fn swap(&self, ident: &TableIdent, proposal: &Proposal<'_>) -> Swap {
        let requirements = match pinned_requirements(
            &proposal.base.metadata,
            proposal.requirements,
            proposal.updates,
        ) {
            Ok(requirements) => requirements,
            Err(e) => return Swap::Failed(e),
        };
        let updates = with_spec_ids(proposal.updates, proposal.metadata);
        let request = CommitTableRequest {
            identifier: ident,
            requirements: &requirements,
            updates: &updates,
        };
        let doing = format!("commit to table {}", display_ident(ident));
        // The same key on every re-send of this attempt: a server that keeps keys answers a
        // duplicate with the first outcome instead of applying it again.
        let key: &[(&str, &str)] = if self.client.honours_idempotency_keys() {
            &[("Idempotency-Key", proposal.key)]
        } else {
            &[]
        };
        match self
            .client
            .send::<_, CommitTableResponse>(
                Method::POST,
                self.table_url(ident),
                Some(&request),
                key,
            )
            .await
        {
            Ok(response) => Swap::Swapped(Some(PointedMetadata {
                location: response.metadata_location,
                metadata: response.metadata,
            })),
            Err(failure) => match &failure {
                // Another writer changed what the commit is pinned to.
                RestFailure::Status { status, .. } if *status == StatusCode::CONFLICT => Swap::Lost,
                // Refused before anything was done: the server never applied it.
                RestFailure::Unreachable(_) | RestFailure::NotSent(_) => {
                    Swap::Failed(self.client.error(failure, &doing))
                }
                RestFailure::Status { status, .. } if status.is_client_error() => {
                    Swap::Failed(self.table_error(ident, failure, &doing))
                }
                // 5xx (a gateway's 502/504 too), a timeout, a dropped connection, an answer
                // that does not parse: the commit may have been applied.
                _ => Swap::Unknown(self.client.error(failure, &doing)),
            },
        }
    }

    async fn settle(&self, ident: &TableIdent, proposal: &Proposal<'_>) -> Result<Settled> {
        let now = self.load(ident).await?;
        settle::decide(&self.stores, proposal, now).await
    }

    async fn discard(&self, _location: &str) {
        // The server writes (and cleans up) its own metadata files.
    }

    fn describe(&self, ident: &TableIdent) -> String {
        format!(
            "{} (catalog '{}')",
            display_ident(ident),
            self.client.catalog()
        )
    }

    fn pointer_stores(&self) -> &Stores {
        &self.stores
    }
}

#[async_trait]
impl FloeCatalog for RestCatalog {
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
        // The server places new tables.
        Ok(None)
    }

    fn stores(&self) -> &Stores {
        &self.stores
    }

    async fn drop_purging(&self, ident: &TableIdent, purge: bool) -> Result<()> {
        self.drop_as(ident, purge).await
    }
}

#[async_trait]
impl Catalog for RestCatalog {
    async fn list_namespaces(
        &self,
        parent: Option<&NamespaceIdent>,
    ) -> iceberg::Result<Vec<NamespaceIdent>> {
        let mut url = self.client.url(&["namespaces"]);
        if let Some(parent) = parent {
            url.query_pairs_mut()
                .append_pair("parent", &namespace_segment(parent));
        }
        let mut out = vec![];
        self.pages(
            url,
            |p: &ListNamespacesResponse| p.next_page_token.clone(),
            |p| out.extend(p.namespaces),
            "list namespaces",
            parent,
        )
        .await
        .map_err(to_iceberg_error)?;
        Ok(out)
    }

    async fn create_namespace(
        &self,
        namespace: &NamespaceIdent,
        properties: HashMap<String, String>,
    ) -> iceberg::Result<Namespace> {
        let request = CreateNamespaceRequest {
            namespace,
            properties: &properties,
        };
        let created: NamespaceResponse = self
            .client
            .send(
                Method::POST,
                self.client.url(&["namespaces"]),
                Some(&request),
                &[],
            )
            .await
            .map_err(|f| match f.status() {
                Some(StatusCode::CONFLICT) => IcebergError::new(
                    IcebergKind::NamespaceAlreadyExists,
                    format!("namespace {} already exists", namespace.join(".")),
                ),
                _ => to_iceberg_error(self.client.error(f, "create a namespace")),
            })?;
        Ok(Namespace::with_properties(
            created.namespace,
            created.properties.unwrap_or(properties),
        ))
    }

    async fn get_namespace(&self, namespace: &NamespaceIdent) -> iceberg::Result<Namespace> {
        let found: NamespaceResponse = self
            .client
            .send(
                Method::GET,
                self.namespace_url(namespace, &[]),
                None::<&()>,
                &[],
            )
            .await
            .map_err(|f| {
                to_iceberg_error(self.namespace_error(namespace, f, "load a namespace"))
            })?;
        Ok(Namespace::with_properties(
            found.namespace,
            found.properties.unwrap_or_default(),
        ))
    }

    async fn namespace_exists(&self, namespace: &NamespaceIdent) -> iceberg::Result<bool> {
        match self
            .client
            .exchange(
                Method::HEAD,
                self.namespace_url(namespace, &[]),
                None::<&()>,
                &[],
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(f) if f.status() == Some(StatusCode::NOT_FOUND) => Ok(false),
            Err(f) => Err(to_iceberg_error(self.client.error(f, "check a namespace"))),
        }
    }

    async fn update_namespace(
        &self,
        namespace: &NamespaceIdent,
        properties: HashMap<String, String>,
    ) -> iceberg::Result<()> {
        let request = UpdateNamespacePropertiesRequest {
            removals: &[],
            updates: &properties,
        };
        self.client
            .exchange(
                Method::POST,
                self.namespace_url(namespace, &["properties"]),
                Some(&request),
                &[],
            )
            .await
            .map_err(|f| {
                to_iceberg_error(self.namespace_error(namespace, f, "update namespace properties"))
            })?;
        Ok(())
    }

    async fn drop_namespace(&self, namespace: &NamespaceIdent) -> iceberg::Result<()> {
        self.client
            .exchange(
                Method::DELETE,
                self.namespace_url(namespace, &[]),
                None::<&()>,
                &[],
            )
            .await
            .map_err(|f| {
                to_iceberg_error(self.namespace_error(namespace, f, "drop a namespace"))
            })?;
        Ok(())
    }

    async fn list_tables(&self, namespace: &NamespaceIdent) -> iceberg::Result<Vec<TableIdent>> {
        let mut out = vec![];
        self.pages(
            self.namespace_url(namespace, &["tables"]),
            |p: &ListTablesResponse| p.next_page_token.clone(),
            |p| out.extend(p.identifiers),
            "list tables",
            Some(namespace),
        )
        .await
        .map_err(to_iceberg_error)?;
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
        self.drop_as(table, false).await.map_err(to_iceberg_error)
    }

    async fn purge_table(&self, table: &TableIdent) -> iceberg::Result<()> {
        self.drop_as(table, true).await.map_err(to_iceberg_error)
    }

    async fn table_exists(&self, table: &TableIdent) -> iceberg::Result<bool> {
        match self
            .client
            .exchange(Method::HEAD, self.table_url(table), None::<&()>, &[])
            .await
        {
            Ok(_) => Ok(true),
            Err(f) if f.status() == Some(StatusCode::NOT_FOUND) => Ok(false),
            Err(f) => Err(to_iceberg_error(self.client.error(f, "check a table"))),
        }
    }

    async fn rename_table(&self, src: &TableIdent, dest: &TableIdent) -> iceberg::Result<()> {
        let request = RenameTableRequest {
            source: src,
            destination: dest,
        };
        self.client
            .exchange(
                Method::POST,
                self.client.url(&["tables", "rename"]),
                Some(&request),
                &[],
            )
            .await
            .map_err(|f| match f.status() {
                Some(StatusCode::CONFLICT) => IcebergError::new(
                    IcebergKind::TableAlreadyExists,
                    format!("table {} already exists", display_ident(dest)),
                ),
                _ => to_iceberg_error(self.table_error(src, f, "rename a table")),
            })?;
        Ok(())
    }

    async fn register_table(
        &self,
        table: &TableIdent,
        metadata_location: String,
    ) -> iceberg::Result<Table> {
        let request = RegisterTableRequest {
            name: table.name(),
            metadata_location: &metadata_location,
        };
        let result: LoadTableResult = self
            .client
            .send(
                Method::POST,
                self.namespace_url(table.namespace(), &["register"]),
                Some(&request),
                &[],
            )
            .await
            .map_err(|f| match f.status() {
                Some(StatusCode::CONFLICT) => IcebergError::new(
                    IcebergKind::TableAlreadyExists,
                    format!("table {} already exists", display_ident(table)),
                ),
                _ => {
                    to_iceberg_error(self.namespace_error(table.namespace(), f, "register a table"))
                }
            })?;
        let pointed = self.accept(table, result).map_err(to_iceberg_error)?;
        build_table(table, pointed.location, pointed.metadata, &self.stores)
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
    fn format_version_travels_as_a_property() {
        let schema = iceberg::spec::Schema::builder().build().unwrap();
        let creation = TableCreation::builder()
            .name("t".into())
            .schema(schema)
            .format_version(iceberg::spec::FormatVersion::V2)
            .build();
        assert_eq!(
            with_format_version(&creation)
                .get("format-version")
                .map(String::as_str),
            Some("2")
        );
    }
}
