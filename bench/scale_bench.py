#!/usr/bin/env python3
"""Driver of the scale benchmark (called by bench/scale; see bench/README.md).

For each size (data files), builds a synthetic partitioned table with the `scale_table`
generator (one real Parquet file per partition, hard-linked for the rest; SIZE/500 manifests,
SIZE/100 snapshots) and times floe's read-side commands on it, each as its own process with
peak RSS from wait4, beside PyIceberg's inspect.files() and scan().plan_files().
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from ingest_bench import parse_report, run_plain  # noqa: E402

PARTITIONS = 1000
ROWS_PER_FILE = 100
FILES_PER_MANIFEST = 500
FILES_PER_SNAPSHOT = 100
POINT = 500  # the partition the point query reads


def run_timed(cmd: list[str], label: str, logs: str, ok_codes=(0,), keep_stdout=True) -> dict:
    """Run cmd as its own process: wall seconds, peak RSS (wait4), CPU, and its stdout."""
    print(f"bench: {label}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    out_path = os.path.join(logs, f"{label}.stdout") if keep_stdout else os.devnull
    err_path = os.path.join(logs, f"{label}.stderr")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in ok_codes:
        sys.stderr.write(open(err_path, encoding="utf-8", errors="replace").read()[-4000:])
        raise SystemExit(f"bench: {label} failed with exit code {code} (logs in {logs})")
    return {
        "seconds": round(wall, 3),
        "peak_rss_mib": round(usage.ru_maxrss / 1024.0, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "stdout": open(out_path, encoding="utf-8").read() if keep_stdout else "",
    }


def build_table(args, size: int, work: str) -> tuple[str, str]:
    """The synthetic table of `size` data files; returns (location, metadata file)."""
    table = os.path.join(work, "warehouse", "bench", "scale")
    ready = os.path.join(work, "ready.json")
    if args.reuse and os.path.exists(ready):
        # Every timed command is read-only (dry runs), so a kept table serves again.
        with open(ready) as f:
            return table, json.load(f)["metadata_location"]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    seed = os.path.join(work, "seed.parquet")
    subprocess.run([sys.executable, "-c", f"""
