"""Server-side prepared statements (issue 21, platform.statements): prepared once per pooled
connection and reused, off with DB_PREPARED_STATEMENTS=false, and what survives under a
running app: DISCARD ALL, a schema change, a killed server connection."""

import psycopg2
import pytest
import webtest

from assessment_service import create_app
from assessment_service.config import Config
from assessment_service.core.ids import new_id
from assessment_service.identity import sql as identity_sql
from assessment_service.platform.sql import fetch_all, fetch_one
from assessment_service.platform.statements import PreparingConnection, Statement, StatementInvalidated, _prepare
from helpers.api import API, answers, assessment_with_questions, single_choice, submit, true_false

# A statement of the tests' own, on a table of their own, with `select *` columns.
PROBE_TABLE = "prepared_statements_probe"
PROBE = Statement("probe_select_star", f"select * from {PROBE_TABLE} where id = %(id)s")

# What a submission runs prepared, besides the token lookup.
WRITE_PATH = {
    "assessment_with_enrollment_for_share",
    "lock_enrollment",
    "get_override",
    "attempt_ledger",
    "questions_of",
    "insert_submission_with_new_attempt",
    "insert_events",
    "lock_grades",
    "submissions_to_grade",
    "store_grades",
    "grade_of",
}
# Statements over an array of learners (one for a submission, a batch for the deadline and
# regrades): whether PostgreSQL keeps their generic plan (which counts 10 rows out of the
# array) depends on the tables' statistics; in the whole suite's database it re-plans these
# two on every run, so the test below does not hold them to it.
PLANNED_BY_STATISTICS = {"submissions_to_grade", "store_grades"}


def pooled_connections(app):
    """The idle connections of the app's pool (no request is running)."""
    return list(app.extensions["db"]._get_pool()._pool)


def server_statements(conn):
    """{server name: executions} of the statements prepared on `conn`'s session."""
    with conn.cursor() as cur:
        cur.execute("select name, generic_plans + custom_plans from pg_prepared_statements")
        rows = dict(cur.fetchall())
    conn.rollback()
    return rows


def base_name(server_name):
    return server_name.rsplit("_", 1)[0]


def runs(app):
    """{statement name: (copies prepared, executions)} over every pooled connection; each
    connection's own record agrees with its server session."""
    total = {}
    for conn in pooled_connections(app):
        on_server = server_statements(conn)
        assert {text.split(" ")[1] for text in conn.prepared.values()} == set(on_server)
        for server_name, executions in on_server.items():
            copies, count = total.get(base_name(server_name), (0, 0))
            total[base_name(server_name)] = (copies + 1, count + executions)
    return total


@pytest.fixture
def make_app(config):
    apps = []

    def make(**overrides):
        app = create_app(Config(**{**config.as_dict(), **overrides}))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["db"].close()


@pytest.fixture
def quiz(testapp, instructor, course, enroll, learner):
    """An assessment of two questions (up to 5 attempts) that `learner` is enrolled in."""
    assessment, questions = assessment_with_questions(
        testapp, instructor, course["id"], [true_false(), single_choice()], max_attempts=5, passing_score=50
    )
    enroll(course["id"], learner)
    return assessment, questions


def take(testapp, learner, quiz, status=201):
    """GET /users/me, the assessment, and a submission of right answers, as the learner."""
    assessment, questions = quiz
    assert testapp.get(f"{API}/users/me", headers=learner.headers, status=200).json["id"] == learner.id
    shown = testapp.get(f"{API}/assessments/{assessment['id']}", headers=learner.headers, status=200).json
    assert [question["id"] for question in shown["questions"]] == [question["id"] for question in questions]
    response = submit(testapp, learner, assessment["id"], answers(questions), status=status)
    if status == 201:
        assert (response.json["score"], response.json["passed"]) == (100, True)
    return response


def submission_count(db_conn, assessment_id):
    with db_conn.cursor() as cur:
        cur.execute("select count(*) from submissions where assessment_id = %s", (assessment_id,))
        return cur.fetchone()[0]


# ---------------------------------------------------------------- on, off


def test_hot_statements_are_prepared_on_first_use_and_reused(app, testapp, learner, quiz):
    take(testapp, learner, quiz)
    before = runs(app)
    assert WRITE_PATH | {"user_for_token", "assessment_with_questions"} <= set(before)
    # Prepared once per connection: no statement has two copies on one session.
    for conn in pooled_connections(app):
        names = [base_name(name) for name in server_statements(conn)]
        assert len(names) == len(set(names))

    for _ in range(3):
        testapp.get(f"{API}/users/me", headers=learner.headers, status=200)
    testapp.get(f"{API}/assessments/{quiz[0]['id']}", headers=learner.headers, status=200)
    after = runs(app)
    # The same prepared statements ran again: none prepared anew.
    assert after["user_for_token"] == (before["user_for_token"][0], before["user_for_token"][1] + 4)
    assert after["assessment_with_questions"] == (before["assessment_with_questions"][0], before["assessment_with_questions"][1] + 1)


