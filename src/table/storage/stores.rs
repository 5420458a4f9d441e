//! The one storage stack: URIs (local paths, `file://`, `s3://`/`s3a://`, `memory://`) resolved to
//! `object_store` stores, plus the durable put-if-absent that commits rely on.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
    RetryConfig,
};

use super::local_store::LocalStore;

/// Wraps every store this layer builds; tests use it to inject faults.
pub type StoreWrapper = Arc<dyn Fn(Arc<dyn ObjectStore>) -> Arc<dyn ObjectStore> + Send + Sync>;

/// Outcome of a put-if-absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutIfAbsent {
    Created,
    AlreadyExists,
}

/// One listed object.
#[derive(Debug, Clone)]
pub struct ListedObject {
    pub location: String,
    pub size_bytes: u64,
    pub last_modified_ms: i64,
}

/// Where a URI lives.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scheme {
    Local,
    S3 { bucket: String },
    Memory,
}

/// Builds and caches object stores for URIs, configured from PyIceberg-style properties
/// (`s3.endpoint`, `s3.access-key-id`, ...). Cheap to clone.
#[derive(Clone)]
pub struct Stores {
    props: Arc<HashMap<String, String>>,
    /// Properties for the files under a location prefix, over `props`: the storage
    /// credentials a catalog vends per table. Shared by every clone, so credentials a catalog
    /// learns reach every layer that reads or deletes that table's files.
    scoped: Arc<Mutex<Vec<ScopedProps>>>,
    cache: Arc<Mutex<HashMap<String, Arc<dyn ObjectStore>>>>,
    wrapper: Option<StoreWrapper>,
    /// Credentials that renew themselves (vended ones with an expiry), over the keys in props.
    credentials: Option<object_store::aws::AwsCredentialProvider>,
}

/// Storage properties for the files under one prefix, and how to fetch them again.
#[derive(Clone)]
struct ScopedProps {
    prefix: String,
    props: Arc<HashMap<String, String>>,
    refresh: Option<super::vended_credentials::PropsRefresher>,
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stores")
            .field("props", &redacted(&self.props))
            .finish()
    }
}

fn redacted(props: &HashMap<String, String>) -> HashMap<String, String> {
    props
        .iter()
        .map(|(k, v)| {
            let secret = k.contains("secret") || k.contains("token") || k.contains("password");
            (
                k.clone(),
                if secret { "***".to_string() } else { v.clone() },
            )
        })
        .collect()
}

impl ScopedProps {
    /// Vended keys with an expiry and a way to renew them, as object_store's provider.
    fn renewing_credentials(&self) -> Option<object_store::aws::AwsCredentialProvider> {
        use super::vended_credentials::{credential_from, RefreshingCredentials};
        let refresh = self.refresh.clone()?;
        let (credential, Some(expires_at_ms)) = credential_from(&self.props)? else {
            return None;
        };
        Some(Arc::new(RefreshingCredentials::new(
            credential,
            expires_at_ms,
            refresh,
        )))
    }
}

/// The process-wide in-memory store behind `memory://` (tests and dry experiments).
fn memory_store() -> Arc<dyn ObjectStore> {
    static MEMORY: OnceLock<Arc<InMemory>> = OnceLock::new();
    MEMORY.get_or_init(|| Arc::new(InMemory::new())).clone()
}

/// Deletes in flight at once when cleaning up many files.
const DELETE_CONCURRENCY: usize = 32;

/// Canonical form of a location: absolute local paths without scheme, `s3a://` as `s3://`,
/// no trailing slash.
pub fn normalize_location(location: &str) -> Result<String> {
    let trimmed = location.trim();
    if trimmed.is_empty() {
        bail!("empty location");
    }
    if let Some(rest) = trimmed
        .strip_prefix("s3a://")
        .or_else(|| trimmed.strip_prefix("s3n://"))
    {
        return Ok(format!("s3://{}", rest.trim_end_matches('/')));
    }
    if trimmed.starts_with("s3://") || trimmed.starts_with("memory://") {
        return Ok(trimmed.trim_end_matches('/').to_string());
    }
    if let Some(scheme_end) = trimmed.find("://") {
        let scheme = &trimmed[..scheme_end];
        if scheme != "file" {
            bail!("unsupported storage scheme '{scheme}://' in '{trimmed}' (supported: local paths, file://, s3://, s3a://, memory://)");
        }
    }
    let path = local_path(trimmed);
    let absolute = std::path::absolute(&path)
        .with_context(|| format!("cannot make '{trimmed}' an absolute path"))?;
    let mut text = absolute.to_string_lossy().to_string();
    while text.len() > 1 && text.ends_with('/') {
        text.pop();
    }
    // Drop `.` components so the same table never has two spellings.
    let cleaned: PathBuf = PathBuf::from(&text).components().collect();
    Ok(cleaned.to_string_lossy().to_string())
}

