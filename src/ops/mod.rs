//! Operations: one file each, plan then execute, returning a serializable report. No printing,
//! no clap; long work reports through [`crate::progress::Progress`].

pub mod add_files;
pub mod column_stats;
pub mod compact;
pub mod create;
pub mod delete;
pub mod describe;
pub mod diff;
pub mod distribution;
pub mod engine;
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
pub mod report;
pub mod rewrite_manifests;
pub mod rewrite_position_deletes;
pub mod row_deletion;
pub mod schema;
pub mod schema_evolve;
pub mod schema_merge;
pub mod snapshots;
pub mod sort_order;
pub mod spark_engine;
pub mod verify;
