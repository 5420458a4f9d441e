//! The Spark catalog that reaches the same table as floe's catalog: `directory` → `hadoop`
//! (same warehouse), `sql` → `jdbc` (same database, same catalog name), `rest` → `rest`
//! (same URI and credentials), `glue` → `glue`; a table named by location gets a `hadoop`
//! catalog rooted two levels above it.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::config::CatalogConfig;
use crate::error::FloeError;
use crate::table::storage::stores::normalize_location;
use crate::table::TableRef;

/// Spark's catalog for a location-named table (the configured catalog plays no part).
pub const LOCATION_CATALOG: &str = "floe_location";

/// Catalog properties whose values are credentials: shown as `***` in reports.
const SECRET_KEYS: &[&str] = &[
    "credential",
    "token",
    "jdbc.password",
    "s3.secret-access-key",
    "s3.session-token",
    "spark.hadoop.fs.s3a.secret.key",
    "spark.hadoop.fs.s3a.session.token",
];

/// A Spark catalog and the table's identifier in it.
#[derive(Debug, Clone, PartialEq)]
pub struct SparkCatalog {
    /// The catalog's name in Spark (`spark.sql.catalog.<name>`).
    pub name: String,
    /// Every `--conf` the session needs, Iceberg's SQL extensions included.
    pub conf: BTreeMap<String, String>,
    /// The table's namespace parts and name, unquoted.
    pub table_parts: Vec<String>,
}

/// `` `a`.`b` `` with backquotes doubled inside, as Spark quotes identifiers.
pub fn quote_identifier(parts: &[String]) -> String {
    parts
        .iter()
        .map(|p| format!("`{}`", p.replace('`', "``")))
        .collect::<Vec<_>>()
        .join(".")
}

impl SparkCatalog {
    /// The catalog name as it appears in a `CALL`.
    pub fn quoted_name(&self) -> String {
        quote_identifier(std::slice::from_ref(&self.name))
    }

    /// The table identifier as a procedure's `table` argument takes it.
    pub fn quoted_table(&self) -> String {
        quote_identifier(&self.table_parts)
    }

    /// The warehouse of a `hadoop` catalog on object storage, where Spark's HadoopCatalog
    /// commits by check-then-rename, which is atomic only on a file system (Iceberg's docs
    /// warn against it on S3); `None` for every other catalog.
    pub fn unsafe_hadoop_warehouse(&self) -> Option<&str> {
        let prefix = format!("spark.sql.catalog.{}", self.name);
        if self.conf.get(&format!("{prefix}.type")).map(String::as_str) != Some("hadoop") {
            return None;
        }
        let warehouse = self.conf.get(&format!("{prefix}.warehouse"))?;
        let scheme = warehouse.split_once("://").map(|(s, _)| s)?;
        matches!(
            scheme,
            "s3" | "s3a" | "s3n" | "gs" | "abfs" | "abfss" | "wasb" | "wasbs" | "az" | "oss"
        )
        .then_some(warehouse.as_str())
    }

    /// The configuration with credentials replaced by `***`.
    pub fn redacted_conf(&self) -> BTreeMap<String, String> {
        self.conf
            .iter()
            .map(|(k, v)| (k.clone(), redacted(k, v)))
            .collect()
    }
}

/// `value`, or `***` when `key` names a credential (a catalog's `credential`, `token`,
/// headers, passwords, secret keys).
pub fn redacted(key: &str, value: &str) -> String {
    let lower = key.to_ascii_lowercase();
    let secret = SECRET_KEYS
        .iter()
        .any(|s| lower == *s || lower.ends_with(&format!(".{s}")))
        || lower.contains(".header.")
        || ["password", "secret", "token", "credential"]
            .iter()
            .any(|w| lower.contains(w));
    if secret {
        "***".into()
    } else {
        value.to_string()
    }
}

