//! The command line: global flags and the command enum (clap derive). Doc comments here are
//! the `--help` text.

use clap::{Parser, Subcommand};
use clap_complete::Shell;

use crate::commands;
use crate::commands::context::GlobalArgs;

/// Administer Apache Iceberg tables on local disk and S3.
///
/// Tables are named by location (anything with a '/', e.g. ./wh/db/events or
/// s3://bucket/wh/db/events) or by identifier (db.events) in the selected catalog. With no
/// configuration the catalog is a directory warehouse at ./warehouse.
#[derive(Debug, Parser)]
#[command(name = "floe", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Create(commands::create::CreateArgs),
    Ingest(commands::ingest::IngestArgs),
    Delete(commands::delete::DeleteArgs),
    AddFiles(commands::add_files::AddFilesArgs),
    Describe(commands::describe::DescribeArgs),
    Schema(commands::schema::SchemaArgs),
    Snapshots(commands::snapshots::SnapshotsArgs),
    Snapshot(commands::snapshot::SnapshotArgs),
    Files(commands::files::FilesArgs),
    Diff(commands::diff::DiffArgs),
    History(commands::history::HistoryArgs),
    Refs(commands::refs::RefsArgs),
    Manifests(commands::manifests::ManifestsArgs),
    Partitions(commands::partitions::PartitionsArgs),
    Properties(commands::properties::PropertiesArgs),
    Partition(commands::partition::PartitionArgs),
    SortOrder(commands::sort_order::SortOrderArgs),
    List(commands::list::ListArgs),
    Namespaces(commands::namespaces::NamespacesArgs),
    Drop(commands::drop::DropArgs),
    Rename(commands::rename::RenameArgs),
    Register(commands::register::RegisterArgs),
    Query(commands::query::QueryArgs),
    Sql(commands::sql::SqlArgs),
    Compact(commands::compact::CompactArgs),
    RewriteManifests(commands::rewrite_manifests::RewriteManifestsArgs),
    RewritePositionDeletes(commands::rewrite_position_deletes::RewritePositionDeletesArgs),
    Expire(commands::expire::ExpireArgs),
    RemoveOrphans(commands::remove_orphans::RemoveOrphansArgs),
    Rollback(commands::refs_change::RollbackArgs),
    Tag(commands::refs_change::TagArgs),
    Branch(commands::refs_change::BranchArgs),
    Verify(commands::verify::VerifyArgs),
    Health(commands::health::HealthArgs),
    Report(commands::report::ReportArgs),
    Maintain(commands::maintain::MaintainArgs),
    Policy(commands::policy::PolicyArgs),
    Completions(CompletionsArgs),
}

// Here, not in commands/completions.rs: the generator reads the whole command line defined in
// this file, so its arguments live beside it and the dependency points one way.
/// Print shell completions.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// Shell to generate for.
    #[arg(value_enum)]
    pub shell: Shell,
}
