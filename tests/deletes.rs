//! Delete files are honoured by `query`: position deletes (checked against PyIceberg's read of
//! the same snapshot) and equality deletes written through iceberg's own writer.

mod common;

use common::row_deletes::{commit_equality_deletes, commit_position_deletes};
use common::*;
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
        commit_position_deletes(&target, &data_file, &(0..10).collect::<Vec<i64>>()).await
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
        commit_equality_deletes(&target, &(50..60).collect::<Vec<i64>>()).await
    });
    let rows = floe.json(&["query", &location, "--select", "id"]);
    let expected: Vec<i64> = (10..50).chain(60..100).collect();
    assert_eq!(ids(&rows), expected, "equality deletes drop ids 50..60");
    let described = floe.json(&["describe", &location]);
    assert_eq!(described["totals"]["delete_files"], 2);
    assert_eq!(described["totals"]["position_deletes"], 10);
    assert_eq!(described["totals"]["equality_deletes"], 10);
    let plan = floe.json(&["query", &location, "--explain"])["plan"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        plan.contains("reader:iceberg"),
        "files with deletes go through iceberg's reader: {plan}"
    );
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
