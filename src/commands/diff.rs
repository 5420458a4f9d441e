//! `floe diff`: what changed between two snapshots.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::commands::query::emit;
use crate::ops::diff::{diff, diff_rows, DiffReport};
use crate::output::{Block, Report, Tabular};
use crate::table::scan::Version;

/// Show what changed between two versions of a table.
///
/// Files and records added and removed, schema and partition-spec changes; with --rows, the
/// rows themselves (a `_change` column says added or removed). FROM and TO are snapshot ids,
/// RFC 3339 times or branch/tag names, in either order, on one branch or across branches.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// Table location or identifier.
    pub table: String,
    /// The older version (snapshot id, time or ref).
    pub from: String,
    /// The newer version (snapshot id, time or ref).
    pub to: String,
    /// Print the added and removed rows instead of the summary.
    #[arg(long)]
    pub rows: bool,
    /// With --rows: rows shown by -o table.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub preview: usize,
}

impl Report for DiffReport {
    fn blocks(&self) -> Vec<Block> {
        let mut fields = vec![
            ("from".into(), self.from_snapshot_id.to_string()),
            ("to".into(), self.to_snapshot_id.to_string()),
            (
                "relationship".into(),
                match self.common_ancestor_id {
                    Some(c) if self.relationship == "diverged" => format!("diverged from {c}"),
                    _ => self.relationship.clone(),
                },
            ),
            (
                "records".into(),
                format!("+{} -{}", self.records_added, self.records_removed),
            ),
            (
                "data files".into(),
                format!("+{} -{}", self.data_files_added, self.data_files_removed),
            ),
            (
                "delete files".into(),
                format!(
                    "+{} -{}",
                    self.delete_files_added, self.delete_files_removed
                ),
            ),
        ];
        if self.schema.from_schema_id != self.schema.to_schema_id {
            fields.push((
                "schema".into(),
                format!(
                    "{:?} -> {:?}",
                    self.schema.from_schema_id, self.schema.to_schema_id
                ),
            ));
            for c in &self.schema.added_columns {
                fields.push(("  added column".into(), c.clone()));
            }
            for c in &self.schema.removed_columns {
                fields.push(("  removed column".into(), c.clone()));
            }
            for c in &self.schema.changed_columns {
                fields.push(("  changed column".into(), c.clone()));
            }
        }
        if self.partition_specs_from != self.partition_specs_to {
            fields.push((
                "partition specs".into(),
                format!(
                    "{:?} -> {:?}",
                    self.partition_specs_from, self.partition_specs_to
                ),
            ));
        }
        let mut files = Tabular::new(&["change", "file", "content", "records"]);
        for f in &self.files_added {
            files.row(vec![
                "+".into(),
                f.file_path.clone(),
                f.content.clone(),
                f.record_count.to_string(),
            ]);
        }
        for f in &self.files_removed {
            files.row(vec![
                "-".into(),
                f.file_path.clone(),
                f.content.clone(),
                f.record_count.to_string(),
            ]);
        }
        vec![
            Block::Title(format!("Changes in {}", self.table)),
            Block::Fields(fields),
            Block::Table(files),
        ]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&[
            "change",
            "file_path",
            "content",
            "record_count",
            "file_size_bytes",
        ]);
        for (sign, list) in [
            ("added", &self.files_added),
            ("removed", &self.files_removed),
        ] {
            for f in list {
                t.row(vec![
                    sign.into(),
                    f.file_path.clone(),
                    f.content.clone(),
                    f.record_count.to_string(),
                    f.file_size_bytes.to_string(),
                ]);
            }
        }
        t
    }
}

pub async fn run(args: DiffArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let table = table_ref(&args.table)?;
    let (from, to) = (
        Version::parse_selector(&args.from)?,
        Version::parse_selector(&args.to)?,
    );
    if args.rows {
        let result = diff_rows(&session, &table, &from, &to).await?;
        return emit(result, None, args.preview, &session, ctx).await;
    }
    let report = diff(&session, &table, &from, &to).await?;
    ctx.printer.print(&report)
}
