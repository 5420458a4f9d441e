#!/usr/bin/env python3
"""Inputs and checks of the row-changes benchmark (see bench/README.md), run by
bench/row_changes_bench.py in child processes so that the driver stays small.

    row_changes_input.py prepare --source lineitem.parquet --dir DIR [--step 60]
        [--max-updates 100000] [--insert-ratio 0.1]
        writes DIR/changes.parquet (the upsert input) and prints the run's facts as JSON
    row_changes_input.py layout --list FILE
        reads the data files listed in FILE (one path a line) and prints
        {"data_files", "bytes", "rows", "files_with_matches"} (rows matching the delete)

The delete predicate is `l_partkey % 100 = 7`. The upsert input is every STEP-th row of the
source (at most MAX_UPDATES of them) with `l_comment` changed to "row change <orderkey>-<linenumber>",
followed by INSERT_RATIO as many new rows: copies of the first sampled rows under new order keys
(above the largest in the data), line number 1 and comment "row insert <n>".
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

MODULUS = 100
REMAINDER = 7
PREDICATE = f"l_partkey % {MODULUS} = {REMAINDER}"


def plain_types(schema: pa.Schema) -> pa.Schema:
    """The same columns with plain string/binary types instead of view or large ones (as
    bench/pyiceberg_ingest.py reads them: PyIceberg cannot partition view-typed columns)."""
    fields = []
    for f in schema:
        t = f.type
        if t in (pa.string_view(), pa.large_string()):
            t = pa.string()
        elif t in (pa.binary_view(), pa.large_binary()):
            t = pa.binary()
        fields.append(pa.field(f.name, t, nullable=f.nullable))
    return pa.schema(fields)


def matches(partkey: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Boolean mask of `l_partkey % 100 = 7` (TPC-H part keys are positive)."""
    partkey = partkey.cast(pa.int64())
    rem = pc.subtract(partkey, pc.multiply(pc.divide(partkey, MODULUS), MODULUS))
    return pc.equal(rem, REMAINDER)


def row_dict(table: pa.Table, i: int, columns: list[str]) -> dict:
    return {c: table.column(c)[i].as_py() for c in columns}


def cmd_prepare(args) -> dict:
    schema = plain_types(pq.read_schema(args.source))
    table = pq.read_table(args.source, schema=schema)
    rows = table.num_rows

    # The delete: how many rows, and how scattered (months of l_shipdate holding some).
    mask = matches(table.column("l_partkey"))
    matching = pc.sum(pc.cast(mask, pa.int64())).as_py() or 0
    partkeys = sorted(pc.unique(table.column("l_partkey").filter(mask)).to_pylist())
    month = pc.strftime(table.column("l_shipdate"), format="%Y-%m")
    months = pc.count_distinct(month).as_py()
    months_hit = pc.count_distinct(month.filter(mask)).as_py()

    # The upsert input: every STEP-th row, comment changed; then new keys.
    indices = pa.array(range(0, rows, args.step), pa.int64())[: args.max_updates]
    updated = table.take(indices)
    keys = [f"{o}-{n}" for o, n in zip(updated.column("l_orderkey").to_pylist(), updated.column("l_linenumber").to_pylist())]
    comment_type = schema.field("l_comment").type
    updated = updated.set_column(
        updated.schema.get_field_index("l_comment"),
        schema.field("l_comment"),
        pa.array([f"row change {k}" for k in keys], comment_type),
    )
    inserted_count = int(len(updated) * args.insert_ratio)
    inserted = updated.slice(0, inserted_count)
    key_type = schema.field("l_orderkey").type
    first_new = pc.max(table.column("l_orderkey")).as_py() + 1
    inserted = inserted.set_column(
        inserted.schema.get_field_index("l_orderkey"), schema.field("l_orderkey"),
        pa.array(range(first_new, first_new + inserted_count), key_type),
    )
    inserted = inserted.set_column(
        inserted.schema.get_field_index("l_linenumber"), schema.field("l_linenumber"),
        pa.array([1] * inserted_count, schema.field("l_linenumber").type),
    )
    inserted = inserted.set_column(
        inserted.schema.get_field_index("l_comment"), schema.field("l_comment"),
        pa.array([f"row insert {i}" for i in range(inserted_count)], comment_type),
    )
    changes = pa.concat_tables([updated, inserted])
    os.makedirs(args.dir, exist_ok=True)
    path = os.path.join(args.dir, "changes.parquet")
    pq.write_table(changes, path)

    key_cols = ["l_orderkey", "l_linenumber", "l_comment"]
    samples = [row_dict(updated, 0, key_cols), row_dict(updated, len(updated) // 2, key_cols)]
    if inserted_count:
        samples.append(row_dict(inserted, inserted_count - 1, key_cols))
    return {
        "source": os.path.abspath(args.source),
        "rows": rows,
        "delete": {
            "predicate": PREDICATE,
            "matching_rows": matching,
            "fraction": round(matching / rows, 5) if rows else 0,
            "partkeys": partkeys,
            "months": months,
            "months_with_matches": months_hit,
            "rows_after": rows - matching,
        },
        "upsert": {
            "input": path,
            "input_rows": changes.num_rows,
            "step": args.step,
            "updated_rows": len(updated),
            "inserted_rows": inserted_count,
            "first_new_orderkey": first_new,
            "rows_after": rows + inserted_count,
            "samples": samples,
        },
    }


def cmd_layout(args) -> dict:
    files = [line.strip() for line in open(args.list) if line.strip()]
    total_bytes = rows = hit = 0
    for f in files:
        path = f[len("file://"):] if f.startswith("file://") else f
        total_bytes += os.path.getsize(path)
        part = pq.read_table(path, columns=["l_partkey"]).column("l_partkey")
        rows += len(part)
        if pc.any(matches(part)).as_py():
            hit += 1
    return {"data_files": len(files), "bytes": total_bytes, "rows": rows, "files_with_matches": hit}


def main() -> int:
    ap = argparse.ArgumentParser(description="Inputs and checks of the row-changes benchmark.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--source", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--step", type=int, default=60)
    p.add_argument("--max-updates", type=int, default=100_000)
    p.add_argument("--insert-ratio", type=float, default=0.1)
    l = sub.add_parser("layout")
    l.add_argument("--list", required=True)
    args = ap.parse_args()
    doc = cmd_prepare(args) if args.cmd == "prepare" else cmd_layout(args)
    json.dump(doc, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
