#!/usr/bin/env python3
"""PyIceberg side of the row-changes benchmark (see bench/README.md).

The table is bench.lineitem in a SQLite catalog inside DIR, made by bench/pyiceberg_ingest.py
(`create`, then `ingest`), so it is the ingest benchmark's table. Then, each its own process:

    pyiceberg_row_changes.py files --warehouse DIR --out FILE
        the current snapshot id (JSON on stdout) and its data files, one path a line, into FILE
    pyiceberg_row_changes.py reset --warehouse DIR --snapshot ID
        roll main back to snapshot ID (the loaded table) unless it is already there
    pyiceberg_row_changes.py delete --warehouse DIR --facts FILE
        timed: table.delete(In("l_partkey", [...])) with every part key of the data that is
        7 modulo 100 (from FILE, made by row_changes_input.py: PyIceberg's expressions have no
        modulo)
    pyiceberg_row_changes.py upsert --warehouse DIR --input FILE.parquet
        timed: the input read with pyarrow, then table.upsert(df, join_cols=[l_orderkey, l_linenumber])
    pyiceberg_row_changes.py check --warehouse DIR [--sample JSON ...]
        rows in the table, and l_comment of each sample key ({"l_orderkey", "l_linenumber"})

delete and upsert print a JSON report: {"seconds": s (load_table + the operation, after the
imports), "snapshots": [summaries of the snapshots it committed, oldest first], ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import pyarrow.parquet as pq  # noqa: E402
from pyiceberg.expressions import And, EqualTo, In  # noqa: E402

from pyiceberg_ingest import IDENTIFIER, catalog, plain_types  # noqa: E402

JOIN_COLS = ["l_orderkey", "l_linenumber"]


def new_snapshots(table, before: int | None) -> list[dict]:
    """Summaries of the snapshots from `before` (exclusive) to the current one, oldest first."""
    out = []
    snap = table.current_snapshot()
    while snap is not None and snap.snapshot_id != before:
        summary = snap.summary
        out.append({
            "snapshot_id": snap.snapshot_id,
            "operation": summary.operation.value if summary else None,
            **(dict(summary.additional_properties) if summary else {}),
        })
        snap = table.snapshot_by_id(snap.parent_snapshot_id) if snap.parent_snapshot_id else None
    return list(reversed(out))


def cmd_files(args) -> dict:
    table = catalog(args.warehouse).load_table(IDENTIFIER)
    paths = table.inspect.files().column("file_path").to_pylist()
    with open(args.out, "w") as f:
        f.write("\n".join(paths) + "\n")
    snap = table.current_snapshot()
    return {"snapshot_id": snap.snapshot_id if snap else None, "data_files": len(paths)}


def cmd_reset(args) -> dict:
    table = catalog(args.warehouse).load_table(IDENTIFIER)
    current = table.current_snapshot().snapshot_id
    if current != args.snapshot:
        table.manage_snapshots().rollback_to_snapshot(args.snapshot).commit()
    return {"snapshot_id": args.snapshot, "rolled_back_from": current}


def cmd_delete(args) -> dict:
    facts = json.load(open(args.facts))["delete"]
    predicate = In("l_partkey", facts["partkeys"])
    t0 = time.perf_counter()
    table = catalog(args.warehouse).load_table(IDENTIFIER)
    before = table.current_snapshot().snapshot_id
    table.delete(delete_filter=predicate)
    seconds = time.perf_counter() - t0
    table = catalog(args.warehouse).load_table(IDENTIFIER)
    return {"seconds": round(seconds, 3), "predicate_values": len(facts["partkeys"]),
            "snapshots": new_snapshots(table, before)}


def cmd_upsert(args) -> dict:
    t0 = time.perf_counter()
    table = catalog(args.warehouse).load_table(IDENTIFIER)
    before = table.current_snapshot().snapshot_id
    df = pq.read_table(args.input, schema=plain_types(pq.read_schema(args.input)))
    result = table.upsert(df, join_cols=JOIN_COLS)
    seconds = time.perf_counter() - t0
    table = catalog(args.warehouse).load_table(IDENTIFIER)
    return {"seconds": round(seconds, 3), "rows_updated": result.rows_updated,
            "rows_inserted": result.rows_inserted, "snapshots": new_snapshots(table, before)}


def cmd_check(args) -> dict:
    table = catalog(args.warehouse).load_table(IDENTIFIER)
    rows = table.scan(selected_fields=("l_orderkey",)).to_arrow().num_rows
    samples = []
    for text in args.sample:
        key = json.loads(text)
        found = table.scan(
            row_filter=And(EqualTo("l_orderkey", key["l_orderkey"]), EqualTo("l_linenumber", key["l_linenumber"])),
            selected_fields=("l_comment",),
        ).to_arrow().column("l_comment").to_pylist()
        samples.append({"l_orderkey": key["l_orderkey"], "l_linenumber": key["l_linenumber"], "l_comment": found})
    return {"rows": rows, "snapshot_id": table.current_snapshot().snapshot_id, "samples": samples}


def main() -> int:
    ap = argparse.ArgumentParser(description="PyIceberg side of the row-changes benchmark.")
    ap.add_argument("command", choices=["files", "reset", "delete", "upsert", "check"])
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--out")
    ap.add_argument("--snapshot", type=int)
    ap.add_argument("--facts")
    ap.add_argument("--input")
    ap.add_argument("--sample", action="append", default=[])
    args = ap.parse_args()
    commands = {"files": cmd_files, "reset": cmd_reset, "delete": cmd_delete, "upsert": cmd_upsert, "check": cmd_check}
    json.dump(commands[args.command](args), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
