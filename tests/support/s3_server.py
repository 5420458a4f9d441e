#!/usr/bin/env python3
"""Local S3 endpoint for the test suite (moto), with a canary for conditional PUTs.

floe's commit protocol on S3 relies on `PUT ... If-None-Match: *` being refused
with 412 when the key already exists. Before announcing itself this server checks
that it really does; if not, it exits non-zero instead of letting tests pass
against an endpoint that would silently accept conflicting commits.

Usage:
    python tests/support/s3_server.py --port-file FILE [--bucket NAME ...]

Runs in the foreground until SIGTERM/SIGINT. Once the canaries passed and the
buckets exist, writes `http://127.0.0.1:PORT` to FILE (atomically).

moto checks the precondition and stores the object in two steps, so two
concurrent conditional PUTs of the same key can both succeed (seen with large
bodies). Real S3 never allows that, so mutating requests are serialised here
(disable with --no-serialize-writes).

The same endpoint serves AWS Glue (moto routes by the signed service name). Glue's
UpdateTable refuses a stale `VersionId` with ConcurrentModificationException: that is
the optimistic lock Iceberg's Glue catalogs commit with. moto ignores the VersionId, so
it is enforced here, and a canary checks it before the server announces itself.

moto accepts any credentials. So that tests can see how clients report credentials AWS
does not accept, requests signed with the access key id `refused` are answered as AWS
answers an unknown key (Glue: UnrecognizedClientException; S3: InvalidAccessKeyId), and
those signed with `denied` as IAM answers a request no policy allows (AccessDenied).

Two more access key ids make Glue's UpdateTable fail the ways that leave a client unsure
whether its commit landed: `lost-answer` applies every UpdateTable and then answers HTTP 500
(the answer lost after the change was made); `busy` answers every other UpdateTable with
HTTP 500 without applying it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
import threading
import uuid

# Dummy credentials; also keep SDKs away from the EC2 instance-metadata address.
for _k, _v in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}.items():
    os.environ.setdefault(_k, _v)

import boto3  # noqa: E402
import botocore.config  # noqa: E402
import botocore.exceptions  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server  # noqa: E402

MUTATING_METHODS = {"PUT", "POST", "DELETE"}


class SerializeWrites:
    """WSGI middleware: one mutating request at a time, so check-then-write is atomic."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD", "GET").upper() not in MUTATING_METHODS:
            return self.app(environ, start_response)
        with self.lock:
            # moto builds the whole response eagerly; materialise it inside the lock anyway.
            return list(self.app(environ, start_response))


class RefuseCredentials:
    """WSGI middleware: answer requests signed with the access key ids `refused` and `denied`
    as AWS answers an unknown key and a request no IAM policy allows."""

    CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        match = self.CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        key = match.group(1) if match else None
        if key not in ("refused", "denied"):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            environ["wsgi.input"].read(length)
        if environ.get("HTTP_X_AMZ_TARGET"):
            # The JSON protocol (Glue): HTTP 400 with the error type in the body.
            code, message = {
                "refused": ("UnrecognizedClientException", "The security token included in the request is invalid."),
                "denied": ("AccessDeniedException", "User: arn:aws:iam::123456789012:user/denied is not authorized to perform this operation"),
            }[key]
            body = json.dumps({"__type": code, "message": message}).encode()
            status, content_type = "400 Bad Request", "application/x-amz-json-1.1"
        else:
            code, message = {
                "refused": ("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."),
                "denied": ("AccessDenied", "Access Denied"),
            }[key]
            body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'.encode()
            status, content_type = "403 Forbidden", "application/xml"
        start_response(
            status,
            [("Content-Type", content_type), ("Content-Length", str(len(body))), ("x-amzn-ErrorType", code)],
        )
        return [body]


class GlueFaults:
    """WSGI middleware: UpdateTable failures with an unknown outcome, by access key id."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.busy_calls = 0

    @staticmethod
    def failure(start_response):
        body = json.dumps({"__type": "InternalServiceException", "message": "Internal service error (injected by the test server)"}).encode()
        start_response(
            "500 Internal Server Error",
            [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body))), ("x-amzn-ErrorType", "InternalServiceException")],
        )
        return [body]

    def __call__(self, environ, start_response):
        match = RefuseCredentials.CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        key = match.group(1) if match else None
        if key not in ("lost-answer", "busy") or environ.get("HTTP_X_AMZ_TARGET") != "AWSGlue.UpdateTable":
            return self.app(environ, start_response)
        if key == "busy":
            with self.lock:
                self.busy_calls += 1
                refuse = self.busy_calls % 2 == 1
            if refuse:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                if length:
                    environ["wsgi.input"].read(length)
                return self.failure(start_response)
            return self.app(environ, start_response)
        # Apply it, then lose the answer.
        list(self.app(environ, lambda status, headers, exc_info=None: None))
        return self.failure(start_response)


def enforce_glue_version_ids() -> None:
    """Make moto's UpdateTable refuse a stale VersionId, as Glue does."""
    from moto.core.exceptions import JsonRESTError
    from moto.glue.responses import GlueResponse

    original = GlueResponse.update_table
    # Check and update in one step even when writes are not serialised.
    lock = threading.Lock()

    def update_table(self):
        params = self.parameters
        expected = params.get("VersionId")
        with lock:
            if expected is not None:
                name = (params.get("TableInput") or {}).get("Name")
                table = self.glue_backend.get_table(params.get("DatabaseName"), name)
                current = str(table.as_dict()["VersionId"])
                if str(expected) != current:
                    raise JsonRESTError(
                        "ConcurrentModificationException",
                        f"Update table failed due to concurrent modifications: version {expected} is not the current version {current}.",
                    )
            return original(self)

    GlueResponse.update_table = update_table


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=os.environ["AWS_REGION"],
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        config=botocore.config.Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1},
        ),
    )


