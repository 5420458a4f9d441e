//! `floe drop`: remove a table from its catalog, optionally deleting its files.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::ops::manage::{drop_table, DropReport};
use crate::output::{Block, Report, Tabular};

/// Drop a table; --purge also deletes its files.
///
/// Without --purge the files stay (the table can be registered again); with --purge every
/// file its metadata reaches is deleted (refused when gc.enabled=false).
#[derive(Debug, clap::Args)]
pub struct DropArgs {
    /// Table location or identifier.
    pub table: String,

    /// Also delete the table's data and metadata files.
    #[arg(long)]
    pub purge: bool,
}

impl Report for DropReport {
    fn blocks(&self) -> Vec<Block> {
        let mut line = format!("dropped {}", self.table);
        if self.purged {
            line.push_str(&format!("; deleted {} file(s)", self.files_deleted));
            if self.files_not_deleted > 0 {
                line.push_str(&format!(
                    ", {} could not be deleted",
                    self.files_not_deleted
                ));
            }
        }
        vec![Block::Line(line)]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["table", "purged", "files_deleted", "files_not_deleted"]);
        t.row(vec![
            self.table.clone(),
            self.purged.to_string(),
            self.files_deleted.to_string(),
            self.files_not_deleted.to_string(),
        ]);
        t
    }
}

pub async fn run(args: DropArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = drop_table(&session, &table_ref(&args.table)?, args.purge).await?;
    ctx.printer.print(&report)
}
