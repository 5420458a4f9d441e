//! `floe namespaces`: namespaces in the catalog.

use anyhow::Result;

use super::Context;
use crate::ops::listing::{namespaces, NamespacesReport};
use crate::output::{Block, Report, Tabular};

/// List namespaces (nested ones included).
#[derive(Debug, clap::Args)]
pub struct NamespacesArgs {}

impl Report for NamespacesReport {
    fn blocks(&self) -> Vec<Block> {
        let mut t = Tabular::new(&["namespace"]);
        for n in &self.namespaces {
            t.row(vec![n.clone()]);
        }
        vec![Block::Title(format!("Namespaces in catalog {} ({})", self.catalog, self.namespaces.len())), Block::Table(t)]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["namespace"]);
        for n in &self.namespaces {
            t.row(vec![n.clone()]);
        }
        t
    }
}

pub async fn run(_args: NamespacesArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = namespaces(&session).await?;
    ctx.printer.print(&report)
}