/// A launcher command line with the values of credential settings (`k=v` arguments)
/// replaced by `***`.
pub fn redacted_argv(argv: &[String]) -> Vec<String> {
    argv.iter()
        .map(|arg| match arg.split_once('=') {
            Some((k, v)) if !k.starts_with('-') => format!("{k}={}", redacted(k, v)),
            _ => arg.clone(),
        })
        .collect()
}

/// Hadoop's name for the same location: `s3a://` for S3 (Hadoop's S3 connector).
fn hadoop_location(location: &str) -> String {
    match location.strip_prefix("s3://") {
        Some(rest) => format!("s3a://{rest}"),
        None => location.to_string(),
    }
}

/// `s3.*` settings as Hadoop S3A settings, for `hadoop` catalogs on S3.
fn s3a_conf(config: &CatalogConfig, conf: &mut BTreeMap<String, String>) {
    let pairs = [
        ("s3.endpoint", "fs.s3a.endpoint"),
        ("s3.access-key-id", "fs.s3a.access.key"),
        ("s3.secret-access-key", "fs.s3a.secret.key"),
        ("s3.session-token", "fs.s3a.session.token"),
        ("s3.region", "fs.s3a.endpoint.region"),
        ("s3.path-style-access", "fs.s3a.path.style.access"),
    ];
    for (ours, hadoop) in pairs {
        if let Some(value) = config.get(ours) {
            conf.insert(format!("spark.hadoop.{hadoop}"), value.to_string());
        }
    }
}

/// `sqlite:///rel.db`, `sqlite:////abs.db`, `postgresql+driver://user:pass@host/db` → the
/// JDBC URL plus user and password.
fn jdbc_uri(uri: &str) -> Result<(String, Option<String>, Option<String>)> {
    if let Some(rest) = uri.strip_prefix("sqlite:///") {
        let path = std::path::absolute(rest).map_err(|e| {
            FloeError::config(format!(
                "cannot make the sqlite path '{rest}' absolute: {e}"
            ))
        })?;
        return Ok((format!("jdbc:sqlite:{}", path.display()), None, None));
    }
    let rest = ["postgresql://", "postgres://"]
        .iter()
        .find_map(|p| uri.strip_prefix(p))
        .or_else(|| {
            uri.strip_prefix("postgresql+")
                .and_then(|r| r.split_once("://"))
                .map(|(_, r)| r)
        });
    let Some(rest) = rest else {
        return Err(FloeError::config(format!(
            "the SQL catalog URI '{uri}' has no JDBC form floe knows (sqlite:///… or postgresql://…)"
        ))
        .into());
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((auth, host)) => (Some(auth), host),
        None => (None, rest),
    };
    let (user, password) = match auth {
        Some(a) => match a.split_once(':') {
            Some((u, p)) => (Some(u.to_string()), Some(p.to_string())),
            None => (Some(a.to_string()), None),
        },
        None => (None, None),
    };
    Ok((format!("jdbc:postgresql://{host}"), user, password))
}