fn local_path(location: &str) -> PathBuf {
    if let Some(rest) = location.strip_prefix("file://") {
        PathBuf::from(if rest.starts_with('/') {
            rest.to_string()
        } else {
            format!("/{rest}")
        })
    } else if let Some(rest) = location.strip_prefix("file:") {
        PathBuf::from(if rest.starts_with('/') {
            rest.to_string()
        } else {
            format!("/{rest}")
        })
    } else {
        PathBuf::from(location)
    }
}

/// A location in the form two spellings of one file share (see [`normalize_location`]), for
/// comparing paths; the location itself when it cannot be normalised.
pub fn comparable_location(location: &str) -> String {
    normalize_location(location).unwrap_or_else(|_| location.to_string())
}

/// Join a child name onto a location.
pub fn join(base: &str, child: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        child.trim_start_matches('/')
    )
}

/// Whether a location is on the local file system.
pub fn is_local(location: &str) -> bool {
    !(location.starts_with("s3://")
        || location.starts_with("s3a://")
        || location.starts_with("s3n://")
        || location.starts_with("memory://"))
}

impl Stores {
    /// Whether a write to `location` is over when the call returns, failed or not (local disk,
    /// memory): then a failed write cannot land later, as a request to an object store that
    /// timed out can.
    pub fn writes_finish_with_the_call(&self, location: &str) -> bool {
        matches!(split(location), Ok((Scheme::Local | Scheme::Memory, _)))
    }
}

fn split(location: &str) -> Result<(Scheme, String)> {
    if let Some(rest) = location
        .strip_prefix("s3://")
        .or_else(|| location.strip_prefix("s3a://"))
        .or_else(|| location.strip_prefix("s3n://"))
    {
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            bail!("S3 location '{location}' has no bucket");
        }
        return Ok((
            Scheme::S3 {
                bucket: bucket.to_string(),
            },
            key.to_string(),
        ));
    }
    if let Some(rest) = location.strip_prefix("memory://") {
        return Ok((Scheme::Memory, rest.trim_start_matches('/').to_string()));
    }
    let path = local_path(location);
    let absolute = std::path::absolute(&path)
        .with_context(|| format!("cannot make '{location}' an absolute path"))?;
    // `absolute` keeps `..` (and `.` in the middle); the object path may hold neither.
    let mut resolved = PathBuf::new();
    for component in absolute.components() {
        match component {
            std::path::Component::ParentDir => {
                resolved.pop();
            }
            std::path::Component::CurDir => {}
            other => resolved.push(other),
        }
    }
    Ok((
        Scheme::Local,
        resolved
            .to_string_lossy()
            .trim_start_matches('/')
            .to_string(),
    ))
}

impl Stores {
    pub fn new(props: HashMap<String, String>) -> Self {
        Stores {
            props: Arc::new(props),
            scoped: Arc::default(),
            cache: Arc::default(),
            wrapper: None,
            credentials: None,
        }
    }

    /// Use `props` (over the configured ones) for every file under `prefix` (an empty prefix:
    /// everywhere), replacing what was set for that prefix before. Only storage settings
    /// (`s3.*`, `client.*`) are taken.
    pub fn scope_props(&self, prefix: &str, props: &HashMap<String, String>) {
        self.scope_props_renewable(prefix, props, None)
    }

