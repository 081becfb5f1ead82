"""`make bench` (python -m bench.run): the service under its production gunicorn config,
loaded by wrk, next to a bare Flask endpoint served the same way. See bench/README.md."""

import argparse
import contextlib
import datetime
import json
import os
import sys
import tempfile
import time
import uuid

import psycopg2
import psycopg2.extensions

from assessment_service.config import PROJECT_ROOT
from assessment_service.platform.schema import apply_schema
from tests.helpers.servers import Gunicorn

from . import deadline, deliveries, explain, exports, papers, regrade, wrk
from . import seed as seeding
from .machine import CpuMeter
from .wrk import BENCH_DIR

RESULTS_DIR = BENCH_DIR / "results"
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_dsn():
    """Where the bench database is created: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else local."""
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or LOCAL_SERVER


@contextlib.contextmanager
def bench_database(server):
    """A database of the bench's own on `server`, with schema.sql applied; dropped afterwards."""
    name = f"assessment_bench_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(server)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'create database "{name}"')  # name is ours: hex digits only
    dsn = psycopg2.extensions.make_dsn(server, dbname=name)
    try:
        conn = psycopg2.connect(dsn)
        apply_schema(conn, PROJECT_ROOT / "schema.sql")
        conn.close()
        yield dsn
    finally:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


def gunicorn(app, ready_path, log_name, env=None, root=PROJECT_ROOT):
    """The service (or the bare app) under the project's gunicorn config, as production runs it:
    the environment passes through, the access log stays on, the output goes to RESULTS_DIR.
    `root`: the checkout to serve (this one unless bench.revision_ab says otherwise)."""
    return Gunicorn(app=app, ready_path=ready_path, extra_env=env, log_path=RESULTS_DIR / f"{log_name}.log", quiet=False, root=root)


class Load:
    """wrk with the run's settings; each measurement is preceded by an unrecorded warm-up."""

    def __init__(self, wrk_path, args):
        self.wrk_path = wrk_path
        self.args = args
        self.meter = None  # a CpuMeter of the server under test

    def measure(self, name, url, warmup_env=None, **options):
        """`warmup_env`: the warm-up's environment for the script, when it must not use the
        measurement's requests (bench/papers.py)."""
        common = {"connections": self.args.connections, "threads": self.args.threads}
        if self.args.warmup:
            warmup_options = options if warmup_env is None else {**options, "env": warmup_env}
            wrk.run(self.wrk_path, name, url, seconds=self.args.warmup, **common, **warmup_options)
        load_average = os.getloadavg()[0]
        self.meter.start()
        measurement = wrk.run(self.wrk_path, name, url, seconds=self.args.seconds, **common, **options)
        measurement.others_cpu_percent = self.meter.stop()
        measurement.load_average = round(load_average, 2)
        note = f"  ({measurement.failed} failed)" if measurement.failed else ""
        print(
            f"bench:   {name}: {measurement.requests_per_second:,.0f} req/s{note}  (other work took {measurement.others_cpu_percent:.0f}% of the CPU)",
            flush=True,
        )
        return measurement


