//! The Iceberg REST catalog's request and response bodies (the open API spec's names), as far
//! as floe sends and reads them. Tables, schemas, specs, updates and requirements use
//! iceberg's own serde, which follows the same spec.

use std::collections::HashMap;

use iceberg::spec::{Schema, SortOrder, TableMetadata, UnboundPartitionSpec};
use iceberg::{NamespaceIdent, TableIdent, TableRequirement, TableUpdate};
use serde::{Deserialize, Serialize};

/// `GET /v1/config`.
#[derive(Debug, Default, Deserialize)]
pub struct ConfigResponse {
    #[serde(default)]
    pub defaults: HashMap<String, String>,
    #[serde(default)]
    pub overrides: HashMap<String, String>,
    /// Present when the server honours `Idempotency-Key` (an ISO-8601 duration).
    #[serde(rename = "idempotency-key-lifetime", default)]
    pub idempotency_key_lifetime: Option<String>,
}

/// The error body every endpoint answers a failure with.
#[derive(Debug, Deserialize)]
pub struct ErrorResponse {
    pub error: ErrorModel,
}

#[derive(Debug, Deserialize)]
pub struct ErrorModel {
    #[serde(default)]
    pub message: String,
    #[serde(rename = "type", default)]
    pub kind: String,
}

/// The OAuth2 token endpoint's answer (RFC 6749 §5.1) and error (§5.2).
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct OAuthError {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ListNamespacesResponse {
    #[serde(default)]
    pub namespaces: Vec<NamespaceIdent>,
    #[serde(rename = "next-page-token", default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CreateNamespaceRequest<'a> {
    pub namespace: &'a NamespaceIdent,
    pub properties: &'a HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct NamespaceResponse {
    pub namespace: NamespaceIdent,
    #[serde(default)]
    pub properties: Option<HashMap<String, String>>,
}

#[derive(Debug, Serialize)]
pub struct UpdateNamespacePropertiesRequest<'a> {
    pub removals: &'a [String],
    pub updates: &'a HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct ListTablesResponse {
    #[serde(default)]
    pub identifiers: Vec<TableIdent>,
    #[serde(rename = "next-page-token", default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct CreateTableRequest<'a> {
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<&'a str>,
    pub schema: &'a Schema,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition_spec: Option<&'a UnboundPartitionSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_order: Option<&'a SortOrder>,
    pub stage_create: bool,
    pub properties: &'a HashMap<String, String>,
}

/// Storage credentials for the files under `prefix`.
#[derive(Debug, Clone, Deserialize)]
pub struct StorageCredential {
    pub prefix: String,
    #[serde(default)]
    pub config: HashMap<String, String>,
}

/// What loading, creating or registering a table answers.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct LoadTableResult {
    #[serde(default)]
    pub metadata_location: Option<String>,
    pub metadata: TableMetadata,
    #[serde(default)]
    pub config: HashMap<String, String>,
    #[serde(default)]
    pub storage_credentials: Vec<StorageCredential>,
}

#[derive(Debug, Serialize)]
pub struct CommitTableRequest<'a> {
    pub identifier: &'a TableIdent,
    pub requirements: &'a [TableRequirement],
    pub updates: &'a [TableUpdate],
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CommitTableResponse {
    pub metadata_location: String,
    pub metadata: TableMetadata,
}

#[derive(Debug, Serialize)]
pub struct RenameTableRequest<'a> {
    pub source: &'a TableIdent,
    pub destination: &'a TableIdent,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RegisterTableRequest<'a> {
    pub name: &'a str,
    pub metadata_location: &'a str,
}

/// `GET …/tables/{table}/credentials`: fresh storage credentials for a table's files.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct LoadCredentialsResponse {
    #[serde(default)]
    pub storage_credentials: Vec<StorageCredential>,
}
