//! `compact`: rewrite small, oversized, delete-laden and old-spec data files into files near
//! the target size, in the current spec, as `replace` snapshots that are safe beside concurrent
//! writers (see `table::rewrite_commit` for the validation).
//!
//! Three steps, each callable alone (tests put a concurrent commit between them): [`plan`]
//! picks file groups per partition, [`rewrite_group`] writes a group's new files, [`commit`]
//! commits the groups that still validate. [`run`] does the last two for every group, several
//! at once, within the budgets.

mod model;
mod plan;
mod rewrite;
pub mod zorder;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::Result;
use futures::StreamExt;
use iceberg::spec::DataFile;

pub use model::{
    CompactOptions, CompactReport, CompactionPlan, FailureKind, GroupReport, GroupResult,
    GroupStatus, PlannedGroup, Strategy, ZorderColumn,
};
pub(crate) use plan::partition_filter;
pub use plan::plan;
pub use rewrite::rewrite_group;

use crate::table::commit_policy::RetryPolicy;
use crate::table::rewrite_commit::{
    commit_rewrite, RewriteOutcome, RewriteRequest, RewrittenGroup,
};
use crate::table::Session;

/// What the commits of a run did so far.
#[derive(Default)]
struct Tally {
    snapshots: Vec<i64>,
    attempts: u32,
    delete_files_removed: usize,
    /// Data files committed groups rewrote.
    rewritten: HashSet<String>,
    outcomes: HashMap<usize, GroupOutcome>,
}

/// How one group ended.
struct GroupOutcome {
    status: GroupStatus,
    written: Vec<DataFile>,
    failure: Option<String>,
    failure_kind: Option<FailureKind>,
    snapshot_id: Option<i64>,
}

impl Tally {
    async fn commit(&mut self, plan: &CompactionPlan, batch: Vec<GroupResult>) -> Result<()> {
        let landed = commit(plan, &batch, &self.rewritten).await?;
        self.attempts += landed.attempts;
        self.delete_files_removed += landed.removed_delete_files;
        self.snapshots.extend(landed.snapshot_id);
        for group in plan
            .groups
            .iter()
            .filter(|g| landed.committed.contains(&g.report.id))
        {
            self.rewritten
                .extend(group.tasks.iter().map(|t| t.data_file_path.clone()));
        }
        for result in batch {
            let failed = |failure, kind| GroupOutcome {
                status: GroupStatus::Failed,
                written: vec![],
                failure,
                failure_kind: Some(kind),
                snapshot_id: None,
            };
            let outcome = match (result.outcome, landed.committed.contains(&result.id)) {
                (Ok(written), true) => GroupOutcome {
                    status: GroupStatus::Committed,
                    written,
                    failure: None,
                    failure_kind: None,
                    snapshot_id: landed.snapshot_id,
                },
                // Written but refused by the commit's validation: a concurrent commit
                // changed the group's files.
                (Ok(_), false) => failed(
                    landed
                        .failed
                        .iter()
                        .find(|(id, _)| *id == result.id)
                        .map(|(_, why)| why.clone()),
                    FailureKind::Conflict,
                ),
                (Err(why), _) => failed(Some(why), FailureKind::Error),
            };
            self.outcomes.insert(result.id, outcome);
        }
        Ok(())
    }
}

