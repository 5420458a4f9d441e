#!/usr/bin/env python3
"""Read an Iceberg table with PyIceberg and print it as one JSON document.

The tests use this as an independent reader: whatever floe writes must be
readable by PyIceberg and show the same rows, schema, partition spec and files.

Usage:
    python tests/py/read_table.py --metadata LOCATION [--s3-endpoint URL] [--snapshot-id ID]

LOCATION is a `*.metadata.json` file (local path, file:// or s3:// URI) or a table
directory (then metadata/version-hint.text is used, else the newest metadata file).

Output (stdout):
    {"row_count": N,
     "rows": [{col: value}, ...],            # sorted, see row_sort_key
     "schema": [{"id", "name", "type", "required"}],
     "partition_spec": [{"source_id", "field_id", "name", "transform"}],
     "files": [{"file_path", "record_count", "file_size_in_bytes", "partition": {name: value}}],
     "snapshot_id": int | null}

Values: dates/times/timestamps as ISO-8601 strings, decimals and UUIDs as strings,
binary as base64, NaN/Infinity as the strings "NaN"/"Infinity"/"-Infinity".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

from pyiceberg.table import StaticTable  # noqa: E402

from json_values import row_sort_key, to_json  # noqa: E402

METADATA_FILE_RE = re.compile(r"^(?:v(\d+)|(\d+)-[^/]*)\.metadata\.json$")


def s3_properties(endpoint: str | None) -> dict:
    if not endpoint:
        return {}
    return {
        "s3.endpoint": endpoint,
        "s3.access-key-id": os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        "s3.secret-access-key": os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        "s3.region": os.environ.get("AWS_REGION", "us-east-1"),
        "s3.path-style-access": "true",
    }


def newest_metadata_file(table_dir: str, properties: dict) -> str | None:
    """Newest `vN.metadata.json` / `NNNNN-uuid.metadata.json` under table_dir/metadata."""
    import pyarrow.fs as pafs

    metadata_dir = table_dir.rstrip("/") + "/metadata"
    if metadata_dir.startswith("s3://") or metadata_dir.startswith("s3a://"):
        endpoint = properties.get("s3.endpoint")
        fs = pafs.S3FileSystem(
            access_key=properties.get("s3.access-key-id"),
            secret_key=properties.get("s3.secret-access-key"),
            region=properties.get("s3.region", "us-east-1"),
            endpoint_override=endpoint,
            scheme="http" if endpoint and endpoint.startswith("http://") else "https",
            force_virtual_addressing=False,
        )
        path = metadata_dir.split("://", 1)[1]
        prefix = metadata_dir.split("://", 1)[0] + "://"
    else:
        fs = pafs.LocalFileSystem()
        path = metadata_dir[len("file://"):] if metadata_dir.startswith("file://") else metadata_dir
        prefix = "file://" if metadata_dir.startswith("file://") else ""
    try:
        infos = fs.get_file_info(pafs.FileSelector(path, allow_not_found=True))
    except OSError:
        return None
    best = None
    for info in infos:
        m = METADATA_FILE_RE.match(info.base_name)
        if info.type == pafs.FileType.File and m:
            version = int(m.group(1) or m.group(2))
            if best is None or version > best[0]:
                best = (version, prefix + info.path)
    return best[1] if best else None


def load_table(location: str, properties: dict) -> StaticTable:
    if location.endswith(".metadata.json"):
        return StaticTable.from_metadata(location, properties=properties)
    try:
        return StaticTable.from_metadata(location, properties=properties)
    except (FileNotFoundError, OSError):
        newest = newest_metadata_file(location, properties)
        if newest is None:
            raise SystemExit(f"read_table: no version-hint.text or *.metadata.json under {location}/metadata")
        return StaticTable.from_metadata(newest, properties=properties)


def partition_to_dict(partition, spec) -> dict:
    out = {}
    for pos, field in enumerate(spec.fields):
        try:
            value = partition[pos]
        except (IndexError, TypeError):
            value = getattr(partition, field.name, None)
        out[field.name] = to_json(value)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description="Read an Iceberg table with PyIceberg; print JSON.")
    ap.add_argument("--metadata", required=True, help="metadata.json location or table directory")
    ap.add_argument("--s3-endpoint", help="S3 endpoint URL, e.g. http://127.0.0.1:9000")
    ap.add_argument("--snapshot-id", type=int, help="read this snapshot instead of the current one")
    args = ap.parse_args()

    properties = s3_properties(args.s3_endpoint)
    table = load_table(args.metadata, properties)
    metadata = table.metadata

    if args.snapshot_id is not None:
        snapshot = table.snapshot_by_id(args.snapshot_id)
        if snapshot is None:
            raise SystemExit(f"read_table: no snapshot {args.snapshot_id} in {args.metadata}")
    else:
        snapshot = table.current_snapshot()
    snapshot_id = snapshot.snapshot_id if snapshot is not None else None

    # With a snapshot id the schema is the one that snapshot was written with.
    schema = table.schema()
    if snapshot is not None and snapshot.schema_id is not None:
        schema = next((s for s in metadata.schemas if s.schema_id == snapshot.schema_id), schema)

    scan = table.scan(snapshot_id=snapshot_id) if snapshot_id is not None else table.scan()
    arrow_table = scan.to_arrow()
    columns = [f.name for f in schema.fields]
    rows = [{k: to_json(v) for k, v in r.items()} for r in arrow_table.to_pylist()]
    rows.sort(key=lambda r: row_sort_key(r, columns))

    specs = table.specs()
    files = []
    if snapshot_id is not None:
        for task in scan.plan_files():
            data_file = task.file
            spec = specs.get(data_file.spec_id, table.spec())
            files.append(
                {
                    "file_path": data_file.file_path,
                    "record_count": int(data_file.record_count),
                    "file_size_in_bytes": int(data_file.file_size_in_bytes),
                    "partition": partition_to_dict(data_file.partition, spec),
                }
            )
    files.sort(key=lambda f: f["file_path"])

    doc = {
        "row_count": len(rows),
        "rows": rows,
        "schema": [
            {"id": f.field_id, "name": f.name, "type": str(f.field_type), "required": bool(f.required)}
            for f in schema.fields
        ],
        "partition_spec": [
            {"source_id": f.source_id, "field_id": f.field_id, "name": f.name, "transform": str(f.transform)}
            for f in table.spec().fields
        ],
        "files": files,
        "snapshot_id": snapshot_id,
    }
    json.dump(doc, sys.stdout, allow_nan=False, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
