#!/usr/bin/env python3
"""Smoke test of the test REST catalog server (RestCatalogServer.java) with PyIceberg.

Usage:
    python tests/support/rest_catalog/smoke.py URL [--credential ID:SECRET] [--prop K=V ...]
        [--expect-vended [--expect-session-ttl N]] [--sigv4 KEY_ID:SECRET [--sigv4-region R]
        [--sigv4-service S]]

Runs against a server already started by scripts/rest-catalog-server (URL as written to its
--port-file). With --credential, the server must have been started with the same
--credential: PyIceberg then goes through the OAuth2 client-credentials flow, and the script
also checks that a wrong secret and a missing token are refused with 401. --prop adds a
catalog property for PyIceberg (e.g. s3.endpoint=... for an s3:// warehouse).

With --sigv4 (the server started with the same --sigv4, --sigv4-region, --sigv4-service), it
first signs requests itself with botocore's SigV4Auth: GET /v1/config, a POST with a JSON body,
a namespace path with %1F and a query string must be accepted, and unsigned, wrongly keyed,
wrongly scoped, tampered, stale and S3-style (path encoded once) requests refused with 403.
Then PyIceberg runs everything below with rest.sigv4-enabled=true, rest.signing-region and
rest.signing-name, its keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (set here; for an
s3:// warehouse give the S3 keys with --prop s3.access-key-id=... and so on), and every logged
/v1 request must have carried a valid signature.

--expect-vended checks the vended credentials of a load-table response (the server started
with --vend-s3); --expect-session-ttl N also checks that they are session credentials
(s3.session-token, s3.session-token-expires-at-ms about now + N s; --vend-s3-ttl-seconds N),
fresh on every load and on GET .../credentials.

It creates a two-level namespace with properties, creates a table, appends twice, scans,
lists, checks the injected commit faults (applied-then-502 lands, 503-before-apply does not),
renames, purges and drops, then reads /test/requests. Exits non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pyarrow as pa
from pyiceberg.catalog import load_catalog
from pyiceberg.exceptions import CommitStateUnknownException, ForbiddenError, NoSuchTableError, OAuthError
from pyiceberg.schema import Schema
from pyiceberg.types import LongType, NestedField, StringType


# (access key id, secret, region, service) with --sigv4: http() then signs /v1 requests.
SIGV4: tuple[str, str, str, str] | None = None


def sigv4_headers(method: str, url: str, body: bytes | None, headers: dict, key_id: str, secret: str,
                  region: str, service: str, *, content_sha256: bool = True,
                  s3_style: bool = False) -> dict:
    """headers plus botocore's SigV4 ones (x-amz-date, Authorization, x-amz-content-sha256).

    s3_style signs the path as sent instead of URI-encoding it again, as S3 (alone) wants. An
    Authorization header in headers (a bearer token) is sent as Original-Authorization.
    """
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    class S3StylePath(SigV4Auth):
        def _normalize_url_path(self, path):
            return path

    signed = dict(headers)
    if "Authorization" in signed:  # a bearer token moves aside, as PyIceberg moves it
        signed["Original-Authorization"] = signed.pop("Authorization")
    if content_sha256:
        signed["x-amz-content-sha256"] = hashlib.sha256(body or b"").hexdigest()
    parts = urllib.parse.urlsplit(url)
    params = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    request = AWSRequest(method=method, url=urllib.parse.urlunsplit(parts._replace(query="")),
                         params=params, data=body, headers=signed)
    (S3StylePath if s3_style else SigV4Auth)(Credentials(key_id, secret), service, region).add_auth(request)
    return dict(request.headers.items())


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None, sign: bool = True):
    """Returns (status, parsed JSON or None). With --sigv4, /v1 requests are signed."""
    headers = headers or {}
    if sign and SIGV4 and "/v1/" in url:
        headers = sigv4_headers(method, url, body, headers, *SIGV4)
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
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


def sigv4_checks(base: str, key_id: str, secret: str, region: str, service: str,
                 bearer: str | None) -> None:
    """Requests signed with botocore: the good ones pass, each kind of bad one gets a 403.

    bearer: an OAuth2 token (server with --credential too), sent as clients that sign do, in
    Original-Authorization.
    """
    control(base, "DELETE", "/test/requests")

    def send(method, path, payload=None, *, key=(key_id, secret), scope=(region, service),
             tamper=None, **kw):
        url = base + path
        body = json.dumps(payload).encode() if payload is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if bearer:
            headers["Original-Authorization"] = "Bearer " + bearer
        headers = sigv4_headers(method, url, body, headers, *key, *scope, **kw)
        if tamper:
            body, headers = tamper(body, headers)
        return http(method, url, body, headers, sign=False)

    def refused(what, status, out, error_type, needle):
        err = (out or {}).get("error") or {}
        check(status == 403 and err.get("code") == 403 and err.get("type") == error_type
              and needle in err.get("message", "") and secret not in json.dumps(out),
              f"SigV4: {what} refused with 403 {error_type} ({err.get('message', out)!r:.160})")

    status, out = send("GET", "/v1/config")
    check(status == 200 and "defaults" in (out or {}), f"SigV4: signed GET /v1/config accepted ({status})")
    prefix = out["overrides"].get("prefix")
    v1 = "/v1/" + (f"{prefix}/" if prefix else "")
    top = f"sigv4_{uuid.uuid4().hex[:8]}"
    status, out = send("POST", v1 + "namespaces", {"namespace": [top, "in ner"], "properties": {"k": "v"}})
    check(status == 200, f"SigV4: signed POST /v1/namespaces with a JSON body accepted ({status} {out})")
    path = f"{v1}namespaces/{top}%1Fin%20ner"
    status, out = send("GET", path)
    check(status == 200 and out["namespace"] == [top, "in ner"],
          f"SigV4: signed GET {path} (%1F separator, %20) accepted ({status})")
    status, out = send("GET", f"{v1}namespaces?parent={top}&pageSize=10")
    check(status == 200 and [top, "in ner"] in out["namespaces"],
          f"SigV4: signed GET with a query string accepted ({status})")
    status, out = send("GET", path, content_sha256=False)
    check(status == 200, f"SigV4: signed without x-amz-content-sha256 accepted ({status})")
    status, out = send("GET", "/v1/config", tamper=lambda b, h: (b, {**h, "X-Amz-Security-Token": "tok"}))
    check(status == 200, f"SigV4: an unsigned x-amz-security-token is allowed ({status})")

    status, out = http("GET", base + "/v1/config", sign=False)
    refused("an unsigned request", status, out, "NotAuthorizedException", "missing Authorization")
    status, out = send("GET", "/v1/config", key=("NOSUCHKEY", secret))
    refused("an unknown access key id", status, out, "NotAuthorizedException", "unknown access key id")
    status, out = send("GET", "/v1/config", key=(key_id, secret + "x"))
    refused("a wrong secret", status, out, "ForbiddenException", "signature does not match")
    status, out = send("GET", "/v1/config", scope=("xx-nowhere-1", service))
    refused("a wrong region", status, out, "ForbiddenException", "region 'xx-nowhere-1'")
    status, out = send("GET", "/v1/config", scope=(region, "not-" + service))
    refused("a wrong service", status, out, "ForbiddenException", f"service 'not-{service}'")
    status, out = send("GET", path, s3_style=True)
    refused("a path signed S3-style (encoded once)", status, out, "ForbiddenException", "encoded only once")
    same_length = (lambda b, h: (b.replace(b'"v"', b'"w"'), h))
    status, out = send("POST", f"{path}/properties",
                       {"updates": {"k": "v"}, "removals": []}, tamper=same_length)
    refused("a tampered body (x-amz-content-sha256 sent)", status, out, "ForbiddenException",
            "does not match the body's SHA-256")
    status, out = send("POST", f"{path}/properties",
                       {"updates": {"k": "v"}, "removals": []}, tamper=same_length, content_sha256=False)
    refused("a tampered body (no x-amz-content-sha256)", status, out, "ForbiddenException",
            "signature does not match")
    status, out = send("GET", path, tamper=lambda b, h: (b, {**h, "X-Amz-Date": "20200101T000000Z"}))
    refused("a stale x-amz-date", status, out, "NotAuthorizedException", "15 minutes")
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "x",
                                   "client_secret": "y"}).encode()
    url = base + "/v1/oauth/tokens"
    status, out = http("POST", url, form, sigv4_headers(
        "POST", url, form, {"Content-Type": "application/x-www-form-urlencoded"}, key_id, secret + "x",
        region, service), sign=False)
    refused("a token request with a wrong signature", status, out, "ForbiddenException",
            "signature does not match")
    status, out = send("GET", path.replace("in%20ner", "in%20ner2"))
    check(status == 404, f"SigV4: a signed request for a missing namespace gets 404 ({status})")

    log = control(base, "GET", "/test/requests")
    check(all(r["sigv4"] == (r["status"] != 403) for r in log) and len(log) == 17,
          f"SigV4: /test/requests marks the {len(log)} requests sigv4 true exactly when accepted")
    status, out = send("DELETE", path)
    check(status == 204, f"SigV4: signed DELETE accepted ({status} {out})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--credential", help="ID:SECRET the server was started with")
    ap.add_argument("--prop", action="append", default=[], help="extra catalog property K=V")
    ap.add_argument("--expect-vended", action="store_true",
                    help="the server was started with --vend-s3: check the load-table response")
    ap.add_argument("--expect-session-ttl", type=int, metavar="N",
                    help="the server was started with --vend-s3-ttl-seconds N: check session tokens")
    ap.add_argument("--sigv4", metavar="KEY_ID:SECRET", help="the server's --sigv4 key: sign requests")
    ap.add_argument("--sigv4-region", default="us-east-1")
    ap.add_argument("--sigv4-service", default="glue")
    args = ap.parse_args()
    base = args.url.rstrip("/")
    global SIGV4

    control(base, "DELETE", "/test/faults")
    control(base, "DELETE", "/test/requests")

    props = {"type": "rest", "uri": base}
    for p in args.prop:
        k, _, v = p.partition("=")
        props[k] = v

    if args.sigv4:
        key_id, _, secret = args.sigv4.partition(":")
        SIGV4 = (key_id, secret, args.sigv4_region, args.sigv4_service)
        bearer = fetch_token(base, args.credential) if args.credential else None
        sigv4_checks(base, key_id, secret, args.sigv4_region, args.sigv4_service, bearer)
        os.environ["AWS_ACCESS_KEY_ID"] = key_id
        os.environ["AWS_SECRET_ACCESS_KEY"] = secret + "x"
        sigv4_props = {"rest.sigv4-enabled": "true", "rest.signing-region": args.sigv4_region,
                       "rest.signing-name": args.sigv4_service}
        try:
            load_catalog("smoke_bad_sigv4", **props, **sigv4_props)
        except ForbiddenError as e:
            check(True, f"PyIceberg signing with a wrong secret gets ForbiddenError ({e})")
        else:
            check(False, "PyIceberg signing with a wrong secret gets ForbiddenError")
        os.environ["AWS_SECRET_ACCESS_KEY"] = secret
        props.update(sigv4_props)

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
        if args.expect_session_ttl is not None:
            ttl_ms = args.expect_session_ttl * 1000

            def session(config, when_ms):
                token = config.get("s3.session-token")
                expires = int(config.get("s3.session-token-expires-at-ms", "0"))
                return bool(token) and abs(expires - (when_ms + ttl_ms)) < 60_000, token

            ok, first = session(creds[0]["config"], int(time.time() * 1000))
            check(ok, f"vended credentials carry s3.session-token and s3.session-token-expires-at-ms"
                      f" about now + {args.expect_session_ttl} s ({creds[0]['config']})")
            status, again = http("GET", base + path, headers=headers)
            ok, second = session(again["config"], int(time.time() * 1000))
            check(status == 200 and ok and second != first, "each table load vends a fresh session token")
            status, fresh = http("GET", base + path + "/credentials", headers=headers)
            fresh_creds = (fresh or {}).get("storage-credentials") or []
            ok, third = session(fresh_creds[0]["config"] if fresh_creds else {}, int(time.time() * 1000))
            check(status == 200 and ok and third not in (first, second),
                  "GET .../credentials vends a fresh session token")
            log = control(base, "GET", "/test/requests")
            check(any(r["method"] == "GET" and r["path"] == path + "/credentials" and r["status"] == 200
                      for r in log), "GET .../credentials is in /test/requests")

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
    if args.sigv4:
        check(all(r["sigv4"] for r in v1),
              f"every /v1 request since the last log reset carried a valid SigV4 signature ({len(v1)})")
    loads = [r for r in v1 if r["method"] == "GET" and "/tables/" in r["path"]]
    check(bool(loads) and all(r["access-delegation"] == "vended-credentials" for r in loads),
          "PyIceberg sent X-Iceberg-Access-Delegation: vended-credentials on table loads")
    check("secret" not in json.dumps(log), "request log holds no secrets")
    print("smoke: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
