//! `expire`, `remove-orphans` and refs: every file a retained snapshot reaches still exists and
//! reads after each cleanup; tags and branches protect theirs; a path removed then re-added
//! survives; concurrent appends lose nothing; planted orphans go, fresh files stay.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::*;

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

    /// A table with `appends` appends of 10 rows each (ids 0..10*appends).
    fn table(&self, name: &str, appends: i64) -> String {
        let table = self
            .dir
            .path()
            .join("wh/db")
            .join(name)
            .to_string_lossy()
            .to_string();
        let first = self.input(0);
        self.floe.json(&["create", &table, "--like", &first]);
        for k in 0..appends {
            self.append(&table, k * 10);
        }
        table
    }

    fn input(&self, start: i64) -> String {
        let path = self.dir.path().join(format!("in-{start}.parquet"));
        write_parquet(&path, &[events_batch(start, 10)]);
        path.to_string_lossy().to_string()
    }

    fn append(&self, table: &str, start: i64) -> i64 {
        let input = self.input(start);
        self.floe.json(&["ingest", table, &input])["snapshot_id"]
            .as_i64()
            .unwrap()
    }

    fn snapshot_ids(&self, table: &str) -> Vec<i64> {
        self.floe.json(&["snapshots", table])["snapshots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["snapshot_id"].as_i64().unwrap())
            .collect()
    }

    fn count(&self, table: &str, extra: &[&str]) -> i64 {
        let mut args = vec!["query", table, "--select", "count(*) AS n"];
        args.extend(extra);
        self.floe.json(&args)[0]["n"].as_i64().unwrap()
    }

    /// Every retained snapshot reads, and every file it lists exists; returns row counts per
    /// snapshot.
    fn assert_retained_intact(&self, table: &str) -> HashMap<i64, i64> {
        let mut counts = HashMap::new();
        for id in self.snapshot_ids(table) {
            let id_text = id.to_string();
            let files = self.floe.json(&["files", table, "--snapshot", &id_text]);
            for f in files["files"].as_array().unwrap() {
                let path = f["file_path"].as_str().unwrap();
                assert!(Path::new(path).exists(), "snapshot {id} lost {path}");
            }
            counts.insert(id, self.count(table, &["--snapshot", &id_text]));
        }
        counts
    }
}

fn files_on_disk(table: &str) -> Vec<String> {
    let mut out = vec![];
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path.to_string_lossy().to_string());
            }
        }
    }
    walk(Path::new(table), &mut out);
    out.sort();
    out
}

#[test]
fn expire_by_id_count_and_age() {
    let lake = Lake::new();
    let table = lake.table("expiring", 6);
    let ids = lake.snapshot_ids(&table);
    let before = lake.assert_retained_intact(&table);

    // A dry run changes nothing.
    let disk = files_on_disk(&table);
    let dry = lake.floe.json(&[
        "expire",
        &table,
        "--older-than",
        "0s",
        "--retain-last",
        "2",
        "--dry-run",
    ]);
    assert_eq!(dry["expired_snapshot_ids"].as_array().unwrap().len(), 4);
    assert_eq!(files_on_disk(&table), disk);
    assert_eq!(lake.snapshot_ids(&table), ids);

    // By id alone: only that snapshot.
    let one = lake
        .floe
        .json(&["expire", &table, "--snapshot", &ids[0].to_string()]);
    assert_eq!(one["expired_snapshot_ids"], serde_json::json!([ids[0]]));
    assert_eq!(lake.snapshot_ids(&table), ids[1..].to_vec());
    // Its manifest list goes; its data file is still reached by later snapshots.
    assert_eq!(one["files_total"], 1);
    assert_eq!(one["files"][0]["kind"], "manifest_list");

    // By count.
    let by_count = lake
        .floe
        .json(&["expire", &table, "--older-than", "0s", "--retain-last", "3"]);
    assert_eq!(by_count["snapshots_left"], 3);
    let after = lake.assert_retained_intact(&table);
    for (id, n) in &after {
        assert_eq!(before[id], *n, "snapshot {id} reads as before");
    }

    // By age: a cutoff before every snapshot expires nothing; the default age (5 days) neither.
    let none = lake
        .floe
        .json(&["expire", &table, "--older-than", "2000-01-01T00:00:00Z"]);
    assert_eq!(none["expired_snapshot_ids"], serde_json::json!([]));
    let default = lake.floe.json(&["expire", &table]);
    assert_eq!(default["expired_snapshot_ids"], serde_json::json!([]));
    assert_eq!(lake.count(&table, &[]), 60);
    if let Some(python) = python() {
        for id in lake.snapshot_ids(&table) {
            let metadata = lake.floe.json(&["describe", &table])["metadata_location"]
                .as_str()
                .unwrap()
                .to_string();
            let read = pyiceberg_read_snapshot(&python, &metadata, id);
            assert_eq!(read["row_count"].as_i64(), Some(after[&id]));
        }
    }
}

