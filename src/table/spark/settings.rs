//! The config file's `engine.spark` settings, in a file of their own so that `config.rs` can
//! hold them without importing the Spark catalog configuration, which reads `config.rs`.

use std::collections::BTreeMap;

/// The config file's `engine.spark` section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparkSettings {
    /// The launcher command (`engine.spark.submit`).
    pub submit: Option<String>,
    /// Extra `--conf` settings for every run (`engine.spark.conf`).
    pub conf: BTreeMap<String, String>,
    /// Let Spark commit through a `hadoop` catalog on object storage, where its commits are
    /// not atomic (`--allow-unsafe-spark-commits`).
    pub allow_unsafe_commits: bool,
}
