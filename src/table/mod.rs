//! The table-access layer: the only place that builds storage, talks to catalogs, and
//! opens, creates or commits tables.
//!
//! One sub-module per concern; each may use only the ones listed before it, so dependencies
//! point one way:
//!
//! - [`storage`]: URIs → object stores, iceberg's `FileIO` on them, credentials, fault
//!   injection. Uses nothing else in `table`.
//! - [`read`]: scans, manifest streaming, live files, row filters and matches, sound file
//!   pruning, Parquet metrics. Uses `storage`.
//! - [`write`](mod@write): data and delete writers, sizing, partition paths and splitting, key sets,
//!   copy-on-write rewrites, exports. Uses `storage` and `read` (a rewrite reads the rows it
//!   keeps; delete writers read the rows they match).
//! - [`catalog`]: the `FloeCatalog` trait, table names, the one pointer-swap path with its retry
//!   policy and outcomes, the directory, sql, rest and glue catalogs, the planning catalog and
//!   leases. Uses `storage` and `read` (a table's refs).
//! - [`commit`]: snapshot producers and the commits built on them (append, overwrite, row
//!   changes, rewrites, manifests, delete-file rewrites, adopted files), validated against what
//!   others committed, and the source ledger. Uses `catalog`, `read`, `write`, `storage`.
//! - [`cleanup`]: expiry, orphans, reachability, verify. Uses all of the above.
//! - [`spark`]: the Spark engine's launcher and catalog configuration. Uses `catalog` (table
//!   names) and `storage`.
//! - [`session`]: configuration → stores, catalog and Spark settings; where every command
//!   enters the layer. Uses `catalog`, `storage`, `spark`.
//!
//! The rest of floe reaches the layer through what this file re-exports: the files below by
//! name (`table::scan`, `table::snapshot_commit`, …) and the names every command uses. The
//! files not re-exported (the catalogs' own, the pointer swap, storage internals) are private
//! to the layer by convention.

pub mod catalog;
pub mod cleanup;
pub mod commit;
pub mod read;
pub mod session;
pub mod spark;
pub mod storage;
#[cfg(test)]
mod test_metadata;
pub mod write;

pub use catalog::{commit_policy, directory, lease};
pub use cleanup::{expire, orphans, reachable, verify};
pub use commit::{
    adopt, manifest_rewrite, position_delete_rewrite, rewrite_commit, row_change_commit,
    snapshot_commit, snapshot_producer, source_ledger,
};
pub use read::{
    deletion_vectors, lineage_scan, live_files, manifest_stream, parallel_scan, parquet_metrics,
    readable_tasks, row_filter, row_lineage, row_matches, scan, sound_predicate, struct_projection,
};
pub use write::{
    delete_writer, deletion_vector_writer, export, key_set, partition_path, row_rewrite,
};

pub use catalog::{
    display_ident, parse_ident, parse_namespace, FloeCatalog, TableDefinition, TableRef,
    TableTarget,
};
pub use session::Session;
pub use storage::{is_local, normalize_location, Stores};
pub use write::{TableDataWriter, WriteSettings};
