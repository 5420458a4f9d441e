//! Writing delete files: position deletes, one file per data file it applies to (Iceberg
//! 1.8+'s file-scoped granularity: readers and validations can tell which file it touches),
//! placed beside that data file when it lives in the table's folder, or one file for several
//! data files of a partition when a rewrite merges them so; equality deletes, one file per
//! partition, naming key values.

use std::sync::Arc;

use anyhow::{Context, Result};
use arrow::array::{Int64Array, RecordBatch, StringArray};
use iceberg::spec::{
    DataContentType, DataFile, NestedField, PrimitiveType, Schema as IcebergSchema, Struct, Type,
};
use iceberg::table::Table;
use iceberg::writer::file_writer::{FileWriter, FileWriterBuilder, ParquetWriterBuilder};
use parquet::file::properties::WriterProperties;

use super::data_writer::WriteSettings;
use crate::table::read::row_matches::{DELETE_FILE_PATH_ID, DELETE_POS_ID};

/// Rows per batch handed to the Parquet writer.
const BATCH_ROWS: usize = 64 * 1024;

/// Where a new file for `data_file`'s rows goes: its own folder when that is inside the
/// table's, else the table's data folder (files adopted from elsewhere are never written
/// beside).
pub fn sibling_location(table: &Table, data_file: &str, name: &str) -> String {
    let location = table.metadata().location().trim_end_matches('/');
    match data_file.rsplit_once('/') {
        Some((folder, _)) if folder.starts_with(&format!("{location}/")) => {
            format!("{folder}/{name}")
        }
        _ => format!("{location}/data/{name}"),
    }
}

/// Write a position delete file removing `positions` (ascending) of `data_file`, which sits
/// in `partition` of spec `spec_id`.
pub async fn write_position_deletes(
    table: &Table,
    data_file: &str,
    positions: &[u64],
    spec_id: i32,
    partition: Struct,
    path: &str,
) -> Result<DataFile> {
    let entries = [(data_file.to_string(), positions.to_vec())];
    write_position_delete_entries(table, &entries, spec_id, partition, path).await
}

/// Write a position delete file holding `entries` (data file path, its deleted positions),
/// sorted by path then position as the spec requires, for data files in `partition` of spec
/// `spec_id`. A file naming one data file records it as its referenced data file, so readers
/// and validations know it touches that file alone.
pub async fn write_position_delete_entries(
    table: &Table,
    entries: &[(String, Vec<u64>)],
    spec_id: i32,
    partition: Struct,
    path: &str,
) -> Result<DataFile> {
    let schema = Arc::new(
        IcebergSchema::builder()
            .with_fields(vec![
                NestedField::required(
                    DELETE_FILE_PATH_ID,
                    "file_path",
                    Type::Primitive(PrimitiveType::String),
                )
                .into(),
                NestedField::required(DELETE_POS_ID, "pos", Type::Primitive(PrimitiveType::Long))
                    .into(),
            ])
            .build()?,
    );
    let mut sorted: Vec<(&str, &[u64])> = entries
        .iter()
        .map(|(file, positions)| (file.as_str(), positions.as_slice()))
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let files: StringArray = sorted
        .iter()
        .flat_map(|(file, positions)| std::iter::repeat_n(Some(*file), positions.len()))
        .collect();
    let positions = Int64Array::from_iter_values(
        sorted
            .iter()
            .flat_map(|(_, positions)| positions.iter().map(|p| *p as i64)),
    );
    let columns: Vec<arrow::array::ArrayRef> = vec![Arc::new(files), Arc::new(positions)];
    let referenced = match sorted.as_slice() {
        [(only, _)] => Some(only.to_string()),
        _ => None,
    };
    let mut builder = write_delete_file(table, schema, columns, path).await?;
    Ok(builder
        .content(DataContentType::PositionDeletes)
        .partition(partition)
        .partition_spec_id(spec_id)
        .referenced_data_file(referenced)
        .build()?)
}

/// Write an equality delete file removing rows whose `columns` (the key fields
/// `field_ids`, as arrays) equal one of the given rows, in `partition` of spec `spec_id`.
pub async fn write_equality_deletes(
    table: &Table,
    field_ids: &[i32],
    columns: Vec<arrow::array::ArrayRef>,
    spec_id: i32,
    partition: Struct,
    path: &str,
) -> Result<DataFile> {
    let current = table.metadata().current_schema();
    let mut fields = vec![];
    for id in field_ids {
        let field = current
            .field_by_id(*id)
            .with_context(|| format!("key field {id} is not in the table's schema"))?;
        fields.push(field.clone());
    }
    let schema = Arc::new(IcebergSchema::builder().with_fields(fields).build()?);
    let mut builder = write_delete_file(table, schema, columns, path).await?;
    Ok(builder
        .content(DataContentType::EqualityDeletes)
        .equality_ids(Some(field_ids.to_vec()))
        .partition(partition)
        .partition_spec_id(spec_id)
        .build()?)
}

/// Write `columns` (in `schema`'s field order) to a Parquet file at `path` through iceberg's
/// writer, which collects the column metrics; the caller says what kind of file it is.
async fn write_delete_file(
    table: &Table,
    schema: Arc<IcebergSchema>,
    columns: Vec<arrow::array::ArrayRef>,
    path: &str,
) -> Result<iceberg::spec::DataFileBuilder> {
    let arrow_schema = Arc::new(iceberg::arrow::schema_to_arrow_schema(&schema)?);
    let properties = WriterProperties::builder()
        .set_compression(WriteSettings::from_table(table)?.compression)
        .build();
    let output = table.file_io().new_output(path)?;
    let mut writer = ParquetWriterBuilder::new(properties, schema)
        .build(output)
        .await?;
    let rows = columns.first().map(|c| c.len()).unwrap_or(0);
    let mut offset = 0;
    while offset < rows {
        let length = BATCH_ROWS.min(rows - offset);
        let batch = RecordBatch::try_new(
            arrow_schema.clone(),
            columns.iter().map(|c| c.slice(offset, length)).collect(),
        )?;
        writer.write(&batch).await?;
        offset += length;
    }
    writer
        .close()
        .await?
        .pop()
        .with_context(|| format!("no delete file was written at {path}"))
}