    /// [`Stores::scope_props`], with a way to fetch the properties again when the credentials
    /// in them expire (`s3.session-token-expires-at-ms`).
    pub fn scope_props_renewable(
        &self,
        prefix: &str,
        props: &HashMap<String, String>,
        refresh: Option<super::vended_credentials::PropsRefresher>,
    ) {
        let storage: HashMap<String, String> = props
            .iter()
            .filter(|(k, _)| k.starts_with("s3.") || k.starts_with("client."))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let prefix = prefix.trim_end_matches('/').to_string();
        let mut scoped = self.scoped.lock().expect("scoped props lock");
        let known = scoped.iter().position(|s| s.prefix == prefix);
        let entry = ScopedProps {
            prefix: prefix.clone(),
            props: Arc::new(storage),
            refresh,
        };
        match (known, entry.props.is_empty()) {
            (Some(i), _) if scoped[i].props == entry.props => return,
            (Some(i), true) => {
                scoped.remove(i);
            }
            (Some(i), false) => scoped[i] = entry,
            (None, true) => return,
            (None, false) => scoped.push(entry),
        }
        drop(scoped);
        let suffix = format!("@{prefix}");
        self.cache
            .lock()
            .expect("store cache lock")
            .retain(|key, _| !key.ends_with(&suffix));
    }

