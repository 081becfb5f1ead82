"""The embedded PostgreSQL 18 that runs when DATABASE_URL is unset: it starts, keeps its
data across a stop, starts again in the same process, and the service restarts it when it
dies (but not when it was stopped)."""

import os
import signal
import subprocess
import sys
import time

import psycopg2
import pytest

from assessment_service.config import PROJECT_ROOT
from assessment_service.platform import embedded
from helpers.db import query
from helpers.servers import Gunicorn, embedded_pgdata, http


@pytest.fixture
def pgdata():
    with embedded_pgdata() as path:
        yield path


def test_embedded_server_keeps_its_data_across_a_restart(pgdata):
    uri = embedded.ensure_running(pgdata)
    (version,) = query(uri, "show server_version")[0]
    assert version.split(".")[0] == "18"
    query(uri, "create table kept (note text)")
    query(uri, "insert into kept (note) values (%s)", ("still here",))
    assert embedded.ensure_running(pgdata) == uri  # running: reused, not started twice

    embedded.stop(pgdata)
    assert not os.path.exists(os.path.join(pgdata, "postmaster.pid"))
    with pytest.raises(psycopg2.OperationalError):
        query(uri, "select 1")

    uri_again = embedded.ensure_running(pgdata)

    assert query(uri_again, "select note from kept") == [("still here",)]


def test_stop_is_harmless_when_the_server_is_not_running(pgdata):
    embedded.ensure_running(pgdata)
    embedded.stop(pgdata)

    embedded.stop(pgdata)

    assert not os.path.exists(os.path.join(pgdata, "postmaster.pid"))


# ---------------------------------------------------------------- restarted by the service when it dies


def postmaster_pid(pgdata):
    with open(os.path.join(pgdata, "postmaster.pid")) as pid_file:
        return int(pid_file.readline())


def wait_for(condition, timeout, interval=0.1, message="condition"):
    """Poll `condition` until it returns something true (fails after `timeout` s)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def test_watchdog_restarts_a_server_that_died_and_keeps_its_data(pgdata):
    uri = embedded.ensure_running(pgdata)
    query(uri, "create table kept (note text)")
    query(uri, "insert into kept (note) values ('still here')")
    watchdog = embedded.Watchdog(pgdata)
    try:
        assert watchdog.check() == "running"
        killed = postmaster_pid(pgdata)
        os.kill(killed, signal.SIGKILL)

        # Until the dead postmaster is reaped its pid still exists ("dying"), and the first
        # try may meet its last processes; then it is restarted.
        wait_for(lambda: watchdog.check() == "restarted", timeout=30, message="the restart")

        assert postmaster_pid(pgdata) != killed
        assert watchdog.check() == "running"
    finally:
        watchdog.close()
    assert query(uri, "select note from kept") == [("still here",)]  # same socket, same data


def test_watchdog_leaves_a_cleanly_stopped_server_alone(pgdata):
    uri = embedded.ensure_running(pgdata)
    watchdog = embedded.Watchdog(pgdata)
    try:
        assert watchdog.check() == "running"

        embedded.stop(pgdata)  # what `make stop-db` does

        assert watchdog.check() == "stopped"
        assert watchdog.check() == "stopped"
    finally:
        watchdog.close()
    assert not os.path.exists(os.path.join(pgdata, "postmaster.pid"))
    with pytest.raises(psycopg2.OperationalError):
        query(uri, "select 1")


def run_flask(pgdata, *args):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=PROJECT_ROOT,
        env={**env, "EMBEDDED_PGDATA": pgdata},
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_the_service_restarts_its_embedded_postgresql_after_a_sigkill(pgdata):
    # As `make run` does it: init-db starts the server and applies the schema, then gunicorn
    # (DATABASE_URL unset) serves on it.
    result = run_flask(pgdata, "init-db")
    assert result.returncode == 0, result.stderr
    token = run_flask(pgdata, "create-user", "--name", "Ada", "--email", "ada@example.com", "--role", "admin").stdout.strip()
    me = {"Authorization": f"Bearer {token}"}
    server = Gunicorn("", workers=2, extra_env={"EMBEDDED_PGDATA": pgdata})
    try:
        assert http("GET", f"{server.base_url}/api/v1/users/me", headers=me)[0] == 200
        # The service's master supervises the server; nobody else may while it does.
        assert embedded.Watchdog(pgdata).check() == "not ours"
        killed = postmaster_pid(pgdata)

        os.kill(killed, signal.SIGKILL)

        wait_for(
            lambda: embedded.server_state(pgdata) == "running" and postmaster_pid(pgdata) != killed, timeout=60, message="a new postmaster"
        )
        wait_for(
            lambda: http("GET", f"{server.base_url}/api/v1/users/me", headers=me)[0] == 200,
            timeout=30,
            message="the API to answer 200 again",
        )
        assert server.process.poll() is None
    finally:
        server.stop()
    standby = embedded.Watchdog(pgdata)
    try:
        assert standby.check() == "running"  # the service is gone, and its claim with it
    finally:
        standby.close()
