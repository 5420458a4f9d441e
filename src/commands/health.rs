//! `floe health`: findings per table, with the command that fixes each; a CI gate.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::error::{ErrorKind, FloeError};
use crate::ops::column_stats::ColumnDiagnostics;
use crate::ops::health::{health, Finding, HealthReport, Severity};
use crate::output::{Block, Report, Tabular};
use crate::table::{Session, TableRef};
use crate::units::format_size;

/// Check tables for what maintenance they need; with --fail-on, exit 4 when they need it.
///
/// Findings: small files per partition, delete files, manifests in the current snapshot,
/// snapshot count and age, metadata files, orphan files older than 3 days, tables `maintain`
/// never ran on. Each names the floe command that fixes it.
#[derive(Debug, clap::Args)]
pub struct HealthArgs {
    #[command(flatten)]
    pub select: TableSelection,
    /// Exit 4 when a finding is at least this severe.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<Severity>,
    /// Also write each table's state as Prometheus metrics to this file (written whole, then
    /// renamed into place, for node_exporter's textfile collector).
    #[arg(long, value_name = "FILE")]
    pub metrics_file: Option<std::path::PathBuf>,
}

/// The tables of a multi-table command (`health`, `maintain`).
#[derive(Debug, clap::Args)]
pub struct TableSelection {
    /// Tables (locations or identifiers).
    #[arg(required_unless_present = "all")]
    pub tables: Vec<String>,
    /// Every table of the catalog.
    #[arg(long, conflicts_with = "tables")]
    pub all: bool,
    /// With --all: only this namespace.
    #[arg(long, value_name = "NS", requires = "all")]
    pub namespace: Option<String>,
}

/// The tables a multi-table command names: the given ones, or every table (of a namespace).
pub async fn selected_tables(session: &Session, select: &TableSelection) -> Result<Vec<TableRef>> {
    if !select.all {
        return select.tables.iter().map(|t| table_ref(t)).collect();
    }
    let listed = crate::ops::listing::tables(session, select.namespace.as_deref()).await?;
    listed
        .tables
        .iter()
        .map(|t| table_ref(&t.identifier))
        .collect()
}

pub(crate) fn severity_word(s: Option<Severity>) -> &'static str {
    match s {
        None => "healthy",
        Some(Severity::Info) => "info",
        Some(Severity::Warn) => "warn",
        Some(Severity::Error) => "error",
    }
}

/// One finding as a line: severity, check, what is wrong, the command that fixes it.
pub fn finding_line(f: &Finding) -> Block {
    Block::Line(format!(
        "  {:5} {}: {}  (fix: {})",
        severity_word(Some(f.severity)),
        f.check,
        f.message,
        f.fix
    ))
}

/// Columns worth a look: those whose files overlap enough that a sort would pay, and those
/// (nearly) always null. The rest are in the JSON.
fn column_blocks(columns: &[ColumnDiagnostics]) -> Vec<Block> {
    let notable: Vec<&ColumnDiagnostics> = columns
        .iter()
        .filter(|c| c.fix.is_some() || c.null_rate.is_some_and(|r| r >= 0.9))
        .take(20)
        .collect();
    if notable.is_empty() {
        return vec![];
    }
    let mut t = Tabular::new(&["column", "nulls", "size", "overlapping pairs", "fix"]);
    for c in notable {
        t.row(vec![
            c.column.clone(),
            c.null_rate
                .map(|r| format!("{:.0}%", r * 100.0))
                .unwrap_or_default(),
            format_size(c.bytes),
            match (c.overlapping_file_pairs, c.file_pairs) {
                (Some(o), Some(p)) if p > 0 => format!("{o} of {p}"),
                _ => String::new(),
            },
            c.fix.clone().unwrap_or_default(),
        ]);
    }
    vec![
        Block::Line("  columns (from file metrics):".into()),
        Block::Table(t),
    ]
}

impl Report for HealthReport {
    fn blocks(&self) -> Vec<Block> {
        let mut blocks = vec![];
        for t in &self.tables {
            blocks.push(Block::Title(format!(
                "{}: {}",
                t.table,
                severity_word(t.status)
            )));
            blocks.extend(t.findings.iter().map(finding_line));
            if let Some(sizes) = &t.file_sizes {
                blocks.extend(super::partitions::file_size_blocks(sizes));
            }
            if let Some(line) = t
                .partition_skew
                .as_ref()
                .and_then(super::partitions::skew_line)
            {
                blocks.push(line);
            }
            blocks.extend(column_blocks(&t.columns));
        }
        if self.tables.is_empty() {
            blocks.push(Block::Line("no tables".into()));
        }
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["table", "check", "severity", "message", "fix"]);
        for table in &self.tables {
            for f in &table.findings {
                t.row(vec![
                    table.table.clone(),
                    f.check.clone(),
                    severity_word(Some(f.severity)).to_string(),
                    f.message.clone(),
                    f.fix.clone(),
                ]);
            }
        }
        t
    }
}

pub async fn run(args: HealthArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let tables = selected_tables(&session, &args.select).await?;
    let report = health(&session, &tables).await?;
    if let Some(path) = &args.metrics_file {
        super::metrics_file::write_health_metrics(path, &report)?;
    }
    ctx.printer.print(&report)?;
    match (args.fail_on, report.worst) {
        (Some(level), Some(worst)) if worst >= level => Err(FloeError::new(
            ErrorKind::Unhealthy,
            format!(
                "health: findings at {} or worse",
                severity_word(Some(level))
            ),
        )
        .with_hint("run the fix commands the findings name, or `floe maintain`")
        .into()),
        _ => Ok(()),
    }
}
