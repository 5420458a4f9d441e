#!/usr/bin/env python3
"""Smoke test of the test REST catalog server (RestCatalogServer.java) with PyIceberg.

Usage:
    python tests/support/rest_catalog/smoke.py URL [--credential ID:SECRET] [--prop K=V ...]

Runs against a server already started by scripts/rest-catalog-server (URL as written to its
--port-file). With --credential, the server must have been started with the same
--credential: PyIceberg then goes through the OAuth2 client-credentials flow, and the script
also checks that a wrong secret and a missing token are refused with 401. --prop adds a
catalog property for PyIceberg (e.g. s3.endpoint=... for an s3:// warehouse).

It creates a two-level namespace with properties, creates a table, appends twice, scans,
lists, checks the injected commit faults (applied-then-502 lands, 503-before-apply does not),
renames, purges and drops, then reads /test/requests. Exits non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pyarrow as pa
from pyiceberg.catalog import load_catalog
from pyiceberg.exceptions import CommitStateUnknownException, NoSuchTableError, OAuthError
from pyiceberg.schema import Schema
from pyiceberg.types import LongType, NestedField, StringType


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None):
    """Returns (status, parsed JSON or None)."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw else None


def control(base: str, method: str, path: str, payload: dict | None = None):
    body = json.dumps(payload).encode() if payload is not None else None
    status, out = http(method, base + path, body, {"Content-Type": "application/json"})
    if status >= 300:
        raise SystemExit(f"smoke: {method} {path} answered {status}: {out}")
    return out


