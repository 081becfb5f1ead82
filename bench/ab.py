"""What bench.prepared_ab and bench.revision_ab share: an A-B of two ways of serving the
service on one seeded database.

Seeds as `make bench` does, measures the bare endpoint once, then serves the two variants
alternately (A-B-B-A per pair, so the database's growth favours neither) and measures GET
/users/me, GET an assessment (10 questions) and POST a submission (10 answers) with wrk,
plus the CPU per request of the gunicorn workers and of the bench database's PostgreSQL
backends (from /proc).
"""

import argparse
import json
import os
import statistics
import tempfile

import psycopg2.extensions

from . import seed as seeding
from . import wrk
from .machine import CpuMeter, _processes
from .run import RESULTS_DIR, bench_database, gunicorn, server_dsn, write_request_files

ROWS = ("users_me", "get", "submit")


def argument_parser(prog, description):
    """The argument parser both scripts start from."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--learners", type=int, default=10_000)
    return parser


def cpu_split(server_pid, database_name, before, after):
    """(worker CPU seconds, PostgreSQL backend CPU seconds) between two _processes() reads."""
    workers = backends = 0.0
    for pid, (parent, seconds, command) in after.items():
        spent = seconds - before.get(pid, (0, 0.0))[1]
        if parent == server_pid:
            workers += spent
        elif f" {database_name} " in command:
            backends += spent
    return workers, backends


def measure(wrk_path, args, server, database_name, name, url, **options):
    common = {"connections": args.connections, "threads": args.threads}
    if args.warmup:
        wrk.run(wrk_path, name, url, seconds=args.warmup, **common, **options)
    meter = CpuMeter(server.process.pid, database_name)
    meter.start()
    before = _processes()
    m = wrk.run(wrk_path, name, url, seconds=args.seconds, **common, **options)
    after = _processes()
    others = meter.stop()
    workers, backends = cpu_split(server.process.pid, database_name, before, after)
    requests = max(m.requests, 1)
    return {
        "rps": round(m.requests_per_second),
        "p50": m.p50_ms,
        "p99": m.p99_ms,
        "failed": m.failed,
        "workers_us": round(workers / requests * 1e6),
        "postgres_us": round(backends / requests * 1e6),
        "others": others,
    }


def measure_rows(wrk_path, args, server, database_name, data, files):
    """{row: measurement} of the three rows against one running service."""
    api = f"{server.base_url}/api/v1"
    learner = [f"Authorization: Bearer {data.learner_tokens[0]}"]
    return {
        "users_me": measure(wrk_path, args, server, database_name, "me", f"{api}/users/me", headers=learner),
        "get": measure(wrk_path, args, server, database_name, "get", f"{api}/assessments/{data.assessment_id}", headers=learner),
        "submit": measure(
            wrk_path,
            args,
            server,
            database_name,
            "submit",
            f"{api}/assessments/{data.assessment_id}/submissions",
            script="learners.lua",
            env={"BENCH_REQUESTS": str(files["submit"])},
        ),
    }


def run(args, variants, serve, results_name, heading="variant"):
    """Measure `variants` (a, b) alternately; serve(variant, dsn) is the running service of
    one (a gunicorn context). Prints the table and writes RESULTS_DIR/results_name."""
    a, b = variants
    wrk_path = wrk.ensure_wrk()
    RESULTS_DIR.mkdir(exist_ok=True)
    runs = {a: [], b: []}
    with bench_database(server_dsn()) as dsn, tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        database_name = psycopg2.extensions.parse_dsn(dsn)["dbname"]
        with gunicorn("bench.bare_app:app", "/", "gunicorn-bare") as bare_server:
            bare = measure(wrk_path, args, bare_server, "-", "bare", bare_server.base_url + "/")
        print(f"bare: {bare}", flush=True)
        with gunicorn("app:app", "/readyz", "gunicorn-app", env={"DATABASE_URL": dsn}) as server:
            data = seeding.seed(dsn, server.base_url, learners=args.learners)
        files = write_request_files(scratch, data)
        for variant in [a, b, b, a] * args.pairs:
            with serve(variant, dsn) as server:
                row = measure_rows(wrk_path, args, server, database_name, data, files)
            runs[variant].append(row)
            print(variant, json.dumps(row), flush=True)
    print(f"\n{'row':10} {heading:8} {'req/s (each run)':32} {'median':>7} {'vs bare':>8} {'p99 ms':>14} {'workers us':>11} {'pg us':>7}")
    for key in ROWS:
        for variant in variants:
            values = [one[key]["rps"] for one in runs[variant]]
            median = statistics.median(values)
            p99 = max(one[key]["p99"] for one in runs[variant])
            workers = statistics.median(one[key]["workers_us"] for one in runs[variant])
            backends = statistics.median(one[key]["postgres_us"] for one in runs[variant])
            print(
                f"{key:10} {variant:8} {', '.join(map(str, values)):32} {median:7.0f} {median / bare['rps']:8.2f}"
                f" {'max ' + format(p99, '.2f'):>14} {workers:11.0f} {backends:7.0f}"
            )
    (RESULTS_DIR / results_name).write_text(json.dumps({"bare": bare, "runs": runs}, indent=2) + "\n")
    print(f"others (share of CPU taken by other work), load average now {os.getloadavg()[0]:.1f}")
    return runs
