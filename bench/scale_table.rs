//! Builds the scale benchmark's synthetic table (see bench/README.md): from a directory table
//! holding one real data file per partition (made by `floe ingest`), a table of FILES data files
//! in MANIFESTS manifests and SNAPSHOTS snapshots, written with iceberg's manifest and
//! manifest-list writers instead of FILES ingests.
//!
//!   scale_table TABLE_LOCATION FILES MANIFESTS SNAPSHOTS
//!
//! Each partition's real file is hard-linked for the partition's other files, and every manifest
//! entry carries the real file's metrics (record count, size, bounds) under its own path.
//! Manifests are clustered by partition (files sorted by partition, cut into MANIFESTS equal
//! runs), so manifest-list partition summaries prune. Snapshot k lists the first
//! ceil((k+1)·MANIFESTS/SNAPSHOTS) manifests: the snapshot that reaches a new manifest is an
//! `append` of its files, the others are `replace` snapshots that change no data (as a
//! rewrite that found nothing to do). Snapshot times are spread evenly over the last 30 days up
//! to an hour ago, so the default expiry (5 days) has most of them to drop. The new metadata
//! is committed as the next `v<N>.metadata.json`; the seeding snapshot's manifest list and
//! manifest are left behind as orphans, dated 10 days back together with a few stray data
//! files, so `remove-orphans` finds something.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context, Result};
use futures::StreamExt;
use iceberg::spec::{
    DataFile, DataFileBuilder, ManifestFile, ManifestListWriter, ManifestWriterBuilder,
};
use serde_json::json;

use floe::table::{Session, TableRef};

const DAY_MS: i64 = 86_400_000;

fn local_path(location: &str) -> &str {
    location.strip_prefix("file://").unwrap_or(location)
}

/// The real file's metrics under another path.
fn copy_of(seed: &DataFile, path: String, spec_id: i32) -> Result<DataFile> {
    let mut builder = DataFileBuilder::default();
    builder
        .content(seed.content_type())
        .file_path(path)
        .file_format(seed.file_format())
        .partition(seed.partition().clone())
        .record_count(seed.record_count())
        .file_size_in_bytes(seed.file_size_in_bytes())
        .column_sizes(seed.column_sizes().clone())
        .value_counts(seed.value_counts().clone())
        .null_value_counts(seed.null_value_counts().clone())
        .nan_value_counts(seed.nan_value_counts().clone())
        .lower_bounds(seed.lower_bounds().clone())
        .upper_bounds(seed.upper_bounds().clone())
        .split_offsets(seed.split_offsets().map(<[i64]>::to_vec))
        .partition_spec_id(spec_id);
    if let Some(order) = seed.sort_order_id() {
        builder.sort_order_id(order);
    }
    Ok(builder.build()?)
}

