//! Maintenance policies: the settings `maintain` uses for each table, resolved from (first
//! found wins) the table's own properties, the first matching pattern of the config file's
//! `maintenance.policies`, `maintenance.defaults`, and floe's built-in defaults.
//!
//! ```yaml
//! maintenance:
//!   defaults: {retain-last: 5, max-snapshot-age: 3d}
//!   policies:
//!     - match: "analytics.*"
//!       target-file-size: 256MiB
//!       steps: [compact, expire]
//! ```

use std::collections::{BTreeMap, HashMap};

use anyhow::{bail, Result};
use serde::Serialize;

use crate::units::{parse_age_ms, parse_size};

/// One setting: its name in the config file, the table property that overrides it, and the
/// built-in default.
struct Setting {
    name: &'static str,
    property: &'static str,
    default: &'static str,
}

const SETTINGS: &[Setting] = &[
    Setting {
        name: "target-file-size",
        property: "write.target-file-size-bytes",
        default: "512MiB",
    },
    Setting {
        name: "compact-max-bytes",
        property: "floe.maintain.compact.max-bytes",
        default: "",
    },
    Setting {
        name: "compact-max-runtime",
        property: "floe.maintain.compact.max-runtime",
        default: "",
    },
    Setting {
        name: "rewrite-position-deletes-min-files",
        property: "floe.maintain.rewrite-position-deletes.min-files",
        default: "5",
    },
    Setting {
        name: "rewrite-manifests-min-count",
        property: "floe.maintain.rewrite-manifests.min-count",
        default: "20",
    },
    Setting {
        name: "retain-last",
        property: "history.expire.min-snapshots-to-keep",
        default: "1",
    },
    Setting {
        name: "max-snapshot-age",
        property: "history.expire.max-snapshot-age-ms",
        default: "5d",
    },
    Setting {
        name: "orphan-age",
        property: "floe.maintain.orphans.older-than",
        default: "3d",
    },
    Setting {
        name: "engine",
        property: "floe.maintain.engine",
        default: "floe",
    },
    Setting {
        name: "spark-min-table-size",
        property: "floe.maintain.spark.min-table-size",
        default: "1TiB",
    },
    Setting {
        name: "steps",
        property: "floe.maintain.steps",
        default: "compact,rewrite-position-deletes,rewrite-manifests,expire,metadata,orphans",
    },
];

/// The config file's `maintenance` section.
#[derive(Debug, Clone, Default)]
pub struct MaintenancePolicy {
    pub defaults: BTreeMap<String, String>,
    /// (pattern, settings), in file order.
    pub policies: Vec<(String, BTreeMap<String, String>)>,
}

fn scalar_or_list(key: &str, value: &serde_yaml_ng::Value) -> Result<String> {
    Ok(match value {
        serde_yaml_ng::Value::String(s) => s.clone(),
        serde_yaml_ng::Value::Number(n) => n.to_string(),
        serde_yaml_ng::Value::Bool(b) => b.to_string(),
        serde_yaml_ng::Value::Sequence(items) => items
            .iter()
            .map(|i| scalar_or_list(key, i))
            .collect::<Result<Vec<_>>>()?
            .join(","),
        _ => bail!("maintenance setting '{key}' must be a string, number or list"),
    })
}

fn settings_of(map: &serde_yaml_ng::Mapping, skip: &[&str]) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (key, value) in map {
        let key = key
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("maintenance keys must be strings"))?;
        if skip.contains(&key) {
            continue;
        }
        if !SETTINGS.iter().any(|s| s.name == key) {
            let known: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
            bail!(
                "unknown maintenance setting '{key}' (known: {})",
                known.join(", ")
            );
        }
        let text = scalar_or_list(key, value)?;
        check(key, &text)?;
        out.insert(key.to_string(), text);
    }
    Ok(out)
}

