//! Each maintenance command as its Spark procedure: the option mapping (and refusals), and
//! the command's own report filled from what Spark printed and what floe read afterwards.

use std::collections::HashSet;

use anyhow::Result;
use iceberg::spec::{NullOrder, SortDirection, Transform};
use iceberg::table::Table;

use super::{refuse, run_call, sql_string, sql_timestamp, Call, Finished};
use crate::ops::compact::{CompactOptions, CompactReport, Strategy};
use crate::ops::engine::Engine;
use crate::ops::expire::{ExpireOptions, ExpireReport, KindTally};
use crate::ops::remove_orphans::RemoveOrphansReport;
use crate::ops::rewrite_manifests::RewriteManifestsReport;
use crate::table::manifest_rewrite::current_manifest_count;
use crate::table::orphans::OrphanFile;
use crate::table::reachable::FileKind;
use crate::table::{Session, TableRef};

const DAY_MS: i64 = 86_400_000;
/// Iceberg's default `write.target-file-size-bytes`.
const DEFAULT_TARGET_FILE_SIZE: u64 = 512 * 1024 * 1024;

const REWRITE_DATA_FILES_COLUMNS: &[&str] = &[
    "rewritten_data_files_count",
    "added_data_files_count",
    "rewritten_bytes_count",
    "failed_data_files_count",
    "removed_delete_files_count",
];
const REWRITE_MANIFESTS_COLUMNS: &[&str] = &["rewritten_manifests_count", "added_manifests_count"];
const EXPIRE_SNAPSHOTS_COLUMNS: &[&str] = &[
    "deleted_data_files_count",
    "deleted_position_delete_files_count",
    "deleted_equality_delete_files_count",
    "deleted_manifest_files_count",
    "deleted_manifest_lists_count",
    "deleted_statistics_files_count",
];
const REMOVE_ORPHAN_FILES_COLUMNS: &[&str] = &["orphan_file_location"];

