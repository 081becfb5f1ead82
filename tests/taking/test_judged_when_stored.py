"""A submission is judged by the assessment, its questions and the learner's enrollment as
they are when it is stored (contract sections 6 and 9), however slowly its body arrives and
whatever changes while it does. Run against a real gunicorn: a request whose body is still
arriving (support.HeldRequest) is what a slow or malicious client makes."""

import threading
import time

import pytest

from helpers.api import API, answers, assessment_url, assessment_with_questions, true_false
from helpers.db import rows, value
from helpers.servers import HeldRequest, concurrently, http

pytestmark = pytest.mark.slow

# Long enough for the server to have read the request's head and started on it.
SETTLE = 0.3


def hold_submission(live_server, learner, assessment_id, body):
    held = HeldRequest(
        live_server.port, "POST", assessment_url(assessment_id, "submissions"), body, headers=[f"Authorization: Bearer {learner.token}"]
    )
    time.sleep(SETTLE)
    return held


def call(live_server, caller, method, path, body=None):
    return http(method, live_server.base_url + path, body, headers=caller.headers)


def test_lowering_max_attempts_while_a_body_is_in_flight_holds(testapp, live_server, instructor, course, learner, enroll, db_conn):
    enroll(course["id"], learner)
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false()], max_attempts=3)
    body = {"answers": answers(questions)}
    assert call(live_server, learner, "POST", assessment_url(assessment["id"], "submissions"), body)[0] == 201

    held = hold_submission(live_server, learner, assessment["id"], body)
    status, patched, _ = call(live_server, instructor, "PATCH", assessment_url(assessment["id"]), {"max_attempts": 1})
    assert (status, patched["max_attempts"]) == (200, 1)
    assert call(live_server, learner, "POST", assessment_url(assessment["id"], "submissions"), body)[0] == 403

    status, refused = held.finish()
    assert status == 403
    assert refused["error"]["code"] == "attempt_limit_reached"
    assert refused["error"]["details"] == {"max_attempts": 1, "attempts_used": 1}
    assert value(db_conn, "select count(*) from submissions where assessment_id = %s", (assessment["id"],)) == 1
    assert value(db_conn, "select count(*) from attempts where assessment_id = %s", (assessment["id"],)) == 1


@pytest.mark.parametrize("round_number", range(2))
def test_no_submission_stored_after_the_limit_was_lowered_exceeds_it(
    testapp, live_server, instructor, course, learner, enroll, db_conn, round_number
):
    enroll(course["id"], learner)
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false()], max_attempts=100)
    body = {"answers": answers(questions)}
    start = threading.Barrier(25)

    def keep_submitting():
        start.wait(timeout=30)
        return [call(live_server, learner, "POST", assessment_url(assessment["id"], "submissions"), body)[0] for _ in range(3)]

    def lower_the_limit():
        start.wait(timeout=30)
        time.sleep(0.05)  # some submissions in flight by now
        status, _, _ = call(live_server, instructor, "PATCH", assessment_url(assessment["id"]), {"max_attempts": 3})
        assert status == 200
        return value(db_conn, "select clock_timestamp()")

    *statuses, answered_at = concurrently([keep_submitting] * 24 + [lower_the_limit])

    assert {status for batch in statuses for status in batch} <= {201, 403}
    late = rows(
        db_conn,
        "select attempt_number from submissions where assessment_id = %s and submitted_at > %s",
        (assessment["id"], answered_at),
    )
    assert all(number <= 3 for (number,) in late), late


