//! Commit behaviour under storage faults, injected by a wrapper around the object store that
//! fails the metadata put before or after it lands, or hides the outcome, or lets another
//! writer commit first (appends, compaction, deletes and upserts racing each other).

mod common;

use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult,
};

use floe::error::{kind_of, ErrorKind};
use floe::input::FormatChoice;
use floe::ops::delete::{delete, DeleteOptions};
use floe::ops::ingest::{ingest, IngestMode, IngestOptions, Replace};
use floe::ops::row_deletion::RowChangeMode;
use floe::table::{Session, Stores, TableRef};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// The metadata put fails without writing anything.
    FailBeforePut,
    /// The metadata put lands, then the call reports an error (a timeout after the write).
    FailAfterPut,
    /// The metadata put lands, then a retry of it is refused as already existing.
    LandThenAlreadyExists,
    /// Every metadata put fails without writing.
    AlwaysFail,
    /// The metadata put fails and reading it back fails too: the outcome is unknown.
    FailAndHideOutcome,
    /// Just before every metadata put, another writer commits first.
    ConcurrentWinner,
    /// The metadata put reports a timeout without writing; the write lands just after the
    /// read-back found nothing (a request delayed in the network).
    LandLate,
}

type Competitor = Arc<dyn Fn() -> futures::future::BoxFuture<'static, ()> + Send + Sync>;

#[derive(Debug)]
struct FaultState {
    fault: Fault,
    remaining: u32,
    injected: u32,
    hidden: Option<Path>,
    /// A write held back by `LandLate`, landed at the next read of its path.
    late: Option<(Path, PutPayload, PutOptions)>,
}

struct Faulty {
    inner: Arc<dyn ObjectStore>,
    state: Arc<Mutex<FaultState>>,
    /// Commits a competing change through unwrapped stores.
    competitor: Arc<Mutex<Competitor>>,
}

impl fmt::Debug for Faulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Faulty")
            .field("state", &self.state)
            .finish()
    }
}

impl fmt::Display for Faulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Faulty({})", self.inner)
    }
}

fn injected(msg: &str) -> object_store::Error {
    object_store::Error::Generic {
        store: "faulty",
        source: msg.to_string().into(),
    }
}

fn is_version_file(location: &Path) -> bool {
    location
        .filename()
        .is_some_and(|n| n.starts_with('v') && n.ends_with(".metadata.json"))
}

#[async_trait]
impl ObjectStore for Faulty {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        let fault = {
            let mut s = self.state.lock().unwrap();
            if is_version_file(location) && s.remaining > 0 && s.fault != Fault::None {
                if s.fault != Fault::AlwaysFail {
                    s.remaining -= 1;
                }
                s.injected += 1;
                s.fault
            } else {
                Fault::None
            }
        };
        match fault {
            Fault::None => self.inner.put_opts(location, payload, opts).await,
            Fault::FailBeforePut | Fault::AlwaysFail => {
                Err(injected("connection reset before the request was sent"))
            }
            Fault::FailAfterPut => {
                self.inner.put_opts(location, payload, opts).await?;
                Err(injected("timed out waiting for the response"))
            }
            Fault::LandThenAlreadyExists => {
                self.inner.put_opts(location, payload, opts).await?;
                Err(object_store::Error::AlreadyExists {
                    path: location.to_string(),
                    source: "retried request found the object".into(),
                })
            }
            Fault::FailAndHideOutcome => {
                self.state.lock().unwrap().hidden = Some(location.clone());
                Err(injected("timed out"))
            }
            Fault::ConcurrentWinner => {
                let compete = self.competitor.lock().unwrap().clone();
                compete().await;
                self.inner.put_opts(location, payload, opts).await
            }
            Fault::LandLate => {
                self.state.lock().unwrap().late = Some((location.clone(), payload, opts));
                Err(injected("timed out waiting for the response"))
            }
        }
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        if self.state.lock().unwrap().hidden.as_ref() == Some(location) {
            return Err(injected("read timed out"));
        }
        let late = {
            let mut s = self.state.lock().unwrap();
            match &s.late {
                Some((path, _, _)) if path == location => s.late.take(),
                _ => None,
            }
        };
        let read = self.inner.get_opts(location, options).await;
        if let Some((path, payload, opts)) = late {
            // The delayed request arrives right after this read answered.
            self.inner.put_opts(&path, payload, opts).await?;
        }
        read
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        self.inner.delete_stream(locations)
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

struct Harness {
    _dir: tempfile::TempDir,
    session: Session,
    plain: Session,
    state: Arc<Mutex<FaultState>>,
    competitor: Arc<Mutex<Competitor>>,
    table: TableRef,
    location: String,
    input: String,
}

impl Harness {
    /// A memory:// table holding one 50-row snapshot, and a session whose stores inject faults.
    async fn new(name: &str) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.parquet");
        common::write_parquet(&input, &[common::events_batch(0, 50)]);
        let warehouse = format!("memory://faults-{name}-{}", uuid::Uuid::new_v4().simple());
        let location = format!("{warehouse}/db/t");
        let state = Arc::new(Mutex::new(FaultState {
            fault: Fault::None,
            remaining: 0,
            injected: 0,
            hidden: None,
            late: None,
        }));
        let wrapper_state = state.clone();
        let competitor_slot: Arc<Mutex<Competitor>> = Arc::new(Mutex::new(Arc::new(|| {
            Box::pin(async {}) as futures::future::BoxFuture<'static, ()>
        })));
        let plain = Session::embedded(&warehouse);
        let table = TableRef::parse(&location).unwrap();
        let input = input.to_string_lossy().to_string();
        let competitor: Competitor = {
            let (plain, table, input) = (plain.clone(), table.clone(), input.clone());
            Arc::new(move || {
                let (plain, table, input) = (plain.clone(), table.clone(), input.clone());
                Box::pin(async move {
                    let options = append_options(table, input);
                    ingest(&plain, options).await.expect("competing ingest");
                })
            })
        };
        *competitor_slot.lock().unwrap() = competitor;
        let wrapper_slot = competitor_slot.clone();
        let session = Session::embedded(&warehouse).with_store_wrapper(Arc::new(move |inner| {
            Arc::new(Faulty {
                inner,
                state: wrapper_state.clone(),
                competitor: wrapper_slot.clone(),
            }) as Arc<dyn ObjectStore>
        }));
        floe::ops::create::create(
            &plain,
            floe::ops::create::CreateOptions {
                table: table.clone(),
                schema: floe::ops::create::SchemaSource::Like(input.clone()),
                partition_by: vec!["region".into()],
                sort_by: vec![],
                properties: vec![
                    ("commit.retry.min-wait-ms".into(), "1".into()),
                    ("commit.retry.num-retries".into(), "2".into()),
                ],
                if_not_exists: false,
            },
        )
        .await
        .unwrap();
        let h = Harness {
            _dir: dir,
            session,
            plain,
            state,
            competitor: competitor_slot,
            table,
            location,
            input,
        };
        h.ingest_plain().await;
        h
    }

