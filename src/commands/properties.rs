//! `floe properties`: show or change table properties.

use anyhow::Result;

use super::context::{key_value, table_ref, Context};
use crate::ops::properties::{properties, PropertiesOptions, PropertiesReport};
use crate::output::{Block, Report, Tabular};

/// Show table properties; with --set/--unset, change them in one commit first.
#[derive(Debug, clap::Args)]
pub struct PropertiesArgs {
    /// Table location or identifier.
    pub table: String,
    /// Set KEY=VALUE. Repeatable.
    #[arg(long = "set", value_name = "K=V")]
    pub set: Vec<String>,
    /// Remove KEY. Repeatable.
    #[arg(long = "unset", value_name = "K")]
    pub unset: Vec<String>,
}

impl Report for PropertiesReport {
    fn blocks(&self) -> Vec<Block> {
        let mut blocks = vec![];
        if !self.set.is_empty() {
            blocks.push(Block::Line(format!("set {}", self.set.join(", "))));
        }
        if !self.unset.is_empty() {
            blocks.push(Block::Line(format!("unset {}", self.unset.join(", "))));
        }
        blocks.push(Block::Title(format!("Properties of {}", self.table)));
        if self.properties.is_empty() {
            blocks.push(Block::Line("  (none)".into()));
        } else {
            blocks.push(Block::Fields(
                self.properties
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ));
        }
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["key", "value"]);
        for (k, v) in &self.properties {
            t.row(vec![k.clone(), v.clone()]);
        }
        t
    }
}

pub async fn run(args: PropertiesArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let options = PropertiesOptions {
        table: table_ref(&args.table)?,
        set: args
            .set
            .iter()
            .map(|p| key_value(p))
            .collect::<Result<_>>()?,
        unset: args.unset,
    };
    let report = properties(&session, options).await?;
    ctx.printer.print(&report)
}
