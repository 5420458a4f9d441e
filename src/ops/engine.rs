//! Which engine runs a maintenance operation: floe itself, or Spark running Iceberg's own
//! procedures on a cluster (`--engine spark`).

use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// floe does the work in this process.
    #[default]
    Floe,
    /// Spark runs the matching Iceberg procedure (CALL <catalog>.system.…).
    Spark,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Floe => "floe",
            Engine::Spark => "spark",
        }
    }
}
