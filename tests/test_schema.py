"""schema.sql is the only DDL and is safe to re-run on a database full of data."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import psycopg2.extensions
import pytest

from assessment_service.config import PROJECT_ROOT
from assessment_service.db import apply_schema

SCHEMA = PROJECT_ROOT / "schema.sql"


def public_tables(db_conn):
    with db_conn.cursor() as cur:
        cur.execute("select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1")
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


def apply_on_fresh_connection(dsn):
    conn = psycopg2.connect(dsn)
    try:
        apply_schema(conn, SCHEMA)
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
