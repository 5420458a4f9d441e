//! AWS SDK configuration from catalog properties (region, endpoint, profile, static keys, else
//! the standard credential chain), shared by every catalog that talks to an AWS service.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Result;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

use crate::error::FloeError;

/// The AWS settings of one catalog, read the way PyIceberg reads them: `<service>.<key>` first
/// (`glue.region`), then the `client.<key>` shared by every AWS client, then the older
/// unprefixed names (`region_name`, `profile_name`, `aws_access_key_id`, ...).
#[derive(Clone, Default)]
pub struct AwsSettings {
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub profile: Option<String>,
    pub access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
    pub max_attempts: Option<u32>,
}

// Written by hand so that a debug print can never show a secret.
impl std::fmt::Debug for AwsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsSettings")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("profile", &self.profile)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "***"),
            )
            .field("session_token", &self.session_token.as_ref().map(|_| "***"))
            .finish()
    }
}

impl AwsSettings {
    /// Read the settings for `service` (`glue`) from a catalog's properties.
    pub fn from_props(
        catalog: &str,
        props: &HashMap<String, String>,
        service: &str,
    ) -> Result<Self> {
        let first = |suffix: &str, legacy: &[&str]| -> Option<String> {
            let mut keys = vec![format!("{service}.{suffix}"), format!("client.{suffix}")];
            keys.extend(legacy.iter().map(|k| k.to_string()));
            keys.iter()
                .find_map(|k| props.get(k))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let max_attempts = match props.get(&format!("{service}.max-retries")) {
            Some(v) => Some(v.trim().parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                FloeError::config(format!(
                    "catalog '{catalog}': {service}.max-retries={v} is not a positive number of attempts"
                ))
            })?),
            None => None,
        };
        let settings = AwsSettings {
            region: first("region", &["region_name"]),
            // Only the service's own endpoint: `client.endpoint` is not an AWS client setting.
            endpoint: props
                .get(&format!("{service}.endpoint"))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty()),
            profile: first("profile-name", &["profile_name"]),
            access_key_id: first("access-key-id", &["aws_access_key_id"]),
            secret_access_key: first("secret-access-key", &["aws_secret_access_key"]),
            session_token: first("session-token", &["aws_session_token"]),
            max_attempts,
        };
        match (&settings.access_key_id, &settings.secret_access_key) {
            (Some(_), None) => Err(FloeError::config(format!(
                "catalog '{catalog}' sets an access key id but no secret access key"
            ))
            .with_hint(format!(
                "set {service}.secret-access-key (or client.secret-access-key) too, or neither to use the standard AWS credential chain"
            ))
            .into()),
            (None, Some(_)) => Err(FloeError::config(format!(
                "catalog '{catalog}' sets a secret access key but no access key id"
            ))
            .with_hint(format!(
                "set {service}.access-key-id (or client.access-key-id) too, or neither to use the standard AWS credential chain"
            ))
            .into()),
            _ => Ok(settings),
        }
    }

    /// Whether the credentials come from the catalog's own configuration.
    pub fn has_static_keys(&self) -> bool {
        self.access_key_id.is_some()
    }
}

/// An `SdkConfig` for `service` from the catalog's properties: a configured region, endpoint,
/// profile or static keys win; whatever is not configured comes from the standard AWS chain
/// (environment, profiles in the shared config and credentials files, web identity, container
/// and instance metadata; SSO profiles are not built in). Fails with a configuration error when no region is found.
pub async fn sdk_config(
    catalog: &str,
    props: &HashMap<String, String>,
    service: &str,
) -> Result<(SdkConfig, AwsSettings)> {
    let settings = AwsSettings::from_props(catalog, props, service)?;
    // Bounded waits: an unreachable endpoint must fail, not hang a cron job.
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(Duration::from_secs(60))
        .build();
    // rustls on ring, the crypto the rest of the tree (reqwest, object_store) already builds,
    // instead of the SDK's default aws-lc-rs.
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https)
        .timeout_config(timeouts)
        .retry_config(
            RetryConfig::standard().with_max_attempts(settings.max_attempts.unwrap_or(3)),
        );
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(endpoint) = &settings.endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    if let (Some(id), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key) {
        loader = loader.credentials_provider(Credentials::new(
            id,
            secret,
            settings.session_token.clone(),
            None,
            "catalog configuration",
        ));
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return Err(FloeError::config(format!(
            "catalog '{catalog}' ({service}) has no AWS region"
        ))
        .with_hint(format!(
            "set {service}.region (or client.region) in the catalog's config, or AWS_REGION / a region in the AWS profile"
        ))
        .into());
    }
    Ok((config, settings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn service_keys_win_over_client_and_legacy_keys() {
        let s = AwsSettings::from_props(
            "c",
            &props(&[
                ("glue.region", "eu-west-1"),
                ("client.region", "us-east-1"),
                ("region_name", "ap-south-1"),
                ("client.access-key-id", "AKID"),
                ("client.secret-access-key", "SECRET"),
                ("glue.endpoint", "http://127.0.0.1:5000"),
            ]),
            "glue",
        )
        .unwrap();
        assert_eq!(s.region.as_deref(), Some("eu-west-1"));
        assert_eq!(s.access_key_id.as_deref(), Some("AKID"));
        assert_eq!(s.endpoint.as_deref(), Some("http://127.0.0.1:5000"));
        let shown = format!("{s:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        let legacy =
            AwsSettings::from_props("c", &props(&[("region_name", "ap-south-1")]), "glue").unwrap();
        assert_eq!(legacy.region.as_deref(), Some("ap-south-1"));
    }

    #[test]
    fn half_a_key_pair_is_a_config_error() {
        let err = AwsSettings::from_props("c", &props(&[("glue.access-key-id", "AKID")]), "glue")
            .unwrap_err();
        assert_eq!(crate::error::kind_of(&err), crate::error::ErrorKind::Config);
        let err = AwsSettings::from_props("c", &props(&[("glue.max-retries", "zero")]), "glue")
            .unwrap_err();
        assert_eq!(crate::error::kind_of(&err), crate::error::ErrorKind::Config);
    }
}