    /// The most specific scoped properties covering `location`.
    fn scoped_for(&self, location: &str) -> Option<ScopedProps> {
        let scoped = self.scoped.lock().expect("scoped props lock");
        scoped
            .iter()
            .filter(|s| {
                s.prefix.is_empty()
                    || location == s.prefix
                    || location
                        .strip_prefix(s.prefix.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .max_by_key(|s| s.prefix.len())
            .cloned()
    }

    /// Wrap every store built from now on (fault injection in tests).
    pub fn with_wrapper(mut self, wrapper: StoreWrapper) -> Self {
        self.wrapper = Some(wrapper);
        self.cache = Arc::default();
        self
    }

    pub fn props(&self) -> &HashMap<String, String> {
        &self.props
    }

    /// The store and object path for a location.
    pub fn resolve(&self, location: &str) -> Result<(Arc<dyn ObjectStore>, Path)> {
        let (scheme, key) = split(location)?;
        let scoped = match &scheme {
            Scheme::S3 { .. } => self.scoped_for(location),
            _ => None,
        };
        let mut cache_key = match &scheme {
            Scheme::Local => "file".to_string(),
            Scheme::Memory => "memory".to_string(),
            Scheme::S3 { bucket } => format!("s3://{bucket}"),
        };
        if let Some(scope) = &scoped {
            cache_key = format!("{cache_key}@{}", scope.prefix);
        }
        let store = {
            let mut cache = self.cache.lock().expect("store cache lock");
            match cache.get(&cache_key) {
                Some(store) => store.clone(),
                None => {
                    let built = match &scoped {
                        Some(scope) => {
                            let mut merged = (*self.props).clone();
                            merged.extend(scope.props.iter().map(|(k, v)| (k.clone(), v.clone())));
                            let mut scoped_stores = Stores::new(merged);
                            scoped_stores.credentials = scope.renewing_credentials();
                            scoped_stores.build(&scheme)?
                        }
                        None => self.build(&scheme)?,
                    };
                    let store = match &self.wrapper {
                        Some(wrap) => wrap(built),
                        None => built,
                    };
                    cache.insert(cache_key, store.clone());
                    store
                }
            }
        };
        // Never a "repaired" path: an object written under another key than the one the
        // manifest records is a file other engines cannot find and orphan removal deletes.
        let path = Path::parse(&key).map_err(|e| {
            crate::error::FloeError::invalid(format!(
                "'{location}' is not a path floe can read or write exactly as written: {e}"
            ))
            .with_hint("paths may not hold empty, '.' or '..' segments or control characters")
        })?;
        Ok((store, path))
    }

    fn build(&self, scheme: &Scheme) -> Result<Arc<dyn ObjectStore>> {
        match scheme {
            Scheme::Local => Ok(Arc::new(LocalStore::default())),
            Scheme::Memory => Ok(memory_store()),
            Scheme::S3 { bucket } => self.build_s3(bucket),
        }
    }

    fn prop(&self, key: &str) -> Option<&str> {
        self.props
            .get(key)
            .map(|s| s.as_str())
            .filter(|s| !s.is_empty())
    }

    fn build_s3(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>> {
        // Start from AWS_* environment variables, then let catalog properties win.
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        let endpoint = self
            .prop("s3.endpoint")
            .map(str::to_string)
            .or_else(|| std::env::var("AWS_ENDPOINT_URL_S3").ok())
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
        if let Some(endpoint) = &endpoint {
            builder = builder.with_endpoint(endpoint.clone());
            if endpoint.starts_with("http://") {
                builder = builder.with_allow_http(true);
            }
        }
        // PyIceberg's FileIO falls back to the `client.*` keys every AWS client shares.
        let key = |name: &str| {
            self.prop(&format!("s3.{name}"))
                .or_else(|| self.prop(&format!("client.{name}")))
        };
        if let Some(v) = key("access-key-id") {
            builder = builder.with_access_key_id(v);
        }
        if let Some(v) = key("secret-access-key") {
            builder = builder.with_secret_access_key(v);
        }
        if let Some(v) = key("session-token") {
            builder = builder.with_token(v);
        }
        if let Some(credentials) = &self.credentials {
            builder = builder.with_credentials(credentials.clone());
        }
        let region = key("region")
            .map(str::to_string)
            .or_else(|| std::env::var("AWS_REGION").ok())
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
            .unwrap_or_else(|| "us-east-1".to_string());
        builder = builder.with_region(region);
        let path_style = match self.prop("s3.path-style-access") {
            Some(v) => matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"),
            // A custom endpoint (MinIO, moto, Ceph) almost always wants path-style requests.
            None => endpoint.is_some(),
        };
        builder = builder.with_virtual_hosted_style_request(!path_style);
        // Bounded timeouts: an unreachable endpoint or a hung connection must fail, not hang.
        let connect_timeout = self.duration_prop("s3.connect-timeout", 5);
        let request_timeout = self.duration_prop("s3.request-timeout", 60);
        let mut client = ClientOptions::new()
            .with_connect_timeout(connect_timeout)
            .with_timeout(request_timeout);
        if endpoint
            .as_deref()
            .is_some_and(|e| e.starts_with("http://"))
        {
            client = client.with_allow_http(true);
        }
        builder = builder.with_client_options(client).with_retry(RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: 3,
            retry_timeout: Duration::from_secs(30),
        });
        let store = builder
            .build()
            .with_context(|| format!("cannot configure S3 access to bucket '{bucket}'"))?;
        Ok(Arc::new(store))
    }

    fn duration_prop(&self, key: &str, default_secs: u64) -> Duration {
        self.prop(key)
            .and_then(|v| v.trim_end_matches('s').parse::<f64>().ok())
            .map(Duration::from_secs_f64)
            .unwrap_or(Duration::from_secs(default_secs))
    }

    pub async fn read(&self, location: &str) -> Result<Bytes> {
        let (store, path) = self.resolve(location)?;
        let got = store
            .get(&path)
            .await
            .map_err(|e| storage_error(e, location, "read"))?;
        got.bytes()
            .await
            .map_err(|e| storage_error(e, location, "read"))
    }

    /// Read, with `None` for a missing object.
    pub async fn read_optional(&self, location: &str) -> Result<Option<Bytes>> {
        let (store, path) = self.resolve(location)?;
        match store.get(&path).await {
            Ok(got) => Ok(Some(
                got.bytes()
                    .await
                    .map_err(|e| storage_error(e, location, "read"))?,
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(storage_error(e, location, "read")),
        }
    }

    pub async fn exists(&self, location: &str) -> Result<bool> {
        let (store, path) = self.resolve(location)?;
        match store.head(&path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(storage_error(e, location, "check")),
        }
    }

    /// The footer of a Parquet file of `size` bytes.
    pub async fn parquet_metadata(
        &self,
        location: &str,
        size: u64,
    ) -> Result<Arc<parquet::file::metadata::ParquetMetaData>> {
        use parquet::arrow::async_reader::{AsyncFileReader, ParquetObjectReader};
        let (store, path) = self.resolve(location)?;
        let mut reader = ParquetObjectReader::new(store, path).with_file_size(size);
        reader
            .get_metadata(None)
            .await
            .with_context(|| format!("cannot read the Parquet footer of {location}"))
    }

    /// The object's metadata (size, modification time, ETag).
    pub async fn head(&self, location: &str) -> Result<object_store::ObjectMeta> {
        let (store, path) = self.resolve(location)?;
        store
            .head(&path)
            .await
            .map_err(|e| storage_error(e, location, "stat"))
    }

    pub async fn size(&self, location: &str) -> Result<u64> {
        let (store, path) = self.resolve(location)?;
        let meta = store
            .head(&path)
            .await
            .map_err(|e| storage_error(e, location, "stat"))?;
        Ok(meta.size)
    }

    /// Plain overwrite.
    pub async fn put(&self, location: &str, bytes: Bytes) -> Result<()> {
        let (store, path) = self.resolve(location)?;
        store
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(|e| storage_error(e, location, "write"))?;
        Ok(())
    }

    /// Make `location` appear with exactly `bytes`, only if nothing is there yet.
    ///
    /// Local files: write a temp file, fsync it, hard-link it into place (EEXIST means someone
    /// else won) and fsync the directory, so a crash never leaves a torn file under the final
    /// name. Object stores: a conditional PUT (`If-None-Match: *` on S3).
    pub async fn put_if_absent(&self, location: &str, bytes: Bytes) -> Result<PutIfAbsent> {
        let (scheme, _) = split(location)?;
        // A store wrapper (fault injection) must see every write, so it takes the object-store
        // path even for local files.
        if scheme == Scheme::Local && self.wrapper.is_none() {
            let target = local_path(location);
            return tokio::task::spawn_blocking(move || durable_create(&target, &bytes))
                .await
                .map_err(|e| anyhow!("put-if-absent task failed: {e}"))?
                .with_context(|| format!("cannot write {location}"));
        }
        let (store, path) = self.resolve(location)?;
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match store.put_opts(&path, PutPayload::from(bytes), opts).await {
            Ok(_) => Ok(PutIfAbsent::Created),
            Err(object_store::Error::AlreadyExists { .. })
            | Err(object_store::Error::Precondition { .. }) => Ok(PutIfAbsent::AlreadyExists),
            Err(e) => Err(storage_error(e, location, "write")),
        }
    }

    /// Delete one object; a missing object is not an error.
    pub async fn delete(&self, location: &str) -> Result<()> {
        let (store, path) = self.resolve(location)?;
        match store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(storage_error(e, location, "delete")),
        }
    }

    /// Delete many objects, best effort; returns how many could not be deleted.
    pub async fn delete_all(&self, locations: &[String]) -> usize {
        self.delete_concurrently(locations.iter().cloned())
            .await
            .len()
    }

    /// Delete many objects, many at once (cleanup of thousands of files); returns those that
    /// could not be deleted.
    pub async fn delete_concurrently(
        &self,
        locations: impl Iterator<Item = String>,
    ) -> Vec<String> {
        futures::stream::iter(locations)
            .map(|location| async move {
                match self.delete(&location).await {
                    Ok(()) => None,
                    Err(_) => Some(location),
                }
            })
            .buffer_unordered(DELETE_CONCURRENCY)
            .filter_map(|failed| async move { failed })
            .collect()
            .await
    }

    /// All objects under a location prefix (recursive). A missing directory lists as empty.
    pub async fn list(&self, prefix: &str) -> Result<Vec<ListedObject>> {
        let (store, path) = self.resolve(prefix)?;
        let (scheme, _) = split(prefix)?;
        if scheme == Scheme::Local && !local_path(prefix).exists() {
            return Ok(vec![]);
        }
        let base = prefix.trim_end_matches('/').to_string();
        let key_prefix = path.to_string();
        let listed: Vec<_> = store
            .list(Some(&path))
            .map_err(|e| storage_error(e, prefix, "list"))
            .try_collect()
            .await?;
        Ok(listed
            .into_iter()
            .map(|meta| {
                let key = meta.location.to_string();
                let rel = key
                    .strip_prefix(&key_prefix)
                    .unwrap_or(&key)
                    .trim_start_matches('/');
                ListedObject {
                    location: join(&base, rel),
                    size_bytes: meta.size,
                    last_modified_ms: meta.last_modified.timestamp_millis(),
                }
            })
            .collect())
    }

    /// Names directly below a location (one level, like `ls`): (directories, files).
    pub async fn list_dir(&self, prefix: &str) -> Result<(Vec<String>, Vec<String>)> {
        let (scheme, _) = split(prefix)?;
        if scheme == Scheme::Local && !local_path(prefix).exists() {
            return Ok((vec![], vec![]));
        }
        let (store, path) = self.resolve(prefix)?;
        let listed = store
            .list_with_delimiter(Some(&path))
            .await
            .map_err(|e| storage_error(e, prefix, "list"))?;
        let dirs = listed
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_string))
            .collect();
        let files = listed
            .objects
            .iter()
            .filter_map(|o| o.location.filename().map(str::to_string))
            .collect();
        Ok((dirs, files))
    }

    /// Local disk only: remove the empty directories under `location` (and it, if empty), so a
    /// dropped table leaves nothing that looks like a namespace. Object stores have no
    /// directories.
    pub fn remove_empty_dirs(&self, location: &str) {
        fn prune(dir: &std::path::Path) -> bool {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return false;
            };
            let mut empty = true;
            for entry in entries.flatten() {
                let path = entry.path();
                if !(path.is_dir() && prune(&path)) {
                    empty = false;
                }
            }
            empty && std::fs::remove_dir(dir).is_ok()
        }
        if is_local(location) {
            prune(&local_path(location));
        }
    }

    /// Stream object bytes for large inputs.
    pub async fn open_stream(
        &self,
        location: &str,
    ) -> Result<futures::stream::BoxStream<'static, Result<Bytes>>> {
        let (store, path) = self.resolve(location)?;
        let got = store
            .get(&path)
            .await
            .map_err(|e| storage_error(e, location, "read"))?;
        let loc = location.to_string();
        Ok(got
            .into_stream()
            .map(move |r| r.map_err(|e| storage_error(e, &loc, "read")))
            .boxed())
    }
}

