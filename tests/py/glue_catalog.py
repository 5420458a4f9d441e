#!/usr/bin/env python3
"""PyIceberg's side of the Glue-catalog interoperability tests: create, append to and read
tables through a GlueCatalog that floe shares, and look at the Glue tables themselves with
boto3 (as Athena or the Glue console would see them).

Every command takes --endpoint URL (the test server: Glue and S3 on one endpoint) and
--warehouse s3://bucket/prefix, and prints one JSON document:
    glue_catalog.py create  --table db.t [--rows N] [--partition P]
    glue_catalog.py append  --table db.t --start S --rows N [--times K]
    glue_catalog.py read    --table db.t
    glue_catalog.py set-properties --table db.t --property K=V ...
    glue_catalog.py glue-table --table db.t        (the Glue table as GetTable returns it)
    glue_catalog.py hive-table --table db.t        (a non-Iceberg Glue table, as Hive/Athena make one)
    glue_catalog.py keys --prefix s3://bucket/p    (the object keys under a prefix)
    glue_catalog.py parquet --start S --rows N --out FILE      (sample rows as a Parquet file)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

import boto3  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from pyiceberg.catalog.glue import GlueCatalog  # noqa: E402
from pyiceberg.exceptions import CommitFailedException, NamespaceAlreadyExistsError  # noqa: E402

from write_table import SCHEMA, SPECS, sample_rows  # noqa: E402

REGION = "us-east-1"
KEY = "testing"


def catalog(args) -> GlueCatalog:
    return GlueCatalog(
        "glue",
        **{
            "glue.endpoint": args.endpoint,
            "glue.region": REGION,
            "glue.access-key-id": KEY,
            "glue.secret-access-key": KEY,
            "glue.max-retries": 1,
            "s3.endpoint": args.endpoint,
            "s3.access-key-id": KEY,
            "s3.secret-access-key": KEY,
            "s3.region": REGION,
            "s3.path-style-access": "true",
            "warehouse": args.warehouse,
        },
    )


def boto(args, service: str):
    return boto3.client(
        service,
        endpoint_url=args.endpoint,
        region_name=REGION,
        aws_access_key_id=KEY,
        aws_secret_access_key=KEY,
    )


def split(table: str) -> tuple[str, str]:
    database, name = table.rsplit(".", 1)
    return database, name


def create(args) -> dict:
    cat = catalog(args)
    namespace = split(args.table)[0]
    try:
        cat.create_namespace(namespace)
    except NamespaceAlreadyExistsError:
        pass
    table = cat.create_table(args.table, schema=SCHEMA, partition_spec=SPECS[args.partition])
    ids = []
    if args.rows:
        table.append(sample_rows(0, args.rows))
        ids.append(table.current_snapshot().snapshot_id)
    return {"metadata_location": table.metadata_location, "location": table.location(), "snapshot_ids": ids}


def append(args) -> dict:
    cat = catalog(args)
    ids = []
    conflicts = 0
    for k in range(args.times):
        start = args.start + k * args.rows
        while True:
            table = cat.load_table(args.table)
            try:
                table.append(sample_rows(start, args.rows))
                break
            except CommitFailedException:
                # Glue refused the stale VersionId: another writer committed first.
                conflicts += 1
                time.sleep(0.05)
        ids.append(table.current_snapshot().snapshot_id)
    return {"snapshot_ids": ids, "conflicts": conflicts}


def read(args) -> dict:
    table = catalog(args).load_table(args.table)
    rows = table.scan().to_arrow().sort_by("id").to_pylist()
    snapshot = table.current_snapshot()
    return {
        "ids": [r["id"] for r in rows],
        "snapshot_id": snapshot.snapshot_id if snapshot else None,
        "snapshot_ids": [s.snapshot_id for s in table.metadata.snapshots],
        "metadata_location": table.metadata_location,
        "location": table.location(),
    }


def set_properties(args) -> dict:
    table = catalog(args).load_table(args.table)
    with table.transaction() as tx:
        tx.set_properties(dict(p.split("=", 1) for p in args.property))
    return {"metadata_location": catalog(args).load_table(args.table).metadata_location}


def glue_table(args) -> dict:
    database, name = split(args.table)
    table = boto(args, "glue").get_table(DatabaseName=database, Name=name)["Table"]
    return json.loads(json.dumps(table, default=str))


def hive_table(args) -> dict:
    """A plain Hive/Parquet table in Glue, as a crawler or Athena's CREATE EXTERNAL TABLE makes it."""
    database, name = split(args.table)
    glue = boto(args, "glue")
    try:
        glue.create_database(DatabaseInput={"Name": database})
    except glue.exceptions.AlreadyExistsException:
        pass
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": name,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "bigint"}],
                "Location": f"{args.warehouse}/{database}.db/{name}",
                "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
            },
        },
    )
    return {"database": database, "name": name}


def keys(args) -> dict:
    bucket, _, prefix = args.prefix.removeprefix("s3://").partition("/")
    s3 = boto(args, "s3")
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        found.extend(f"s3://{bucket}/{o['Key']}" for o in page.get("Contents", []))
    return {"keys": sorted(found)}


def parquet(args) -> dict:
    pq.write_table(sample_rows(args.start, args.rows), args.out)
    return {"rows": args.rows}


def main() -> int:
    commands = {
        "create": create,
        "append": append,
        "read": read,
        "set-properties": set_properties,
        "glue-table": glue_table,
        "hive-table": hive_table,
        "keys": keys,
        "parquet": parquet,
    }
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=sorted(commands))
    ap.add_argument("--endpoint")
    ap.add_argument("--warehouse")
    ap.add_argument("--table")
    ap.add_argument("--prefix")
    ap.add_argument("--property", action="append", default=[])
    ap.add_argument("--rows", type=int, default=0)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--times", type=int, default=1)
    ap.add_argument("--partition", choices=sorted(SPECS), default="month-region")
    ap.add_argument("--out")
    args = ap.parse_args()
    out = commands[args.command](args)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