def test_the_write_path_keeps_its_generic_plans(app, testapp, make_user, course, enroll, quiz):
    """PostgreSQL plans a prepared statement's first five runs for their parameters, then
    keeps one generic plan unless it looks costlier: none of a submission's statements
    should be planned on every run (grading.grades_sql.GRADE_OF says why one was)."""
    assessment, questions = quiz
    for _ in range(8):
        learner = make_user("learner")
        enroll(course["id"], learner)
        submit(testapp, learner, assessment["id"], answers(questions), status=201)
    planned_every_time = set()
    for conn in pooled_connections(app):
        with conn.cursor() as cur:
            cur.execute("select name, custom_plans from pg_prepared_statements where generic_plans + custom_plans >= 8")
            planned_every_time |= {base_name(name) for name, custom in cur.fetchall() if custom > 5}
        conn.rollback()
    assert planned_every_time & (WRITE_PATH - PLANNED_BY_STATISTICS) == set()


def test_off_runs_the_same_statements_as_text(make_app, learner, quiz, db_conn):
    app = make_app(DB_PREPARED_STATEMENTS=False)
    testapp = webtest.TestApp(app)
    take(testapp, learner, quiz)
    take(testapp, learner, quiz)
    assert submission_count(db_conn, quiz[0]["id"]) == 2
    connections = pooled_connections(app)
    assert connections
    for conn in connections:
        assert not isinstance(conn, PreparingConnection)
        assert server_statements(conn) == {}


def test_the_setting_is_read_from_the_environment(monkeypatch):
    assert Config().DB_PREPARED_STATEMENTS is True
    monkeypatch.setenv("DB_PREPARED_STATEMENTS", "false")
    assert Config().DB_PREPARED_STATEMENTS is False


def test_every_statement_of_the_service_prepares_on_the_schema(database_dsn):
    conn = psycopg2.connect(database_dsn, connection_factory=PreparingConnection)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for statement in Statement.registry.values():
                if statement is not PROBE:
                    assert _prepare(cur, statement).startswith(f"execute {statement.name}_"), statement
    finally:
        conn.close()


def test_placeholders_become_numbered_parameters():
    named = Statement("probe_named", "select %(a)s::int + %(b)s::int, %(a)s::int, '100%%'")
    assert named.prepare_body == "select $1::int + $2::int, $1::int, '100%'"
    assert named.arguments == ("%(a)s", "%(b)s")
    positional = Statement("probe_positional", "select %s::text, %s::int")
    assert (positional.prepare_body, positional.arguments) == ("select $1::text, $2::int", ("%s", "%s"))
    with pytest.raises(ValueError, match="not both"):
        Statement("probe_mixed", "select %s, %(a)s")
    with pytest.raises(ValueError, match="twice"):
        Statement("probe_named", "select 1")
    with pytest.raises(ValueError, match="lower-case"):
        Statement("Probe; drop", "select 1")


# ---------------------------------------------------------------- the server loses them


def discard_all(app):
    """Run DISCARD ALL on every idle pooled connection (as a pooler in front may); them."""
    connections = pooled_connections(app)
    for conn in connections:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("discard all")
        conn.autocommit = False
    return connections


def test_discard_all_between_requests_is_not_noticed(app, testapp, learner, quiz, db_conn):
    take(testapp, learner, quiz)
    for conn in discard_all(app):
        assert server_statements(conn) == {}

    # Every request's first statement (the token lookup) finds its statement gone, and is
    # prepared and run again: in autocommit (GET) and at a write transaction's start.
    take(testapp, learner, quiz)
    take(testapp, learner, quiz)
    assert submission_count(db_conn, quiz[0]["id"]) == 3
    assert all(copies == 1 for copies, _ in runs(app).values())


def test_discard_all_found_by_the_first_statement_prepared_anew(app, testapp, learner, quiz, db_conn):
    """After DISCARD ALL, a write whose first statement is prepared for the first time
    learns there that the others are gone, before their EXECUTE could fail mid-transaction."""
    take(testapp, learner, quiz)
    for conn in discard_all(app):
        conn.prepared.pop(identity_sql.USER_FOR_TOKEN)
    assessment, questions = quiz
    submit(testapp, learner, assessment["id"], answers(questions), status=201)
    assert submission_count(db_conn, assessment["id"]) == 2


def test_a_statement_lost_in_the_middle_of_a_transaction_is_503_and_nothing_kept(app, learner, db_conn):
    database = app.extensions["db"]
    conn = database.connect()
    try:
        token_hash = bytes(32)
        assert fetch_one(conn, identity_sql.USER_FOR_TOKEN, {"token_hash": token_hash}) is None
        conn.commit()
        course_id = new_id("crs")
        with conn.cursor() as cur:
            cur.execute("insert into courses (id, title) values (%s, 'Lost midway')", (course_id,))
            cur.execute("deallocate all")  # what a DISCARD ALL would leave, inside the transaction
        with pytest.raises(StatementInvalidated):
            fetch_one(conn, identity_sql.USER_FOR_TOKEN, {"token_hash": token_hash})
        conn.rollback()
        # Prepared again on next use.
        assert fetch_one(conn, identity_sql.USER_FOR_TOKEN, {"token_hash": token_hash}) is None
        conn.commit()
    finally:
        database.release(conn)
    with db_conn.cursor() as cur:
        cur.execute("select count(*) from courses where id = %s", (course_id,))
        assert cur.fetchone()[0] == 0


