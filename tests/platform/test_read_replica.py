"""DATABASE_READ_URL (contract section 17): statistics and CSV exports read from a streaming
replica, and nothing writes there. The test starts a real primary and a real hot standby
made from it with pg_basebackup (the same server binaries), and proves where each read
came from by pausing the standby's replay: what the primary has and the replica has not
yet replayed is missing from statistics and exports, and present everywhere else."""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest
import webtest

from assessment_service import create_app
from assessment_service.config import PROJECT_ROOT, Config
from assessment_service.platform.schema import apply_schema
from helpers.api import assessment_url, assessment_with_questions, true_false
from helpers.db import query
from helpers.servers import free_port
from helpers.stored import result, store
from helpers.users import new_user

BINARIES = Path("/usr/lib/postgresql/15/bin")


def _as_server_user(command):
    """Run as `postgres` when we are root (the server refuses to run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _run(*command):
    subprocess.run(_as_server_user([str(part) for part in command]), check=True, capture_output=True, timeout=120)


def _start(data, port, sockets):
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c hot_standby_feedback=on"
    _run(BINARIES / "pg_ctl", "-D", data, "-o", options, "-l", data / "server.log", "-w", "-t", "60", "start")


@pytest.fixture(scope="module")
def replicated():
    """(primary dsn, replica dsn) of a fresh database `assessment` on a primary and its hot standby."""
    if not (BINARIES / "pg_basebackup").exists():
        pytest.fail(f"PostgreSQL server binaries are needed in {BINARIES}")
    root = Path(tempfile.mkdtemp(prefix="replica-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    primary, standby = root / "primary", root / "standby"
    primary_port, standby_port = free_port(), free_port()
    started = []
    try:
        _run(BINARIES / "initdb", "-D", primary, "-U", "postgres", "--auth=trust", "--no-sync")
        _start(primary, primary_port, root)
        started.append(primary)
        primary_dsn = f"postgresql://postgres@127.0.0.1:{primary_port}/assessment"
        query(f"postgresql://postgres@127.0.0.1:{primary_port}/postgres", "create database assessment")
        conn = psycopg2.connect(primary_dsn)
        apply_schema(conn, PROJECT_ROOT / "schema.sql")
        conn.close()
        _run(
            BINARIES / "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            primary_port,
            "-U",
            "postgres",
            "-D",
            standby,
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )
        _start(standby, standby_port, root)
        started.append(standby)
        replica_dsn = f"postgresql://postgres@127.0.0.1:{standby_port}/assessment"
        assert query(replica_dsn, "select pg_is_in_recovery()") == [(True,)]
        yield primary_dsn, replica_dsn
    finally:
        for data in reversed(started):
            with contextlib.suppress(subprocess.CalledProcessError):
                _run(BINARIES / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def caught_up(primary_dsn, replica_dsn, timeout=30):
    """Wait until the replica has replayed everything the primary has written so far."""
    (lsn,) = query(primary_dsn, "select pg_current_wal_lsn()::text")[0]
    deadline = time.monotonic() + timeout
    while query(replica_dsn, "select pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,))[0][0] is not True:
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


@pytest.fixture
def replica_app(replicated):
    primary_dsn, replica_dsn = replicated
    app = create_app(Config(DATABASE_URL=primary_dsn, DATABASE_READ_URL=replica_dsn, TESTING=True, ACCESS_LOG=False, LOG_LEVEL="WARNING"))
    yield app
    app.extensions["db"].close()
    app.extensions["db_read"].close()


@contextlib.contextmanager
def replay_paused(replica_dsn):
    query(replica_dsn, "select pg_wal_replay_pause()")
    try:
        yield
    finally:
        query(replica_dsn, "select pg_wal_replay_resume()")


def test_statistics_and_exports_read_from_the_replica(replicated, replica_app):
    primary_dsn, replica_dsn = replicated
    testapp = webtest.TestApp(replica_app)
    conn = psycopg2.connect(primary_dsn)
    conn.autocommit = True
    instructor = new_user(conn, "instructor")
    learners = [new_user(conn, "learner") for _ in range(3)]
    course = testapp.post_json("/api/v1/courses", {"title": "Replicated"}, headers=instructor.headers).json
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false(), true_false()])
    for n, learner in enumerate(learners[:2]):
        store(conn, assessment, learner.id, [result(questions[0], 1, True), result(questions[1], n, True)], seconds_ago=10 - n)
    caught_up(primary_dsn, replica_dsn)

    def statistics():
        return testapp.get(assessment_url(assessment["id"], "statistics"), headers=instructor.headers).json

    def csv_rows():
        response = testapp.get(assessment_url(assessment["id"], "submissions"), headers={**instructor.headers, "Accept": "text/csv"})
        return response.body.count(b"\r\n") - 1

    def json_total():
        return testapp.get(assessment_url(assessment["id"], "submissions"), headers=instructor.headers).json["pagination"]["total"]

    assert statistics()["submission_count"] == 2 and csv_rows() == 2
    with replay_paused(replica_dsn):
        store(conn, assessment, learners[2].id, [result(questions[0], 0, False), result(questions[1], 0, False)])
        # The primary has it (JSON lists read there); the paused replica has not replayed it.
        assert json_total() == 3
        assert statistics()["submission_count"] == 2
        assert csv_rows() == 2
    caught_up(primary_dsn, replica_dsn)
    assert statistics()["submission_count"] == 3 and csv_rows() == 3
    conn.close()


def test_nothing_writes_through_the_read_path(replica_app):
    database = replica_app.extensions["db_read"]
    conn = database.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("select pg_is_in_recovery(), current_setting('transaction_read_only')")
            assert cur.fetchone() == (True, "on")
        conn.rollback()
        # Without our read-only session, the standby itself refuses the write, and a read-write transaction.
        conn.readonly = None
        with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction), conn.cursor() as cur:
            cur.execute("insert into courses (id, title) values ('crs_replica', 'Written to a replica')")
        conn.rollback()
        with pytest.raises(psycopg2.errors.FeatureNotSupported, match="during recovery"), conn.cursor() as cur:
            cur.execute("set transaction read write")
    finally:
        conn.rollback()
        database.release(conn)
