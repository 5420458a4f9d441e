//! The HTTP side of the REST catalog: configuration from `GET /v1/config`, authentication
//! (a bearer token or OAuth2 client credentials, refreshed before expiry), the spec's paths,
//! and every failure turned into a floe error that names the catalog and never a secret.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Result;
use iceberg::{NamespaceIdent, TableIdent};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::Mutex;

use super::types::{ConfigResponse, ErrorResponse, OAuthError, TokenResponse};
use crate::error::{ErrorKind, FloeError};
use crate::table::catalog::unsupported_types::{find_unsupported_column, unsupported_column_error};

/// A request that did not get a usable answer.
#[derive(Debug)]
pub enum RestFailure {
    /// The server answered with an error status.
    Status {
        status: StatusCode,
        message: String,
        kind: String,
    },
    /// No connection was made: the request never reached the server.
    Unreachable(String),
    /// The request may have reached the server, but no answer came (a timeout, a dropped
    /// connection, a body cut short).
    NoAnswer(String),
    /// An answer came that is not what the spec says.
    Garbled(String),
    /// A table's metadata came back that floe cannot handle (a column of a type it cannot
    /// read yet): the error names the column.
    Unreadable(anyhow::Error),
    /// The request could not be made (authentication, signing): it was never sent.
    NotSent(anyhow::Error),
}

impl RestFailure {
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            RestFailure::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// How requests are authenticated.
enum Auth {
    None,
    /// A fixed bearer token (`token`).
    Bearer(String),
    /// OAuth2 client credentials (`credential: id:secret`), exchanged at the token endpoint and
    /// renewed before they expire.
    ClientCredentials(ClientCredentials),
}

struct ClientCredentials {
    token_url: Url,
    client_id: String,
    client_secret: String,
    scope: String,
    extra: Vec<(String, String)>,
    cached: Mutex<Option<CachedToken>>,
}

struct CachedToken {
    token: String,
    /// When to fetch a new one (ahead of the real expiry).
    renew_at: Option<Instant>,
}

/// A client for one REST catalog.
pub struct RestClient {
    catalog: String,
    http: reqwest::Client,
    base: Url,
    prefix: Option<String>,
    headers: HeaderMap,
    auth: Auth,
    /// Signs every request (`rest.sigv4-enabled`), after the other headers are set.
    sigv4: Option<super::sigv4::SigV4>,
    /// Catalog properties after the server's defaults and overrides.
    props: HashMap<String, String>,
    /// The server advertised `idempotency-key-lifetime`: mutations carry `Idempotency-Key`.
    idempotency: bool,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the auth or the properties: they hold secrets.
        f.debug_struct("RestClient")
            .field("catalog", &self.catalog)
            .field("base", &self.base.as_str())
            .field("prefix", &self.prefix)
            .finish()
    }
}

fn secret_free(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(secret, "***");
    }
    out
}

impl RestClient {
    /// Connect: authenticate if configured, then read `GET /v1/config` and merge its defaults
    /// and overrides with the configured properties (PyIceberg's order: defaults, then the
    /// client's, then overrides).
    pub async fn connect(catalog: &str, props: HashMap<String, String>) -> Result<Self> {
        let uri = props.get("uri").cloned().ok_or_else(|| {
            FloeError::config(format!(
                "catalog '{catalog}' is of type rest but has no `uri` (https://host/api/catalog)"
            ))
        })?;
        let http = build_http(catalog, &props)?;
        let mut client = RestClient {
            catalog: catalog.to_string(),
            http,
            base: parse_base(catalog, &uri)?,
            prefix: None,
            headers: extra_headers(catalog, &props)?,
            auth: Auth::None,
            sigv4: None,
            props: props.clone(),
            idempotency: false,
        };
        client.auth = client.configured_auth(&props)?;
        if super::sigv4::enabled(&props) {
            client.sigv4 = Some(super::sigv4::SigV4::from_props(catalog, &props).await?);
        }
        let mut url = client
            .base
            .join("v1/config")
            .expect("a relative path joins");
        if let Some(warehouse) = props.get("warehouse") {
            url.query_pairs_mut().append_pair("warehouse", warehouse);
        }
        let config: ConfigResponse = client
            .send(Method::GET, url, None::<&()>, &[])
            .await
            .map_err(|f| client.error(f, "read the catalog's configuration"))?;
        client.idempotency = config.idempotency_key_lifetime.is_some();
        let mut merged = config.defaults;
        merged.extend(props);
        merged.extend(config.overrides);
        if let Some(uri) = merged.get("uri") {
            client.base = parse_base(catalog, uri)?;
        }
        client.prefix = merged
            .get("prefix")
            .map(|p| p.trim_matches('/').to_string())
            .filter(|p| !p.is_empty());
        client.headers = extra_headers(catalog, &merged)?;
        client.props = merged;
        Ok(client)
    }