def test_a_killed_server_connection_is_replaced_with_its_statements(app, testapp, learner, quiz, db_conn):
    take(testapp, learner, quiz)
    pids = [conn.info.backend_pid for conn in pooled_connections(app)]
    with db_conn.cursor() as cur:
        cur.execute("select pg_terminate_backend(pid) from unnest(%s::int[]) as pid", (pids,))
    take(testapp, learner, quiz)
    take(testapp, learner, quiz)
    assert submission_count(db_conn, quiz[0]["id"]) == 3
    assert {conn.info.backend_pid for conn in pooled_connections(app)}.isdisjoint(pids)
    assert "user_for_token" in runs(app)


# ---------------------------------------------------------------- a schema change under a running app


@pytest.fixture
def altered(db_conn):
    """alter(sql, undo): run an ALTER TABLE now, and its undo at the end of the test."""
    undo = []

    def alter(statement, revert):
        with db_conn.cursor() as cur:
            cur.execute(statement)
        undo.append(revert)

    yield alter
    with db_conn.cursor() as cur:
        for statement in reversed(undo):
            cur.execute(statement)


def test_a_column_type_changed_under_reads_is_not_noticed(app, testapp, learner, quiz, altered):
    assessment, _ = quiz
    url = f"{API}/assessments/{assessment['id']}"
    first = testapp.get(url, headers=learner.headers, status=200).json
    altered("alter table questions alter column prompt type varchar(5000)", "alter table questions alter column prompt type text")
    # GETs run in autocommit: the stale plan is prepared again and the statement rerun.
    assert testapp.get(url, headers=learner.headers, status=200).json == first
    assert testapp.get(url, headers=learner.headers, status=200).json == first


def test_a_column_type_changed_in_the_middle_of_a_write_is_503_then_works(app, testapp, learner, quiz, altered, db_conn):
    assessment, questions = quiz
    take(testapp, learner, quiz)
    # The override is read after the enrollment lock: its plan goes stale mid-transaction.
    altered("alter table overrides alter column reason type varchar(1000)", "alter table overrides alter column reason type text")
    refused = submit(testapp, learner, assessment["id"], answers(questions), status=503)
    assert refused.json["error"]["code"] == "service_unavailable"
    assert refused.headers["Retry-After"] == "1"
    assert submission_count(db_conn, assessment["id"]) == 1
    # Its retry finds the statement prepared afresh.
    submit(testapp, learner, assessment["id"], answers(questions), status=201)
    submit(testapp, learner, assessment["id"], answers(questions), status=201)
    assert submission_count(db_conn, assessment["id"]) == 3


@pytest.fixture
def probe_table(db_conn):
    with db_conn.cursor() as cur:
        cur.execute(f"create table {PROBE_TABLE} (id int primary key, a text)")
        cur.execute(f"insert into {PROBE_TABLE} values (1, 'one')")
    yield
    with db_conn.cursor() as cur:
        cur.execute(f"drop table {PROBE_TABLE}")


def test_columns_added_and_dropped_under_a_select_star(app, probe_table, db_conn):
    database = app.extensions["db"]
    conn = database.connect()

    def alter(statement):
        with db_conn.cursor() as cur:
            cur.execute(statement)

    try:
        conn.autocommit = True
        assert fetch_one(conn, PROBE, {"id": 1}) == {"id": 1, "a": "one"}
        alter(f"alter table {PROBE_TABLE} add column b int default 2")
        assert fetch_one(conn, PROBE, {"id": 1}) == {"id": 1, "a": "one", "b": 2}
        alter(f"alter table {PROBE_TABLE} drop column a")
        assert fetch_all(conn, PROBE, {"id": 1}) == [{"id": 1, "b": 2}]

        # The first statement of a transaction: rolled back and run again.
        conn.autocommit = False
        alter(f"alter table {PROBE_TABLE} add column c text default 'c'")
        assert fetch_one(conn, PROBE, {"id": 1}) == {"id": 1, "b": 2, "c": "c"}
        conn.commit()

        # After other work in the transaction: refused, nothing kept, and fine after.
        alter(f"alter table {PROBE_TABLE} drop column b")
        with conn.cursor() as cur:
            cur.execute(f"insert into {PROBE_TABLE} (id) values (2)")
        with pytest.raises(StatementInvalidated):
            fetch_one(conn, PROBE, {"id": 1})
        conn.rollback()
        assert fetch_one(conn, PROBE, {"id": 2}) is None
        assert fetch_one(conn, PROBE, {"id": 1}) == {"id": 1, "c": "c"}
        conn.commit()
    finally:
        database.release(conn)
