//! `floe rename`: give a table a new identifier in its catalog.

use anyhow::Result;

use super::context::Context;
use crate::ops::manage::{rename_table, RenameReport};
use crate::output::{Block, Report, Tabular};

/// Rename a table (namespace.table to namespace.table; sql catalogs).
#[derive(Debug, clap::Args)]
pub struct RenameArgs {
    /// Current identifier.
    pub from: String,
    /// New identifier.
    pub to: String,
}

impl Report for RenameReport {
    fn blocks(&self) -> Vec<Block> {
        vec![Block::Line(format!("renamed {} to {}", self.from, self.to))]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["from", "to"]);
        t.row(vec![self.from.clone(), self.to.clone()]);
        t
    }
}

pub async fn run(args: RenameArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = rename_table(&session, &args.from, &args.to).await?;
    ctx.printer.print(&report)
}
