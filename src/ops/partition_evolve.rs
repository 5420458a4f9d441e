//! `partition evolve`: a new partition spec (fields added, removed, renamed) becomes the
//! default. Files already written keep their spec; reads across specs stay correct.

use anyhow::Result;
use iceberg::spec::{UnboundPartitionField, UnboundPartitionSpec};
use iceberg::{TableRequirement, TableUpdate};
use serde::Serialize;

use crate::error::FloeError;
use crate::ops::describe::{describe_table, PartitionSpecInfo};
use crate::table::{Session, TableRef};
use crate::tabledef::expr;

#[derive(Debug, Clone, Default)]
pub struct PartitionEvolveOptions {
    pub add: Vec<String>,
    /// Partition field names or expressions (`region`, `month(ts)`).
    pub remove: Vec<String>,
    pub rename: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartitionEvolveReport {
    pub table: String,
    pub previous_spec_id: i32,
    pub partition_spec: PartitionSpecInfo,
    pub changes: Vec<String>,
    pub metadata_location: Option<String>,
}

pub async fn evolve_partitioning(
    session: &Session,
    table: &TableRef,
    options: PartitionEvolveOptions,
) -> Result<PartitionEvolveReport> {
    let target = session.target(table).await?;
    let loaded = target.load().await?;
    let metadata = loaded.metadata();
    let schema = metadata.current_schema();
    let current = metadata.default_partition_spec();
    let mut fields: Vec<UnboundPartitionField> = current
        .fields()
        .iter()
        .map(|f| UnboundPartitionField {
            source_id: f.source_id,
            field_id: Some(f.field_id),
            name: f.name.clone(),
            transform: f.transform,
        })
        .collect();
    let mut changes = vec![];
    for removal in &options.remove {
        let position = match fields.iter().position(|f| f.name == *removal) {
            Some(i) => Some(i),
            None => {
                let parsed = expr::parse_transform(removal)?;
                let source = schema.field_by_name(&parsed.column).map(|f| f.id);
                fields
                    .iter()
                    .position(|f| Some(f.source_id) == source && f.transform == parsed.transform)
            }
        };
        let i = position.ok_or_else(|| {
            FloeError::invalid(format!(
                "the partition spec has no field '{removal}' (fields: {})",
                fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let removed = fields.remove(i);
        changes.push(format!("remove {}", removed.name));
    }
    for (old, new) in &options.rename {
        let field = fields.iter_mut().find(|f| f.name == *old).ok_or_else(|| {
            FloeError::invalid(format!("the partition spec has no field '{old}'"))
        })?;
        field.name = new.clone();
        changes.push(format!("rename {old} to {new}"));
    }
    for addition in &options.add {
        let parsed = expr::parse_transform(addition)?;
        let source = schema.field_by_name(&parsed.column).ok_or_else(|| {
            FloeError::usage(format!(
                "'{addition}' refers to column '{}', which is not in the schema",
                parsed.column
            ))
        })?;
        if fields
            .iter()
            .any(|f| f.source_id == source.id && f.transform == parsed.transform)
        {
            return Err(
                FloeError::invalid(format!("the partition spec already has {addition}")).into(),
            );
        }
        let name = parsed.default_name();
        if fields.iter().any(|f| f.name == name) {
            return Err(FloeError::invalid(format!(
                "the partition spec already has a field named {name}"
            ))
            .into());
        }
        fields.push(UnboundPartitionField {
            source_id: source.id,
            field_id: None,
            name,
            transform: parsed.transform,
        });
        changes.push(format!("add {addition}"));
    }
    if changes.is_empty() {
        return Err(FloeError::usage("no change given")
            .with_hint("use --add, --remove or --rename")
            .into());
    }
    let spec = UnboundPartitionSpec::builder()
        .add_partition_fields(fields)
        .map_err(|e| FloeError::invalid(format!("invalid partition spec: {}", e.message())))?
        .build();
    // Validate against the schema before committing (transform/type compatibility).
    spec.clone()
        .bind(schema.clone())
        .map_err(|e| FloeError::usage(format!("invalid partition spec: {}", e.message())))?;
    let requirements = vec![
        TableRequirement::UuidMatch {
            uuid: metadata.uuid(),
        },
        TableRequirement::DefaultSpecIdMatch {
            default_spec_id: metadata.default_partition_spec_id(),
        },
        TableRequirement::LastAssignedPartitionIdMatch {
            last_assigned_partition_id: metadata.last_partition_id(),
        },
    ];
    let updates = vec![
        TableUpdate::AddSpec { spec },
        TableUpdate::SetDefaultSpec { spec_id: -1 },
    ];
    let committed = target
        .catalog
        .commit(&target.ident, requirements, updates)
        .await?;
    let description = describe_table(&committed);
    Ok(PartitionEvolveReport {
        table: target.display.clone(),
        previous_spec_id: metadata.default_partition_spec_id(),
        partition_spec: description.partition_spec,
        changes,
        metadata_location: description.metadata_location,
    })
}
