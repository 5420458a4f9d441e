//! Reading tables: the snapshot a version names, scans (DataFusion provider, parallel and
//! native), deletion vectors, manifest streaming, live files, row filters and row matching,
//! sound file pruning and Parquet metrics. Uses `storage`.

pub mod deletion_vectors;
pub mod lineage_scan;
pub mod live_files;
pub mod manifest_stream;
pub mod native_scan;
pub mod parallel_scan;
pub mod parquet_metrics;
pub mod readable_tasks;
pub mod row_filter;
pub mod row_lineage;
pub mod row_matches;
pub mod scan;
pub mod sound_predicate;
pub mod struct_projection;
