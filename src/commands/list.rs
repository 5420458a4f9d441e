//! `floe list`: tables in the catalog.

use anyhow::Result;

use super::context::Context;
use crate::ops::listing::{tables, TablesReport};
use crate::output::{Block, Report, Tabular};

/// List tables in a namespace, or in every namespace.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Namespace (e.g. db or a.b).
    pub namespace: Option<String>,
}

impl Report for TablesReport {
    fn blocks(&self) -> Vec<Block> {
        let mut t = Tabular::new(&["table"]);
        for e in &self.tables {
            t.row(vec![e.identifier.clone()]);
        }
        vec![
            Block::Title(format!(
                "Tables in catalog {} ({})",
                self.catalog,
                self.tables.len()
            )),
            Block::Table(t),
        ]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["namespace", "name", "identifier"]);
        for e in &self.tables {
            t.row(vec![
                e.namespace.clone(),
                e.name.clone(),
                e.identifier.clone(),
            ]);
        }
        t
    }
}

pub async fn run(args: ListArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = tables(&session, args.namespace.as_deref()).await?;
    ctx.printer.print(&report)
}
