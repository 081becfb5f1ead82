"""gunicorn.conf.py: a SIGTERM lets the request in flight finish (graceful shutdown); the
worker count."""

import os
import signal
import subprocess
import sys
import threading
import time

import psycopg2
import pytest

from assessment_service.config import PROJECT_ROOT
from helpers.api import answers, assessment_url, assessment_with_questions, true_false
from helpers.db import rows
from helpers.servers import Gunicorn, http

pytestmark = pytest.mark.slow


def test_sigterm_lets_the_submission_in_flight_finish(database_dsn, testapp, instructor, course, learner, enroll, db_conn):
    enrollment = enroll(course["id"], learner)
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false()])
    server = Gunicorn(database_dsn, workers=1)
    # Hold the learner's enrollment row, so that the submission waits inside its request.
    blocker = psycopg2.connect(database_dsn)
    outcome = {}
    try:
        with blocker.cursor() as cur:
            cur.execute("select id from enrollments where id = %s for update", (enrollment["id"],))

        def submit():
            outcome["status"], outcome["body"], _ = http(
                "POST",
                server.base_url + assessment_url(assessment["id"], "submissions"),
                {"answers": answers(questions)},
                headers=learner.headers,
            )

        request = threading.Thread(target=submit)
        request.start()
        deadline = time.monotonic() + 10
        while not rows(db_conn, "select 1 from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()"):
            assert time.monotonic() < deadline, "the submission never reached the lock"
            time.sleep(0.05)

        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)  # the worker has been told to stop while it holds the request
        assert server.process.poll() is None
        blocker.rollback()
        request.join(timeout=20)
        assert outcome["status"] == 201, outcome
        assert server.process.wait(timeout=20) == 0
    finally:
        blocker.close()
        server.stop()
    assert rows(db_conn, "select attempt_number from submissions where id = %s", (outcome["body"]["id"],)) == [(1,)]


def _printed_setting(name, env):
    printed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", str(PROJECT_ROOT / "gunicorn.conf.py"), "--print-config", "app:app"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    values = [line.partition("=")[2].strip() for line in printed.splitlines() if line.partition("=")[0].strip() == name]
    assert len(values) == 1, printed
    return values[0]


def test_workers_default_to_one_per_core_plus_one_and_follow_web_concurrency(database_dsn):
    env = {key: value for key, value in os.environ.items() if key not in ("WEB_CONCURRENCY", "GUNICORN_CMD_ARGS")}
    env["DATABASE_URL"] = database_dsn
    assert _printed_setting("workers", env) == str(len(os.sched_getaffinity(0)) + 1)
    assert _printed_setting("workers", {**env, "WEB_CONCURRENCY": "7"}) == "7"


def _control_pid(path, timeout=10):
    """The master pid that answers on the control socket at `path` (gunicornc's protocol)."""
    from gunicorn.ctl.client import ControlClient

    deadline = time.monotonic() + timeout
    while not path.exists():  # the master opens it after forking its workers
        assert time.monotonic() < deadline, f"no control socket at {path}"
        time.sleep(0.05)
    with ControlClient(str(path), timeout=5) as client:
        return client.send_command("show stats")["pid"]


def test_each_instance_has_a_control_socket_of_its_own(database_dsn, tmp_path):
    env = {"XDG_RUNTIME_DIR": str(tmp_path)}  # where gunicorn's default path would be shared
    first = Gunicorn(database_dsn, workers=1, extra_env=env)
    second = Gunicorn(database_dsn, workers=1, extra_env=env)
    try:
        sockets = {server: tmp_path / f"gunicorn-127.0.0.1_{server.port}.ctl" for server in (first, second)}
        for server, path in sockets.items():
            assert _control_pid(path) == server.process.pid
        assert not (tmp_path / "gunicorn.ctl").exists()

        first.stop()
        assert not sockets[first].exists()
        assert _control_pid(sockets[second]) == second.process.pid
        assert http("GET", second.base_url + "/healthz")[0] == 200
    finally:
        first.stop()
        second.stop()
