//! `floe verify`: do the table's files match its metadata?

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::error::{ErrorKind, FloeError};
use crate::ops::verify::{verify, Scope, VerifyReport};
use crate::output::{Block, Report, Tabular};

/// Check that every file the chosen snapshots reach exists with its recorded size.
///
/// Manifest lists and manifests must parse, sequence numbers and the parent chain must be
/// consistent; --deep also reads each data file's Parquet footer and compares its row count
/// with the manifest's. Exits 1 when anything is wrong, after printing what.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Table location or identifier.
    pub table: String,
    /// Check this snapshot instead of the current one.
    #[arg(long, value_name = "ID", conflicts_with = "all_snapshots")]
    pub snapshot: Option<i64>,
    /// Check every snapshot the table keeps.
    #[arg(long)]
    pub all_snapshots: bool,
    /// Also read data file footers and compare row counts.
    #[arg(long)]
    pub deep: bool,
}

impl Report for VerifyReport {
    fn blocks(&self) -> Vec<Block> {
        let v = &self.verification;
        let mut blocks = vec![Block::Line(format!(
            "{} {}: {} snapshot(s), {} manifest(s), {} data and {} delete file(s){}{}",
            if self.ok { "verified" } else { "PROBLEMS in" },
            self.table,
            v.snapshots_checked.len(),
            v.manifests,
            v.data_files,
            v.delete_files,
            if v.deletion_vectors > 0 {
                format!(" ({} of them deletion vectors)", v.deletion_vectors)
            } else {
                String::new()
            },
            if self.deep {
                format!(", {} footer(s) read", v.footers_read)
            } else {
                String::new()
            }
        ))];
        if !v.problems.is_empty() {
            blocks.push(Block::Table(self.csv()));
        }
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["kind", "at", "detail"]);
        for p in &self.verification.problems {
            t.row(vec![p.kind.clone(), p.at.clone(), p.detail.clone()]);
        }
        t
    }
}

pub async fn run(args: VerifyArgs, ctx: &Context) -> Result<()> {
    ctx.printer.reporter().set_table(&args.table);
    let session = ctx.session()?;
    let scope = match (args.snapshot, args.all_snapshots) {
        (Some(id), _) => Scope::Snapshot(id),
        (None, true) => Scope::All,
        (None, false) => Scope::Current,
    };
    let report = verify(&session, &table_ref(&args.table)?, scope, args.deep).await?;
    ctx.printer.print(&report)?;
    if report.ok {
        return Ok(());
    }
    Err(FloeError::new(
        ErrorKind::Failed,
        format!(
            "{} does not match its metadata: {} problem(s)",
            report.table,
            report.verification.problems.len()
        ),
    )
    .into())
}
