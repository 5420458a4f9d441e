//! `floe rollback`, `floe tag …`, `floe branch …`: moving, creating and dropping refs.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::error::FloeError;
use crate::ops::history::{refs, RefsReport};
use crate::ops::ref_changes::{change_ref, RefChange, RefChangeReport};
use crate::output::{Block, Report, Tabular};
use crate::units::parse_age_ms;

/// Point main back at an older snapshot (an ancestor of the current one unless --force).
///
/// Nothing is deleted: later snapshots stay until `floe expire` removes them.
#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    /// Table location or identifier.
    pub table: String,
    /// The snapshot main points at afterwards.
    #[arg(
        long,
        value_name = "ID",
        conflicts_with = "to_time",
        required_unless_present = "to_time"
    )]
    pub to_snapshot: Option<i64>,
    /// The snapshot of main current at this time (RFC 3339 or epoch ms).
    #[arg(long, value_name = "TIME")]
    pub to_time: Option<String>,
    /// Allow a snapshot that is not an ancestor of main's current one.
    #[arg(long)]
    pub force: bool,
}

/// Create, drop or list tags: names for snapshots that expiry keeps.
#[derive(Debug, clap::Args)]
pub struct TagArgs {
    #[command(subcommand)]
    pub action: TagAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum TagAction {
    /// Tag a snapshot (the current one by default).
    Create {
        table: String,
        name: String,
        #[arg(long, value_name = "ID")]
        snapshot: Option<i64>,
        /// Expiry drops the tag once it is older than this (7d, 12h).
        #[arg(long, value_name = "AGE")]
        max_ref_age: Option<String>,
    },
    /// Drop a tag (its snapshot stays until expired).
    Drop { table: String, name: String },
    /// List the table's tags.
    List { table: String },
}

/// Create, drop, list or fast-forward branches; `ingest --branch` writes to one.
#[derive(Debug, clap::Args)]
pub struct BranchArgs {
    #[command(subcommand)]
    pub action: BranchAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum BranchAction {
    /// Branch from a snapshot (the current one by default).
    Create {
        table: String,
        name: String,
        #[arg(long, value_name = "ID")]
        snapshot: Option<i64>,
        /// Snapshots expiry keeps on this branch, however old.
        #[arg(long, value_name = "N")]
        min_snapshots_to_keep: Option<i32>,
        /// Expiry keeps this branch's snapshots younger than this (7d).
        #[arg(long, value_name = "AGE")]
        max_snapshot_age: Option<String>,
        /// Expiry drops the branch once its head is older than this.
        #[arg(long, value_name = "AGE")]
        max_ref_age: Option<String>,
    },
    /// Drop a branch (main cannot be dropped).
    Drop { table: String, name: String },
    /// List the table's branches.
    List { table: String },
    /// Move NAME forward to the head of --to (NAME's head must be its ancestor).
    FastForward {
        table: String,
        name: String,
        #[arg(long, value_name = "BRANCH")]
        to: String,
    },
}

fn age(text: &Option<String>, flag: &str) -> Result<Option<i64>> {
    text.as_deref()
        .map(|t| parse_age_ms(t).map_err(|e| FloeError::usage(format!("{flag}: {e}")).into()))
        .transpose()
}

impl Report for RefChangeReport {
    fn blocks(&self) -> Vec<Block> {
        let at = |id: Option<i64>| id.map(|i| i.to_string()).unwrap_or_else(|| "-".into());
        vec![Block::Line(format!(
            "{} {} of {}: {} -> {}",
            self.action,
            self.ref_name,
            self.table,
            at(self.previous_snapshot_id),
            at(self.snapshot_id)
        ))]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["action", "ref", "previous_snapshot_id", "snapshot_id"]);
        let at = |id: Option<i64>| id.map(|i| i.to_string()).unwrap_or_default();
        t.row(vec![
            self.action.clone(),
            self.ref_name.clone(),
            at(self.previous_snapshot_id),
            at(self.snapshot_id),
        ]);
        t
    }
}

async fn list(table: &str, kind: &str, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let mut report: RefsReport = refs(&session, &table_ref(table)?).await?;
    report.refs.retain(|r| r.ref_type == kind);
    ctx.printer.print(&report)
}

async fn apply(table: &str, change: RefChange, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = change_ref(&session, &table_ref(table)?, change).await?;
    ctx.printer.print(&report)
}

pub async fn run_rollback(args: RollbackArgs, ctx: &Context) -> Result<()> {
    let time_ms = args
        .to_time
        .as_deref()
        .map(crate::table::scan::parse_time)
        .transpose()?;
    let change = RefChange::Rollback {
        snapshot_id: args.to_snapshot,
        time_ms,
        force: args.force,
    };
    apply(&args.table, change, ctx).await
}

pub async fn run_tag(args: TagArgs, ctx: &Context) -> Result<()> {
    match args.action {
        TagAction::Create {
            table,
            name,
            snapshot,
            max_ref_age,
        } => {
            let change = RefChange::CreateTag {
                name,
                snapshot_id: snapshot,
                max_ref_age_ms: age(&max_ref_age, "--max-ref-age")?,
            };
            apply(&table, change, ctx).await
        }
        TagAction::Drop { table, name } => {
            apply(&table, RefChange::Drop { name, tag: true }, ctx).await
        }
        TagAction::List { table } => list(&table, "tag", ctx).await,
    }
}

pub async fn run_branch(args: BranchArgs, ctx: &Context) -> Result<()> {
    match args.action {
        BranchAction::Create {
            table,
            name,
            snapshot,
            min_snapshots_to_keep,
            max_snapshot_age,
            max_ref_age,
        } => {
            let change = RefChange::CreateBranch {
                name,
                snapshot_id: snapshot,
                min_snapshots_to_keep,
                max_snapshot_age_ms: age(&max_snapshot_age, "--max-snapshot-age")?,
                max_ref_age_ms: age(&max_ref_age, "--max-ref-age")?,
            };
            apply(&table, change, ctx).await
        }
        BranchAction::Drop { table, name } => {
            apply(&table, RefChange::Drop { name, tag: false }, ctx).await
        }
        BranchAction::List { table } => list(&table, "branch", ctx).await,
        BranchAction::FastForward { table, name, to } => {
            apply(&table, RefChange::FastForward { name, to }, ctx).await
        }
    }
}
