#!/usr/bin/env python3
"""The torture run's differential oracle: the rows of a table as PyIceberg reads them, and
which of them a SQL predicate selects as DuckDB evaluates it.

Usage:
    python tests/py/torture_oracle.py --metadata LOCATION [--s3-endpoint URL] [--where PRED]

Output (stdout), rows sorted by id and rendered as read_table.py renders them:
    {"rows": [{col: value}, ...], "matching_ids": [id, ...]}   # matching_ids only with --where

DuckDB evaluates the predicate over the Arrow table PyIceberg read (`t`), in SQL's
three-valued logic: a row matches when the predicate is TRUE (NULL does not match), as in
floe's `--where`. The predicates the torture run draws use only what the two SQL dialects
evaluate alike (comparisons, AND/OR/NOT, + and %, CAST to VARCHAR, IN, BETWEEN, IS NULL,
length/upper/substr).
"""

from __future__ import annotations

import argparse
import json
import sys

import duckdb

from json_values import row_sort_key, to_json
from read_table import load_table, s3_properties


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--metadata", required=True)
    ap.add_argument("--s3-endpoint")
    ap.add_argument("--where")
    args = ap.parse_args()

    table = load_table(args.metadata, s3_properties(args.s3_endpoint))
    arrow_table = table.scan().to_arrow()
    columns = [f.name for f in table.schema().fields]
    rows = [{k: to_json(v) for k, v in r.items()} for r in arrow_table.to_pylist()]
    rows.sort(key=lambda r: row_sort_key(r, columns))
    doc = {"rows": rows}
    if args.where is not None:
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.register("t", arrow_table)
        matching = con.execute(f"SELECT id FROM t WHERE {args.where}").fetchall()
        doc["matching_ids"] = sorted(int(r[0]) for r in matching)
    json.dump(doc, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
