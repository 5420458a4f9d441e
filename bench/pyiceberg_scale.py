#!/usr/bin/env python3
"""PyIceberg side of the scale benchmark (see bench/README.md).

    pyiceberg_scale.py files METADATA            inspect.files() to Arrow
    pyiceberg_scale.py plan METADATA             scan().plan_files()
    pyiceberg_scale.py plan METADATA --where EXPR
        scan(row_filter=EXPR).plan_files(): planning pruned by the filter

The table is opened with StaticTable.from_metadata. Each prints one JSON report:
{"files": N} (files listed or planned).
"""

from __future__ import annotations

import argparse
import json
import sys

from pyiceberg.table import StaticTable


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["files", "plan"])
    ap.add_argument("metadata")
    ap.add_argument("--where")
    args = ap.parse_args()
    table = StaticTable.from_metadata(args.metadata)
    if args.command == "files":
        count = table.inspect.files().num_rows
    else:
        scan = table.scan(row_filter=args.where) if args.where else table.scan()
        count = sum(1 for _ in scan.plan_files())
    json.dump({"files": count}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
