"""python -m bench.prepared_ab: DB_PREPARED_STATEMENTS on against off, on one seeded database.

Seeds as `make bench` does, then starts the service under gunicorn.conf.py alternately with
prepared statements on and off (A-B-B-A per pair, so the database's growth favours neither)
and measures GET /users/me, GET an assessment (10 questions) and POST a submission
(10 answers) with wrk, plus the CPU per request of the gunicorn workers and of the bench
database's PostgreSQL backends (from /proc). The bare endpoint is measured once, first.

    python -m bench.prepared_ab [--pairs 2] [--seconds 5] [--warmup 2]
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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.prepared_ab")
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--learners", type=int, default=10_000)
    args = parser.parse_args(argv)
    wrk_path = wrk.ensure_wrk()
    RESULTS_DIR.mkdir(exist_ok=True)
    runs = {"on": [], "off": []}
    with bench_database(server_dsn()) as dsn, tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        database_name = psycopg2.extensions.parse_dsn(dsn)["dbname"]
        with gunicorn("bench.bare_app:app", "/", "gunicorn-bare") as bare_server:
            bare = measure(wrk_path, args, bare_server, "-", "bare", bare_server.base_url + "/")
        print(f"bare: {bare}", flush=True)
        with gunicorn("app:app", "/readyz", "gunicorn-app", env={"DATABASE_URL": dsn}) as server:
            data = seeding.seed(dsn, server.base_url, learners=args.learners)
        files = write_request_files(scratch, data)
        order = []
        for _ in range(args.pairs):
            order += ["on", "off", "off", "on"]
        for setting in order:
            env = {"DATABASE_URL": dsn, "DB_PREPARED_STATEMENTS": "true" if setting == "on" else "false"}
            with gunicorn("app:app", "/readyz", f"gunicorn-app-{setting}", env=env) as server:
                api = f"{server.base_url}/api/v1"
                learner = [f"Authorization: Bearer {data.learner_tokens[0]}"]
                row = {
                    "users_me": measure(wrk_path, args, server, database_name, "me", f"{api}/users/me", headers=learner),
                    "get": measure(
                        wrk_path, args, server, database_name, "get", f"{api}/assessments/{data.assessment_id}", headers=learner
                    ),
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
            runs[setting].append(row)
            print(setting, json.dumps(row), flush=True)
    print(f"\n{'row':10} {'setting':7} {'req/s (each run)':32} {'median':>7} {'vs bare':>8} {'p99 ms':>14} {'workers us':>11} {'pg us':>7}")
    for key in ROWS:
        for setting in ("on", "off"):
            values = [run[key]["rps"] for run in runs[setting]]
            median = statistics.median(values)
            p99 = max(run[key]["p99"] for run in runs[setting])
            workers = statistics.median(run[key]["workers_us"] for run in runs[setting])
            backends = statistics.median(run[key]["postgres_us"] for run in runs[setting])
            print(
                f"{key:10} {setting:7} {', '.join(map(str, values)):32} {median:7.0f} {median / bare['rps']:8.2f}"
                f" {'max ' + format(p99, '.2f'):>14} {workers:11.0f} {backends:7.0f}"
            )
    (RESULTS_DIR / "prepared_ab.json").write_text(json.dumps({"bare": bare, "runs": runs}, indent=2) + "\n")
    print(f"others (share of CPU taken by other work), load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
