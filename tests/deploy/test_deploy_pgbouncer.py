"""The service through PgBouncer: Debian's pgbouncer in front of the test database's
server, a real gunicorn pointed at it, and the core flow over HTTP. In transaction pooling
mode with DB_PREPARED_STATEMENTS=false (a session's prepared statements do not follow its
client there), and in session mode with them on."""

import os
import pwd
import shutil
import tempfile
import threading
from collections import Counter
from pathlib import Path

import psycopg2.extensions
import pytest

from helpers.api import assessment_url
from helpers.debian import Daemon, ensure_debian_package, free_port
from helpers.servers import Gunicorn, concurrently, http

pytestmark = pytest.mark.slow


def run_as_user(target_host):
    """PgBouncer refuses to run as root; as root we start it with `-u` and this user.

    A server on a unix socket (the embedded PostgreSQL) is reachable only by the owner of
    the socket's directory, so that owner it is.
    """
    if target_host and target_host.startswith("/"):
        return pwd.getpwuid(os.stat(target_host).st_uid)
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    pytest.skip("running as root and there is no postgres or nobody user for pgbouncer -u")


# (pool_mode, DB_PREPARED_STATEMENTS)
MODES = [("transaction", "false"), ("session", "true")]


@pytest.fixture(scope="module", params=MODES, ids=[mode for mode, _ in MODES])
def mode(request):
    return request.param


@pytest.fixture(scope="module")
def pgbouncer_dsn(database_dsn, mode):
    """A DSN of the test database through pgbouncer (in the pool_mode of `mode`)."""
    pgbouncer = ensure_debian_package("pgbouncer", "pgbouncer")
    target = psycopg2.extensions.parse_dsn(database_dsn)
    user = target.get("user") or "postgres"
    port = free_port()
    # Its own directory, readable by the user pgbouncer switches to (pytest's tmp is root-only).
    directory = Path(tempfile.mkdtemp(prefix="pgbouncer-test-"))
    command = [pgbouncer]
    if os.geteuid() == 0:
        account = run_as_user(target.get("host"))
        os.chown(directory, account.pw_uid, account.pw_gid)
        command += ["-u", account.pw_name]
    server = " ".join(f"{key}={target[key]}" for key in ("host", "port", "dbname", "user", "password") if target.get(key))
    (directory / "userlist.txt").write_text(f'"{user}" "{target.get("password", "")}"\n')
    (directory / "pgbouncer.ini").write_text(
        f"""
[databases]
bouncer_test = {server}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/userlist.txt
pool_mode = {mode[0]}
default_pool_size = {4 if mode[0] == "transaction" else 8}
max_client_conn = 100
admin_users = {user}
logfile = {directory}/pgbouncer.log
"""
    )
    daemon = Daemon([*command, str(directory / "pgbouncer.ini")], port, directory / "pgbouncer.out")
    try:
        yield f"postgresql://{user}@127.0.0.1:{port}/bouncer_test", daemon
    finally:
        daemon.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def service_through_pgbouncer(pgbouncer_dsn, mode):
    dsn, _ = pgbouncer_dsn
    # Session mode holds a server connection per client connection: its pool has room for
    # every pooled connection of the 2 workers (2 x DB_POOL_MAX 4).
    server = Gunicorn(dsn, workers=2, extra_env={"DB_PREPARED_STATEMENTS": mode[1], "DB_POOL_MAX": "4"})
    yield server
    server.stop()


def test_pgbouncer_pools_in_its_mode(pgbouncer_dsn, mode):
    dsn, _ = pgbouncer_dsn
    console = psycopg2.connect(psycopg2.extensions.make_dsn(dsn, dbname="pgbouncer"))
    console.autocommit = True  # the admin console knows no transactions
    try:
        with console.cursor() as cur:
            cur.execute("show config")
            settings = {row[0]: row[1] for row in cur.fetchall()}
    finally:
        console.close()
    assert settings["pool_mode"] == mode[0]


