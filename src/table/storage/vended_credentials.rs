//! S3 credentials a catalog vends for a table's files, renewed before they expire, so a long
//! compaction or expiry keeps working past the lifetime of the first set.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use futures::future::BoxFuture;
use object_store::aws::AwsCredential;
use object_store::CredentialProvider;
use tokio::sync::Mutex;

/// When vended credentials stop working (Iceberg's property name), in epoch milliseconds.
pub const EXPIRES_AT_MS: &str = "s3.session-token-expires-at-ms";

/// Fetches the storage properties for a prefix again (the catalog's credentials endpoint).
pub type PropsRefresher =
    Arc<dyn Fn() -> BoxFuture<'static, anyhow::Result<HashMap<String, String>>> + Send + Sync>;

/// Renew this long before the stated expiry: a request signed just before it may still be in
/// flight (a multipart upload of a large file) when it passes.
const RENEW_AHEAD: Duration = Duration::from_secs(5 * 60);

/// The credential object_store signs with, renewed through the catalog when it nears expiry.
pub struct RefreshingCredentials {
    current: Mutex<(Arc<AwsCredential>, Option<u64>)>,
    refresh: PropsRefresher,
}

impl std::fmt::Debug for RefreshingCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshingCredentials")
    }
}

/// The credential and its expiry in vended properties, if they hold keys.
pub fn credential_from(props: &HashMap<String, String>) -> Option<(AwsCredential, Option<u64>)> {
    let key_id = props.get("s3.access-key-id")?.clone();
    let secret_key = props.get("s3.secret-access-key")?.clone();
    let token = props.get("s3.session-token").cloned();
    let expires = props.get(EXPIRES_AT_MS).and_then(|v| v.trim().parse().ok());
    Some((
        AwsCredential {
            key_id,
            secret_key,
            token,
        },
        expires,
    ))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl RefreshingCredentials {
    pub fn new(credential: AwsCredential, expires_at_ms: u64, refresh: PropsRefresher) -> Self {
        RefreshingCredentials {
            current: Mutex::new((Arc::new(credential), Some(expires_at_ms))),
            refresh,
        }
    }
}

#[async_trait]
impl CredentialProvider for RefreshingCredentials {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        let mut current = self.current.lock().await;
        let due = current
            .1
            .is_some_and(|at| now_ms() + RENEW_AHEAD.as_millis() as u64 >= at);
        if due {
            let props = (self.refresh)()
                .await
                .map_err(|e| object_store::Error::Generic {
                    store: "S3",
                    source: format!("cannot renew the catalog's vended credentials: {e:#}").into(),
                })?;
            let (credential, expires) =
                credential_from(&props).ok_or_else(|| object_store::Error::Generic {
                    store: "S3",
                    source: "the catalog's renewed credentials hold no S3 keys".into(),
                })?;
            *current = (Arc::new(credential), expires);
        }
        Ok(current.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn props(key: &str, expires_at_ms: u64) -> HashMap<String, String> {
        HashMap::from([
            ("s3.access-key-id".to_string(), key.to_string()),
            ("s3.secret-access-key".to_string(), "secret".to_string()),
            ("s3.session-token".to_string(), format!("token-{key}")),
            (EXPIRES_AT_MS.to_string(), expires_at_ms.to_string()),
        ])
    }

    /// Fresh credentials are used as they are; ones within the renewal margin are fetched
    /// again through the catalog, once, and the new expiry is kept.
    #[tokio::test]
    async fn credentials_are_renewed_before_they_expire() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let refresh: PropsRefresher = Arc::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            Box::pin(async move { Ok(props(&format!("renewed-{n}"), now_ms() + 3_600_000)) })
        });
        let (fresh, expires) = credential_from(&props("first", now_ms() + 3_600_000)).unwrap();
        let provider = RefreshingCredentials::new(fresh, expires.unwrap(), refresh.clone());
        assert_eq!(provider.get_credential().await.unwrap().key_id, "first");
        assert_eq!(calls.load(Ordering::SeqCst), 0);

        let (soon, expires) = credential_from(&props("soon", now_ms() + 60_000)).unwrap();
        let provider = RefreshingCredentials::new(soon, expires.unwrap(), refresh);
        let renewed = provider.get_credential().await.unwrap();
        assert_eq!(renewed.key_id, "renewed-1");
        assert_eq!(renewed.token.as_deref(), Some("token-renewed-1"));
        assert_eq!(provider.get_credential().await.unwrap().key_id, "renewed-1");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