import sys, datetime, pyarrow as pa, pyarrow.parquet as pq
n = {PARTITIONS} * {ROWS_PER_FILE}
base = datetime.datetime(2024, 1, 1)
pq.write_table(pa.table({{
    'id': pa.array(range(n), pa.int64()),
    'p': pa.array([i // {ROWS_PER_FILE} for i in range(n)], pa.int32()),
    'ts': pa.array([base + datetime.timedelta(seconds=i) for i in range(n)], pa.timestamp('us')),
    'v': pa.array([i * 0.5 for i in range(n)], pa.float64()),
    'name': pa.array([f'name-{{i % 977}}' for i in range(n)], pa.string()),
}}), sys.argv[1])
""", seed], check=True)
    run_plain([args.floe, "create", table, "--like", seed, "--partition-by", "p"], "floe create")
    run_plain([args.floe, "ingest", table, seed, "-q"], "floe ingest seed")
    print(f"bench: generating {size} files", file=sys.stderr, flush=True)
    start = time.perf_counter()
    subprocess.run([args.generator, table, str(size), str(size // FILES_PER_MANIFEST),
                    str(size // FILES_PER_SNAPSHOT)], check=True)
    print(f"bench: generated in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    metadata = json.loads(run_plain([args.floe, "describe", table, "-o", "json"], "floe describe"))
    if metadata["totals"]["data_files"] != size:
        raise SystemExit(f"bench: the table has {metadata['totals']['data_files']} data files, not {size}")
    with open(ready, "w") as f:
        json.dump({"metadata_location": metadata["metadata_location"]}, f)
    return table, metadata["metadata_location"]


def measure_size(args, size: int, logs: str, check_files_json: bool) -> list[dict]:
    work = os.path.join(args.out, "scale", str(size))
    table, metadata = build_table(args, size, work)
    per_partition = size // PARTITIONS
    results = []

    def measure(command: str, tool: str, cmd: list[str], check=None, ok_codes=(0,), keep_stdout=True):
        if args.only and command not in args.only:
            return
        m = run_timed(cmd, f"scale-{size}-{tool}-{command}", logs, ok_codes, keep_stdout)
        if check:
            check(parse_report(m["stdout"], f"{tool} {command}"))
        results.append({"size": size, "command": command, "tool": tool,
                        **{k: v for k, v in m.items() if k != "stdout"}})
        # Kept as they come: a run stopped half-way still leaves what it measured.
        with open(os.path.join(args.out, "scale.partial.json"), "w") as f:
            json.dump(args.done + results, f, indent=2)

    def expect(what, got, want):
        if got != want:
            raise SystemExit(f"bench: {what}: got {got}, expected {want}")

    floe = args.floe
    measure("describe", "floe", [floe, "describe", table, "-o", "json"],
            lambda r: expect("describe data files", r["totals"]["data_files"], size))
    measure("health", "floe", [floe, "health", table, "-o", "json"],
            lambda r: expect("health data files", r["tables"][0]["stats"]["data_files"], size),
            ok_codes=(0, 4))
    if check_files_json:
        # Parsed in a process of its own: a driver grown by a big document would lend its size
        # to the peak RSS wait4 reports for every process it starts afterwards.
        counted = subprocess.run(
            f"{shlex.quote(floe)} files {shlex.quote(table)} -o json | {shlex.quote(sys.executable)} -c "
            "'import json, sys; d = json.load(sys.stdin); print(len(d[\"files\"]), d[\"file_count\"])'",
            shell=True, check=True, stdout=subprocess.PIPE, text=True).stdout.split()
        expect("files listed and counted", [int(n) for n in counted], [size, size])
    measure("files", "floe", [floe, "files", table, "-o", "json"], keep_stdout=False)
    measure("partitions", "floe", [floe, "partitions", table, "-o", "json"],
            lambda r: expect("partitions", len(r["partitions"]), PARTITIONS))
    measure("compact --dry-run", "floe", [floe, "compact", table, "--dry-run", "-o", "json"])
    measure("expire --dry-run", "floe", [floe, "expire", table, "--dry-run", "-o", "json"],
            lambda r: r["expired_snapshot_ids"] or SystemExit("bench: expire found nothing to expire"))
    measure("remove-orphans --dry-run", "floe", [floe, "remove-orphans", table, "--dry-run", "-o", "json"],
            lambda r: expect("orphans", r["files"] >= 7, True))
    measure("verify", "floe", [floe, "verify", table, "-o", "json"],
            lambda r: expect("verify ok", (r["ok"], r["data_files"]), (True, size)))
    measure("query p=500", "floe",
            [floe, "query", table, "--select", "count(*) AS n", "--where", f"p = {POINT}", "-o", "json"],
            lambda r: expect("rows in one partition", r[0]["n"], per_partition * ROWS_PER_FILE))
    script = os.path.join(HERE, "pyiceberg_scale.py")
    py = sys.executable
    measure("inspect.files", "pyiceberg", [py, script, "files", metadata],
            lambda r: expect("pyiceberg files", r["files"], size))
    measure("plan_files", "pyiceberg", [py, script, "plan", metadata],
            lambda r: expect("pyiceberg planned", r["files"], size))
    measure("plan_files p=500", "pyiceberg", [py, script, "plan", metadata, "--where", f"p == {POINT}"],
            lambda r: expect("pyiceberg planned in one partition", r["files"], per_partition))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return results


def print_table(results: list[dict], sizes: list[int]) -> dict:
    rows = []
    for r in results:
        key = (r["tool"], r["command"])
        if key not in rows:
            rows.append(key)
    by = {(r["tool"], r["command"], r["size"]): r for r in results}
    head = f"{'tool':9} {'command':26}" + "".join(f" {f'{s:,} s':>11} {'MiB':>6}" for s in sizes)
    growth_cols = list(zip(sizes, sizes[1:]))
    head += "".join(f" {f'x{b // a} time':>9}" for a, b in growth_cols)
    print(head)
    print("-" * len(head))
    growth = {}
    for tool, command in rows:
        line = f"{tool:9} {command:26}"
        for s in sizes:
            r = by.get((tool, command, s))
            line += f" {r['seconds']:11.2f} {r['peak_rss_mib']:6.0f}" if r else f" {'-':>11} {'-':>6}"
        for a, b in growth_cols:
            ra, rb = by.get((tool, command, a)), by.get((tool, command, b))
            if ra and rb:
                ratio = rb["seconds"] / max(ra["seconds"], 1e-3)
                growth.setdefault(f"{tool} {command}", {})[f"{a}->{b}"] = {
                    "seconds": round(ratio, 2),
                    "peak_rss": round(rb["peak_rss_mib"] / ra["peak_rss_mib"], 2),
                }
                line += f" {ratio:9.1f}"
        print(line)
    print()
    print("s: wall seconds of the whole process; MiB: its peak RSS; xN time: seconds at the larger")
    print("size over the smaller (N times as many files; N or less is linear or better)")
    return growth


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--floe", required=True)
    ap.add_argument("--generator", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--keep", action="store_true", help="keep each size's table")
    ap.add_argument("--only", type=lambda text: text.split(","), default=[],
                    help="time only these commands (comma-separated, as named in the table)")
    ap.add_argument("--reuse", action="store_true",
                    help="use the table a run with --keep left, if there is one (implies --keep)")
    args = ap.parse_args()
    args.out = os.path.abspath(args.out)
    args.keep = args.keep or args.reuse
    sizes = [int(s) for s in args.sizes.split(",")]
    for s in sizes:
        if s % (PARTITIONS * FILES_PER_MANIFEST // 100) or s % FILES_PER_MANIFEST or s % PARTITIONS:
            raise SystemExit(f"bench: size {s} must be a multiple of {FILES_PER_MANIFEST} and {PARTITIONS}")
    logs = os.path.join(args.out, "logs")
    os.makedirs(logs, exist_ok=True)
    results = []
    for size in sizes:
        args.done = results
        results += measure_size(args, size, logs, check_files_json=(size <= 100_000))
    growth = print_table(results, sizes)
    with open(os.path.join(args.out, "scale.json"), "w") as f:
        json.dump({
            "benchmark": "scale",
            "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "shape": {"partitions": PARTITIONS, "rows_per_file": ROWS_PER_FILE,
                      "files_per_manifest": FILES_PER_MANIFEST, "files_per_snapshot": FILES_PER_SNAPSHOT},
            "sizes": sizes,
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
            "results": results,
            "growth": growth,
        }, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
