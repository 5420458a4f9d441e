//! `floe schema`: show a table's schema (as a tree), or all of its schemas.

use anyhow::Result;

use super::{table_ref, Context};
use crate::ops::schema::{schema, FieldNode, SchemaReport};
use crate::output::{Block, Report, Tabular};

/// Show the current schema as a tree (ids, types, required, doc); with --history, every
/// schema the table has had and the snapshots written with it.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Table location or identifier.
    pub table: String,
    /// Every schema, not just the current one.
    #[arg(long)]
    pub history: bool,
}

fn rows(fields: &[FieldNode], depth: usize, t: &mut Tabular) {
    for f in fields {
        let name = format!("{}{}", "  ".repeat(depth), f.name);
        let short_type = if f.children.is_empty() { f.field_type.clone() } else { f.field_type.split('<').next().unwrap_or("").to_string() };
        t.row(vec![f.id.to_string(), name, short_type, f.required.to_string(), f.doc.clone().unwrap_or_default()]);
        rows(&f.children, depth + 1, t);
    }
}

impl Report for SchemaReport {
    fn blocks(&self) -> Vec<Block> {
        let mut blocks = vec![];
        for s in &self.schemas {
            let mut title = format!("Schema {} of {}", s.schema_id, self.table);
            if s.is_current {
                title.push_str(" (current)");
            }
            if !s.snapshot_ids.is_empty() {
                title.push_str(&format!(", used by {} snapshot(s)", s.snapshot_ids.len()));
            }
            blocks.push(Block::Title(title));
            let mut t = Tabular::new(&["id", "name", "type", "required", "doc"]);
            rows(&s.fields, 0, &mut t);
            blocks.push(Block::Table(t));
        }
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["id", "name", "type", "required", "doc"]);
        if let Some(s) = self.schemas.iter().find(|s| s.is_current).or(self.schemas.last()) {
            rows(&s.fields, 0, &mut t);
        }
        t
    }
}

pub async fn run(args: SchemaArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = schema(&session, &table_ref(&args.table)?, args.history).await?;
    ctx.printer.print(&report)
}
