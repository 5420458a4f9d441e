//! Subcommands: one file each. Each turns its clap args into an `ops` call and prints the
//! report it gets back.

pub mod add_files;
pub mod compact;
pub mod completions;
pub mod context;
pub mod create;
pub mod delete;
pub mod describe;
pub mod diff;
pub mod drop;
pub mod engine_args;
pub mod expire;
pub mod files;
pub mod health;
pub mod history;
pub mod ingest;
pub mod list;
pub mod maintain;
pub mod manifests;
pub mod metrics_file;
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
pub mod rewrite_position_deletes;
pub mod row_change_args;
pub mod schema;
pub mod snapshot;
pub mod snapshots;
pub mod sort_order;
pub mod sql;
pub mod verify;

use anyhow::Result;

use crate::cli::{Cli, Command};
use context::Context;

/// The subcommand's name as typed (`remove-orphans`), for logs.
pub fn command_name(command: &Command) -> String {
    // Every variant wraps its args, so the Debug form starts with the variant's name.
    let debug = format!("{command:?}");
    let variant = debug.split(['(', ' ', '{']).next().unwrap_or_default();
    let mut name = String::new();
    for (i, c) in variant.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                name.push('-');
            }
            name.push(c.to_ascii_lowercase());
        } else {
            name.push(c);
        }
    }
    name
}

pub async fn run(cli: Cli) -> Result<()> {
    let ctx = Context::new(cli.global);
    let name = command_name(&cli.command);
    ctx.printer.reporter().set_step(&name);
    let started = std::time::Instant::now();
    run_command(cli.command, &ctx).await?;
    // Log shippers get one line per run, failures included (main logs those); a person at a
    // terminal already has the report.
    if ctx.printer.reporter().format() == crate::output::LogFormat::Json {
        ctx.printer.log(
            crate::progress::LogEvent::info(format!("{name}: done"))
                .field("command", &name)
                .field("seconds", started.elapsed().as_secs_f64()),
        );
    }
    Ok(())
}

async fn run_command(command: Command, ctx: &Context) -> Result<()> {
    match command {
        Command::Create(args) => create::run(args, ctx).await,
        Command::Ingest(args) => ingest::run(args, ctx).await,
        Command::Delete(args) => delete::run(args, ctx).await,
        Command::AddFiles(args) => add_files::run(args, ctx).await,
        Command::Describe(args) => describe::run(args, ctx).await,
        Command::Schema(args) => schema::run(args, ctx).await,
        Command::Snapshots(args) => snapshots::run(args, ctx).await,
        Command::Snapshot(args) => snapshot::run(args, ctx).await,
        Command::Files(args) => files::run(args, ctx).await,
        Command::Diff(args) => diff::run(args, ctx).await,
        Command::History(args) => history::run(args, ctx).await,
        Command::Refs(args) => refs::run(args, ctx).await,
        Command::Manifests(args) => manifests::run(args, ctx).await,
        Command::Partitions(args) => partitions::run(args, ctx).await,
        Command::Properties(args) => properties::run(args, ctx).await,
        Command::Partition(args) => partition::run(args, ctx).await,
        Command::SortOrder(args) => sort_order::run(args, ctx).await,
        Command::List(args) => list::run(args, ctx).await,
        Command::Namespaces(args) => namespaces::run(args, ctx).await,
        Command::Drop(args) => drop::run(args, ctx).await,
        Command::Rename(args) => rename::run(args, ctx).await,
        Command::Register(args) => register::run(args, ctx).await,
        Command::Query(args) => query::run(args, ctx).await,
        Command::Sql(args) => sql::run(args, ctx).await,
        Command::Compact(args) => compact::run(args, ctx).await,
        Command::RewriteManifests(args) => rewrite_manifests::run(args, ctx).await,
        Command::RewritePositionDeletes(args) => rewrite_position_deletes::run(args, ctx).await,
        Command::Expire(args) => expire::run(args, ctx).await,
        Command::RemoveOrphans(args) => remove_orphans::run(args, ctx).await,
        Command::Rollback(args) => refs_change::run_rollback(args, ctx).await,
        Command::Tag(args) => refs_change::run_tag(args, ctx).await,
        Command::Branch(args) => refs_change::run_branch(args, ctx).await,
        Command::Verify(args) => verify::run(args, ctx).await,
        Command::Health(args) => health::run(args, ctx).await,
        Command::Report(args) => report::run(args, ctx).await,
        Command::Maintain(args) => maintain::run(args, ctx).await,
        Command::Policy(args) => policy::run(args, ctx).await,
        Command::Completions(args) => completions::run(args),
    }
}
