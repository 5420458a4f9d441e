//! The table-access layer: the only place that builds storage, talks to catalogs, and
//! opens, creates or commits tables.

pub mod adopt;
pub mod aws;
pub mod catalog;
pub mod changes_since;
pub mod commit;
pub mod delete_writer;
pub mod directory;
pub mod expire;
pub mod export;
pub mod fault_injection;
pub mod file_io;
pub mod file_sizing;
pub mod glue;
pub mod key_set;
pub mod lease;
pub mod live_files;
pub mod local_store;
pub mod manifest_rewrite;
pub mod manifest_stream;
pub mod metadata_commit;
pub mod native_scan;
pub mod orphans;
pub mod parallel_scan;
pub mod parquet_metrics;
pub mod partition_path;
pub mod partition_split;
pub mod planning_catalog;
pub mod position_delete_rewrite;
pub mod reachable;
pub mod rest;
pub mod rewrite_commit;
pub mod row_change_commit;
pub mod row_filter;
pub mod row_matches;
pub mod row_rewrite;
pub mod scan;
pub mod session;
pub mod snapshot_commit;
pub mod sound_predicate;
pub mod snapshot_producer;
pub mod source_ledger;
pub mod spark;
pub mod sql;
pub mod storage;
pub mod struct_projection;
#[cfg(test)]
mod test_metadata;
pub mod vended_credentials;
pub mod verify;
pub mod write;

pub use catalog::{
    display_ident, parse_ident, parse_namespace, FloeCatalog, TableRef, TableTarget,
};
pub use session::Session;
pub use storage::Stores;
