"""The deadline (contract section 14): an attempt whose time and grace are over is
finalized exactly once, whenever it is touched and by the worker, even when nobody calls.
Deadlines are passed by moving expires_at back in the database; workers are real processes."""

import threading
import time

import pytest

from helpers.api import assessment_url, assessment_with_questions, true_false
from helpers.db import rows, value
from helpers.servers import WorkerProcess, concurrently, http


@pytest.fixture
def timed(testapp, instructor, course, learner, enroll):
    """make(on_expiry=...): a timed assessment of two true/false questions (one point each)."""
    enroll(course["id"], learner)

    def make(**fields):
        return assessment_with_questions(
            testapp, instructor, course["id"], [true_false(), true_false(correct_answer=False)], time_limit_minutes=20, **fields
        )

    return make


def start(testapp, learner, assessment):
    return testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=201).json


def save(testapp, learner, assessment, attempt, items):
    testapp.patch_json(assessment_url(assessment["id"], "attempts", attempt["id"], "answers"), {"answers": items}, headers=learner.headers)


def pass_the_deadline(db_conn, *attempt_ids, seconds=31):
    with db_conn.cursor() as cur:
        cur.execute("update attempts set expires_at = now() - make_interval(secs => %s) where id = any(%s)", (seconds, list(attempt_ids)))


def submissions_of(db_conn, attempt_id):
    return rows(db_conn, "select id, finalized_by, points_earned from submissions where attempt_id = %s", (attempt_id,))


def wait_for(condition, timeout=20, message="condition"):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.05)
    return result


# ---------------------------------------------------------------- whenever it is touched


def test_reading_an_attempt_past_its_deadline_finalizes_it_from_its_saved_answers(testapp, timed, learner, db_conn):
    assessment, (first, _) = timed()
    attempt = start(testapp, learner, assessment)
    save(testapp, learner, assessment, attempt, [{"question_id": first["id"], "answer": True}])
    pass_the_deadline(db_conn, attempt["id"])

    shown = testapp.get(assessment_url(assessment["id"], "attempts", attempt["id"]), headers=learner.headers).json
    again = testapp.get(assessment_url(assessment["id"], "attempts", attempt["id"]), headers=learner.headers).json

    assert shown["status"] == again["status"] == "submitted"
    ((submission_id, by, points),) = submissions_of(db_conn, attempt["id"])
    assert (by, points) == ("deadline", 1)
    assert value(db_conn, "select ended_at = expires_at from attempts where id = %s", (attempt["id"],)) is True
    read = testapp.get(assessment_url(assessment["id"], "submissions", submission_id), headers=learner.headers).json
    assert (read["finalized_by"], read["score"]) == ("deadline", 50.0)


def test_with_discard_the_deadline_scores_nothing(testapp, timed, learner, db_conn):
    assessment, (first, _) = timed(on_expiry="discard")
    attempt = start(testapp, learner, assessment)
    save(testapp, learner, assessment, attempt, [{"question_id": first["id"], "answer": True}])
    pass_the_deadline(db_conn, attempt["id"])

    listed = testapp.get(assessment_url(assessment["id"], "attempts"), headers=learner.headers).json["data"]

    assert [item["status"] for item in listed] == ["expired"]
    assert submissions_of(db_conn, attempt["id"]) == []
    assert value(db_conn, "select status from attempts where id = %s", (attempt["id"],)) == "expired"


def test_a_late_submission_is_409_naming_the_deadlines_submission(testapp, timed, learner, db_conn):
    assessment, (first, second) = timed()
    attempt = start(testapp, learner, assessment)
    save(testapp, learner, assessment, attempt, [{"question_id": second["id"], "answer": False}])
    pass_the_deadline(db_conn, attempt["id"])
    late_body = {"attempt_id": attempt["id"], "answers": [{"question_id": first["id"], "answer": True}]}

    error = testapp.post_json(assessment_url(assessment["id"], "submissions"), late_body, headers=learner.headers, status=409).json["error"]
    again = testapp.post_json(assessment_url(assessment["id"], "submissions"), late_body, headers=learner.headers, status=409).json["error"]

    ((submission_id, by, points),) = submissions_of(db_conn, attempt["id"])
    assert error["code"] == again["code"] == "attempt_expired"
    assert error["details"]["submission_id"] == again["details"]["submission_id"] == submission_id
    assert (by, points) == ("deadline", 1)  # the saved answer only: the late one is not taken


