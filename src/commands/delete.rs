//! `floe delete`: remove the rows a predicate selects, in one snapshot.

use anyhow::Result;

use super::context::{table_ref, Context};
use super::row_change_args::{IsolationArg, RowModeArg};
use crate::ops::delete::{delete, DeleteOptions, DeleteReport};
use crate::ops::row_deletion::FileAction;

use crate::output::{Block, Report, Tabular};

/// Delete the rows matching a SQL predicate (GDPR erasure, bad loads), as ONE snapshot.
///
/// Files whose every row matches leave by metadata alone (their column metrics prove it, or
/// all their rows matched). Other affected files get position delete files (merge-on-read)
/// or are rewritten without the rows (copy-on-write), per --mode or the table's
/// write.delete.mode (default copy-on-write).
#[derive(Debug, clap::Args)]
pub struct DeleteArgs {
    /// Table location or identifier.
    pub table: String,

    /// SQL predicate over the table's columns, e.g. "customer_id = 42" or
    /// "ts < '2024-01-01' AND region = 'eu'". Rows where it is NULL stay.
    #[arg(long = "where", value_name = "PRED")]
    pub filter: String,

    /// Report the files, delete files and rows affected without changing anything.
    #[arg(long)]
    pub dry_run: bool,

    /// How rows leave files that keep other rows (default: the table's write.delete.mode).
    #[arg(long, value_enum)]
    pub mode: Option<RowModeArg>,

    /// Delete on this branch instead of main.
    #[arg(long, value_name = "NAME", default_value = "main")]
    pub branch: String,

    /// serializable: fail (exit 3) when another writer added rows the predicate may select
    /// after the delete started; snapshot: leave such rows alone.
    #[arg(long, value_enum, default_value = "serializable")]
    pub isolation: IsolationArg,
}

impl Report for DeleteReport {
    fn blocks(&self) -> Vec<Block> {
        let headline = match (self.snapshot_id, self.dry_run) {
            (_, true) => format!(
                "would delete {} row(s) from {} ({})",
                self.rows_deleted,
                self.table,
                self.mode.as_str()
            ),
            (Some(id), false) => format!(
                "deleted {} row(s) from {} in snapshot {id} ({})",
                self.rows_deleted,
                self.table,
                self.mode.as_str()
            ),
            (None, false) => format!("no rows match; {} unchanged", self.table),
        };
        let mut blocks = vec![
            Block::Line(headline),
            Block::Fields(vec![
                ("files scanned".into(), self.files_scanned.to_string()),
                (
                    "files removed".into(),
                    format!(
                        "{} ({} by metadata alone)",
                        self.files_removed, self.files_removed_by_metadata
                    ),
                ),
                (
                    "files rewritten".into(),
                    format!("{} into {} new", self.files_rewritten, self.files_added),
                ),
                (
                    "delete files added".into(),
                    self.delete_files_added.to_string(),
                ),
                (
                    "time".into(),
                    format!("{:.2} s", self.elapsed_ms as f64 / 1000.0),
                ),
            ]),
        ];
        if !self.files.is_empty() {
            blocks.push(Block::Table(self.csv()));
        }
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["path", "action", "rows_deleted", "by_metadata"]);
        for f in &self.files {
            t.row(vec![
                f.path.clone(),
                match f.action {
                    FileAction::Remove => "remove",
                    FileAction::Rewrite => "rewrite",
                    FileAction::DeleteRows => "delete-rows",
                }
                .to_string(),
                f.rows_deleted.to_string(),
                f.by_metadata.to_string(),
            ]);
        }
        t
    }
}

pub async fn run(args: DeleteArgs, ctx: &Context) -> Result<()> {
    ctx.printer.reporter().set_table(&args.table);
    let session = ctx.session()?;
    let options = DeleteOptions {
        table: table_ref(&args.table)?,
        filter: args.filter,
        dry_run: args.dry_run,
        mode: args.mode.map(Into::into),
        branch: args.branch,
        isolation: args.isolation.into(),
    };
    let report = delete(&session, options).await?;
    ctx.printer.print(&report)
}
