#!/usr/bin/env python3
"""Read an Iceberg table with DuckDB's iceberg extension and print one JSON document.

A third independent reader for the tests (besides PyIceberg and Spark): DuckDB's own Iceberg
implementation (C++), reading the table files directly, with no catalog.

Usage:
    python tests/py/duckdb_reader.py --table LOCATION [--snapshot-id ID] [--guess-version]
    python tests/py/duckdb_reader.py [--table LOCATION] --sql "SELECT count(*) AS n FROM t" [--sort]

LOCATION is a table directory (DuckDB then reads metadata/version-hint.text, as written by
floe's directory catalog and Iceberg's Hadoop catalog) or a `*.metadata.json` file. With
--guess-version DuckDB globs metadata/ for the newest `v<N>.metadata.json` instead of trusting
the hint (its unsafe_enable_version_guessing). With --sql, `t` is a view over
iceberg_scan(LOCATION); the SQL may also call iceberg_scan / iceberg_metadata /
iceberg_snapshots itself.

Output (stdout):
    {"count": N, "row_count": N,          # row_count: the same number, as read_table.py names it
     "columns": [name, ...], "types": [DuckDB type, ...],
     "rows": [{col: value}, ...],          # sorted as read_table.py sorts (scans; --sort for --sql)
     "duckdb": "1.5.5"}
or, when DuckDB fails, {"error": "...", "error_class": "IOException"} and exit status 1.

Values come through Arrow, as in read_table.py, so they render alike: dates/times/timestamps as
ISO-8601 strings (timestamptz in UTC, "+00:00"), decimals and UUIDs as strings, binary as
base64, NaN/Infinity as strings, structs as objects, maps as [[key, value], ...].

DuckDB comes from <venv>/duckdb-iceberg (tests/py/requirements-duckdb-iceberg.txt, installed
by scripts/python-env apart from the venv's newer DuckDB, which has no iceberg extension on
PyPI); $FLOE_DUCKDB_ICEBERG_PATH overrides that folder. The extensions are loaded from the
duckdb-extension-iceberg / -avro packages by file path: nothing is downloaded.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys


from json_values import row_sort_key, to_json


def import_duckdb():
    """duckdb and the paths of its avro and iceberg extensions, from the side install."""
    side = os.environ.get("FLOE_DUCKDB_ICEBERG_PATH") or os.path.join(sys.prefix, "duckdb-iceberg")
    if os.path.isdir(side):
        sys.path.insert(0, side)
    import duckdb

    extensions = []
    for name in ("avro", "iceberg"):
        try:
            module = __import__(f"duckdb_extension_{name}")
        except ImportError:
            raise SystemExit(
                f"duckdb_reader: no duckdb_extension_{name} package (looked in {side}); "
                "scripts/python-env installs tests/py/requirements-duckdb-iceberg.txt there"
            )
        found = glob.glob(os.path.join(os.path.dirname(module.__file__), "extensions",
                                       f"v{duckdb.__version__}", f"{name}.duckdb_extension"))
        if not found:
            raise SystemExit(f"duckdb_reader: no {name} extension for DuckDB {duckdb.__version__} "
                             f"in {os.path.dirname(module.__file__)}")
        extensions.append(found[0])
    return duckdb, extensions


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def main() -> int:
    ap = argparse.ArgumentParser(description="Read an Iceberg table with DuckDB; print JSON.")
    ap.add_argument("--table", help="table directory or *.metadata.json file")
    ap.add_argument("--snapshot-id", type=int, help="read this snapshot instead of the current one")
    ap.add_argument("--guess-version", action="store_true",
                    help="find the newest v<N>.metadata.json by listing, not by version-hint.text")
    ap.add_argument("--sql", help="run this SQL instead of a full scan (`t` is the table)")
    ap.add_argument("--sort", action="store_true", help="sort the rows of --sql")
    args = ap.parse_args()
    if not args.table and not args.sql:
        ap.error("give --table, --sql or both")

    duckdb, extensions = import_duckdb()
    con = duckdb.connect(config={
        "allow_unsigned_extensions": "true",
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
    })
    try:
        for path in extensions:
            con.execute(f"LOAD {sql_string(path)}")
        con.execute("SET TimeZone = 'UTC'")
        if args.guess_version:
            con.execute("SET unsafe_enable_version_guessing = true")
        if args.table:
            location = args.table
            if location.endswith("/"):
                location = location.rstrip("/")
            scan_args = [sql_string(location)]
            if args.snapshot_id is not None:
                scan_args.append(f"snapshot_from_id => {int(args.snapshot_id)}")
            con.execute(f"CREATE VIEW t AS SELECT * FROM iceberg_scan({', '.join(scan_args)})")
        relation = con.sql(args.sql or "SELECT * FROM t")
        if relation is None:
            raise SystemExit("duckdb_reader: --sql must be one query that returns rows")
        types = [str(t) for t in relation.types]
        table = relation.to_arrow_table()
    except duckdb.Error as exc:
        json.dump({"error": str(exc), "error_class": type(exc).__name__}, sys.stdout)
        sys.stdout.write("\n")
        return 1

    columns = list(table.column_names)
    rows = [{k: to_json(v) for k, v in r.items()} for r in table.to_pylist()]
    if not args.sql or args.sort:
        rows.sort(key=lambda r: row_sort_key(r, columns))
    doc = {
        "count": len(rows),
        "row_count": len(rows),
        "columns": columns,
        "types": types,
        "rows": rows,
        "duckdb": duckdb.__version__,
    }
    json.dump(doc, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