def canary(endpoint: str) -> None:
    """Fail unless a second `If-None-Match: *` PUT of the same key gets 412."""
    s3 = s3_client(endpoint)
    bucket = f"floe-canary-{uuid.uuid4().hex[:12]}"
    key = "canary/v1.metadata.json"
    s3.create_bucket(Bucket=bucket)
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=b"first", IfNoneMatch="*")
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=b"second", IfNoneMatch="*")
        except botocore.exceptions.ClientError as e:
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = e.response.get("Error", {}).get("Code")
            if status != 412:
                raise SystemExit(
                    f"s3_server: canary FAILED: second If-None-Match PUT refused with "
                    f"HTTP {status} ({code}), expected 412 PreconditionFailed"
                )
        else:
            raise SystemExit(
                "s3_server: canary FAILED: the S3 server accepted a second PUT with "
                "'If-None-Match: *' on an existing key. floe's commit protocol needs it "
                "refused with 412 PreconditionFailed; use a moto version that supports "
                "conditional writes (see tests/py/requirements.txt)."
            )
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        if body != b"first":
            raise SystemExit(f"s3_server: canary FAILED: refused PUT still overwrote the object ({body!r})")
    finally:
        try:
            for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=obj["Key"])
            s3.delete_bucket(Bucket=bucket)
        except botocore.exceptions.BotoCoreError:
            pass


def glue_canary(endpoint: str) -> None:
    """Fail unless UpdateTable with a stale VersionId is refused."""
    glue = boto3.client(
        "glue",
        endpoint_url=endpoint,
        region_name=os.environ["AWS_REGION"],
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )
    database = f"floe_canary_{uuid.uuid4().hex[:12]}"
    glue.create_database(DatabaseInput={"Name": database})
    try:
        glue.create_table(DatabaseName=database, TableInput={"Name": "t", "Parameters": {"v": "0"}})
        version = glue.get_table(DatabaseName=database, Name="t")["Table"]["VersionId"]
        glue.update_table(DatabaseName=database, TableInput={"Name": "t", "Parameters": {"v": "1"}}, VersionId=version)
        try:
            glue.update_table(DatabaseName=database, TableInput={"Name": "t", "Parameters": {"v": "2"}}, VersionId=version)
        except botocore.exceptions.ClientError as e:
            code = e.response.get("Error", {}).get("Code")
            if code != "ConcurrentModificationException":
                raise SystemExit(f"s3_server: Glue canary FAILED: a stale VersionId was refused with {code}, expected ConcurrentModificationException")
        else:
            raise SystemExit("s3_server: Glue canary FAILED: UpdateTable accepted a stale VersionId")
        if glue.get_table(DatabaseName=database, Name="t")["Table"]["Parameters"] != {"v": "1"}:
            raise SystemExit("s3_server: Glue canary FAILED: a refused UpdateTable still changed the table")
    finally:
        glue.delete_table(DatabaseName=database, Name="t")
        glue.delete_database(Name=database)


def write_atomically(path: str, text: str) -> None:
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port-file", required=True, help="where to write the endpoint URL once ready")
    ap.add_argument("--bucket", action="append", default=[], help="bucket to pre-create (repeatable)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    ap.add_argument("--verbose", action="store_true", help="log every request")
    ap.add_argument("--no-serialize-writes", action="store_true", help="let moto run writes concurrently")
    args = ap.parse_args()

    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    enforce_glue_version_ids()
    app = DomainDispatcherApplication(create_backend_app)
    if not args.no_serialize_writes:
        app = SerializeWrites(app)
    app = RefuseCredentials(GlueFaults(app))
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    host, port = server.server_address[:2]
    endpoint = f"http://{host}:{port}"
    thread = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
    thread.start()

    stop = threading.Event()

    def on_signal(signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    try:
        canary(endpoint)
        glue_canary(endpoint)
        s3 = s3_client(endpoint)
        for bucket in args.bucket:
            s3.create_bucket(Bucket=bucket)
    except SystemExit as e:
        print(e, file=sys.stderr)
        server.shutdown()
        return 1
    except Exception as e:  # noqa: BLE001
        print(f"s3_server: startup FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        server.shutdown()
        return 1

    write_atomically(args.port_file, endpoint + "\n")
    print(f"s3_server: ready at {endpoint} (canaries passed; buckets: {', '.join(args.bucket) or 'none'})", file=sys.stderr, flush=True)

    while not stop.wait(1.0):
        if not thread.is_alive():
            print("s3_server: server thread died", file=sys.stderr)
            return 1
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
