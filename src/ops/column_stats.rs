//! Column diagnostics for `health`, from manifest metrics alone (no data file is read): per
//! top-level column its null rate, its bytes on disk, and how many pairs of files in the same
//! partition overlap in value bounds. Overlap is what defeats min/max pruning: a filter on a
//! column whose files all overlap must read every file, which sorting or z-ordering fixes.

use std::cmp::Ordering;
use std::collections::HashMap;

use iceberg::spec::{DataFile, Datum, Schema, SortOrder, Type};
use serde::Serialize;

/// Columns whose bounds are kept for the overlap count: the table's sort columns first, then
/// schema order. Bounds are the one per-file cost that grows with the column count.
const MAX_OVERLAP_COLUMNS: usize = 8;

/// Overlap at which a sort would pay: half the file pairs of a partition overlap.
pub const OVERLAP_WORTH_SORTING: f64 = 0.5;

#[derive(Debug, Clone, Serialize)]
pub struct ColumnDiagnostics {
    pub column: String,
    pub field_id: i32,
    /// Bytes of the column's chunks across the current data files (where files record it).
    pub bytes: u64,
    pub null_count: u64,
    pub value_count: u64,
    /// null_count / value_count, or `null` when no file records counts for the column.
    pub null_rate: Option<f64>,
    /// Pairs of files in one partition, both with bounds, whose values are not all one value.
    /// `null` when overlap was not counted for this column (past the first
    /// MAX_OVERLAP_COLUMNS).
    pub file_pairs: Option<u64>,
    /// Those pairs whose [lower, upper] ranges overlap: a filter on the column that matches
    /// one file of such a pair cannot skip the other.
    pub overlapping_file_pairs: Option<u64>,
    pub overlap_ratio: Option<f64>,
    /// The floe command that lays the column out for pruning, when its files overlap enough
    /// to be worth it.
    pub fix: Option<String>,
}

#[derive(Default)]
struct Column {
    bytes: u64,
    null_count: u64,
    value_count: u64,
    counted: bool,
    /// partition → (lower, upper) per file with both bounds.
    bounds: Option<HashMap<String, Vec<(Datum, Datum)>>>,
}

/// Gathers column metrics while `health` walks the current data files.
pub struct ColumnCollector {
    columns: Vec<(i32, String, Column)>,
}

impl ColumnCollector {
    pub fn new(schema: &Schema, sort: &SortOrder) -> Self {
        let primitive: Vec<(i32, String)> = schema
            .as_struct()
            .fields()
            .iter()
            .filter(|f| matches!(*f.field_type, Type::Primitive(_)))
            .map(|f| (f.id, f.name.clone()))
            .collect();
        let mut overlap_ids: Vec<i32> = sort
            .fields
            .iter()
            .map(|f| f.source_id)
            .filter(|id| primitive.iter().any(|(p, _)| p == id))
            .collect();
        for (id, _) in &primitive {
            if !overlap_ids.contains(id) {
                overlap_ids.push(*id);
            }
        }
        overlap_ids.truncate(MAX_OVERLAP_COLUMNS);
        let columns = primitive
            .into_iter()
            .map(|(id, name)| {
                let column = Column {
                    bounds: overlap_ids.contains(&id).then(HashMap::new),
                    ..Default::default()
                };
                (id, name, column)
            })
            .collect();
        ColumnCollector { columns }
    }

    /// One live data file of `partition` (spec id and partition value, as text).
    pub fn add(&mut self, partition: &str, file: &DataFile) {
        for (id, _, column) in &mut self.columns {
            column.bytes += file.column_sizes().get(id).copied().unwrap_or(0);
            if let (Some(values), Some(nulls)) = (
                file.value_counts().get(id),
                file.null_value_counts().get(id),
            ) {
                column.value_count += values;
                column.null_count += nulls;
                column.counted = true;
            }
            let Some(bounds) = &mut column.bounds else {
                continue;
            };
            if let (Some(lower), Some(upper)) =
                (file.lower_bounds().get(id), file.upper_bounds().get(id))
            {
                // Bounds written before a type promotion (int → long) do not compare with
                // newer ones; such files are left out rather than guessed at.
                if lower.data_type() == upper.data_type() {
                    bounds
                        .entry(partition.to_string())
                        .or_default()
                        .push((lower.clone(), upper.clone()));
                }
            }
        }
    }

