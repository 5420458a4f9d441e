//! `floe rewrite-manifests`: merge small manifests in a `replace` snapshot.

use anyhow::Result;

use super::context::{table_ref, Context};
use super::engine_args::spark_blocks;
use crate::ops::engine::Engine;
use crate::ops::rewrite_manifests::{rewrite_manifests, RewriteManifestsReport};
use crate::ops::spark_engine;
use crate::output::{Block, Report, Tabular};

/// Merge small manifests, entries clustered by partition, into manifests near the target size.
///
/// The target is the table property commit.manifest.target-size-bytes (default 8 MiB). Entries
/// keep their snapshot ids and sequence numbers; the table's rows do not change. Committed as
/// a `replace` snapshot, rebuilt from the new state if another writer commits first.
#[derive(Debug, clap::Args)]
pub struct RewriteManifestsArgs {
    /// Table location or identifier.
    pub table: String,
    #[command(flatten)]
    pub engine: super::engine_args::EngineArgs,
}

impl Report for RewriteManifestsReport {
    fn blocks(&self) -> Vec<Block> {
        let mut blocks = self.summary();
        blocks.extend(self.spark.iter().flat_map(spark_blocks));
        blocks
    }

    fn csv(&self) -> Tabular {
        self.table_rows()
    }
}

impl RewriteManifestsReport {
    fn summary(&self) -> Vec<Block> {
        match (&self.message, self.snapshot_id) {
            (Some(message), _) => vec![Block::Line(format!("{}: {message}", self.table))],
            (None, snapshot) => vec![Block::Line(format!(
                "rewrote the manifests of {}: {} into {} ({} entries) in snapshot {}",
                self.table,
                self.manifests_before,
                self.manifests_after,
                self.entries,
                snapshot.map(|s| s.to_string()).unwrap_or_default()
            ))],
        }
    }

    fn table_rows(&self) -> Tabular {
        let mut t = Tabular::new(&[
            "snapshot_id",
            "manifests_before",
            "manifests_after",
            "entries",
        ]);
        t.row(vec![
            self.snapshot_id.map(|s| s.to_string()).unwrap_or_default(),
            self.manifests_before.to_string(),
            self.manifests_after.to_string(),
            self.entries.to_string(),
        ]);
        t
    }
}

pub async fn run(args: RewriteManifestsArgs, ctx: &Context) -> Result<()> {
    ctx.printer.reporter().set_table(&args.table);
    let session = args.engine.session(ctx.session()?)?;
    let table = table_ref(&args.table)?;
    let report = match args.engine.engine {
        Engine::Floe => rewrite_manifests(&session, &table).await?,
        Engine::Spark => spark_engine::rewrite_manifests(&session, &table).await?,
    };
    ctx.printer.print(&report)?;
    match report
        .spark
        .as_ref()
        .and_then(|run| spark_engine::verification_failed(run, &report.table))
    {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
