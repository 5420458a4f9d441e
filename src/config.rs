//! Configuration: `.pyiceberg.yaml`-shaped YAML (JSON works too), found by the documented search
//! order, with `FLOE_CATALOG__<NAME>__<KEY>` environment overrides.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;

use crate::error::FloeError;

/// One catalog's properties (`type`, `warehouse`, `uri`, `s3.*`, ...).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogConfig {
    props: BTreeMap<String, String>,
}

impl CatalogConfig {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.props.get(key).map(String::as_str)
    }

    /// The catalog type; `directory` when not given and no `uri` says otherwise.
    pub fn catalog_type(&self) -> &str {
        match self.get("type") {
            Some(t) => t,
            None if self
                .get("uri")
                .is_some_and(|u| u.starts_with("sqlite") || u.starts_with("postgres")) =>
            {
                "sql"
            }
            None if self.get("uri").is_some_and(|u| u.starts_with("http")) => "rest",
            None => "directory",
        }
    }

    pub fn props(&self) -> &BTreeMap<String, String> {
        &self.props
    }

    pub fn set(&mut self, key: &str, value: &str) {
        self.props.insert(key.to_string(), value.to_string());
    }
}

/// All configured catalogs and where they came from.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub catalogs: BTreeMap<String, CatalogConfig>,
    pub default_catalog: Option<String>,
    /// The file the configuration was read from, if any.
    pub source: Option<PathBuf>,
    /// The `maintenance` section: settings `maintain` uses per table pattern.
    pub maintenance: crate::policy::MaintenancePolicy,
    /// The `engine.spark` section: how `--engine spark` launches Spark.
    pub spark: crate::table::spark::SparkSettings,
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(default)]
    catalog: BTreeMap<String, BTreeMap<String, serde_yaml_ng::Value>>,
    #[serde(default, rename = "default-catalog")]
    default_catalog: Option<String>,
    #[serde(default)]
    maintenance: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    engine: Option<RawEngines>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEngines {
    #[serde(default)]
    spark: Option<RawSpark>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpark {
    #[serde(default)]
    submit: Option<String>,
    #[serde(default)]
    conf: BTreeMap<String, serde_yaml_ng::Value>,
}

fn scalar(value: &serde_yaml_ng::Value) -> Option<String> {
    match value {
        serde_yaml_ng::Value::String(s) => Some(s.clone()),
        serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
        serde_yaml_ng::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Config {
    /// Load from an explicit file, else `$FLOE_CONFIG`, `./floe.yaml`,
    /// `~/.config/floe/config.yaml`, `~/.pyiceberg.yaml`; then apply env overrides.
    pub fn load(explicit: Option<&Path>) -> Result<Config> {
        let path = match explicit {
            Some(p) => {
                if !p.exists() {
                    return Err(FloeError::config(format!(
                        "config file {} does not exist",
                        p.display()
                    ))
                    .into());
                }
                Some(p.to_path_buf())
            }
            None => Self::search(),
        };
        let mut config = match &path {
            Some(p) => Self::parse_file(p)?,
            None => Config::default(),
        };
        config.source = path;
        config.apply_env(std::env::vars());
        Ok(config)
    }

    fn search() -> Option<PathBuf> {
        if let Ok(p) = std::env::var("FLOE_CONFIG") {
            if !p.is_empty() {
                return Some(PathBuf::from(p));
            }
        }
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let mut candidates = vec![PathBuf::from("floe.yaml")];
        if let Some(home) = &home {
            candidates.push(home.join(".config/floe/config.yaml"));
            candidates.push(home.join(".pyiceberg.yaml"));
        }
        candidates.into_iter().find(|p| p.is_file())
    }

    fn parse_file(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            FloeError::config(format!("cannot read config file {}: {e}", path.display()))
        })?;
        Self::parse_str(&text).map_err(|e| {
            FloeError::config(format!(
                "config file {} is not valid: {e:#}",
                path.display()
            ))
            .into()
        })
    }

    pub fn parse_str(text: &str) -> Result<Config> {
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        let raw: RawFile = serde_yaml_ng::from_str(text)?;
        let mut catalogs = BTreeMap::new();
        for (name, props) in raw.catalog {
            let mut config = CatalogConfig::default();
            for (key, value) in props {
                let value = scalar(&value).ok_or_else(|| {
                    anyhow::anyhow!("catalog.{name}.{key} must be a string, number or boolean")
                })?;
                config.set(&key, &value);
            }
            catalogs.insert(name, config);
        }
        let maintenance = match &raw.maintenance {
            Some(value) => crate::policy::MaintenancePolicy::from_yaml(value)?,
            None => Default::default(),
        };
        let mut spark = crate::table::spark::SparkSettings::default();
        if let Some(raw_spark) = raw.engine.and_then(|e| e.spark) {
            spark.submit = raw_spark.submit;
            for (key, value) in raw_spark.conf {
                let value = scalar(&value).ok_or_else(|| {
                    anyhow::anyhow!("engine.spark.conf.{key} must be a string, number or boolean")
                })?;
                spark.conf.insert(key, value);
            }
        }
        Ok(Config {
            catalogs,
            default_catalog: raw.default_catalog,
            source: None,
            maintenance,
            spark,
        })
    }

    /// `FLOE_CATALOG__LAKE__S3__ENDPOINT=...` sets `s3.endpoint` of catalog `lake`
    /// (`__` → `.`, `_` → `-`, lower case), as PyIceberg does for `PYICEBERG_CATALOG__...`.
    pub fn apply_env(&mut self, vars: impl Iterator<Item = (String, String)>) {
        for (key, value) in vars {
            let Some(rest) = key.strip_prefix("FLOE_CATALOG__") else {
                continue;
            };
            let Some((name, prop)) = rest.split_once("__") else {
                continue;
            };
            let name = name.to_ascii_lowercase();
            let prop = prop
                .to_ascii_lowercase()
                .replace("__", ".")
                .replace('_', "-");
            self.catalogs.entry(name).or_default().set(&prop, &value);
        }
    }

    /// The catalog to use: the one named, else `default-catalog`, else `default`, else a
    /// directory catalog at `./warehouse` when nothing is configured.
    pub fn catalog(&self, name: Option<&str>) -> Result<(String, CatalogConfig)> {
        let wanted = name
            .map(str::to_string)
            .or_else(|| self.default_catalog.clone());
        match wanted {
            Some(name) => match self.catalogs.get(&name) {
                Some(c) => Ok((name, c.clone())),
                None if name == "default" && self.catalogs.is_empty() => {
                    Ok((name, Self::embedded()))
                }
                None => Err(FloeError::config(format!(
                    "catalog '{name}' is not configured{}; configured: {}",
                    self.source
                        .as_ref()
                        .map(|p| format!(" in {}", p.display()))
                        .unwrap_or_default(),
                    if self.catalogs.is_empty() {
                        "none".to_string()
                    } else {
                        self.catalogs.keys().cloned().collect::<Vec<_>>().join(", ")
                    }
                ))
                .with_hint("add it under `catalog:` in the config file, or pick one with --catalog")
                .into()),
            },
            None => match self.catalogs.get("default") {
                Some(c) => Ok(("default".into(), c.clone())),
                None if self.catalogs.len() == 1 => {
                    let (n, c) = self.catalogs.iter().next().expect("one catalog");
                    Ok((n.clone(), c.clone()))
                }
                None if self.catalogs.is_empty() => Ok(("default".into(), Self::embedded())),
                None => Err(FloeError::config(format!(
                    "several catalogs are configured ({}) and none is named 'default'",
                    self.catalogs.keys().cloned().collect::<Vec<_>>().join(", ")
                ))
                .with_hint("choose one with --catalog NAME")
                .into()),
            },
        }
    }

    fn embedded() -> CatalogConfig {
        let mut c = CatalogConfig::default();
        c.set("type", "directory");
        c.set("warehouse", "./warehouse");
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pyiceberg_shape_and_env() {
        let mut config = Config::parse_str(
            "catalog:\n  lake:\n    type: sql\n    uri: sqlite:///tmp/c.db\n    s3.endpoint: http://127.0.0.1:9000\n    s3.path-style-access: true\n",
        )
        .unwrap();
        config.apply_env(
            vec![(
                "FLOE_CATALOG__LAKE__S3__ACCESS_KEY_ID".to_string(),
                "abc".to_string(),
            )]
            .into_iter(),
        );
        let (name, lake) = config.catalog(None).unwrap();
        assert_eq!(name, "lake");
        assert_eq!(lake.get("s3.access-key-id"), Some("abc"));
        assert_eq!(lake.get("s3.path-style-access"), Some("true"));
        assert_eq!(lake.catalog_type(), "sql");
        let err = config.catalog(Some("nope")).unwrap_err();
        assert!(format!("{err}").contains("configured: lake"), "{err}");
        assert_eq!(crate::error::kind_of(&err), crate::error::ErrorKind::Config);
    }

    #[test]
    fn engine_spark_section() {
        let config = Config::parse_str(
            "engine:\n  spark:\n    submit: spark-sql --master 'local[2]'\n    conf:\n      spark.driver.memory: 2g\n      spark.sql.shuffle.partitions: 8\n",
        )
        .unwrap();
        assert_eq!(
            config.spark.submit.as_deref(),
            Some("spark-sql --master 'local[2]'")
        );
        assert_eq!(config.spark.conf["spark.sql.shuffle.partitions"], "8");
        assert!(Config::parse_str("engine:\n  spark:\n    sumbit: x\n").is_err());
    }

    #[test]
    fn no_config_means_local_warehouse() {
        let (name, c) = Config::default().catalog(None).unwrap();
        assert_eq!(name, "default");
        assert_eq!(c.get("warehouse"), Some("./warehouse"));
        assert_eq!(c.catalog_type(), "directory");
    }
}
