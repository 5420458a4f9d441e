//! `sort-order set`: make a new sort order the table's default (future writes and compaction
//! use it; existing files keep theirs).

use anyhow::Result;
use iceberg::{TableRequirement, TableUpdate};
use serde::Serialize;

use crate::ops::describe::{describe_table, SortOrderInfo};
use crate::table::{Session, TableRef};
use crate::tabledef::expr;

#[derive(Debug, Clone, Serialize)]
pub struct SortOrderReport {
    pub table: String,
    pub previous_order_id: i64,
    pub sort_order: SortOrderInfo,
    pub metadata_location: Option<String>,
}

/// Set the default sort order; no expressions means unsorted.
pub async fn set_sort_order(
    session: &Session,
    table: &TableRef,
    exprs: &[String],
) -> Result<SortOrderReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let metadata = loaded.metadata();
    let order = expr::sort_order(metadata.current_schema(), exprs)?;
    let previous = metadata.default_sort_order_id();
    let requirements = vec![
        TableRequirement::UuidMatch {
            uuid: metadata.uuid(),
        },
        TableRequirement::DefaultSortOrderIdMatch {
            default_sort_order_id: previous,
        },
    ];
    let updates = vec![
        TableUpdate::AddSortOrder { sort_order: order },
        TableUpdate::SetDefaultSortOrder { sort_order_id: -1 },
    ];
    let committed = target
        .catalog
        .commit(&target.ident, requirements, updates)
        .await?;
    let description = describe_table(&committed);
    Ok(SortOrderReport {
        table: target.display.clone(),
        previous_order_id: previous,
        sort_order: description.sort_order,
        metadata_location: description.metadata_location,
    })
}
