"""schema.sql is the only DDL and is safe to re-run on a database full of data."""

import hashlib
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import pytest

from assessment_service.config import PROJECT_ROOT
from assessment_service.platform.schema import SchemaError, apply_schema
from helpers.db import TABLES, query
from helpers.servers import Gunicorn, http
from helpers.users import new_user_at

SCHEMA = PROJECT_ROOT / "schema.sql"


def public_tables(db_conn):
    with db_conn.cursor() as cur:
        cur.execute(
            "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1"
        )
        return [row[0] for row in cur.fetchall()]


def snapshot(db_conn):
    """Every row of every table, as text, plus the names of every index and constraint."""
    contents = {}
    with db_conn.cursor() as cur:
        for table in public_tables(db_conn):
            cur.execute(f'select row_to_json(t)::text from "{table}" t order by 1')  # names from the catalog
            contents[table] = [row[0] for row in cur.fetchall()]
        cur.execute("select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1")
        contents["<indexes>"] = cur.fetchall()
        cur.execute(
            "select conrelid::regclass::text, conname, pg_get_constraintdef(oid) from pg_constraint "
            "where connamespace = 'public'::regnamespace order by 1, 2"
        )
        contents["<constraints>"] = cur.fetchall()
    return contents


def apply_on_fresh_connection(dsn, path=SCHEMA):
    conn = psycopg2.connect(dsn)
    try:
        return apply_schema(conn, path)
    finally:
        conn.close()


@pytest.fixture
def populated(testapp, admin, instructor, learner, enroll, db_conn):
    """Rows in every table of the service, through the API where it exists and SQL below it."""
    course = testapp.post_json("/api/v1/courses", {"title": "Statistics 101"}, headers=instructor.headers, status=201).json
    enroll(course["id"], learner)
    with db_conn.cursor() as cur:
        cur.execute(
            "insert into assessments (id, course_id, title, passing_score, max_attempts) values ('asmnt_s1', %s, 'Quiz', 50, 3)",
            (course["id"],),
        )
        cur.execute(
            "insert into questions (id, assessment_id, position, type, prompt, points, spec) "
            """values ('qst_s1', 'asmnt_s1', 1, 'true_false', 'Sky is blue?', 1.50, '{"correct_answer": true}')"""
        )
        cur.execute(
            "insert into attempts (id, assessment_id, learner_id, attempt_number, status, submitted_at) "
            "values ('att_s1', 'asmnt_s1', %s, 1, 'submitted', now())",
            (learner.id,),
        )
        cur.execute(
            "insert into submissions (id, assessment_id, learner_id, attempt_id, attempt_number, score, passed, "
            "points_earned, points_possible, answers, results) "
            """values ('sub_s1', 'asmnt_s1', %s, 'att_s1', 1, 100, true, 1.5, 1.5, '[]', '[]')""",
            (learner.id,),
        )
        cur.execute(
            "insert into idempotency_keys (user_id, key, request_hash, status, response_body) values (%s, 'k1', '\\x00', 201, '{}')",
            (learner.id,),
        )
    return course


def test_applying_the_schema_twice_keeps_every_row(populated, database_dsn, db_conn):
    before = snapshot(db_conn)
    for table in ("users", "tokens", "courses", "enrollments", "assessments", "questions", "attempts", "submissions", "idempotency_keys"):
        assert before[table], f"{table} should hold rows for this test"

    apply_on_fresh_connection(database_dsn)
    apply_on_fresh_connection(database_dsn)

    assert snapshot(db_conn) == before


def test_the_service_still_works_after_reapplying(populated, testapp, instructor, database_dsn):
    apply_on_fresh_connection(database_dsn)

    body = testapp.get("/api/v1/courses", headers=instructor.headers).json

    assert [course["id"] for course in body["data"]] == [populated["id"]]


@pytest.fixture
def empty_database(server_dsn):
    """A database of its own with nothing in it, dropped afterwards."""
    admin = psycopg2.connect(server_dsn)
    admin.autocommit = True
    name = f"assessment_schema_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cur:
        cur.execute(f'create database "{name}"')  # name is ours: hex digits only
    yield psycopg2.extensions.make_dsn(server_dsn, dbname=name)
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
    admin.close()


def test_schema_creates_everything_on_an_empty_database(empty_database):
    apply_on_fresh_connection(empty_database)

    conn = psycopg2.connect(empty_database)
    try:
        tables = public_tables(conn)
    finally:
        conn.close()
    assert {"users", "tokens", "courses", "enrollments", "assessments", "questions", "attempts", "submissions"} <= set(tables)
    # The tests' list of tables (what they empty and save) names every one of the service's.
    assert set(tables) - {"schema_state"} == set(TABLES)


