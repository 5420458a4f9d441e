//! The command line: global flags and the command enum (clap derive). Doc comments here are
//! the `--help` text.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands;
use crate::output::{LogFormat, OutputFormat};

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

/// Flags accepted before or after the subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Catalog to use (a name under `catalog:` in the config file).
    #[arg(long, global = true, env = "FLOE_CATALOG", value_name = "NAME")]
    pub catalog: Option<String>,

    /// Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Output format.
    #[arg(
        short = 'o',
        long,
        global = true,
        env = "FLOE_OUTPUT",
        value_enum,
        default_value = "table"
    )]
    pub output: OutputFormat,

    /// No status messages or progress.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// No progress bars.
    #[arg(long, global = true)]
    pub no_progress: bool,

    /// More detail in errors.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one
    /// object per line: time, level, table, step, message, fields; for log shippers).
    #[arg(
        long,
        global = true,
        env = "FLOE_LOG_FORMAT",
        value_enum,
        default_value = "human",
        value_name = "FORMAT"
    )]
    pub log_format: LogFormat,
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
    Completions(commands::completions::CompletionsArgs),
}
