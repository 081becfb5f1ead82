"""The worker process (`flask --app app worker`, contract section 18): it outlives the
database going away, stops on SIGTERM, and /metrics shows what it did. Real processes."""

import time
import urllib.request

import psycopg2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from assessment_service.config import PROJECT_ROOT
from assessment_service.platform import embedded
from assessment_service.platform.schema import apply_schema
from helpers.api import assessment_url, assessment_with_questions, true_false
from helpers.db import query, value
from helpers.servers import Gunicorn, WorkerProcess, embedded_pgdata
from helpers.users import new_user_at

pytestmark = pytest.mark.slow


def wait_for(condition, timeout=30, message="condition"):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.1)
    return result


def due_attempt(uri):
    """An attempt whose time and grace are over, on a database of its own (made in SQL)."""
    learner = new_user_at(uri, "learner")
    query(
        uri,
        """
        with course as (insert into courses (id, title) values ('crs_' || md5(random()::text), 'Worker course') returning id),
             enrollment as (insert into enrollments (id, course_id, user_id, role, status)
                            select 'enr_' || md5(random()::text), id, %(learner)s, 'learner', 'active' from course),
             assessment as (insert into assessments (id, course_id, title, passing_score, time_limit_minutes)
                            select 'asmnt_' || md5(random()::text), id, 'Worker quiz', 50, 10 from course returning id),
             question as (insert into questions (id, assessment_id, position, type, prompt, points, spec)
                          select 'qst_' || md5(random()::text), id, 1, 'true_false', 'Up?', 1, '{"correct_answer": true}' from assessment)
        insert into attempts (id, assessment_id, learner_id, attempt_number, status, started_at, expires_at)
        select 'att_' || md5(random()::text), id, %(learner)s, 1, 'in_progress', now() - interval '20 minutes', now() - interval '10 minutes'
        from assessment
        """,
        {"learner": learner.id},
    )
    return learner


def test_the_worker_outlives_the_database_going_away(database_dsn):
    with embedded_pgdata(prefix="pgw") as pgdata:
        uri = embedded.ensure_running(pgdata)
        conn = psycopg2.connect(uri)
        apply_schema(conn, PROJECT_ROOT / "schema.sql")
        conn.close()
        worker = WorkerProcess(uri, idle_seconds=0.1)
        try:
            embedded.stop(pgdata)
            time.sleep(2)  # a few rounds against no database: retried, not fatal
            assert worker.process.poll() is None
            embedded.ensure_running(pgdata)
            learner = due_attempt(uri)
            wait_for(
                lambda: query(uri, "select count(*) from submissions where learner_id = %s", (learner.id,))[0][0] == 1,
                message="a finalization once the database is back",
            )
        finally:
            assert worker.stop() == 0


def test_metrics_show_what_the_worker_did(database_dsn, testapp, instructor, course, learner, enroll, db_conn, tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    enroll(course["id"], learner)
    assessment, _ = assessment_with_questions(testapp, instructor, course["id"], [true_false()], time_limit_minutes=10)
    attempt = testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=201).json
    with db_conn.cursor() as cur:
        cur.execute("update attempts set expires_at = now() - interval '1 minute' where id = %s", (attempt["id"],))
    # The worker first: gunicorn, started after it, keeps the files of processes still alive.
    worker = WorkerProcess(database_dsn, extra_env=env)
    try:
        wait_for(
            lambda: value(db_conn, "select count(*) from submissions where attempt_id = %s", (attempt["id"],)), message="the finalization"
        )
        with Gunicorn(database_dsn, workers=1, extra_env=env) as server, urllib.request.urlopen(server.base_url + "/metrics") as response:
            exposition = response.read().decode()
    finally:
        worker.stop()
    found = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }
    assert found[("worker_finalizations_total", (("outcome", "submitted"),))] == 1
    assert found[("worker_work_total", (("job", "deadline"),))] == 1
    assert found[("worker_rounds_total", ())] >= 1
