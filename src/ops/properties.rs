//! `properties`: show, set and unset table properties in one commit.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use iceberg::spec::FormatVersion;
use iceberg::{TableRequirement, TableUpdate};
use serde::Serialize;

use crate::error::FloeError;
use crate::ops::create::parse_format_version;
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
    if key == "format-version" && parse_format_version(value).is_none() {
        return Err(bad("floe knows format versions 1, 2 and 3"));
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

/// The format version `--set format-version=N` upgrades to (`None` when already there); a
/// lower version is refused, as Iceberg cannot downgrade a table.
fn format_upgrade(
    options: &PropertiesOptions,
    current: FormatVersion,
) -> Result<Option<FormatVersion>> {
    let Some((_, value)) = options.set.iter().find(|(k, _)| k == "format-version") else {
        return Ok(None);
    };
    let wanted = parse_format_version(value).ok_or_else(|| {
        FloeError::invalid(format!("format-version {value} is not one floe knows"))
    })?;
    if wanted < current {
        return Err(FloeError::invalid(format!(
            "format-version {} cannot be set: the table is at version {} and Iceberg tables cannot be downgraded",
            value.trim(),
            current as u8
        ))
        .into());
    }
    Ok((wanted > current).then_some(wanted))
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
    // format-version is not stored as a property: setting it upgrades the table, as in Java.
    let upgrade = format_upgrade(&options, table.metadata().format_version())?;
    if options.unset.iter().any(|k| k == "format-version") {
        return Err(FloeError::invalid("format-version cannot be unset").into());
    }
    let set: Vec<(String, String)> = options
        .set
        .iter()
        .filter(|(k, _)| k != "format-version")
        .cloned()
        .collect();
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
    let mut changed: Vec<String> = set
        .iter()
        .filter(|(k, v)| current.get(k) != Some(v))
        .map(|(k, _)| k.clone())
        .collect();
    let properties_change = !changed.is_empty();
    if upgrade.is_some() {
        changed.push("format-version".into());
    }
    if !changed.is_empty() || !options.unset.is_empty() {
        let mut updates = vec![];
        if let Some(format_version) = upgrade {
            updates.push(TableUpdate::UpgradeFormatVersion { format_version });
        }
        if properties_change {
            let values: HashMap<String, String> = set.iter().cloned().collect();
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
