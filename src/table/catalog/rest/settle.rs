//! Deciding a REST commit whose answer never came: the server writes its own metadata files,
//! so ours is recognised by what it did, not by a file name.

use anyhow::Result;
use iceberg::spec::TableMetadata;

use crate::table::catalog::commit_policy::state_unknown;
use crate::table::catalog::floe_catalog::read_table_metadata;
use crate::table::catalog::metadata_commit::{PointedMetadata, Proposal, Settled};
use crate::table::storage::stores::Stores;

/// Did `proposal` land, given the table as it is `now`? Our commit was pinned to its base, so
/// if it landed it is the version right after the base: a commit that adds snapshots is
/// recognised by them; any other by comparing that version with what our updates make of the
/// base.
pub(super) async fn decide(
    stores: &Stores,
    proposal: &Proposal<'_>,
    now: PointedMetadata,
) -> Result<Settled> {
    let ours = proposal.added_snapshots;
    if !ours.is_empty()
        && ours
            .iter()
            .all(|id| now.metadata.snapshot_by_id(*id).is_some())
    {
        return Ok(Settled::Landed(Some(now)));
    }
    if now.location == proposal.base.location {
        return Ok(Settled::Pending);
    }
    if !ours.is_empty() {
        return Ok(Settled::Lost);
    }
    let log = now.metadata.metadata_log();
    let Some(at) = log
        .iter()
        .position(|entry| entry.metadata_file == proposal.base.location)
    else {
        return Err(state_unknown(format!(
            "the table moved on from {} and its metadata log no longer shows what came next",
            proposal.base.location
        )));
    };
    let next = match log.get(at + 1) {
        Some(entry) => read_table_metadata(stores, &entry.metadata_file).await?,
        None => now.metadata.clone(),
    };
    Ok(if same_effect(proposal.metadata, &next) {
        Settled::Landed(Some(now))
    } else {
        Settled::Lost
    })
}

/// Two metadata versions that agree on everything a commit can change (but when it was made).
fn same_effect(a: &TableMetadata, b: &TableMetadata) -> bool {
    let schema_ids = |m: &TableMetadata| {
        let mut ids: Vec<i32> = m.schemas_iter().map(|s| s.schema_id()).collect();
        ids.sort();
        ids
    };
    let spec_ids = |m: &TableMetadata| {
        let mut ids: Vec<i32> = m.partition_specs_iter().map(|s| s.spec_id()).collect();
        ids.sort();
        ids
    };
    let snapshot_ids = |m: &TableMetadata| {
        let mut ids: Vec<i64> = m.snapshots().map(|s| s.snapshot_id()).collect();
        ids.sort();
        ids
    };
    let refs = |m: &TableMetadata| -> Option<Vec<(String, i64)>> {
        let refs = crate::table::read::scan::refs(m).ok()?;
        Some(
            refs.into_iter()
                .map(|(name, r)| (name, r.snapshot_id))
                .collect(),
        )
    };
    a.format_version() == b.format_version()
        && a.current_schema_id() == b.current_schema_id()
        && schema_ids(a) == schema_ids(b)
        && a.default_partition_spec_id() == b.default_partition_spec_id()
        && spec_ids(a) == spec_ids(b)
        && a.default_sort_order_id() == b.default_sort_order_id()
        && a.properties() == b.properties()
        && snapshot_ids(a) == snapshot_ids(b)
        && refs(a).is_some()
        && refs(a) == refs(b)
}
