//! How a table's data is spread: data-file sizes bucketed against the table's target file size,
//! and records and bytes across partitions measured against the median and largest partition.
//! `health`, `partitions` and `report` share these so their numbers agree.

use serde::Serialize;

/// Upper edges of the size buckets as fractions (numerator, denominator) of the target file
/// size; the last bucket is open. Powers of four below a quarter separate "a bit small" from
/// "thousands of tiny files from a streaming writer"; 3/4 is where `health` starts calling a
/// file small, so the buckets below it add up to its `small_files`; 1.5 flags files that grew
/// well past the target (a sort or a lax writer).
const EDGES: [(u64, u64); 7] = [(1, 64), (1, 16), (1, 4), (1, 2), (3, 4), (1, 1), (3, 2)];
const LABELS: [&str; 8] = [
    "<1/64",
    "1/64-1/16",
    "1/16-1/4",
    "1/4-1/2",
    "1/2-3/4",
    "3/4-1",
    "1-1.5",
    ">=1.5",
];

/// Files under this many bytes are small for a table whose target file size is `target`.
pub fn small_file_bytes(target: u64) -> u64 {
    target * 3 / 4
}

/// Data files whose size falls in `[min_bytes, max_bytes)`.
#[derive(Debug, Clone, Serialize)]
pub struct SizeBucket {
    /// The range as fractions of the target file size (`1/16-1/4`, `>=1.5`).
    pub label: String,
    pub min_bytes: u64,
    /// `null` for the last, open bucket.
    pub max_bytes: Option<u64>,
    /// Whether files here count as small (under 3/4 of the target).
    pub small: bool,
    pub files: u64,
    pub records: u64,
    pub bytes: u64,
}

/// Data files by size, relative to the target file size.
#[derive(Debug, Clone, Serialize)]
pub struct SizeHistogram {
    pub target_file_size_bytes: u64,
    pub small_file_bytes: u64,
    pub data_files: u64,
    pub buckets: Vec<SizeBucket>,
}

impl SizeHistogram {
    pub fn new(target_file_size_bytes: u64) -> Self {
        let target = target_file_size_bytes.max(1);
        let edges: Vec<u64> = EDGES.iter().map(|(n, d)| target * n / d).collect();
        let buckets = LABELS
            .iter()
            .enumerate()
            .map(|(i, label)| SizeBucket {
                label: label.to_string(),
                min_bytes: if i == 0 { 0 } else { edges[i - 1] },
                max_bytes: edges.get(i).copied(),
                small: edges.get(i).is_some_and(|e| *e <= small_file_bytes(target)),
                files: 0,
                records: 0,
                bytes: 0,
            })
            .collect();
        SizeHistogram {
            target_file_size_bytes: target,
            small_file_bytes: small_file_bytes(target),
            data_files: 0,
            buckets,
        }
    }

    /// Count one data file.
    pub fn add(&mut self, size_bytes: u64, records: u64) {
        let bucket = self
            .buckets
            .iter_mut()
            .find(|b| b.max_bytes.is_none_or(|max| size_bytes < max))
            .expect("the last bucket is open");
        bucket.files += 1;
        bucket.records += records;
        bucket.bytes += size_bytes;
        self.data_files += 1;
    }

    pub fn small_files(&self) -> u64 {
        self.buckets
            .iter()
            .filter(|b| b.small)
            .map(|b| b.files)
            .sum()
    }
}

/// How unevenly records and bytes are spread over partitions.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PartitionSkew {
    pub partitions: u64,
    /// Medians are the mean of the two middle partitions when the count is even.
    pub median_records: f64,
    pub max_records: u64,
    pub median_bytes: f64,
    pub max_bytes: u64,
    /// Largest over median; `null` without partitions or when the median is 0.
    pub records_max_over_median: Option<f64>,
    pub bytes_max_over_median: Option<f64>,
    /// The partition with the most records (the first in order on a tie).
    pub largest_by_records: Option<String>,
    pub largest_by_bytes: Option<String>,
}

fn median(values: &mut [u64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid] as f64
    } else {
        (values[mid - 1] as f64 + values[mid] as f64) / 2.0
    }
}

fn ratio(max: u64, median: f64) -> Option<f64> {
    (median > 0.0).then(|| ((max as f64 / median) * 100.0).round() / 100.0)
}

/// Largest by `key`, keeping the first on a tie.
fn largest<'a>(parts: &[(&'a str, u64, u64)], key: impl Fn(&(&str, u64, u64)) -> u64) -> &'a str {
    let mut best = parts[0];
    for p in parts.iter().skip(1) {
        if key(p) > key(&best) {
            best = *p;
        }
    }
    best.0
}

impl PartitionSkew {
    /// From `(partition name, records, bytes)` per partition.
    pub fn of(parts: &[(&str, u64, u64)]) -> Self {
        if parts.is_empty() {
            return PartitionSkew::default();
        }
        let mut records: Vec<u64> = parts.iter().map(|p| p.1).collect();
        let mut bytes: Vec<u64> = parts.iter().map(|p| p.2).collect();
        let median_records = median(&mut records);
        let median_bytes = median(&mut bytes);
        let max_records = parts.iter().map(|p| p.1).max().unwrap_or(0);
        let max_bytes = parts.iter().map(|p| p.2).max().unwrap_or(0);
        PartitionSkew {
            partitions: parts.len() as u64,
            median_records,
            max_records,
            median_bytes,
            max_bytes,
            records_max_over_median: ratio(max_records, median_records),
            bytes_max_over_median: ratio(max_bytes, median_bytes),
            largest_by_records: Some(largest(parts, |p| p.1).to_string()),
            largest_by_bytes: Some(largest(parts, |p| p.2).to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_split_at_fractions_of_the_target() {
        let mut h = SizeHistogram::new(6400);
        let edges: Vec<Option<u64>> = h.buckets.iter().map(|b| b.max_bytes).collect();
        assert_eq!(
            edges,
            [
                Some(100),
                Some(400),
                Some(1600),
                Some(3200),
                Some(4800),
                Some(6400),
                Some(9600),
                None
            ]
        );
        for size in [0, 99, 100, 4799, 4800, 6399, 9600, 1 << 40] {
            h.add(size, 1);
        }
        let files: Vec<u64> = h.buckets.iter().map(|b| b.files).collect();
        assert_eq!(files, [2, 1, 0, 0, 1, 2, 0, 2]);
        // The same line `health` draws between small and not.
        assert_eq!(h.small_files(), 4);
        assert_eq!(h.small_file_bytes, 4800);
        assert_eq!(h.data_files, 8);
    }

    #[test]
    fn skew_against_median_and_max() {
        let s = PartitionSkew::of(&[("a", 10, 100), ("b", 30, 50), ("c", 20, 400), ("d", 10, 50)]);
        assert_eq!(s.partitions, 4);
        assert_eq!(s.median_records, 15.0);
        assert_eq!(s.max_records, 30);
        assert_eq!(s.records_max_over_median, Some(2.0));
        assert_eq!(s.median_bytes, 75.0);
        assert_eq!(s.bytes_max_over_median, Some(5.33));
        assert_eq!(s.largest_by_records.as_deref(), Some("b"));
        assert_eq!(s.largest_by_bytes.as_deref(), Some("c"));
        let empty = PartitionSkew::of(&[]);
        assert_eq!(empty.records_max_over_median, None);
        assert_eq!(empty.largest_by_records, None);
    }
}