fn durable_create(target: &std::path::Path, bytes: &[u8]) -> std::io::Result<PutIfAbsent> {
    use std::io::Write;
    let dir = target.parent().unwrap_or(std::path::Path::new("/"));
    std::fs::create_dir_all(dir)?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4()));
    let outcome = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        match std::fs::hard_link(&temp, target) {
            Ok(()) => {
                std::fs::File::open(dir)?.sync_all()?;
                Ok(PutIfAbsent::Created)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Ok(PutIfAbsent::AlreadyExists)
            }
            Err(e) => Err(e),
        }
    })();
    let _ = std::fs::remove_file(&temp);
    outcome
}

/// Turn an object_store error into a message that names the location and what we tried.
pub fn storage_error(e: object_store::Error, location: &str, action: &str) -> anyhow::Error {
    use crate::error::FloeError;
    match e {
        object_store::Error::NotFound { .. } => {
            anyhow::Error::new(FloeError::not_found(format!("{location} does not exist")))
        }
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => {
            let text = e.to_string();
            let code = aws_error_code(&text)
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            anyhow::Error::new(
                FloeError::config(format!("access to {location} was denied{code}"))
                    .with_hint("check the credentials: s3.access-key-id and s3.secret-access-key in the catalog config, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY"),
            )
            .context(format!("cannot {action} {location}"))
        }
        other => anyhow::Error::new(other).context(format!("cannot {action} {location}")),
    }
}