def measure_service(load, base_url, data, request_files, extra_lists=None):
    """The service's endpoints, reads first, then the drafts and the submissions (which write)."""
    api = f"{base_url}/api/v1"
    learner = [f"Authorization: Bearer {data.learner_tokens[0]}"]
    results = {}
    # The cheapest authenticated request (one statement): the floor of this stack.
    results["users_me"] = load.measure("GET /users/me (authentication only)", f"{api}/users/me", headers=learner)
    results["list"] = load.measure("GET /assessments?course_id=", f"{api}/assessments?course_id={data.course_id}", headers=learner)
    results["get"] = load.measure("GET /assessments/{id} (10 questions)", f"{api}/assessments/{data.assessment_id}", headers=learner)
    results["get_submission"] = load.measure(
        "GET /assessments/{id}/submissions/{sid}",
        f"{api}/assessments/{data.assessment_id}/submissions/{data.submission_id}",
        headers=learner,
    )
    # The middle page of the gradebook (offset 50,000 of 100,000 rows).
    results["gradebook"] = load.measure(
        "GET /courses/{id}/grades (5,000 × 20, page 500 of 100)",
        f"{api}/courses/{data.gradebook_course_id}/grades?per_page=100&page=500",
        headers=[f"Authorization: Bearer {data.admin_token}"],
    )
    for key, (name, path, token) in (extra_lists or {}).items():
        results[key] = load.measure(name, f"{api}{path}", headers=[f"Authorization: Bearer {token}"])
    results["save_answers"] = load.measure(
        "PATCH …/attempts/{id}/answers (10 answers)",
        f"{api}/assessments/{data.drafts_assessment_id}/attempts",
        script="learners.lua",
        env={"BENCH_REQUESTS": str(request_files["save_answers"])},
    )
    results["submit"] = load.measure(
        "POST /assessments/{id}/submissions (10 answers)",
        f"{api}/assessments/{data.assessment_id}/submissions",
        script="learners.lua",
        env={"BENCH_REQUESTS": str(request_files["submit"])},
    )
    return results


def write_request_files(scratch, data):
    """The files learners.lua reads: each row's method, body and a (path, token) per learner."""
    files = {"submit": os.path.join(scratch, "submit.txt"), "save_answers": os.path.join(scratch, "save_answers.txt")}
    with open(files["submit"], "w") as file:
        # Learner 0 owns the submission the GETs read; the POSTs use the others.
        file.write("POST\n" + json.dumps({"answers": data.answers}) + "\n")
        path = f"/api/v1/assessments/{data.assessment_id}/submissions"
        file.write("".join(f"{path} {token}\n" for token in data.learner_tokens[1:]))
    with open(files["save_answers"], "w") as file:
        file.write("PATCH\n" + json.dumps({"answers": data.drafts_answers}) + "\n")
        for attempt_id, token in data.drafts_attempts:
            file.write(f"/api/v1/assessments/{data.drafts_assessment_id}/attempts/{attempt_id}/answers {token}\n")
    return files


TABLE_ORDER = (
    "bare",
    "users_me",
    "list",
    "get",
    "submit",
    "get_submission",
    "save_answers",
    "start_plain",
    "start_pooled",
    "gradebook",
    "list_own",
    "list_all",
)


def print_table(results, out=sys.stdout):
    """The table; "vs me" is the ratio to GET /users/me, "others" the share of the machine's
    CPU that work outside the bench took."""
    bare = results["bare"].requests_per_second
    me = results["users_me"].requests_per_second if "users_me" in results else None
    print(f"\n{'endpoint':48} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8} {'vs me':>6} {'others':>7}", file=out)
    for key in TABLE_ORDER:
        if key in results:
            m = results[key]
            failed = f"  {m.failed} failed" if m.failed else ""
            reused = f"  learners reused x{m.learners_reused}" if m.learners_reused else ""
            print(
                f"{m.name:48} {m.requests_per_second:9,.0f} {m.p50_ms:8.2f} {m.p99_ms:8.2f} {m.requests_per_second / bare:8.2f}"
                f" {m.requests_per_second / me if me else float('nan'):6.2f} {m.others_cpu_percent:6.0f}%{failed}{reused}",
                file=out,
            )