/// Check a setting's value parses.
fn check(name: &str, value: &str) -> Result<()> {
    match name {
        "engine" if !matches!(value.trim(), "floe" | "spark" | "auto") => {
            bail!("engine must be floe, spark or auto, not '{value}'");
        }
        "target-file-size" | "compact-max-bytes" | "spark-min-table-size" => {
            parse_size(value)?;
        }
        "compact-max-runtime" | "max-snapshot-age" | "orphan-age" => {
            age_ms(value)?;
        }
        "rewrite-manifests-min-count" | "retain-last" | "rewrite-position-deletes-min-files" => {
            value
                .parse::<u64>()
                .map_err(|_| anyhow::anyhow!("{name} must be a whole number, not '{value}'"))?;
        }
        "steps" => {
            for step in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                if !matches!(
                    step,
                    "compact"
                        | "rewrite-position-deletes"
                        | "rewrite-manifests"
                        | "expire"
                        | "metadata"
                        | "orphans"
                ) {
                    bail!("unknown maintenance step '{step}' (compact, rewrite-position-deletes, rewrite-manifests, expire, metadata, orphans)");
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// An age: `3d`, `12h`, or bare milliseconds (as Iceberg's `*-ms` properties hold).
fn age_ms(value: &str) -> Result<i64> {
    match value.trim().parse::<i64>() {
        Ok(ms) => Ok(ms),
        Err(_) => parse_age_ms(value),
    }
}

impl MaintenancePolicy {
    /// Parse the config file's `maintenance` value.
    pub fn from_yaml(value: &serde_yaml_ng::Value) -> Result<Self> {
        let Some(map) = value.as_mapping() else {
            bail!("maintenance must be a mapping with defaults and policies");
        };
        let mut policy = MaintenancePolicy::default();
        for (key, value) in map {
            match key.as_str() {
                Some("defaults") => {
                    let m = value
                        .as_mapping()
                        .ok_or_else(|| anyhow::anyhow!("maintenance.defaults must be a mapping"))?;
                    policy.defaults = settings_of(m, &[])?;
                }
                Some("policies") => {
                    let items = value
                        .as_sequence()
                        .ok_or_else(|| anyhow::anyhow!("maintenance.policies must be a list"))?;
                    for item in items {
                        let m = item.as_mapping().ok_or_else(|| {
                            anyhow::anyhow!("each maintenance policy must be a mapping")
                        })?;
                        let pattern = m
                            .get("match")
                            .and_then(|v| v.as_str())
                            .ok_or_else(|| {
                                anyhow::anyhow!("each maintenance policy needs a 'match' pattern")
                            })?
                            .to_string();
                        glob::Pattern::new(&pattern).map_err(|e| {
                            anyhow::anyhow!("maintenance policy pattern '{pattern}': {e}")
                        })?;
                        policy.policies.push((pattern, settings_of(m, &["match"])?));
                    }
                }
                other => bail!(
                    "unknown key '{}' under maintenance (defaults, policies)",
                    other.unwrap_or("?")
                ),
            }
        }
        Ok(policy)
    }

    /// The effective settings of a table (named `name`: its identifier or location).
    pub fn resolve(&self, name: &str, properties: &HashMap<String, String>) -> EffectiveSettings {
        let policy = self
            .policies
            .iter()
            .find(|(pattern, _)| glob::Pattern::new(pattern).is_ok_and(|p| p.matches(name)));
        let settings = SETTINGS
            .iter()
            .map(|s| {
                let (value, source) = if let Some(v) = properties.get(s.property) {
                    (v.clone(), format!("table property {}", s.property))
                } else if let Some(v) = policy.and_then(|(_, m)| m.get(s.name)) {
                    (
                        v.clone(),
                        format!("policy '{}'", policy.expect("matched").0),
                    )
                } else if let Some(v) = self.defaults.get(s.name) {
                    (v.clone(), "maintenance defaults".to_string())
                } else {
                    (s.default.to_string(), "built-in default".to_string())
                };
                EffectiveSetting {
                    name: s.name.to_string(),
                    value,
                    source,
                }
            })
            .collect();
        EffectiveSettings { settings }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EffectiveSetting {
    pub name: String,
    /// Empty when the setting is off (no budget).
    pub value: String,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EffectiveSettings {
    pub settings: Vec<EffectiveSetting>,
}

impl EffectiveSettings {
    fn get(&self, name: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.value.as_str())
            .filter(|v| !v.trim().is_empty())
    }

    pub fn size(&self, name: &str) -> Option<u64> {
        self.get(name).and_then(|v| parse_size(v).ok())
    }

    pub fn age_ms(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(|v| age_ms(v).ok())
    }

    pub fn count(&self, name: &str) -> Option<u64> {
        self.get(name).and_then(|v| v.parse().ok())
    }

    /// The `engine` setting: `floe`, `spark`, or `auto` (Spark for tables of at least
    /// `spark-min-table-size` bytes).
    pub fn engine(&self) -> &str {
        self.get("engine").map(str::trim).unwrap_or("floe")
    }

    pub fn steps(&self) -> Vec<String> {
        self.get("steps")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_property_then_first_matching_policy_then_defaults() {
        let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(
            "defaults: {retain-last: 5}\npolicies:\n  - {match: 'analytics.*', retain-last: 20, steps: [compact, expire]}\n  - {match: '*', orphan-age: 7d}\n",
        )
        .unwrap();
        let policy = MaintenancePolicy::from_yaml(&yaml).unwrap();
        let props = HashMap::from([(
            "write.target-file-size-bytes".to_string(),
            "1000".to_string(),
        )]);
        let eff = policy.resolve("analytics.events", &props);
        assert_eq!(eff.count("retain-last"), Some(20));
        assert_eq!(eff.size("target-file-size"), Some(1000));
        assert_eq!(eff.steps(), vec!["compact", "expire"]);
        assert_eq!(
            eff.age_ms("orphan-age"),
            Some(3 * 86_400_000),
            "first match wins"
        );
        let other = policy.resolve("raw.clicks", &HashMap::new());
        assert_eq!(other.count("retain-last"), Some(5));
        assert_eq!(other.age_ms("orphan-age"), Some(7 * 86_400_000));
        assert_eq!(other.size("compact-max-bytes"), None);
        assert_eq!(other.engine(), "floe");
        assert_eq!(other.size("spark-min-table-size"), Some(1 << 40));
        let spark: serde_yaml_ng::Value = serde_yaml_ng::from_str(
            "policies:\n  - {match: 'big.*', engine: auto, spark-min-table-size: 10GiB}\n",
        )
        .unwrap();
        let spark = MaintenancePolicy::from_yaml(&spark).unwrap();
        let big = spark.resolve("big.t", &HashMap::new());
        assert_eq!(big.engine(), "auto");
        assert_eq!(big.size("spark-min-table-size"), Some(10 << 30));
        let by_property = spark.resolve(
            "big.t",
            &HashMap::from([("floe.maintain.engine".to_string(), "spark".to_string())]),
        );
        assert_eq!(by_property.engine(), "spark");
        let wrong: serde_yaml_ng::Value =
            serde_yaml_ng::from_str("defaults: {engine: flink}").unwrap();
        assert!(MaintenancePolicy::from_yaml(&wrong).is_err());
        let bad: serde_yaml_ng::Value = serde_yaml_ng::from_str("defaults: {retain: 5}").unwrap();
        assert!(MaintenancePolicy::from_yaml(&bad).is_err());
    }
}