/// The Spark catalog for `table` under floe's catalog `name` configured as `config`.
pub fn spark_catalog(name: &str, config: &CatalogConfig, table: &TableRef) -> Result<SparkCatalog> {
    let mut props: BTreeMap<String, String> = BTreeMap::new();
    let (catalog_name, table_parts) = match table {
        TableRef::Location(location) => {
            if location.ends_with(".metadata.json") {
                return Err(FloeError::usage(format!(
                    "{location} names one metadata file: Spark cannot commit to a table named so"
                ))
                .with_hint("name the table by its directory or identifier")
                .into());
            }
            let mut parts = location.rsplitn(3, '/');
            let (Some(table_name), Some(namespace), Some(root)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(FloeError::usage(format!(
                    "{location}: Spark's hadoop catalog needs a table location of the form <root>/<namespace>/<table>"
                ))
                .into());
            };
            if table_name.is_empty()
                || namespace.is_empty()
                || root.is_empty()
                || root.ends_with(':')
            {
                return Err(FloeError::usage(format!(
                    "{location}: Spark's hadoop catalog needs a table location of the form <root>/<namespace>/<table>"
                ))
                .into());
            }
            props.insert("type".into(), "hadoop".into());
            props.insert("warehouse".into(), hadoop_location(root));
            (
                LOCATION_CATALOG.to_string(),
                vec![namespace.to_string(), table_name.to_string()],
            )
        }
        TableRef::Ident(ident) => {
            match config.catalog_type() {
                "directory" | "hadoop" => {
                    let warehouse =
                        normalize_location(config.get("warehouse").unwrap_or("./warehouse"))?;
                    props.insert("type".into(), "hadoop".into());
                    props.insert("warehouse".into(), hadoop_location(&warehouse));
                }
                "sql" => {
                    let uri = config.get("uri").ok_or_else(|| {
                        FloeError::config(format!(
                            "catalog '{name}' is of type sql but has no `uri`"
                        ))
                    })?;
                    let (jdbc, user, password) = jdbc_uri(uri)?;
                    props.insert("type".into(), "jdbc".into());
                    props.insert("uri".into(), jdbc);
                    if let Some(user) = user {
                        props.insert("jdbc.user".into(), user);
                    }
                    if let Some(password) = password {
                        props.insert("jdbc.password".into(), password);
                    }
                    if let Some(warehouse) = config.get("warehouse") {
                        props.insert("warehouse".into(), normalize_location(warehouse)?);
                    }
                    copy_s3(config, &mut props);
                }
                "rest" => {
                    for (k, v) in config.props() {
                        if k != "type" {
                            props.insert(k.clone(), v.clone());
                        }
                    }
                    props.insert("type".into(), "rest".into());
                }
                "glue" => {
                    for (k, v) in config.props() {
                        if k != "type" && k != "region" {
                            props.insert(k.clone(), v.clone());
                        }
                    }
                    if let Some(region) = config.get("glue.region").or(config.get("region")) {
                        props.insert("client.region".into(), region.to_string());
                    }
                    props.insert("type".into(), "glue".into());
                    props.insert(
                        "io-impl".into(),
                        "org.apache.iceberg.aws.s3.S3FileIO".into(),
                    );
                }
                other => {
                    return Err(FloeError::config(format!(
                        "catalog '{name}' has type '{other}', which has no Spark counterpart"
                    ))
                    .into())
                }
            }
            let mut parts = ident.namespace().clone().inner();
            parts.push(ident.name().to_string());
            (name.to_string(), parts)
        }
    };
    // Each run must see the commits others made meanwhile.
    props.insert("cache-enabled".into(), "false".into());
    let mut conf = BTreeMap::new();
    conf.insert(
        "spark.sql.extensions".to_string(),
        "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions".to_string(),
    );
    let prefix = format!("spark.sql.catalog.{catalog_name}");
    conf.insert(
        prefix.clone(),
        "org.apache.iceberg.spark.SparkCatalog".to_string(),
    );
    let hadoop_s3 = props.get("type").map(String::as_str) == Some("hadoop")
        && props
            .get("warehouse")
            .is_some_and(|w| w.starts_with("s3a://"));
    for (k, v) in props {
        conf.insert(format!("{prefix}.{k}"), v);
    }
    if hadoop_s3 {
        s3a_conf(config, &mut conf);
    }
    Ok(SparkCatalog {
        name: catalog_name,
        conf,
        table_parts,
    })
}

