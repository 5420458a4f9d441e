#!/usr/bin/env python3
"""PyIceberg and pyarrow sides of the compaction benchmark (see bench/README.md).

    pyiceberg_compact.py register --warehouse DIR --metadata FILE
        register the table at FILE as bench.small in a SQLite catalog inside DIR
    pyiceberg_compact.py compact --warehouse DIR
        PyIceberg's only way to compact: scan the whole table to Arrow, then overwrite it
    pyiceberg_compact.py rewrite-files --out DIR --list FILE
        the limit: pyarrow streaming the data files listed in FILE (one path a line) into new
        files, no Iceberg at all

Each prints one JSON report: {"records": N, "files_written": N}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import pyarrow.dataset as ds
from pyiceberg.catalog.sql import SqlCatalog

IDENTIFIER = "bench.small"


def catalog(warehouse: str) -> SqlCatalog:
    warehouse = os.path.abspath(warehouse)
    os.makedirs(warehouse, exist_ok=True)
    return SqlCatalog("bench", uri=f"sqlite:///{warehouse}/catalog.db", warehouse=f"file://{warehouse}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["register", "compact", "rewrite-files"])
    ap.add_argument("--warehouse")
    ap.add_argument("--metadata")
    ap.add_argument("--out")
    ap.add_argument("--list")
    args = ap.parse_args()
    if args.command == "register":
        cat = catalog(args.warehouse)
        cat.create_namespace_if_not_exists("bench")
        cat.register_table(IDENTIFIER, args.metadata)
        report = {"records": 0, "files_written": 0}
    elif args.command == "compact":
        table = catalog(args.warehouse).load_table(IDENTIFIER)
        rows = table.scan().to_arrow()
        table.overwrite(rows)
        table = catalog(args.warehouse).load_table(IDENTIFIER)
        files = list(table.inspect.files().column("file_path"))
        report = {"records": rows.num_rows, "files_written": len(files)}
    else:
        files = [line.strip() for line in open(args.list) if line.strip()]
        dataset = ds.dataset(files, format="parquet")
        ds.write_dataset(dataset, args.out, format="parquet", existing_data_behavior="delete_matching")
        written = [f for f in os.listdir(args.out) if f.endswith(".parquet")]
        report = {"records": dataset.count_rows(), "files_written": len(written)}
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