def call(server, method, path, caller=None, body=None, status=None, token=None):
    headers = {"Authorization": f"Bearer {token or caller.token}"}
    got, response, _ = http(method, server.base_url + "/api/v1" + path, body, headers=headers)
    assert status is None or got == status, (method, path, got, response)
    return response


def test_core_flow_through_pgbouncer(service_through_pgbouncer, pgbouncer_dsn, mode, admin, db_conn):
    server = service_through_pgbouncer
    course = call(server, "POST", "/courses", admin, {"title": "Through the bouncer"}, 201)
    assessment = call(
        server,
        "POST",
        "/assessments",
        admin,
        {"course_id": course["id"], "title": "Pooled quiz", "passing_score": 50, "max_attempts": 2},
        201,
    )
    choice_question = call(
        server,
        "POST",
        f"/assessments/{assessment['id']}/questions",
        admin,
        {"type": "single_choice", "prompt": "2 + 2?", "choices": [{"text": "4", "correct": True}, {"text": "5", "correct": False}]},
        201,
    )
    call(
        server,
        "POST",
        f"/assessments/{assessment['id']}/questions",
        admin,
        {"type": "true_false", "prompt": "Sky blue?", "correct_answer": True},
        201,
    )
    created = call(server, "POST", "/users", admin, {"name": "Pooled Learner", "email": "pooled@example.com", "role": "learner"}, 201)
    learner_token = created["token"]["value"]
    call(server, "POST", f"/courses/{course['id']}/enrollments", admin, {"user_id": created["user"]["id"]}, 201)

    seen = call(server, "GET", f"/assessments/{assessment['id']}", token=learner_token, status=200)
    answers = [
        {"question_id": seen["questions"][0]["id"], "answer": choice_question["choices"][0]["id"]},
        {"question_id": seen["questions"][1]["id"], "answer": False},
    ]
    submission = call(
        server, "POST", f"/assessments/{assessment['id']}/submissions", token=learner_token, body={"answers": answers}, status=201
    )
    assert (submission["attempt_number"], submission["score"], submission["passed"]) == (1, 50, True)

    again = call(server, "GET", f"/assessments/{assessment['id']}/submissions/{submission['id']}", token=learner_token, status=200)
    assert again == submission
    listed = call(server, "GET", f"/assessments/{assessment['id']}/submissions", admin, status=200)
    assert [item["id"] for item in listed["data"]] == [submission["id"]] and listed["pagination"]["total"] == 1

    # The row locks that keep the retake limit are per transaction, so they hold through
    # transaction pooling too: 8 at once, 1 attempt left -> exactly 1 more.
    barrier = threading.Barrier(8)

    def submit():
        barrier.wait(timeout=30)
        status, _, _ = http(
            "POST",
            server.base_url + assessment_url(assessment["id"], "submissions"),
            {"answers": answers},
            headers={"Authorization": f"Bearer {learner_token}"},
        )
        return status

    assert Counter(concurrently([submit] * 8)) == {201: 1, 403: 7}
    with db_conn.cursor() as cur:
        cur.execute("select attempt_number from submissions where assessment_id = %s order by 1", (assessment["id"],))
        assert cur.fetchall() == [(1,), (2,)]

    _, daemon = pgbouncer_dsn
    log = daemon.log() + Path(daemon.log_path).with_name("pgbouncer.log").read_text(errors="replace")
    assert "unsupported startup parameter" not in log and "prepared statement" not in log
    # A GET runs in autocommit, so its statement is the last its server session ran: a
    # prepared one's EXECUTE only when they are on.
    for _ in range(4):
        call(server, "GET", "/users/me", token=learner_token, status=200)
    with db_conn.cursor() as cur:
        cur.execute(
            """
            select count(*) filter (where query ilike 'execute %%' or query ilike 'prepare %%')
            from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid()
            """
        )
        prepared_sessions = cur.fetchone()[0]
    assert (prepared_sessions > 0) == (mode[1] == "true")