    fn arm(&self, fault: Fault, times: u32) {
        let mut s = self.state.lock().unwrap();
        s.fault = fault;
        s.remaining = times;
        s.injected = 0;
        s.hidden = None;
        s.late = None;
    }

    /// What the other writer does when `Fault::ConcurrentWinner` fires (through the plain,
    /// unfaulted session).
    fn set_competitor<F, Fut>(&self, make: F)
    where
        F: Fn(Session, TableRef) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let (plain, table) = (self.plain.clone(), self.table.clone());
        let make = Arc::new(make);
        *self.competitor.lock().unwrap() = Arc::new(move || {
            let (plain, table, make) = (plain.clone(), table.clone(), make.clone());
            Box::pin(async move { make(plain, table).await })
        });
    }

    fn disarm(&self) -> u32 {
        let mut s = self.state.lock().unwrap();
        s.fault = Fault::None;
        s.hidden = None;
        s.injected
    }

    fn options(&self) -> IngestOptions {
        append_options(self.table.clone(), self.input.clone())
    }

    async fn ingest_plain(&self) {
        ingest(&self.plain, self.options()).await.unwrap();
    }

    /// (snapshot count, total records, metadata versions, data files, manifest files)
    async fn state(&self) -> (usize, u64, Vec<String>, Vec<String>, Vec<String>) {
        let d = floe::ops::describe::describe(&self.plain, &self.table)
            .await
            .unwrap();
        let stores: &Stores = self.plain.stores();
        let mut meta: Vec<String> = stores
            .list(&format!("{}/metadata", self.location))
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.location)
            .collect();
        meta.sort();
        let versions = meta
            .iter()
            .filter(|m| m.ends_with(".metadata.json"))
            .cloned()
            .collect();
        let manifests = meta
            .iter()
            .filter(|m| m.ends_with(".avro"))
            .cloned()
            .collect();
        let mut data: Vec<String> = stores
            .list(&format!("{}/data", self.location))
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.location)
            .collect();
        data.sort();
        (
            d.snapshot_count,
            d.totals.records,
            versions,
            data,
            manifests,
        )
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn error_before_the_metadata_put_retries_cleanly() {
    let h = Harness::new("before").await;
    h.arm(Fault::FailBeforePut, 2);
    let report = ingest(&h.session, h.options()).await.unwrap();
    assert_eq!(h.disarm(), 2, "both faults were hit");
    assert_eq!(report.records_added, 50);
    let (snapshots, records, versions, _, _) = h.state().await;
    assert_eq!((snapshots, records), (2, 100));
    assert_eq!(
        versions.len(),
        3,
        "exactly one new metadata version: {versions:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn error_after_the_put_landed_is_our_commit_not_a_conflict() {
    for fault in [Fault::FailAfterPut, Fault::LandThenAlreadyExists] {
        let h = Harness::new("after").await;
        h.arm(fault, 1);
        let report = ingest(&h.session, h.options())
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: {e:#}"));
        assert_eq!(h.disarm(), 1);
        assert_eq!(
            report.commit_attempts, 1,
            "{fault:?}: recognised as landed, not retried"
        );
        let (snapshots, records, versions, _, _) = h.state().await;
        assert_eq!(
            (snapshots, records),
            (2, 100),
            "{fault:?}: one commit, no duplicate"
        );
        assert_eq!(versions.len(), 3, "{fault:?}: {versions:?}");
        let current = floe::ops::describe::describe(&h.plain, &h.table)
            .await
            .unwrap();
        assert_eq!(
            current.current_snapshot.unwrap().snapshot_id,
            report.snapshot_id.unwrap()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn definite_failure_commits_nothing_and_removes_its_files() {
    let h = Harness::new("definite").await;
    let before = h.state().await;
    h.arm(Fault::AlwaysFail, u32::MAX);
    let err = ingest(&h.session, h.options()).await.unwrap_err();
    assert_eq!(h.disarm(), 3, "one try plus commit.retry.num-retries=2");
    assert!(format!("{err:#}").contains("connection reset"), "{err:#}");
    assert_ne!(kind_of(&err), ErrorKind::CommitStateUnknown);
    let after = h.state().await;
    assert_eq!(
        after, before,
        "no new snapshot, data files, manifests or metadata"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_outcome_keeps_files_and_says_so() {
    let h = Harness::new("unknown").await;
    let before = h.state().await;
    h.arm(Fault::FailAndHideOutcome, 1);
    let err = ingest(&h.session, h.options()).await.unwrap_err();
    h.disarm();
    assert_eq!(kind_of(&err), ErrorKind::CommitStateUnknown, "{err:#}");
    let after = h.state().await;
    assert_eq!((after.0, after.1), (before.0, before.1), "nothing landed");
    assert!(
        after.3.len() > before.3.len(),
        "data files are kept when the outcome is unknown"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn losing_every_race_is_a_conflict_and_cleans_up() {
    let h = Harness::new("conflict").await;
    let (_, _, _, data_before, _) = h.state().await;
    h.arm(Fault::ConcurrentWinner, u32::MAX);
    let err = ingest(&h.session, h.options()).await.unwrap_err();
    let lost = h.disarm();
    assert_eq!(kind_of(&err), ErrorKind::CommitConflict, "{err:#}");
    assert_eq!(kind_of(&err).exit_code(), 3);
    assert_eq!(lost, 3, "one try plus commit.retry.num-retries=2");
    let (snapshots, records, _, data_after, _) = h.state().await;
    // The three competitors landed; nothing of ours did, and our data files are gone.
    assert_eq!((snapshots, records), (4, 200));
    assert_eq!(
        data_after.len(),
        data_before.len() + 3 * 3,
        "only the competitors' files (3 regions each) were added"
    );
}

/// An append of `input` to `table`'s main branch.
fn append_options(table: TableRef, input: String) -> IngestOptions {
    IngestOptions {
        table,
        inputs: vec![input],
        format: FormatChoice::Auto,
        mode: IngestMode::Append,
        merge_schema: false,
        branch: "main".to_string(),
        isolation: Default::default(),
        replace: Default::default(),
        row_mode: None,
        skip_loaded: false,
    }
}

/// `events_batch` rows with one more column.
fn events_with(start: i64, rows: usize, column: &str) -> arrow::array::RecordBatch {
    use arrow::array::{ArrayRef, Int64Array};
    use arrow::datatypes::{DataType, Field, Schema};
    let base = common::events_batch(start, rows);
    let mut fields: Vec<Field> = base
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(Field::new(column, DataType::Int64, true));
    let mut columns: Vec<ArrayRef> = base.columns().to_vec();
    columns.push(Arc::new(Int64Array::from(
        (start..start + rows as i64).collect::<Vec<_>>(),
    )));
    arrow::array::RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

impl Harness {
    fn input_with(&self, name: &str, batch: arrow::array::RecordBatch) -> String {
        let path = self._dir.path().join(format!("{name}.parquet"));
        common::write_parquet(&path, &[batch]);
        path.to_string_lossy().to_string()
    }

    /// The table as it is now, read without faults.
    async fn load(&self) -> iceberg::table::Table {
        self.plain
            .target(&self.table)
            .await
            .unwrap()
            .load()
            .await
            .unwrap()
    }

    async fn rows(&self) -> u64 {
        self.state().await.1
    }

    /// Create `branch`; the competitor then commits an append to it.
    async fn compete_on_branch(&self, branch: &str) {
        floe::ops::ref_changes::change_ref(
            &self.plain,
            &self.table,
            floe::ops::ref_changes::RefChange::CreateBranch {
                name: branch.into(),
                snapshot_id: None,
                min_snapshots_to_keep: None,
                max_snapshot_age_ms: None,
                max_ref_age_ms: None,
            },
        )
        .await
        .unwrap();
        let (input, branch) = (self.input.clone(), branch.to_string());
        self.set_competitor(move |plain, table| {
            let (input, branch) = (input.clone(), branch.clone());
            async move {
                let mut options = append_options(table, input);
                options.branch = branch;
                ingest(&plain, options).await.expect("commit to the branch");
            }
        });
    }

    /// Every snapshot's files exist with their recorded sizes and row counts.
    async fn assert_verified(&self) {
        let report = floe::ops::verify::verify(
            &self.plain,
            &self.table,
            floe::ops::verify::Scope::All,
            true,
        )
        .await
        .unwrap();
        assert!(report.ok, "{:?}", report.verification.problems);
        assert!(!report.verification.snapshots_checked.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn overwrite_refuses_to_drop_an_append_committed_after_it_started() {
    let h = Harness::new("overwrite-serializable").await;
    // The append lands between the overwrite's planning and its commit.
    h.arm(Fault::ConcurrentWinner, 1);
    let mut options = h.options();
    options.mode = IngestMode::Overwrite;
    let err = ingest(&h.session, options.clone()).await.unwrap_err();
    h.disarm();
    assert_eq!(kind_of(&err), ErrorKind::CommitConflict, "{err:#}");
    assert_eq!(kind_of(&err).exit_code(), 3);
    assert!(format!("{err:#}").contains("added data"), "{err:#}");
    let (snapshots, records, _, data, _) = h.state().await;
    assert_eq!(
        (snapshots, records),
        (2, 100),
        "the acknowledged append is kept"
    );
    // The overwrite's own files are gone; the two appends' files remain.
    let live = floe::ops::files::files(&h.plain, &h.table, None)
        .await
        .unwrap();
    assert_eq!(
        live.files.len(),
        data.len(),
        "no file left behind: {data:?}"
    );

    // Snapshot isolation replaces whatever is there at commit time, as asked.
    h.arm(Fault::ConcurrentWinner, 1);
    options.isolation = floe::table::snapshot_commit::Isolation::Snapshot;
    let report = ingest(&h.session, options).await.unwrap();
    h.disarm();
    assert_eq!(report.records_added, 50);
    assert_eq!(h.rows().await, 50);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_merge_schema_ingests_never_reuse_a_field_id() {
    let h = Harness::new("merge-schema").await;
    let theirs = h.input_with("theirs", events_with(100, 10, "extra_a"));
    let ours = h.input_with("ours", events_with(200, 10, "extra_b"));
    h.set_competitor(move |plain, table| {
        let theirs = theirs.clone();
        async move {
            let mut options = append_options(table, theirs);
            options.merge_schema = true;
            ingest(&plain, options).await.expect("competing merge");
        }
    });
    h.arm(Fault::ConcurrentWinner, 1);
    let mut options = h.options();
    options.inputs = vec![ours.clone()];
    options.merge_schema = true;
    let err = ingest(&h.session, options.clone()).await.unwrap_err();
    h.disarm();
    assert_eq!(kind_of(&err), ErrorKind::CommitConflict, "{err:#}");
    let schema = floe::ops::describe::describe(&h.plain, &h.table)
        .await
        .unwrap()
        .schema;
    let schema = serde_json::to_value(&schema).unwrap().to_string();
    assert!(
        schema.contains("extra_a") && !schema.contains("extra_b"),
        "{schema}"
    );
    assert_eq!(h.rows().await, 60);

    // Run again: it merges against the new schema and gets a fresh id.
    ingest(&h.session, options).await.unwrap();
    let table = h.load().await;
    let current = table.metadata().current_schema();
    let a = current.field_by_name("extra_a").unwrap().id;
    let b = current.field_by_name("extra_b").unwrap().id;
    assert_ne!(a, b);
    assert_eq!(table.metadata().last_column_id(), a.max(b));
    assert_eq!(h.rows().await, 70);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_commit_to_another_branch_does_not_fail_main() {
    let h = Harness::new("branches").await;
    h.compete_on_branch("dev").await;
    h.arm(Fault::ConcurrentWinner, 1);
    let report = ingest(&h.session, h.options()).await.unwrap();
    h.disarm();
    assert_eq!(
        report.commit_attempts, 2,
        "rebuilt once on the fresh metadata"
    );
    let table = h.load().await;
    let metadata = table.metadata();
    let main = metadata.current_snapshot().unwrap();
    let dev = metadata.snapshot_for_ref("dev").unwrap();
    assert_eq!(main.snapshot_id(), report.snapshot_id.unwrap());
    assert_eq!(
        report.sequence_number,
        Some(metadata.last_sequence_number())
    );
    assert!(dev.sequence_number() < main.sequence_number());
    assert_eq!(h.rows().await, 100, "main: the first load and ours");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_landing_metadata_write_is_recognised_as_ours() {
    let h = Harness::new("late").await;
    h.arm(Fault::LandLate, 1);
    let report = ingest(&h.session, h.options()).await.unwrap();
    assert_eq!(h.disarm(), 1);
    assert_eq!(report.commit_attempts, 1);
    let (snapshots, records, versions, _, _) = h.state().await;
    assert_eq!((snapshots, records), (2, 100));
    assert_eq!(versions.len(), 3, "{versions:?}");
    h.assert_verified().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn expiry_keeps_a_tag_made_while_it_ran() {
    let h = Harness::new("expire-tag").await;
    h.ingest_plain().await;
    h.ingest_plain().await;
    let table = h.load().await;
    let mut ids: Vec<(i64, i64)> = table
        .metadata()
        .snapshots()
        .map(|s| (s.sequence_number(), s.snapshot_id()))
        .collect();
    ids.sort();
    let oldest = ids[0].1;
    h.set_competitor(move |plain, table| async move {
        floe::ops::ref_changes::change_ref(
            &plain,
            &table,
            floe::ops::ref_changes::RefChange::CreateTag {
                name: "audit".into(),
                snapshot_id: Some(oldest),
                max_ref_age_ms: None,
            },
        )
        .await
        .expect("tag the oldest snapshot");
    });
    h.arm(Fault::ConcurrentWinner, 1);
    let report = floe::ops::expire::expire(
        &h.session,
        &h.table,
        floe::ops::expire::ExpireOptions {
            request: floe::table::expire::ExpireRequest {
                older_than_ms: Some(chrono::Utc::now().timestamp_millis() + 1000),
                retain_last: Some(1),
                ..Default::default()
            },
            metadata: false,
        },
    )
    .await
    .unwrap();
    h.disarm();
    assert!(
        !report.expired_snapshot_ids.contains(&oldest),
        "the tagged snapshot stays: {:?}",
        report.expired_snapshot_ids
    );
    assert_eq!(
        report.expired_snapshot_ids.len(),
        1,
        "only the untagged middle one"
    );
    let table = h.load().await;
    let tagged = table
        .metadata()
        .snapshot_for_ref("audit")
        .expect("tag kept");
    assert_eq!(tagged.snapshot_id(), oldest);
    h.assert_verified().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn compaction_and_manifest_rewrites_rebuild_after_a_branch_commit() {
    let h = Harness::new("branch-producers").await;
    h.ingest_plain().await;
    h.ingest_plain().await;
    h.compete_on_branch("dev").await;
    h.arm(Fault::ConcurrentWinner, 1);
    let mut options = floe::ops::compact::CompactOptions::new(h.table.clone());
    options.min_input_files = 1;
    let compacted = floe::ops::compact::compact(&h.session, options)
        .await
        .unwrap();
    assert_eq!(h.disarm(), 1);
    assert_eq!(compacted.groups_failed, 0);
    assert_eq!(compacted.snapshot_ids.len(), 1);
    assert_eq!(h.rows().await, 150);

    h.arm(Fault::ConcurrentWinner, 1);
    floe::ops::rewrite_manifests::rewrite_manifests(&h.session, &h.table)
        .await
        .unwrap();
    assert_eq!(h.disarm(), 1);
    let table = h.load().await;
    let main = table.metadata().current_snapshot().unwrap();
    assert_eq!(
        main.sequence_number(),
        table.metadata().last_sequence_number()
    );
    assert_eq!(h.rows().await, 150);
    h.assert_verified().await;
}

/// Live rows as a reader sees them (deletes applied): (count, sum of ids, rows with amount -1).
async fn live_rows(h: &Harness) -> (i64, i64, i64) {
    use arrow::array::Int64Array;
    let table = h.load().await;
    let provider = floe::table::scan::provider(table, None, h.plain.stores(), false)
        .await
        .unwrap();
    let ctx = datafusion::prelude::SessionContext::new();
    ctx.register_table("t", provider).unwrap();
    let batches = ctx
        .sql("SELECT count(*) AS n, coalesce(sum(id), 0) AS s, CAST(coalesce(sum(CASE WHEN amount = -1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS m FROM t")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let value = |i: usize| {
        batches[0]
            .column(i)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap()
            .value(0)
    };
    (value(0), value(1), value(2))
}

/// The competing delete: ids 0..4, merge-on-read.
fn mor_delete_of_first_five(table: TableRef) -> DeleteOptions {
    DeleteOptions {
        table,
        filter: "id < 5".into(),
        dry_run: false,
        mode: Some(RowChangeMode::MergeOnRead),
        branch: "main".into(),
        isolation: Default::default(),
    }
}

fn delete_options(h: &Harness, filter: &str, mode: RowChangeMode) -> DeleteOptions {
    DeleteOptions {
        table: h.table.clone(),
        filter: filter.to_string(),
        dry_run: false,
        mode: Some(mode),
        branch: "main".into(),
        isolation: Default::default(),
    }
}

/// An upsert by `id` of `input` in `mode`.
fn upsert_options(table: TableRef, input: String, mode: RowChangeMode) -> IngestOptions {
    let mut options = append_options(table, input);
    options.replace = Replace::Keys(vec!["id".into()]);
    options.row_mode = Some(mode);
    options
}

/// Events `start..start+rows` with amount -1, written to a fresh file.
fn changed_rows(dir: &std::path::Path, start: i64, rows: usize) -> String {
    use arrow::array::{ArrayRef, Float64Array};
    let batch = common::events_batch(start, rows);
    let index = batch.schema().index_of("amount").unwrap();
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns[index] = Arc::new(Float64Array::from(vec![-1.0; rows]));
    let batch = arrow::array::RecordBatch::try_new(batch.schema(), columns).unwrap();
    let path = dir.join(format!("changed-{}.parquet", uuid::Uuid::new_v4()));
    common::write_parquet(&path, &[batch]);
    path.to_string_lossy().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_refuses_rows_appended_after_it_started() {
    let h = Harness::new("delete-serializable").await;
    for mode in [RowChangeMode::CopyOnWrite, RowChangeMode::MergeOnRead] {
        let before = live_rows(&h).await;
        // An append of ids 0..49 lands between the delete's planning and its commit.
        h.arm(Fault::ConcurrentWinner, 1);
        let err = delete(&h.session, delete_options(&h, "id < 10", mode))
            .await
            .unwrap_err();
        h.disarm();
        assert_eq!(kind_of(&err), ErrorKind::CommitConflict, "{err:#}");
        assert!(format!("{err:#}").contains("may hold rows"), "{err:#}");
        assert_eq!(
            live_rows(&h).await.0,
            before.0 + 50,
            "the append is kept, nothing deleted"
        );
    }
    // Snapshot isolation deletes what it read and leaves the newer rows alone.
    let (rows, sum, _) = live_rows(&h).await;
    h.arm(Fault::ConcurrentWinner, 1);
    let mut options = delete_options(&h, "id < 10", RowChangeMode::MergeOnRead);
    options.isolation = floe::table::snapshot_commit::Isolation::Snapshot;
    let report = delete(&h.session, options).await.unwrap();
    h.disarm();
    let copies = rows / 50;
    assert_eq!(report.rows_deleted, 10 * copies as u64);
    assert_eq!(
        live_rows(&h).await.0,
        rows + 50 - 10 * copies,
        "the newer append's ids 0..9 stay"
    );
    assert_eq!(live_rows(&h).await.1, sum + 1225 - 45 * copies);
    h.assert_verified().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_plans_again_when_compaction_rewrote_its_files() {
    for mode in [RowChangeMode::CopyOnWrite, RowChangeMode::MergeOnRead] {
        let h = Harness::new("delete-vs-compaction").await;
        h.ingest_plain().await;
        h.set_competitor(|session, table| async move {
            let mut options = floe::ops::compact::CompactOptions::new(table);
            options.min_input_files = 1;
            let report = floe::ops::compact::compact(&session, options)
                .await
                .unwrap();
            assert!(report.groups_committed > 0);
        });
        h.arm(Fault::ConcurrentWinner, 1);
        let report = delete(&h.session, delete_options(&h, "id % 5 = 0", mode))
            .await
            .unwrap();
        assert_eq!(h.disarm(), 1);
        assert_eq!(report.replans, 1, "{mode:?}");
        assert_eq!(report.rows_deleted, 20);
        assert_eq!(live_rows(&h).await.0, 80);
        assert_eq!(live_rows(&h).await.1, 2 * (1225 - 225));
        h.assert_verified().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn compaction_racing_a_merge_on_read_delete_loses_no_delete() {
    let h = Harness::new("compaction-vs-delete").await;
    h.ingest_plain().await;
    h.set_competitor(|session, table| async move {
        let options = mor_delete_of_first_five(table);
        let report = delete(&session, options).await.unwrap();
        assert_eq!(report.rows_deleted, 10);
    });
    h.arm(Fault::ConcurrentWinner, 1);
    let mut options = floe::ops::compact::CompactOptions::new(h.table.clone());
    options.min_input_files = 1;
    let report = floe::ops::compact::compact(&h.session, options)
        .await
        .unwrap();
    assert_eq!(h.disarm(), 1);
    // The groups holding deleted rows lose, are planned again with the new deletes, and
    // commit.
    assert!(report.replans >= 1, "{report:?}");
    assert_eq!(report.groups_failed, 0, "{report:?}");
    assert!(report
        .groups
        .iter()
        .filter_map(|g| g.failure.as_deref())
        .any(|f| f.contains("added position deletes") && f.contains("planned again")));
    assert_eq!(live_rows(&h).await.0, 90, "no deleted row comes back");
    assert_eq!(live_rows(&h).await.1, 2 * (1225 - 10));
    h.assert_verified().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn upsert_refuses_keys_added_after_it_started() {
    let h = Harness::new("upsert-serializable").await;
    let dir = tempfile::tempdir().unwrap();
    for mode in [RowChangeMode::CopyOnWrite, RowChangeMode::MergeOnRead] {
        let before = live_rows(&h).await.0;
        h.arm(Fault::ConcurrentWinner, 1);
        let input = changed_rows(dir.path(), 40, 20);
        let err = ingest(&h.session, upsert_options(h.table.clone(), input, mode))
            .await
            .unwrap_err();
        h.disarm();
        assert_eq!(kind_of(&err), ErrorKind::CommitConflict, "{err:#}");
        assert_eq!(kind_of(&err).exit_code(), 3);
        assert_eq!(live_rows(&h).await.0, before + 50);
        assert_eq!(live_rows(&h).await.2, 0, "no upserted row landed");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn compaction_racing_an_upsert_resurrects_no_row() {
    for mode in [RowChangeMode::MergeOnRead, RowChangeMode::CopyOnWrite] {
        let h = Harness::new("compaction-vs-upsert").await;
        h.ingest_plain().await;
        let dir = tempfile::tempdir().unwrap();
        let input = changed_rows(dir.path(), 0, 10);
        h.set_competitor(move |session, table| {
            let input = input.clone();
            async move {
                let report = ingest(&session, upsert_options(table, input, mode))
                    .await
                    .unwrap();
                assert_eq!(report.replaced.unwrap().rows_deleted, 20);
            }
        });
        h.arm(Fault::ConcurrentWinner, 1);
        let mut options = floe::ops::compact::CompactOptions::new(h.table.clone());
        options.min_input_files = 1;
        floe::ops::compact::compact(&h.session, options)
            .await
            .unwrap();
        assert_eq!(h.disarm(), 1);
        // ids 0..9 were there twice; each is now there once, with the new amount.
        assert_eq!(live_rows(&h).await, (90, 2 * 1225 - 45, 10), "{mode:?}");
        h.assert_verified().await;
    }
}

fn skip_loaded_options(table: TableRef, input: String) -> IngestOptions {
    let mut options = append_options(table, input);
    options.skip_loaded = true;
    options
}

#[tokio::test(flavor = "multi_thread")]
async fn skip_loaded_after_a_failed_commit_loads_the_file_once() {
    let h = Harness::new("skip-loaded-crash").await;
    let before = live_rows(&h).await.0;
    h.arm(Fault::AlwaysFail, u32::MAX);
    let options = skip_loaded_options(h.table.clone(), h.input.clone());
    ingest(&h.session, options.clone()).await.unwrap_err();
    h.disarm();
    assert_eq!(live_rows(&h).await.0, before, "nothing landed");
    let report = ingest(&h.session, options.clone()).await.unwrap();
    assert_eq!(report.skip_loaded.as_ref().unwrap().loaded_files, 1);
    assert_eq!(live_rows(&h).await.0, before + 50);
    let again = ingest(&h.session, options).await.unwrap();
    let skip = again.skip_loaded.unwrap();
    assert_eq!((skip.loaded_files, skip.skipped_files), (0, 1));
    assert_eq!(again.snapshot_id, None);
    assert_eq!(live_rows(&h).await.0, before + 50, "loaded exactly once");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_skip_loaded_runs_load_each_file_once() {
    let h = Harness::new("skip-loaded-race").await;
    let before = live_rows(&h).await.0;
    let input = h.input.clone();
    h.set_competitor(move |session, table| {
        let input = input.clone();
        async move {
            let report = ingest(&session, skip_loaded_options(table, input))
                .await
                .unwrap();
            assert_eq!(report.skip_loaded.unwrap().loaded_files, 1);
        }
    });
    h.arm(Fault::ConcurrentWinner, 1);
    let report = ingest(
        &h.session,
        skip_loaded_options(h.table.clone(), h.input.clone()),
    )
    .await
    .unwrap();
    assert_eq!(h.disarm(), 1);
    let skip = report.skip_loaded.unwrap();
    assert_eq!(
        skip.restarts, 1,
        "the loser starts over from the winner's ledger"
    );
    assert_eq!((skip.loaded_files, skip.skipped_files), (0, 1));
    assert_eq!(report.snapshot_id, None);
    assert_eq!(
        live_rows(&h).await.0,
        before + 50,
        "the file is in the table once"
    );
    h.assert_verified().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_on_write_plans_again_when_deletes_land_on_its_files() {
    let h = Harness::new("cow-vs-mor").await;
    h.ingest_plain().await;
    // A merge-on-read delete of ids 0..4 lands on the files the rewrite is about to replace;
    // committing the rewrite as planned would bring those rows back.
    h.set_competitor(|session, table| async move {
        let options = mor_delete_of_first_five(table);
        delete(&session, options).await.unwrap();
    });
    h.arm(Fault::ConcurrentWinner, 1);
    let report = delete(
        &h.session,
        delete_options(&h, "id % 5 = 0", RowChangeMode::CopyOnWrite),
    )
    .await
    .unwrap();
    assert_eq!(h.disarm(), 1);
    assert_eq!(report.replans, 1);
    assert_eq!(report.rows_deleted, 18, "id 0 was already gone");
    // ids 0..49 twice, minus 0..4 and the other multiples of 5.
    assert_eq!(live_rows(&h).await.0, 100 - 10 - 18);
    // ids 0..4 sum to 10, the multiples of 5 to 225 (0 is in both and adds nothing).
    assert_eq!(live_rows(&h).await.1, 2 * (1225 - 10 - 225));
    h.assert_verified().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rewrite_committed_across_a_partition_spec_change_keeps_its_files_spec() {
    let h = Harness::new("cow-vs-spec").await;
    // Partition evolution commits no snapshot: the branch does not move, so the rewrite still
    // commits, but its files were written for the old spec and must be listed under it.
    h.set_competitor(|session, table| async move {
        floe::ops::partition_evolve::evolve_partitioning(
            &session,
            &table,
            floe::ops::partition_evolve::PartitionEvolveOptions {
                add: vec!["bucket(2, id)".into()],
                remove: vec![],
                rename: vec![],
            },
        )
        .await
        .unwrap();
    });
    h.arm(Fault::ConcurrentWinner, 1);
    let report = delete(
        &h.session,
        delete_options(&h, "id % 5 = 0", RowChangeMode::CopyOnWrite),
    )
    .await
    .unwrap();
    assert_eq!(h.disarm(), 1);
    let table = h.load().await;
    assert_ne!(
        table.metadata().default_partition_spec_id(),
        0,
        "the spec changed"
    );
    let live = floe::table::live_files::live_data_files(&table, report.snapshot_id.unwrap())
        .await
        .unwrap();
    assert_eq!(live.len(), 3);
    assert!(
        live.values().all(|f| f.spec_id == 0),
        "{:?}",
        live.values().map(|f| f.spec_id).collect::<Vec<_>>()
    );
    assert_eq!(live_rows(&h).await.0, 40);
    h.assert_verified().await;
}

/// Moves the table from `identity(region)` to `bucket(4, id)`: every live file is then of an
/// older, partitioned spec.
async fn respec_to_buckets(session: &Session, table: &TableRef) {
    floe::ops::partition_evolve::evolve_partitioning(
        session,
        table,
        floe::ops::partition_evolve::PartitionEvolveOptions {
            add: vec!["bucket(4, id)".into()],
            remove: vec!["region".into()],
            rename: vec![],
        },
    )
    .await
    .unwrap();
}

/// Rows with `amount = -1` among ids `0..10`, each id counted once per row.
async fn ids_with_amount(h: &Harness) -> Vec<(i64, f64)> {
    use arrow::array::{Float64Array, Int64Array};
    let table = h.load().await;
    let provider = floe::table::scan::provider(table, None, h.plain.stores(), false)
        .await
        .unwrap();
    let ctx = datafusion::prelude::SessionContext::new();
    ctx.register_table("t", provider).unwrap();
    let batches = ctx
        .sql("SELECT id, amount FROM t WHERE id < 10 ORDER BY id, amount")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let mut out = vec![];
    for b in batches {
        let ids = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
        let amounts = b.column(1).as_any().downcast_ref::<Float64Array>().unwrap();
        for i in 0..b.num_rows() {
            out.push((ids.value(i), amounts.value(i)));
        }
    }
    out
}

/// A merge-on-read upsert commits while a compaction moves older-spec files to the current
/// spec: its equality deletes are scoped to the old spec's partition, so they would not apply
/// to the rewritten files. The compaction's groups fail; the upserted rows win.
#[tokio::test(flavor = "multi_thread")]
async fn compacting_older_spec_files_racing_a_merge_on_read_upsert_resurrects_no_row() {
    let h = Harness::new("respec-compaction-vs-upsert").await;
    respec_to_buckets(&h.plain, &h.table).await;
    let dir = tempfile::tempdir().unwrap();
    let input = changed_rows(dir.path(), 0, 10);
    h.set_competitor(move |session, table| {
        let input = input.clone();
        async move {
            let report = ingest(
                &session,
                upsert_options(table, input, RowChangeMode::MergeOnRead),
            )
            .await
            .unwrap();
            assert_eq!(report.replaced.unwrap().rows_deleted, 10);
        }
    });
    h.arm(Fault::ConcurrentWinner, 1);
    let options = floe::ops::compact::CompactOptions::new(h.table.clone());
    let report = floe::ops::compact::compact(&h.session, options)
        .await
        .unwrap();
    assert_eq!(h.disarm(), 1);
    // The group loses to the upsert's equality deletes, is planned again, and commits.
    assert!(report.replans >= 1, "{report:?}");
    assert_eq!(report.groups_failed, 0, "{report:?}");
    assert!(
        report
            .groups
            .iter()
            .filter_map(|g| g.failure.as_deref())
            .any(|f| f.contains("added equality deletes") && f.contains("planned again")),
        "{report:?}"
    );
    let expected: Vec<(i64, f64)> = (0..10).map(|id| (id, -1.0)).collect();
    assert_eq!(
        ids_with_amount(&h).await,
        expected,
        "each id once, upserted"
    );
    assert_eq!(live_rows(&h).await.0, 50);
    h.assert_verified().await;
}

/// The other order: the upsert read the old-spec files, a compaction rewrote them into the
/// new spec, then the upsert commits. Its equality deletes would miss the rewritten files, so
/// it must notice they left and plan again.
#[tokio::test(flavor = "multi_thread")]
async fn a_merge_on_read_upsert_plans_again_when_compaction_moved_its_files_to_a_new_spec() {
    let h = Harness::new("respec-upsert-vs-compaction").await;
    respec_to_buckets(&h.plain, &h.table).await;
    h.set_competitor(|session, table| async move {
        let report =
            floe::ops::compact::compact(&session, floe::ops::compact::CompactOptions::new(table))
                .await
                .unwrap();
        assert!(report.groups_committed > 0, "{report:?}");
    });
    let dir = tempfile::tempdir().unwrap();
    let input = changed_rows(dir.path(), 0, 10);
    h.arm(Fault::ConcurrentWinner, 1);
    let report = ingest(
        &h.session,
        upsert_options(h.table.clone(), input, RowChangeMode::MergeOnRead),
    )
    .await
    .unwrap();
    assert_eq!(h.disarm(), 1);
    let replaced = report.replaced.unwrap();
    assert_eq!(replaced.replans, 1, "{replaced:?}");
    let expected: Vec<(i64, f64)> = (0..10).map(|id| (id, -1.0)).collect();
    assert_eq!(
        ids_with_amount(&h).await,
        expected,
        "each id once, upserted"
    );
    assert_eq!(live_rows(&h).await.0, 50);
    h.assert_verified().await;
}

/// Rows appended and then compacted away while a serializable delete ran are still rows
/// the delete never saw: the appended file is gone from the head, but its rows live on in
/// the compacted file, so the delete must refuse (Java's validateNoConflictingData). The
/// compaction touches only partition `us`, where the delete has no files, so the delete has
/// nothing to plan again for.
#[tokio::test(flavor = "multi_thread")]
async fn a_serializable_delete_refuses_rows_appended_then_compacted_meanwhile() {
    use arrow::array::{ArrayRef, StringArray};
    let h = Harness::new("delete-vs-append-then-compact").await;
    let batch = common::events_batch(1000, 10);
    let index = batch.schema().index_of("region").unwrap();
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns[index] = Arc::new(StringArray::from(vec!["us"; 10]));
    let late = h.input_with(
        "late-us",
        arrow::array::RecordBatch::try_new(batch.schema(), columns).unwrap(),
    );
    h.set_competitor(move |session, table| {
        let late = late.clone();
        async move {
            ingest(&session, append_options(table.clone(), late))
                .await
                .unwrap();
            let mut options = floe::ops::compact::CompactOptions::new(table);
            options.rewrite_all = true;
            options.filter = Some("region = 'us'".into());
            let report = floe::ops::compact::compact(&session, options)
                .await
                .unwrap();
            assert_eq!(report.groups_failed, 0, "{report:?}");
            assert_eq!(report.groups_committed, 1, "{report:?}");
        }
    });
    for mode in [RowChangeMode::MergeOnRead, RowChangeMode::CopyOnWrite] {
        let before = live_rows(&h).await.0;
        h.arm(Fault::ConcurrentWinner, 1);
        let err = delete(
            &h.session,
            delete_options(&h, "region = 'eu' OR id >= 1000", mode),
        )
        .await
        .unwrap_err();
        assert_eq!(h.disarm(), 1);
        assert_eq!(
            kind_of(&err),
            ErrorKind::CommitConflict,
            "{mode:?}: {err:#}"
        );
        assert!(format!("{err:#}").contains("may hold rows"), "{err:#}");
        assert_eq!(live_rows(&h).await.0, before + 10, "nothing deleted");
    }
    h.assert_verified().await;
}
