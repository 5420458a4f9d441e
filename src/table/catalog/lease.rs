//! A lease on a table for one `maintain` run: a small object next to the metadata, created
//! with put-if-absent, holding its owner and expiry. A lease past its expiry (its run died) is
//! taken over: deleted, created anew, and read back after a pause to be sure it is ours.

use std::time::Duration;

use anyhow::Result;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::directory::metadata_dir;
use crate::table::storage::stores::{join, PutIfAbsent, Stores};

/// How long a taker waits before reading a taken-over lease back: another taker racing for the
/// same stale lease has written by then, and only one of them finds its own.
const TAKEOVER_SETTLE: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LeaseRecord {
    pub owner: String,
    pub host: String,
    pub pid: u32,
    pub acquired_ms: i64,
    pub expires_ms: i64,
}

/// A held lease; release it when done.
#[derive(Debug)]
pub struct Lease {
    location: String,
    record: LeaseRecord,
    stores: Stores,
}

/// Why a lease was not taken.
#[derive(Debug, Clone)]
pub enum Busy {
    /// Another run holds it until `expires_ms`.
    HeldBy(LeaseRecord),
}

pub fn lease_location(table_location: &str) -> String {
    join(&metadata_dir(table_location), "floe-maintain.lease")
}

impl Lease {
    /// Take the lease of the table at `table_location` for `duration`, or say who holds it.
    pub async fn acquire(
        stores: &Stores,
        table_location: &str,
        duration: Duration,
    ) -> Result<std::result::Result<Lease, Busy>> {
        let location = lease_location(table_location);
        let now = chrono::Utc::now().timestamp_millis();
        let record = LeaseRecord {
            owner: uuid::Uuid::new_v4().to_string(),
            host: hostname(),
            pid: std::process::id(),
            acquired_ms: now,
            expires_ms: now + duration.as_millis() as i64,
        };
        let bytes = Bytes::from(serde_json::to_vec(&record)?);
        let lease = Lease {
            location: location.clone(),
            record: record.clone(),
            stores: stores.clone(),
        };
        if stores.put_if_absent(&location, bytes.clone()).await? == PutIfAbsent::Created {
            return Ok(Ok(lease));
        }
        let held = match stores.read_optional(&location).await? {
            Some(existing) => serde_json::from_slice::<LeaseRecord>(&existing).ok(),
            // Released meanwhile: try once more.
            None => None,
        };
        if let Some(held) = &held {
            if held.expires_ms > now {
                return Ok(Err(Busy::HeldBy(held.clone())));
            }
        }
        // Expired (or unreadable): take it over.
        let _ = stores.delete(&location).await;
        if stores.put_if_absent(&location, bytes).await? != PutIfAbsent::Created {
            let current = stores.read_optional(&location).await?;
            return Ok(Err(Busy::HeldBy(
                current
                    .and_then(|b| serde_json::from_slice(&b).ok())
                    .unwrap_or(record),
            )));
        }
        tokio::time::sleep(TAKEOVER_SETTLE).await;
        let current = stores.read_optional(&location).await?;
        match current.and_then(|b| serde_json::from_slice::<LeaseRecord>(&b).ok()) {
            Some(now_held) if now_held == lease.record => Ok(Ok(lease)),
            Some(other) => Ok(Err(Busy::HeldBy(other))),
            None => Ok(Err(Busy::HeldBy(lease.record.clone()))),
        }
    }

    pub fn record(&self) -> &LeaseRecord {
        &self.record
    }

    /// Give the lease up (only if it is still ours).
    pub async fn release(self) {
        if let Ok(Some(bytes)) = self.stores.read_optional(&self.location).await {
            if serde_json::from_slice::<LeaseRecord>(&bytes).ok().as_ref() == Some(&self.record) {
                let _ = self.stores.delete(&self.location).await;
            }
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default()
}