def test_processes_applying_the_schema_at_once_do_not_race(empty_database):
    # Without a lock held until commit, concurrent `create table if not exists` on an empty
    # database fails with a duplicate key in pg_type.
    with ThreadPoolExecutor(max_workers=8) as pool:
        applied = [pool.submit(apply_on_fresh_connection, empty_database) for _ in range(8)]
    for future in applied:
        future.result()  # re-raises the error of that thread here

    conn = psycopg2.connect(empty_database)
    conn.autocommit = True
    try:
        expected = snapshot(conn)
        apply_on_fresh_connection(empty_database)
        assert snapshot(conn) == expected
    finally:
        conn.close()


# ---------------------------------------------------------------- applying it while the service takes traffic


def changed_schema(directory, number):
    """A copy of schema.sql with a real change: a column and an index more on submissions."""
    path = directory / f"schema_changed_{number}.sql"
    path.write_text(
        SCHEMA.read_text(encoding="utf-8")
        + f"\nalter table submissions add column if not exists probe_{number} text;\n"
        + f"create index if not exists submissions_probe_{number}_idx on submissions (probe_{number});\n",
        encoding="utf-8",
    )
    return path


def schema_state(dsn):
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("select checksum, applied_at from schema_state")
            return cur.fetchall()
    finally:
        conn.close()


def columns(dsn, table):
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("select column_name from information_schema.columns where table_name = %s", (table,))
            return {row[0] for row in cur.fetchall()}
    finally:
        conn.close()


def init_db(dsn, *args):
    """`flask --app app init-db ARGS` as a real process on `dsn`."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "init-db", *args],
        cwd=PROJECT_ROOT,
        env={**env, "DATABASE_URL": dsn},
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
    )


def lock_waits(dsn, table):
    """Whether some session waits for a lock on `table`."""
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select count(*) > 0 from pg_locks where relation = to_regclass(%s) and not granted",
                (table,),
            )
            return cur.fetchone()[0]
    finally:
        conn.close()


def wait_for(condition, timeout, interval=0.05, message="condition"):
    """Poll `condition` until it returns something true (fails after `timeout` s)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def test_an_up_to_date_database_is_left_alone(database_dsn):
    apply_on_fresh_connection(database_dsn)
    recorded = schema_state(database_dsn)
    assert recorded[0][0] == hashlib.sha256(SCHEMA.read_bytes()).hexdigest()
    # Every table of the service locked against everything, even reads: any DDL would wait.
    blocker = psycopg2.connect(database_dsn)
    try:
        with blocker.cursor() as cur:
            cur.execute("select tablename from pg_tables where schemaname = 'public' and tablename <> 'schema_state'")
            tables = [row[0] for row in cur.fetchall()]
            assert "submissions" in tables
            cur.execute("lock table " + ", ".join(f'"{table}"' for table in tables) + " in access exclusive mode")  # names from the catalog

            result = init_db(database_dsn)

        assert result.returncode == 0, result.stderr
        assert "schema up to date" in result.stderr
    finally:
        blocker.close()
    assert schema_state(database_dsn) == recorded


def test_a_changed_schema_is_applied_and_recorded_and_never_dropped(empty_database, tmp_path):
    apply_on_fresh_connection(empty_database)
    changed = changed_schema(tmp_path, 1)

    conn = psycopg2.connect(empty_database)
    try:
        assert apply_schema(conn, changed) is True
        assert apply_schema(conn, changed) is False  # up to date now
        assert schema_state(empty_database)[0][0] == hashlib.sha256(changed.read_bytes()).hexdigest()
        assert "probe_1" in columns(empty_database, "submissions")

        # Back to the file without the column: applied again (it changed), and nothing is dropped.
        assert apply_schema(conn, SCHEMA) is True
    finally:
        conn.close()
    assert "probe_1" in columns(empty_database, "submissions")
    assert schema_state(empty_database)[0][0] == hashlib.sha256(SCHEMA.read_bytes()).hexdigest()


def test_a_statement_waiting_for_its_lock_gives_way_to_traffic_then_is_retried(empty_database, tmp_path):
    apply_on_fresh_connection(empty_database)
    changed = changed_schema(tmp_path, 1)
    # A long transaction that wrote to submissions: the schema's statements on it must wait.
    long_writer = psycopg2.connect(empty_database)
    applied = {}
    try:
        with long_writer.cursor() as cur:
            cur.execute("lock table submissions in row exclusive mode")
        applier = threading.Thread(target=lambda: applied.update(result=apply_on_fresh_connection(empty_database, changed)))
        applier.start()
        wait_for(lambda: lock_waits(empty_database, "submissions"), timeout=15, message="the schema to wait")

        # Another request's write queues behind the waiting DDL, and gets through while the
        # long transaction is still open: the DDL gave its place up instead of holding the queue.
        other = psycopg2.connect(empty_database)
        try:
            with other.cursor() as cur:
                cur.execute("set lock_timeout = '10s'")  # fails here, rather than hangs, if the DDL holds on
                cur.execute("lock table submissions in row exclusive mode")
            other.rollback()
        finally:
            other.close()
        assert applier.is_alive()  # still trying
        long_writer.rollback()
        applier.join(timeout=60)
    finally:
        long_writer.close()
    assert not applier.is_alive()
    assert applied == {"result": True}
    assert "probe_1" in columns(empty_database, "submissions")