/// Rewrite the planned groups, several at once; commits along the way when `--max-commits`
/// asks for partial progress. Budgets stop new groups from starting.
pub async fn run(plan: &mut CompactionPlan) -> Result<CompactReport> {
    if plan.options.dry_run || plan.groups.is_empty() {
        return Ok(report(plan, &Tally::default()));
    }
    let parallel = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(
            plan.options
                .max_concurrent_groups
                .unwrap_or(usize::MAX)
                .max(1),
        )
        .min(plan.groups.len());
    let bytes_started = Arc::new(AtomicU64::new(0));
    let prefix = format!("compact-{}", uuid::Uuid::new_v4());
    let per_commit = plan.groups.len().div_ceil(plan.options.max_commits);
    let mut tally = Tally::default();
    let plan_ref: &CompactionPlan = plan;
    // Futures collected first: a lazy map over borrowed groups makes the whole compaction
    // future fail rustc's higher-ranked Send check (it could not run on a spawned task).
    let jobs: Vec<_> = plan_ref
        .groups
        .iter()
        .map(|group| {
            let bytes_started = bytes_started.clone();
            let prefix = prefix.clone();
            async move {
                let over_bytes = plan_ref
                    .options
                    .max_bytes
                    .is_some_and(|max| bytes_started.load(Ordering::SeqCst) >= max);
                let over_time = plan_ref
                    .options
                    .max_runtime
                    .is_some_and(|max| plan_ref.started.elapsed() >= max);
                if over_bytes || over_time {
                    return None;
                }
                bytes_started.fetch_add(group.report.bytes, Ordering::SeqCst);
                let outcome = rewrite_group(plan_ref, group, &prefix)
                    .await
                    .map_err(|e| format!("{e:#}"));
                Some(GroupResult {
                    id: group.report.id,
                    outcome,
                })
            }
        })
        .collect();
    let mut results = futures::stream::iter(jobs).buffer_unordered(parallel);
    let mut pending: Vec<GroupResult> = vec![];
    while let Some(result) = results.next().await {
        pending.extend(result);
        if plan_ref.options.max_commits > 1 && pending.len() >= per_commit {
            tally.commit(plan_ref, std::mem::take(&mut pending)).await?;
        }
    }
    drop(results);
    if !pending.is_empty() {
        tally.commit(plan_ref, pending).await?;
    }
    for group in plan.groups.iter_mut() {
        let report = &mut group.report;
        match tally.outcomes.get(&report.id) {
            Some(outcome) => {
                report.status = outcome.status;
                report.output_files = outcome.written.len();
                report.output_bytes = outcome.written.iter().map(|f| f.file_size_in_bytes()).sum();
                report.failure = outcome.failure.clone();
                report.failure_kind = outcome.failure_kind;
                report.snapshot_id = outcome.snapshot_id;
            }
            None => report.status = GroupStatus::Skipped,
        }
    }
    Ok(report(plan, &tally))
}

/// Commit finished groups (failed rewrites are left out).
///
/// `earlier` lists data files earlier commits of this run rewrote: a delete file that applied
/// to those and to this commit's files leaves with this commit.
pub async fn commit(
    plan: &CompactionPlan,
    results: &[GroupResult],
    earlier: &HashSet<String>,
) -> Result<RewriteOutcome> {
    let groups: Vec<RewrittenGroup> = results
        .iter()
        .filter_map(|r| {
            let files = r.outcome.as_ref().ok()?;
            let planned = plan.groups.iter().find(|g| g.report.id == r.id)?;
            Some(RewrittenGroup {
                id: r.id,
                spec_id: planned.spec_id,
                partition: planned.partition.clone(),
                removed: planned
                    .tasks
                    .iter()
                    .map(|t| t.data_file_path.clone())
                    .collect(),
                added: files.clone(),
            })
        })
        .collect();
    let mut outcome = if groups.is_empty() {
        Default::default()
    } else {
        let request = RewriteRequest {
            starting_snapshot_id: plan.starting_snapshot_id.unwrap_or_default(),
            starting_sequence_number: plan.starting_sequence_number,
            spec_id: plan.table.metadata().default_partition_spec_id(),
            groups,
            delete_scopes: plan
                .delete_scopes
                .iter()
                .map(|(delete, applies_to)| {
                    let left = applies_to
                        .iter()
                        .filter(|p| !earlier.contains(*p))
                        .cloned()
                        .collect();
                    (delete.clone(), left)
                })
                .filter(|(_, left): &(String, Vec<String>)| !left.is_empty())
                .collect(),
            summary: HashMap::from([("floe.operation".to_string(), "compact".to_string())]),
            carries_lineage: plan.lineage.is_some(),
        };
        commit_rewrite(&plan.target, &request).await?
    };
    for r in results {
        if let Err(e) = &r.outcome {
            outcome.failed.push((r.id, e.clone()));
        }
    }
    Ok(outcome)
}

impl CompactReport {
    /// The error a run with failed groups ends in (the committed groups stay committed):
    /// `failed` when any group failed for another reason than a concurrent commit, else
    /// `commit_conflict` when some lost to one, so cron can tell "retry" from "look".
    pub fn failure(&self) -> Option<anyhow::Error> {
        use crate::error::{ErrorKind, FloeError};
        let failed: Vec<&GroupReport> = self
            .groups
            .iter()
            .filter(|g| g.status == GroupStatus::Failed)
            .collect();
        let first = failed.first()?;
        let errors = failed
            .iter()
            .filter(|g| g.failure_kind != Some(FailureKind::Conflict))
            .count();
        let (kind, what) = if errors > 0 {
            (ErrorKind::Failed, "failed")
        } else {
            (ErrorKind::CommitConflict, "lost to concurrent commits")
        };
        let example = failed
            .iter()
            .find(|g| (errors > 0) == (g.failure_kind != Some(FailureKind::Conflict)))
            .unwrap_or(first);
        let message = format!(
            "{} of {} compaction group(s) {what} ({} committed); group {} ({}): {}",
            failed.len(),
            self.groups_planned,
            self.groups_committed,
            example.id,
            example.partition,
            example.failure.as_deref().unwrap_or("no reason given")
        );
        let error = FloeError::new(kind, message);
        Some(
            match kind {
                ErrorKind::CommitConflict => {
                    error.with_hint("run compact again: it plans from the new state of the table")
                }
                _ => error.with_hint(
                    "the committed groups stay committed; the others left the table as it was",
                ),
            }
            .into(),
        )
    }
}