#[test]
fn overwritten_files_go_once_no_snapshot_reads_them() {
    let lake = Lake::new();
    let table = lake.table("overwritten", 3);
    let old_files: Vec<String> = lake.floe.json(&["files", &table])["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_path"].as_str().unwrap().to_string())
        .collect();
    let input = lake.input(500);
    lake.floe
        .json(&["ingest", &table, &input, "--mode", "overwrite"]);
    let report = lake
        .floe
        .json(&["expire", &table, "--older-than", "0s", "--retain-last", "1"]);
    assert_eq!(report["snapshots_left"], 1);
    let data = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "data")
        .unwrap();
    assert_eq!(data["files"], 3);
    for path in &old_files {
        assert!(!Path::new(path).exists(), "{path} should be gone");
    }
    assert_eq!(lake.count(&table, &[]), 10);
    lake.assert_retained_intact(&table);
}

#[test]
fn tags_and_branches_protect_their_snapshots() {
    let lake = Lake::new();
    let table = lake.table("refs", 3);
    let ids = lake.snapshot_ids(&table);
    lake.floe.json(&[
        "tag",
        "create",
        &table,
        "audit",
        "--snapshot",
        &ids[0].to_string(),
    ]);
    lake.floe.json(&["branch", "create", &table, "dev"]);
    let dev_head = lake.append_to_branch(&table, "dev", 900);
    lake.append(&table, 1000);
    // main moves on; expire everything it can.
    let report = lake
        .floe
        .json(&["expire", &table, "--older-than", "0s", "--retain-last", "1"]);
    let left = lake.snapshot_ids(&table);
    assert!(left.contains(&ids[0]), "the tag keeps its snapshot");
    assert!(left.contains(&dev_head), "the branch keeps its head");
    assert!(report["expired_snapshot_ids"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(ids[1])));
    lake.assert_retained_intact(&table);
    assert_eq!(lake.count(&table, &["--ref", "audit"]), 10);
    assert_eq!(lake.count(&table, &["--ref", "dev"]), 40);
    assert_eq!(lake.count(&table, &[]), 40);

    // Rollback then expire: the rolled-back snapshot goes, main's rows are the old ones.
    lake.append(&table, 2000);
    lake.append(&table, 3000);
    let head = lake.snapshot_ids(&table);
    let main_now = lake.floe.json(&["describe", &table])["current_snapshot"]["snapshot_id"]
        .as_i64()
        .unwrap();
    let parent = lake.floe.json(&["snapshot", &table, &main_now.to_string()])["parent_snapshot_id"]
        .as_i64()
        .unwrap();
    lake.floe
        .json(&["rollback", &table, "--to-snapshot", &parent.to_string()]);
    assert_eq!(lake.count(&table, &[]), 50);
    let refused = lake
        .floe
        .run(&["rollback", &table, "--to-snapshot", &dev_head.to_string()]);
    assert_eq!(refused.code, 1, "dev's head is not an ancestor of main");
    lake.floe
        .json(&["expire", &table, "--older-than", "0s", "--retain-last", "1"]);
    assert!(!lake.snapshot_ids(&table).contains(&main_now));
    assert!(head.contains(&main_now));
    lake.assert_retained_intact(&table);
    assert_eq!(lake.count(&table, &["--ref", "dev"]), 40);

    // main and dev have diverged: no fast-forward; a fresh branch from main can be.
    let diverged = lake
        .floe
        .run(&["branch", "fast-forward", &table, "main", "--to", "dev"]);
    assert_eq!(diverged.code, 1, "{}", diverged.stderr);
    lake.floe.json(&["branch", "create", &table, "next"]);
    lake.append_to_branch(&table, "next", 4000);
    lake.floe
        .json(&["branch", "fast-forward", &table, "main", "--to", "next"]);
    assert_eq!(lake.count(&table, &[]), 60);
    let tags = lake.floe.json(&["tag", "list", &table]);
    assert_eq!(tags["refs"].as_array().unwrap().len(), 1);
    lake.floe.json(&["tag", "drop", &table, "audit"]);
    let dropped = lake.floe.run(&["branch", "drop", &table, "main"]);
    assert_eq!(dropped.code, 1);
}

