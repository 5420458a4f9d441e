//! `properties`: show, set and unset table properties in one commit.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use iceberg::{TableRequirement, TableUpdate};
use serde::Serialize;

use crate::error::FloeError;
use crate::table::{Session, TableRef};

#[derive(Debug, Clone)]
pub struct PropertiesOptions {
    pub table: TableRef,
    pub set: Vec<(String, String)>,
    pub unset: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PropertiesReport {
    pub table: String,
    pub properties: BTreeMap<String, String>,
    /// Keys this command set or changed.
    pub set: Vec<String>,
    /// Keys this command removed.
    pub unset: Vec<String>,
    pub metadata_location: Option<String>,
}

/// Properties whose values must be whole numbers (sizes may carry units, as floe reads them).
const NUMERIC: &[&str] = &[
    "commit.retry.num-retries",
    "commit.retry.min-wait-ms",
    "commit.retry.max-wait-ms",
    "commit.retry.total-timeout-ms",
    "write.metadata.previous-versions-max",
    "history.expire.max-snapshot-age-ms",
    "history.expire.min-snapshots-to-keep",
];
const SIZES: &[&str] = &[
    "write.target-file-size-bytes",
    "write.parquet.row-group-size-bytes",
    "write.parquet.page-size-bytes",
    "write.parquet.dict-size-bytes",
];
const BOOLEANS: &[&str] = &["gc.enabled", "write.metadata.delete-after-commit.enabled"];

fn validate(key: &str, value: &str) -> Result<()> {
    let bad = |what: &str| -> anyhow::Error {
        FloeError::invalid(format!("property {key}={value} is not valid: {what}")).into()
    };
    if key == "format-version" {
        return Err(FloeError::invalid(
            "format-version is reserved: it cannot be set as a property",
        )
        .with_hint("the format version changes by upgrading the table, not through properties")
        .into());
    }
    if NUMERIC.contains(&key) && value.trim().parse::<u64>().is_err() {
        return Err(bad("expected a whole number"));
    }
    if SIZES.contains(&key) && crate::units::parse_size(value).is_err() {
        return Err(bad("expected a size in bytes"));
    }
    if BOOLEANS.contains(&key) && !matches!(value.to_ascii_lowercase().as_str(), "true" | "false") {
        return Err(bad("expected true or false"));
    }
    Ok(())
}

pub async fn properties(session: &Session, options: PropertiesOptions) -> Result<PropertiesReport> {
    let target = session.target(&options.table).await?;
    let mut table = target.load().await?;
    for (k, v) in &options.set {
        validate(k, v)?;
        if options.unset.contains(k) {
            return Err(FloeError::usage(format!("property {k} is both set and unset")).into());
        }
    }
    let current = table.metadata().properties().clone();
    for key in &options.unset {
        if !current.contains_key(key) {
            return Err(FloeError::invalid(format!(
                "property {key} is not set on {}",
                target.display
            ))
            .into());
        }
    }
    let changed: Vec<String> = options
        .set
        .iter()
        .filter(|(k, v)| current.get(k) != Some(v))
        .map(|(k, _)| k.clone())
        .collect();
    if !changed.is_empty() || !options.unset.is_empty() {
        let mut updates = vec![];
        if !changed.is_empty() {
            let values: HashMap<String, String> = options.set.iter().cloned().collect();
            updates.push(TableUpdate::SetProperties { updates: values });
        }
        if !options.unset.is_empty() {
            updates.push(TableUpdate::RemoveProperties {
                removals: options.unset.clone(),
            });
        }
        let requirements = vec![TableRequirement::UuidMatch {
            uuid: table.metadata().uuid(),
        }];
        table = target
            .catalog
            .commit(&target.ident, requirements, updates)
            .await?;
    }
    Ok(PropertiesReport {
        table: target.display.clone(),
        properties: table
            .metadata()
            .properties()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        set: changed,
        unset: options.unset,
        metadata_location: table.metadata_location().map(str::to_string),
    })
}
