//! `floe partition evolve`: change the table's partitioning for future writes.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::error::FloeError;
use crate::ops::partition_evolve::{
    evolve_partitioning, PartitionEvolveOptions, PartitionEvolveReport,
};
use crate::output::{Block, Report, Tabular};

/// Partition spec commands.
#[derive(Debug, clap::Args)]
pub struct PartitionArgs {
    #[command(subcommand)]
    pub action: PartitionAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum PartitionAction {
    /// Make a new partition spec the default: files already written keep theirs, new writes
    /// use the new one, reads span both.
    Evolve {
        /// Table location or identifier.
        table: String,
        /// Add a partition field: identity(c) or c, bucket(N, c), truncate(W, c), year/month/day/hour(c).
        #[arg(long = "add", value_name = "EXPR")]
        add: Vec<String>,
        /// Remove a partition field, by name or expression.
        #[arg(long = "remove", value_name = "EXPR")]
        remove: Vec<String>,
        /// Rename a partition field OLD:NEW.
        #[arg(long = "rename", value_name = "OLD:NEW")]
        rename: Vec<String>,
    },
}

impl Report for PartitionEvolveReport {
    fn blocks(&self) -> Vec<Block> {
        let mut blocks = vec![Block::Line(format!(
            "partition spec of {} is now {} (was {})",
            self.table, self.partition_spec.spec_id, self.previous_spec_id
        ))];
        for c in &self.changes {
            blocks.push(Block::Line(format!("  {c}")));
        }
        blocks.push(Block::Table(self.csv()));
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["field_id", "name", "transform", "source"]);
        for f in &self.partition_spec.fields {
            t.row(vec![
                f.field_id.to_string(),
                f.name.clone(),
                f.transform.clone(),
                f.source.clone(),
            ]);
        }
        t
    }
}

pub async fn run(args: PartitionArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    match args.action {
        PartitionAction::Evolve {
            table,
            add,
            remove,
            rename,
        } => {
            let rename = rename
                .iter()
                .map(|r| match r.split_once(':') {
                    Some((a, b)) if !a.is_empty() && !b.is_empty() => {
                        Ok((a.to_string(), b.to_string()))
                    }
                    _ => Err(anyhow::Error::new(FloeError::usage(format!(
                        "--rename '{r}' should be OLD:NEW"
                    )))),
                })
                .collect::<Result<Vec<_>>>()?;
            let options = PartitionEvolveOptions {
                add,
                remove,
                rename,
            };
            let report = evolve_partitioning(&session, &table_ref(&table)?, options).await?;
            ctx.printer.print(&report)
        }
    }
}
