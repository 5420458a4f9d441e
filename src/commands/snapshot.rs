//! `floe snapshot TABLE ID`: one snapshot in detail.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::ops::snapshots::{detail, SnapshotDetail};
use crate::output::{Block, Report, Tabular};

/// Show one snapshot: summary and manifests.
#[derive(Debug, clap::Args)]
pub struct SnapshotArgs {
    /// Table location or identifier.
    pub table: String,
    /// Snapshot id.
    pub snapshot_id: i64,
}

impl Report for SnapshotDetail {
    fn blocks(&self) -> Vec<Block> {
        let s = &self.snapshot;
        let mut fields = vec![
            ("snapshot id".into(), s.snapshot_id.to_string()),
            (
                "parent".into(),
                s.parent_snapshot_id
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "none".into()),
            ),
            ("sequence number".into(), s.sequence_number.to_string()),
            ("time".into(), s.timestamp.clone()),
            ("operation".into(), s.operation.clone()),
            ("current".into(), self.is_current.to_string()),
            ("manifest list".into(), s.manifest_list.clone()),
        ];
        fields.extend(s.summary.iter().map(|(k, v)| (k.clone(), v.clone())));
        let mut manifests = Tabular::new(&[
            "manifest", "content", "spec", "added", "existing", "deleted",
        ]);
        for m in &self.manifests {
            manifests.row(vec![
                m.path.rsplit('/').next().unwrap_or(&m.path).to_string(),
                m.content.clone(),
                m.partition_spec_id.to_string(),
                m.added_files.to_string(),
                m.existing_files.to_string(),
                m.deleted_files.to_string(),
            ]);
        }
        vec![
            Block::Title(format!("Snapshot {} of {}", s.snapshot_id, self.table)),
            Block::Fields(fields),
            Block::Title(format!("Manifests ({})", self.manifests.len())),
            Block::Table(manifests),
        ]
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&[
            "path",
            "content",
            "partition_spec_id",
            "added_files",
            "existing_files",
            "deleted_files",
        ]);
        for m in &self.manifests {
            t.row(vec![
                m.path.clone(),
                m.content.clone(),
                m.partition_spec_id.to_string(),
                m.added_files.to_string(),
                m.existing_files.to_string(),
                m.deleted_files.to_string(),
            ]);
        }
        t
    }
}

pub async fn run(args: SnapshotArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = detail(&session, &table_ref(&args.table)?, args.snapshot_id).await?;
    ctx.printer.print(&report)
}