fn report(plan: &CompactionPlan, tally: &Tally) -> CompactReport {
    let mut report = CompactReport {
        table: plan.target.display.clone(),
        dry_run: plan.options.dry_run,
        strategy: plan.options.strategy,
        zorder_by: (plan.options.strategy == Strategy::Zorder)
            .then(|| plan.zorder.iter().map(|c| c.name.clone()).collect()),
        starting_snapshot_id: plan.starting_snapshot_id,
        target_file_size_bytes: plan.settings.target_file_size_bytes,
        message: plan.message.clone(),
        groups_planned: 0,
        groups_committed: 0,
        groups_failed: 0,
        groups_skipped: 0,
        files_rewritten: 0,
        bytes_rewritten: 0,
        files_written: 0,
        bytes_written: 0,
        delete_files_removed: tally.delete_files_removed,
        snapshot_ids: tally.snapshots.clone(),
        commit_attempts: tally.attempts,
        replans: 0,
        elapsed_ms: plan.started.elapsed().as_millis() as u64,
        groups: plan.groups.iter().map(|g| g.report.clone()).collect(),
        engine: crate::ops::engine::Engine::Floe,
        spark: None,
    };
    report.recount();
    report
}

/// Plan, rewrite and commit.
///
/// Groups that lose to a concurrent commit (a stream of writers removing files or adding
/// deletes beside it) are planned again at once from the new state of the table, their
/// surviving files regrouped, up to `commit.retry.num-retries` times; only a group that still
/// cannot commit then fails.
pub async fn compact(session: &Session, options: CompactOptions) -> Result<CompactReport> {
    let mut first = plan(session, options.clone()).await?;
    let report = run(&mut first).await?;
    retry_lost(session, &options, &first, report).await
}

/// After `run(first)`: plan the groups that lost to a concurrent commit again, as
/// [`compact`] does.
pub async fn retry_lost(
    session: &Session,
    options: &CompactOptions,
    first: &CompactionPlan,
    mut report: CompactReport,
) -> Result<CompactReport> {
    if options.dry_run {
        return Ok(report);
    }
    let policy = RetryPolicy::from_properties(first.table.metadata().properties());
    let mut lost = lost_inputs(first, &report);
    let mut next_id = report.groups.iter().map(|g| g.id).max().unwrap_or(0);
    while !lost.is_empty() && report.replans < policy.num_retries {
        report.replans += 1;
        tokio::time::sleep(policy.backoff(report.replans)).await;
        let mut again = plan(session, options.clone()).await?;
        again
            .groups
            .retain(|g| g.tasks.iter().any(|t| lost.contains(&t.data_file_path)));
        for group in &mut again.groups {
            next_id += 1;
            group.report.id = next_id;
        }
        report.supersede_lost(&again);
        if again.groups.is_empty() {
            break;
        }
        let retried = run(&mut again).await?;
        lost = lost_inputs(&again, &retried);
        report.absorb(retried);
    }
    Ok(report)
}

/// The input files of the groups of `plan` that lost to a concurrent commit.
fn lost_inputs(plan: &CompactionPlan, report: &CompactReport) -> HashSet<String> {
    let lost: HashSet<usize> = report
        .groups
        .iter()
        .filter(|g| g.lost_to_a_commit())
        .map(|g| g.id)
        .collect();
    plan.groups
        .iter()
        .filter(|g| lost.contains(&g.report.id))
        .flat_map(|g| g.tasks.iter().map(|t| t.data_file_path.clone()))
        .collect()
}

impl GroupReport {
    fn lost_to_a_commit(&self) -> bool {
        self.status == GroupStatus::Failed && self.failure_kind == Some(FailureKind::Conflict)
    }
}

