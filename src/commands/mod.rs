//! Subcommands: one file each. Each turns its clap args into an `ops` call and prints the
//! report it gets back.

pub mod add_files;
pub mod compact;
pub mod completions;
pub mod create;
pub mod delete;
pub mod describe;
pub mod diff;
pub mod drop;
pub mod expire;
pub mod files;
pub mod health;
pub mod history;
pub mod ingest;
pub mod list;
pub mod maintain;
pub mod manifests;
pub mod namespaces;
pub mod partition;
pub mod partitions;
pub mod policy;
pub mod properties;
pub mod query;
pub mod refs;
pub mod refs_change;
pub mod register;
pub mod remove_orphans;
pub mod rename;
pub mod report;
mod report_html;
pub mod rewrite_manifests;
pub mod schema;
pub mod snapshot;
pub mod snapshots;
pub mod sort_order;
pub mod sql;
pub mod verify;

use anyhow::Result;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::config::Config;
use crate::error::FloeError;
use crate::output::Printer;
use crate::table::{Session, TableRef};

/// What every command gets: the global flags and the printer.
pub struct Context {
    pub global: GlobalArgs,
    pub printer: Printer,
}

impl Context {
    pub fn new(global: GlobalArgs) -> Self {
        let printer = Printer::new(global.output, global.quiet, global.no_progress);
        Context { global, printer }
    }

    /// Load the configuration and select the catalog.
    pub fn session(&self) -> Result<Session> {
        let config = Config::load(self.global.config.as_deref())?;
        Session::new(&config, self.global.catalog.as_deref())
    }
}

/// Parse a table argument.
pub fn table_ref(text: &str) -> Result<TableRef> {
    TableRef::parse(text)
}

/// `K=V` → (K, V).
pub fn key_value(text: &str) -> Result<(String, String)> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(FloeError::usage(format!("'{text}' is not KEY=VALUE")).into()),
    }
}

pub async fn run(cli: Cli) -> Result<()> {
    let ctx = Context::new(cli.global);
    match cli.command {
        Command::Create(args) => create::run(args, &ctx).await,
        Command::Ingest(args) => ingest::run(args, &ctx).await,
        Command::Delete(args) => delete::run(args, &ctx).await,
        Command::AddFiles(args) => add_files::run(args, &ctx).await,
        Command::Describe(args) => describe::run(args, &ctx).await,
        Command::Schema(args) => schema::run(args, &ctx).await,
        Command::Snapshots(args) => snapshots::run(args, &ctx).await,
        Command::Snapshot(args) => snapshot::run(args, &ctx).await,
        Command::Files(args) => files::run(args, &ctx).await,
        Command::Diff(args) => diff::run(args, &ctx).await,
        Command::History(args) => history::run(args, &ctx).await,
        Command::Refs(args) => refs::run(args, &ctx).await,
        Command::Manifests(args) => manifests::run(args, &ctx).await,
        Command::Partitions(args) => partitions::run(args, &ctx).await,
        Command::Properties(args) => properties::run(args, &ctx).await,
        Command::Partition(args) => partition::run(args, &ctx).await,
        Command::SortOrder(args) => sort_order::run(args, &ctx).await,
        Command::List(args) => list::run(args, &ctx).await,
        Command::Namespaces(args) => namespaces::run(args, &ctx).await,
        Command::Drop(args) => drop::run(args, &ctx).await,
        Command::Rename(args) => rename::run(args, &ctx).await,
        Command::Register(args) => register::run(args, &ctx).await,
        Command::Query(args) => query::run(args, &ctx).await,
        Command::Sql(args) => sql::run(args, &ctx).await,
        Command::Compact(args) => compact::run(args, &ctx).await,
        Command::RewriteManifests(args) => rewrite_manifests::run(args, &ctx).await,
        Command::Expire(args) => expire::run(args, &ctx).await,
        Command::RemoveOrphans(args) => remove_orphans::run(args, &ctx).await,
        Command::Rollback(args) => refs_change::run_rollback(args, &ctx).await,
        Command::Tag(args) => refs_change::run_tag(args, &ctx).await,
        Command::Branch(args) => refs_change::run_branch(args, &ctx).await,
        Command::Verify(args) => verify::run(args, &ctx).await,
        Command::Health(args) => health::run(args, &ctx).await,
        Command::Report(args) => report::run(args, &ctx).await,
        Command::Maintain(args) => maintain::run(args, &ctx).await,
        Command::Policy(args) => policy::run(args, &ctx).await,
        Command::Completions(args) => completions::run(args),
    }
}
