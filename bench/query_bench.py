#!/usr/bin/env python3
"""Query benchmark (called by bench/query; see bench/README.md).

On the lineitem table the ingest benchmark wrote with floe, times three queries with floe,
PyIceberg (scan to Arrow + pyarrow compute) and DuckDB reading the same Parquet data files
directly (the reading limit):

  full      a full-scan aggregate (TPC-H Q1's aggregates, no filter)
  pruned    the same aggregate on l_shipdate >= 1998-01-01 (month partitions pruned)
  travel    count + sum over a past snapshot (time travel)

floe is always timed as a whole process (start, metadata, planning, reading, output). The
rivals are timed two ways:

  own process   each tool as a shell user, a cron job or a CI step runs it, and as every other
                floe benchmark times each tool: a fresh `python` importing PyIceberg, and the
                DuckDB shell (`duckdb -json -c ...`, PyPI's duckdb-cli).
  in-process    PyIceberg and DuckDB's Python package after their imports, in one warm
                interpreter, each run loading the table metadata (PyIceberg) or the file
                footers (DuckDB) and reading: no start-up at all, while floe still pays its own.

The targets (floe at least 3x PyIceberg, within 1.5x of DuckDB on the raw files) are printed
for both views. PyPI's DuckDB shell is an older engine than the Python package (1.5.6 against
2.0.1 as pinned), so the two DuckDB columns are also two engine versions; both are printed.

DuckDB reads the same data files from a given list (no Iceberg metadata at all): the raw
reading limit. Each measurement runs once untimed (page cache and code warm for every tool
alike), then 9 times; the median counts.
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
REPEATS = 9
QUERIES = ("full", "pruned", "travel")
AGG_COLUMNS = ("l_returnflag", "l_linestatus", "l_quantity", "l_extendedprice", "l_discount")


def floe_json(floe: str, config: str, args: list[str]) -> object:
    out = subprocess.run([floe, *args, "-o", "json"], env={**os.environ, "FLOE_CONFIG": config},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bench: floe {' '.join(args)} failed: {out.stderr}")
    return json.loads(out.stdout)


def timed(fn) -> tuple[float, object]:
    """Median seconds of REPEATS runs of `fn`, after one untimed run."""
    runs = []
    result = fn()
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), result


def pyiceberg_query(name: str, ctx: dict) -> object:
    """One PyIceberg run of a query: load the metadata, scan to Arrow, aggregate with pyarrow."""
    import pyarrow.compute as pc
    from pyiceberg.expressions import GreaterThanOrEqual
    from pyiceberg.table import StaticTable

    static = StaticTable.from_metadata(ctx["metadata"])
    if name == "travel":
        t = static.scan(snapshot_id=ctx["past"], selected_fields=("l_extendedprice",)).to_arrow()
        return [t.num_rows, str(pc.sum(t["l_extendedprice"]).as_py())]
    if name == "pruned":
        scan = static.scan(row_filter=GreaterThanOrEqual("l_shipdate", PRUNE_DATE), selected_fields=AGG_COLUMNS)
    else:
        scan = static.scan(selected_fields=AGG_COLUMNS)
    t = scan.to_arrow()
    return t.group_by(["l_returnflag", "l_linestatus"]).aggregate(
        [("l_quantity", "sum"), ("l_extendedprice", "sum"), ("l_discount", "mean"), ("l_quantity", "count")]
    ).num_rows


def duckdb_sql(name: str, ctx: dict) -> str:
    """A query over the listed data files, in DuckDB's SQL."""
    if name == "travel":
        sql, files = "SELECT count(*) AS n, sum(l_extendedprice) AS s FROM {t}", ctx["past_files"]
    elif name == "pruned":
        sql, files = Q_FULL.replace("{where}", f"WHERE l_shipdate >= DATE '{PRUNE_DATE}'"), ctx["all_files"]
    else:
        sql, files = Q_FULL.replace("{where}", ""), ctx["all_files"]
    listing = "[" + ",".join(f"'{p}'" for p in files) + "]"
    return sql.format(t=f"read_parquet({listing})")


def duckdb_query(name: str, ctx: dict, con) -> object:
    """One in-process DuckDB run of a query."""
    return [list(map(str, row)) for row in con.execute(duckdb_sql(name, ctx)).fetchall()]


def answer(name: str, rows: list) -> list:
    """The exact parts of a result (groups, counts, decimal sums), to check the tools agree."""
    if name == "travel":
        return [[str(r["n"]), str(r["s"])] if isinstance(r, dict) else [r[0], r[1]] for r in rows]
    cols = ("l_returnflag", "l_linestatus", "sum_qty", "sum_price", "n")
    return [[str(r[c]) for c in cols] if isinstance(r, dict) else [r[0], r[1], r[2], r[3], r[5]] for r in rows]


def duckdb_cli() -> str:
    """The DuckDB shell installed beside this interpreter (PyPI's duckdb-cli)."""
    path = os.path.join(os.path.dirname(sys.executable), "duckdb")
    if not os.access(path, os.X_OK):
        raise SystemExit(f"bench: no DuckDB shell at {path}; scripts/python-env installs duckdb-cli")
    return path


def process_timed(label: str, argv: list[str]) -> float:
    """Median seconds of `argv` run as its own process each time."""
    def run():
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if out.returncode != 0:
            raise SystemExit(f"bench: {label} (own process) failed: {out.stderr}")
        return out.stdout.strip()

    secs, out = timed(run)
    print(f"bench: {label} (own process): {secs:.3f} s -> {out[:160]}", file=sys.stderr)
    return secs


