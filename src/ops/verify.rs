//! `verify`: check the files of chosen snapshots against the metadata.

use anyhow::Result;
use serde::Serialize;

use crate::error::FloeError;
use crate::table::verify::{verify as verify_files, Verification};
use crate::table::{Session, TableRef};

/// Which snapshots to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Current,
    Snapshot(i64),
    All,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub table: String,
    pub deep: bool,
    pub ok: bool,
    #[serde(flatten)]
    pub verification: Verification,
}

pub async fn verify(
    session: &Session,
    table: &TableRef,
    scope: Scope,
    deep: bool,
) -> Result<VerifyReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let metadata = loaded.metadata();
    let ids: Vec<i64> = match scope {
        Scope::Current => metadata.current_snapshot_id().into_iter().collect(),
        Scope::Snapshot(id) => {
            if metadata.snapshot_by_id(id).is_none() {
                return Err(FloeError::not_found(format!(
                    "table {} has no snapshot {id}",
                    target.display
                ))
                .with_hint("list them with `floe snapshots`")
                .into());
            }
            vec![id]
        }
        Scope::All => metadata.snapshots().map(|s| s.snapshot_id()).collect(),
    };
    let verification = verify_files(&loaded, target.catalog.stores(), &ids, deep).await?;
    Ok(VerifyReport {
        table: target.display.clone(),
        deep,
        ok: verification.problems.is_empty(),
        verification,
    })
}
