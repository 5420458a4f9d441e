#!/usr/bin/env python3
"""polars' side of the CSV ingest benchmark (see bench/README.md): one CSV file to one
Parquet file with polars' streaming engine (`scan_csv(...).sink_parquet(...)`), zstd level 1
as floe's tables write by default. Prints {"records_added": N, "bytes_added": N}.

    polars_csv.py INPUT.csv OUTPUT.parquet
"""

import json
import os
import sys

import polars as pl


def main() -> int:
    source, target = sys.argv[1], sys.argv[2]
    pl.scan_csv(source, try_parse_dates=True).sink_parquet(target, compression="zstd", compression_level=1)
    rows = pl.scan_parquet(target).select(pl.len()).collect().item()
    print(json.dumps({"records_added": rows, "bytes_added": os.path.getsize(target)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