def one_process(name: str, context_file: str) -> int:
    """Child mode: import PyIceberg, run one query, print its result."""
    with open(context_file) as f:
        ctx = json.load(f)
    print(json.dumps(pyiceberg_query(name, ctx))[:160])
    return 0


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        return one_process(sys.argv[2], sys.argv[3])
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
    ctx = {
        "metadata": described["metadata_location"],
        "past": past,
        "past_files": [f["file_path"] for f in floe_json(args.floe, config, ["files", table, "--snapshot", str(past)])["files"]],
        "all_files": [f["file_path"] for f in floe_json(args.floe, config, ["files", table])["files"]],
    }
    context_file = os.path.join(args.out, "query-context.json")
    with open(context_file, "w") as f:
        json.dump(ctx, f)

    floe_sql = {
        "full": Q_FULL.format(t=table, where=""),
        "pruned": Q_FULL.format(t=table, where=f"WHERE l_shipdate >= DATE '{PRUNE_DATE}'"),
        "travel": f'SELECT count(*) AS n, sum(l_extendedprice) AS s FROM "{table}@{past}"',
    }
    results: dict[str, dict[str, float]] = {name: {} for name in QUERIES}

    # floe: whole process per run.
    floe_rows = {}
    for name in QUERIES:
        secs, rows = timed(lambda: floe_json(args.floe, config, ["sql", floe_sql[name]]))
        results[name]["floe"] = secs
        floe_rows[name] = rows
        print(f"bench: floe {name}: {secs:.3f} s -> {json.dumps(rows)[:160]}", file=sys.stderr)

    # In-process: imports done once, before timing.
    import duckdb

    con = duckdb.connect()
    con.execute(f"PRAGMA threads={os.cpu_count()}")
    pyiceberg_query("travel", ctx)  # imports pyiceberg and pyarrow outside the timings
    for name in QUERIES:
        secs, out = timed(lambda: pyiceberg_query(name, ctx))
        results[name]["pyiceberg"] = secs
        print(f"bench: pyiceberg {name}: {secs:.3f} s -> {out}", file=sys.stderr)
        secs, out = timed(lambda: duckdb_query(name, ctx, con))
        if answer(name, out) != answer(name, floe_rows[name]):
            raise SystemExit(f"bench: floe and DuckDB disagree on {name}: {floe_rows[name]} vs {out}")
        results[name]["duckdb"] = secs
        print(f"bench: duckdb {name}: {secs:.3f} s -> {str(out)[:160]}", file=sys.stderr)

    # Own process each run: a fresh Python importing PyIceberg, the DuckDB shell.
    cli = duckdb_cli()
    for name in QUERIES:
        # PyIceberg: a fresh interpreter importing it; DuckDB: its shell.
        results[name]["pyiceberg_process"] = process_timed(
            f"pyiceberg {name}", [sys.executable, __file__, "--one", name, context_file])
        shell_sql = f"SET threads={os.cpu_count()}; " + duckdb_sql(name, ctx)
        results[name]["duckdb_process"] = process_timed(f"duckdb shell {name}", [cli, "-json", "-c", shell_sql])

    versions = {
        "duckdb_in_process": duckdb.__version__,
        "duckdb_shell": subprocess.run([cli, "--version"], stdout=subprocess.PIPE, text=True).stdout.split()[0],
    }
    print("                    each tool its own process               in-process rivals (after imports)")
    print(f"{'query':8} {'floe s':>7} {'pyiceberg s':>11} {'duckdb s':>8} {'vs pyiceberg':>12} {'/ duckdb':>8}"
          f" {'pyiceberg s':>11} {'duckdb s':>8} {'vs pyiceberg':>12} {'/ duckdb':>8}")
    ratios = {}
    for name, r in results.items():
        ratios[name] = {
            "vs_pyiceberg_process": r["pyiceberg_process"] / r["floe"],
            "over_duckdb_process": r["floe"] / r["duckdb_process"],
            "vs_pyiceberg_in_process": r["pyiceberg"] / r["floe"],
            "over_duckdb_in_process": r["floe"] / r["duckdb"],
        }
        q = ratios[name]
        print(f"{name:8} {r['floe']:7.3f} {r['pyiceberg_process']:11.3f} {r['duckdb_process']:8.3f} "
              f"{q['vs_pyiceberg_process']:11.2f}x {q['over_duckdb_process']:7.2f}x"
              f" {r['pyiceberg']:11.3f} {r['duckdb']:8.3f} "
              f"{q['vs_pyiceberg_in_process']:11.2f}x {q['over_duckdb_in_process']:7.2f}x")
    print("(vs pyiceberg: how many times faster floe is; / duckdb: floe's time over DuckDB's, 1.0 = as fast;"
          " floe is always one whole process)")
    print(f"(DuckDB {versions['duckdb_in_process']} in-process; the DuckDB shell is {versions['duckdb_shell']})")
    print("targets: floe >= 3x PyIceberg, floe <= 1.5x DuckDB on the raw files")
    for view, fast_key, near_key in (("each its own process", "vs_pyiceberg_process", "over_duckdb_process"),
                                     ("in-process rivals", "vs_pyiceberg_in_process", "over_duckdb_in_process")):
        for name, q in ratios.items():
            fast, near = q[fast_key] >= 3.0, q[near_key] <= 1.5
            print(f"  {view:21} {name:7} {q[fast_key]:6.2f}x PyIceberg {'met' if fast else 'NOT met':8}"
                  f" {q[near_key]:5.2f}x DuckDB {'met' if near else 'NOT met'}")
    with open(os.path.join(args.out, "query.json"), "w") as f:
        json.dump({"seconds": results, "ratios": ratios, "versions": versions, "past_snapshot_id": past,
                   "prune_date": PRUNE_DATE},
                  f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