/// `s3.*` settings for Iceberg's S3FileIO, which a `jdbc` catalog over an S3 warehouse uses.
fn copy_s3(config: &CatalogConfig, props: &mut BTreeMap<String, String>) {
    let on_s3 = config.get("warehouse").is_some_and(|w| w.starts_with("s3"));
    if !on_s3 {
        return;
    }
    props.insert(
        "io-impl".into(),
        "org.apache.iceberg.aws.s3.S3FileIO".into(),
    );
    for (k, v) in config.props() {
        if k.starts_with("s3.") {
            props.insert(k.clone(), v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> CatalogConfig {
        let mut c = CatalogConfig::default();
        for (k, v) in pairs {
            c.set(k, v);
        }
        c
    }

    fn ident(text: &str) -> TableRef {
        TableRef::parse(text).unwrap()
    }

    #[test]
    fn directory_catalog_is_hadoop_on_the_same_warehouse() {
        let c = spark_catalog(
            "default",
            &config(&[("type", "directory"), ("warehouse", "/data/wh")]),
            &ident("db.events"),
        )
        .unwrap();
        assert_eq!(c.name, "default");
        assert_eq!(
            c.conf["spark.sql.catalog.default"],
            "org.apache.iceberg.spark.SparkCatalog"
        );
        assert_eq!(c.conf["spark.sql.catalog.default.type"], "hadoop");
        assert_eq!(c.conf["spark.sql.catalog.default.warehouse"], "/data/wh");
        assert_eq!(c.conf["spark.sql.catalog.default.cache-enabled"], "false");
        assert_eq!(
            c.conf["spark.sql.extensions"],
            "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
        );
        assert_eq!(c.quoted_table(), "`db`.`events`");
        assert_eq!(c.quoted_name(), "`default`");
    }

    #[test]
    fn s3_directory_warehouse_uses_s3a_settings() {
        let c = spark_catalog(
            "lake",
            &config(&[
                ("warehouse", "s3://bucket/wh"),
                ("s3.endpoint", "http://127.0.0.1:9000"),
                ("s3.access-key-id", "id"),
                ("s3.secret-access-key", "secret"),
                ("s3.path-style-access", "true"),
            ]),
            &ident("a.b.t"),
        )
        .unwrap();
        assert_eq!(
            c.conf["spark.sql.catalog.lake.warehouse"],
            "s3a://bucket/wh"
        );
        assert_eq!(
            c.conf["spark.hadoop.fs.s3a.endpoint"],
            "http://127.0.0.1:9000"
        );
        assert_eq!(c.conf["spark.hadoop.fs.s3a.access.key"], "id");
        assert_eq!(c.conf["spark.hadoop.fs.s3a.path.style.access"], "true");
        assert_eq!(c.redacted_conf()["spark.hadoop.fs.s3a.secret.key"], "***");
        assert_eq!(c.redacted_conf()["spark.hadoop.fs.s3a.access.key"], "id");
        let argv: Vec<String> = [
            "spark-sql",
            "--conf",
            "spark.hadoop.fs.s3a.secret.key=s",
            "--conf",
            "spark.executor.instances=4",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            redacted_argv(&argv),
            vec![
                "spark-sql",
                "--conf",
                "spark.hadoop.fs.s3a.secret.key=***",
                "--conf",
                "spark.executor.instances=4"
            ]
        );
        assert_eq!(c.quoted_table(), "`a`.`b`.`t`");
    }

    #[test]
    fn location_named_table_gets_a_hadoop_catalog_two_levels_up() {
        let c = spark_catalog("default", &config(&[]), &ident("/data/wh/db/events")).unwrap();
        assert_eq!(c.name, LOCATION_CATALOG);
        assert_eq!(c.conf["spark.sql.catalog.floe_location.type"], "hadoop");
        assert_eq!(
            c.conf["spark.sql.catalog.floe_location.warehouse"],
            "/data/wh"
        );
        assert_eq!(c.table_parts, vec!["db", "events"]);
        let s3 = spark_catalog("default", &config(&[]), &ident("s3://b/wh/db/t")).unwrap();
        assert_eq!(
            s3.conf["spark.sql.catalog.floe_location.warehouse"],
            "s3a://b/wh"
        );
        assert!(spark_catalog("default", &config(&[]), &ident("/t")).is_err());
        assert!(spark_catalog(
            "default",
            &config(&[]),
            &ident("/wh/db/t/metadata/v3.metadata.json")
        )
        .is_err());
    }

    #[test]
    fn sql_catalog_is_jdbc_with_the_same_uri_and_name() {
        let c = spark_catalog(
            "lake",
            &config(&[
                ("type", "sql"),
                (
                    "uri",
                    "postgresql+psycopg2://floe:pw@db.internal:5432/catalog",
                ),
                ("warehouse", "s3://bucket/wh"),
                ("s3.endpoint", "http://minio:9000"),
            ]),
            &ident("db.t"),
        )
        .unwrap();
        assert_eq!(c.conf["spark.sql.catalog.lake.type"], "jdbc");
        assert_eq!(
            c.conf["spark.sql.catalog.lake.uri"],
            "jdbc:postgresql://db.internal:5432/catalog"
        );
        assert_eq!(c.conf["spark.sql.catalog.lake.jdbc.user"], "floe");
        assert_eq!(c.conf["spark.sql.catalog.lake.jdbc.password"], "pw");
        assert_eq!(
            c.redacted_conf()["spark.sql.catalog.lake.jdbc.password"],
            "***"
        );
        assert_eq!(c.conf["spark.sql.catalog.lake.warehouse"], "s3://bucket/wh");
        assert_eq!(
            c.conf["spark.sql.catalog.lake.io-impl"],
            "org.apache.iceberg.aws.s3.S3FileIO"
        );
        assert_eq!(
            c.conf["spark.sql.catalog.lake.s3.endpoint"],
            "http://minio:9000"
        );
        let sqlite = spark_catalog(
            "local",
            &config(&[("uri", "sqlite:////var/lib/floe/c.db")]),
            &ident("db.t"),
        )
        .unwrap();
        assert_eq!(
            sqlite.conf["spark.sql.catalog.local.uri"],
            "jdbc:sqlite:/var/lib/floe/c.db"
        );
        assert!(!sqlite.conf.contains_key("spark.sql.catalog.local.io-impl"));
    }

    #[test]
    fn rest_catalog_keeps_uri_and_credentials() {
        let c = spark_catalog(
            "polaris",
            &config(&[
                ("type", "rest"),
                ("uri", "https://polaris.example/api/catalog"),
                ("credential", "id:secret"),
                ("warehouse", "analytics"),
                ("scope", "PRINCIPAL_ROLE:ALL"),
                ("header.X-Iceberg-Access-Delegation", "vended-credentials"),
            ]),
            &ident("db.t"),
        )
        .unwrap();
        assert_eq!(c.conf["spark.sql.catalog.polaris.type"], "rest");
        assert_eq!(
            c.conf["spark.sql.catalog.polaris.uri"],
            "https://polaris.example/api/catalog"
        );
        assert_eq!(c.conf["spark.sql.catalog.polaris.credential"], "id:secret");
        assert_eq!(c.conf["spark.sql.catalog.polaris.warehouse"], "analytics");
        assert_eq!(
            c.conf["spark.sql.catalog.polaris.scope"],
            "PRINCIPAL_ROLE:ALL"
        );
        let shown = c.redacted_conf();
        assert_eq!(shown["spark.sql.catalog.polaris.credential"], "***");
        assert_eq!(
            shown["spark.sql.catalog.polaris.header.X-Iceberg-Access-Delegation"],
            "***"
        );
    }

    #[test]
    fn glue_catalog_is_glue_with_s3_file_io() {
        let c = spark_catalog(
            "glue",
            &config(&[
                ("type", "glue"),
                ("warehouse", "s3://bucket/wh"),
                ("glue.region", "eu-west-1"),
                ("glue.id", "123456789012"),
            ]),
            &ident("db.t"),
        )
        .unwrap();
        assert_eq!(c.conf["spark.sql.catalog.glue.type"], "glue");
        assert_eq!(c.conf["spark.sql.catalog.glue.client.region"], "eu-west-1");
        assert_eq!(c.conf["spark.sql.catalog.glue.glue.id"], "123456789012");
        assert_eq!(
            c.conf["spark.sql.catalog.glue.io-impl"],
            "org.apache.iceberg.aws.s3.S3FileIO"
        );
        assert_eq!(c.conf["spark.sql.catalog.glue.warehouse"], "s3://bucket/wh");
    }
}
