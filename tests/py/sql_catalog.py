#!/usr/bin/env python3
"""PyIceberg's side of the catalog interoperability tests: create, append to and read
tables through a SqlCatalog (sqlite or postgres) or, when --uri is http(s)://, a RestCatalog
(--credential ID:SECRET for OAuth2) that floe shares.

Usage (each prints one JSON document; --s3-endpoint URL for a warehouse on S3):
    sql_catalog.py create  --uri U --warehouse W --name CATALOG --table ns.t [--rows N] [--partition P]
    sql_catalog.py append  --uri U --warehouse W --name CATALOG --table ns.t --start S --rows N [--times K]
    sql_catalog.py read    --uri U --warehouse W --name CATALOG --table ns.t
    sql_catalog.py parquet --start S --rows N --out FILE      (sample rows as a Parquet file)
    sql_catalog.py add-column --uri U --warehouse W --name CATALOG --table ns.t --column NAME   (adds an optional string column)
    sql_catalog.py evolve --uri U --warehouse W --name CATALOG --table ns.t --start S --rows N
        (renames name to customer, union_by_name adds a string column channel, moves score
        first, each as its own schema change, then appends N rows with channel = "web")
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

import pyarrow.parquet as pq  # noqa: E402
from pyiceberg.catalog.sql import SqlCatalog  # noqa: E402
from pyiceberg.exceptions import CommitFailedException, NamespaceAlreadyExistsError  # noqa: E402

from write_table import SCHEMA, SPECS, sample_rows  # noqa: E402


def catalog(args):
    props = {}
    if args.uri.startswith(("http://", "https://")):
        from pyiceberg.catalog.rest import RestCatalog

        if args.credential:
            props["credential"] = args.credential
        return RestCatalog(args.name, uri=args.uri, **props)
    if args.s3_endpoint:
        props = {
            "s3.endpoint": args.s3_endpoint,
            "s3.access-key-id": "testing",
            "s3.secret-access-key": "testing",
            "s3.region": "us-east-1",
            "s3.path-style-access": "true",
        }
    return SqlCatalog(args.name, uri=args.uri, warehouse=args.warehouse, **props)


def create(args) -> dict:
    cat = catalog(args)
    namespace = args.table.rsplit(".", 1)[0]
    try:
        cat.create_namespace(namespace)
    except NamespaceAlreadyExistsError:
        pass
    table = cat.create_table(args.table, schema=SCHEMA, partition_spec=SPECS[args.partition])
    ids = []
    if args.rows:
        table.append(sample_rows(0, args.rows))
        ids.append(table.current_snapshot().snapshot_id)
    return {"metadata_location": table.metadata_location, "snapshot_ids": ids}


def append(args) -> dict:
    cat = catalog(args)
    ids = []
    for k in range(args.times):
        start = args.start + k * args.rows
        while True:
            table = cat.load_table(args.table)
            try:
                table.append(sample_rows(start, args.rows))
                break
            except CommitFailedException:
                time.sleep(0.05)
        ids.append(table.current_snapshot().snapshot_id)
    return {"snapshot_ids": ids}


def read(args) -> dict:
    table = catalog(args).load_table(args.table)
    rows = table.scan().to_arrow().sort_by("id").to_pylist()
    snapshot = table.current_snapshot()
    return {
        "ids": [r["id"] for r in rows],
        "names": [r.get("name") for r in rows],
        "amounts": [str(r["amount"]) if r.get("amount") is not None else None for r in rows],
        "snapshot_id": snapshot.snapshot_id if snapshot else None,
        "snapshot_count": len(table.metadata.snapshots),
        "metadata_location": table.metadata_location,
    }


def add_column(args) -> dict:
    from pyiceberg.types import StringType

    table = catalog(args).load_table(args.table)
    with table.update_schema() as update:
        update.add_column(args.column, StringType(), doc="added by PyIceberg")
    table = catalog(args).load_table(args.table)
    return {"schema_id": table.schema().schema_id}


def evolve(args) -> dict:
    import pyarrow as pa
    from pyiceberg.schema import Schema
    from pyiceberg.types import NestedField, StringType

    cat = catalog(args)
    table = cat.load_table(args.table)
    with table.update_schema() as update:
        update.rename_column("name", "customer")
    with table.update_schema() as update:
        update.union_by_name(Schema(NestedField(100, "channel", StringType(), required=False)))
    with table.update_schema() as update:
        update.move_first("score")
    table = cat.load_table(args.table)
    rows = sample_rows(args.start, args.rows).rename_columns(
        ["customer" if n == "name" else n for n in SCHEMA.column_names]
    )
    rows = rows.append_column("channel", pa.array(["web"] * args.rows, pa.string()))
    table.append(rows.select([f.name for f in table.schema().fields]).cast(table.schema().as_arrow()))
    table = cat.load_table(args.table)
    return {"schema_id": table.schema().schema_id, "snapshot_id": table.current_snapshot().snapshot_id}


def parquet(args) -> dict:
    pq.write_table(sample_rows(args.start, args.rows), args.out)
    return {"rows": args.rows}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["create", "append", "read", "parquet", "add-column", "evolve"])
    ap.add_argument("--column")
    ap.add_argument("--s3-endpoint", help="S3 endpoint for s3:// or s3a:// warehouses")
    ap.add_argument("--uri")
    ap.add_argument("--credential", help="OAuth2 client credentials of a REST catalog")
    ap.add_argument("--warehouse")
    ap.add_argument("--name", default="default")
    ap.add_argument("--table")
    ap.add_argument("--rows", type=int, default=0)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--times", type=int, default=1)
    ap.add_argument("--partition", choices=sorted(SPECS), default="month-region")
    ap.add_argument("--out")
    args = ap.parse_args()
    out = {"create": create, "append": append, "read": read, "parquet": parquet, "add-column": add_column, "evolve": evolve}[args.command](args)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
