#!/usr/bin/env python3
"""Driver of the ingest benchmark (called by bench/run; see bench/README.md).

Creates the same month-partitioned table with floe and with PyIceberg, times
one ingest of the same Parquet file(s) with each, measuring wall time and peak
RSS of the ingesting process, then prints a comparison table and writes it as
JSON to OUT/ingest.json.
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
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_measured(cmd: list[str], label: str, log_dir: str) -> dict:
    """Run cmd; return wall seconds, peak RSS (of that process) and its stdout."""
    print(f"bench: {label}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    out_path = os.path.join(log_dir, f"{label}.stdout")
    err_path = os.path.join(log_dir, f"{label}.stderr")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = open(out_path, encoding="utf-8", errors="replace").read()
    if proc.returncode != 0:
        sys.stderr.write(open(err_path, encoding="utf-8", errors="replace").read()[-4000:])
        raise SystemExit(f"bench: {label} failed with exit code {proc.returncode} (logs in {log_dir})")
    return {
        "seconds": wall,
        "peak_rss_mib": usage.ru_maxrss / 1024.0,  # ru_maxrss is KiB on Linux
        "user_seconds": usage.ru_utime,
        "system_seconds": usage.ru_stime,
        "stdout": stdout,
    }


def run_plain(cmd: list[str], label: str) -> str:
    print(f"bench: {label}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        sys.stderr.write(res.stdout[-4000:] + res.stderr[-4000:])
        raise SystemExit(f"bench: {label} failed with exit code {res.returncode}")
    return res.stdout


def parse_report(stdout: str, label: str) -> dict:
    """The JSON ingest report: the whole stdout, else its last line that parses."""
    try:
        return json.loads(stdout)
    except json.JSONDecodeError:
        for line in reversed(stdout.strip().splitlines()):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    raise SystemExit(f"bench: {label}: no JSON report on stdout:\n{stdout[-2000:]}")


def parquet_rows(files: list[str]) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def result_row(tool: str, measured: dict, report: dict, input_bytes: int, expected_rows: int) -> dict:
    rows = int(report.get("records_added", -1))
    if rows != expected_rows:
        raise SystemExit(f"bench: {tool} reports {rows} records added, the input has {expected_rows}")
    secs = measured["seconds"]
    return {
        "tool": tool,
        "rows": rows,
        "seconds": round(secs, 3),
        "rows_per_second": round(rows / secs, 1),
        "input_mb_per_second": round(input_bytes / 1e6 / secs, 2),
        "peak_rss_mib": round(measured["peak_rss_mib"], 1),
        "cpu_seconds": round(measured["user_seconds"] + measured["system_seconds"], 3),
        "bytes_added": report.get("bytes_added"),
        "report": report,
    }


def print_table(results: list[dict], ratios: dict) -> None:
    headers = ["tool", "rows", "seconds", "rows/s", "MB/s", "peak RSS MiB", "CPU s"]
    lines = [
        [
            r["tool"],
            f"{r['rows']:,}",
            f"{r['seconds']:.2f}",
            f"{r['rows_per_second']:,.0f}",
            f"{r['input_mb_per_second']:.1f}",
            f"{r['peak_rss_mib']:.0f}",
            f"{r['cpu_seconds']:.2f}",
        ]
        for r in results
    ]
    widths = [max(len(h), *(len(l[i]) for l in lines)) for i, h in enumerate(headers)]
    fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    print(fmt(headers))
    print(fmt(["-" * w for w in widths]))
    for l in lines:
        print(fmt(l))
    if ratios:
        print()
        print(f"floe / pyiceberg throughput: {ratios['throughput']:.2f}x  (higher is better for floe)")
        print(f"floe / pyiceberg peak RSS:   {ratios['peak_rss']:.2f}x  (lower is better for floe)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--floe", help="floe binary (required unless --skip-floe)")
    ap.add_argument("--out", required=True, help="output directory (tables, logs, ingest.json)")
    ap.add_argument("--partition-column", default="l_shipdate")
    ap.add_argument("--skip-floe", action="store_true")
    ap.add_argument("--skip-pyiceberg", action="store_true")
    ap.add_argument("files", nargs="+", help="input Parquet file(s)")
    args = ap.parse_args()

    files = [os.path.abspath(f) for f in args.files]
    out = os.path.abspath(args.out)
    wh = os.path.join(out, "warehouse")
    logs = os.path.join(out, "logs")
    shutil.rmtree(wh, ignore_errors=True)
    os.makedirs(logs, exist_ok=True)

    input_bytes = sum(os.path.getsize(f) for f in files)
    expected_rows = parquet_rows(files)
    print(f"bench: input {len(files)} file(s), {expected_rows:,} rows, {input_bytes / 1e6:.1f} MB", file=sys.stderr)

    results = []

    if not args.skip_floe:
        if not args.floe:
            ap.error("--floe is required unless --skip-floe")
        floe_table = os.path.join(wh, "bench", "lineitem_floe")
        run_plain(
            [args.floe, "create", floe_table, "--like", files[0], "--partition-by", f"month({args.partition_column})"],
            "floe create",
        )
        m = run_measured([args.floe, "ingest", floe_table, *files, "-o", "json"], "floe-ingest", logs)
        results.append(result_row("floe", m, parse_report(m["stdout"], "floe ingest"), input_bytes, expected_rows))

    if not args.skip_pyiceberg:
        py_wh = os.path.join(wh, "pyiceberg")
        script = os.path.join(HERE, "pyiceberg_ingest.py")
        run_plain(
            [sys.executable, script, "create", "--warehouse", py_wh, "--like", files[0], "--month-of", args.partition_column],
            "pyiceberg create",
        )
        m = run_measured([sys.executable, script, "ingest", "--warehouse", py_wh, *files], "pyiceberg-ingest", logs)
        results.append(result_row("pyiceberg", m, parse_report(m["stdout"], "pyiceberg ingest"), input_bytes, expected_rows))

    ratios = {}
    if [r["tool"] for r in results] == ["floe", "pyiceberg"]:
        floe, pyi = results
        ratios = {
            "throughput": round(floe["rows_per_second"] / pyi["rows_per_second"], 3),
            "peak_rss": round(floe["peak_rss_mib"] / pyi["peak_rss_mib"], 3),
        }

    print_table(results, ratios)

    doc = {
        "benchmark": "ingest",
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "input": {"files": [os.path.relpath(f) for f in files], "rows": expected_rows, "bytes": input_bytes},
        "partition_spec": f"month({args.partition_column})",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "results": results,
        "ratios_floe_over_pyiceberg": ratios,
    }
    with open(os.path.join(out, "ingest.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"\nwritten: {os.path.join(args.out, 'ingest.json')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