/// A column name as Iceberg's sort-order parser takes it.
fn sort_column(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// `--sort-by` as the procedure's `sort_order` ("id DESC NULLS LAST, region ASC NULLS FIRST").
fn sort_order_text(table: &Table, sort_by: &[String]) -> Result<String> {
    let schema = table.metadata().current_schema();
    let order = crate::tabledef::expr::sort_order(schema, sort_by)?;
    let mut items = vec![];
    for field in order.fields.iter() {
        if field.transform != Transform::Identity {
            return Err(refuse(
                "--sort-by with a transform",
                "Spark's sort_order argument takes plain columns",
            ));
        }
        let name = schema
            .name_by_field_id(field.source_id)
            .unwrap_or_default()
            .to_string();
        let direction = match field.direction {
            SortDirection::Ascending => "ASC",
            SortDirection::Descending => "DESC",
        };
        let nulls = match field.null_order {
            NullOrder::First => "NULLS FIRST",
            NullOrder::Last => "NULLS LAST",
        };
        items.push(format!("{} {direction} {nulls}", sort_column(&name)));
    }
    Ok(items.join(", "))
}

/// `compact`'s options as `rewrite_data_files` arguments.
fn compact_call(table: &Table, options: &CompactOptions) -> Result<Call> {
    if options.max_bytes.is_some() {
        return Err(refuse(
            "--max-bytes (compact-max-bytes)",
            "rewrite_data_files has no byte budget; bound a run with --max-commits (partial progress) or --max-concurrent-groups",
        ));
    }
    if options.max_runtime.is_some() {
        return Err(refuse(
            "--max-runtime (compact-max-runtime)",
            "rewrite_data_files has no time budget; bound a run with --max-commits (partial progress) or --max-concurrent-groups",
        ));
    }
    let mut args = vec![];
    match options.strategy {
        Strategy::Binpack => args.push(("strategy", sql_string("binpack"))),
        Strategy::Sort => {
            args.push(("strategy", sql_string("sort")));
            if !options.sort_by.is_empty() {
                args.push((
                    "sort_order",
                    sql_string(&sort_order_text(table, &options.sort_by)?),
                ));
            }
        }
        Strategy::Zorder => {
            let columns: Vec<String> = options
                .zorder_by
                .iter()
                .flat_map(|c| c.split(','))
                .map(|c| sort_column(c.trim()))
                .filter(|c| !c.is_empty())
                .collect();
            args.push(("strategy", sql_string("sort")));
            args.push((
                "sort_order",
                sql_string(&format!("zorder({})", columns.join(","))),
            ));
        }
    }
    let mut map: Vec<(&str, String)> = vec![];
    let sizes = [
        ("target-file-size-bytes", options.target_file_size),
        ("min-file-size-bytes", options.min_file_size),
        ("max-file-size-bytes", options.max_file_size),
        ("max-file-group-size-bytes", options.max_file_group_size),
    ];
    for (key, value) in sizes {
        if let Some(v) = value {
            map.push((key, v.to_string()));
        }
    }
    map.push(("min-input-files", options.min_input_files.to_string()));
    if options.rewrite_all {
        map.push(("rewrite-all", "true".into()));
    }
    if options.max_commits > 1 {
        map.push(("partial-progress.enabled", "true".into()));
        map.push((
            "partial-progress.max-commits",
            options.max_commits.to_string(),
        ));
    }
    if let Some(n) = options.max_concurrent_groups {
        map.push(("max-concurrent-file-group-rewrites", n.to_string()));
    }
    args.push((
        "options",
        format!(
            "map({})",
            map.iter()
                .map(|(k, v)| format!("{}, {}", sql_string(k), sql_string(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ));
    if let Some(filter) = &options.filter {
        args.push(("where", sql_string(filter)));
    }
    Ok(Call {
        procedure: "rewrite_data_files",
        args,
        columns: REWRITE_DATA_FILES_COLUMNS,
    })
}

fn target_file_size(table: &Table, options: &CompactOptions) -> u64 {
    options.target_file_size.unwrap_or_else(|| {
        table
            .metadata()
            .properties()
            .get("write.target-file-size-bytes")
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_TARGET_FILE_SIZE)
    })
}

/// `compact --engine spark`: `rewrite_data_files`.
pub async fn compact(session: &Session, options: CompactOptions) -> Result<CompactReport> {
    let started = std::time::Instant::now();
    let finished = run_call(
        session,
        &options.table,
        |t| compact_call(t, &options),
        !options.dry_run,
    )
    .await?;
    let Finished {
        run,
        target,
        before,
        ..
    } = finished;
    let out = &run.output;
    let files_rewritten = out.count("rewritten_data_files_count") as usize;
    let message = if options.dry_run {
        Some("dry run: Spark has no dry run for rewrite_data_files, so nothing ran; spark.statement is what would run".to_string())
    } else if files_rewritten == 0 {
        Some("nothing to rewrite: Spark found no file group worth rewriting".to_string())
    } else {
        None
    };
    Ok(CompactReport {
        table: target.display.clone(),
        dry_run: options.dry_run,
        strategy: options.strategy,
        zorder_by: (options.strategy == Strategy::Zorder).then(|| options.zorder_by.clone()),
        starting_snapshot_id: before.metadata().current_snapshot_id(),
        target_file_size_bytes: target_file_size(&before, &options),
        message,
        groups_planned: 0,
        groups_committed: 0,
        groups_failed: 0,
        groups_skipped: 0,
        files_rewritten,
        bytes_rewritten: out.count("rewritten_bytes_count"),
        files_written: out.count("added_data_files_count") as usize,
        bytes_written: run.added.bytes,
        delete_files_removed: out.count("removed_delete_files_count") as usize,
        snapshot_ids: run.new_snapshot_ids.clone(),
        commit_attempts: 0,
        replans: 0,
        elapsed_ms: started.elapsed().as_millis() as u64,
        groups: vec![],
        engine: Engine::Spark,
        spark: Some(run),
    })
}

/// `rewrite-manifests --engine spark`: `rewrite_manifests`.
pub async fn rewrite_manifests(
    session: &Session,
    table: &TableRef,
) -> Result<RewriteManifestsReport> {
    let finished = run_call(
        session,
        table,
        |_| {
            Ok(Call {
                procedure: "rewrite_manifests",
                args: vec![],
                columns: REWRITE_MANIFESTS_COLUMNS,
            })
        },
        true,
    )
    .await?;
    let before = current_manifest_count(&finished.before).await?;
    let after = match &finished.after {
        Some(t) => current_manifest_count(t).await?,
        None => before,
    };
    let run = finished.run;
    let snapshot_id = run.new_snapshot_ids.last().copied();
    Ok(RewriteManifestsReport {
        table: finished.target.display.clone(),
        snapshot_id,
        manifests_before: before,
        manifests_after: after,
        entries: finished.after_files.len(),
        commit_attempts: 0,
        message: snapshot_id
            .is_none()
            .then(|| "nothing to rewrite: Spark committed no snapshot".to_string()),
        engine: Engine::Spark,
        spark: Some(run),
    })
}

/// `expire`'s options as `expire_snapshots` arguments.
fn expire_call(options: &ExpireOptions) -> Result<Call> {
    let request = &options.request;
    if request.keep_files {
        return Err(refuse(
            "--keep-files",
            "expire_snapshots always deletes the files it frees",
        ));
    }
    if options.metadata {
        return Err(refuse(
            "--metadata",
            "Spark has no procedure that trims old metadata files; run `floe expire --metadata` for that step",
        ));
    }
    if !request.snapshot_ids.is_empty() && request.older_than_ms.is_none() {
        return Err(refuse(
            "--snapshot without --older-than",
            "expire_snapshots would also expire every snapshot past the table's max age, not only those named; add --older-than",
        ));
    }
    let mut args = vec![];
    if let Some(ms) = request.older_than_ms {
        args.push(("older_than", sql_timestamp(ms)?));
    }
    if let Some(n) = request.retain_last {
        args.push(("retain_last", n.to_string()));
    }
    if !request.snapshot_ids.is_empty() {
        args.push((
            "snapshot_ids",
            format!(
                "array({})",
                request
                    .snapshot_ids
                    .iter()
                    .map(|id| format!("{id}L"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(Call {
        procedure: "expire_snapshots",
        args,
        columns: EXPIRE_SNAPSHOTS_COLUMNS,
    })
}

/// `expire --engine spark`: `expire_snapshots`. Spark reports file counts, not bytes:
/// `bytes` are 0.
pub async fn expire(
    session: &Session,
    table: &TableRef,
    options: ExpireOptions,
) -> Result<ExpireReport> {
    let dry_run = options.request.dry_run;
    let call = expire_call(&options)?;
    let finished = run_call(session, table, |_| Ok(call), !dry_run).await?;
    let run = finished.run;
    let before = finished.before.metadata();
    let after = finished
        .after
        .as_ref()
        .map(|t| t.metadata())
        .unwrap_or(before);
    let remaining: HashSet<i64> = after.snapshots().map(|s| s.snapshot_id()).collect();
    let expired: Vec<i64> = before
        .snapshots()
        .map(|s| s.snapshot_id())
        .filter(|id| !remaining.contains(id))
        .collect();
    let refs_left = crate::table::scan::refs(after)?;
    let removed_refs: Vec<String> = crate::table::scan::refs(before)?
        .into_keys()
        .filter(|r| !refs_left.contains_key(r))
        .collect();
    let out = &run.output;
    let kinds = [
        (
            FileKind::ManifestList,
            out.count("deleted_manifest_lists_count"),
        ),
        (
            FileKind::Manifest,
            out.count("deleted_manifest_files_count"),
        ),
        (FileKind::Data, out.count("deleted_data_files_count")),
        (
            FileKind::Deletes,
            out.count("deleted_position_delete_files_count")
                + out.count("deleted_equality_delete_files_count"),
        ),
        (
            FileKind::Statistics,
            out.count("deleted_statistics_files_count"),
        ),
    ];
    let files: Vec<KindTally> = kinds
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| KindTally {
            kind,
            files: n as usize,
            bytes: 0,
        })
        .collect();
    Ok(ExpireReport {
        table: finished.target.display.clone(),
        dry_run,
        keep_files: false,
        expired_snapshot_ids: expired,
        removed_refs,
        snapshots_left: after.snapshots().count(),
        files_total: files.iter().map(|k| k.files).sum(),
        bytes_total: 0,
        files,
        failed_deletes: vec![],
        metadata_files: vec![],
        commit_attempts: 0,
        // Spark's procedure knows nothing of Flink's checkpoints: nothing was kept for them.
        flink_checkpoints: vec![],
        engine: Engine::Spark,
        spark: Some(run),
    })
}

/// `remove-orphans --engine spark`: `remove_orphan_files` (its own dry run included). Spark
/// lists locations only: sizes and times are 0.
pub async fn remove_orphans(
    session: &Session,
    table: &TableRef,
    older_than_ms: i64,
    dry_run: bool,
) -> Result<RemoveOrphansReport> {
    if chrono::Utc::now().timestamp_millis() - older_than_ms < DAY_MS {
        return Err(refuse(
            "--older-than under 24 hours",
            "remove_orphan_files refuses an interval under 24 hours",
        ));
    }
    let mut args = vec![("older_than", sql_timestamp(older_than_ms)?)];
    if dry_run {
        args.push(("dry_run", "true".into()));
    }
    let call = Call {
        procedure: "remove_orphan_files",
        args,
        columns: REMOVE_ORPHAN_FILES_COLUMNS,
    };
    let finished = run_call(session, table, |_| Ok(call), true).await?;
    let run = finished.run;
    let orphans: Vec<OrphanFile> = run
        .output
        .column("orphan_file_location")
        .into_iter()
        .map(|location| OrphanFile {
            location,
            size_bytes: 0,
            last_modified_ms: 0,
        })
        .collect();
    Ok(RemoveOrphansReport {
        table: finished.target.display.clone(),
        dry_run,
        older_than_ms,
        files: orphans.len(),
        bytes: 0,
        orphans,
        failed_deletes: vec![],
        engine: Engine::Spark,
        spark: Some(run),
    })
}

/// The options each command maps, as documented (for tests of the mapping).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::expire::ExpireRequest;
    use std::collections::BTreeMap;

    fn render(call: &Call) -> BTreeMap<&'static str, String> {
        call.args.iter().cloned().collect()
    }

    #[test]
    fn expire_maps_and_refuses() {
        let mut options = ExpireOptions {
            request: ExpireRequest {
                older_than_ms: Some(1_704_067_200_000),
                retain_last: Some(3),
                snapshot_ids: vec![7, 8],
                ..Default::default()
            },
            metadata: false,
        };
        let args = render(&expire_call(&options).unwrap());
        assert_eq!(args["older_than"], "TIMESTAMP '2024-01-01 00:00:00.000Z'");
        assert_eq!(args["retain_last"], "3");
        assert_eq!(args["snapshot_ids"], "array(7L, 8L)");
        options.request.keep_files = true;
        let err = expire_call(&options).err().unwrap();
        assert!(format!("{err}").contains("--keep-files"), "{err}");
        assert_eq!(crate::error::kind_of(&err), crate::error::ErrorKind::Usage);
        options.request.keep_files = false;
        options.metadata = true;
        assert!(expire_call(&options).is_err());
        options.metadata = false;
        options.request.older_than_ms = None;
        assert!(format!("{}", expire_call(&options).err().unwrap()).contains("--snapshot"));
    }
}
