//! Operations: one file each, plan then execute, returning a serializable report. No printing,
//! no clap; long work reports through [`Progress`].

pub mod add_files;
pub mod compact;
pub mod create;
pub mod delete;
pub mod describe;
pub mod diff;
pub mod expire;
pub mod files;
pub mod health;
pub mod history;
pub mod ingest;
pub mod ingest_replace;
pub mod listing;
pub mod maintain;
pub mod manage;
pub mod partition_evolve;
pub mod partitions;
pub mod properties;
pub mod query;
pub mod ref_changes;
pub mod remove_orphans;
pub mod rewrite_manifests;
pub mod row_deletion;
pub mod schema;
pub mod schema_evolve;
pub mod schema_merge;
pub mod snapshots;
pub mod sort_order;
pub mod verify;

/// Progress of long work (bytes processed). The default does nothing.
pub trait Progress: Send + Sync {
    fn start(&self, _label: &str, _total_bytes: u64) {}
    fn advance(&self, _bytes: u64) {}
    fn finish(&self) {}
}

/// The silent reporter.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}
