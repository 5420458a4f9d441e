//! Storage faults on demand, for the randomized concurrency tests that drive the real binary:
//! `FLOE_FAULT_INJECTION=seed=N,rate=R` wraps every store so that a fraction R of writes fail
//! before landing, land and then report an error, land and then report "already exists", or
//! stall; some reads and deletes fail too. `FLOE_FAULT_LOG=FILE` appends one line per fault.
//! Nothing here is active unless the variable is set.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::stream::BoxStream;
use futures::StreamExt;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMode, PutMultipartOptions, PutOptions, PutPayload, PutResult,
};

use super::stores::StoreWrapper;

const ENV: &str = "FLOE_FAULT_INJECTION";
const LOG_ENV: &str = "FLOE_FAULT_LOG";

/// The wrapper the environment asks for, if any. A malformed setting is an error rather
/// than a silently fault-free run.
pub fn from_env() -> anyhow::Result<Option<StoreWrapper>> {
    let Ok(spec) = std::env::var(ENV) else {
        return Ok(None);
    };
    let mut seed = 0u64;
    let mut rate = 0.05f64;
    for part in spec.split(',').filter(|p| !p.trim().is_empty()) {
        match part.trim().split_once('=') {
            Some(("seed", v)) => seed = v.parse()?,
            Some(("rate", v)) => rate = v.parse()?,
            _ => anyhow::bail!("{ENV}: '{part}' is not seed=N or rate=R"),
        }
    }
    let plan = Arc::new(FaultPlan {
        state: AtomicU64::new(
            seed ^ (std::process::id() as u64).rotate_left(32) ^ 0x9e37_79b9_7f4a_7c15,
        ),
        rate,
        log: std::env::var(LOG_ENV).ok(),
        failed_write: std::sync::Mutex::new(None),
    });
    Ok(Some(Arc::new(move |inner| {
        Arc::new(FaultyStore {
            inner,
            plan: plan.clone(),
        }) as Arc<dyn ObjectStore>
    })))
}

struct FaultPlan {
    state: AtomicU64,
    rate: f64,
    log: Option<String>,
    /// The last write that failed: reading it back (how a writer learns whether it landed)
    /// fails half the time, so outcomes that cannot be learned happen too.
    failed_write: std::sync::Mutex<Option<Path>>,
}

impl FaultPlan {
    /// splitmix64: a uniform number in [0, 1).
    fn next(&self) -> f64 {
        let mut z = self
            .state
            .fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)
            .wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    fn hit(&self, scale: f64) -> bool {
        self.next() < self.rate * scale
    }

    fn record(&self, what: &str, location: &Path) {
        if let Some(file) = &self.log {
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(file)
            {
                let _ = writeln!(f, "{} {what} {location}", std::process::id());
            }
        }
    }
}

struct FaultyStore {
    inner: Arc<dyn ObjectStore>,
    plan: Arc<FaultPlan>,
}

impl fmt::Debug for FaultyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FaultyStore({})", self.inner)
    }
}

impl fmt::Display for FaultyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FaultyStore({})", self.inner)
    }
}

fn injected(what: &str) -> object_store::Error {
    object_store::Error::Generic {
        store: "fault-injection",
        source: format!("injected fault: {what}").into(),
    }
}

#[async_trait]
impl ObjectStore for FaultyStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        if !self.plan.hit(1.0) {
            return self.inner.put_opts(location, payload, opts).await;
        }
        let pick = self.plan.next();
        let create = matches!(opts.mode, PutMode::Create);
        if pick < 0.8 {
            *self.plan.failed_write.lock().expect("fault plan") = Some(location.clone());
        }
        if pick < 0.35 {
            self.plan.record("put-failed-before", location);
            Err(injected("connection reset before the request was sent"))
        } else if pick < 0.65 {
            self.plan.record("put-landed-then-failed", location);
            self.inner.put_opts(location, payload, opts).await?;
            Err(injected("timed out waiting for the response"))
        } else if pick < 0.8 && create {
            // A retried request that finds the object its first attempt wrote.
            self.plan.record("put-landed-then-exists", location);
            self.inner.put_opts(location, payload, opts).await?;
            Err(object_store::Error::AlreadyExists {
                path: location.to_string(),
                source: "injected fault: the retried request found the object".into(),
            })
        } else {
            self.plan.record("put-stalled", location);
            let millis = 20 + (self.plan.next() * 300.0) as u64;
            tokio::time::sleep(Duration::from_millis(millis)).await;
            self.inner.put_opts(location, payload, opts).await
        }
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        if self.plan.hit(0.5) {
            self.plan.record("multipart-refused", location);
            return Err(injected("multipart upload refused"));
        }
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        let read_back =
            self.plan.failed_write.lock().expect("fault plan").as_ref() == Some(location);
        if (read_back && self.plan.next() < 0.5) || self.plan.hit(0.2) {
            self.plan.record("get-failed", location);
            return Err(injected("read timed out"));
        }
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        let plan = self.plan.clone();
        let inner = self.inner.clone();
        locations
            .then(move |location| {
                let plan = plan.clone();
                let inner = inner.clone();
                async move {
                    let location = location?;
                    if plan.hit(1.0) {
                        plan.record("delete-failed", &location);
                        return Err(injected("delete failed"));
                    }
                    let mut done =
                        inner.delete_stream(futures::stream::iter([Ok(location)]).boxed());
                    match done.next().await {
                        Some(result) => result,
                        None => Err(injected("delete gave no answer")),
                    }
                }
            })
            .boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}
