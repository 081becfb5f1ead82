"""python -m bench.revision_ab OTHER_CHECKOUT: this checkout against another revision of the
service, on one seeded database.

Seeds as `make bench` does (with this checkout's schema, which only ever adds to an earlier
one), then serves the two checkouts alternately under their own gunicorn.conf.py
(other-this-this-other per pair, so the database's growth favours neither) and measures GET
/users/me, GET an assessment (10 questions) and POST a submission (10 answers) with wrk,
with the CPU per request of the gunicorn workers and of PostgreSQL (bench.prepared_ab's
measure). The bare endpoint is measured once, first. Make the other checkout with
`git worktree add ../other <commit>`; it runs with this checkout's virtualenv.

    python -m bench.revision_ab ../other [--pairs 2] [--seconds 5] [--warmup 2]
"""

import argparse
import json
import pathlib
import statistics
import tempfile

import psycopg2.extensions

from assessment_service.config import PROJECT_ROOT

from . import seed as seeding
from . import wrk
from .prepared_ab import ROWS, measure
from .run import RESULTS_DIR, bench_database, gunicorn, server_dsn, write_request_files


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.revision_ab")
    parser.add_argument("other", type=pathlib.Path, help="a checkout of the revision to compare with")
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--learners", type=int, default=10_000)
    args = parser.parse_args(argv)
    roots = {"other": args.other.resolve(), "this": PROJECT_ROOT}
    wrk_path = wrk.ensure_wrk()
    RESULTS_DIR.mkdir(exist_ok=True)
    runs = {"other": [], "this": []}
    with bench_database(server_dsn()) as dsn, tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        database_name = psycopg2.extensions.parse_dsn(dsn)["dbname"]
        with gunicorn("bench.bare_app:app", "/", "gunicorn-bare") as bare_server:
            bare = measure(wrk_path, args, bare_server, "-", "bare", bare_server.base_url + "/")
        print(f"bare: {bare}", flush=True)
        with gunicorn("app:app", "/readyz", "gunicorn-app", env={"DATABASE_URL": dsn}) as server:
            data = seeding.seed(dsn, server.base_url, learners=args.learners)
        files = write_request_files(scratch, data)
        for revision in ["other", "this", "this", "other"] * args.pairs:
            with gunicorn("app:app", "/readyz", f"gunicorn-{revision}", env={"DATABASE_URL": dsn}, root=roots[revision]) as server:
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
            runs[revision].append(row)
            print(revision, json.dumps(row), flush=True)
    print(f"\nother: {roots['other']}")
    print(f"{'row':10} {'revision':8} {'req/s (each run)':32} {'median':>7} {'vs bare':>8} {'p99 ms':>14} {'workers us':>11} {'pg us':>7}")
    for key in ROWS:
        for revision in ("other", "this"):
            values = [run[key]["rps"] for run in runs[revision]]
            median = statistics.median(values)
            p99 = max(run[key]["p99"] for run in runs[revision])
            workers = statistics.median(run[key]["workers_us"] for run in runs[revision])
            backends = statistics.median(run[key]["postgres_us"] for run in runs[revision])
            print(
                f"{key:10} {revision:8} {', '.join(map(str, values)):32} {median:7.0f} {median / bare['rps']:8.2f}"
                f" {'max ' + format(p99, '.2f'):>14} {workers:11.0f} {backends:7.0f}"
            )
    (RESULTS_DIR / "revision_ab.json").write_text(json.dumps({"bare": bare, "other": str(roots["other"]), "runs": runs}, indent=2) + "\n")


if __name__ == "__main__":
    main()
