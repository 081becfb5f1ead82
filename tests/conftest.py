"""Fixtures: one PostgreSQL database per test run (TEST_DATABASE_URL's server, or the
embedded one), an app built per test, and every test starting from empty tables."""

import os
import uuid

import psycopg2
import psycopg2.extensions
import pytest
import webtest

from assessment_service import create_app
from assessment_service.config import PROJECT_ROOT, Config
from assessment_service.platform import embedded
from assessment_service.platform.schema import apply_schema
from helpers.db import TABLES
from helpers.servers import Gunicorn
from helpers.users import new_user


def _server_dsn():
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return embedded.ensure_running(os.environ.get("EMBEDDED_PGDATA") or str(PROJECT_ROOT / ".pgdata"))


def _admin_connection(server_dsn):
    conn = psycopg2.connect(server_dsn)
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def server_dsn():
    return _server_dsn()


@pytest.fixture(scope="session")
def database_dsn(server_dsn):
    """A database of this run's own, created from schema.sql and dropped at the end."""
    name = f"assessment_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_connection(server_dsn)
    with admin.cursor() as cur:
        cur.execute(f'create database "{name}"')  # name is ours: hex digits only
    dsn = psycopg2.extensions.make_dsn(server_dsn, dbname=name)
    conn = psycopg2.connect(dsn)
    apply_schema(conn, PROJECT_ROOT / "schema.sql")
    conn.close()
    yield dsn
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
    admin.close()


@pytest.fixture
def db_conn(database_dsn):
    """A direct connection to the test database, for arranging and asserting stored rows."""
    conn = psycopg2.connect(database_dsn)
    conn.autocommit = True
    yield conn
    conn.close()


@pytest.fixture
def config(database_dsn, db_conn):
    with db_conn.cursor() as cur:
        # Children first. DELETE, not TRUNCATE: on tables this small it is several times
        # faster, and it runs before every test.
        cur.execute(";".join(f"delete from {table}" for table in reversed(TABLES)))  # names: ours
    return Config(DATABASE_URL=database_dsn, TESTING=True, ACCESS_LOG=False, LOG_LEVEL="WARNING")


@pytest.fixture
def app(config):
    app = create_app(config)
    yield app
    app.extensions["db"].close()


@pytest.fixture
def testapp(app):
    return webtest.TestApp(app)


@pytest.fixture
def make_user(app):
    """make(role="learner", name=None, email=None): a Caller, made through the domain function."""
    counter = iter(range(1, 10_000))

    def make(role="learner", name=None, email=None):
        number = next(counter)
        database = app.extensions["db"]
        conn = database.connect()
        try:
            return new_user(conn, role, name=name or f"{role.title()} {number}", email=email or f"{role}{number}@example.com")
        finally:
            database.release(conn)

    return make


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def instructor(make_user):
    return make_user("instructor")


@pytest.fixture
def learner(make_user):
    return make_user("learner")


@pytest.fixture
def course(testapp, instructor):
    return testapp.post_json("/api/v1/courses", {"title": "Statistics 101"}, headers=instructor.headers, status=201).json


@pytest.fixture
def enroll(testapp, admin):
    def enroll(course_id, user, role="learner", status="active"):
        return testapp.post_json(
            f"/api/v1/courses/{course_id}/enrollments",
            {"user_id": user.id, "role": role, "status": status},
            headers=admin.headers,
            status=201,
        ).json

    return enroll


@pytest.fixture(scope="session")
def live_server(database_dsn):
    """A real gunicorn (4 workers, the project's gunicorn.conf.py) on the test database.

    Session-scoped: tests arrange their rows through fixtures as usual (tables are
    truncated per test, the server keeps only its pool).
    """
    server = Gunicorn(database_dsn, workers=4)
    yield server
    server.stop()