    pub fn props(&self) -> &HashMap<String, String> {
        &self.props
    }

    pub fn catalog(&self) -> &str {
        &self.catalog
    }

    /// Whether the server keeps `Idempotency-Key`s (said in its configuration).
    pub fn honours_idempotency_keys(&self) -> bool {
        self.idempotency
    }

    fn configured_auth(&self, props: &HashMap<String, String>) -> Result<Auth> {
        if let Some(token) = props.get("token").filter(|t| !t.is_empty()) {
            return Ok(Auth::Bearer(token.clone()));
        }
        let Some(credential) = props.get("credential").filter(|c| !c.is_empty()) else {
            return Ok(Auth::None);
        };
        let (client_id, client_secret) = match credential.split_once(':') {
            Some((id, secret)) => (id.to_string(), secret.to_string()),
            // PyIceberg accepts a bare secret.
            None => (String::new(), credential.clone()),
        };
        let token_url = match props.get("oauth2-server-uri") {
            Some(uri) => Url::parse(uri).map_err(|e| {
                FloeError::config(format!(
                    "catalog '{}': oauth2-server-uri '{uri}' is not a URL: {e}",
                    self.catalog
                ))
            })?,
            None => self
                .base
                .join("v1/oauth/tokens")
                .expect("a relative path joins"),
        };
        let extra = ["audience", "resource"]
            .iter()
            .filter_map(|k| props.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        Ok(Auth::ClientCredentials(ClientCredentials {
            token_url,
            client_id,
            client_secret,
            scope: props
                .get("scope")
                .cloned()
                .unwrap_or_else(|| "catalog".to_string()),
            extra,
            cached: Mutex::new(None),
        }))
    }

    fn secrets(&self) -> Vec<&str> {
        let mut secrets: Vec<&str> = ["token", "credential"]
            .iter()
            .filter_map(|k| self.props.get(*k).map(String::as_str))
            .collect();
        if let Auth::ClientCredentials(cc) = &self.auth {
            secrets.push(&cc.client_secret);
        }
        secrets
    }

    /// The `Authorization` header value, fetching or renewing an OAuth2 token when needed.
    async fn authorization(&self, renew: bool) -> Result<Option<String>> {
        match &self.auth {
            Auth::None => Ok(None),
            Auth::Bearer(token) => Ok(Some(format!("Bearer {token}"))),
            Auth::ClientCredentials(cc) => {
                let mut cached = cc.cached.lock().await;
                let fresh = cached
                    .as_ref()
                    .is_some_and(|c| !renew && c.renew_at.is_none_or(|at| Instant::now() < at));
                if !fresh {
                    *cached = Some(self.fetch_token(cc).await?);
                }
                Ok(cached.as_ref().map(|c| format!("Bearer {}", c.token)))
            }
        }
    }

    async fn fetch_token(&self, cc: &ClientCredentials) -> Result<CachedToken> {
        let mut form = vec![
            ("grant_type".to_string(), "client_credentials".to_string()),
            ("client_id".to_string(), cc.client_id.clone()),
            ("client_secret".to_string(), cc.client_secret.clone()),
            ("scope".to_string(), cc.scope.clone()),
        ];
        form.extend(cc.extra.iter().cloned());
        let refused = |detail: String| -> anyhow::Error {
            FloeError::config(format!(
                "the OAuth2 token endpoint {} refused client '{}' of catalog '{}': {}",
                cc.token_url,
                cc.client_id,
                self.catalog,
                secret_free(&detail, &self.secrets())
            ))
            .with_hint("check the catalog's `credential` (client_id:client_secret), `scope` and `oauth2-server-uri`")
            .into()
        };
        let response = self
            .http
            .post(cc.token_url.clone())
            .headers(self.headers.clone())
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                FloeError::new(
                    ErrorKind::Failed,
                    format!(
                        "cannot reach the OAuth2 token endpoint {} of catalog '{}': {}",
                        cc.token_url,
                        self.catalog,
                        transport_detail(&e)
                    ),
                )
                .with_hint(
                    "check the catalog's `uri` / `oauth2-server-uri` and that the server is up",
                )
            })?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| refused(format!("no answer ({})", transport_detail(&e))))?;
        if !status.is_success() {
            let detail = match serde_json::from_slice::<OAuthError>(&body) {
                Ok(err) => match err.error_description {
                    Some(d) => format!("{} ({d})", err.error),
                    None => err.error,
                },
                Err(_) => format!("HTTP {status}"),
            };
            return Err(refused(detail));
        }
        let token: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            FloeError::new(
                ErrorKind::Failed,
                format!(
                    "the OAuth2 token endpoint {} answered something that is not a token response: {e}",
                    cc.token_url
                ),
            )
        })?;
        // Renew when a tenth of the lifetime (at least 5 s, at most 5 min) is left, so a long
        // compaction never sends an expired token.
        let renew_at = token.expires_in.map(|secs| {
            let life = Duration::from_secs(secs);
            let margin = (life / 10).clamp(Duration::from_secs(5), Duration::from_secs(300));
            Instant::now() + life.saturating_sub(margin)
        });
        Ok(CachedToken {
            token: token.access_token,
            renew_at,
        })
    }

    /// `/v1/{prefix}/` followed by `segments`, each percent-encoded as one path segment.
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        {
            let mut path = url.path_segments_mut().expect("an http(s) URL has a path");
            path.pop_if_empty().push("v1");
            if let Some(prefix) = &self.prefix {
                path.extend(prefix.split('/'));
            }
            path.extend(segments);
        }
        url
    }

    /// Send a request and decode its JSON answer (`()` for an empty one).
    pub async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&B>,
        headers: &[(&str, &str)],
    ) -> std::result::Result<T, RestFailure> {
        let asked = url.to_string();
        let bytes = self.exchange(method, url, body, headers).await?;
        let bytes = if bytes.is_empty() {
            &b"null"[..]
        } else {
            &bytes[..]
        };
        serde_json::from_slice(bytes).map_err(|e| {
            let answer = serde_json::from_slice::<serde_json::Value>(bytes).ok();
            let metadata = answer.as_ref().and_then(|a| a.get("metadata"));
            match metadata.and_then(find_unsupported_column) {
                Some((column, type_name)) => {
                    let location = answer
                        .as_ref()
                        .and_then(|a| a.get("metadata-location"))
                        .and_then(|l| l.as_str())
                        .unwrap_or(asked.as_str())
                        .to_string();
                    RestFailure::Unreadable(unsupported_column_error(
                        &location, &column, &type_name,
                    ))
                }
                None => RestFailure::Garbled(e.to_string()),
            }
        })
    }

    /// Send a request; on success the body. A 401 with OAuth2 renews the token and sends once
    /// more (the server refused the request, so it did nothing).
    pub async fn exchange<B: Serialize + ?Sized>(
        &self,
        method: Method,
        url: Url,
        body: Option<&B>,
        headers: &[(&str, &str)],
    ) -> std::result::Result<bytes::Bytes, RestFailure> {
        let mut renew = false;
        loop {
            let authorization = self
                .authorization(renew)
                .await
                .map_err(RestFailure::NotSent)?;
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .headers(self.headers.clone());
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if let Some(value) = authorization {
                // Under SigV4 the signature is the Authorization; a bearer token travels
                // beside it, as PyIceberg and Java send it.
                let name = if self.sigv4.is_some() {
                    "Original-Authorization"
                } else {
                    AUTHORIZATION.as_str()
                };
                request = request.header(name, value);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let mut request = request.build().map_err(|e| {
                RestFailure::NotSent(anyhow::anyhow!("cannot build the request: {e}"))
            })?;
            if let Some(signer) = &self.sigv4 {
                signer
                    .sign(&mut request)
                    .await
                    .map_err(RestFailure::NotSent)?;
            }
            let response = self.http.execute(request).await.map_err(|e| {
                if e.is_connect() {
                    RestFailure::Unreachable(transport_detail(&e))
                } else {
                    RestFailure::NoAnswer(transport_detail(&e))
                }
            })?;
            let status = response.status();
            let bytes = response
                .bytes()
                .await
                .map_err(|e| RestFailure::NoAnswer(transport_detail(&e)))?;
            if status.is_success() {
                return Ok(bytes);
            }
            if status == StatusCode::UNAUTHORIZED
                && !renew
                && matches!(self.auth, Auth::ClientCredentials(_))
            {
                renew = true;
                continue;
            }
            let (message, kind) = match serde_json::from_slice::<ErrorResponse>(&bytes) {
                Ok(err) => (err.error.message, err.error.kind),
                Err(_) => (
                    String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
                        .trim()
                        .to_string(),
                    String::new(),
                ),
            };
            return Err(RestFailure::Status {
                status,
                message: secret_free(&message, &self.secrets()),
                kind,
            });
        }
    }

    /// A failure as floe's error: the kind decides the exit code; the message names the
    /// catalog and what was being done; secrets never appear.
    pub fn error(&self, failure: RestFailure, doing: &str) -> anyhow::Error {
        let catalog = &self.catalog;
        let base = &self.base;
        match failure {
            RestFailure::NotSent(e) | RestFailure::Unreadable(e) => e,
            RestFailure::Unreachable(detail) => FloeError::new(
                ErrorKind::Failed,
                format!("cannot reach the REST catalog '{catalog}' at {base} to {doing}: {detail}"),
            )
            .with_hint("check the catalog's `uri` and that the server is up")
            .into(),
            RestFailure::NoAnswer(detail) => FloeError::new(
                ErrorKind::Failed,
                format!("the REST catalog '{catalog}' at {base} gave no answer to {doing}: {detail}"),
            )
            .into(),
            RestFailure::Garbled(detail) => FloeError::new(
                ErrorKind::Failed,
                format!("the REST catalog '{catalog}' answered the request to {doing} with something that is not the spec's JSON: {detail}"),
            )
            .into(),
            RestFailure::Status {
                status,
                message,
                kind,
            } => {
                let said = if message.is_empty() {
                    format!("HTTP {status}")
                } else if kind.is_empty() {
                    format!("HTTP {status}: {message}")
                } else {
                    format!("HTTP {status} {kind}: {message}")
                };
                let text = format!("the REST catalog '{catalog}' refused to {doing}: {said}");
                match status {
                    StatusCode::UNAUTHORIZED => FloeError::config(text)
                        .with_hint("the catalog did not accept floe's credentials: check `credential` (client_id:client_secret) or `token`, and `oauth2-server-uri`")
                        .into(),
                    StatusCode::FORBIDDEN => FloeError::config(text)
                        .with_hint("the credentials are valid but not allowed to do this: check the principal's grants and the `scope` requested")
                        .into(),
                    StatusCode::NOT_FOUND => FloeError::not_found(text).into(),
                    StatusCode::CONFLICT => {
                        FloeError::new(ErrorKind::AlreadyExists, text).into()
                    }
                    s if s.is_client_error() => FloeError::invalid(text).into(),
                    _ => FloeError::new(ErrorKind::Failed, text).into(),
                }
            }
        }
    }
}

