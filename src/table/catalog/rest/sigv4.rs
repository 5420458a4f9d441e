//! AWS Signature V4 for REST catalogs behind AWS (Glue's and S3 Tables' Iceberg endpoints):
//! `rest.sigv4-enabled`, `rest.signing-region`, `rest.signing-name`, credentials from the
//! catalog's `client.*` keys or the standard AWS chain, signed with the official signer.

use std::collections::HashMap;
use std::time::SystemTime;

use anyhow::Result;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings,
};
use aws_sigv4::sign::v4;
use reqwest::header::{HeaderName, HeaderValue};

use crate::error::FloeError;

/// Signs every request of one REST catalog.
pub struct SigV4 {
    catalog: String,
    region: String,
    service: String,
    credentials: SharedCredentialsProvider,
}

impl std::fmt::Debug for SigV4 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigV4")
            .field("region", &self.region)
            .field("service", &self.service)
            .finish()
    }
}

/// Whether the catalog asks for SigV4 (`rest.sigv4-enabled: true`).
pub fn enabled(props: &HashMap<String, String>) -> bool {
    props
        .get("rest.sigv4-enabled")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

impl SigV4 {
    /// The signer for a catalog: region from `rest.signing-region` (else the AWS settings),
    /// service from `rest.signing-name` (default `execute-api`, as PyIceberg and Java default).
    pub async fn from_props(catalog: &str, props: &HashMap<String, String>) -> Result<Self> {
        // The signing region is the `rest` service's region for the AWS settings.
        let mut props = props.clone();
        if let Some(region) = props.get("rest.signing-region").cloned() {
            props.insert("rest.region".to_string(), region);
        }
        let (config, _) = crate::table::storage::aws::sdk_config(catalog, &props, "rest").await?;
        let region = config
            .region()
            .map(|r| r.to_string())
            .expect("sdk_config refuses a config without a region");
        let credentials = config.credentials_provider().ok_or_else(|| {
            FloeError::config(format!(
                "catalog '{catalog}' signs with SigV4 but no AWS credentials were found"
            ))
            .with_hint("set client.access-key-id and client.secret-access-key, or AWS_* variables, or an AWS profile")
        })?;
        Ok(SigV4 {
            catalog: catalog.to_string(),
            region,
            service: props
                .get("rest.signing-name")
                .cloned()
                .unwrap_or_else(|| "execute-api".to_string()),
            credentials,
        })
    }

    /// Sign `request` in place (its body must be in memory).
    pub async fn sign(&self, request: &mut reqwest::Request) -> Result<()> {
        let credentials = self.credentials.provide_credentials().await.map_err(|e| {
            FloeError::config(format!(
                "catalog '{}': cannot get AWS credentials to sign requests: {e}",
                self.catalog
            ))
            .with_hint("set client.access-key-id and client.secret-access-key, or AWS_* variables, or an AWS profile")
        })?;
        let identity = credentials.into();
        let mut settings = SigningSettings::default();
        // Glue and S3 Tables want the payload's hash as a signed header.
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(&self.service)
            .time(SystemTime::now())
            .settings(settings)
            .build()?
            .into();
        let body: &[u8] = request
            .body()
            .and_then(|b| b.as_bytes())
            .unwrap_or_default();
        let headers: Vec<(&str, &str)> = request
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
            .collect();
        let signable = SignableRequest::new(
            request.method().as_str(),
            request.url().as_str(),
            headers.into_iter(),
            SignableBody::Bytes(body),
        )?;
        let (instructions, _) = sign(signable, &params)?.into_parts();
        let (new_headers, new_query) = instructions.into_parts();
        for header in new_headers {
            request.headers_mut().insert(
                HeaderName::from_bytes(header.name().as_bytes())?,
                HeaderValue::from_str(header.value())?,
            );
        }
        if !new_query.is_empty() {
            let mut pairs = request.url_mut().query_pairs_mut();
            for (name, value) in new_query {
                pairs.append_pair(name, &value);
            }
        }
        Ok(())
    }
}
