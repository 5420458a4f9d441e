"""Values as plain JSON, alike for every reader the tests compare (PyIceberg, DuckDB, Spark).

Dates, times and timestamps as ISO-8601 strings, decimals and UUIDs as strings, binary as
base64, NaN/Infinity as strings, structs as objects, maps as [[key, value], ...] (as pyarrow
gives them), arrays as arrays. Rows sort by each column's JSON text, in schema order.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import math
import uuid


def to_json(value):
    """A value from pyarrow's to_pylist() (or a partition record) as plain JSON."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        # pyarrow renders map<k,v> as a list of (key, value) tuples
        return [to_json(v) for v in value]
    return str(value)


def row_sort_key(row: dict, columns: list[str]):
    """Deterministic for any types: each column's JSON text, in schema order."""
    return tuple(json.dumps(row.get(c), sort_keys=True) for c in columns)