def a_quiz_with_learners(server, dsn, count):
    """An untimed, unlimited one-question assessment, `count` enrolled learners' headers, the
    submissions URL and a correct body."""
    tokens = [(caller.id, caller.headers) for caller in (new_user_at(dsn, role) for role in ["admin"] + ["learner"] * count)]
    (_, admin), learners = tokens[0], tokens[1:]
    api = server.base_url + "/api/v1"

    def must(path, body):
        status, document, _ = http("POST", api + path, body, admin)
        assert status == 201, document
        return document

    course = must("/courses", {"title": "Live schema"})
    assessment = must("/assessments", {"course_id": course["id"], "title": "Burst", "passing_score": 50})
    question = must(f"/assessments/{assessment['id']}/questions", {"type": "true_false", "prompt": "Up?", "correct_answer": True})
    for user_id, _ in learners:
        must(f"/courses/{course['id']}/enrollments", {"user_id": user_id})
    body = {"answers": [{"question_id": question["id"], "answer": True}]}
    return [headers for _, headers in learners], f"{api}/assessments/{assessment['id']}/submissions", body


@pytest.mark.slow
def test_the_schema_applies_while_submissions_stream_in(empty_database, tmp_path):
    apply_on_fresh_connection(empty_database)
    server = Gunicorn(empty_database, workers=4)
    try:
        learners, submissions_url, body = a_quiz_with_learners(server, empty_database, count=8)
        answers = []
        stop = threading.Event()

        def keep_submitting(headers):
            while not stop.is_set():
                # Keyed, as clients should send them: the key's row is written first.
                keyed = {**headers, "Idempotency-Key": str(uuid.uuid4())}
                status, document, _ = http("POST", submissions_url, body, keyed)
                answers.append((status, document))

        def cli(*args):
            result = init_db(empty_database, *args)
            assert result.returncode == 0, result.stderr
            return result.stderr

        applies = [
            lambda: cli("--force"),  # up to date, applied all the same: every statement runs
            lambda: apply_on_fresh_connection(empty_database, changed_schema(tmp_path, 1)),
            lambda: cli(),  # schema.sql again: not what was applied last, so it runs
            lambda: apply_on_fresh_connection(empty_database, changed_schema(tmp_path, 2)),
            lambda: cli(),
            lambda: cli("--force"),
        ]
        with ThreadPoolExecutor(max_workers=len(learners)) as pool:
            submitting = [pool.submit(keep_submitting, headers) for headers in learners]
            try:
                wait_for(lambda: len(answers) >= 20, timeout=30, message="the burst to start")
                answered_before = len(answers)
                outcomes = [apply() for apply in applies]
                answered_during = len(answers) - answered_before
            finally:
                stop.set()
            for future in submitting:
                future.result()
    finally:
        server.stop()

    assert answered_during > 0
    assert [outcome for outcome in outcomes if "deadlock" in str(outcome)] == []
    assert [status for status, _ in answers if status != 201] == []
    created = {document["id"] for _, document in answers}
    assert len(created) == len(answers)
    stored = query(empty_database, "select id from submissions")
    assert {row[0] for row in stored} == created
    assert {"probe_1", "probe_2"} <= columns(empty_database, "submissions")
    assert schema_state(empty_database)[0][0] == hashlib.sha256(SCHEMA.read_bytes()).hexdigest()


def test_a_failed_concurrent_index_build_is_reported_not_recorded(empty_database, tmp_path):
    apply_on_fresh_connection(empty_database)
    query(
        empty_database,
        "insert into users (id, name, email, role) values ('usr_a', 'Same', 'a@example.com', 'learner'), "
        "('usr_b', 'Same', 'b@example.com', 'learner')",
    )
    changed = tmp_path / "schema_concurrent.sql"
    changed.write_text(
        SCHEMA.read_text(encoding="utf-8") + "\ncreate unique index concurrently if not exists users_name_probe_key on users (name);\n",
        encoding="utf-8",
    )
    recorded = schema_state(empty_database)

    # It runs (outside a transaction, as it must), and fails on the duplicate names...
    with pytest.raises(psycopg2.errors.UniqueViolation):
        apply_on_fresh_connection(empty_database, changed)
    # ...leaving an invalid index that `if not exists` would keep: the next run says so.
    with pytest.raises(SchemaError, match="users_name_probe_key"):
        apply_on_fresh_connection(empty_database, changed)

    assert schema_state(empty_database) == recorded
