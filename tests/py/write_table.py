#!/usr/bin/env python3
"""Write a small sample Iceberg table with PyIceberg, for interoperability tests.

Tests use it to get a table that another Iceberg implementation wrote (for floe to
read, inspect or append to) and to check tests/py/read_table.py itself.

Usage:
    python tests/py/write_table.py --location DIR_OR_S3_URI [--s3-endpoint URL]
        [--partition {none,month-region}] [--rows N] [--appends K]

The table gets the schema below and K appends of N deterministic rows each.
The throwaway SQLite catalog lives in a temporary directory; only the table
(data + metadata under LOCATION) is kept. Prints one JSON document:
    {"metadata_location": str, "snapshot_ids": [int, ...], "row_count": int}
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import os
import sys
import tempfile

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

import pyarrow as pa  # noqa: E402
from pyiceberg.catalog.sql import SqlCatalog  # noqa: E402
from pyiceberg.partitioning import PartitionField, PartitionSpec  # noqa: E402
from pyiceberg.schema import Schema  # noqa: E402
from pyiceberg.transforms import IdentityTransform, MonthTransform  # noqa: E402
from pyiceberg.types import (  # noqa: E402
    BinaryType,
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    LongType,
    NestedField,
    StringType,
    TimestampType,
)

SCHEMA = Schema(
    NestedField(1, "id", LongType(), required=True),
    NestedField(2, "name", StringType(), required=False),
    NestedField(3, "region", StringType(), required=False),
    NestedField(4, "ts", TimestampType(), required=False),
    NestedField(5, "amount", DecimalType(10, 2), required=False),
    NestedField(6, "flag", BooleanType(), required=False),
    NestedField(7, "day", DateType(), required=False),
    NestedField(8, "payload", BinaryType(), required=False),
    NestedField(9, "score", DoubleType(), required=False),
)

SPECS = {
    "none": PartitionSpec(),
    "month-region": PartitionSpec(
        PartitionField(source_id=4, field_id=1000, transform=MonthTransform(), name="ts_month"),
        PartitionField(source_id=3, field_id=1001, transform=IdentityTransform(), name="region"),
    ),
}

REGIONS = ["eu", "us", "apac", None]


def sample_rows(start: int, n: int) -> pa.Table:
    base = dt.datetime(2024, 1, 15, 12, 0, 0)
    ids = list(range(start, start + n))
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "name": pa.array([None if i % 7 == 6 else f"name-{i}" for i in ids], pa.string()),
            "region": pa.array([REGIONS[i % len(REGIONS)] for i in ids], pa.string()),
            "ts": pa.array([base + dt.timedelta(days=17 * i, seconds=i) for i in ids], pa.timestamp("us")),
            "amount": pa.array([decimal.Decimal(i * 125) / 100 for i in ids], pa.decimal128(10, 2)),
            "flag": pa.array([i % 2 == 0 for i in ids], pa.bool_()),
            "day": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in ids], pa.date32()),
            "payload": pa.array([bytes([i % 256, 0, 255]) for i in ids], pa.binary()),
            "score": pa.array([i / 4 for i in ids], pa.float64()),
        },
        schema=SCHEMA.as_arrow(),
    )


def main() -> int:
    ap = argparse.ArgumentParser(description="Write a sample Iceberg table with PyIceberg.")
    ap.add_argument("--location", required=True, help="table location: local directory or s3://bucket/path")
    ap.add_argument("--s3-endpoint", help="S3 endpoint URL for s3:// locations")
    ap.add_argument("--partition", choices=sorted(SPECS), default="month-region")
    ap.add_argument("--rows", type=int, default=20, help="rows per append")
    ap.add_argument("--appends", type=int, default=1, help="number of appends (snapshots)")
    args = ap.parse_args()

    location = args.location
    if "://" not in location:
        location = os.path.abspath(location)

    props: dict[str, str] = {}
    if args.s3_endpoint:
        props.update(
            {
                "s3.endpoint": args.s3_endpoint,
                "s3.access-key-id": os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
                "s3.secret-access-key": os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
                "s3.region": os.environ.get("AWS_REGION", "us-east-1"),
                "s3.path-style-access": "true",
            }
        )

    with tempfile.TemporaryDirectory(prefix="write-table-") as tmp:
        catalog = SqlCatalog(
            "sample",
            uri=f"sqlite:///{tmp}/catalog.db",
            warehouse=f"file://{tmp}/warehouse",
            **props,
        )
        catalog.create_namespace("sample")
        table = catalog.create_table(
            "sample.t", schema=SCHEMA, location=location, partition_spec=SPECS[args.partition]
        )
        snapshot_ids = []
        for k in range(args.appends):
            table.append(sample_rows(k * args.rows, args.rows))
            snapshot_ids.append(table.current_snapshot().snapshot_id)
        out = {
            "metadata_location": table.metadata_location,
            "snapshot_ids": snapshot_ids,
            "row_count": args.rows * args.appends,
        }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
