//! `floe sort-order set`: change the table's default sort order.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::ops::sort_order::{set_sort_order, SortOrderReport};
use crate::output::{Block, Report, Tabular};

/// Sort order commands.
#[derive(Debug, clap::Args)]
pub struct SortOrderArgs {
    #[command(subcommand)]
    pub action: SortOrderAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum SortOrderAction {
    /// Make a new default sort order: EXPR [asc|desc] [nulls first|last], e.g. "ts desc",
    /// "bucket(16, id)". No EXPR means unsorted.
    Set {
        /// Table location or identifier.
        table: String,
        /// Sort fields, in order.
        #[arg(value_name = "EXPR")]
        exprs: Vec<String>,
    },
}

impl Report for SortOrderReport {
    fn blocks(&self) -> Vec<Block> {
        let fields: Vec<String> = self
            .sort_order
            .fields
            .iter()
            .map(|f| {
                let e = if f.transform == "identity" {
                    f.source.clone()
                } else {
                    format!("{}({})", f.transform, f.source)
                };
                format!("{e} {} {}", f.direction, f.null_order)
            })
            .collect();
        vec![Block::Line(format!(
            "sort order of {} is now {} (id {}, was {})",
            self.table,
            if fields.is_empty() {
                "unsorted".to_string()
            } else {
                fields.join(", ")
            },
            self.sort_order.order_id,
            self.previous_order_id
        ))]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["source", "transform", "direction", "null_order"]);
        for f in &self.sort_order.fields {
            t.row(vec![
                f.source.clone(),
                f.transform.clone(),
                f.direction.clone(),
                f.null_order.clone(),
            ]);
        }
        t
    }
}

pub async fn run(args: SortOrderArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    match args.action {
        SortOrderAction::Set { table, exprs } => {
            let report = set_sort_order(&session, &table_ref(&table)?, &exprs).await?;
            ctx.printer.print(&report)
        }
    }
}
