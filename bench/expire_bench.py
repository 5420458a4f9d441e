#!/usr/bin/env python3
"""Driver of the snapshot-maintenance benchmark (called by bench/expire; see bench/README.md).

Builds one table with COMMITS snapshots (a 10-row `floe ingest` each), registers it with a
SQLite catalog for PyIceberg, and times, each as its own process with peak RSS from wait4:

  snapshots        floe `snapshots -o json`      PyIceberg `inspect.snapshots()`
  expire           floe `expire --older-than 0s --retain-last 10` (metadata commit, then the
                   files only expired snapshots reached are deleted)
                   PyIceberg `expire_snapshots().by_ids(...)` of the same snapshots (metadata
                   only: PyIceberg deletes no file)
  remove-orphans   floe `remove-orphans` (lists the location, reads every retained manifest);
                   PyIceberg has none

PyIceberg runs first on each step and only writes new metadata files next to floe's, which
floe's version hint ignores; floe then works on the table as PyIceberg found it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from ingest_bench import parse_report, run_measured, run_plain  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--floe", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--commits", type=int, default=2000)
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    work = os.path.join(out, "expire")
    logs = os.path.join(out, "logs")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(logs, exist_ok=True)
    os.makedirs(work)

    small = os.path.join(work, "rows.parquet")
    subprocess.run([sys.executable, "-c",
                    "import sys, pyarrow as pa, pyarrow.parquet as pq; "
                    "pq.write_table(pa.table({'id': pa.array(range(10), pa.int64()), 'v': pa.array([1.5] * 10)}), sys.argv[1])",
                    small], check=True)
    table = os.path.join(work, "warehouse", "history")
    run_plain([args.floe, "create", table, "--like", small], "floe create")
    print(f"bench: {args.commits} commits", file=sys.stderr, flush=True)
    for _ in range(args.commits):
        subprocess.run([args.floe, "ingest", table, small, "-q"], check=True, stdout=subprocess.DEVNULL)
    metadata = json.loads(run_plain([args.floe, "describe", table, "-o", "json"], "floe describe"))["metadata_location"]

    script = os.path.join(HERE, "pyiceberg_snapshots.py")
    py_wh = os.path.join(work, "pyiceberg-catalog")
    run_plain([sys.executable, script, "register", "--warehouse", py_wh, "--metadata", metadata], "pyiceberg register")

    results = []

    def measure(step: str, tool: str, cmd: list[str], check) -> None:
        m = run_measured(cmd, f"{tool}-{step}", logs)
        report = parse_report(m["stdout"], f"{tool} {step}")
        check(report)
        results.append({
            "step": step, "tool": tool, "seconds": round(m["seconds"], 3),
            "peak_rss_mib": round(m["peak_rss_mib"], 1),
            "cpu_seconds": round(m["user_seconds"] + m["system_seconds"], 3),
        })

    def expect(n):
        def check(report):
            got = len(report["snapshots"]) if isinstance(report.get("snapshots"), list) else report["snapshots"]
            if got != n:
                raise SystemExit(f"bench: expected {n} snapshots, got {got}")
        return check

    measure("snapshots", "pyiceberg", [sys.executable, script, "snapshots", "--warehouse", py_wh], expect(args.commits))
    measure("snapshots", "floe", [args.floe, "snapshots", table, "-o", "json"], expect(args.commits))
    measure("expire", "pyiceberg", [sys.executable, script, "expire", "--warehouse", py_wh, "--retain-last", "10"], expect(10))
    def ten_left(report):
        if report["snapshots_left"] != 10:
            raise SystemExit(f"bench: floe's expiry left {report['snapshots_left']} snapshots")

    measure("expire", "floe", [args.floe, "expire", table, "--older-than", "0s", "--retain-last", "10", "-o", "json"], ten_left)
    measure("remove-orphans", "floe", [args.floe, "remove-orphans", table, "-o", "json"], lambda r: None)
    rows = json.loads(run_plain([args.floe, "query", table, "--select", "count(*) AS n", "-o", "json"], "floe count"))[0]["n"]
    if rows != 10 * args.commits:
        raise SystemExit(f"bench: the table holds {rows} rows after expiry, not {10 * args.commits}")

    print(f"{'step':15} {'tool':10} {'seconds':>8} {'peak RSS MiB':>13} {'CPU s':>7}")
    for r in results:
        print(f"{r['step']:15} {r['tool']:10} {r['seconds']:8.2f} {r['peak_rss_mib']:13.0f} {r['cpu_seconds']:7.2f}")
    by = {(r["step"], r["tool"]): r for r in results}
    ratios = {
        step: round(by[(step, "pyiceberg")]["seconds"] / by[(step, "floe")]["seconds"], 3)
        for step in ("snapshots", "expire")
    }
    print()
    for step, ratio in ratios.items():
        print(f"{step}: floe {ratio:.2f}x faster than PyIceberg")
    print("(PyIceberg's expiry only rewrites metadata; floe's also deletes the files only expired snapshots reached)")
    with open(os.path.join(out, "expire.json"), "w") as f:
        json.dump({
            "benchmark": "expire",
            "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "commits": args.commits,
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
            "results": results,
            "pyiceberg_seconds_over_floe": ratios,
        }, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
