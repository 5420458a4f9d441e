//! The one metadata commit path every catalog shares: load, check requirements, apply updates,
//! swap the pointer, retry on a lost race, and decide an unknown outcome by reading back.
//! A catalog supplies only its pointer (`MetadataPointer`): load it and swap it atomically.

use std::time::Instant;

use anyhow::Result;
use async_trait::async_trait;
use bytes::Bytes;
use iceberg::spec::TableMetadata;
use iceberg::{TableIdent, TableRequirement, TableUpdate};

use super::commit_policy::{apply_updates, conflict, state_unknown, RetryPolicy};
use crate::table::storage::stores::{PutIfAbsent, Stores};

/// A table's current metadata as its catalog points at it.
pub(crate) struct PointedMetadata {
    pub location: String,
    pub metadata: TableMetadata,
}

/// One commit attempt as the shared path hands it to a catalog's pointer: the base it was
/// built on, what floe's application of the updates made of it, and the updates themselves
/// (for catalogs that apply them on their side).
pub(crate) struct Proposal<'a> {
    pub base: &'a PointedMetadata,
    pub metadata: &'a TableMetadata,
    /// Where floe wrote that metadata and its bytes; `None` for a catalog that writes its
    /// own metadata files (REST).
    pub file: Option<(&'a str, &'a Bytes)>,
    pub requirements: &'a [TableRequirement],
    pub updates: &'a [TableUpdate],
    /// Snapshots the updates add: how a read-back recognises the commit as ours.
    pub added_snapshots: &'a [i64],
    /// Names this attempt, the same on every re-send of it (the REST spec's
    /// `Idempotency-Key`, so a server that keeps keys refuses a late duplicate).
    pub key: &'a str,
}

impl Proposal<'_> {
    /// The metadata file floe wrote for this attempt (pointers that take one).
    pub fn file(&self) -> Result<(&str, &Bytes)> {
        self.file
            .ok_or_else(|| anyhow::anyhow!("internal: this commit has no metadata file of floe's"))
    }

    /// What the table looks like when this attempt is current, where the catalog did not say.
    fn committed(&self) -> PointedMetadata {
        PointedMetadata {
            location: self.file.map(|(l, _)| l.to_string()).unwrap_or_default(),
            metadata: self.metadata.clone(),
        }
    }

    fn describe_target(&self) -> String {
        match self.file {
            Some((location, _)) => location.to_string(),
            None => "the new metadata".to_string(),
        }
    }
}

/// What one swap attempt did.
pub(crate) enum Swap {
    /// The new metadata is current: as the catalog reports it, or `None` when it is exactly
    /// the proposal's.
    Swapped(Option<PointedMetadata>),
    /// Another writer moved the pointer first; ours can never land.
    Lost,
    /// Nothing was changed and nothing can land later (the metadata file could not be written).
    Failed(anyhow::Error),
    /// The request failed in a way that leaves the outcome open (a timeout, a dropped
    /// connection): the swap may have landed, or may still land.
    Unknown(anyhow::Error),
}

/// The first half of a pointer catalog's swap: write the proposal's metadata file create-only.
/// A re-sent swap finds its own file there (the same bytes) and goes on; any other file at that
/// name is not ours to point at. A failure here is `Swap::Failed`: the pointer has not moved,
/// and cannot move to a file that was never written. Returns the file's location.
pub(crate) async fn write_proposal_file<'a>(
    stores: &Stores,
    proposal: &Proposal<'a>,
) -> std::result::Result<&'a str, Swap> {
    let Some((location, bytes)) = proposal.file else {
        return Err(Swap::Failed(anyhow::anyhow!(
            "internal: this commit has no metadata file of floe's"
        )));
    };
    match stores.put_if_absent(location, bytes.clone()).await {
        Ok(PutIfAbsent::Created) => Ok(location),
        Ok(PutIfAbsent::AlreadyExists) => match stores.read_optional(location).await {
            Ok(Some(found)) if found == *bytes => Ok(location),
            Ok(_) => Err(Swap::Failed(anyhow::anyhow!(
                "{location} already exists with other content; refusing to point the table at it"
            ))),
            Err(e) => Err(Swap::Failed(e)),
        },
        Err(e) => Err(Swap::Failed(e)),
    }
}