impl CompactReport {
    /// The groups that lost to a concurrent commit were planned again as `again`'s groups
    /// (none: nothing of them is left to compact): they no longer count as failed.
    fn supersede_lost(&mut self, again: &CompactionPlan) {
        let ids: Vec<String> = again
            .groups
            .iter()
            .map(|g| g.report.id.to_string())
            .collect();
        for group in self.groups.iter_mut().filter(|g| g.lost_to_a_commit()) {
            let lost = group.failure.take().unwrap_or_default();
            group.status = GroupStatus::Skipped;
            group.failure_kind = None;
            group.failure = Some(if ids.is_empty() {
                format!("{lost}; planned again: nothing of it is left to compact")
            } else {
                format!("{lost}; planned again as group(s) {}", ids.join(", "))
            });
        }
        self.recount();
    }

    /// Add a re-planned run's groups and commits.
    fn absorb(&mut self, retried: CompactReport) {
        self.groups.extend(retried.groups);
        self.snapshot_ids.extend(retried.snapshot_ids);
        self.commit_attempts += retried.commit_attempts;
        self.delete_files_removed += retried.delete_files_removed;
        self.elapsed_ms = self.elapsed_ms.max(retried.elapsed_ms);
        self.recount();
    }

    /// The groups' counts and the committed groups' totals.
    fn recount(&mut self) {
        let count = |s: GroupStatus| self.groups.iter().filter(|g| g.status == s).count();
        let (committed, failed, skipped) = (
            count(GroupStatus::Committed),
            count(GroupStatus::Failed),
            count(GroupStatus::Skipped),
        );
        // A dry run's totals are the plan's.
        let done: Vec<&GroupReport> = self
            .groups
            .iter()
            .filter(|g| g.status == GroupStatus::Committed || self.dry_run)
            .collect();
        self.files_rewritten = done.iter().map(|g| g.files).sum();
        self.bytes_rewritten = done.iter().map(|g| g.bytes).sum();
        self.files_written = done.iter().map(|g| g.output_files).sum();
        self.bytes_written = done.iter().map(|g| g.output_bytes).sum();
        self.groups_planned = self.groups.len();
        self.groups_committed = committed;
        self.groups_failed = failed;
        self.groups_skipped = skipped;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{kind_of, ErrorKind};

    fn group(id: usize, status: GroupStatus, kind: Option<FailureKind>) -> GroupReport {
        GroupReport {
            id,
            partition: format!("p={id}"),
            spec_id: 0,
            files: 2,
            bytes: 10,
            records: 4,
            delete_files: 0,
            expected_output_files: 1,
            reasons: vec!["small".into()],
            status,
            output_files: 0,
            output_bytes: 0,
            failure: kind.map(|_| "why".into()),
            failure_kind: kind,
            snapshot_id: None,
        }
    }

    fn report(groups: Vec<GroupReport>) -> CompactReport {
        CompactReport {
            table: "t".into(),
            dry_run: false,
            strategy: Strategy::Binpack,
            zorder_by: None,
            starting_snapshot_id: Some(1),
            target_file_size_bytes: 1,
            message: None,
            groups_planned: groups.len(),
            groups_committed: groups
                .iter()
                .filter(|g| g.status == GroupStatus::Committed)
                .count(),
            groups_failed: 0,
            groups_skipped: 0,
            files_rewritten: 0,
            bytes_rewritten: 0,
            files_written: 0,
            bytes_written: 0,
            delete_files_removed: 0,
            snapshot_ids: vec![],
            commit_attempts: 1,
            replans: 0,
            elapsed_ms: 0,
            groups,
            engine: crate::ops::engine::Engine::Floe,
            spark: None,
        }
    }

    #[test]
    fn lost_races_alone_are_a_conflict_any_other_failure_a_failure() {
        use GroupStatus::*;
        let clean = report(vec![group(1, Committed, None), group(2, Skipped, None)]);
        assert!(clean.failure().is_none());
        let raced = report(vec![
            group(1, Committed, None),
            group(2, Failed, Some(FailureKind::Conflict)),
        ]);
        let err = raced.failure().unwrap();
        assert_eq!(kind_of(&err), ErrorKind::CommitConflict);
        assert_eq!(kind_of(&err).exit_code(), 3);
        let broken = report(vec![
            group(1, Failed, Some(FailureKind::Conflict)),
            group(2, Failed, Some(FailureKind::Error)),
        ]);
        let err = broken.failure().unwrap();
        assert_eq!(kind_of(&err), ErrorKind::Failed);
        assert!(err.to_string().contains("group 2 (p=2)"), "{err}");
    }
}
