"""The retake limit under concurrency (contract section 6): simultaneous submissions through a
real gunicorn with 4 worker processes on one PostgreSQL store at most max_attempts
submissions, numbered 1..max_attempts without duplicates or gaps."""

import threading
from collections import Counter

import pytest

from helpers.api import answers, assessment_url, assessment_with_questions, true_false
from helpers.db import rows
from helpers.servers import concurrently, http

pytestmark = pytest.mark.slow

SIMULTANEOUS = 24
MAX_ATTEMPTS = 3


def post_all_at_once(live_server, requests):
    """POST every (assessment_id, caller, body) at the same moment; [(status, body)] in order."""
    barrier = threading.Barrier(len(requests))

    def call(assessment_id, caller, body):
        def go():
            barrier.wait(timeout=30)
            status, response, _ = http(
                "POST", live_server.base_url + assessment_url(assessment_id, "submissions"), body, headers=caller.headers
            )
            return status, response

        return go

    return concurrently([call(*request) for request in requests])


def quiz(testapp, instructor, course_id, title="Concurrent quiz"):
    return assessment_with_questions(
        testapp, instructor, course_id, [true_false(), true_false(correct_answer=False)], title=title, max_attempts=MAX_ATTEMPTS
    )


def assert_exactly_max_attempts(db_conn, outcomes, assessment_id, learner_id):
    """Of one learner's outcomes on one assessment: MAX_ATTEMPTS stored and numbered 1..N, the rest refused."""
    assert Counter(status for status, _ in outcomes) == {201: MAX_ATTEMPTS, 403: len(outcomes) - MAX_ATTEMPTS}
    created = [body for status, body in outcomes if status == 201]
    refused = [body["error"] for status, body in outcomes if status == 403]
    assert sorted(body["attempt_number"] for body in created) == list(range(1, MAX_ATTEMPTS + 1))
    assert {(body["assessment_id"], body["learner_id"]) for body in created} == {(assessment_id, learner_id)}
    assert all(error["code"] == "attempt_limit_reached" for error in refused)
    assert all(error["details"] == {"max_attempts": MAX_ATTEMPTS, "attempts_used": MAX_ATTEMPTS} for error in refused)

    stored = rows(
        db_conn,
        "select id, attempt_id, attempt_number from submissions where assessment_id = %s and learner_id = %s order by attempt_number",
        (assessment_id, learner_id),
    )
    assert sorted((body["id"], body["attempt_id"], body["attempt_number"]) for body in created) == sorted(stored)
    attempts = rows(
        db_conn,
        "select id, attempt_number, status from attempts where assessment_id = %s and learner_id = %s order by attempt_number",
        (assessment_id, learner_id),
    )
    assert [(number, status) for _, number, status in attempts] == [(n, "submitted") for n in range(1, MAX_ATTEMPTS + 1)]
    assert {attempt_id for attempt_id, _, _ in attempts} == {attempt_id for _, attempt_id, _ in stored}
    # Lists order by time: that order must be the attempt order too.
    in_time_order = rows(
        db_conn,
        "select attempt_number from submissions where assessment_id = %s and learner_id = %s order by submitted_at, id",
        (assessment_id, learner_id),
    )
    assert [number for (number,) in in_time_order] == list(range(1, MAX_ATTEMPTS + 1))


@pytest.mark.parametrize("round_number", range(5))
def test_one_learner_many_simultaneous_submissions(testapp, live_server, instructor, course, learner, enroll, db_conn, round_number):
    enroll(course["id"], learner)
    assessment, questions = quiz(testapp, instructor, course["id"])
    body = {"answers": answers(questions)}

    outcomes = post_all_at_once(live_server, [(assessment["id"], learner, body)] * SIMULTANEOUS)

    assert_exactly_max_attempts(db_conn, outcomes, assessment["id"], learner.id)
    assert rows(db_conn, "select count(*) from submissions") == [(MAX_ATTEMPTS,)]
    assert rows(db_conn, "select count(*) from attempts") == [(MAX_ATTEMPTS,)]


def test_two_learners_each_get_their_own_attempts(testapp, live_server, instructor, course, make_user, enroll, db_conn):
    one, two = make_user("learner"), make_user("learner")
    for student in (one, two):
        enroll(course["id"], student)
    assessment, questions = quiz(testapp, instructor, course["id"])
    body = {"answers": answers(questions)}
    callers = [one, two] * (SIMULTANEOUS // 2)

    outcomes = post_all_at_once(live_server, [(assessment["id"], caller, body) for caller in callers])

    for student in (one, two):
        mine = [outcome for caller, outcome in zip(callers, outcomes) if caller is student]
        assert_exactly_max_attempts(db_conn, mine, assessment["id"], student.id)
    assert rows(db_conn, "select count(*) from submissions") == [(2 * MAX_ATTEMPTS,)]


def test_one_learner_on_two_assessments_of_a_course(testapp, live_server, instructor, course, learner, enroll, db_conn):
    enroll(course["id"], learner)
    quizzes = [quiz(testapp, instructor, course["id"], title=f"Quiz {n}") for n in (1, 2)]
    requests = [(assessment["id"], learner, {"answers": answers(questions)}) for assessment, questions in quizzes] * (SIMULTANEOUS // 2)

    outcomes = post_all_at_once(live_server, requests)

    for assessment, _ in quizzes:
        mine = [outcome for request, outcome in zip(requests, outcomes) if request[0] == assessment["id"]]
        assert_exactly_max_attempts(db_conn, mine, assessment["id"], learner.id)