/// What reading back after an unknown outcome found.
pub(crate) enum Settled {
    /// Ours is in the table (as the catalog now reports it, when it says).
    Landed(Option<PointedMetadata>),
    Lost,
    /// The pointer is still at the base: the swap can be sent again unchanged (whichever
    /// copy arrives first wins; the other finds the pointer moved). An earlier send may still
    /// be on its way.
    Pending,
    /// Not landed, and nothing sent can land later (a store or database that answers only
    /// once the write is done, like a local disk or an embedded SQLite): sending again is
    /// safe, and giving up is a plain failure.
    Absent,
}

/// The two things a catalog must do for floe to commit through it.
#[async_trait]
pub(crate) trait MetadataPointer: Send + Sync {
    async fn load_pointed(&self, ident: &TableIdent) -> Result<PointedMetadata>;

    /// Where floe writes the metadata following `base`; `None` when the catalog writes it.
    fn next_location(&self, ident: &TableIdent, base: &PointedMetadata) -> Result<Option<String>>;

    /// Make the proposal the table's current metadata, if its base still is.
    /// Sending the same swap again must be safe.
    async fn swap(&self, ident: &TableIdent, proposal: &Proposal<'_>) -> Swap;

    /// After `Swap::Unknown`: did the proposal land?
    async fn settle(&self, ident: &TableIdent, proposal: &Proposal<'_>) -> Result<Settled>;

    /// Remove what a lost swap left (a metadata file nobody points at), if anything.
    async fn discard(&self, location: &str);

    fn describe(&self, ident: &TableIdent) -> String;

    fn pointer_stores(&self) -> &Stores;
}

/// Commit `updates` under `requirements`: retried while other writers win the race and the
/// requirements still hold. `base_location` is the metadata the caller built the updates
/// from: when the table has moved on and an update no longer applies (a snapshot whose
/// sequence number another branch's commit took), that is a conflict for the caller to
/// rebuild from, not a failure.
///
/// Returns the committed metadata and its location.
pub(crate) async fn commit_metadata(
    pointer: &dyn MetadataPointer,
    ident: &TableIdent,
    base_location: Option<&str>,
    requirements: &[TableRequirement],
    updates: &[TableUpdate],
) -> Result<PointedMetadata> {
    let started = Instant::now();
    let mut attempt = 0u32;
    let added_snapshots: Vec<i64> = updates
        .iter()
        .filter_map(|u| match u {
            TableUpdate::AddSnapshot { snapshot } => Some(snapshot.snapshot_id()),
            _ => None,
        })
        .collect();
    let mut first_base: Option<String> = None;
    loop {
        let base = pointer.load_pointed(ident).await?;
        let caller_base = base_location
            .map(str::to_string)
            .or_else(|| first_base.clone())
            .unwrap_or_else(|| base.location.clone());
        first_base.get_or_insert_with(|| base.location.clone());
        for requirement in requirements {
            requirement.check(Some(&base.metadata)).map_err(|e| {
                conflict(format!(
                    "commit to {} rejected: {}",
                    pointer.describe(ident),
                    e.message()
                ))
            })?;
        }
        refuse_implicit_ref_drops(pointer, ident, &base.metadata, updates)?;
        let policy = RetryPolicy::from_properties(base.metadata.properties());
        let (metadata, expired) = match apply_updates(&base.metadata, &base.location, updates) {
            Ok(applied) => applied,
            Err(e) if base.location != caller_base => {
                return Err(conflict(format!(
                    "commit to {} no longer applies to the table as another writer left it: {e:#}",
                    pointer.describe(ident)
                )))
            }
            Err(e) => return Err(e),
        };
        let location = pointer.next_location(ident, &base)?;
        let bytes = match &location {
            Some(_) => Bytes::from(serde_json::to_vec_pretty(&metadata)?),
            None => Bytes::new(),
        };
        let key = uuid::Uuid::new_v4().to_string();
        let proposal = Proposal {
            base: &base,
            metadata: &metadata,
            file: location.as_deref().map(|l| (l, &bytes)),
            requirements,
            updates,
            added_snapshots: &added_snapshots,
            key: &key,
        };
        if let Some(committed) = swap_until_decided(pointer, ident, &proposal, &policy).await? {
            // A catalog that writes its own metadata also trims its own log.
            if location.is_some()
                && metadata
                    .properties()
                    .get("write.metadata.delete-after-commit.enabled")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"))
            {
                pointer.pointer_stores().delete_all(&expired).await;
            }
            return Ok(committed);
        }
        // A lost race is decided by the pointer; our snapshot being in the table anyway would
        // mean the decision was wrong, and retrying would add it twice. Checked before our
        // file is discarded: if it landed, the table may point at it.
        if !added_snapshots.is_empty() {
            if let Ok(now) = pointer.load_pointed(ident).await {
                if added_snapshots
                    .iter()
                    .all(|id| now.metadata.snapshot_by_id(*id).is_some())
                {
                    return Ok(now);
                }
            }
        }
        if let Some(location) = &location {
            pointer.discard(location).await;
        }
        attempt += 1;
        if !policy.may_retry(attempt, started) {
            return Err(conflict(format!(
                "commit to {} lost to concurrent writers {attempt} times",
                pointer.describe(ident)
            )));
        }
        tokio::time::sleep(policy.backoff(attempt)).await;
    }
}

/// Swap, and after an unknown outcome read back until it is known: the committed metadata
/// when ours is current, `None` when another writer's won. While the pointer is still at the
/// base the very same swap is sent again (per `commit.retry.*`), so a request that lands late
/// is found as ours rather than taken for a rival.
///
/// Once any send was uncertain, only a read-back decides (Java's `CommitStateUnknownException`
/// rule): a later "lost" answer may be our own earlier send having moved the pointer, and a
/// later failure says nothing about the send still in flight. So a lost answer is read back,
/// and a read-back that fails, a failed re-send, or a pointer still at the base when the
/// re-sends run out is `commit_state_unknown`: the caller deletes nothing, since the commit
/// may land after floe gave up.
async fn swap_until_decided(
    pointer: &dyn MetadataPointer,
    ident: &TableIdent,
    proposal: &Proposal<'_>,
    policy: &RetryPolicy,
) -> Result<Option<PointedMetadata>> {
    let started = Instant::now();
    let mut sends = 0u32;
    let location = proposal.describe_target();
    let mut uncertain: Option<anyhow::Error> = None;
    let unknown = |why: String| {
        state_unknown(format!(
            "the commit to {} may or may not have landed: {why}",
            pointer.describe(ident)
        ))
    };
    loop {
        sends += 1;
        let error = match (pointer.swap(ident, proposal).await, &uncertain) {
            (Swap::Swapped(reported), _) => {
                return Ok(Some(reported.unwrap_or_else(|| proposal.committed())))
            }
            (Swap::Lost, None) => return Ok(None),
            (Swap::Failed(e), None) => return Err(e),
            (Swap::Lost, Some(earlier)) => {
                return match pointer.settle(ident, proposal).await {
                    Ok(Settled::Landed(reported)) => {
                        Ok(Some(reported.unwrap_or_else(|| proposal.committed())))
                    }
                    Ok(Settled::Lost) => Ok(None),
                    Ok(Settled::Pending | Settled::Absent) => Err(unknown(format!(
                        "an earlier send of {location} failed ({earlier:#}), the re-send was refused as stale, yet the table still shows the base"
                    ))),
                    Err(read_err) => Err(unknown(format!(
                        "an earlier send of {location} failed ({earlier:#}) and reading the table back failed ({read_err:#})"
                    ))),
                };
            }
            (Swap::Failed(e), Some(earlier)) => {
                return Err(unknown(format!(
                    "an earlier send of {location} failed ({earlier:#}) and may still land; the re-send failed ({e:#})"
                )))
            }
            (Swap::Unknown(e), _) => e,
        };
        match pointer.settle(ident, proposal).await {
            Ok(Settled::Landed(reported)) => {
                return Ok(Some(reported.unwrap_or_else(|| proposal.committed())))
            }
            Ok(Settled::Lost) => return Ok(None),
            Ok(Settled::Absent) if policy.may_retry(sends, started) => {
                tokio::time::sleep(policy.backoff(sends)).await;
            }
            Ok(Settled::Absent) if uncertain.is_none() => {
                return Err(error.context(format!(
                    "cannot write {location}; gave up after {sends} attempts (read back, it never landed)"
                )))
            }
            Ok(Settled::Pending) if policy.may_retry(sends, started) => {
                uncertain = Some(error);
                tokio::time::sleep(policy.backoff(sends)).await;
            }
            Ok(Settled::Pending | Settled::Absent) => {
                return Err(unknown(format!(
                    "{sends} sends of {location} failed ({error:#}) and the table still shows the base, but a send may land after floe gave up"
                )))
            }
            Err(read_err) => {
                return Err(unknown(format!(
                    "writing {location} failed ({error:#}) and reading it back failed ({read_err:#})"
                )))
            }
        }
    }
}

/// Removing a snapshot also removes every ref pointing at it (iceberg's rule). A ref that was
/// not explicitly dropped in the same commit was made or moved by another writer after the
/// removal was planned (a tag, a branch, a rollback): dropping it silently would lose it and
/// let its files be deleted. That is a conflict; the caller plans again.
fn refuse_implicit_ref_drops(
    pointer: &dyn MetadataPointer,
    ident: &TableIdent,
    metadata: &TableMetadata,
    updates: &[TableUpdate],
) -> Result<()> {
    let mut removing: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let mut dropping: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for update in updates {
        match update {
            TableUpdate::RemoveSnapshots { snapshot_ids } => removing.extend(snapshot_ids),
            TableUpdate::RemoveSnapshotRef { ref_name } => {
                dropping.insert(ref_name.as_str());
            }
            _ => {}
        }
    }
    if removing.is_empty() {
        return Ok(());
    }
    for (name, reference) in crate::table::read::scan::refs(metadata)? {
        let snapshot_id = reference.snapshot_id;
        if removing.contains(&snapshot_id) && !dropping.contains(name.as_str()) {
            return Err(conflict(format!(
                "commit to {} would remove snapshot {snapshot_id}, which ref '{name}' now points at (made or moved by another writer meanwhile)",
                pointer.describe(ident)
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The decisions of the shared path against a pointer whose sends land when the script
    //! says: what a slow database, a gateway that times out or a late S3 PUT do to a commit.

    use std::collections::{HashMap, VecDeque};
    use std::sync::Mutex;

    use super::*;
    use crate::error::{kind_of, ErrorKind};

    /// How the pointer treats one send.
    #[derive(Clone, Copy)]
    enum Send {
        /// Answered "unknown"; the send lands just before the next normal send.
        LandsLater,
        /// Answered "unknown"; nothing lands.
        Vanishes,
        /// Compare-and-swap now.
        Normal,
    }

    struct ScriptedPointer {
        stores: Stores,
        current: Mutex<(String, TableMetadata)>,
        sends: Mutex<VecDeque<Send>>,
        in_flight: Mutex<Option<(String, String, TableMetadata)>>,
        /// What a read-back says while the pointer is at the base.
        at_base: Settled,
        discarded: Mutex<Vec<String>>,
    }

    impl ScriptedPointer {
        fn new(sends: &[Send], at_base: Settled) -> Self {
            let metadata = crate::table::test_metadata::one_column_table("memory://scripted/t");
            ScriptedPointer {
                stores: Stores::new(Default::default()),
                current: Mutex::new(("memory://scripted/t/metadata/v1.json".into(), metadata)),
                sends: Mutex::new(sends.iter().copied().collect()),
                in_flight: Mutex::new(None),
                at_base,
                discarded: Mutex::new(vec![]),
            }
        }

        /// A send held back arrives (before whatever call reaches the pointer now).
        fn arrive(&self) {
            if let Some((base, location, metadata)) = self.in_flight.lock().unwrap().take() {
                let mut current = self.current.lock().unwrap();
                if current.0 == base {
                    *current = (location, metadata);
                }
            }
        }

        fn location(&self) -> String {
            self.current.lock().unwrap().0.clone()
        }
    }

    #[async_trait]
    impl MetadataPointer for ScriptedPointer {
        async fn load_pointed(&self, _ident: &TableIdent) -> Result<PointedMetadata> {
            let (location, metadata) = self.current.lock().unwrap().clone();
            Ok(PointedMetadata { location, metadata })
        }

        fn next_location(&self, _: &TableIdent, base: &PointedMetadata) -> Result<Option<String>> {
            Ok(Some(format!(
                "{}-next-{}",
                base.location,
                uuid::Uuid::new_v4()
            )))
        }

        async fn swap(&self, _ident: &TableIdent, proposal: &Proposal<'_>) -> Swap {
            let send = self
                .sends
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or(Send::Normal);
            let (location, _) = proposal.file().unwrap();
            match send {
                Send::LandsLater => {
                    *self.in_flight.lock().unwrap() = Some((
                        proposal.base.location.clone(),
                        location.to_string(),
                        proposal.metadata.clone(),
                    ));
                    Swap::Unknown(anyhow::anyhow!("timed out"))
                }
                Send::Vanishes => Swap::Unknown(anyhow::anyhow!("timed out")),
                Send::Normal => {
                    self.arrive();
                    let mut current = self.current.lock().unwrap();
                    if current.0 != proposal.base.location {
                        return Swap::Lost;
                    }
                    *current = (location.to_string(), proposal.metadata.clone());
                    Swap::Swapped(None)
                }
            }
        }

        async fn settle(&self, _ident: &TableIdent, proposal: &Proposal<'_>) -> Result<Settled> {
            let (location, _) = proposal.file()?;
            let now = self.location();
            Ok(if now == location {
                Settled::Landed(None)
            } else if now == proposal.base.location {
                match self.at_base {
                    Settled::Absent => Settled::Absent,
                    _ => Settled::Pending,
                }
            } else {
                Settled::Lost
            })
        }

        async fn discard(&self, location: &str) {
            self.discarded.lock().unwrap().push(location.to_string());
        }

        fn describe(&self, _ident: &TableIdent) -> String {
            "scripted.t".into()
        }

        fn pointer_stores(&self) -> &Stores {
            &self.stores
        }
    }

    fn set_property() -> Vec<TableUpdate> {
        vec![TableUpdate::SetProperties {
            updates: HashMap::from([
                ("owner".to_string(), "data-eng".to_string()),
                ("commit.retry.min-wait-ms".to_string(), "1".to_string()),
                ("commit.retry.num-retries".to_string(), "2".to_string()),
            ]),
        }]
    }

    fn ident() -> TableIdent {
        TableIdent::from_strs(["scripted", "t"]).unwrap()
    }

    /// The first send is slow; the re-send finds the pointer moved (by that first send) and
    /// is refused. Taking that refusal as a lost race would discard the metadata file the
    /// table now points at (a commit with no snapshot to recognise it by).
    #[tokio::test]
    async fn a_refused_re_send_after_an_uncertain_one_is_read_back_before_anything_is_discarded() {
        let pointer = ScriptedPointer::new(&[Send::LandsLater, Send::Normal], Settled::Pending);
        let committed = commit_metadata(&pointer, &ident(), None, &[], &set_property())
            .await
            .unwrap();
        assert_eq!(committed.location, pointer.location());
        assert_eq!(
            committed
                .metadata
                .properties()
                .get("owner")
                .map(String::as_str),
            Some("data-eng")
        );
        assert!(pointer.discarded.lock().unwrap().is_empty());
    }

    /// Every send times out and none has landed by the time the re-sends run out: one may
    /// still land, so the outcome is unknown (nothing may be deleted), not a failure.
    #[tokio::test]
    async fn sends_that_may_still_land_end_in_an_unknown_outcome() {
        let pointer = ScriptedPointer::new(&[Send::LandsLater; 8], Settled::Pending);
        let Err(err) = commit_metadata(&pointer, &ident(), None, &[], &set_property()).await else {
            panic!("the commit cannot have succeeded");
        };
        assert_eq!(kind_of(&err), ErrorKind::CommitStateUnknown, "{err:#}");
        assert!(pointer.discarded.lock().unwrap().is_empty());
        // And it does land, after floe gave up.
        pointer.arrive();
        assert!(pointer.location().contains("-next-"));
    }

    /// Where a failed send is over when it returns (local disk, embedded SQLite), giving up
    /// is a plain failure after the retries.
    #[tokio::test]
    async fn sends_that_cannot_land_later_end_in_a_plain_failure() {
        let pointer = ScriptedPointer::new(&[Send::Vanishes; 8], Settled::Absent);
        let Err(err) = commit_metadata(&pointer, &ident(), None, &[], &set_property()).await else {
            panic!("the commit cannot have succeeded");
        };
        assert_eq!(kind_of(&err), ErrorKind::Failed, "{err:#}");
        assert!(format!("{err:#}").contains("never landed"), "{err:#}");
    }
}