fn build_http(catalog: &str, props: &HashMap<String, String>) -> Result<reqwest::Client> {
    let seconds = |key: &str, default: u64| -> Result<Duration> {
        match props.get(key) {
            None => Ok(Duration::from_secs(default)),
            Some(v) => v
                .trim_end_matches('s')
                .parse::<f64>()
                .ok()
                .filter(|s| *s > 0.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| {
                    FloeError::config(format!(
                        "catalog '{catalog}': {key}={v} is not a number of seconds"
                    ))
                    .into()
                }),
        }
    };
    let mut builder = reqwest::Client::builder()
        .connect_timeout(seconds("rest.connect-timeout", 10)?)
        .timeout(seconds("rest.request-timeout", 120)?)
        .user_agent(concat!("floe/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = props.get("ssl.cabundle") {
        let pem = std::fs::read(path).map_err(|e| {
            FloeError::config(format!(
                "catalog '{catalog}': cannot read ssl.cabundle {path}: {e}"
            ))
        })?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            FloeError::config(format!(
                "catalog '{catalog}': ssl.cabundle {path} is not a PEM bundle: {e}"
            ))
        })?;
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    Ok(builder.build()?)
}

fn parse_base(catalog: &str, uri: &str) -> Result<Url> {
    let mut url = Url::parse(uri.trim()).map_err(|e| {
        FloeError::config(format!(
            "catalog '{catalog}': uri '{uri}' is not a URL: {e}"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FloeError::config(format!(
            "catalog '{catalog}': uri '{uri}' must be http:// or https://"
        ))
        .into());
    }
    // A base without a trailing slash would lose its last segment on `join`.
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// `header.<Name>: value` properties, plus the access-delegation header PyIceberg sends.
fn extra_headers(catalog: &str, props: &HashMap<String, String>) -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    headers.insert(
        HeaderName::from_static("x-iceberg-access-delegation"),
        HeaderValue::from_static("vended-credentials"),
    );
    for (key, value) in props {
        let Some(name) = key.strip_prefix("header.") else {
            continue;
        };
        let bad = || {
            FloeError::config(format!(
                "catalog '{catalog}': {key} is not a valid HTTP header"
            ))
        };
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
        if value.is_empty() {
            headers.remove(&name);
        } else {
            headers.insert(name, HeaderValue::from_str(value).map_err(|_| bad())?);
        }
    }
    Ok(headers)
}

/// A transport error's cause without the URL's query (which may carry a warehouse name, never
/// a secret, but the chain is what helps).
fn transport_detail(e: &reqwest::Error) -> String {
    let mut detail = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        detail.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    detail
}

/// A namespace as one path segment: its parts joined by the unit separator (the spec's rule).
pub fn namespace_segment(ns: &NamespaceIdent) -> String {
    ns.as_ref().join("\u{1f}")
}

/// The path segments of a table.
pub fn table_segments(ident: &TableIdent) -> [String; 4] {
    [
        "namespaces".to_string(),
        namespace_segment(ident.namespace()),
        "tables".to_string(),
        ident.name().to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked() {
        assert_eq!(
            secret_free("bad client s3cr3t given", &["s3cr3t", ""]),
            "bad client *** given"
        );
    }

    /// `header.*` adds headers; an empty value removes one floe sends by default (the
    /// access-delegation request, for servers that refuse it).
    #[test]
    fn extra_headers_come_from_header_properties() {
        let props: HashMap<String, String> = [
            ("header.X-Custom", "yes"),
            ("header.X-Iceberg-Access-Delegation", ""),
            ("uri", "http://h"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let headers = extra_headers("t", &props).unwrap();
        assert_eq!(headers.get("x-custom").unwrap(), "yes");
        assert!(headers.get("x-iceberg-access-delegation").is_none());
        let defaults = extra_headers("t", &HashMap::new()).unwrap();
        assert_eq!(
            defaults.get("x-iceberg-access-delegation").unwrap(),
            "vended-credentials"
        );
        let bad: HashMap<String, String> =
            [("header.bad header".to_string(), "x".to_string())].into();
        assert!(extra_headers("t", &bad).is_err());
    }

    #[test]
    fn namespaces_join_with_the_unit_separator() {
        let ns = NamespaceIdent::from_strs(["a", "b c"]).unwrap();
        let base = parse_base("t", "http://h:1/api/catalog").unwrap();
        let mut url = base.clone();
        url.path_segments_mut()
            .unwrap()
            .pop_if_empty()
            .push("v1")
            .push(&namespace_segment(&ns));
        assert_eq!(url.as_str(), "http://h:1/api/catalog/v1/a%1Fb%20c");
    }
}