def print_scale_table(small, large, stored_small, stored_large, out=sys.stdout):
    print(f"\nLatency at {stored_small:,} and at {stored_large:,} stored submissions:", file=out)
    print(
        f"{'endpoint':48} {'p50 1k':>7} {'p50 1M':>7} {'ratio':>6} {'p99 1k':>7} {'p99 1M':>7} {'ratio':>6} {'req/s 1k':>9} {'req/s 1M':>9}",
        file=out,
    )
    for key in TABLE_ORDER:
        if key in small and key in large:
            a, b = small[key], large[key]
            print(
                f"{a.name:48} {a.p50_ms:7.2f} {b.p50_ms:7.2f} {b.p50_ms / a.p50_ms:6.2f} "
                f"{a.p99_ms:7.2f} {b.p99_ms:7.2f} {b.p99_ms / a.p99_ms:6.2f} {a.requests_per_second:9,.0f} {b.requests_per_second:9,.0f}",
                file=out,
            )


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument(
        "--scale", action="store_true", help="also seed 1,000,000 submissions and compare latency at ~1k and at 1M; print EXPLAIN plans"
    )
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per endpoint (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="unrecorded seconds before each measurement (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument(
        "--learners", type=int, default=10_000, help="learners with tokens; each submission comes from the next one (default 10000)"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    started = time.monotonic()
    wrk_path = wrk.ensure_wrk()
    RESULTS_DIR.mkdir(exist_ok=True)
    load = Load(wrk_path, args)
    report = {
        "run_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "wrk": {"connections": args.connections, "threads": args.threads, "seconds": args.seconds},
    }
    idle_check = CpuMeter(server_pid=None, database_name=None)
    idle_check.start()
    time.sleep(2)
    busy = idle_check.stop()
    if busy > 10:
        # Other work on these cores lowers every figure; the table shows its share per row.
        print(f"bench: warning: other work takes {busy:.0f}% of the CPU; figures will be low and noisy", flush=True)
    print(
        f"bench: PostgreSQL server {psycopg2.extensions.parse_dsn(server_dsn()).get('host', 'local socket')}; results in {RESULTS_DIR}",
        flush=True,
    )

    with bench_database(server_dsn()) as dsn, tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        bare_server = gunicorn("bench.bare_app:app", "/", "gunicorn-bare")
        report["gunicorn"] = bare_server.settings()
        print(f"bench: gunicorn {report['gunicorn']}", flush=True)
        results = {}
        with bare_server as server:
            load.meter = CpuMeter(server.process.pid, database_name=None)
            results["bare"] = load.measure("bare Flask JSON (same gunicorn config)", server.base_url + "/")

        with gunicorn("app:app", "/readyz", "gunicorn-app", env={"DATABASE_URL": dsn}) as server:
            load.meter = CpuMeter(server.process.pid, database_name=psycopg2.extensions.parse_dsn(dsn)["dbname"])
            data = seeding.seed(dsn, server.base_url, learners=args.learners)
            request_files = write_request_files(scratch, data)

            extra_lists = None
            if args.scale:
                scale_token = seeding.create_scale_structure(dsn, data)
                scale_assessment = seeding.scale_assessment_id(1)
                seeding.seed_scale_submissions(dsn, 1, 5, progress=False)
                # A page of 10: the scale assessment holds 10 submissions at 1k and 10,000
                # at 1M, so both sizes answer the same payload and only the scale differs.
                extra_lists = {
                    "list_own": (
                        "GET /assessments/{id}/submissions (learner)",
                        f"/assessments/{scale_assessment}/submissions",
                        scale_token,
                    ),
                    "list_all": (
                        "GET …/{id}/submissions?per_page=10 (admin)",
                        f"/assessments/{scale_assessment}/submissions?per_page=10",
                        data.admin_token,
                    ),
                }
            stored_small = seeding.count_submissions(dsn)
            print(f"bench: measuring with {stored_small:,} stored submissions", flush=True)
            results.update(measure_service(load, server.base_url, data, request_files, extra_lists))
            # Starting an attempt, its paper drawn: plain 15 questions vs 3 groups x 20 pick 5.
            results.update(papers.measure(load, server.base_url, data, scratch))
            report["results"] = {key: m.as_dict() for key, m in results.items()}
            report["stored_submissions"] = stored_small
            report["deadline"] = [deadline.measure(dsn, data.learner_ids, data.drafts_answers, workers=n) for n in (1,)]
            # The submission row again, while a worker regrades 100,000 submissions of another assessment.
            report["regrade"] = regrade.measure(
                dsn,
                server.base_url,
                data,
                while_running=lambda: load.measure(
                    "POST …/submissions during a regrade",
                    f"{server.base_url}/api/v1/assessments/{data.assessment_id}/submissions",
                    script="learners.lua",
                    env={"BENCH_REQUESTS": str(request_files["submit"])},
                ),
            )
            report["webhooks"] = [deliveries.measure(dsn, workers=n) for n in (1,)]
            # Statistics of 100,000 submissions, then their CSV (1,000,000 rows with --scale).
            report["exports"] = exports.measure(dsn, server.base_url, data, server.worker_pids(), 100_000, scale=args.scale)

            if args.scale:
                print("bench: seeding up to 1,000,000 submissions (set-based SQL)", flush=True)
                seed_started = time.monotonic()
                seeding.seed_scale_submissions(dsn, 6, seeding.SCALE_LEARNERS)
                stored_large = seeding.count_submissions(dsn)
                print(f"bench: measuring with {stored_large:,} stored submissions", flush=True)
                large = measure_service(load, server.base_url, data, request_files, extra_lists)
                report["scale"] = {
                    "seed_seconds": round(time.monotonic() - seed_started, 1),
                    "stored_small": stored_small,
                    "stored_large": stored_large,
                    "small": report["results"],
                    "large": {key: m.as_dict() for key, m in large.items()},
                }
                (RESULTS_DIR / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
                paths = explain.hot_paths(data, seeding.scale_learner_id(1), scale_token, scale_assessment)
                plans = explain.explain_paths(dsn, paths)
                report["explain"] = plans

    report["seconds"] = round(time.monotonic() - started, 1)
    print_table(results)
    if "start_pooled" in results:
        plain, pooled = results["start_plain"], results["start_pooled"]
        print(
            f"papers: a pooled start's p50 is x{pooled.p50_ms / plain.p50_ms:.2f} a plain one's (p99 x{pooled.p99_ms / plain.p99_ms:.2f})"
        )
    for run in report.get("deadline", []):
        print(
            f"deadline: {run['attempts']:,} attempts finalized by {run['workers']} worker(s) in {run['seconds']} s: {run['per_second']:,}/s"
        )
    if "regrade" in report:
        run, during, alone = report["regrade"], report["regrade"]["during"], results["submit"]
        print(f"regrade: {run['submissions']:,} submissions by 1 worker in {run['seconds']} s ({run['per_second']:,}/s), {run['status']}")
        print(
            f"  POST …/submissions meanwhile: p50 {during['p50_ms']:.2f} ms (alone {alone.p50_ms:.2f}, x{during['p50_ms'] / alone.p50_ms:.2f}),"
            f" p99 {during['p99_ms']:.2f} ms (alone {alone.p99_ms:.2f}, x{during['p99_ms'] / alone.p99_ms:.2f})"
        )
    for run in report.get("webhooks", []):
        print(
            f"webhooks: {run['deliveries']:,} deliveries to a local receiver by {run['workers']} worker(s) in {run['seconds']} s: "
            f"{run['per_second']:,}/s"
        )
    if "exports" in report:
        run, csv_run = report["exports"]["statistics"], report["exports"]["csv"]
        print(f"statistics of {run['submissions']:,} submissions: {run['best_seconds']} s (runs: {run['seconds']})")
        print(
            f"CSV of {csv_run['rows']:,} submissions: {csv_run['seconds']} s, {csv_run['rows_per_second']:,} rows/s, "
            f"{csv_run['bytes'] / 2**20:.0f} MiB, worker RSS +{csv_run['rss_growth_mib']} MiB"
        )
    if args.scale:
        with open(RESULTS_DIR / "explain-1m.txt", "w") as out:
            explain.print_report(plans, out)
        explain.print_report(plans, sys.stdout)
        print_table({"bare": results["bare"], **large})
        print_scale_table(results, large, stored_small, stored_large)
    (RESULTS_DIR / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nbench: {report['seconds']:.0f} s; wrote {RESULTS_DIR / 'latest.json'}")


if __name__ == "__main__":
    main()
