#!/usr/bin/env python3
"""Count the data files PyIceberg's scan planning keeps for row filters.

A real reader's min/max pruning: `table.scan(row_filter=F).plan_files()` drops every file
whose manifest bounds cannot match F. The compaction tests and bench/zorder use this to
measure how well a rewrite clustered rows.

Usage:
    python tests/py/plan_files.py --metadata LOCATION [--snapshot-id ID] FILTER...

LOCATION is a `*.metadata.json` file or a table directory (as for read_table.py); each
FILTER is a PyIceberg row filter such as "x >= 10 AND x < 20".

Output (stdout):
    {"snapshot_id": int, "files": N, "kept": {FILTER: files planned, ...}}
"""

from __future__ import annotations

import argparse
import json
import sys

from read_table import load_table


def main() -> int:
    ap = argparse.ArgumentParser(description="Count the files PyIceberg plans per row filter.")
    ap.add_argument("--metadata", required=True, help="metadata.json location or table directory")
    ap.add_argument("--snapshot-id", type=int, help="plan this snapshot instead of the current one")
    ap.add_argument("filters", nargs="*", help="PyIceberg row filters")
    args = ap.parse_args()

    table = load_table(args.metadata, {})
    snapshot_id = args.snapshot_id or table.metadata.current_snapshot_id

    def planned(row_filter: str) -> int:
        return len(list(table.scan(row_filter=row_filter, snapshot_id=snapshot_id).plan_files()))

    json.dump(
        {
            "snapshot_id": snapshot_id,
            "files": planned("True"),
            "kept": {f: planned(f) for f in args.filters},
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
