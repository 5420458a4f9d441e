//! `floe policy show`: the maintenance settings a table gets, and where each comes from.

use anyhow::Result;
use serde::Serialize;

use super::context::{table_ref, Context};
use crate::output::{Block, Report, Tabular};
use crate::policy::EffectiveSetting;

/// Show the maintenance settings `maintain` uses for a table.
///
/// Each comes from the first of: the table's properties, the first matching pattern under
/// `maintenance.policies` in the config file, `maintenance.defaults`, floe's default.
#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub action: PolicyAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum PolicyAction {
    /// The effective settings of one table.
    Show {
        /// Table location or identifier.
        table: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyReport {
    pub table: String,
    pub settings: Vec<EffectiveSetting>,
}

impl Report for PolicyReport {
    fn blocks(&self) -> Vec<Block> {
        vec![
            Block::Title(format!("Maintenance settings of {}", self.table)),
            Block::Table(self.csv()),
        ]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["setting", "value", "source"]);
        for s in &self.settings {
            t.row(vec![s.name.clone(), s.value.clone(), s.source.clone()]);
        }
        t
    }
}

pub async fn run(args: PolicyArgs, ctx: &Context) -> Result<()> {
    let PolicyAction::Show { table } = args.action;
    let session = ctx.session()?;
    let target = session.target(&table_ref(&table)?).await?;
    let loaded = target.load().await?;
    let effective = session
        .policy()
        .resolve(&target.display, loaded.metadata().properties());
    let report = PolicyReport {
        table: target.display.clone(),
        settings: effective.settings,
    };
    ctx.printer.print(&report)
}
