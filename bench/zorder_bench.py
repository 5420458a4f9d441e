#!/usr/bin/env python3
"""Driver of the Z-order benchmark (called by bench/zorder; see bench/README.md).

Ingests TPC-H lineitem, cut into SLICES files, into one unpartitioned table per strategy,
then rewrites each whole table with `floe compact --rewrite-all` into files of
--target-file-size: `binpack` (rows as they were), `sort` on the first column, `zorder` on
both. For a narrow filter on each column it counts the data files PyIceberg's
`scan(row_filter=...).plan_files()` keeps (min/max pruning of a real reader) out of the
total, before and after, and reports floe's compaction time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from compact_bench import slices  # noqa: E402


def floe_json(floe: str, args: list[str]) -> dict:
    out = subprocess.run([floe, *args, "-o", "json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def planned(py: str, table: str, filters: list[str]) -> dict:
    script = os.path.join(HERE, "..", "tests", "py", "plan_files.py")
    out = subprocess.run([py, script, "--metadata", table, *filters], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


def column_filters(py: str, source: str, columns: list[str], fraction: float, at: float) -> list[str]:
    """A range filter on each column covering `fraction` of its values, centred on quantile
    `at` (not the median: that is exactly where a Z-order curve makes its largest jump)."""
    code = (
        "import sys, json, pyarrow as pa, pyarrow.parquet as pq, pyarrow.compute as pc\n"
        "source, fraction, at, columns = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]\n"
        "t = pq.read_table(source, columns=columns)\n"
        "out = {}\n"
        "for c in columns:\n"
        "    a = pc.cast(t[c], 'int32') if pa.types.is_date32(t[c].type) else t[c]\n"
        "    q = pc.quantile(a, q=[at - fraction / 2, at + fraction / 2])\n"
        "    out[c] = [q[0].as_py(), q[1].as_py()]\n"
        "print(json.dumps(out))\n"
    )
    out = subprocess.run([py, "-c", code, source, str(fraction), str(at), *columns], check=True,
                         capture_output=True, text=True)
    ranges = json.loads(out.stdout)
    filters = []
    for column in columns:
        lo, hi = ranges[column]
        if "date" in column:
            epoch = dt.date(1970, 1, 1)
            lo = f"'{epoch + dt.timedelta(days=int(lo))}'"
            hi = f"'{epoch + dt.timedelta(days=int(hi))}'"
        else:
            lo, hi = int(lo), int(hi)
        filters.append(f"{column} >= {lo} AND {column} <= {hi}")
    return filters


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--floe", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--columns", default="l_shipdate,l_partkey")
    ap.add_argument("--slices", type=int, default=8)
    ap.add_argument("--target-file-size", default="1MiB")
    ap.add_argument("--fraction", type=float, default=0.01,
                    help="share of each column's values a filter selects")
    ap.add_argument("--at", type=float, default=0.3,
                    help="quantile of each column the filter is centred on")
    ap.add_argument("source", help="lineitem.parquet")
    args = ap.parse_args()

    py = sys.executable
    columns = args.columns.split(",")
    work = os.path.join(args.out, "zorder")
    parts = slices(args.source, args.slices, args.out)
    filters = column_filters(py, args.source, columns, args.fraction, args.at)

    strategies = {
        "binpack": [],
        "sort": ["--strategy", "sort", "--sort-by", columns[0]],
        "zorder": ["--strategy", "zorder", "--zorder-by", ",".join(columns)],
    }
    results = []
    before = None
    for name, extra in strategies.items():
        table = os.path.join(work, "warehouse", "db", name)
        subprocess.run(["rm", "-rf", table], check=True)
        floe_json(args.floe, ["create", table, "--like", parts[0]])
        for part in parts:
            floe_json(args.floe, ["ingest", table, part])
        if before is None:
            before = planned(py, table, filters)
            results.append({"strategy": "before", "files": before["files"],
                            "kept": before["kept"], "seconds": None})
        started = time.monotonic()
        report = floe_json(args.floe, ["compact", table, "--rewrite-all",
                                       "--target-file-size", args.target_file_size, *extra])
        seconds = time.monotonic() - started
        if report["groups_committed"] != report["groups_planned"]:
            raise SystemExit(f"zorder bench: {name} compaction failed: {report}")
        after = planned(py, table, filters)
        results.append({"strategy": name, "files": after["files"], "kept": after["kept"],
                        "seconds": seconds, "floe_elapsed_ms": report["elapsed_ms"]})

    header = ["strategy", "files", *[f"{c} filter keeps" for c in columns], "compact s"]
    print(f"filters ({args.fraction:.0%} of each column's values, around quantile {args.at}):")
    for f in filters:
        print(f"  {f}")
    print()
    widths = [max(len(h), 10) for h in header]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for r in results:
        cells = [r["strategy"], str(r["files"]),
                 *[f"{r['kept'][f]} / {r['files']}" for f in filters],
                 "-" if r["seconds"] is None else f"{r['seconds']:.2f}"]
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths)))
    with open(os.path.join(args.out, "zorder.json"), "w") as fh:
        json.dump({"columns": columns, "filters": filters, "target_file_size": args.target_file_size,
                   "slices": args.slices, "results": results}, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
