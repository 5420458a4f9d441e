#!/usr/bin/env python3
"""PyIceberg side of the snapshot-maintenance benchmark (see bench/README.md).

    pyiceberg_snapshots.py register --warehouse DIR --metadata FILE
    pyiceberg_snapshots.py snapshots --warehouse DIR     inspect.snapshots() to Arrow
    pyiceberg_snapshots.py expire --warehouse DIR --retain-last N
        expire every snapshot but main's newest N (PyIceberg only rewrites the metadata; it
        deletes no file)

Each prints one JSON report: {"snapshots": N}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pyiceberg_compact import catalog  # noqa: E402

IDENTIFIER = "bench.history"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["register", "snapshots", "expire"])
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--metadata")
    ap.add_argument("--retain-last", type=int, default=10)
    args = ap.parse_args()
    cat = catalog(args.warehouse)
    if args.command == "register":
        cat.create_namespace_if_not_exists("bench")
        table = cat.register_table(IDENTIFIER, args.metadata)
        report = {"snapshots": len(table.metadata.snapshots)}
    elif args.command == "snapshots":
        table = cat.load_table(IDENTIFIER)
        report = {"snapshots": table.inspect.snapshots().num_rows}
    else:
        table = cat.load_table(IDENTIFIER)
        newest = sorted(table.metadata.snapshots, key=lambda s: s.timestamp_ms)[-args.retain_last:]
        keep = {s.snapshot_id for s in newest}
        expire = [s.snapshot_id for s in table.metadata.snapshots if s.snapshot_id not in keep]
        table.maintenance.expire_snapshots().by_ids(expire).commit()
        report = {"snapshots": len(cat.load_table(IDENTIFIER).metadata.snapshots)}
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