fn set_old(path: &str, age: Duration) -> Result<()> {
    let file = std::fs::File::options().write(true).open(path)?;
    let when = SystemTime::now() - age;
    file.set_times(
        std::fs::FileTimes::new()
            .set_modified(when)
            .set_accessed(when),
    )?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        bail!("usage: scale_table TABLE_LOCATION FILES MANIFESTS SNAPSHOTS");
    }
    let location = &args[1];
    let files: usize = args[2].parse().context("FILES")?;
    let manifests: usize = args[3].parse().context("MANIFESTS")?;
    let snapshots: usize = args[4].parse().context("SNAPSHOTS")?;
    if manifests == 0 || !files.is_multiple_of(manifests) || snapshots < manifests {
        bail!("FILES must be a multiple of MANIFESTS, and SNAPSHOTS at least MANIFESTS");
    }

    let session = Session::embedded(".");
    let target = session.target(&TableRef::parse(location)?).await?;
    let table = target.load().await?;
    let metadata = table.metadata();
    let file_io = table.file_io();
    let schema = metadata.current_schema().clone();
    let spec = metadata.default_partition_spec().as_ref().clone();
    let seed_snapshot = metadata
        .current_snapshot()
        .context("the table has no snapshot: ingest one file per partition first")?;
    let seed_list = table.manifest_list_reader(seed_snapshot).load().await?;

    // One real data file per partition, ordered by partition.
    let mut seeds: BTreeMap<String, DataFile> = BTreeMap::new();
    let mut seed_metadata_files = vec![seed_snapshot.manifest_list().to_string()];
    for manifest in seed_list.entries() {
        seed_metadata_files.push(manifest.manifest_path.clone());
        for entry in manifest.load_manifest(file_io).await?.entries() {
            let file = entry.data_file();
            seeds.insert(format!("{:?}", file.partition()), file.clone());
        }
    }
    let partitions = seeds.len();
    if !files.is_multiple_of(partitions) {
        bail!("FILES ({files}) must be a multiple of the table's {partitions} partitions");
    }
    let per_partition = files / partitions;
    eprintln!(
        "scale_table: {files} files ({per_partition} per partition, {partitions} partitions), {manifests} manifests, {snapshots} snapshots"
    );

    // Hard links, and the entries in partition order.
    let mut all: Vec<DataFile> = Vec::with_capacity(files);
    for seed in seeds.values() {
        let seed_path = seed.file_path().to_string();
        let stem = seed_path
            .strip_suffix(".parquet")
            .context("seed files are Parquet")?;
        all.push(seed.clone());
        for copy in 1..per_partition {
            let path = format!("{stem}-c{copy}.parquet");
            let link = local_path(&path);
            if !Path::new(link).exists() {
                std::fs::hard_link(local_path(&seed_path), link)
                    .with_context(|| format!("linking {link}"))?;
            }
            all.push(copy_of(seed, path, spec.spec_id())?);
        }
    }

    // Which snapshot adds each manifest: snapshot k reaches the first ceil((k+1)·M/S).
    let reached = |k: usize| ((k + 1) * manifests).div_ceil(snapshots);
    let snapshot_ids: Vec<i64> = (0..snapshots as i64).map(|k| 1_000_000 + k).collect();
    let mut added_by = vec![0usize; manifests];
    for k in 0..snapshots {
        let before = if k == 0 { 0 } else { reached(k - 1) };
        for slot in added_by.iter_mut().take(reached(k)).skip(before) {
            *slot = k;
        }
    }

    let metadata_dir = format!("{}/metadata", metadata.location());
    let per_manifest = files / manifests;
    let manifest_totals: Vec<(u64, u64)> = all
        .chunks(per_manifest)
        .map(|chunk| {
            chunk.iter().fold((0, 0), |(records, bytes), f| {
                (records + f.record_count(), bytes + f.file_size_in_bytes())
            })
        })
        .collect();
    let schema_ref = schema.clone();
    let written: Vec<ManifestFile> = futures::stream::iter(all.chunks(per_manifest).enumerate())
        .map(|(j, chunk)| {
            let k = added_by[j];
            let path = format!("{metadata_dir}/scale-m{j:05}.avro");
            let schema = schema_ref.clone();
            let spec = spec.clone();
            let chunk = chunk.to_vec();
            let snapshot_id = snapshot_ids[k];
            async move {
                let mut writer = ManifestWriterBuilder::new(
                    file_io.new_output(&path)?,
                    Some(snapshot_id),
                    schema,
                    spec,
                )
                .build_v2_data();
                let sequence = k as i64 + 1;
                for file in chunk {
                    writer.add_file(file, sequence)?;
                }
                let mut manifest = writer.write_manifest_file().await?;
                manifest.sequence_number = sequence;
                manifest.min_sequence_number = sequence;
                anyhow::Ok(manifest)
            }
        })
        .buffered(4)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    drop(all);
    eprintln!("scale_table: {} manifests written", written.len());
    let written = Arc::new(written);

    // Manifest lists, and the snapshots' JSON.
    let now = chrono::Utc::now().timestamp_millis();
    let first_ms = now - 30 * DAY_MS;
    let last_ms = now - DAY_MS / 24;
    let step = (last_ms - first_ms) / snapshots.max(2) as i64;
    // Records and bytes reached by the first m manifests, for the snapshot summaries.
    let mut reached_totals = vec![(0u64, 0u64)];
    for bytes_records in &manifest_totals {
        let (records, bytes) = *reached_totals.last().expect("starts with zero");
        reached_totals.push((records + bytes_records.0, bytes + bytes_records.1));
    }
    let mut snapshot_json = Vec::with_capacity(snapshots);
    let mut log_json = Vec::with_capacity(snapshots);
    let mut reached_before = 0usize;
    for k in 0..snapshots {
        let reach = reached(k);
        let files_now = reach * per_manifest;
        let added = (reach - reached_before) * per_manifest;
        let (records_now, bytes_now) = reached_totals[reach];
        let (records_before, bytes_before) = reached_totals[reached_before];
        let timestamp = first_ms + step * k as i64;
        let mut summary = json!({
            "operation": if added > 0 { "append" } else { "replace" },
            "total-records": records_now.to_string(),
            "total-data-files": files_now.to_string(),
            "total-files-size": bytes_now.to_string(),
            "total-delete-files": "0",
            "total-position-deletes": "0",
            "total-equality-deletes": "0",
        });
        if added > 0 {
            summary["added-data-files"] = json!(added.to_string());
            summary["added-records"] = json!((records_now - records_before).to_string());
            summary["added-files-size"] = json!((bytes_now - bytes_before).to_string());
        }
        let mut snapshot = json!({
            "snapshot-id": snapshot_ids[k],
            "sequence-number": k as i64 + 1,
            "timestamp-ms": timestamp,
            "manifest-list": format!("{metadata_dir}/snap-{}-scale.avro", snapshot_ids[k]),
            "summary": summary,
            "schema-id": schema.schema_id(),
        });
        if k > 0 {
            snapshot["parent-snapshot-id"] = json!(snapshot_ids[k - 1]);
        }
        snapshot_json.push(snapshot);
        log_json.push(json!({"snapshot-id": snapshot_ids[k], "timestamp-ms": timestamp}));
        reached_before = reach;
    }

    let lists_done = std::sync::atomic::AtomicUsize::new(0);
    let snapshot_ids = &snapshot_ids;
    let results: Vec<Result<()>> = futures::stream::iter(0..snapshots)
        .map(|k| {
            let written = written.clone();
            let path = format!("{metadata_dir}/snap-{}-scale.avro", snapshot_ids[k]);
            let parent = (k > 0).then(|| snapshot_ids[k - 1]);
            let lists_done = &lists_done;
            async move {
                let mut writer = ManifestListWriter::v2(
                    file_io.new_output(&path)?.writer().await?,
                    snapshot_ids[k],
                    parent,
                    k as i64 + 1,
                );
                writer.add_manifests(written[..reached(k)].iter().cloned())?;
                writer.close().await?;
                let done = lists_done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if done.is_multiple_of(1000) {
                    eprintln!("scale_table: {done} manifest lists written");
                }
                anyhow::Ok(())
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    for result in results {
        result?;
    }

    // The next metadata version, with the seeding snapshot gone.
    let previous = table
        .metadata_location()
        .context("the table has no metadata file")?
        .to_string();
    let version = previous
        .rsplit('/')
        .next()
        .and_then(|name| name.strip_prefix('v'))
        .and_then(|name| name.strip_suffix(".metadata.json"))
        .and_then(|n| n.parse::<i64>().ok())
        .context("a directory table's metadata file is named v<N>.metadata.json")?;
    let mut doc = serde_json::to_value(metadata)?;
    let last = *snapshot_ids.last().expect("at least one snapshot");
    doc["snapshots"] = json!(snapshot_json);
    doc["snapshot-log"] = json!(log_json);
    doc["current-snapshot-id"] = json!(last);
    doc["last-sequence-number"] = json!(snapshots as i64);
    doc["last-updated-ms"] = json!(now);
    doc["refs"] = json!({"main": {"snapshot-id": last, "type": "branch"}});
    let mut log = doc["metadata-log"].as_array().cloned().unwrap_or_default();
    log.push(json!({"metadata-file": previous, "timestamp-ms": metadata.last_updated_ms()}));
    doc["metadata-log"] = json!(log);
    let next = format!(
        "{}/v{}.metadata.json",
        local_path(&metadata_dir),
        version + 1
    );
    std::fs::write(&next, serde_json::to_vec(&doc)?)?;
    std::fs::write(
        format!("{}/version-hint.text", local_path(&metadata_dir)),
        (version + 1).to_string(),
    )?;

    // Orphans: the seeding snapshot's metadata files and a few stray data files, all old.
    let ten_days = Duration::from_secs(10 * 86_400);
    for path in &seed_metadata_files {
        set_old(local_path(path), ten_days)?;
    }
    for (n, seed) in seeds.values().take(5).enumerate() {
        let stray = format!(
            "{}-orphan{n}.parquet",
            local_path(seed.file_path()).trim_end_matches(".parquet")
        );
        std::fs::copy(local_path(seed.file_path()), &stray)?;
        set_old(&stray, ten_days)?;
    }
    eprintln!("scale_table: wrote {next}");
    Ok(())
}
