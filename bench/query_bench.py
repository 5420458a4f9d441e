#!/usr/bin/env python3
"""Query benchmark (called by bench/query; see bench/README.md).

On the lineitem table the ingest benchmark wrote with floe, times three queries with floe,
PyIceberg (scan to Arrow + pyarrow compute) and DuckDB reading the same Parquet data files
directly (the reading limit):

  full      a full-scan aggregate (TPC-H Q1's aggregates, no filter)
  pruned    the same aggregate on l_shipdate >= 1998-01-01 (month partitions pruned)
  travel    count + sum over a past snapshot (time travel)

floe is timed as a whole process (start, metadata, planning, reading). PyIceberg is timed
in-process after its imports, each run loading the table metadata and scanning, as floe does.
DuckDB reads the same data files from a given list (no Iceberg metadata at all): the raw
reading limit. Each query runs 3 times; the median counts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

Q_FULL = (
    "SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_price, "
    "avg(l_discount) AS avg_disc, count(*) AS n FROM {t} {where} GROUP BY l_returnflag, l_linestatus "
    "ORDER BY l_returnflag, l_linestatus"
)
PRUNE_DATE = "1998-01-01"
REPEATS = 3


def floe_json(floe: str, config: str, args: list[str]) -> object:
    out = subprocess.run([floe, *args, "-o", "json"], env={**os.environ, "FLOE_CONFIG": config},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bench: floe {' '.join(args)} failed: {out.stderr}")
    return json.loads(out.stdout)


def timed(fn) -> tuple[float, object]:
    runs = []
    result = None
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--floe", required=True)
    ap.add_argument("--warehouse", required=True, help="directory warehouse holding bench.lineitem_floe")
    ap.add_argument("--extra", required=True, help="a small Parquet file appended so the first snapshot is in the past")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    config = os.path.join(args.out, "query-floe.yaml")
    with open(config, "w") as f:
        f.write(f"catalog:\n  default:\n    type: directory\n    warehouse: {args.warehouse}\n")
    table = "bench.lineitem_floe"
    snaps = floe_json(args.floe, config, ["snapshots", table])["snapshots"]
    if len(snaps) == 1:
        floe_json(args.floe, config, ["ingest", table, args.extra])
        snaps = floe_json(args.floe, config, ["snapshots", table])["snapshots"]
    past = snaps[0]["snapshot_id"]
    described = floe_json(args.floe, config, ["describe", table])
    metadata = described["metadata_location"]
    past_files = [f["file_path"] for f in floe_json(args.floe, config, ["files", table, "--snapshot", str(past)])["files"]]
    all_files = [f["file_path"] for f in floe_json(args.floe, config, ["files", table])["files"]]

    queries = {
        "full": Q_FULL.format(t=table, where=""),
        "pruned": Q_FULL.format(t=table, where=f"WHERE l_shipdate >= DATE '{PRUNE_DATE}'"),
        "travel": f'SELECT count(*) AS n, sum(l_extendedprice) AS s FROM "{table}@{past}"',
    }

    results: dict[str, dict[str, float]] = {}

    # floe: whole process per run.
    for name, sql in queries.items():
        secs, rows = timed(lambda: floe_json(args.floe, config, ["sql", sql]))
        results.setdefault(name, {})["floe"] = secs
        print(f"bench: floe {name}: {secs:.2f} s -> {json.dumps(rows)[:160]}", file=sys.stderr)

    # PyIceberg: scan to Arrow, aggregate with pyarrow.
    import datetime as dt

    import pyarrow.compute as pc
    from pyiceberg.expressions import GreaterThanOrEqual
    from pyiceberg.table import StaticTable

    cols = ("l_returnflag", "l_linestatus", "l_quantity", "l_extendedprice", "l_discount")

    def py_agg(row_filter):
        static = StaticTable.from_metadata(metadata)
        scan = static.scan(row_filter=row_filter, selected_fields=cols) if row_filter is not None else static.scan(selected_fields=cols)
        t = scan.to_arrow()
        return t.group_by(["l_returnflag", "l_linestatus"]).aggregate(
            [("l_quantity", "sum"), ("l_extendedprice", "sum"), ("l_discount", "mean"), ("l_quantity", "count")]
        ).num_rows

    def py_travel():
        static = StaticTable.from_metadata(metadata)
        t = static.scan(snapshot_id=past, selected_fields=("l_extendedprice",)).to_arrow()
        return t.num_rows, pc.sum(t["l_extendedprice"]).as_py()

    for name, fn in {
        "full": lambda: py_agg(None),
        "pruned": lambda: py_agg(GreaterThanOrEqual("l_shipdate", PRUNE_DATE)),
        "travel": py_travel,
    }.items():
        secs, out = timed(fn)
        results[name]["pyiceberg"] = secs
        print(f"bench: pyiceberg {name}: {secs:.2f} s -> {out}", file=sys.stderr)

    # DuckDB on the same data files (no Iceberg metadata: the raw reading limit).
    import duckdb

    con = duckdb.connect()
    con.execute(f"PRAGMA threads={os.cpu_count()}")

    def duck(sql_template: str, files: list[str]):
        listing = "[" + ",".join(f"'{p}'" for p in files) + "]"
        return con.execute(sql_template.format(t=f"read_parquet({listing})")).fetchall()

    duck_q = {
        "full": (Q_FULL.replace("{where}", ""), all_files),
        "pruned": (Q_FULL.replace("{where}", f"WHERE l_shipdate >= DATE '{PRUNE_DATE}'"), all_files),
        "travel": ("SELECT count(*) AS n, sum(l_extendedprice) AS s FROM {t}", past_files),
    }
    for name, (sql, files) in duck_q.items():
        secs, out = timed(lambda: duck(sql, files))
        results[name]["duckdb"] = secs
        print(f"bench: duckdb {name}: {secs:.2f} s -> {str(out)[:160]}", file=sys.stderr)

    print(f"{'query':8} {'floe s':>8} {'pyiceberg s':>12} {'duckdb s':>9} {'floe vs pyiceberg':>18} {'floe / duckdb':>14}")
    for name, r in results.items():
        print(f"{name:8} {r['floe']:8.2f} {r['pyiceberg']:12.2f} {r['duckdb']:9.2f} "
              f"{r['pyiceberg'] / r['floe']:17.2f}x {r['floe'] / r['duckdb']:13.2f}x")
    print("(floe vs pyiceberg: how many times faster floe is; floe / duckdb: 1.0 = as fast as DuckDB on raw files)")
    with open(os.path.join(args.out, "query.json"), "w") as f:
        json.dump({"seconds": results, "past_snapshot_id": past, "prune_date": PRUNE_DATE}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