def test_a_question_deleted_while_a_body_is_in_flight_is_not_scored(testapp, live_server, instructor, course, learner, enroll, db_conn):
    enroll(course["id"], learner)
    assessment, (kept, deleted) = assessment_with_questions(testapp, instructor, course["id"], [true_false(points=1), true_false(points=3)])
    both = hold_submission(live_server, learner, assessment["id"], {"answers": answers([kept, deleted])})
    only_kept = hold_submission(live_server, learner, assessment["id"], {"answers": answers([kept])})
    status, _, _ = call(live_server, instructor, "DELETE", assessment_url(assessment["id"], "questions", deleted["id"]))
    assert status == 204

    status, refused = both.finish()
    assert status == 422
    assert refused["error"]["details"] == {"answers.1.question_id": ["Not a question of this assessment."]}
    status, scored = only_kept.finish()
    assert status == 201
    assert [result["question_id"] for result in scored["results"]] == [kept["id"]]
    assert (scored["points_possible"], scored["points_earned"], scored["score"]) == (1.0, 1.0, 100.0)
    assert rows(db_conn, "select points_possible from submissions where assessment_id = %s", (assessment["id"],)) == [(1,)]


def test_an_assessment_deleted_while_a_body_is_in_flight_is_404(testapp, live_server, instructor, course, learner, enroll, db_conn):
    enroll(course["id"], learner)
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false()])
    held = hold_submission(live_server, learner, assessment["id"], {"answers": answers(questions)})
    assert call(live_server, instructor, "DELETE", assessment_url(assessment["id"]))[0] == 204

    status, refused = held.finish()
    assert (status, refused["error"]["code"]) == (404, "not_found")
    assert value(db_conn, "select count(*) from attempts where assessment_id = %s", (assessment["id"],)) == 0


def test_a_learner_dropped_while_a_body_is_in_flight_cannot_submit(testapp, live_server, instructor, course, learner, enroll, db_conn):
    enrollment = enroll(course["id"], learner)
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false()])
    held = hold_submission(live_server, learner, assessment["id"], {"answers": answers(questions)})
    path = f"{API}/courses/{course['id']}/enrollments/{enrollment['id']}"
    assert call(live_server, instructor, "PATCH", path, {"status": "dropped"})[0] == 200

    status, refused = held.finish()
    assert (status, refused["error"]["code"]) == (403, "not_enrolled")
    assert value(db_conn, "select count(*) from submissions where assessment_id = %s", (assessment["id"],)) == 0


def test_the_deadline_is_judged_when_the_body_has_arrived(testapp, live_server, instructor, course, learner, enroll, db_conn):
    enroll(course["id"], learner)
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false()], time_limit_minutes=10)
    attempt = testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=201).json
    held = hold_submission(live_server, learner, assessment["id"], {"attempt_id": attempt["id"], "answers": answers(questions)})
    # The deadline (expires_at plus the 30 s grace) passes after the head arrived, before the body is in.
    with db_conn.cursor() as cur:
        cur.execute(
            "update attempts set expires_at = clock_timestamp() - interval '30.2 seconds', started_at = started_at - interval '10 minutes' where id = %s",
            (attempt["id"],),
        )

    status, refused = held.finish()
    assert (status, refused["error"]["code"]) == (409, "attempt_expired")
    # The deadline made the attempt's submission from its saved answers (none): not from this late body.
    deadline_made = rows(db_conn, "select id, finalized_by, points_earned from submissions where attempt_id = %s", (attempt["id"],))
    assert deadline_made == [(refused["error"]["details"]["submission_id"], "deadline", 0)]
    shown = testapp.get(assessment_url(assessment["id"], "attempts", attempt["id"]), headers=learner.headers).json
    assert shown["status"] == "submitted"


def test_a_body_still_arriving_holds_no_transaction_open(testapp, live_server, instructor, course, learner, enroll, db_conn):
    enroll(course["id"], learner)
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false()])
    held = hold_submission(live_server, learner, assessment["id"], {"answers": answers(questions)})

    open_transactions = value(
        db_conn,
        """
        select count(*)
        from pg_stat_activity
        where datname = current_database()
          and pid <> pg_backend_pid()
          and backend_type = 'client backend'  -- not autovacuum, which may be at work
          and xact_start is not null
        """,
    )
    assert open_transactions == 0
    assert held.finish()[0] == 201
