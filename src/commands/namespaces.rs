//! `floe namespaces`: list namespaces; create and drop them.

use std::collections::HashMap;

use anyhow::Result;

use super::context::{key_value, Context};
use crate::ops::listing::{namespaces, NamespacesReport};
use crate::ops::manage::{create_namespace, drop_namespace};
use crate::output::{Block, Report, Tabular};

/// List namespaces (nested ones included); create or drop them first when asked.
#[derive(Debug, clap::Args)]
pub struct NamespacesArgs {
    /// Create a namespace (e.g. db or a.b). Repeatable.
    #[arg(long = "create", value_name = "NS")]
    pub create: Vec<String>,

    /// Drop an empty namespace. Repeatable.
    #[arg(long = "drop", value_name = "NS")]
    pub drop: Vec<String>,

    /// Property KEY=VALUE for the namespaces created. Repeatable.
    #[arg(long = "property", value_name = "K=V", requires = "create")]
    pub property: Vec<String>,
}

impl Report for NamespacesReport {
    fn blocks(&self) -> Vec<Block> {
        let mut blocks: Vec<Block> = self
            .changes
            .iter()
            .map(|c| Block::Line(format!("{} namespace {}", c.action, c.namespace)))
            .collect();
        let mut t = Tabular::new(&["namespace", "properties"]);
        for n in &self.namespaces {
            let props = self.properties.get(n).map(|p| {
                p.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            });
            t.row(vec![n.clone(), props.unwrap_or_default()]);
        }
        blocks.push(Block::Title(format!(
            "Namespaces in catalog {} ({})",
            self.catalog,
            self.namespaces.len()
        )));
        blocks.push(Block::Table(t));
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["namespace"]);
        for n in &self.namespaces {
            t.row(vec![n.clone()]);
        }
        t
    }
}

pub async fn run(args: NamespacesArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let properties: HashMap<String, String> = args
        .property
        .iter()
        .map(|p| key_value(p))
        .collect::<Result<_>>()?;
    let mut changes = vec![];
    for ns in &args.create {
        changes.push(create_namespace(&session, ns, properties.clone()).await?);
    }
    for ns in &args.drop {
        changes.push(drop_namespace(&session, ns).await?);
    }
    let mut report = namespaces(&session).await?;
    report.changes = changes;
    ctx.printer.print(&report)
}