def test_a_late_keyed_submission_keeps_the_deadlines_work_and_replays_nothing(testapp, timed, learner, db_conn):
    assessment, _ = timed()
    attempt = start(testapp, learner, assessment)
    pass_the_deadline(db_conn, attempt["id"])
    headers = {**learner.headers, "Idempotency-Key": "late-one"}
    body = {"attempt_id": attempt["id"], "answers": []}

    first = testapp.post_json(assessment_url(assessment["id"], "submissions"), body, headers=headers, status=409).json["error"]
    retry = testapp.post_json(assessment_url(assessment["id"], "submissions"), body, headers=headers, status=409).json["error"]

    assert first == retry
    assert len(submissions_of(db_conn, attempt["id"])) == 1
    assert value(db_conn, "select count(*) from idempotency_keys") == 0


def test_starting_again_after_the_deadline_finalizes_the_last_attempt_first(testapp, timed, learner, db_conn):
    assessment, _ = timed(max_attempts=2)
    attempt = start(testapp, learner, assessment)
    pass_the_deadline(db_conn, attempt["id"])

    second = start(testapp, learner, assessment)

    assert second["attempt_number"] == 2
    assert [by for _, by, _ in submissions_of(db_conn, attempt["id"])] == ["deadline"]
    limit = testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=200).json
    assert limit["id"] == second["id"]


def test_an_extension_moves_the_deadline_and_only_of_an_attempt_in_progress(testapp, timed, learner, instructor, db_conn):
    assessment, _ = timed()
    attempt = start(testapp, learner, assessment)
    url = assessment_url(assessment["id"], "attempts", attempt["id"], "extend")
    before = value(db_conn, "select expires_at from attempts where id = %s", (attempt["id"],))

    extended = testapp.post_json(url, {"minutes": 15}, headers=instructor.headers).json

    after = value(db_conn, "select expires_at from attempts where id = %s", (attempt["id"],))
    assert (after - before).total_seconds() == 900
    assert extended["expires_at"] != attempt["expires_at"]
    testapp.post_json(url, {"minutes": 15}, headers=learner.headers, status=403)
    for minutes in (0, 10_081, "5"):
        testapp.post_json(url, {"minutes": minutes}, headers=instructor.headers, status=422)

    pass_the_deadline(db_conn, attempt["id"])
    late = testapp.post_json(url, {"minutes": 15}, headers=instructor.headers, status=409).json["error"]
    assert late["code"] == "attempt_expired" and late["details"]["submission_id"]
    assert len(submissions_of(db_conn, attempt["id"])) == 1  # the deadline's, kept


def test_an_extension_past_the_window_lets_the_attempt_run_on(testapp, timed, learner, instructor, db_conn):
    assessment, (first, _) = timed()
    with db_conn.cursor() as cur:
        cur.execute("update assessments set available_until = now() + interval '60 seconds' where id = %s", (assessment["id"],))
    attempt = start(testapp, learner, assessment)
    testapp.post_json(assessment_url(assessment["id"], "attempts", attempt["id"], "extend"), {"minutes": 30}, headers=instructor.headers)
    with db_conn.cursor() as cur:  # the window has closed since; the attempt's own deadline has not come
        cur.execute("update assessments set available_until = now() - interval '1 second' where id = %s", (assessment["id"],))

    submitted = testapp.post_json(
        assessment_url(assessment["id"], "submissions"),
        {"attempt_id": attempt["id"], "answers": [{"question_id": first["id"], "answer": True}]},
        headers=learner.headers,
    ).json
    assert submitted["finalized_by"] == "learner"


# ---------------------------------------------------------------- the worker


