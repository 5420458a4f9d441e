#!/usr/bin/env python3
"""Driver of the row-changes benchmark (called by bench/row-changes; see bench/README.md).

Loads TPC-H lineitem once per tool into its own month(l_shipdate)-partitioned table (not
timed), then times two jobs on it, each starting from the loaded snapshot (the table is rolled
back to it, untimed, before each job) and each its own process:

  delete  rows with l_partkey % 100 = 7 (about 1%, in every file)
  upsert  every 60th row (at most 100,000) with l_comment changed, plus 10% as many new keys,
          keyed by (l_orderkey, l_linenumber)

  floe       `floe delete TABLE --where ...`, `floe ingest TABLE changes.parquet --upsert ...`
             (its directory catalog; whole process timed, peak RSS from wait4)
  pyiceberg  `table.delete(In("l_partkey", [...]))`, `table.upsert(df, join_cols=...)`
             (SQLite catalog; load_table + the call timed inside the process, peak RSS from wait4)
  spark      `DELETE FROM` and `MERGE INTO`, copy-on-write (the default) and merge-on-read
             (Hadoop catalog; the statement timed inside the session, JVM start-up apart, peak
             RSS the JVM's VmHWM)

After each job the table is checked: its row count, and for the upsert the changed comment of
sample keys, old and new. Prints a table per job with ratios to floe and writes
OUT/row_changes.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
from urllib.parse import urlparse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from ingest_bench import parse_report, run_plain  # noqa: E402

PREDICATE = "l_partkey % 100 = 7"
JOIN_COLS = "l_orderkey,l_linenumber"


class RunFailed(Exception):
    """A tool's step failed (exit status, signal, time-out, wrong result): that run is
    reported as failed, the others go on, and the benchmark exits non-zero at the end."""


def exit_text(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def run_measured(cmd: list[str], label: str, log_dir: str, timeout: float) -> dict:
    """Run cmd in its own process group; wall seconds, peak RSS (wait4) and stdout, as
    ingest_bench.run_measured, but a failure or a time-out raises RunFailed (the whole group
    is killed on time-out, a JVM included)."""
    print(f"bench: {label}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    out_path = os.path.join(log_dir, f"{label}.stdout")
    err_path = os.path.join(log_dir, f"{label}.stderr")
    timed_out = threading.Event()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, start_new_session=True)

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if timed_out.is_set():
        raise RunFailed(f"{label} timed out after {timeout:.0f} s (logs: {os.path.relpath(err_path)})")
    if proc.returncode != 0:
        tail = open(err_path, encoding="utf-8", errors="replace").read()[-3000:]
        if tail:
            sys.stderr.write(tail + ("" if tail.endswith("\n") else "\n"))
        raise RunFailed(f"{label} failed after {wall:.0f} s, {exit_text(proc.returncode)} "
                        f"(logs: {os.path.relpath(err_path)})")
    return {
        "seconds": wall,
        "peak_rss_mib": usage.ru_maxrss / 1024.0,  # ru_maxrss is KiB on Linux
        "user_seconds": usage.ru_utime,
        "system_seconds": usage.ru_stime,
        "stdout": open(out_path, encoding="utf-8", errors="replace").read(),
    }


def run_step(cmd: list[str], label: str) -> str:
    """An untimed step (load, roll back, check): its stdout, or RunFailed."""
    try:
        return run_plain(cmd, label)
    except SystemExit as exc:
        raise RunFailed(str(exc)) from None


def report_of(stdout: str, label: str) -> dict:
    try:
        return parse_report(stdout, label)
    except SystemExit as exc:
        raise RunFailed(str(exc)) from None


class Bench:
    def __init__(self, args):
        self.args = args
        self.out = os.path.abspath(args.out)
        self.work = os.path.join(self.out, "row-changes")
        self.logs = os.path.join(self.out, "logs")
        self.py = sys.executable
        self.results: list[dict] = []
        self.failures: list[dict] = []
        self.tables: dict[str, dict] = {}
        self.versions: dict[str, str | None] = {}

    def script(self, name: str) -> str:
        return os.path.join(HERE, name)

    def child_json(self, cmd: list[str], label: str) -> dict:
        return report_of(run_step(cmd, label), label)

    def measured(self, cmd: list[str], label: str) -> dict:
        return run_measured(cmd, label, self.logs, self.args.timeout)

    def layout(self, tool: str, listing: str) -> dict:
        paths = []
        for line in open(listing):
            line = line.strip()
            if line:
                paths.append(urlparse(line).path if line.startswith("file:") else line)
        with open(listing, "w") as f:
            f.write("\n".join(paths) + "\n")
        doc = self.child_json([self.py, self.script("row_changes_input.py"), "layout", "--list", listing], f"{tool} layout")
        print(f"bench: {tool} table: {doc['data_files']} data files, {doc['bytes'] / 1e6:.1f} MB, "
              f"{doc['rows']:,} rows; {doc['files_with_matches']} files hold rows to delete", file=sys.stderr)
        if doc["rows"] != self.facts["rows"]:
            raise RunFailed(f"{tool} loaded {doc['rows']} rows, the input has {self.facts['rows']}")
        return doc

    def runs(self, tool: str) -> list[tuple[str, str]]:
        """(job, mode) pairs a tool runs, minus --skip-run ones."""
        modes = ["copy-on-write", "merge-on-read"] if tool in ("spark", "floe") else [None]
        return [(job, mode) for job in self.jobs for mode in modes if f"{tool}-{job}" not in self.args.skip_run]

    def attempt(self, tool: str, job: str, mode: str | None, fn) -> None:
        """Run one timed job; a RunFailed is recorded, and the benchmark goes on."""
        try:
            fn()
        except RunFailed as exc:
            self.fail(tool, job, mode, str(exc))

    def fail(self, tool: str, job: str, mode: str | None, error: str) -> None:
        label = f"{tool} {job}" + (f" ({mode})" if mode else "")
        print(f"bench: FAILED: {label}: {error}", file=sys.stderr, flush=True)
        self.failures.append({"job": job, "tool": tool, "mode": mode, "error": error})

    def setup(self, tool: str, fn) -> bool:
        """Load a tool's table; on failure every run of that tool is recorded as failed."""
        if not self.runs(tool):
            return False
        try:
            fn()
            return True
        except RunFailed as exc:
            for job, mode in self.runs(tool):
                self.fail(tool, job, mode, f"loading the table: {exc}")
            return False

    # --- checks ---------------------------------------------------------------------------

    def check(self, tool: str, job: str, rows: int, samples: list[dict] | None = None) -> None:
        expected = self.facts[job]["rows_after"]
        if rows != expected:
            raise RunFailed(f"{tool} {job}: the table holds {rows:,} rows afterwards, expected {expected:,}")
        if job == "upsert":
            want = {(s["l_orderkey"], s["l_linenumber"]): s["l_comment"] for s in self.facts["upsert"]["samples"]}
            got = {(s["l_orderkey"], s["l_linenumber"]): s["l_comment"] for s in samples or []}
            for key, comment in want.items():
                if got.get(key) != [comment]:
                    raise RunFailed(f"{tool} upsert: key {key} reads {got.get(key)!r}, expected [{comment!r}]")

    def sample_args(self) -> list[str]:
        out = []
        for s in self.facts["upsert"]["samples"]:
            out += ["--sample", json.dumps({"l_orderkey": s["l_orderkey"], "l_linenumber": s["l_linenumber"]})]
        return out

    def record(self, job: str, tool: str, mode: str, seconds: float, process: dict, peak_rss: float,
               startup: float | None, rows_after: int, report: dict) -> None:
        changed = self.facts[job]["matching_rows"] if job == "delete" else self.facts["upsert"]["input_rows"]
        self.results.append({
            "job": job,
            "tool": tool,
            "mode": mode,
            "seconds": round(seconds, 3),
            "startup_seconds": None if startup is None else round(startup, 3),
            "process_seconds": round(process["seconds"], 3),
            "peak_rss_mib": round(peak_rss, 1),
            "rows_changed": changed,
            "rows_after": rows_after,
            "report": report,
        })
        print(f"bench: {tool} {job} ({mode}): {seconds:.2f} s, peak RSS {peak_rss:.0f} MiB, "
              f"{rows_after:,} rows afterwards", file=sys.stderr)

    # --- floe -------------------------------------------------------------------------------

    def floe_json(self, args: list[str], label: str | None = None):
        label = label or f"floe {args[0]}"
        text = run_step([self.args.floe, *args, "-o", "json"], label)
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise RunFailed(f"{label}: no JSON on stdout: {text[-500:]!r}") from None

    def floe_snapshot(self, table: str) -> int:
        return self.floe_json(["describe", table])["current_snapshot"]["snapshot_id"]

    def floe_rows(self, table: str) -> int:
        return int(self.floe_json(["query", table, "--select", "count(*) AS n"])[0]["n"])

    def floe_samples(self, table: str) -> list[dict]:
        out = []
        for s in self.facts["upsert"]["samples"]:
            where = f"l_orderkey = {s['l_orderkey']} AND l_linenumber = {s['l_linenumber']}"
            found = self.floe_json(["query", table, "--select", "l_comment", "--where", where])
            out.append({"l_orderkey": s["l_orderkey"], "l_linenumber": s["l_linenumber"],
                        "l_comment": [r["l_comment"] for r in found]})
        return out

    def floe_mode(self, table: str) -> str:
        """What floe did: delete files in the table afterwards (the loaded one has none) mean
        merge-on-read."""
        totals = self.floe_json(["describe", table])["totals"]
        return "merge-on-read" if totals.get("delete_files", 0) else "copy-on-write"

    def run_floe(self) -> None:
        floe, source = self.args.floe, self.facts["source"]
        table = os.path.join(self.work, "floe", "lineitem")
        base = None

        def load() -> None:
            nonlocal base
            self.floe_json(["create", table, "--like", source, "--partition-by", "month(l_shipdate)"])
            run_step([floe, "ingest", table, source, "-q"], "floe ingest (load)")
            base = self.floe_snapshot(table)
            listing = os.path.join(self.work, "floe", "data-files.txt")
            with open(listing, "w") as f:
                f.write("\n".join(x["file_path"] for x in self.floe_json(["files", table])["files"]) + "\n")
            self.tables["floe"] = {"base_snapshot": base, **self.layout("floe", listing)}

        def job_run(job: str, mode: str) -> None:
            if self.floe_snapshot(table) != base:
                run_step([floe, "rollback", table, "--to-snapshot", str(base), "-q"], "floe rollback")
            if job == "delete":
                cmd = [floe, "delete", table, "--where", PREDICATE, "--mode", mode, "-o", "json"]
            else:
                cmd = [floe, "ingest", table, self.facts["upsert"]["input"], "--upsert", JOIN_COLS,
                       "--row-mode", mode, "-o", "json"]
            m = self.measured(cmd, f"row-changes-floe-{job}")
            report = report_of(m["stdout"], f"floe {job}")
            rows = self.floe_rows(table)
            if job == "delete":
                self.check("floe", job, rows)
                if report.get("rows_deleted") != self.facts["delete"]["matching_rows"]:
                    raise RunFailed(f"floe delete reports rows_deleted={report.get('rows_deleted')}, "
                                    f"expected {self.facts['delete']['matching_rows']}")
            else:
                self.check("floe", job, rows, self.floe_samples(table))
                want = (self.facts["upsert"]["updated_rows"], self.facts["upsert"]["inserted_rows"])
                replaced = report.get("replaced") or {}
                got = (replaced.get("rows_updated"), replaced.get("rows_inserted"))
                if got != want:
                    raise RunFailed(f"floe upsert reports rows_updated, rows_inserted = {got}, expected {want}")
            self.record(job, "floe", self.floe_mode(table), m["seconds"], m, m["peak_rss_mib"], None, rows, report)

        if self.setup("floe", load):
            for job, mode in self.runs("floe"):
                self.attempt("floe", job, mode, lambda: job_run(job, mode))

    # --- PyIceberg --------------------------------------------------------------------------

    def run_pyiceberg(self) -> None:
        wh = os.path.join(self.work, "pyiceberg")
        ingest = self.script("pyiceberg_ingest.py")
        script = self.script("pyiceberg_row_changes.py")
        source = self.facts["source"]
        base = None

        def load() -> None:
            nonlocal base
            run_step([self.py, ingest, "create", "--warehouse", wh, "--like", source, "--month-of", "l_shipdate"],
                     "pyiceberg create")
            run_step([self.py, ingest, "ingest", "--warehouse", wh, source], "pyiceberg ingest (load)")
            listing = os.path.join(self.work, "pyiceberg-data-files.txt")
            base = self.child_json([self.py, script, "files", "--warehouse", wh, "--out", listing], "pyiceberg files")["snapshot_id"]
            self.tables["pyiceberg"] = {"base_snapshot": base, **self.layout("pyiceberg", listing)}

        def job_run(job: str) -> None:
            run_step([self.py, script, "reset", "--warehouse", wh, "--snapshot", str(base)], "pyiceberg reset")
            if job == "delete":
                cmd = [self.py, script, "delete", "--warehouse", wh, "--facts", self.facts_path]
            else:
                cmd = [self.py, script, "upsert", "--warehouse", wh, "--input", self.facts["upsert"]["input"]]
            m = self.measured(cmd, f"row-changes-pyiceberg-{job}")
            report = report_of(m["stdout"], f"pyiceberg {job}")
            check = self.child_json([self.py, script, "check", "--warehouse", wh, *self.sample_args()], "pyiceberg check")
            self.check("pyiceberg", job, check["rows"], check["samples"])
            if job == "upsert":
                want = (self.facts["upsert"]["updated_rows"], self.facts["upsert"]["inserted_rows"])
                got = (report["rows_updated"], report["rows_inserted"])
                if got != want:
                    raise RunFailed(f"pyiceberg upsert reports rows updated, inserted = {got}, expected {want}")
            self.record(job, "pyiceberg", "copy-on-write", report["seconds"], m, m["peak_rss_mib"],
                        m["seconds"] - report["seconds"], check["rows"], report)

        if self.setup("pyiceberg", load):
            for job, mode in self.runs("pyiceberg"):
                self.attempt("pyiceberg", job, mode, lambda: job_run(job))

    # --- Spark ------------------------------------------------------------------------------

    def run_spark(self) -> None:
        wh = os.path.join(self.work, "spark")
        script = self.script("spark_row_changes.py")
        common = ["--warehouse", wh, "--jars", self.args.spark_jars, "--driver-memory", self.args.spark_memory]
        base = None

        def load() -> None:
            nonlocal base
            listing = os.path.join(self.work, "spark-data-files.txt")
            m = self.measured([self.py, script, "load", *common, "--source", self.facts["source"], "--files-out", listing],
                              "row-changes-spark-load")
            load = report_of(m["stdout"], "spark load")
            base = load["snapshot_id"]
            self.versions["spark"] = load.get("spark")
            self.versions["iceberg_spark_runtime"] = load.get("iceberg")
            print(f"bench: spark {load.get('spark')} with Iceberg {load.get('iceberg')}: loaded in "
                  f"{load['load_seconds']:.1f} s (start-up {load['startup_seconds']:.1f} s)", file=sys.stderr)
            self.tables["spark"] = {"base_snapshot": base, **self.layout("spark", listing)}

        def job_run(job: str, mode: str) -> None:
            cmd = [self.py, script, "run", *common, "--job", job, "--mode", mode, "--base", str(base)]
            if job == "upsert":
                cmd += ["--input", self.facts["upsert"]["input"], *self.sample_args()]
            m = self.measured(cmd, f"row-changes-spark-{job}-{mode}")
            report = report_of(m["stdout"], f"spark {job}")
            self.check(f"spark ({mode})", job, report["rows"], report["samples"])
            added_deletes = sum(int(s.get("added-delete-files", 0)) for s in report["snapshots"])
            if (mode == "merge-on-read") != (added_deletes > 0):
                raise RunFailed(f"spark {job} in {mode} added {added_deletes} delete files")
            self.record(job, "spark", mode, report["seconds"], m, report["peak_rss_mib"],
                        report["startup_seconds"], report["rows"], report)

        if self.setup("spark", load):
            for job, mode in self.runs("spark"):
                self.attempt("spark", job, mode, lambda: job_run(job, mode))

    # --- output -----------------------------------------------------------------------------

    def print_tables(self) -> dict:
        ratios = {}
        for job in self.jobs:
            rows = [r for r in self.results if r["job"] == job]
            failed = [f for f in self.failures if f["job"] == job]
            if not rows and not failed:
                continue
            floe = next((r for r in rows if r["tool"] == "floe"), None)
            for r in rows:
                if floe:
                    r["time_vs_floe"] = round(r["seconds"] / floe["seconds"], 3)
                    r["peak_rss_vs_floe"] = round(r["peak_rss_mib"] / floe["peak_rss_mib"], 3)
                    ratios[f"{job}/{r['tool']}/{r['mode']}"] = {"time": r["time_vs_floe"], "peak_rss": r["peak_rss_vs_floe"]}
            title = (f"delete {self.facts['delete']['matching_rows']:,} rows ({PREDICATE})" if job == "delete" else
                     f"upsert {self.facts['upsert']['updated_rows']:,} changed + {self.facts['upsert']['inserted_rows']:,} new rows")
            print(f"\n{title}, table of {self.facts['rows']:,} rows\n")
            headers = ["tool", "mode", "seconds", "start-up s", "process s", "peak RSS MiB", "time vs floe", "RSS vs floe"]
            lines = [[
                r["tool"], r["mode"], f"{r['seconds']:.2f}",
                "-" if r["startup_seconds"] is None else f"{r['startup_seconds']:.2f}",
                f"{r['process_seconds']:.2f}", f"{r['peak_rss_mib']:.0f}",
                f"{r['time_vs_floe']:.2f}x" if "time_vs_floe" in r else "-",
                f"{r['peak_rss_vs_floe']:.2f}x" if "peak_rss_vs_floe" in r else "-",
            ] for r in rows]
            lines += [[f["tool"], f["mode"] or "-", "FAILED", "", "", "", "", ""] for f in failed]
            widths = [max(len(h), *(len(l[i]) for l in lines)) for i, h in enumerate(headers)]
            fmt = lambda cells: "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
            print(fmt(headers))
            print(fmt(["-" * w for w in widths]))
            for l in lines:
                print(fmt(l).rstrip())
        if not any(r["tool"] == "floe" for r in self.results):
            print("\n(no floe results: ratios need --floe PATH)")
        else:
            print("\nratios: the tool's seconds and peak RSS over floe's (above 1: floe is faster / uses less memory)")
        return ratios

    def main(self) -> int:
        a = self.args
        self.jobs = a.jobs
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        os.makedirs(self.logs, exist_ok=True)
        for name in os.listdir(self.logs):
            if name.startswith("row-changes-"):
                os.remove(os.path.join(self.logs, name))
        json_path = os.path.join(self.out, "row_changes.json")
        if os.path.exists(json_path):
            os.remove(json_path)

        self.facts = parse_report(run_plain(
            [self.py, self.script("row_changes_input.py"), "prepare", "--source", os.path.abspath(a.source),
             "--dir", os.path.join(self.work, "input"), "--max-updates", str(a.max_updates)],
            "prepare inputs"), "prepare inputs")
        self.facts_path = os.path.join(self.work, "input", "facts.json")
        with open(self.facts_path, "w") as f:
            json.dump(self.facts, f)
        d, u = self.facts["delete"], self.facts["upsert"]
        print(f"bench: {self.facts['rows']:,} rows; delete `{PREDICATE}` matches {d['matching_rows']:,} "
              f"({d['fraction']:.2%}), in {d['months_with_matches']} of {d['months']} months, "
              f"{len(d['partkeys']):,} distinct part keys", file=sys.stderr)
        print(f"bench: upsert input {u['input_rows']:,} rows: {u['updated_rows']:,} existing (every "
              f"{u['step']}th row, l_comment changed) + {u['inserted_rows']:,} new keys", file=sys.stderr)

        if a.floe:
            self.run_floe()
        if not a.skip_pyiceberg:
            self.run_pyiceberg()
        if not a.skip_spark:
            self.run_spark()
        if not self.results and not self.failures:
            raise SystemExit("bench: nothing ran (no --floe, and every peer or run skipped)")

        for job in self.jobs:
            done = [r for r in self.results if r["job"] == job]
            if not done:
                continue
            if job == "delete":
                counts = ", ".join(f"{r['tool']} ({r['mode']}) {self.facts['rows'] - r['rows_after']:,}" for r in done)
                print(f"bench: rows deleted: {counts}; expected {self.facts['delete']['matching_rows']:,}", file=sys.stderr)
            else:
                counts = ", ".join(f"{r['tool']} ({r['mode']}) {r['rows_after']:,}" for r in done)
                print(f"bench: rows after the upsert: {counts}; expected {self.facts['upsert']['rows_after']:,}", file=sys.stderr)
        ratios = self.print_tables()

        import pyarrow
        import pyiceberg

        self.versions.update({"pyiceberg": pyiceberg.__version__, "pyarrow": pyarrow.__version__})
        if a.floe:
            self.versions["floe"] = run_plain([a.floe, "--version"], "floe --version").strip()
        facts = json.loads(json.dumps(self.facts))
        facts["delete"]["partkeys"] = len(facts["delete"]["partkeys"])
        doc = {
            "benchmark": "row_changes",
            "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "input": {**facts, "source": os.path.relpath(facts["source"]),
                      "upsert": {**facts["upsert"], "input": os.path.relpath(facts["upsert"]["input"])}},
            "partition_spec": "month(l_shipdate)",
            "tables": self.tables,
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
            "versions": self.versions,
            "results": self.results,
            "failures": self.failures,
            "ratios_vs_floe": ratios,
        }
        with open(json_path, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        print(f"\nwritten: {os.path.relpath(json_path)}", file=sys.stderr)
        if self.failures:
            print(f"bench: {len(self.failures)} run(s) failed:", file=sys.stderr)
            for f in self.failures:
                mode = f" ({f['mode']})" if f["mode"] else ""
                print(f"  {f['tool']} {f['job']}{mode}: {f['error']}", file=sys.stderr)
            return 1
        return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--floe", help="floe binary; without it floe is skipped")
    ap.add_argument("--out", required=True, help="output directory (tables, logs, row_changes.json)")
    ap.add_argument("--skip-pyiceberg", action="store_true")
    ap.add_argument("--skip-spark", action="store_true")
    ap.add_argument("--spark-jars", help="comma-separated jars for Spark (scripts/spark-jars); needed unless --skip-spark")
    ap.add_argument("--spark-memory", default="4g", help="spark.driver.memory (default 4g)")
    ap.add_argument("--max-updates", type=int, default=100_000, help="existing rows the upsert changes (default 100,000)")
    ap.add_argument("--jobs", default="delete,upsert", type=lambda s: [j for j in s.split(",") if j],
                    help="comma-separated subset of delete,upsert")
    runs = [f"{t}-{j}" for t in ("floe", "pyiceberg", "spark") for j in ("delete", "upsert")]
    ap.add_argument("--skip-run", action="append", default=[], choices=runs, metavar="TOOL-JOB",
                    help=f"leave one tool's job out (repeatable): {', '.join(runs)}")
    ap.add_argument("--timeout", type=float, default=900, help="seconds a timed process may take (default 900)")
    ap.add_argument("source", help="lineitem.parquet")
    args = ap.parse_args()
    if not args.skip_spark and not args.spark_jars:
        ap.error("--spark-jars is required unless --skip-spark")
    if args.floe and not os.access(args.floe, os.X_OK):
        ap.error(f"--floe {args.floe}: not an executable file")
    if not set(args.jobs) <= {"delete", "upsert"} or not args.jobs:
        ap.error("--jobs takes delete, upsert or both")
    return Bench(args).main()


if __name__ == "__main__":
    sys.exit(main())
