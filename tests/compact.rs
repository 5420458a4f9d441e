//! `compact`: rows identical before and after (floe and PyIceberg), time travel intact, files
//! near the target size, deletes applied and their files gone, concurrent appends and row
//! deletes never lost or undone, a killed compaction changing nothing, budgets and refusals.

mod common;

use std::collections::HashSet;

use common::row_deletes::{commit_equality_deletes, commit_position_deletes};
use common::*;
use floe::ops::compact::{self, CompactOptions, GroupResult};
use floe::table::{Session, TableRef};
use serde_json::Value;

struct Lake {
    dir: tempfile::TempDir,
    floe: Floe,
}

impl Lake {
    fn new() -> Lake {
        let dir = tempfile::tempdir().unwrap();
        let floe = Floe::new(dir.path());
        Lake { dir, floe }
    }

    fn table(&self, name: &str) -> String {
        self.dir
            .path()
            .join("wh/db")
            .join(name)
            .to_string_lossy()
            .to_string()
    }

    /// A table of the sample events, `appends` ingests of `rows` rows each (one file each
    /// when unpartitioned).
    fn events(&self, name: &str, partition: Option<&str>, appends: i64, rows: usize) -> String {
        let table = self.table(name);
        write_parquet(&self.dir.path().join("like.parquet"), &[events_batch(0, 1)]);
        let mut args = vec!["create", table.as_str(), "--like", "like.parquet"];
        if let Some(p) = partition {
            args.extend(["--partition-by", p]);
        }
        self.floe.json(&args);
        for k in 0..appends {
            let file = format!("part-{name}-{k}.parquet");
            write_parquet(
                &self.dir.path().join(&file),
                &[events_batch(k * rows as i64, rows)],
            );
            self.floe.json(&["ingest", &table, &file]);
        }
        table
    }

    fn rows(&self, table: &str, extra: &[&str]) -> Value {
        let mut args = vec!["query", table, "--order-by", "id"];
        args.extend(extra);
        self.floe.json(&args)
    }

    /// One row of aggregates over the current state.
    fn aggregate(&self, table: &str, select: &str) -> Value {
        self.floe.json(&["query", table, "--select", select])[0].clone()
    }

    fn files(&self, table: &str) -> Vec<Value> {
        self.floe.json(&["files", table])["files"]
            .as_array()
            .unwrap()
            .clone()
    }