    /// Each column's diagnostics; `table` names the table in fix commands, `sort_first` is the
    /// table's first sort column (its fix needs no `--sort-by`).
    pub fn finish(self, table: &str, sort_first: Option<&str>) -> Vec<ColumnDiagnostics> {
        self.columns
            .into_iter()
            .map(|(field_id, name, column)| {
                let (pairs, overlapping) = match &column.bounds {
                    Some(by_partition) => {
                        let (p, o) = by_partition
                            .values()
                            .map(|files| overlapping_pairs(files))
                            .fold((0, 0), |(p, o), (p2, o2)| (p + p2, o + o2));
                        (Some(p), Some(o))
                    }
                    None => (None, None),
                };
                let overlap_ratio = match (pairs, overlapping) {
                    (Some(p), Some(o)) if p > 0 => Some(o as f64 / p as f64),
                    _ => None,
                };
                let fix = overlap_ratio
                    .filter(|r| *r >= OVERLAP_WORTH_SORTING)
                    .map(|_| {
                        if sort_first == Some(name.as_str()) {
                            format!("floe compact {table} --strategy sort --rewrite-all")
                        } else {
                            format!(
                                "floe compact {table} --strategy sort --sort-by {name} --rewrite-all"
                            )
                        }
                    });
                ColumnDiagnostics {
                    column: name,
                    field_id,
                    bytes: column.bytes,
                    null_count: column.null_count,
                    value_count: column.value_count,
                    null_rate: (column.counted && column.value_count > 0)
                        .then(|| column.null_count as f64 / column.value_count as f64),
                    file_pairs: pairs,
                    overlapping_file_pairs: overlapping,
                    overlap_ratio,
                    fix,
                }
            })
            .collect()
    }
}

fn order(a: &Datum, b: &Datum) -> Ordering {
    a.partial_cmp(b).unwrap_or(Ordering::Equal)
}

/// (pairs, overlapping pairs) among one partition's files. Two ranges are disjoint exactly
/// when one's upper bound is below the other's lower bound, and only one of the two can be
/// the lower, so the disjoint pairs are, per file, the files whose lower bound is above its
/// upper bound: a binary search in the sorted lower bounds. A partition where every file
/// holds one and the same value has nothing to prune and counts no pairs.
fn overlapping_pairs(files: &[(Datum, Datum)]) -> (u64, u64) {
    let n = files.len() as u64;
    if n < 2 {
        return (0, 0);
    }
    let first = &files[0].0;
    if files
        .iter()
        .all(|(l, u)| order(l, first).is_eq() && order(u, first).is_eq())
    {
        return (0, 0);
    }
    let mut lowers: Vec<&Datum> = files.iter().map(|(l, _)| l).collect();
    lowers.sort_by(|a, b| order(a, b));
    let disjoint: u64 = files
        .iter()
        .map(|(_, upper)| {
            let not_above = lowers.partition_point(|l| order(l, upper) != Ordering::Greater);
            (lowers.len() - not_above) as u64
        })
        .sum();
    let pairs = n * (n - 1) / 2;
    (pairs, pairs - disjoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(r: &[(i64, i64)]) -> Vec<(Datum, Datum)> {
        r.iter()
            .map(|(l, u)| (Datum::long(*l), Datum::long(*u)))
            .collect()
    }

    #[test]
    fn counts_overlapping_pairs_by_bounds() {
        // Sorted files: touching nowhere.
        assert_eq!(
            overlapping_pairs(&ranges(&[(0, 9), (10, 19), (20, 29)])),
            (3, 0)
        );
        // Every file spans everything.
        assert_eq!(
            overlapping_pairs(&ranges(&[(0, 99), (1, 98), (2, 97), (0, 50)])),
            (6, 6)
        );
        // [0,10] overlaps [5,15] and [10,20] (a shared end value overlaps); [5,15] and
        // [10,20] overlap; [30,40] overlaps none.
        assert_eq!(
            overlapping_pairs(&ranges(&[(0, 10), (5, 15), (10, 20), (30, 40)])),
            (6, 3)
        );
        // One value everywhere (a partition column within its partition): nothing to prune.
        assert_eq!(
            overlapping_pairs(&ranges(&[(7, 7), (7, 7), (7, 7)])),
            (0, 0)
        );
        assert_eq!(overlapping_pairs(&ranges(&[(7, 7)])), (0, 0));
    }

    #[test]
    fn brute_force_agrees() {
        let mut seed = 42u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as i64 % 100
        };
        for _ in 0..50 {
            let files: Vec<(i64, i64)> = (0..12)
                .map(|_| {
                    let (a, b) = (next(), next());
                    (a.min(b), a.max(b))
                })
                .collect();
            let mut brute = 0;
            for i in 0..files.len() {
                for j in i + 1..files.len() {
                    let (a, b) = (files[i], files[j]);
                    if a.0 <= b.1 && b.0 <= a.1 {
                        brute += 1;
                    }
                }
            }
            assert_eq!(overlapping_pairs(&ranges(&files)), (66, brute), "{files:?}");
        }
    }
}
