#!/usr/bin/env python3
"""A long-lived Spark 3.5 + Apache Iceberg session the tests drive over stdin/stdout.

Spark is the second, independent engine of the test suite: it reads what floe writes and
writes (appends, merge-on-read deletes and updates, procedures) what floe must then read.
One JVM start costs seconds, so a test binary starts this once and sends it many commands.

Usage:
    python tests/py/spark_reader.py --warehouse DIR [--jars LIST] [--driver-memory 1g]
        [--rest-uri URL [--rest-prop K=V ...]]

DIR is the warehouse of floe's directory catalog (`<DIR>/<ns>/<table>/metadata/v<N>.metadata.json`
plus `version-hint.text`, the layout of Iceberg's Hadoop catalog). It is Spark catalog `floe`
(type=hadoop, cache-enabled=false, so each statement sees commits made by others meanwhile),
also the default catalog, so `floe.ns.t` and `ns.t` name the same table. LIST is the
comma-separated extra jars; without --jars it is $FLOE_SPARK_JARS, else what scripts/spark-jars
prints.

With --rest-uri, Spark catalog `rest` is also there: an Iceberg REST catalog at URL (type=rest,
cache-enabled=false), e.g. the test server of scripts/rest-catalog-server, so `rest.ns.t`
names its tables (`floe` stays the default catalog). --rest-prop adds catalog properties, e.g.
credential=ID:SECRET, scope=..., token=..., prefix=... or header.X-Name=value. It needs the
HttpClient 5 jars scripts/spark-jars adds when Debian's libhttpclient5-java and
libhttpcore5-java are installed, and tables Spark can read (local warehouses: the runtime jar
has no S3 client that works here).

Protocol: one JSON object per line each way. The first line out is
    {"ready": true, "spark": "3.5.9", "iceberg": "Apache Iceberg 1.10.2 (commit ...)",
     "startup_seconds": 7.1}
(or {"ready": false, "error": "...", ...} and exit status 1). Then, for each line in:
    {"sql": "SELECT ..."}          -> {"columns": [...], "rows": [{col: value}, ...], "row_count": N}
    {"sql": ["stmt 1", "stmt 2"]}  -> the same, for the last statement (all run in order)
    {"sql": ..., "sort": true}     -> rows sorted as tests/py/read_table.py sorts them
    {"ping": true}                 -> {"ok": true}
    {"quit": true}                 -> {"ok": true}, then the process exits (so does EOF)
A failing command answers {"error": "...", "error_class": "AnalysisException",
"condition": "TABLE_OR_VIEW_NOT_FOUND"} and the session goes on ("condition", Spark's error
class, only when there is one; error_class "Protocol" for a malformed command). An "id" in a
command is echoed in its answer. Commands run one at a time, in order.

Values are rendered as read_table.py renders PyIceberg's: dates/times/timestamps as ISO-8601
strings (timestamptz with "+00:00": the session time zone is UTC), decimals as strings, binary
as base64, NaN/Infinity as strings, structs as objects, maps as [[key, value], ...], arrays as
arrays. Rows keep Spark's order (use ORDER BY, or "sort").

Spark's and the JVM's own output goes to stderr; log4j logs at WARN (--log-level). On EOF,
"quit" or SIGTERM the session stops and its scratch directory is removed; the JVM also exits
by itself when this process dies (Py4J's gateway watches its stdin).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback

import json_values  # noqa: E402
from json_values import row_sort_key  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

LOG4J2 = """\
status = error
rootLogger.level = {level}
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = spark %d{{HH:mm:ss}} %p %c{{1}}: %m%n%ex
# Harmless noise on a developer machine or CI.
logger.nativecode.name = org.apache.hadoop.util.NativeCodeLoader
logger.nativecode.level = error
logger.sparkenv.name = org.apache.spark.SparkEnv
logger.sparkenv.level = error
logger.utils.name = org.apache.spark.util.Utils
logger.utils.level = error
logger.fsutil.name = org.apache.hadoop.fs.FileSystem
logger.fsutil.level = error
"""


def to_json(value, data_type=None):
    """A value from DataFrame.collect() as plain JSON, rendered as read_table.py renders PyIceberg's.

    data_type (a pyspark DataType) tells timestamps with a zone (Spark's TimestampType, Iceberg's
    timestamptz: "+00:00" added, as the session and this process run in UTC) from those without,
    and maps (rendered as [[key, value], ...], as pyarrow gives them) from structs (objects).
    """
    from pyspark.sql import types as T

    if isinstance(value, dt.datetime):
        if isinstance(data_type, T.TimestampType) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.isoformat()
    if isinstance(data_type, T.StructType) and isinstance(value, (tuple, list)):
        return {f.name: to_json(v, f.dataType) for f, v in zip(data_type.fields, value)}
    if isinstance(value, dict):
        if isinstance(data_type, T.MapType):
            return [[to_json(k, data_type.keyType), to_json(v, data_type.valueType)] for k, v in value.items()]
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        element = data_type.elementType if isinstance(data_type, T.ArrayType) else None
        return [to_json(v, element) for v in value]
    return json_values.to_json(value)


def default_jars() -> str:
    jars = os.environ.get("FLOE_SPARK_JARS")
    if jars:
        return jars
    env = dict(os.environ, FLOE_TEST_PYTHON=sys.executable)
    out = subprocess.run(
        [os.path.join(ROOT, "scripts", "spark-jars")], env=env, check=True,
        stdout=subprocess.PIPE, text=True,
    ).stdout
    return out.strip().splitlines()[-1]


def start_spark(args, scratch: str):
    # Py4J starts the JVM with this process's stdout: keep it off the protocol channel.
    log4j = os.path.join(scratch, "log4j2.properties")
    with open(log4j, "w") as f:
        f.write(LOG4J2.format(level=args.log_level))
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["PYSPARK_PYTHON"] = sys.executable
    # Spark's scratch space (shuffle, spills), through the environment: spark.local.dir would
    # make SparkConf warn on every start.
    os.environ["SPARK_LOCAL_DIRS"] = scratch

    from pyspark.sql import SparkSession

    warehouse = os.path.abspath(args.warehouse)
    os.makedirs(warehouse, exist_ok=True)
    # C1 only: the tests' statements are short, and on 2 busy cores this starts ~25% sooner
    # and runs the first statements ~35% sooner than the default tiered JIT.
    java_opts = (f"-Dlog4j2.configurationFile=file:{log4j} -Duser.timezone=UTC"
                 " -XX:+UseSerialGC -XX:TieredStopAtLevel=1")
    if args.java_opts:
        java_opts += " " + args.java_opts
    builder = (
        SparkSession.builder.master(f"local[{args.threads}]")
        .appName("floe-test-spark")
        .config("spark.jars", args.jars)
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.driver.extraJavaOptions", java_opts)
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", os.path.join(scratch, "spark-warehouse"))
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.shuffle.partitions", str(args.threads))
        .config("spark.default.parallelism", str(args.threads))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
        .config("spark.sql.catalog.floe", "org.apache.iceberg.spark.SparkCatalog")
        .config("spark.sql.catalog.floe.type", "hadoop")
        .config("spark.sql.catalog.floe.warehouse", warehouse)
        .config("spark.sql.catalog.floe.cache-enabled", "false")
        .config("spark.sql.defaultCatalog", "floe")
    )
    if args.rest_uri:
        builder = (
            builder.config("spark.sql.catalog.rest", "org.apache.iceberg.spark.SparkCatalog")
            .config("spark.sql.catalog.rest.type", "rest")
            .config("spark.sql.catalog.rest.uri", args.rest_uri)
            .config("spark.sql.catalog.rest.cache-enabled", "false")
        )
        for prop in args.rest_prop:
            key, _, value = prop.partition("=")
            builder = builder.config(f"spark.sql.catalog.rest.{key}", value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(args.log_level)
    # Hadoop's local file system writes a `.crc` file beside each file and checks it on read.
    # Those would litter the tables and go stale when floe rewrites version-hint.text, so turn
    # both off on the JVM's shared (cached) file:// instance, which every reader and writer of
    # this local-mode session uses. (fs.file.impl=RawLocalFileSystem is no way out: Spark's
    # Parquet reads fail on it with "Not implemented by the RawLocalFileSystem".)
    hadoop_conf = spark.sparkContext._jsc.hadoopConfiguration()
    local_fs = spark.sparkContext._jvm.org.apache.hadoop.fs.FileSystem.getLocal(hadoop_conf)
    local_fs.setWriteChecksum(False)
    local_fs.setVerifyChecksum(False)
    return spark


def error_answer(exc: BaseException) -> dict:
    """{"error": message, "error_class": exception class, "condition": Spark's error class}."""
    origin = getattr(exc, "_origin", None) or getattr(exc, "java_exception", None)
    name, message, condition = type(exc).__name__, str(exc), None
    if hasattr(exc, "desc"):  # pyspark's CapturedException: desc is the JVM message
        message = exc.desc or ""
    try:
        if origin is not None:
            if name in ("Py4JJavaError", "UnknownException"):
                name = origin.getClass().getSimpleName()
                message = origin.getMessage() or origin.toString()
        if hasattr(exc, "getErrorClass"):
            condition = exc.getErrorClass()
    except Exception:  # noqa: BLE001 - the gateway may be gone
        pass
    # A failed job's message carries the task's whole stack trace; the first lines say it.
    message = (message or "").split("\n\tat ")[0].strip()
    if len(message) > 4000:
        message = message[:4000] + "..."
    doc = {"error": message, "error_class": name}
    if condition:
        doc["condition"] = condition
    return doc


def log_error(exc: BaseException, doc: dict) -> None:
    """One line on stderr for a failed command; the JVM's stack too unless it is a plain
    analysis error (unknown table, bad SQL), which the answer already explains."""
    first = doc["error"].splitlines()[0] if doc["error"] else ""
    print(f"spark_reader: command failed: {doc['error_class']}: {first}", file=sys.stderr)
    if doc["error_class"] in ("AnalysisException", "ParseException", "Protocol"):
        return
    stack = getattr(exc, "stackTrace", None)
    if isinstance(stack, str) and stack:
        print(stack, file=sys.stderr)
    else:
        traceback.print_exception(exc, file=sys.stderr)


def run_command(spark, command: dict) -> tuple[dict, bool]:
    """Answer one command; the flag says whether to stop afterwards."""
    if command.get("quit"):
        return {"ok": True}, True
    if command.get("ping"):
        return {"ok": True}, False
    if "sql" not in command:
        return {"error": f"unknown command (keys: {sorted(command)})", "error_class": "Protocol"}, False
    statements = command["sql"]
    if isinstance(statements, str):
        statements = [statements]
    if not isinstance(statements, list) or not statements or not all(isinstance(s, str) for s in statements):
        return {"error": "sql must be a string or a non-empty list of strings", "error_class": "Protocol"}, False
    df = None
    for statement in statements:
        df = spark.sql(statement)
    fields = df.schema.fields
    columns = [f.name for f in fields]
    rows = []
    for row in df.collect():
        values = [to_json(v, f.dataType) for f, v in zip(fields, row)]
        rows.append(dict(zip(columns, values)))
    if command.get("sort"):
        rows.sort(key=lambda r: row_sort_key(r, columns))
    return {"columns": columns, "rows": rows, "row_count": len(rows)}, False


def main() -> int:
    ap = argparse.ArgumentParser(description="Spark + Iceberg session driven by JSON lines on stdin.")
    ap.add_argument("--warehouse", required=True, help="warehouse directory of catalog `floe`")
    ap.add_argument("--jars", help="comma-separated extra jars (default: $FLOE_SPARK_JARS or scripts/spark-jars)")
    ap.add_argument("--driver-memory", default="1g")
    ap.add_argument("--threads", type=int, default=2, help="local[N]")
    ap.add_argument("--java-opts", default=os.environ.get("FLOE_SPARK_JAVA_OPTS", ""),
                    help="extra JVM options for the driver (default: $FLOE_SPARK_JAVA_OPTS)")
    ap.add_argument("--log-level", default="WARN", choices=["ERROR", "WARN", "INFO", "DEBUG"])
    ap.add_argument("--rest-uri", metavar="URL", help="also a catalog `rest`: the Iceberg REST catalog at URL")
    ap.add_argument("--rest-prop", action="append", default=[], metavar="K=V",
                    help="a property of catalog `rest` (repeatable), e.g. credential=ID:SECRET")
    args = ap.parse_args()
    if args.rest_prop and not args.rest_uri:
        ap.error("--rest-prop needs --rest-uri")
    for prop in args.rest_prop:
        if "=" not in prop or prop.startswith("="):
            ap.error(f"--rest-prop wants K=V, got {prop!r}")

    # Answers go to the original stdout; everything else written to fd 1 (the JVM's output
    # included) goes to stderr.
    answers = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def answer(doc: dict) -> None:
        answers.write(json.dumps(doc, allow_nan=False) + "\n")
        answers.flush()

    os.environ["TZ"] = "UTC"
    time.tzset()
    # SIGTERM unwinds like "quit": Spark stops and the scratch directory goes.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="floe-spark-") as scratch:
        try:
            if not args.jars:
                args.jars = default_jars()
            spark = start_spark(args, scratch)
            iceberg = spark.sparkContext._jvm.org.apache.iceberg.IcebergBuild.fullVersion()
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            answer({"ready": False, **error_answer(exc)})
            return 1
        answer({
            "ready": True,
            "spark": spark.version,
            "iceberg": iceberg,
            "startup_seconds": round(time.monotonic() - started, 3),
        })

        try:
            for line in sys.stdin:
                line = line.strip()
                if not line:
                    continue
                command_id = None
                stop = False
                try:
                    command = json.loads(line)
                except ValueError as exc:
                    command = None
                    doc = {"error": f"not JSON: {exc}", "error_class": "Protocol"}
                else:
                    if not isinstance(command, dict):
                        command = None
                        doc = {"error": "a command is a JSON object", "error_class": "Protocol"}
                if command is not None:
                    command_id = command.get("id")
                    try:
                        doc, stop = run_command(spark, command)
                    except Exception as exc:  # noqa: BLE001 - report and go on
                        doc = error_answer(exc)
                        log_error(exc, doc)
                if command_id is not None:
                    doc = {"id": command_id, **doc}
                answer(doc)
                if stop:
                    break
        finally:
            spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