    fn session(&self) -> Session {
        Session::embedded(&self.dir.path().join("wh").to_string_lossy())
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn ids(rows: &Value) -> Vec<i64> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn compaction_keeps_rows_and_history() {
    let lake = Lake::new();
    let table = lake.events("binpack", Some("region"), 8, 50);
    assert_eq!(lake.files(&table).len(), 24, "8 appends x 3 regions");
    let before = lake.rows(&table, &[]);
    let first_snapshot = lake.floe.json(&["describe", &table])["current_snapshot"]["snapshot_id"]
        .as_i64()
        .unwrap();

    let dry = lake.floe.json(&["compact", &table, "--dry-run"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["groups_planned"], 3, "one group per region");
    assert_eq!(dry["files_rewritten"], 24);
    assert_eq!(dry["groups"][0]["expected_output_files"], 1);
    assert_eq!(lake.files(&table).len(), 24, "a dry run writes nothing");

    let report = lake.floe.json(&["compact", &table]);
    assert_eq!(report["groups_committed"], 3);
    assert_eq!(report["files_rewritten"], 24);
    assert_eq!(report["files_written"], 3);
    let snapshot_id = report["snapshot_ids"][0].as_i64().unwrap();
    let files = lake.files(&table);
    assert_eq!(files.len(), 3);
    assert_eq!(
        lake.rows(&table, &[]),
        before,
        "the same rows, values and all"
    );

    let snapshots = lake.floe.json(&["snapshots", &table]);
    let last = snapshots["snapshots"].as_array().unwrap().last().unwrap();
    assert_eq!(last["snapshot_id"], snapshot_id);
    assert_eq!(last["operation"], "replace");
    // Time travel to before the compaction reads the old files, exactly.
    assert_eq!(
        lake.rows(&table, &["--snapshot", &first_snapshot.to_string()]),
        before
    );
    if let Some(python) = python() {
        let read = pyiceberg_read(&python, &table, None);
        assert_eq!(read["snapshot_id"].as_i64(), Some(snapshot_id));
        assert_eq!(read["row_count"], 400);
        let mut got: Vec<i64> = read["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        got.sort();
        assert_eq!(got, ids(&before));
        assert_eq!(read["files"].as_array().unwrap().len(), 3);
    }

    // Nothing left to do: exit 0 and a report that says so.
    let again = lake.floe.json(&["compact", &table]);
    assert_eq!(again["groups_planned"], 0);
    assert!(again["message"]
        .as_str()
        .unwrap()
        .starts_with("nothing to compact"));
}

#[test]
fn files_end_near_the_target_size() {
    let lake = Lake::new();
    let table = lake.events("sized", None, 6, 50_000);
    let target = 256 * 1024;
    let report = lake.floe.json(&[
        "compact",
        &table,
        "--target-file-size",
        "256KiB",
        "--rewrite-all",
    ]);
    assert_eq!(report["groups_committed"], 1);
    let mut sizes: Vec<u64> = lake
        .files(&table)
        .iter()
        .map(|f| f["file_size_bytes"].as_u64().unwrap())
        .collect();
    sizes.sort();
    assert!(sizes.len() >= 4, "{sizes:?}");
    // Files roll at the target, measured on disk; a file ends past it by less than one row
    // group (64 KiB at this target). The smallest file holds the remainder.
    for size in &sizes[1..] {
        assert!(
            *size >= target * 3 / 4 && *size < target + 64 * 1024,
            "{size} vs target {target}: {sizes:?}"
        );
    }
    assert_eq!(lake.aggregate(&table, "count(*) AS n")["n"], 300_000);
}

#[test]
fn sort_strategy_orders_rows_within_files() {
    let lake = Lake::new();
    let table = lake.events("sorted", None, 5, 200);
    let report = lake.floe.json(&[
        "compact",
        &table,
        "--strategy",
        "sort",
        "--sort-by",
        "amount desc",
    ]);
    assert_eq!(report["groups_committed"], 1);
    let files = lake.files(&table);
    assert_eq!(files.len(), 1);
    let path = files[0]["file_path"].as_str().unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(path).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let mut amounts = vec![];
    for batch in reader {
        let batch = batch.unwrap();
        let column = batch.column_by_name("amount").unwrap();
        let values = column
            .as_any()
            .downcast_ref::<arrow::array::Float64Array>()
            .unwrap();
        amounts.extend(values.iter().map(|v| v.unwrap()));
    }
    assert_eq!(amounts.len(), 1000);
    assert!(
        amounts.windows(2).all(|w| w[0] >= w[1]),
        "rows are in descending amount order"
    );

    // A sort with nothing to sort by, and a bucket sort, are refused as usage errors.
    let unsorted = lake.floe.run(&["compact", &table, "--strategy", "sort"]);
    assert_eq!(unsorted.code, 2, "{}", unsorted.stderr);
    assert!(
        unsorted.stderr.contains("needs a sort order"),
        "{}",
        unsorted.stderr
    );
}

#[test]
fn deletes_are_applied_and_their_files_removed() {
    let lake = Lake::new();
    let table = lake.events("deletes", None, 3, 100);
    let session = lake.session();
    let table_ref = TableRef::parse(&table).unwrap();
    let first_file = lake.files(&table)[0]["file_path"]
        .as_str()
        .unwrap()
        .to_string();
    let rt = runtime();
    rt.block_on(async {
        let target = session.target(&table_ref).await.unwrap();
        commit_position_deletes(&target, &first_file, &[0, 1, 2]).await;
        commit_equality_deletes(&target, &[150, 151, 250]).await;
    });
    let before = lake.rows(&table, &[]);
    assert_eq!(before.as_array().unwrap().len(), 294);
    assert_eq!(lake.files(&table).len(), 5, "3 data + 2 delete files");

    let report = lake.floe.json(&["compact", &table]);
    assert_eq!(report["groups_committed"], 1);
    assert_eq!(report["delete_files_removed"], 2);
    let files = lake.files(&table);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0]["content"], "data");
    assert_eq!(
        files[0]["record_count"], 294,
        "deleted rows are gone for good"
    );
    assert_eq!(lake.rows(&table, &[]), before);
    if let Some(python) = python() {
        let read = pyiceberg_read(&python, &table, None);
        assert_eq!(read["row_count"], 294);
    }
}

/// Plan and rewrite, then a concurrent commit, then commit the rewrite.
fn rewrite_then<F: FnOnce(&floe::table::TableTarget) -> futures::future::BoxFuture<'_, ()>>(
    lake: &Lake,
    table: &str,
    between: F,
) -> floe::table::rewrite_commit::RewriteOutcome {
    let session = lake.session();
    let rt = runtime();
    rt.block_on(async {
        let mut options = CompactOptions::new(TableRef::parse(table).unwrap());
        options.rewrite_all = true;
        let plan = compact::plan(&session, options).await.unwrap();
        let mut results = vec![];
        for group in &plan.groups {
            let outcome = compact::rewrite_group(&plan, group, "compact-test")
                .await
                .map_err(|e| e.to_string());
            results.push(GroupResult {
                id: group.report.id,
                outcome,
            });
        }
        between(&plan.target).await;
        compact::commit(&plan, &results, &HashSet::new())
            .await
            .unwrap()
    })
}

#[test]
fn a_position_delete_committed_meanwhile_fails_the_group() {
    let lake = Lake::new();
    let table = lake.events("racing-delete", None, 3, 100);
    let first_file = lake.files(&table)[0]["file_path"]
        .as_str()
        .unwrap()
        .to_string();
    let outcome = rewrite_then(&lake, &table, |target| {
        let file = first_file.clone();
        Box::pin(async move {
            commit_position_deletes(target, &file, &[5, 6]).await;
        })
    });
    assert!(outcome.committed.is_empty());
    assert_eq!(outcome.failed.len(), 1);
    assert!(
        outcome.failed[0].1.contains("added position deletes"),
        "{:?}",
        outcome.failed
    );
    // No resurrection: the deleted rows stay deleted, the old files stay, and the rewrite's
    // own files were cleaned up.
    let rows = lake.rows(&table, &["--select", "id"]);
    assert_eq!(rows.as_array().unwrap().len(), 298);
    assert_eq!(lake.files(&table).len(), 4);
    let leftovers: Vec<_> = data_files(std::path::Path::new(&table))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("compact-test"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn an_equality_delete_committed_meanwhile_still_applies() {
    let lake = Lake::new();
    let table = lake.events("racing-eq", None, 3, 100);
    let outcome = rewrite_then(&lake, &table, |target| {
        Box::pin(async move {
            commit_equality_deletes(target, &[10, 110, 210]).await;
        })
    });
    assert_eq!(outcome.committed.len(), 1, "{:?}", outcome.failed);
    let rows = lake.rows(&table, &["--select", "id"]);
    let got = ids(&rows);
    assert_eq!(got.len(), 297);
    assert!(!got.contains(&10) && !got.contains(&110) && !got.contains(&210));
    // The rewritten file kept the starting snapshot's sequence number (3: three appends), so
    // the equality delete (sequence 4) applies to it.
    let files = lake.files(&table);
    let data: Vec<&Value> = files.iter().filter(|f| f["content"] == "data").collect();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["sequence_number"], 3);
}

#[test]
fn a_file_removed_meanwhile_fails_its_group_only() {
    let lake = Lake::new();
    let table = lake.events("racing-compaction", Some("region"), 3, 30);
    let before = lake.rows(&table, &[]);
    // Another compaction of one partition lands while the rewrite is in flight.
    let outcome = rewrite_then(&lake, &table, |_| {
        let floe = Floe::new(lake.dir.path());
        let table = table.clone();
        Box::pin(async move {
            let other = floe.json(&[
                "compact",
                &table,
                "--where",
                "region = 'eu'",
                "--rewrite-all",
            ]);
            assert_eq!(other["groups_committed"], 1);
        })
    });
    assert_eq!(outcome.committed.len(), 2, "{:?}", outcome.failed);
    assert_eq!(outcome.failed.len(), 1);
    assert!(
        outcome.failed[0].1.contains("was removed by snapshot"),
        "{:?}",
        outcome.failed
    );
    assert_eq!(lake.rows(&table, &[]), before, "no row lost or doubled");
    assert_eq!(lake.files(&table).len(), 3, "one file per region");
    // The failed group's own output was deleted; only committed files remain.
    let on_disk = data_files(std::path::Path::new(&table))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("compact-test"))
        .count();
    assert_eq!(on_disk, 2);
}

#[test]
fn concurrent_appends_are_never_lost() {
    let lake = Lake::new();
    let table = lake.events("busy", Some("region"), 6, 100);
    let appender = {
        let floe = Floe::new(lake.dir.path());
        let dir = lake.dir.path().to_path_buf();
        let table = table.clone();
        std::thread::spawn(move || {
            for k in 0..8i64 {
                let file = dir.join(format!("concurrent-{k}.parquet"));
                write_parquet(&file, &[events_batch(10_000 + k * 10, 10)]);
                floe.json(&["ingest", &table, file.to_str().unwrap()]);
            }
        })
    };
    let mut committed = 0;
    for _ in 0..4 {
        let report = lake
            .floe
            .json(&["compact", &table, "--min-input-files", "2"]);
        committed += report["groups_committed"].as_u64().unwrap();
    }
    appender.join().unwrap();
    assert!(committed > 0);
    let got = ids(&lake.rows(&table, &["--select", "id"]));
    let expected: Vec<i64> = (0..600).chain(10_000..10_080).collect();
    assert_eq!(got, expected, "no row lost, none duplicated");
}

#[test]
fn partial_progress_and_budgets() {
    let lake = Lake::new();
    let table = lake.events("budgets", Some("region"), 5, 30);
    let report = lake.floe.json(&["compact", &table, "--max-commits", "3"]);
    assert_eq!(report["groups_committed"], 3);
    assert_eq!(
        report["snapshot_ids"].as_array().unwrap().len(),
        3,
        "one commit per group"
    );

    let table = lake.events("budgeted", Some("region"), 5, 30);
    let report = lake.floe.json(&["compact", &table, "--max-bytes", "1"]);
    // The first groups to start (one per core) spend the budget; the rest do not start.
    let started = report["groups_committed"].as_u64().unwrap();
    assert!((1..3).contains(&started), "{report}");
    assert_eq!(report["groups_skipped"].as_u64().unwrap(), 3 - started);
    assert_eq!(lake.aggregate(&table, "count(*) AS n")["n"], 150);
}

#[test]
fn older_spec_files_move_to_the_current_spec() {
    let lake = Lake::new();
    let table = lake.events("respec", None, 2, 60);
    lake.floe
        .json(&["partition", "evolve", &table, "--add", "region"]);
    let before = lake.rows(&table, &[]);
    let report = lake.floe.json(&["compact", &table]);
    let reasons = report["groups"][0]["reasons"].as_array().unwrap();
    assert!(
        reasons.contains(&serde_json::json!("older spec")),
        "{reasons:?}"
    );
    let files = lake.files(&table);
    assert_eq!(files.len(), 3, "one file per region");
    assert!(files.iter().all(|f| f["partition_spec_id"] == 1));
    assert_eq!(lake.rows(&table, &[]), before);
    let pruned = lake.floe.json(&[
        "query",
        &table,
        "--where",
        "region = 'eu'",
        "--select",
        "count(*) AS n",
    ]);
    assert_eq!(pruned[0]["n"], 40);
}

#[test]
fn refusals_and_empty_tables() {
    let lake = Lake::new();
    let table = lake.events("plain", Some("region"), 2, 10);
    let bad = lake.floe.run(&["compact", &table, "--where", "amount > 3"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("not a partition source column"),
        "{}",
        bad.stderr
    );
    let scoped = lake.floe.json(&[
        "compact",
        &table,
        "--where",
        "region = 'eu'",
        "--min-input-files",
        "2",
    ]);
    assert_eq!(scoped["groups_planned"], 1);
    assert_eq!(scoped["groups"][0]["partition"], "region=eu");

    let empty = lake.events("empty", None, 0, 0);
    let report = lake.floe.json(&["compact", &empty]);
    assert_eq!(report["groups_planned"], 0);
    assert!(report["message"].as_str().unwrap().contains("no snapshots"));
}

/// A compaction killed while writing leaves the table as it was.
#[test]
fn a_killed_compaction_changes_nothing() {
    let lake = Lake::new();
    let table = lake.events("killed", None, 4, 150_000);
    let before_meta = lake.floe.json(&["describe", &table])["metadata_location"].clone();
    let before = lake.aggregate(&table, "count(*) AS n, sum(id) AS s");
    let mut child = lake
        .floe
        .command(&[
            "compact",
            &table,
            "--rewrite-all",
            "--target-file-size",
            "1MiB",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let data = std::path::Path::new(&table).join("data");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut saw_output = false;
    while std::time::Instant::now() < deadline {
        let writing = std::fs::read_dir(&data)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("compact-"));
        if writing {
            saw_output = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().ok();
    child.wait().unwrap();
    assert!(
        saw_output,
        "the compaction was killed while writing its files"
    );
    assert_eq!(
        lake.floe.json(&["describe", &table])["metadata_location"],
        before_meta,
        "no commit landed"
    );
    assert_eq!(
        lake.aggregate(&table, "count(*) AS n, sum(id) AS s"),
        before
    );
}

#[test]
fn rewrite_manifests_merges_and_keeps_entries() {
    let lake = Lake::new();
    let table = lake.events("manifests", Some("region"), 6, 30);
    let manifests = |lake: &Lake| {
        lake.floe.json(&["manifests", &table])["manifests"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(manifests(&lake), 6, "one manifest per append");
    let files_before = lake.files(&table);
    let before = lake.rows(&table, &[]);

    let report = lake.floe.json(&["rewrite-manifests", &table]);
    assert_eq!(report["manifests_before"], 6);
    assert_eq!(report["manifests_after"], 1);
    assert_eq!(report["entries"], 18);
    assert_eq!(manifests(&lake), 1);
    // Same files with the same sequence numbers, same rows.
    assert_eq!(lake.files(&table), files_before);
    assert_eq!(lake.rows(&table, &[]), before);
    let snapshots = lake.floe.json(&["snapshots", &table]);
    let last = snapshots["snapshots"].as_array().unwrap().last().unwrap();
    assert_eq!(last["operation"], "replace");
    assert_eq!(last["snapshot_id"], report["snapshot_id"]);
    if let Some(python) = python() {
        let read = pyiceberg_read(&python, &table, None);
        assert_eq!(read["row_count"], 180);
    }

    let again = lake.floe.json(&["rewrite-manifests", &table]);
    assert!(again["snapshot_id"].is_null());
    assert!(again["message"]
        .as_str()
        .unwrap()
        .starts_with("nothing to rewrite"));

    // After a compaction the old manifests hold only removals; the next commit drops them.
    lake.floe.json(&["compact", &table, "--rewrite-all"]);
    let file = lake.dir.path().join("one-more.parquet");
    write_parquet(&file, &[events_batch(5000, 3)]);
    lake.floe.json(&["ingest", &table, file.to_str().unwrap()]);
    let listed = lake.floe.json(&["manifests", &table]);
    assert!(
        listed["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .all(
                |m| m["added_files"].as_u64().unwrap() + m["existing_files"].as_u64().unwrap() > 0
            ),
        "{listed}"
    );
}

/// Rows of two independent columns in a scrambled order: `x` over 0..1,000,000 and `y` over
/// 0..1,000 (a thousand times narrower, which a fixed-width Z-order key would let `x` drown).
fn grid_batch(start: u64, rows: usize) -> arrow::array::RecordBatch {
    use arrow::array::Int64Array;
    use arrow::datatypes::{DataType, Field, Schema};
    // A fixed LCG: the same rows every run, with no relation between x, y and row order.
    let mut state = 0x2545_f491_4f6c_dd1d_u64.wrapping_add(start);
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    let (mut x, mut y) = (vec![], vec![]);
    for _ in 0..rows {
        x.push((next() % 1_000_000) as i64);
        y.push((next() % 1_000) as i64);
    }
    let schema = std::sync::Arc::new(Schema::new(vec![
        Field::new("x", DataType::Int64, false),
        Field::new("y", DataType::Int64, false),
    ]));
    arrow::array::RecordBatch::try_new(
        schema,
        vec![
            std::sync::Arc::new(Int64Array::from(x)),
            std::sync::Arc::new(Int64Array::from(y)),
        ],
    )
    .unwrap()
}

/// Per live data file, the (min, max) of `column` from its Parquet footer statistics.
fn footer_ranges(lake: &Lake, table: &str, column: &str) -> Vec<(i64, i64)> {
    use parquet::file::reader::FileReader;
    use parquet::file::statistics::Statistics;
    lake.files(table)
        .iter()
        .map(|f| {
            let path = f["file_path"].as_str().unwrap();
            let reader = parquet::file::serialized_reader::SerializedFileReader::new(
                std::fs::File::open(path).unwrap(),
            )
            .unwrap();
            let meta = reader.metadata();
            let index = meta
                .file_metadata()
                .schema_descr()
                .columns()
                .iter()
                .position(|c| c.name() == column)
                .unwrap();
            let (mut lo, mut hi) = (i64::MAX, i64::MIN);
            for group in meta.row_groups() {
                let Some(Statistics::Int64(s)) = group.column(index).statistics() else {
                    panic!("{path}: no int64 statistics for {column}");
                };
                lo = lo.min(*s.min_opt().unwrap());
                hi = hi.max(*s.max_opt().unwrap());
            }
            (lo, hi)
        })
        .collect()
}

/// How many files a filter `lo <= column <= hi` cannot skip by their min/max.
fn files_matching(lake: &Lake, table: &str, column: &str, lo: i64, hi: i64) -> usize {
    footer_ranges(lake, table, column)
        .iter()
        .filter(|(min, max)| *max >= lo && *min <= hi)
        .count()
}

/// A narrow filter on each column (1% of its range, in the middle) as (column, lo, hi).
const GRID_FILTERS: [(&str, i64, i64); 2] = [("x", 500_000, 509_999), ("y", 500, 509)];

fn grid_table(lake: &Lake, name: &str) -> String {
    let table = lake.table(name);
    let like = lake.dir.path().join("grid-like.parquet");
    write_parquet(&like, &[grid_batch(0, 10)]);
    lake.floe
        .json(&["create", &table, "--like", like.to_str().unwrap()]);
    for k in 0..4u64 {
        let file = lake.dir.path().join(format!("grid-{name}-{k}.parquet"));
        write_parquet(&file, &[grid_batch(k * 7_919, 50_000)]);
        lake.floe.json(&["ingest", &table, file.to_str().unwrap()]);
    }
    table
}

#[test]
fn zorder_clusters_rows_on_every_column() {
    let lake = Lake::new();
    let zordered = grid_table(&lake, "zordered");
    let sorted = grid_table(&lake, "sorted");
    let totals = "count(*) AS n, sum(x) AS sx, sum(y) AS sy";
    let before = lake.aggregate(&zordered, totals);
    assert_eq!(before["n"], 200_000);
    assert_eq!(before, lake.aggregate(&sorted, totals), "the same data");

    let compact = |table: &str, how: &[&str]| {
        let mut args = vec![
            "compact",
            table,
            "--rewrite-all",
            "--target-file-size",
            "16KiB",
        ];
        args.extend(how);
        lake.floe.json(&args)
    };
    // One random file before: every file's range spans (nearly) the whole of both columns.
    for (column, lo, hi) in GRID_FILTERS {
        assert_eq!(files_matching(&lake, &zordered, column, lo, hi), 4);
    }
    let report = compact(&zordered, &["--strategy", "zorder", "--zorder-by", "x, y"]);
    assert_eq!(report["strategy"], "zorder");
    assert_eq!(report["zorder_by"], serde_json::json!(["x", "y"]));
    assert_eq!(report["groups_committed"], 1);
    assert_eq!(report["files_rewritten"], 4);
    let written = report["files_written"].as_u64().unwrap() as usize;
    let sorted_report = compact(&sorted, &["--strategy", "sort", "--sort-by", "x"]);
    assert_eq!(sorted_report["zorder_by"], Value::Null);

    assert_eq!(lake.aggregate(&zordered, totals), before, "the same rows");
    assert_eq!(lake.files(&zordered).len(), written);
    // Files roll between batches of 8192 rows: about one per batch at this target.
    assert!(
        (16..=25).contains(&written),
        "a small target splits the group into many files: {written}"
    );
    let n_sorted = lake.files(&sorted).len();

    let zx = files_matching(&lake, &zordered, "x", 500_000, 509_999);
    let zy = files_matching(&lake, &zordered, "y", 500, 509);
    let sx = files_matching(&lake, &sorted, "x", 500_000, 509_999);
    let sy = files_matching(&lake, &sorted, "y", 500, 509);
    eprintln!(
        "files matching of {written} (zorder) / {n_sorted} (sort): x {zx} / {sx}, y {zy} / {sy}"
    );
    // A slice across one column of a Z-ordered grid meets about sqrt(files) of them; a linear
    // sort meets one file for its own column and every file for the other.
    assert!(zx * 2 < written, "x: {zx} of {written} files");
    assert!(zy * 2 < written, "y: {zy} of {written} files");
    assert!(sx <= 2, "sorted on x: {sx}");
    assert_eq!(sy, n_sorted, "sorting on x leaves y in every file");
    assert!(
        zy * 2 < sy,
        "zorder prunes y far better than a sort on x: {zy} vs {sy}"
    );

    if let Some(python) = python() {
        let filters: Vec<String> = GRID_FILTERS
            .iter()
            .map(|(c, lo, hi)| format!("{c} >= {lo} AND {c} <= {hi}"))
            .collect();
        let mut args = vec!["--metadata", zordered.as_str()];
        args.extend(filters.iter().map(String::as_str));
        let planned = py_script_json(&python, "plan_files.py", &args, &[]);
        assert_eq!(planned["files"], written);
        assert_eq!(
            planned["kept"][&filters[0]], zx,
            "PyIceberg prunes as the footers say"
        );
        assert_eq!(planned["kept"][&filters[1]], zy);
    }
}

#[test]
fn zorder_refusals_leave_the_table_unchanged() {
    let lake = Lake::new();
    let table = lake.events("zrefuse", None, 3, 50);
    // Three columns of different types, nulls among them: the same rows after.
    let totals = "count(*) AS n, sum(id) AS s, count(region) AS r, sum(amount) AS a";
    let before = lake.aggregate(&table, totals);
    let report = lake.floe.json(&[
        "compact",
        &table,
        "--rewrite-all",
        "--strategy",
        "zorder",
        "--zorder-by",
        "region,ts",
        "--zorder-by",
        "amount",
    ]);
    assert_eq!(
        report["zorder_by"],
        serde_json::json!(["region", "ts", "amount"])
    );
    assert_eq!(report["files_rewritten"], 3);
    assert_eq!(lake.aggregate(&table, totals), before);

    // A uuid column, added after the rows were written, to be refused by name.
    lake.floe
        .json(&["schema", "evolve", &table, "--add", "token:uuid"]);
    let snapshot =
        || lake.floe.json(&["describe", &table])["current_snapshot"]["snapshot_id"].clone();
    let start = snapshot();
    let cases: [(&[&str], &str); 7] = [
        (
            &["--zorder-by", "id,qty"],
            "--zorder-by needs --strategy zorder",
        ),
        (
            &["--strategy", "zorder"],
            "--strategy zorder needs --zorder-by",
        ),
        (
            &["--strategy", "zorder", "--zorder-by", "id"],
            "--strategy sort --sort-by id",
        ),
        (
            &["--strategy", "zorder", "--zorder-by", "id,nope"],
            "'nope': no such column",
        ),
        (
            &[
                "--strategy",
                "zorder",
                "--zorder-by",
                "id",
                "--zorder-by",
                "token",
            ],
            "'token': a uuid column",
        ),
        (
            &["--strategy", "zorder", "--zorder-by", "id,,qty"],
            "an empty column name",
        ),
        (
            &["--strategy", "zorder", "--zorder-by", "qty,id,qty"],
            "names 'qty' twice",
        ),
    ];
    for (extra, message) in cases {
        let mut args = vec!["compact", table.as_str(), "--rewrite-all"];
        args.extend(extra);
        let run = lake.floe.run(&args);
        assert_eq!(run.code, 2, "{extra:?}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{extra:?}: {}", run.stderr);
    }
    assert_eq!(snapshot(), start, "nothing committed");
}

/// `--where` picks the files to rewrite; every live row of a picked file is rewritten, not
/// only the rows the predicate matches (the old files leave whole).
#[test]
fn where_selects_files_and_every_row_of_them_is_kept() {
    let lake = Lake::new();
    let cases: [(&str, Option<&str>, Option<&str>, &str, &[&str]); 3] = [
        // Unpartitioned, then partitioned by qty: the old files are of the older spec.
        ("respec-qty", None, Some("qty"), "qty = 7", &[]),
        (
            "bucketed",
            Some("bucket(4, id)"),
            None,
            "id = 5",
            &["--rewrite-all"],
        ),
        (
            "daily",
            Some("day(ts)"),
            None,
            "ts >= '2024-01-03T12:00:00Z'",
            &["--rewrite-all"],
        ),
    ];
    for (name, partition, evolve, filter, extra) in cases {
        let table = lake.events(name, partition, 4, 50);
        if let Some(field) = evolve {
            lake.floe
                .json(&["partition", "evolve", &table, "--add", field]);
        }
        let before = lake.rows(&table, &[]);
        assert_eq!(before.as_array().unwrap().len(), 200);
        let mut args = vec!["compact", table.as_str(), "--where", filter];
        args.extend(extra);
        let report = lake.floe.json(&args);
        assert!(
            report["groups_committed"].as_u64().unwrap() >= 1,
            "{name}: {report}"
        );
        assert_eq!(report["groups_failed"], 0, "{name}: {report}");
        assert_eq!(lake.rows(&table, &[]), before, "{name}: every row kept");
        // And for good: the replaced files leave with the old snapshots.
        lake.floe
            .json(&["expire", &table, "--older-than", "0s", "--retain-last", "1"]);
        assert_eq!(lake.rows(&table, &[]), before, "{name}: after expiry");
    }
}

/// Groups that fail fail the command: exit 1 when any failed for a reason other than a lost
/// race (the report still on stdout, the committed groups kept), and maintain's step says so.
#[test]
fn failed_groups_fail_compact_and_maintain() {
    let lake = Lake::new();
    let table = lake.events("broken", Some("region"), 6, 30);
    // One partition's files cannot be read any more.
    let eu: Vec<String> = lake
        .files(&table)
        .iter()
        .filter(|f| f["partition"].to_string().contains("eu"))
        .map(|f| f["file_path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(eu.len(), 6);
    for path in &eu {
        let len = std::fs::metadata(path).unwrap().len() as usize;
        std::fs::write(path, vec![b'x'; len]).unwrap();
    }
    let run = lake
        .floe
        .run(&["compact", &table, "--rewrite-all", "-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["groups_planned"], 3, "{report}");
    assert_eq!(report["groups_committed"], 2, "{report}");
    assert_eq!(report["groups_failed"], 1, "{report}");
    let failed: Vec<&Value> = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["status"] == "failed")
        .collect();
    assert_eq!(failed[0]["failure_kind"], "error", "{report}");
    assert_eq!(failed[0]["partition"], "region=eu");
    assert_eq!(
        run.json_error()["error"]["kind"],
        "failed",
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("1 of 3 compaction group(s) failed"),
        "{}",
        run.stderr
    );
    // The other two partitions were compacted: one file each.
    let files = lake.files(&table);
    assert_eq!(files.len(), 6 + 2, "{files:?}");

    // maintain's compaction (at least 5 files per partition) takes only the broken one.

    let run = lake.floe.run(&["maintain", &table, "-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let step = report["tables"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "compact")
        .unwrap()
        .clone();
    assert_eq!(step["status"], "failed", "{step}");
    assert_eq!(step["error_kind"], "failed", "{step}");
    assert_eq!(report["tables"][0]["outcome"], "failed");
}

/// (id, _row_id, _last_updated_sequence_number) of every row of a v3 table, by id.
fn lineage(lake: &Lake, table: &str) -> Vec<(i64, i64, i64)> {
    lake.rows(
        table,
        &["--select", "id, _row_id, _last_updated_sequence_number"],
    )
    .as_array()
    .unwrap()
    .iter()
    .map(|r| {
        (
            r["id"].as_i64().unwrap(),
            r["_row_id"].as_i64().unwrap(),
            r["_last_updated_sequence_number"].as_i64().unwrap(),
        )
    })
    .collect()
}

#[test]
fn a_v3_compaction_keeps_every_rows_lineage_and_drops_the_rewritten_files_deletion_vectors() {
    let lake = Lake::new();
    let table = lake.events("v3-lineage", Some("region"), 3, 200);
    lake.floe
        .json(&["properties", &table, "--set", "format-version=3"]);
    // One more append after the upgrade gives every row an id; then DVs on every file.
    let file = "part-v3-lineage-3.parquet";
    write_parquet(&lake.dir.path().join(file), &[events_batch(600, 200)]);
    lake.floe.json(&["ingest", &table, file]);
    lake.floe.json(&[
        "delete",
        &table,
        "--where",
        "id % 9 = 0",
        "--mode",
        "merge-on-read",
    ]);
    let before = lineage(&lake, &table);
    assert_eq!(before.len(), 800 - 89);
    let ids: HashSet<i64> = before.iter().map(|r| r.1).collect();
    assert_eq!(ids.len(), before.len(), "every row has its own id");
    assert!(lake
        .files(&table)
        .iter()
        .any(|f| f["file_format"] == "puffin"));

    let report = lake.floe.json(&["compact", &table, "--rewrite-all"]);
    assert_eq!(report["groups_failed"], 0, "{report}");
    assert_eq!(
        lineage(&lake, &table),
        before,
        "same rows, same ids and sequence numbers"
    );
    let files = lake.files(&table);
    assert!(
        files.iter().all(|f| f["content"] == "data"),
        "the rewritten files' DVs left with them: {files:?}"
    );
    let verified = lake.floe.json(&["verify", &table, "--deep"]);
    assert_eq!(verified["ok"], true, "{verified}");
    // The rows are in the files now: a later append gets ids after every old one.
    let file = "part-v3-lineage-4.parquet";
    write_parquet(&lake.dir.path().join(file), &[events_batch(800, 10)]);
    lake.floe.json(&["ingest", &table, file]);
    let after = lineage(&lake, &table);
    let old_max = before.iter().map(|r| r.1).max().unwrap();
    assert!(after.iter().filter(|r| r.0 >= 800).all(|r| r.1 > old_max));
}

#[test]
fn a_deletion_vector_committed_meanwhile_fails_the_v3_group() {
    let lake = Lake::new();
    let table = lake.events("v3-racing-dv", None, 3, 100);
    lake.floe
        .json(&["properties", &table, "--set", "format-version=3"]);
    let before = lake
        .rows(&table, &["--select", "id"])
        .as_array()
        .unwrap()
        .len();
    let floe = Floe::new(lake.dir.path());
    let t = table.clone();
    let outcome = rewrite_then(&lake, &table, move |_| {
        Box::pin(async move {
            let run = floe.run(&[
                "delete",
                &t,
                "--where",
                "id IN (5, 150)",
                "--mode",
                "merge-on-read",
            ]);
            assert_eq!(run.code, 0, "{}", run.stderr);
        })
    });
    assert!(outcome.committed.is_empty(), "{outcome:?}");
    assert!(
        outcome
            .failed
            .iter()
            .all(|(_, why)| why.contains("added position deletes")),
        "{:?}",
        outcome.failed
    );
    // The deleted rows stay deleted: nothing resurrected.
    let rows = lake.rows(&table, &["--select", "id"]);
    assert_eq!(rows.as_array().unwrap().len(), before - 2);
}

/// A group that loses to a concurrent commit is planned again at once, its surviving files
/// regrouped, and commits; the run succeeds with every row in place.
#[test]
fn a_group_that_lost_to_a_concurrent_commit_is_planned_again_and_commits() {
    let lake = Lake::new();
    let table = lake.events("replanned", None, 4, 100);
    let session = lake.session();
    let rt = runtime();
    let floe = Floe::new(lake.dir.path());
    let report = rt.block_on(async {
        let mut options = CompactOptions::new(TableRef::parse(&table).unwrap());
        options.rewrite_all = true;
        let mut plan = compact::plan(&session, options.clone()).await.unwrap();
        assert_eq!(plan.groups.len(), 1);
        // Meanwhile another writer removes one input file whole and deletes rows in another.
        let run = floe.run(&["delete", &table, "--where", "id < 100 OR id = 150"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let first = compact::run(&mut plan).await.unwrap();
        assert_eq!(first.groups_failed, 1, "the stale group loses: {first:?}");
        compact::retry_lost(&session, &options, &plan, first)
            .await
            .unwrap()
    });
    assert_eq!(report.replans, 1, "{report:?}");
    assert_eq!(report.groups_failed, 0, "{report:?}");
    assert_eq!(report.groups_committed, 1, "{report:?}");
    let superseded = &report.groups[0];
    assert!(
        superseded
            .failure
            .as_deref()
            .is_some_and(|f| f.contains("planned again as group(s) 2")),
        "{superseded:?}"
    );
    assert!(report.failure().is_none());
    let ids: Vec<i64> = lake
        .rows(&table, &["--select", "id"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    let expected: Vec<i64> = (100..400).filter(|i| *i != 150).collect();
    assert_eq!(ids, expected);
    let files = lake.files(&table);
    assert_eq!(
        files.len(),
        1,
        "the surviving three files became one: {files:?}"
    );
}