@pytest.mark.slow
def test_the_worker_finalizes_what_nobody_touches(testapp, timed, learner, database_dsn, db_conn):
    assessment, (first, _) = timed()
    attempt = start(testapp, learner, assessment)
    save(testapp, learner, assessment, attempt, [{"question_id": first["id"], "answer": True}])
    worker = WorkerProcess(database_dsn)
    try:
        pass_the_deadline(db_conn, attempt["id"])
        wait_for(lambda: submissions_of(db_conn, attempt["id"]), message="the worker's submission")
    finally:
        assert worker.stop() == 0  # SIGTERM: a clean stop
    assert [(by, points) for _, by, points in submissions_of(db_conn, attempt["id"])] == [("deadline", 1)]


@pytest.mark.slow
def test_two_workers_and_late_learners_finalize_each_attempt_once(
    testapp, live_server, instructor, course, make_user, enroll, database_dsn, db_conn
):
    assessment, (first,) = assessment_with_questions(testapp, instructor, course["id"], [true_false()], time_limit_minutes=20)
    learners = [make_user("learner") for _ in range(12)]
    attempts = []
    for learner in learners:
        enroll(course["id"], learner)
        attempts.append(start(testapp, learner, assessment))
    workers = [WorkerProcess(database_dsn, idle_seconds=0.05) for _ in range(2)]
    url = live_server.base_url + assessment_url(assessment["id"], "submissions")
    go = threading.Barrier(len(learners))

    def late(learner, attempt):
        def submit():
            go.wait(timeout=30)
            return http(
                "POST",
                url,
                {"attempt_id": attempt["id"], "answers": [{"question_id": first["id"], "answer": True}]},
                headers=learner.headers,
            )

        return submit

    try:
        pass_the_deadline(db_conn, *[attempt["id"] for attempt in attempts])
        outcomes = concurrently([late(learner, attempt) for learner, attempt in zip(learners, attempts)])
        wait_for(
            lambda: (
                value(db_conn, "select count(*) from attempts where assessment_id = %s and status = 'in_progress'", (assessment["id"],))
                == 0
            ),
            message="every attempt finalized",
        )
    finally:
        for worker in workers:
            worker.stop()

    per_attempt = dict(
        rows(db_conn, "select attempt_id, count(*) from submissions where assessment_id = %s group by attempt_id", (assessment["id"],))
    )
    assert per_attempt == {attempt["id"]: 1 for attempt in attempts}
    assert {status for status, _, _ in outcomes} == {409}
    named = {body["error"]["details"]["submission_id"] for _, body, _ in outcomes}
    assert named == set(value(db_conn, "select array_agg(id) from submissions where assessment_id = %s", (assessment["id"],)))


@pytest.mark.slow
def test_a_worker_killed_mid_finalization_leaves_nothing_half_done(testapp, instructor, course, make_user, enroll, database_dsn, db_conn):
    import psycopg2

    assessment, _ = assessment_with_questions(testapp, instructor, course["id"], [true_false()], time_limit_minutes=20)
    pair = [make_user("learner") for _ in range(2)]
    attempts = {}
    for learner in pair:
        enroll(course["id"], learner)
        attempts[learner.id] = start(testapp, learner, assessment)["id"]
    # The worker takes the attempts in id order; the later one's learner row is held, so
    # storing its submission waits (a foreign key check) after the first one's was written.
    held_learner = max(attempts, key=attempts.get)
    holder = psycopg2.connect(database_dsn)
    try:
        with holder.cursor() as cur:
            cur.execute("select id from users where id = %s for update", (held_learner,))
        pass_the_deadline(db_conn, *attempts.values())
        worker = WorkerProcess(database_dsn)
        wait_for(
            lambda: value(db_conn, "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'"),
            message="the worker to wait in the middle of its transaction",
        )
        worker.kill()
        assert value(db_conn, "select count(*) from submissions where assessment_id = %s", (assessment["id"],)) == 0
        assert value(db_conn, "select count(*) from attempts where assessment_id = %s and status = 'in_progress'", (assessment["id"],)) == 2
    finally:
        holder.rollback()
        holder.close()

    successor = WorkerProcess(database_dsn)
    try:
        wait_for(
            lambda: value(db_conn, "select count(*) from submissions where assessment_id = %s", (assessment["id"],)) == 2,
            message="the next worker to finish",
        )
    finally:
        successor.stop()
    assert rows(db_conn, "select count(distinct attempt_id), count(*) from submissions where assessment_id = %s", (assessment["id"],)) == [
        (2, 2)
    ]
