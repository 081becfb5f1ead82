"""`flask --app app create-user` and `flask --app app init-db`, run as a real process."""

import os
import subprocess
import sys

import psycopg2
import pytest

from assessment_service.config import PROJECT_ROOT
from assessment_service.platform import embedded
from assessment_service.platform.schema import apply_schema
from helpers.db import rows
from helpers.servers import embedded_pgdata


@pytest.fixture
def run_flask(database_dsn, config):
    """Run `flask --app app ARGS` on the test database (emptied by `config`)."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env["DATABASE_URL"] = database_dsn

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            check=False,
            text=True,
            timeout=60,
        )

    return run


def create_user(run_flask, email="ada@example.com", role="admin", name="Ada Admin"):
    return run_flask("create-user", "--name", name, "--email", email, "--role", role)


def test_create_user_prints_a_working_token_on_the_last_line(run_flask, testapp, db_conn):
    result = create_user(run_flask)

    assert result.returncode == 0, result.stderr
    token = result.stdout.splitlines()[-1]
    assert token == token.strip() and " " not in token and len(token) >= 43
    me = testapp.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}).json
    assert (me["name"], me["email"], me["role"]) == ("Ada Admin", "ada@example.com", "admin")
    assert rows(db_conn, "select id, role from users") == [(me["id"], "admin")]
    # The first admin can now do admin things.
    testapp.post_json(
        "/api/v1/users",
        {"name": "B", "email": "b@example.com", "role": "learner"},
        headers={"Authorization": f"Bearer {token}"},
        status=201,
    )


def test_create_user_stores_only_the_hash(run_flask, db_conn):
    token = create_user(run_flask).stdout.splitlines()[-1]

    assert rows(db_conn, "select count(*) from tokens t where strpos(row_to_json(t)::text, %s) > 0", (token,)) == [(0,)]
    assert rows(db_conn, "select count(*) from tokens where token_hash = sha256(convert_to(%s, 'UTF8'))", (token,)) == [(1,)]


def test_duplicate_email_fails_and_stores_nothing(run_flask, db_conn):
    assert create_user(run_flask).returncode == 0

    result = create_user(run_flask, email="ADA@example.com", name="Second Ada")

    assert result.returncode != 0
    assert "already exists" in result.stderr
    assert result.stdout.strip() == ""
    assert rows(db_conn, "select count(*), count(*) filter (where name = 'Second Ada') from users") == [(1, 0)]
    assert rows(db_conn, "select count(*) from tokens") == [(1,)]


def test_unknown_role_is_refused(run_flask, db_conn):
    result = create_user(run_flask, role="root")

    assert result.returncode != 0
    assert "root" in result.stderr
    assert rows(db_conn, "select count(*) from users") == [(0,)]


def test_init_db_applies_the_schema_and_keeps_rows(run_flask, db_conn, admin):
    result = run_flask("init-db")

    assert result.returncode == 0, result.stderr
    assert rows(db_conn, "select id from users") == [(admin.id,)]


def test_init_db_gives_older_users_their_email_key(run_flask, db_conn, testapp, admin):
    with db_conn.cursor() as cur:
        # Stored by a version that knew only lower(email): no key, and two that are the same address.
        cur.execute(
            """
            insert into users (id, name, email, role, created_at) values
                ('usr_older1', 'Older One', 'straße@example.com', 'learner', now() - interval '2 days'),
                ('usr_older2', 'Older Two', 'STRASSE@example.com', 'learner', now() - interval '1 day')
            """
        )
        cur.execute("update schema_state set checksum = 'of an older schema.sql'")

    result = run_flask("init-db")

    assert result.returncode == 0, result.stderr
    assert rows(db_conn, "select id, email_key from users where id like 'usr_older%' order by id") == [
        ("usr_older1", "strasse@example.com"),
        ("usr_older2", None),
    ]
    assert "usr_older2 has the same email as an earlier user" in result.stderr
    body = {"name": "New", "email": "Straße@Example.com", "role": "learner"}
    testapp.post_json("/api/v1/users", body, headers=admin.headers, status=409)


# ---------------------------------------------------------------- stdout is the command's output, and nothing else


@pytest.fixture(scope="module")
def embedded_server():
    """An embedded PostgreSQL of this module's own, with the schema: the CLI's default when
    DATABASE_URL is unset (and the case where the service logs a line before the command runs)."""
    with embedded_pgdata(prefix="pgc") as pgdata:
        conn = psycopg2.connect(embedded.ensure_running(pgdata))
        try:
            apply_schema(conn, PROJECT_ROOT / "schema.sql")
        finally:
            conn.close()
        yield pgdata


def run_flask_on_embedded(pgdata, *args):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=PROJECT_ROOT,
        env={**env, "EMBEDDED_PGDATA": pgdata, "LOG_LEVEL": "INFO"},
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
    )


def test_create_user_logs_on_stderr_and_prints_only_the_token_on_stdout(embedded_server):
    args = ("create-user", "--name", "Ada Admin", "--email", "ada.embedded@example.com", "--role", "admin")

    created = run_flask_on_embedded(embedded_server, *args)

    assert created.returncode == 0, created.stderr
    assert "embedded PostgreSQL running" in created.stderr  # the service's log line, on stderr
    (token,) = created.stdout.splitlines()
    assert len(token) >= 43 and " " not in token

    again = run_flask_on_embedded(embedded_server, *args)  # the email is taken now

    assert again.returncode != 0
    assert "already exists" in again.stderr
    assert again.stdout == ""  # so `ADMIN=$(... | tail -n 1)` is empty, never a log line


def test_create_user_without_a_database_fails_with_nothing_on_stdout():
    env = {key: value for key, value in os.environ.items() if key != "TEST_DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "create-user", "--name", "A", "--email", "a@example.com", "--role", "admin"],
        cwd=PROJECT_ROOT,
        env={**env, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none", "LOG_LEVEL": "INFO"},
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert result.stdout == ""
    assert "database unavailable" in result.stderr
