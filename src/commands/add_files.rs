//! `floe add-files`: register existing Parquet files as data files, without rewriting them.

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::ops::add_files::{add_files, AddFilesOptions, AddFilesReport};
use crate::output::{Block, Report, Tabular};
use crate::units::format_size;

/// Register existing Parquet files as data files of a table in ONE append snapshot, without
/// rewriting them (like Spark's add_files procedure and PyIceberg's add_files).
///
/// Columns are matched to the table's by name; every file column must be a table column of
/// the same type (int into long and float into double allowed) and every required column must
/// be present. Metrics come from the files' footers; partition values from their column
/// bounds, or with --hive-partitioned from name=value path segments (then both must agree).
/// Files without Parquet field ids are read through the table's schema.name-mapping.default,
/// which is set from the current schema when the table has none. The files stay where they
/// are and belong to the table from then on: expire and compaction may delete them later.
/// Nothing is deleted if the command fails.
#[derive(Debug, clap::Args)]
pub struct AddFilesArgs {
    /// Table location or identifier.
    pub table: String,

    /// Parquet files: local paths, directories, globs ('data/*.parquet') or s3:// URIs.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,

    /// Take partition values from Hive-style path segments (region=eu/ts_month=2024-03/),
    /// named by the partition field (or, for identity partitions, the source column).
    #[arg(long)]
    pub hive_partitioned: bool,

    /// Show the files, partitions, records and bytes without committing.
    #[arg(long)]
    pub dry_run: bool,

    /// Commit to this branch instead of main (create it with `floe branch create`).
    #[arg(long, value_name = "NAME", default_value = "main")]
    pub branch: String,
}

fn partition_text(partition: &serde_json::Map<String, serde_json::Value>) -> String {
    if partition.is_empty() {
        return String::new();
    }
    partition
        .iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Report for AddFilesReport {
    fn blocks(&self) -> Vec<Block> {
        let headline = match self.snapshot_id {
            Some(id) => format!(
                "added {} file(s), {} rows to {} in snapshot {id}",
                self.files_added, self.records_added, self.table
            ),
            None if self.dry_run => format!(
                "would add {} file(s), {} rows to {} (dry run)",
                self.files_added, self.records_added, self.table
            ),
            None => format!("no files to add; {} unchanged", self.table),
        };
        let mut fields = vec![
            ("files".to_string(), self.files_added.to_string()),
            ("records".to_string(), self.records_added.to_string()),
            ("bytes".to_string(), format_size(self.bytes_added)),
        ];
        if self.name_mapping_set {
            fields.push((
                "name mapping".to_string(),
                "schema.name-mapping.default set from the current schema".to_string(),
            ));
        }
        fields.push((
            "time".to_string(),
            format!("{:.2} s", self.elapsed_ms as f64 / 1000.0),
        ));
        let mut blocks = vec![Block::Line(headline), Block::Fields(fields)];
        if !self.files.is_empty() {
            blocks.push(Block::Table(self.csv()));
        }
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&["path", "partition", "records", "bytes"]);
        for f in &self.files {
            t.row(vec![
                f.path.clone(),
                partition_text(&f.partition),
                f.records.to_string(),
                f.bytes.to_string(),
            ]);
        }
        t
    }
}

pub async fn run(args: AddFilesArgs, ctx: &Context) -> Result<()> {
    ctx.printer.reporter().set_table(&args.table);
    let session = ctx.session()?;
    let options = AddFilesOptions {
        table: table_ref(&args.table)?,
        paths: args.paths,
        hive_partitioned: args.hive_partitioned,
        dry_run: args.dry_run,
        branch: args.branch,
    };
    let report = add_files(&session, options).await?;
    ctx.printer.print(&report)
}