def fetch_token(base: str, credential: str) -> str:
    client_id, _, secret = credential.partition(":")
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id,
                                   "client_secret": secret, "scope": "catalog"}).encode()
    status, out = http("POST", base + "/v1/oauth/tokens", form,
                       {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 200:
        raise SystemExit(f"smoke: token request answered {status}: {out}")
    return out["access_token"]


def check(cond: bool, what: str) -> None:
    if not cond:
        raise SystemExit(f"smoke: FAILED: {what}")
    print(f"smoke: ok: {what}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--credential", help="ID:SECRET the server was started with")
    ap.add_argument("--prop", action="append", default=[], help="extra catalog property K=V")
    ap.add_argument("--expect-vended", action="store_true",
                    help="the server was started with --vend-s3: check the load-table response")
    args = ap.parse_args()
    base = args.url.rstrip("/")

    control(base, "DELETE", "/test/faults")
    control(base, "DELETE", "/test/requests")

    props = {"type": "rest", "uri": base}
    for p in args.prop:
        k, _, v = p.partition("=")
        props[k] = v

    if args.credential:
        client_id, _, _secret = args.credential.partition(":")
        form = urllib.parse.urlencode(
            {"grant_type": "client_credentials", "client_id": client_id,
             "client_secret": "wrong-secret", "scope": "catalog"}).encode()
        status, out = http("POST", base + "/v1/oauth/tokens", form,
                           {"Content-Type": "application/x-www-form-urlencoded"})
        check(status == 401 and out.get("error") == "invalid_client",
              f"wrong secret refused with 401 invalid_client ({status} {out})")
        try:
            load_catalog("smoke_bad", **props, credential=f"{client_id}:wrong-secret")
        except OAuthError as e:
            check(True, f"PyIceberg with a wrong secret raises OAuthError ({e})")
        else:
            check(False, "PyIceberg with a wrong secret raises OAuthError")
        status, out = http("GET", base + "/v1/config")
        check(status == 401, f"GET /v1/config without a token answered 401 ({status})")
        status, out = http("GET", base + "/v1/config", headers={"Authorization": "Bearer nope"})
        check(status == 401, f"GET /v1/config with an unknown token answered 401 ({status})")
        props["credential"] = args.credential

    cat = load_catalog("smoke", **props)

    top = f"smoke_{uuid.uuid4().hex[:8]}"
    ns = (top, "inner")
    cat.create_namespace(top)
    cat.create_namespace(ns, {"owner": "smoke", "purpose": "test"})
    loaded = cat.load_namespace_properties(ns)
    check(loaded.get("owner") == "smoke", f"namespace properties round-trip ({loaded})")
    check(ns in cat.list_namespaces(top), "list_namespaces(parent) finds the nested namespace")
    cat.update_namespace_properties(ns, removals={"purpose"}, updates={"owner": "smoke2"})
    loaded = cat.load_namespace_properties(ns)
    check(loaded.get("owner") == "smoke2" and "purpose" not in loaded, "namespace properties update")

    schema = Schema(
        NestedField(1, "id", LongType(), required=False),
        NestedField(2, "name", StringType(), required=False),
    )
    ident = (*ns, "events")
    table = cat.create_table(ident, schema=schema, properties={"created-by": "smoke"})
    check(cat.table_exists(ident), "table exists after create")
    batch = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "name": pa.array(["a", "b", "c"])})
    table.append(batch)
    table.append(batch)
    table = cat.load_table(ident)
    rows = table.scan().to_arrow().num_rows
    check(rows == 6, f"two appends then scan: {rows} rows")
    check(len(table.metadata.snapshots) == 2, "two snapshots")
    check(ident in cat.list_tables(ns), "list_tables finds the table")

    # Commit applied, then answered with 502: PyIceberg reports an unknown state, the data landed.
    control(base, "POST", "/test/faults", {"commit-fail-after-apply": 1, "status": 502})
    try:
        table.append(batch)
    except CommitStateUnknownException as e:
        check(True, f"append answered 502 raises CommitStateUnknownException ({e})")
    else:
        check(False, "append answered 502 raises CommitStateUnknownException")
    table = cat.load_table(ident)
    check(len(table.metadata.snapshots) == 3 and table.scan().to_arrow().num_rows == 9,
          "the commit answered 502 was applied (3 snapshots, 9 rows)")

    # Refused before applying with 503: nothing lands.
    control(base, "POST", "/test/faults", {"commit-fail-before-apply": 1, "status": 503})
    try:
        table.append(batch)
    except Exception as e:  # noqa: BLE001 - PyIceberg maps 503 to ServiceUnavailableError
        check(True, f"append answered 503 before applying fails ({type(e).__name__})")
    else:
        check(False, "append answered 503 before applying fails")
    table = cat.load_table(ident)
    check(len(table.metadata.snapshots) == 3, "the commit refused with 503 was not applied")
    state = control(base, "GET", "/test/faults")
    check(state["commit-fail-after-apply"] == 0 and state["commit-fail-before-apply"] == 0,
          "fault counters used up")

    # A stale writer gets 409 (PyIceberg then refreshes and retries, so its append may still land).
    stale = cat.load_table(ident)
    table.append(batch)
    control(base, "DELETE", "/test/requests")
    try:
        stale.append(batch)
        expected_rows = 15
    except Exception as e:  # noqa: BLE001
        check("CommitFailed" in type(e).__name__, f"stale append refused ({type(e).__name__})")
        expected_rows = 12
    log = control(base, "GET", "/test/requests")
    check(any(r["method"] == "POST" and r["path"].endswith("/events") and r["status"] == 409 for r in log),
          "the stale commit was answered 409")

    # Staged create (stage-create, then a commit asserting the table does not exist yet).
    staged_ident = (*ns, "staged")
    with cat.create_table_transaction(staged_ident, schema=schema) as tx:
        tx.set_properties(stage="yes")
    staged = cat.load_table(staged_ident)
    check(staged.properties.get("stage") == "yes", "create_table_transaction (stage-create) commits")

    # Register the staged table's metadata under another name, then drop it without purge.
    registered_ident = (*ns, "registered")
    registered = cat.register_table(registered_ident, staged.metadata_location)
    check(registered.metadata_location == staged.metadata_location, "register_table")
    cat.drop_table(registered_ident)
    check(not cat.table_exists(registered_ident) and cat.table_exists(staged_ident),
          "drop_table without purge removes only the registered name")
    cat.drop_table(staged_ident)

    if args.expect_vended:
        headers = {"X-Iceberg-Access-Delegation": "vended-credentials"}
        if args.credential:
            headers["Authorization"] = "Bearer " + fetch_token(base, args.credential)
        prefix = cat.properties.get("prefix")
        path = "/v1/" + (prefix + "/" if prefix else "") + "namespaces/" + "%1F".join(ns) + "/tables/events"
        status, out = http("GET", base + path, headers=headers)
        creds = (out or {}).get("storage-credentials") or []
        check(status == 200 and creds and creds[0]["prefix"] == out["metadata"]["location"]
              and all(out["config"].get(k) == v for k, v in creds[0]["config"].items()),
              "vended credentials in the load-table config and storage-credentials")

    renamed = (*ns, "events_renamed")
    cat.rename_table(ident, renamed)
    check(not cat.table_exists(ident) and cat.table_exists(renamed), "rename")
    table = cat.load_table(renamed)
    rows = table.scan().to_arrow().num_rows
    check(rows == expected_rows, f"renamed table still has its {rows} rows")

    cat.purge_table(renamed)
    check(not cat.table_exists(renamed), "purge_table drops the table")
    try:
        cat.load_table(renamed)
    except NoSuchTableError:
        check(True, "load of the purged table raises NoSuchTableError")
    else:
        check(False, "load of the purged table raises NoSuchTableError")
    if table.metadata_location.startswith("file:"):
        import os
        path = urllib.parse.urlparse(table.metadata_location).path
        check(not os.path.exists(path), "purge deleted the metadata file")

    cat.drop_namespace(ns)
    cat.drop_namespace(top)
    check(top not in [n[0] for n in cat.list_namespaces()], "namespaces dropped")

    log = control(base, "GET", "/test/requests")
    prefix = cat.properties.get("prefix")
    if prefix:
        catalog_paths = [r["path"] for r in log if "/namespaces" in r["path"] or "/tables" in r["path"]]
        check(all(p.startswith(f"/v1/{prefix}/") for p in catalog_paths),
              f"every catalog call used the configured prefix {prefix!r}")
    v1 = [r for r in log if r["path"].startswith("/v1/") and r["path"] != "/v1/oauth/tokens"]
    check(len(v1) > 10, f"request log has the catalog calls ({len(v1)})")
    if args.credential:
        check(all(r["authorization"] for r in v1 if r["status"] != 401),
              "every accepted /v1 request carried an Authorization header")
    loads = [r for r in v1 if r["method"] == "GET" and "/tables/" in r["path"]]
    check(bool(loads) and all(r["access-delegation"] == "vended-credentials" for r in loads),
          "PyIceberg sent X-Iceberg-Access-Delegation: vended-credentials on table loads")
    check("secret" not in json.dumps(log), "request log holds no secrets")
    print("smoke: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
