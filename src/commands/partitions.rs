//! `floe partitions`: per-partition totals of a snapshot, with bar charts of file sizes against
//! the target and of the largest partitions (also drawn by `health`).

use anyhow::Result;

use super::context::{table_ref, Context};
use crate::ops::distribution::{PartitionSkew, SizeHistogram};
use crate::ops::partitions::{partitions, PartitionEntry, PartitionsReport};
use crate::output::{BarChart, Block, Report, Tabular};
use crate::units::format_size;

/// Partitions drawn in each per-partition chart; the table above lists them all.
const CHART_PARTITIONS: usize = 10;

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The file-size histogram as a title and a bar chart (bars: files per bucket).
pub(crate) fn file_size_blocks(sizes: &SizeHistogram) -> Vec<Block> {
    let mut blocks = vec![Block::Title(format!(
        "File sizes: {} against a target of {} (under {} is small)",
        plural(sizes.data_files, "data file", "data files"),
        format_size(sizes.target_file_size_bytes),
        format_size(sizes.small_file_bytes),
    ))];
    if sizes.data_files == 0 {
        blocks.push(Block::Line("  (no data files)".into()));
        return blocks;
    }
    let mut chart = BarChart::default();
    for b in &sizes.buckets {
        let range = match b.max_bytes {
            Some(max) if b.min_bytes == 0 => format!("< {}", format_size(max)),
            Some(max) => format!("{} - {}", format_size(b.min_bytes), format_size(max)),
            None => format!(">= {}", format_size(b.min_bytes)),
        };
        let mut note = plural(b.files, "file", "files");
        if b.files > 0 {
            note.push_str(&format!(", {}", format_size(b.bytes)));
        }
        if b.small && b.files > 0 {
            note.push_str(" (small)");
        }
        chart.row(format!("{:<9}  {range}", b.label), b.files as f64, note);
    }
    blocks.push(Block::Bars(chart));
    blocks
}

/// One line on how unevenly partitions are filled, or nothing for fewer than two partitions.
pub(crate) fn skew_line(skew: &PartitionSkew) -> Option<Block> {
    if skew.partitions < 2 {
        return None;
    }
    let ratio = |r: Option<f64>| r.map(|r| format!("{r:.2}x")).unwrap_or_else(|| "-".into());
    Some(Block::Line(format!(
        "  skew over {} partitions: records max {} ({}) = {} the median {}; bytes max {} ({}) = {} the median {}",
        skew.partitions,
        skew.max_records,
        skew.largest_by_records.as_deref().unwrap_or_default(),
        ratio(skew.records_max_over_median),
        skew.median_records,
        format_size(skew.max_bytes),
        skew.largest_by_bytes.as_deref().unwrap_or_default(),
        ratio(skew.bytes_max_over_median),
        format_size(skew.median_bytes.round() as u64),
    )))
}

fn partition_name(p: &PartitionEntry) -> String {
    if p.partition_display.is_empty() {
        "(unpartitioned)".into()
    } else {
        p.partition_display.clone()
    }
}

/// The largest partitions by `value`, as a title and a bar chart.
fn top_partitions(
    title: &str,
    partitions: &[PartitionEntry],
    median: f64,
    value: impl Fn(&PartitionEntry) -> u64,
    text: impl Fn(u64) -> String,
) -> Vec<Block> {
    let mut ranked: Vec<&PartitionEntry> = partitions.iter().filter(|p| p.file_count > 0).collect();
    ranked.sort_by_key(|p| std::cmp::Reverse(value(p)));
    let shown = ranked.len().min(CHART_PARTITIONS);
    let mut chart = BarChart::default();
    for p in &ranked[..shown] {
        let v = value(p);
        let against = if median > 0.0 {
            format!(" ({:.2}x median)", v as f64 / median)
        } else {
            String::new()
        };
        chart.row(partition_name(p), v as f64, format!("{}{against}", text(v)));
    }
    let more = if ranked.len() > shown {
        format!(" (largest {shown} of {})", ranked.len())
    } else {
        String::new()
    };
    vec![Block::Title(format!("{title}{more}")), Block::Bars(chart)]
}

/// Show record count, file count and size of each partition of a snapshot.
#[derive(Debug, clap::Args)]
pub struct PartitionsArgs {
    /// Table location or identifier.
    pub table: String,
    /// Snapshot to summarise instead of the current one.
    #[arg(long, value_name = "ID")]
    pub snapshot: Option<i64>,
}

impl Report for PartitionsReport {
    fn blocks(&self) -> Vec<Block> {
        let mut t = Tabular::new(&[
            "partition",
            "spec",
            "records",
            "files",
            "size",
            "delete files",
        ]);
        for p in &self.partitions {
            t.row(vec![
                partition_name(p),
                p.spec_id.to_string(),
                p.record_count.to_string(),
                p.file_count.to_string(),
                format_size(p.total_size_bytes),
                p.delete_file_count.to_string(),
            ]);
        }
        let mut blocks = vec![
            Block::Title(format!(
                "Partitions of {} ({})",
                self.table,
                self.partitions.len()
            )),
            Block::Table(t),
        ];
        blocks.extend(file_size_blocks(&self.file_sizes));
        if self.skew.partitions >= 2 {
            blocks.extend(top_partitions(
                "Records per partition",
                &self.partitions,
                self.skew.median_records,
                |p| p.record_count,
                |v| v.to_string(),
            ));
            blocks.extend(top_partitions(
                "Bytes per partition",
                &self.partitions,
                self.skew.median_bytes,
                |p| p.total_size_bytes,
                format_size,
            ));
            blocks.extend(skew_line(&self.skew));
        }
        blocks
    }

    fn csv(&self) -> Tabular {
        let mut t = Tabular::new(&[
            "partition",
            "spec_id",
            "record_count",
            "file_count",
            "total_size_bytes",
            "delete_file_count",
        ]);
        for p in &self.partitions {
            t.row(vec![
                p.partition_display.clone(),
                p.spec_id.to_string(),
                p.record_count.to_string(),
                p.file_count.to_string(),
                p.total_size_bytes.to_string(),
                p.delete_file_count.to_string(),
            ]);
        }
        t
    }
}

pub async fn run(args: PartitionsArgs, ctx: &Context) -> Result<()> {
    let session = ctx.session()?;
    let report = partitions(&session, &table_ref(&args.table)?, args.snapshot).await?;
    ctx.printer.print(&report)
}
