//! `floe manifests`: the manifests of a snapshot.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::ops::snapshots::{manifests, ManifestsReport};
use crate::output::{Block, Report, Tabular};

/// List the manifests of the current (or a given) snapshot with their file and row counts.
#[derive(Debug, clap::Args)]
pub struct ManifestsArgs {
    /// Table location or identifier.
    pub table: String,
    /// Snapshot to list instead of the current one.
    #[arg(long, value_name = "ID")]
    pub snapshot: Option<i64>,
}

impl ManifestsReport {
    fn rows(&self, header: &[&str]) -> Tabular {
        let mut t = Tabular::new(header);
        for m in &self.manifests {
            t.row(vec![
                m.path.clone(),
                m.content.clone(),
                m.partition_spec_id.to_string(),
                m.added_snapshot_id.to_string(),
                m.added_files.to_string(),
                m.existing_files.to_string(),
                m.deleted_files.to_string(),
                m.length_bytes.to_string(),
            ]);
        }
        t
    }
}

impl Report for ManifestsReport {
    fn blocks(&self) -> Vec<Block> {
        let t = self.rows(&[
            "manifest",
            "content",
            "spec",
            "added snapshot",
            "added",
            "existing",
            "deleted",
            "bytes",
        ]);
        vec![
            Block::Title(format!(
                "Manifests of {} ({})",
                self.table,
                self.manifests.len()
            )),
            Block::Table(t),
        ]
    }

    fn csv(&self) -> Tabular {
        self.rows(&[
            "path",
            "content",
            "partition_spec_id",
            "added_snapshot_id",
            "added_files",
            "existing_files",
            "deleted_files",
            "length_bytes",
        ])
    }
}

pub async fn run(args: ManifestsArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = manifests(&session, &table_ref(&args.table)?, args.snapshot).await?;
    ctx.printer.print(&report)
}