impl Lake {
    fn append_to_branch(&self, table: &str, branch: &str, start: i64) -> i64 {
        let input = self.input(start);
        self.floe
            .json(&["ingest", table, &input, "--branch", branch])["snapshot_id"]
            .as_i64()
            .unwrap()
    }
}

#[test]
fn a_path_removed_then_added_again_survives() {
    let lake = Lake::new();
    let table = lake.table("readded", 1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let session = floe::table::Session::embedded(&lake.dir.path().join("wh").to_string_lossy());
    let table_ref = floe::table::TableRef::parse(&table).unwrap();
    let path = rt.block_on(async {
        let target = session.target(&table_ref).await.unwrap();
        let loaded = target.load().await.unwrap();
        let snapshot = loaded.metadata().current_snapshot().unwrap().clone();
        let list = loaded.manifest_list_reader(&snapshot).load().await.unwrap();
        let manifest = list.entries()[0]
            .load_manifest(loaded.file_io())
            .await
            .unwrap();
        let file = manifest.entries()[0].data_file().clone();
        let path = file.file_path().to_string();
        // Overwrite (the file leaves), then add the very same file back.
        let input = lake.input(100);
        lake.floe
            .json(&["ingest", &table, &input, "--mode", "overwrite"]);
        let request = floe::table::snapshot_commit::SnapshotRequest {
            kind: floe::table::snapshot_commit::SnapshotKind::Append,
            added: vec![file],
            spec_id: 0,
            schema: None,
            summary: HashMap::new(),
            branch: "main".to_string(),
            start: None,
            ledger: None,
        };
        floe::table::snapshot_commit::commit_snapshot(&target, request)
            .await
            .unwrap();
        path
    });
    lake.floe
        .json(&["expire", &table, "--older-than", "0s", "--retain-last", "1"]);
    assert!(Path::new(&path).exists(), "the re-added file is live again");
    assert_eq!(lake.count(&table, &[]), 20);
    lake.assert_retained_intact(&table);
}

#[test]
fn expiry_beside_a_concurrent_appender() {
    let lake = Lake::new();
    let table = lake.table("busy", 4);
    let appender = {
        let floe = lake.floe.clone();
        let dir = lake.dir.path().to_path_buf();
        let table = table.clone();
        std::thread::spawn(move || {
            for k in 0..10i64 {
                let path = dir.join(format!("busy-{k}.parquet"));
                write_parquet(&path, &[events_batch(1000 + k * 10, 10)]);
                floe.json(&["ingest", &table, path.to_str().unwrap()]);
            }
        })
    };
    for _ in 0..5 {
        let run = lake
            .floe
            .run(&["expire", &table, "--older-than", "0s", "--retain-last", "2"]);
        // A lost race is reported as a conflict, never as a half-done cleanup.
        assert!(
            run.code == 0 || run.stderr.contains("conflict"),
            "{}",
            run.stderr
        );
    }
    appender.join().unwrap();
    lake.floe
        .json(&["expire", &table, "--older-than", "0s", "--retain-last", "2"]);
    assert_eq!(lake.count(&table, &[]), 140);
    lake.assert_retained_intact(&table);
}

#[test]
fn expiry_is_refused_when_gc_is_off() {
    let lake = Lake::new();
    let table = lake.table("no-gc", 2);
    lake.floe
        .json(&["properties", &table, "--set", "gc.enabled=false"]);
    let run = lake.floe.run(&["expire", &table, "--older-than", "0s"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("gc.enabled is false"), "{}", run.stderr);
    assert_eq!(lake.snapshot_ids(&table).len(), 2);
}

#[test]
fn orphans_old_go_fresh_stay() {
    let lake = Lake::new();
    let table = lake.table("orphans", 3);
    let data = Path::new(&table).join("data");
    let old = data.join("crashed-write.parquet");
    let fresh = data.join("in-flight.parquet");
    let old_metadata = Path::new(&table).join("metadata/stray.avro");
    for path in [&old, &fresh, &old_metadata] {
        std::fs::write(path, b"not reachable").unwrap();
    }
    let week_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7 * 86_400);
    for path in [&old, &old_metadata] {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(week_ago)
            .unwrap();
    }
    let disk = files_on_disk(&table);
    let dry = lake.floe.json(&["remove-orphans", &table, "--dry-run"]);
    assert_eq!(dry["files"], 2);
    assert_eq!(files_on_disk(&table), disk, "a dry run deletes nothing");

    let refused = lake
        .floe
        .run(&["remove-orphans", &table, "--older-than", "1h"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("under 24 hours"));

    let report = lake.floe.json(&["remove-orphans", &table]);
    let mut removed: Vec<&str> = report["orphans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["location"].as_str().unwrap())
        .collect();
    removed.sort();
    let mut planted = vec![old.to_str().unwrap(), old_metadata.to_str().unwrap()];
    planted.sort();
    assert_eq!(removed, planted);
    assert!(!old.exists() && !old_metadata.exists());
    assert!(fresh.exists(), "younger than the cutoff: kept");
    assert_eq!(lake.count(&table, &[]), 30);
    lake.assert_retained_intact(&table);

    // With --force a short cutoff is allowed; the in-flight file then goes too.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let forced = lake
        .floe
        .json(&["remove-orphans", &table, "--older-than", "1s", "--force"]);
    assert_eq!(forced["files"], 1);
    assert!(!fresh.exists());
    lake.assert_retained_intact(&table);
    if let Some(python) = python() {
        assert_eq!(pyiceberg_read(&python, &table, None)["row_count"], 30);
    }

    // Another table's metadata under the location: refused, nothing deleted.
    let nested = Path::new(&table).join("nested/metadata");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(nested.join("v1.metadata.json"), b"{}").unwrap();
    let run = lake
        .floe
        .run(&["remove-orphans", &table, "--older-than", "1s", "--force"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("another table's metadata"),
        "{}",
        run.stderr
    );
    assert!(nested.join("v1.metadata.json").exists());
}

#[test]
fn unreadable_metadata_stops_expiry_before_anything_changes() {
    let lake = Lake::new();
    let table = lake.table("damaged", 3);
    let ids = lake.snapshot_ids(&table);
    let list = lake.floe.json(&["snapshot", &table, &ids[0].to_string()])["manifest_list"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::remove_file(&list).unwrap();
    let disk = files_on_disk(&table);
    let run = lake
        .floe
        .run(&["expire", &table, "--snapshot", &ids[0].to_string()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(lake.snapshot_ids(&table), ids, "nothing committed");
    assert_eq!(files_on_disk(&table), disk, "nothing deleted");
}

#[test]
fn old_metadata_files_are_trimmed() {
    let lake = Lake::new();
    let table = lake.table("metadata-log", 1);
    lake.floe.json(&[
        "properties",
        &table,
        "--set",
        "write.metadata.previous-versions-max=2",
    ]);
    for k in 1..5 {
        lake.append(&table, k * 10);
    }
    let metadata_files = || {
        files_on_disk(&table)
            .into_iter()
            .filter(|p| p.ends_with(".metadata.json"))
            .count()
    };
    let before = metadata_files();
    assert!(
        before > 3,
        "without delete-after-commit old versions stay: {before}"
    );
    let dry = lake
        .floe
        .json(&["expire", &table, "--metadata", "--dry-run"]);
    let listed = dry["metadata_files"].as_array().unwrap().len();
    assert_eq!(listed, before - 3, "all but the current and two logged");
    assert_eq!(metadata_files(), before);
    lake.floe.json(&["expire", &table, "--metadata"]);
    assert_eq!(metadata_files(), 3);
    assert_eq!(lake.count(&table, &[]), 50);
    lake.assert_retained_intact(&table);
}

/// Give snapshot `id` the summary Flink's Iceberg sink writes (job id, checkpoint), in the
/// table's newest metadata file, as if Flink had committed it.
fn mark_as_flink_commit(table: &str, id: i64, job: &str, checkpoint: u64) {
    let metadata_dir = Path::new(table).join("metadata");
    let newest = std::fs::read_dir(&metadata_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".metadata.json"))
        .max_by_key(|p| {
            p.file_name().unwrap().to_string_lossy()[1..]
                .split('.')
                .next()
                .unwrap()
                .parse::<u64>()
                .unwrap_or(0)
        })
        .unwrap();
    let mut metadata: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&newest).unwrap()).unwrap();
    for snapshot in metadata["snapshots"].as_array_mut().unwrap() {
        if snapshot["snapshot-id"] == id {
            let summary = snapshot["summary"].as_object_mut().unwrap();
            summary.insert("flink.job-id".into(), job.into());
            summary.insert(
                "flink.max-committed-checkpoint-id".into(),
                checkpoint.to_string().into(),
            );
            summary.insert(
                "flink.operator-id".into(),
                "e883208d19e3c34f7a5a8e3a7e3c1b2a".into(),
            );
        }
    }
    std::fs::write(&newest, serde_json::to_vec(&metadata).unwrap()).unwrap();
}

#[test]
fn expire_keeps_each_flink_jobs_newest_checkpoint_and_the_snapshots_above_it() {
    let lake = Lake::new();
    let table = lake.table("flink", 0);
    let ids: Vec<i64> = (0..5).map(|k| lake.append(&table, k * 10)).collect();
    // Flink job a committed checkpoints 2 and 3, job b checkpoint 9; floe then wrote twice.
    mark_as_flink_commit(&table, ids[1], "job-a", 2);
    mark_as_flink_commit(&table, ids[2], "job-a", 3);
    mark_as_flink_commit(&table, ids[3], "job-b", 9);
    let after: Vec<i64> = (5..7).map(|k| lake.append(&table, k * 10)).collect();
    let snapshots = lake.floe.json(&["snapshots", &table]);
    for snapshot in snapshots["snapshots"].as_array().unwrap() {
        let id = snapshot["snapshot_id"].as_i64().unwrap();
        if after.contains(&id) {
            let summary = snapshot["summary"].as_object().unwrap();
            assert!(
                !summary
                    .keys()
                    .any(|k| k.starts_with("flink.") || k.starts_with("spark.")),
                "floe's own snapshots never copy another engine's keys: {summary:?}"
            );
        }
    }

    let later = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 60_000)
        .to_string();
    let expired = lake.floe.json(&[
        "expire",
        &table,
        "--older-than",
        &later,
        "--retain-last",
        "1",
    ]);
    let mut gone: Vec<i64> = expired["expired_snapshot_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    gone.sort();
    let mut expected = vec![ids[0], ids[1]];
    expected.sort();
    assert_eq!(
        gone, expected,
        "job a's older checkpoint and what came before it: {expired}"
    );
    let kept = expired["flink_checkpoints"].as_array().unwrap();
    let by_job: HashMap<&str, &serde_json::Value> = kept
        .iter()
        .map(|k| (k["job_id"].as_str().unwrap(), k))
        .collect();
    assert_eq!(by_job.len(), 2, "{expired}");
    assert_eq!(by_job["job-a"]["snapshot_id"], ids[2]);
    assert_eq!(by_job["job-a"]["checkpoint_id"], "3");
    assert_eq!(by_job["job-a"]["branch"], "main");
    assert_eq!(
        by_job["job-a"]["kept_snapshot_ids"],
        serde_json::json!([after[0], ids[4], ids[3], ids[2]])
    );
    assert_eq!(by_job["job-b"]["snapshot_id"], ids[3]);
    let left = lake.snapshot_ids(&table);
    assert_eq!(left.len(), 5, "{left:?}");
    lake.assert_retained_intact(&table);

    // Asked to, expiry takes them like any other.
    let ignored = lake.floe.json(&[
        "expire",
        &table,
        "--older-than",
        &later,
        "--retain-last",
        "1",
        "--ignore-flink-checkpoints",
    ]);
    assert_eq!(
        ignored["expired_snapshot_ids"].as_array().unwrap().len(),
        4,
        "{ignored}"
    );
    assert!(ignored["flink_checkpoints"].as_array().unwrap().is_empty());
    assert_eq!(lake.snapshot_ids(&table), vec![after[1]]);
    assert_eq!(lake.count(&table, &[]), 70);
}
