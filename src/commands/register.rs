//! `floe register`: add an existing table to the catalog by its metadata file.

use anyhow::Result;

use super::context::Context;
use crate::commands::describe::description_blocks;
use crate::ops::manage::{register_table, RegisterReport};
use crate::output::{Block, Report, Tabular};

/// Register an existing table by its metadata file (sql catalogs).
///
/// For a table written elsewhere, or dropped without --purge: give it a name, and the
/// location of its metadata JSON file.
#[derive(Debug, clap::Args)]
pub struct RegisterArgs {
    /// Identifier to register it as (namespace.table).
    pub name: String,
    /// Location of the table's current metadata file (…/metadata/….metadata.json).
    pub metadata: String,
}

impl Report for RegisterReport {
    fn blocks(&self) -> Vec<Block> {
        let mut blocks = vec![Block::Line(format!("registered {}", self.table.table))];
        blocks.extend(description_blocks(&self.table));
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["table", "metadata_location"]);
        t.row(vec![
            self.table.table.clone(),
            self.table.metadata_location.clone().unwrap_or_default(),
        ]);
        t
    }
}

pub async fn run(args: RegisterArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = register_table(&session, &args.name, &args.metadata).await?;
    ctx.printer.print(&report)
}
