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


def result_row(tool: str, task: str, measured: dict, report: dict, input_bytes: int, expected_rows: int) -> dict:
    rows = int(report.get("records_added", -1))
    if rows != expected_rows:
        raise SystemExit(f"bench: {tool} ({task}) reports {rows} records written, the input has {expected_rows}")
    secs = measured["seconds"]
    return {
        "tool": tool,
        "task": task,
        "rows": rows,
        "seconds": round(secs, 3),
        "rows_per_second": round(rows / secs, 1),
        "input_mb_per_second": round(input_bytes / 1e6 / secs, 2),
        "peak_rss_mib": round(measured["peak_rss_mib"], 1),
        "cpu_seconds": round(measured["user_seconds"] + measured["system_seconds"], 3),
        "bytes_added": report.get("bytes_added"),
        "report": report,
    }


def print_table(results: list[dict], ratios: list[dict]) -> None:
    headers = ["input", "tool", "rows", "seconds", "rows/s", "MB/s", "peak RSS MiB", "CPU s"]
    lines = [
        [
            r["task"],
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
    fmt = lambda cells: "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    print(fmt(headers))
    print(fmt(["-" * w for w in widths]))
    for l in lines:
        print(fmt(l))
    if ratios:
        print()
        width = max(len(r["name"]) for r in ratios)
        for r in ratios:
            goal = f"  goal {r['goal']}: {'met' if r['met'] else 'NOT met'}" if "goal" in r else ""
            print(f"{r['name'].ljust(width)}  {r['value']:.2f}x{goal}")


def duckdb_copy(source_sql: str, out_dir: str, partition_column: str | None, zstd: bool) -> str:
    """DuckDB's COPY of the input to Parquet, partitioned by month like the Iceberg tables
    when a column is given; with DuckDB's default codec (Snappy), or zstd level 1 as floe's
    tables write by default (the same work as floe's)."""
    options = ["FORMAT parquet"]
    if partition_column:
        select = f"SELECT *, date_trunc('month', {partition_column}) AS bench_month FROM {source_sql}"
        options.append("PARTITION_BY (bench_month)")
    else:
        select = f"SELECT * FROM {source_sql}"
    if zstd:
        options += ["COMPRESSION zstd", "COMPRESSION_LEVEL 1"]
    return f"COPY ({select}) TO '{out_dir}' ({', '.join(options)})"


def duckdb_run(duckdb: str, sql: str, target: str, label: str, log_dir: str) -> tuple[dict, dict]:
    """Run one COPY in DuckDB's shell (its own process, as floe is); its report in the shape
    the others print, from the files it wrote (counted after the timed run)."""
    m = run_measured([duckdb, "-c", sql], label, log_dir)
    pattern = os.path.join(target, "**", "*.parquet") if os.path.isdir(target) else target
    counted = run_plain([duckdb, "-json", "-c", f"SELECT count(*) AS n FROM read_parquet('{pattern}')"], f"{label} count")
    return m, {"records_added": int(json.loads(counted)[0]["n"]), "bytes_added": tree_bytes(target)}


def tree_bytes(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def csv_of(parquet: str, duckdb: str) -> str:
    """The same rows as CSV (with a header) beside the Parquet input, made once by DuckDB."""
    csv = os.path.splitext(parquet)[0] + ".csv"
    if not os.path.exists(csv):
        tmp = csv + ".tmp"
        run_plain([duckdb, "-c", f"COPY (FROM read_parquet('{parquet}')) TO '{tmp}' (FORMAT csv, HEADER)"], "make CSV input")
        os.replace(tmp, csv)
    return csv


def ratio(name: str, value: float, goal: str | None = None, met: bool | None = None) -> dict:
    r = {"name": name, "value": round(value, 3)}
    if goal is not None:
        r["goal"] = goal
        r["met"] = bool(met)
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--floe", help="floe binary (required unless --skip-floe)")
    ap.add_argument("--out", required=True, help="output directory (tables, logs, ingest.json)")
    ap.add_argument("--partition-column", default="l_shipdate")
    ap.add_argument("--skip-floe", action="store_true")
    ap.add_argument("--skip-pyiceberg", action="store_true")
    ap.add_argument("--skip-duckdb", action="store_true")
    ap.add_argument("--skip-csv", action="store_true", help="leave out the CSV comparison (floe, polars)")
    ap.add_argument("--duckdb", default=os.path.join(os.path.dirname(sys.executable), "duckdb"), help="DuckDB's shell")
    ap.add_argument("files", nargs="+", help="input Parquet file(s)")
    args = ap.parse_args()

    files = [os.path.abspath(f) for f in args.files]
    out = os.path.abspath(args.out)
    wh = os.path.join(out, "warehouse")
    peers = os.path.join(out, "peers")
    logs = os.path.join(out, "logs")
    shutil.rmtree(wh, ignore_errors=True)
    shutil.rmtree(peers, ignore_errors=True)
    os.makedirs(logs, exist_ok=True)
    os.makedirs(peers, exist_ok=True)
    if not args.skip_floe and not args.floe:
        ap.error("--floe is required unless --skip-floe")

    input_bytes = sum(os.path.getsize(f) for f in files)
    expected_rows = parquet_rows(files)
    print(f"bench: input {len(files)} file(s), {expected_rows:,} rows, {input_bytes / 1e6:.1f} MB", file=sys.stderr)
    month = f"month({args.partition_column})"

    results = []
    if not args.skip_floe:
        floe_table = os.path.join(wh, "bench", "lineitem_floe")
        run_plain([args.floe, "create", floe_table, "--like", files[0], "--partition-by", month], "floe create")
        m = run_measured([args.floe, "ingest", floe_table, *files, "-o", "json"], "floe-ingest", logs)
        results.append(result_row("floe", "parquet", m, parse_report(m["stdout"], "floe ingest"), input_bytes, expected_rows))

    if not args.skip_pyiceberg:
        py_wh = os.path.join(wh, "pyiceberg")
        script = os.path.join(HERE, "pyiceberg_ingest.py")
        run_plain(
            [sys.executable, script, "create", "--warehouse", py_wh, "--like", files[0], "--month-of", args.partition_column],
            "pyiceberg create",
        )
        m = run_measured([sys.executable, script, "ingest", "--warehouse", py_wh, *files], "pyiceberg-ingest", logs)
        results.append(result_row("pyiceberg", "parquet", m, parse_report(m["stdout"], "pyiceberg ingest"), input_bytes, expected_rows))

    if not args.skip_duckdb:
        source = "read_parquet([" + ", ".join(f"'{f}'" for f in files) + "])"
        for tool, zstd in (("duckdb", False), ("duckdb-zstd1", True)):
            target = os.path.join(peers, tool)
            sql = duckdb_copy(source, target, args.partition_column, zstd)
            m, report = duckdb_run(args.duckdb, sql, target, f"{tool}-copy", logs)
            results.append(result_row(tool, "parquet", m, report, input_bytes, expected_rows))

    if not args.skip_csv:
        if len(files) != 1:
            ap.error("the CSV comparison takes one input file (or pass --skip-csv)")
        csv = csv_of(files[0], args.duckdb)
        csv_bytes = os.path.getsize(csv)
        print(f"bench: CSV input {csv_bytes / 1e6:.1f} MB", file=sys.stderr)
        if not args.skip_floe:
            csv_table = os.path.join(wh, "bench", "lineitem_floe_csv")
            run_plain([args.floe, "create", csv_table, "--like", csv, "--partition-by", month], "floe create (CSV)")
            m = run_measured([args.floe, "ingest", csv_table, csv, "-o", "json"], "floe-ingest-csv", logs)
            results.append(result_row("floe", "csv", m, parse_report(m["stdout"], "floe ingest (CSV)"), csv_bytes, expected_rows))
        target = os.path.join(peers, "polars.parquet")
        m = run_measured([sys.executable, os.path.join(HERE, "polars_csv.py"), csv, target], "polars-csv", logs)
        results.append(result_row("polars", "csv", m, parse_report(m["stdout"], "polars"), csv_bytes, expected_rows))

    def find(tool: str, task: str) -> dict | None:
        return next((r for r in results if r["tool"] == tool and r["task"] == task), None)

    ratios = []
    floe_pq = find("floe", "parquet")
    if floe_pq and find("pyiceberg", "parquet"):
        pyi = find("pyiceberg", "parquet")
        speedup = pyi["seconds"] / floe_pq["seconds"]
        ratios.append(ratio("pyiceberg seconds / floe seconds (Parquet)", speedup, ">= 2.5", speedup >= 2.5))
        ratios.append(ratio("floe peak RSS / pyiceberg peak RSS", floe_pq["peak_rss_mib"] / pyi["peak_rss_mib"]))
    if floe_pq and find("duckdb", "parquet"):
        share = floe_pq["seconds"] / find("duckdb", "parquet")["seconds"]
        ratios.append(ratio("floe seconds / duckdb partitioned COPY seconds", share, "<= 0.75", share <= 0.75))
        share = floe_pq["seconds"] / find("duckdb-zstd1", "parquet")["seconds"]
        ratios.append(ratio("floe seconds / duckdb COPY seconds, both zstd level 1", share))
    if floe_pq:
        ratios.append(ratio("floe peak RSS GiB (Parquet)", floe_pq["peak_rss_mib"] / 1024, "< 1", floe_pq["peak_rss_mib"] < 1024))
    if find("floe", "csv") and find("polars", "csv"):
        share = find("floe", "csv")["seconds"] / find("polars", "csv")["seconds"]
        ratios.append(ratio("floe CSV ingest seconds / polars CSV->Parquet seconds", share, "<= 1", share <= 1.0))

    print_table(results, ratios)

    doc = {
        "benchmark": "ingest",
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "input": {"files": [os.path.relpath(f) for f in files], "rows": expected_rows, "bytes": input_bytes},
        "partition_spec": month,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "results": results,
        "ratios": ratios,
    }
    with open(os.path.join(out, "ingest.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"\nwritten: {os.path.join(args.out, 'ingest.json')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
