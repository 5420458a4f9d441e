//! Writing row deletes the way other engines do (floe has no delete command): position deletes
//! in the spec's delete-file schema, equality deletes through iceberg's own writer, each
//! committed as a row-delta snapshot through floe's commit path.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use iceberg::spec::{DataContentType, DataFile, DataFileBuilder, DataFileFormat, Struct};
use iceberg::writer::base_writer::equality_delete_writer::{
    EqualityDeleteFileWriterBuilder, EqualityDeleteWriterConfig,
};
use iceberg::writer::file_writer::location_generator::{
    DefaultFileNameGenerator, DefaultLocationGenerator,
};
use iceberg::writer::file_writer::rolling_writer::RollingFileWriterBuilder;
use iceberg::writer::file_writer::ParquetWriterBuilder;
use iceberg::writer::{IcebergWriter, IcebergWriterBuilder};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use floe::table::snapshot_commit::{commit_snapshot, SnapshotKind, SnapshotRequest};
use floe::table::TableTarget;

async fn commit_deletes(target: &TableTarget, files: Vec<DataFile>) -> i64 {
    let request = SnapshotRequest {
        kind: SnapshotKind::RowDelta,
        added: files,
        spec_id: 0,
        schema: None,
        summary: HashMap::new(),
        branch: "main".to_string(),
        start: None,
        ledger: None,
    };
    commit_snapshot(target, request).await.unwrap().snapshot_id
}

/// Delete rows at `positions` of `data_file` (an unpartitioned table's, local); returns the
/// snapshot id.
pub async fn commit_position_deletes(
    target: &TableTarget,
    data_file: &str,
    positions: &[i64],
) -> i64 {
    commit_position_delete_entries(target, &[(data_file, positions)]).await
}

/// One position delete file (no referenced data file: partition-scoped, as Iceberg before 1.8
/// writes them) deleting `positions` of each data file (an unpartitioned table's, local);
/// returns the snapshot id.
pub async fn commit_position_delete_entries(
    target: &TableTarget,
    entries: &[(&str, &[i64])],
) -> i64 {
    let location = target
        .load()
        .await
        .unwrap()
        .metadata()
        .location()
        .to_string();
    let path = format!("{location}/data/pos-{}.parquet", uuid::Uuid::new_v4());
    let field = |name: &str, t: DataType, id: i32| {
        Field::new(name, t, false).with_metadata(HashMap::from([(
            "PARQUET:field_id".to_string(),
            id.to_string(),
        )]))
    };
    let schema = Arc::new(Schema::new(vec![
        field("file_path", DataType::Utf8, 2147483546),
        field("pos", DataType::Int64, 2147483545),
    ]));
    let mut files: Vec<&str> = vec![];
    let mut all_positions: Vec<i64> = vec![];
    for (data_file, positions) in entries {
        files.extend(std::iter::repeat_n(*data_file, positions.len()));
        all_positions.extend_from_slice(positions);
    }
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(files)),
            Arc::new(Int64Array::from(all_positions.clone())),
        ],
    )
    .unwrap();
    let mut writer = ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        schema,
        Some(WriterProperties::default()),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let delete_file = DataFileBuilder::default()
        .content(DataContentType::PositionDeletes)
        .file_path(path.clone())
        .file_format(DataFileFormat::Parquet)
        .partition(Struct::empty())
        .partition_spec_id(0)
        .record_count(all_positions.len() as u64)
        .file_size_in_bytes(std::fs::metadata(&path).unwrap().len())
        .build()
        .unwrap();
    commit_deletes(target, vec![delete_file]).await
}

/// Delete the rows whose `id` is in `ids` (an unpartitioned table's) with an equality delete
/// file on `id`; returns the snapshot id.
pub async fn commit_equality_deletes(target: &TableTarget, ids: &[i64]) -> i64 {
    let table = target.load().await.unwrap();
    let schema = table.metadata().current_schema().clone();
    let id_field = schema.field_by_name("id").unwrap().id;
    let config = EqualityDeleteWriterConfig::new(vec![id_field], schema.clone()).unwrap();
    let delete_schema = Arc::new(
        iceberg::arrow::arrow_schema_to_schema(config.projected_arrow_schema_ref()).unwrap(),
    );
    let rolling = RollingFileWriterBuilder::new_with_default_file_size(
        ParquetWriterBuilder::new(WriterProperties::default(), delete_schema),
        table.file_io().clone(),
        DefaultLocationGenerator::new(table.metadata()).unwrap(),
        DefaultFileNameGenerator::new("eq-delete".into(), None, DataFileFormat::Parquet),
    );
    let mut writer = EqualityDeleteFileWriterBuilder::new(rolling, config)
        .build(None)
        .await
        .unwrap();
    // A batch in the table's full schema; the writer projects the id column.
    let full = Arc::new(iceberg::arrow::schema_to_arrow_schema(&schema).unwrap());
    let columns = full
        .fields()
        .iter()
        .map(|f| match f.name().as_str() {
            "id" => Arc::new(Int64Array::from(ids.to_vec())) as arrow::array::ArrayRef,
            _ => arrow::array::new_null_array(f.data_type(), ids.len()),
        })
        .collect();
    let batch = RecordBatch::try_new(full, columns).unwrap();
    writer.write(batch).await.unwrap();
    let files = writer.close().await.unwrap();
    assert_eq!(files[0].content_type(), DataContentType::EqualityDeletes);
    commit_deletes(target, files).await
}