/// The `<Code>` of an S3 error response inside an error message.
fn aws_error_code(text: &str) -> Option<&str> {
    let start = text.find("<Code>")? + "<Code>".len();
    let end = text[start..].find("</Code>")? + start;
    Some(&text[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_locations() {
        assert_eq!(normalize_location("s3a://b/wh/t/").unwrap(), "s3://b/wh/t");
        assert_eq!(normalize_location("s3n://b/wh/t").unwrap(), "s3://b/wh/t");
        assert_eq!(normalize_location("file:///tmp/x/").unwrap(), "/tmp/x");
        assert_eq!(normalize_location("/tmp/./x").unwrap(), "/tmp/x");
        assert!(normalize_location("gs://b/x").is_err());
    }

    #[tokio::test]
    async fn local_put_if_absent_refuses_second_write() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("m/v1.metadata.json");
        let stores = Stores::new(HashMap::new());
        let loc = target.to_string_lossy().to_string();
        assert_eq!(
            stores
                .put_if_absent(&loc, Bytes::from_static(b"a"))
                .await
                .unwrap(),
            PutIfAbsent::Created
        );
        assert_eq!(
            stores
                .put_if_absent(&loc, Bytes::from_static(b"b"))
                .await
                .unwrap(),
            PutIfAbsent::AlreadyExists
        );
        assert_eq!(stores.read(&loc).await.unwrap(), Bytes::from_static(b"a"));
        // No temp files are left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path().join("m"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1);
    }
}
