//! Moving refs: `rollback` (main back to an older snapshot), tags and branches created,
//! dropped and fast-forwarded. Each is one commit that requires the refs it reads to be where
//! they were.

use anyhow::Result;
use iceberg::spec::{SnapshotReference, SnapshotRetention, TableMetadata, MAIN_BRANCH};
use iceberg::{TableRequirement, TableUpdate};
use serde::Serialize;

use crate::error::FloeError;
use crate::table::scan::refs;
use crate::table::{Session, TableRef};

#[derive(Debug, Clone)]
pub enum RefChange {
    /// Point main at a snapshot (by id, or the one current at a time).
    Rollback {
        snapshot_id: Option<i64>,
        time_ms: Option<i64>,
        force: bool,
    },
    CreateTag {
        name: String,
        snapshot_id: Option<i64>,
        max_ref_age_ms: Option<i64>,
    },
    CreateBranch {
        name: String,
        snapshot_id: Option<i64>,
        min_snapshots_to_keep: Option<i32>,
        max_snapshot_age_ms: Option<i64>,
        max_ref_age_ms: Option<i64>,
    },
    /// Drop a tag (`tag: true`) or a branch.
    Drop { name: String, tag: bool },
    /// Move branch `name` forward to `to`'s head; `name` must be an ancestor of it.
    FastForward { name: String, to: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct RefChangeReport {
    pub table: String,
    pub action: String,
    #[serde(rename = "ref")]
    pub ref_name: String,
    pub previous_snapshot_id: Option<i64>,
    pub snapshot_id: Option<i64>,
}

fn refuse(message: String) -> anyhow::Error {
    FloeError::invalid(message).into()
}

fn is_ancestor(metadata: &TableMetadata, ancestor: i64, of: i64) -> bool {
    let mut at = Some(of);
    while let Some(id) = at {
        if id == ancestor {
            return true;
        }
        at = metadata
            .snapshot_by_id(id)
            .and_then(|s| s.parent_snapshot_id());
    }
    false
}

fn existing_snapshot(metadata: &TableMetadata, id: i64, display: &str) -> Result<i64> {
    metadata
        .snapshot_by_id(id)
        .map(|s| s.snapshot_id())
        .ok_or_else(|| {
            FloeError::not_found(format!("table {display} has no snapshot {id}"))
                .with_hint("list them with `floe snapshots`")
                .into()
        })
}

/// The snapshot a new ref `name` points at (the current one by default); the name must be free.
fn new_ref_snapshot(
    metadata: &TableMetadata,
    known: &std::collections::BTreeMap<String, SnapshotReference>,
    name: &str,
    snapshot_id: Option<i64>,
    display: &str,
) -> Result<i64> {
    if known.contains_key(name) {
        return Err(refuse(format!(
            "table {display} already has a ref '{name}'"
        )));
    }
    match snapshot_id {
        Some(id) => existing_snapshot(metadata, id, display),
        None => metadata
            .current_snapshot_id()
            .ok_or_else(|| refuse(format!("table {display} has no snapshots yet"))),
    }
}

pub async fn change_ref(
    session: &Session,
    table: &TableRef,
    change: RefChange,
) -> Result<RefChangeReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let metadata = loaded.metadata();
    let display = target.display.clone();
    let known = refs(metadata)?;
    let head = |name: &str| known.get(name).map(|r| r.snapshot_id);
    let current = metadata.current_snapshot_id();
    let (action, name, previous, next, reference) = match change {
        RefChange::Rollback {
            snapshot_id,
            time_ms,
            force,
        } => {
            let current =
                current.ok_or_else(|| refuse(format!("table {display} has no snapshots")))?;
            let to = match (snapshot_id, time_ms) {
                (Some(id), _) => existing_snapshot(metadata, id, &display)?,
                (None, Some(ms)) => {
                    // The newest ancestor of main committed at or before the time.
                    let mut at = Some(current);
                    let mut found = None;
                    while let Some(id) = at {
                        let snapshot = metadata.snapshot_by_id(id);
                        if snapshot.is_some_and(|s| s.timestamp_ms() <= ms) {
                            found = Some(id);
                            break;
                        }
                        at = snapshot.and_then(|s| s.parent_snapshot_id());
                    }
                    found.ok_or_else(|| {
                        refuse(format!(
                            "main of {display} has no snapshot at or before {}",
                            crate::units::format_time_ms(ms)
                        ))
                    })?
                }
                (None, None) => {
                    return Err(FloeError::usage("give --to-snapshot or --to-time").into())
                }
            };
            if !force && !is_ancestor(metadata, to, current) {
                return Err(FloeError::invalid(format!(
                    "snapshot {to} is not an ancestor of main's current snapshot {current}"
                ))
                .with_hint("add --force to point main at it anyway")
                .into());
            }
            let retention = SnapshotRetention::Branch {
                min_snapshots_to_keep: None,
                max_snapshot_age_ms: None,
                max_ref_age_ms: None,
            };
            let main = known
                .get(MAIN_BRANCH)
                .map(|r| r.retention.clone())
                .unwrap_or(retention);
            (
                "rollback",
                MAIN_BRANCH.to_string(),
                Some(current),
                Some(to),
                Some(SnapshotReference::new(to, main)),
            )
        }
        RefChange::CreateTag {
            name,
            snapshot_id,
            max_ref_age_ms,
        } => {
            let id = new_ref_snapshot(metadata, &known, &name, snapshot_id, &display)?;
            let reference = SnapshotReference::new(id, SnapshotRetention::Tag { max_ref_age_ms });
            ("tag create", name, None, Some(id), Some(reference))
        }
        RefChange::CreateBranch {
            name,
            snapshot_id,
            min_snapshots_to_keep,
            max_snapshot_age_ms,
            max_ref_age_ms,
        } => {
            let id = new_ref_snapshot(metadata, &known, &name, snapshot_id, &display)?;
            let reference = SnapshotReference::new(
                id,
                SnapshotRetention::Branch {
                    min_snapshots_to_keep,
                    max_snapshot_age_ms,
                    max_ref_age_ms,
                },
            );
            ("branch create", name, None, Some(id), Some(reference))
        }
        RefChange::Drop { name, tag } => {
            let kind = if tag { "tag" } else { "branch" };
            if name == MAIN_BRANCH {
                return Err(refuse("the main branch cannot be dropped".into()));
            }
            match known.get(&name) {
                Some(r) if r.is_branch() != tag => {}
                Some(_) => return Err(refuse(format!("'{name}' is not a {kind} of {display}"))),
                None => {
                    return Err(FloeError::not_found(format!(
                        "table {display} has no {kind} '{name}'"
                    ))
                    .into())
                }
            }
            let action = if tag { "tag drop" } else { "branch drop" };
            (action, name.clone(), head(&name), None, None)
        }
        RefChange::FastForward { name, to } => {
            let (Some(from_id), Some(to_id)) = (head(&name), head(&to)) else {
                return Err(FloeError::not_found(format!(
                    "table {display} needs both branches '{name}' and '{to}'"
                ))
                .into());
            };
            if !known[&name].is_branch() {
                return Err(refuse(format!("'{name}' is a tag; only branches move")));
            }
            if !is_ancestor(metadata, from_id, to_id) {
                return Err(FloeError::invalid(format!(
                    "cannot fast-forward '{name}' to '{to}': {from_id} is not an ancestor of {to_id}"
                ))
                .into());
            }
            let reference = SnapshotReference::new(to_id, known[&name].retention.clone());
            (
                "branch fast-forward",
                name,
                Some(from_id),
                Some(to_id),
                Some(reference),
            )
        }
    };
    let requirements = vec![
        TableRequirement::UuidMatch {
            uuid: metadata.uuid(),
        },
        TableRequirement::RefSnapshotIdMatch {
            r#ref: name.clone(),
            snapshot_id: previous,
        },
    ];
    let updates = match reference {
        Some(reference) => vec![TableUpdate::SetSnapshotRef {
            ref_name: name.clone(),
            reference,
        }],
        None => vec![TableUpdate::RemoveSnapshotRef {
            ref_name: name.clone(),
        }],
    };
    target
        .catalog
        .commit(&target.ident, requirements, updates)
        .await?;
    Ok(RefChangeReport {
        table: display,
        action: action.to_string(),
        ref_name: name,
        previous_snapshot_id: previous,
        snapshot_id: next,
    })
}
