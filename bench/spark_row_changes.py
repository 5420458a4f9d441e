#!/usr/bin/env python3
"""Spark side of the row-changes benchmark (see bench/README.md): Spark 3.5 with Apache
Iceberg's Spark runtime, in local mode, on a Hadoop catalog (a plain directory), each command
its own Spark session (its own JVM).

    spark_row_changes.py load --warehouse DIR --jars LIST --source lineitem.parquet --files-out FILE
        creates bench.lineitem partitioned by months(l_shipdate) from the Parquet file; prints
        its snapshot id and writes its data files, one path a line, into FILE
    spark_row_changes.py run --warehouse DIR --jars LIST --job delete|upsert
            --mode copy-on-write|merge-on-read --base ID [--input changes.parquet] [--sample JSON ...]
        rolls main back to snapshot ID (the loaded table) if needed, sets the mode (default
        properties for copy-on-write, write.{delete,update,merge}.mode=merge-on-read otherwise),
        then times one statement:
            delete  DELETE FROM t WHERE l_partkey % 100 = 7
            upsert  MERGE INTO t USING parquet.`changes.parquet` s
                    ON t.l_orderkey = s.l_orderkey AND t.l_linenumber = s.l_linenumber
                    WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *
        and afterwards counts the rows and reads l_comment of each sample key.

Each prints one JSON report on stdout: "startup_seconds" (process start to a ready session that
has answered `SELECT 1`), "seconds" (the timed statement), "peak_rss_mib" (the JVM's VmHWM,
read right after the statement, before the checks), "python_peak_rss_mib" (this client
process), plus the new snapshots' summaries, the row count and the samples. Spark's own output
goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time

STARTED = time.perf_counter()

TABLE = "local.bench.lineitem"
PREDICATE = "l_partkey % 100 = 7"
MODES = ("write.delete.mode", "write.update.mode", "write.merge.mode")

LOG4J2 = """\
status = error
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = spark %d{HH:mm:ss} %p %c{1}: %m%n%ex
logger.nativecode.name = org.apache.hadoop.util.NativeCodeLoader
logger.nativecode.level = error
logger.sparkenv.name = org.apache.spark.SparkEnv
logger.sparkenv.level = error
logger.utils.name = org.apache.spark.util.Utils
logger.utils.level = error
"""


def start_spark(args, scratch: str):
    log4j = os.path.join(scratch, "log4j2.properties")
    with open(log4j, "w") as f:
        f.write(LOG4J2)
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["SPARK_LOCAL_DIRS"] = scratch

    from pyspark.sql import SparkSession

    warehouse = os.path.abspath(args.warehouse)
    os.makedirs(warehouse, exist_ok=True)
    threads = args.threads or os.cpu_count() or 1
    spark = (
        SparkSession.builder.master(f"local[{threads}]")
        .appName("row-changes-bench")
        .config("spark.jars", args.jars)
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log4j} -Duser.timezone=UTC")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", os.path.join(scratch, "spark-warehouse"))
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
        .config("spark.sql.catalog.local", "org.apache.iceberg.spark.SparkCatalog")
        .config("spark.sql.catalog.local.type", "hadoop")
        .config("spark.sql.catalog.local.warehouse", warehouse)
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")
    # No `.crc` side files from Hadoop's local file system (object stores have none either).
    hadoop_conf = spark.sparkContext._jsc.hadoopConfiguration()
    local_fs = spark.sparkContext._jvm.org.apache.hadoop.fs.FileSystem.getLocal(hadoop_conf)
    local_fs.setWriteChecksum(False)
    local_fs.setVerifyChecksum(False)
    spark.sql("SELECT 1").collect()
    return spark


def jvm_peak_rss_mib(spark) -> float:
    pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmHWM for the JVM")


def main_snapshot(spark) -> int | None:
    rows = spark.sql(f"SELECT snapshot_id FROM {TABLE}.refs WHERE name = 'main'").collect()
    return rows[0][0] if rows else None


def new_snapshots(spark, before: int | None) -> list[dict]:
    snaps = {r["snapshot_id"]: r for r in spark.sql(f"SELECT snapshot_id, parent_id, operation, summary FROM {TABLE}.snapshots").collect()}
    out, current = [], main_snapshot(spark)
    while current is not None and current != before and current in snaps:
        r = snaps[current]
        out.append({"snapshot_id": r["snapshot_id"], "operation": r["operation"], **dict(r["summary"] or {})})
        current = r["parent_id"]
    return list(reversed(out))


def data_files(spark) -> list[str]:
    return [r[0] for r in spark.sql(f"SELECT file_path FROM {TABLE}.files WHERE content = 0").collect()]


def cmd_load(spark, args) -> dict:
    from pyspark.sql.functions import col, months

    t0 = time.perf_counter()
    spark.sql("CREATE NAMESPACE IF NOT EXISTS local.bench")
    (
        spark.read.parquet(os.path.abspath(args.source))
        .writeTo(TABLE).using("iceberg")
        .partitionedBy(months(col("l_shipdate")))
        .tableProperty("format-version", "2")
        .create()
    )
    load_seconds = time.perf_counter() - t0
    files = data_files(spark)
    with open(args.files_out, "w") as f:
        f.write("\n".join(files) + "\n")
    return {"snapshot_id": main_snapshot(spark), "load_seconds": round(load_seconds, 3), "data_files": len(files)}


def cmd_run(spark, args) -> dict:
    current = main_snapshot(spark)
    if current != args.base:
        spark.sql(f"CALL local.system.rollback_to_snapshot('bench.lineitem', {args.base})").collect()
    if args.mode == "copy-on-write":
        keys = ", ".join(f"'{k}'" for k in MODES)
        spark.sql(f"ALTER TABLE {TABLE} UNSET TBLPROPERTIES IF EXISTS ({keys})")
    else:
        props = ", ".join(f"'{k}' = 'merge-on-read'" for k in MODES)
        spark.sql(f"ALTER TABLE {TABLE} SET TBLPROPERTIES ({props})")
    before = main_snapshot(spark)
    if args.job == "delete":
        statement = f"DELETE FROM {TABLE} WHERE {PREDICATE}"
    else:
        source = os.path.abspath(args.input).replace("`", "``")
        statement = (
            f"MERGE INTO {TABLE} t USING parquet.`{source}` s"
            " ON t.l_orderkey = s.l_orderkey AND t.l_linenumber = s.l_linenumber"
            " WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
        )
    print(f"spark_row_changes: {statement}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    spark.sql(statement).collect()
    seconds = time.perf_counter() - t0
    peak = jvm_peak_rss_mib(spark)

    props = {r["key"]: r["value"] for r in spark.sql(f"SHOW TBLPROPERTIES {TABLE}").collect()}
    rows = spark.sql(f"SELECT count(*) FROM {TABLE}").collect()[0][0]
    samples = []
    for text in args.sample:
        key = json.loads(text)
        found = spark.sql(
            f"SELECT l_comment FROM {TABLE} WHERE l_orderkey = {int(key['l_orderkey'])}"
            f" AND l_linenumber = {int(key['l_linenumber'])}"
        ).collect()
        samples.append({"l_orderkey": key["l_orderkey"], "l_linenumber": key["l_linenumber"],
                        "l_comment": [r[0] for r in found]})
    return {
        "statement": statement,
        "seconds": round(seconds, 3),
        "peak_rss_mib": round(peak, 1),
        "properties": {k: props.get(k) for k in MODES},
        "snapshots": new_snapshots(spark, before),
        "rows": rows,
        "samples": samples,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description="Spark side of the row-changes benchmark.")
    ap.add_argument("command", choices=["load", "run"])
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--jars", required=True, help="comma-separated jars (scripts/spark-jars)")
    ap.add_argument("--driver-memory", default="4g")
    ap.add_argument("--threads", type=int, default=0, help="local[N] (default: the machine's cores)")
    ap.add_argument("--source")
    ap.add_argument("--files-out")
    ap.add_argument("--job", choices=["delete", "upsert"])
    ap.add_argument("--mode", choices=["copy-on-write", "merge-on-read"])
    ap.add_argument("--base", type=int)
    ap.add_argument("--input")
    ap.add_argument("--sample", action="append", default=[])
    args = ap.parse_args()

    # Report on the real stdout only; the JVM's own output goes to stderr.
    report_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    with tempfile.TemporaryDirectory(prefix="row-changes-spark-") as scratch:
        spark = start_spark(args, scratch)
        startup = time.perf_counter() - STARTED
        try:
            doc = cmd_load(spark, args) if args.command == "load" else cmd_run(spark, args)
            versions = {
                "spark": spark.version,
                "iceberg": spark.sparkContext._jvm.org.apache.iceberg.IcebergBuild.version(),
            }
        finally:
            spark.stop()
    doc = {
        "startup_seconds": round(startup, 3),
        **doc,
        "python_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        **versions,
    }
    report_out.write(json.dumps(doc) + "\n")
    report_out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
