#!/usr/bin/env python3
"""PyIceberg side of the ingest benchmark (see bench/README.md).

Two steps, so that only the ingest is timed, as for floe:

    pyiceberg_ingest.py create --warehouse DIR --like FILE.parquet [--month-of l_shipdate]
    pyiceberg_ingest.py ingest --warehouse DIR FILE.parquet [FILE.parquet ...]

`create` makes table `bench.lineitem` in a SQLite catalog inside DIR, with the
Parquet file's schema and a month() partition on the given column. `ingest`
reads the files with pyarrow (whole files in memory, as PyIceberg users do) and
commits them with one `table.append()`. It prints a JSON report like floe's:
    {"records_added": N, "bytes_added": N, "files_added": N, "read_seconds": s, "append_seconds": s}
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.transforms import MonthTransform

IDENTIFIER = "bench.lineitem"


def catalog(warehouse: str) -> SqlCatalog:
    warehouse = os.path.abspath(warehouse)
    os.makedirs(warehouse, exist_ok=True)
    return SqlCatalog(
        "bench",
        uri=f"sqlite:///{warehouse}/catalog.db",
        warehouse=f"file://{warehouse}",
    )


def plain_types(schema: pa.Schema) -> pa.Schema:
    """The same columns without Parquet field-id metadata and with plain string/binary types.

    PyIceberg assigns its own field ids and cannot partition view-typed columns.
    """
    fields = []
    for f in schema:
        t = f.type
        if t == pa.string_view() or t == pa.large_string():
            t = pa.string()
        elif t == pa.binary_view() or t == pa.large_binary():
            t = pa.binary()
        fields.append(pa.field(f.name, t, nullable=f.nullable))
    return pa.schema(fields)


def cmd_create(args) -> int:
    cat = catalog(args.warehouse)
    cat.create_namespace_if_not_exists("bench")
    if cat.table_exists(IDENTIFIER):
        cat.purge_table(IDENTIFIER)
    schema = plain_types(pq.read_schema(args.like))
    table = cat.create_table(IDENTIFIER, schema=schema)
    with table.update_spec() as spec:
        spec.add_field(args.month_of, MonthTransform(), f"{args.month_of}_month")
    print(json.dumps({"metadata_location": table.metadata_location}))
    return 0


def cmd_ingest(args) -> int:
    table = catalog(args.warehouse).load_table(IDENTIFIER)
    t0 = time.perf_counter()
    # PyIceberg 0.12 cannot partition string_view columns (which the TPC-H files
    # declare), so read them as plain strings; reading with a schema avoids a copy.
    data = pa.concat_tables(pq.read_table(f, schema=plain_types(pq.read_schema(f))) for f in args.files)
    t1 = time.perf_counter()
    table.append(data)
    t2 = time.perf_counter()
    summary = table.current_snapshot().summary
    report = {
        "records_added": int(summary["added-records"]),
        "bytes_added": int(summary["added-files-size"]),
        "files_added": int(summary["added-data-files"]),
        "snapshot_id": table.current_snapshot().snapshot_id,
        "read_seconds": round(t1 - t0, 3),
        "append_seconds": round(t2 - t1, 3),
    }
    print(json.dumps(report))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description="PyIceberg side of the ingest benchmark.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("create", help="create the partitioned table")
    c.add_argument("--warehouse", required=True)
    c.add_argument("--like", required=True, help="Parquet file whose schema the table gets")
    c.add_argument("--month-of", default="l_shipdate", help="column partitioned by month()")
    i = sub.add_parser("ingest", help="append Parquet files to the table")
    i.add_argument("--warehouse", required=True)
    i.add_argument("files", nargs="+")
    args = ap.parse_args()
    return cmd_create(args) if args.cmd == "create" else cmd_ingest(args)


if __name__ == "__main__":
    sys.exit(main())
