//! Delete files are honoured by `query`: position deletes (checked against PyIceberg's read of
//! the same snapshot) and equality deletes written through iceberg's own writer.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use common::*;
use iceberg::spec::{DataContentType, DataFileBuilder, DataFileFormat, Struct};
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
use floe::table::{Session, TableRef};

fn ids(rows: &serde_json::Value) -> Vec<i64> {
    let mut ids: Vec<i64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    ids
}

#[test]
fn position_and_equality_deletes_are_applied() {
    let dir = tempfile::tempdir().unwrap();
    let floe = Floe::new(dir.path());
    let location = dir
        .path()
        .join("wh/db/deleted")
        .to_string_lossy()
        .to_string();
    write_parquet(&dir.path().join("rows.parquet"), &[events_batch(0, 100)]);
    floe.json(&["create", &location, "--like", "rows.parquet"]);
    floe.json(&["ingest", &location, "rows.parquet"]);
    let data_file = floe.json(&["files", &location])["files"][0]["file_path"]
        .as_str()
        .unwrap()
        .to_string();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let session = Session::embedded(&dir.path().join("wh").to_string_lossy());
    let table_ref = TableRef::parse(&location).unwrap();

    // Position deletes: rows 0..10 of the data file, in the spec's delete-file schema.
    let position_snapshot = runtime.block_on(async {
        let target = session.target(&table_ref).await.unwrap();
        let path = format!("{location}/data/pos-deletes.parquet");
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
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec![data_file.as_str(); 10])),
                Arc::new(Int64Array::from((0..10).collect::<Vec<i64>>())),
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
            .record_count(10)
            .file_size_in_bytes(std::fs::metadata(&path).unwrap().len())
            .build()
            .unwrap();
        let request = SnapshotRequest {
            kind: SnapshotKind::RowDelta,
            added: vec![delete_file],
            spec_id: 0,
            schema: None,
            summary: HashMap::new(),
        };
        commit_snapshot(&target, request).await.unwrap().snapshot_id
    });
    let rows = floe.json(&["query", &location, "--select", "id"]);
    assert_eq!(
        ids(&rows),
        (10..100).collect::<Vec<_>>(),
        "position deletes drop rows 0..10"
    );
    let snapshots = floe.json(&["snapshots", &location]);
    assert_eq!(snapshots["snapshots"][1]["operation"], "delete");
    if let Some(python) = python() {
        let metadata = floe.json(&["describe", &location])["metadata_location"]
            .as_str()
            .unwrap()
            .to_string();
        let read = pyiceberg_read(&python, &metadata, None);
        assert_eq!(read["snapshot_id"].as_i64(), Some(position_snapshot));
        assert_eq!(
            ids(&read["rows"]),
            (10..100).collect::<Vec<_>>(),
            "PyIceberg applies the same position deletes"
        );
    }

    // Equality deletes on `id` through iceberg's writer: ids 50..60 go.
    runtime.block_on(async {
        let target = session.target(&table_ref).await.unwrap();
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
        let full = iceberg::arrow::schema_to_arrow_schema(&schema).unwrap();
        let raw = events_batch(50, 10);
        let columns = raw
            .columns()
            .iter()
            .zip(full.fields())
            .map(|(c, f)| arrow::compute::cast(c, f.data_type()).unwrap())
            .collect();
        let batch = RecordBatch::try_new(Arc::new(full), columns).unwrap();
        writer.write(batch).await.unwrap();
        let files = writer.close().await.unwrap();
        assert_eq!(files[0].content_type(), DataContentType::EqualityDeletes);
        let request = SnapshotRequest {
            kind: SnapshotKind::RowDelta,
            added: files,
            spec_id: 0,
            schema: None,
            summary: HashMap::new(),
        };
        commit_snapshot(&target, request).await.unwrap();
    });
    let rows = floe.json(&["query", &location, "--select", "id"]);
    let expected: Vec<i64> = (10..50).chain(60..100).collect();
    assert_eq!(ids(&rows), expected, "equality deletes drop ids 50..60");
    let described = floe.json(&["describe", &location]);
    assert_eq!(described["totals"]["delete_files"], 2);
    assert_eq!(described["totals"]["position_deletes"], 10);
    assert_eq!(described["totals"]["equality_deletes"], 10);
    let count = floe.json(&["query", &location, "--select", "count(*) AS n"]);
    assert_eq!(count, serde_json::json!([{"n": 80}]));
    // Time travel still sees the rows before the deletes.
    let first = floe.json(&["snapshots", &location])["snapshots"][0]["snapshot_id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        ids(&floe.json(&[
            "query",
            &location,
            "--snapshot",
            &first.to_string(),
            "--select",
            "id"
        ]))
        .len(),
        100
    );
}
