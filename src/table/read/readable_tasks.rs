//! Planned file tasks made readable by iceberg's reader: a data file in a format floe does not
//! read is named (never a Parquet footer error), and deletion vectors are handed over as the
//! position deletes the reader applies (see `deletion_vectors`). Every path that plans tasks
//! and reads them goes through `readable`.

use anyhow::Result;
use iceberg::scan::FileScanTask;
use iceberg::spec::DataFileFormat;
use iceberg::table::Table;

use super::deletion_vectors;
use crate::error::FloeError;

/// Why floe cannot read `task`'s data file, if it cannot: floe reads Parquet data files only.
pub fn unreadable_format(task: &FileScanTask) -> Option<String> {
    match task.data_file_format {
        DataFileFormat::Parquet => None,
        other => Some(format!(
            "floe reads Parquet data files; {} is {}",
            task.data_file_path,
            format_name(other)
        )),
    }
}

fn format_name(format: DataFileFormat) -> &'static str {
    match format {
        DataFileFormat::Parquet => "Parquet",
        DataFileFormat::Orc => "ORC",
        DataFileFormat::Avro => "Avro",
        DataFileFormat::Puffin => "Puffin",
    }
}

/// `tasks`, planned at `snapshot_id` (`None`: the current snapshot), ready for iceberg's
/// reader; an error naming the first data file that is not Parquet.
pub async fn readable(
    table: &Table,
    snapshot_id: Option<i64>,
    tasks: Vec<FileScanTask>,
) -> Result<Vec<FileScanTask>> {
    if let Some(why) = tasks.iter().find_map(unreadable_format) {
        return Err(FloeError::invalid(why)
            .with_hint("rewrite those files as Parquet with an engine that reads them (Spark: CALL system.rewrite_data_files with write.format.default=parquet)")
            .into());
    }
    deletion_vectors::resolve(table, snapshot_id, tasks).await
}
