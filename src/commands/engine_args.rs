//! The `--engine` and `--spark-submit` flags of the maintenance commands, and the lines their
//! reports add when Spark did the work.

use anyhow::Result;

use crate::error::FloeError;
use crate::ops::engine::Engine;
use crate::ops::spark_engine::SparkRun;
use crate::output::Block;
use crate::table::Session;

#[derive(Debug, clap::Args)]
pub struct EngineArgs {
    /// Who does the work: floe itself, or Spark running Iceberg's procedure
    /// (CALL <catalog>.system.…) with the same options; Spark's catalog is derived from
    /// floe's (directory → hadoop, sql → jdbc, rest → rest, glue → glue).
    #[arg(long, value_enum, default_value = "floe")]
    pub engine: Engine,
    /// With --engine spark: the launcher, one shell-quoted command line such as
    /// 'spark-sql --master k8s://… --conf …' (default: engine.spark.submit in the config
    /// file, else spark-sql on PATH). floe adds the catalog's --conf settings and -e "CALL …".
    #[arg(long, value_name = "COMMAND")]
    pub spark_submit: Option<String>,
    /// Let Spark commit through its hadoop catalog although the warehouse is on object
    /// storage (S3, GCS, Azure), where Spark's check-then-rename commit can overwrite a
    /// concurrent floe commit. Without it that combination is refused.
    #[arg(long)]
    pub allow_unsafe_spark_commits: bool,
}

impl EngineArgs {
    /// The session, with `--spark-submit` in force; refused without `--engine spark`.
    pub fn session(&self, session: Session) -> Result<Session> {
        if self.spark_submit.is_some() && self.engine != Engine::Spark {
            return Err(FloeError::usage("--spark-submit needs --engine spark").into());
        }
        if self.allow_unsafe_spark_commits && self.engine != Engine::Spark {
            return Err(
                FloeError::usage("--allow-unsafe-spark-commits needs --engine spark").into(),
            );
        }
        Ok(session
            .with_spark_submit(self.spark_submit.clone())
            .with_unsafe_spark_commits(self.allow_unsafe_spark_commits))
    }
}

/// The report lines of a Spark run: the statement, and what floe read around it.
pub fn spark_blocks(run: &SparkRun) -> Vec<Block> {
    let mut fields = vec![
        ("engine".to_string(), "spark".to_string()),
        ("statement".to_string(), run.statement.clone()),
    ];
    if !run.ran {
        fields.push(("ran".into(), "no (dry run)".into()));
        return vec![Block::Fields(fields)];
    }
    fields.push((
        "spark output".into(),
        run.output
            .rows
            .iter()
            .map(|r| {
                run.output
                    .columns
                    .iter()
                    .zip(r)
                    .map(|(c, v)| format!("{c}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("; "),
    ));
    if let Some(after) = &run.after {
        fields.push((
            "data files".into(),
            format!("{} -> {}", run.before.data_files, after.data_files),
        ));
    }
    if let Some(verify) = &run.verify {
        fields.push((
            "verify".into(),
            format!(
                "snapshot {}: {}",
                verify.snapshot_id,
                if verify.ok { "ok" } else { "PROBLEMS" }
            ),
        ));
    }
    fields.push(("spark time".into(), format!("{:.1} s", run.seconds)));
    vec![Block::Fields(fields)]
}
