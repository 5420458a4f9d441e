//! Commits that make snapshots: the snapshot producer every kind shares, appends and
//! overwrites, row changes, rewrites, manifest and delete-file rewrites and adopted files, each
//! validated against what others committed since it started; and the source ledger that
//! `--skip-loaded` reads. Uses `catalog` (to swap the pointer), `read`, `write`, `storage`.

pub mod adopt;
pub mod changes_since;
pub mod isolation;
pub mod manifest_rewrite;
pub mod position_delete_rewrite;
pub mod rewrite_commit;
pub mod row_change_commit;
pub mod snapshot_commit;
pub mod snapshot_producer;
pub mod source_ledger;
