#!/usr/bin/env python3
"""Driver of the compaction benchmark (called by bench/compact; see bench/README.md).

Makes two identical small-file tables with floe (the input split into APPENDS slices, one
`floe ingest` each, into a month(l_shipdate)-partitioned table), then times, each as its
own process with peak RSS from wait4:

  floe       `floe compact TABLE` on the first table
  floe-v3    the same on a third, identical table of format version 3 (`create
             --format-version 3`): the rewrite then also carries every row's `_row_id` and
             `_last_updated_sequence_number` into the new files
  pyiceberg  full scan to Arrow + `overwrite` on the second table (registered in a SQLite
             catalog): PyIceberg has no compaction of its own
  pyarrow    reading the second table's original data files and writing them again, no
             Iceberg (the limit on reading and rewriting the same bytes)

Rows are checked after each: the compacted tables hold exactly the input's rows.
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


def slices(source: str, count: int, work: str) -> list[str]:
    """The input cut into `count` Parquet files (cached). Cut in a child process: the whole
    input in this process's memory would be counted in every later child's peak RSS."""
    folder = os.path.join(work, f"slices-{count}")
    done = os.path.join(folder, "done")
    paths = [os.path.join(folder, f"part-{i:04}.parquet") for i in range(count)]
    if os.path.exists(done):
        return paths
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    cut = (
        "import sys, pyarrow.parquet as pq\n"
        "source, count, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]\n"
        "table = pq.read_table(source)\n"
        "step = -(-table.num_rows // count)\n"
        "for i in range(count):\n"
        "    pq.write_table(table.slice(i * step, step), f'{folder}/part-{i:04}.parquet')\n"
    )
    subprocess.run([sys.executable, "-c", cut, source, str(count), folder], check=True)
    open(done, "w").close()
    return paths


def floe_json(floe: str, args: list[str]) -> dict:
    return json.loads(run_plain([floe, *args, "-o", "json"], f"floe {args[0]}"))


def small_file_table(floe: str, location: str, parts: list[str], extra: tuple[str, ...] = ()) -> dict:
    shutil.rmtree(location, ignore_errors=True)
    floe_json(floe, ["create", location, "--like", parts[0], "--partition-by", "month(l_shipdate)", *extra])
    for part in parts:
        subprocess.run([floe, "ingest", location, part, "-q"], check=True, stdout=subprocess.DEVNULL)
    return floe_json(floe, ["describe", location])


def count_rows(floe: str, location: str) -> int:
    return floe_json(floe, ["query", location, "--select", "count(*) AS n"])[0]["n"]


def row(tool: str, measured: dict, rows: int, files_before: int, files_after: int) -> dict:
    secs = measured["seconds"]
    return {
        "tool": tool,
        "rows": rows,
        "seconds": round(secs, 3),
        "rows_per_second": round(rows / secs, 1),
        "peak_rss_mib": round(measured["peak_rss_mib"], 1),
        "cpu_seconds": round(measured["user_seconds"] + measured["system_seconds"], 3),
        "files_before": files_before,
        "files_after": files_after,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--floe", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--appends", type=int, default=200)
    ap.add_argument("source")
    args = ap.parse_args()

    out = os.path.abspath(args.out)
    work = os.path.join(out, "compact")
    logs = os.path.join(out, "logs")
    os.makedirs(logs, exist_ok=True)
    expected = int(run_plain([sys.executable, "-c", "import sys, pyarrow.parquet as pq; print(pq.ParquetFile(sys.argv[1]).metadata.num_rows)", args.source], "count rows"))
    parts = slices(args.source, args.appends, os.path.join(out, "compact-input"))
    print(f"bench: {len(parts)} appends of ~{expected // len(parts):,} rows", file=sys.stderr)

    floe_table = os.path.join(work, "floe", "small")
    py_table = os.path.join(work, "pyiceberg", "small")
    v3_table = os.path.join(work, "floe-v3", "small")
    before = small_file_table(args.floe, floe_table, parts)
    small_file_table(args.floe, py_table, parts)
    small_file_table(args.floe, v3_table, parts, ("--format-version", "3"))
    files_before = before["totals"]["data_files"]
    # The limit rewrites the same files: the second table's, which PyIceberg rewrote (its old
    # files stay on disk), listed before anything compacts.
    data_files = [f["file_path"] for f in floe_json(args.floe, ["files", py_table])["files"]]

    results = []
    m = run_measured([args.floe, "compact", floe_table, "-o", "json"], "floe-compact", logs)
    report = parse_report(m["stdout"], "floe compact")
    rows = count_rows(args.floe, floe_table)
    if rows != expected:
        raise SystemExit(f"bench: floe's compacted table holds {rows} rows, not {expected}")
    after = floe_json(args.floe, ["describe", floe_table])["totals"]["data_files"]
    results.append(row("floe", m, rows, files_before, after))
    print(f"bench: floe: {report['groups_committed']} groups, {report['files_rewritten']} -> {report['files_written']} files", file=sys.stderr)

    m = run_measured([args.floe, "compact", v3_table, "-o", "json"], "floe-v3-compact", logs)
    report = parse_report(m["stdout"], "floe compact (v3)")
    rows = count_rows(args.floe, v3_table)
    if rows != expected:
        raise SystemExit(f"bench: floe's compacted v3 table holds {rows} rows, not {expected}")
    ids = floe_json(args.floe, ["query", v3_table, "--select", "count(DISTINCT _row_id) AS n, min(_row_id) AS lo, max(_row_id) AS hi"])[0]
    if (ids["n"], ids["lo"], ids["hi"]) != (expected, 0, expected - 1):
        raise SystemExit(f"bench: the compacted v3 table's row ids are not 0..{expected}: {ids}")
    after = floe_json(args.floe, ["describe", v3_table])["totals"]["data_files"]
    v3_row = row("floe-v3", m, rows, files_before, after)

    script = os.path.join(HERE, "pyiceberg_compact.py")
    py_wh = os.path.join(work, "pyiceberg-catalog")
    shutil.rmtree(py_wh, ignore_errors=True)
    metadata = floe_json(args.floe, ["describe", py_table])["metadata_location"]
    run_plain([sys.executable, script, "register", "--warehouse", py_wh, "--metadata", metadata], "pyiceberg register")
    m = run_measured([sys.executable, script, "compact", "--warehouse", py_wh], "pyiceberg-compact", logs)
    report = parse_report(m["stdout"], "pyiceberg compact")
    if report["records"] != expected:
        raise SystemExit(f"bench: PyIceberg rewrote {report['records']} rows, not {expected}")
    results.append(row("pyiceberg", m, report["records"], files_before, report["files_written"]))

    rewritten = os.path.join(work, "pyarrow-rewrite")
    listing = os.path.join(work, "data-files.txt")
    with open(listing, "w") as f:
        f.write("\n".join(data_files) + "\n")
    m = run_measured([sys.executable, script, "rewrite-files", "--out", rewritten, "--list", listing], "pyarrow-rewrite", logs)
    report = parse_report(m["stdout"], "pyarrow rewrite")
    results.append(row("pyarrow", m, report["records"], files_before, report["files_written"]))
    results.append(v3_row)

    headers = ["tool", "rows", "seconds", "rows/s", "peak RSS MiB", "CPU s", "files before", "files after"]
    lines = [[r["tool"], f"{r['rows']:,}", f"{r['seconds']:.2f}", f"{r['rows_per_second']:,.0f}",
              f"{r['peak_rss_mib']:.0f}", f"{r['cpu_seconds']:.2f}", str(r["files_before"]), str(r["files_after"])]
             for r in results]
    widths = [max(len(h), *(len(l[i]) for l in lines)) for i, h in enumerate(headers)]
    fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    print(fmt(headers))
    print(fmt(["-" * w for w in widths]))
    for l in lines:
        print(fmt(l))
    floe, pyi, limit, v3 = results
    ratios = {
        "throughput_vs_pyiceberg": round(floe["rows_per_second"] / pyi["rows_per_second"], 3),
        "peak_rss_vs_pyiceberg": round(floe["peak_rss_mib"] / pyi["peak_rss_mib"], 3),
        "seconds_vs_pyarrow": round(floe["seconds"] / limit["seconds"], 3),
        "v3_seconds_vs_v2": round(v3["seconds"] / floe["seconds"], 3),
        "v3_peak_rss_vs_v2": round(v3["peak_rss_mib"] / floe["peak_rss_mib"], 3),
    }
    print()
    print(f"floe / pyiceberg throughput: {ratios['throughput_vs_pyiceberg']:.2f}x  (higher is better for floe)")
    print(f"floe / pyiceberg peak RSS:   {ratios['peak_rss_vs_pyiceberg']:.2f}x  (lower is better for floe)")
    print(f"floe / pyarrow time:         {ratios['seconds_vs_pyarrow']:.2f}x  (1.0 = as fast as rewriting the bytes without Iceberg)")
    print(f"floe v3 / v2 time:           {ratios['v3_seconds_vs_v2']:.2f}x  (the cost of carrying row lineage)")
    print(f"floe v3 / v2 peak RSS:       {ratios['v3_peak_rss_vs_v2']:.2f}x")
    doc = {
        "benchmark": "compact",
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "input": {"source": os.path.relpath(args.source), "rows": expected, "appends": len(parts)},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "results": results,
        "ratios": ratios,
    }
    with open(os.path.join(out, "compact.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
