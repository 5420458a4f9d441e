//! `floe describe`: everything about a table on one page.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::ops::describe::{describe, TableDescription};
use crate::output::{Block, Report, Tabular};
use crate::units::{format_size, format_time_ms};

/// Show everything about a table on one page.
///
/// Location, format version, schema, partition spec, sort order, properties, current
/// snapshot and totals.
#[derive(Debug, clap::Args)]
pub struct DescribeArgs {
    /// Table location or identifier.
    pub table: String,
}

/// Human blocks for a table description (shared with `create`).
pub fn description_blocks(d: &TableDescription) -> Vec<Block> {
    let mut blocks = vec![Block::Title(format!("Table {}", d.table))];
    blocks.push(Block::Fields(vec![
        ("location".into(), d.location.clone()),
        (
            "metadata".into(),
            d.metadata_location.clone().unwrap_or_default(),
        ),
        ("format version".into(), d.format_version.to_string()),
        ("uuid".into(), d.table_uuid.clone()),
        ("last updated".into(), format_time_ms(d.last_updated_ms)),
        (
            "current snapshot".into(),
            d.current_snapshot
                .as_ref()
                .map(|s| format!("{} ({}, {})", s.snapshot_id, s.operation, s.timestamp))
                .unwrap_or_else(|| "none".into()),
        ),
        ("snapshots".into(), d.snapshot_count.to_string()),
        ("records".into(), d.totals.records.to_string()),
        (
            "data files".into(),
            format!(
                "{} ({})",
                d.totals.data_files,
                format_size(d.totals.total_size_bytes)
            ),
        ),
        ("delete files".into(), d.totals.delete_files.to_string()),
    ]));
    blocks.push(Block::Title(format!("Schema (id {})", d.schema.schema_id)));
    let mut schema = Tabular::new(&["id", "name", "type", "required", "doc"]);
    for f in &d.schema.fields {
        schema.row(vec![
            f.id.to_string(),
            f.name.clone(),
            f.field_type.clone(),
            f.required.to_string(),
            f.doc.clone().unwrap_or_default(),
        ]);
    }
    blocks.push(Block::Table(schema));
    blocks.push(Block::Title(format!(
        "Partition spec (id {})",
        d.partition_spec.spec_id
    )));
    if d.partition_spec.fields.is_empty() {
        blocks.push(Block::Line("  unpartitioned".into()));
    } else {
        let mut spec = Tabular::new(&["field id", "name", "transform", "source"]);
        for f in &d.partition_spec.fields {
            spec.row(vec![
                f.field_id.to_string(),
                f.name.clone(),
                f.transform.clone(),
                f.source.clone(),
            ]);
        }
        blocks.push(Block::Table(spec));
    }
    blocks.push(Block::Title(format!(
        "Sort order (id {})",
        d.sort_order.order_id
    )));
    if d.sort_order.fields.is_empty() {
        blocks.push(Block::Line("  unsorted".into()));
    } else {
        for f in &d.sort_order.fields {
            let expr = if f.transform == "identity" {
                f.source.clone()
            } else {
                format!("{}({})", f.transform, f.source)
            };
            blocks.push(Block::Line(format!(
                "  {expr} {} {}",
                f.direction, f.null_order
            )));
        }
    }
    blocks.push(Block::Title("Properties".into()));
    if d.properties.is_empty() {
        blocks.push(Block::Line("  (none)".into()));
    } else {
        blocks.push(Block::Fields(
            d.properties
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ));
    }
    blocks
}

impl Report for TableDescription {
    fn blocks(&self) -> Vec<Block> {
        description_blocks(self)
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["id", "name", "type", "required", "doc"]);
        for f in &self.schema.fields {
            t.row(vec![
                f.id.to_string(),
                f.name.clone(),
                f.field_type.clone(),
                f.required.to_string(),
                f.doc.clone().unwrap_or_default(),
            ]);
        }
        t
    }
}

pub async fn run(args: DescribeArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = describe(&session, &table_ref(&args.table)?).await?;
    ctx.printer.print(&report)
}
