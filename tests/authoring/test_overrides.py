"""Accommodations (contract section 14): a learner's override of an assessment's settings,
the enrollment's standing time multiplier, and when each applies."""

import threading
import time
from collections import Counter

import pytest

from helpers.api import API, answers, assessment_url, assessment_with_questions, true_false
from helpers.db import rows, value
from helpers.servers import concurrently, http

OVERRIDE_FIELDS = {
    "id",
    "assessment_id",
    "learner_id",
    "extra_attempts",
    "extra_time_minutes",
    "time_multiplier",
    "available_from",
    "available_until",
    "due_at",
    "reason",
    "created_at",
    "updated_at",
}


@pytest.fixture
def quiz(testapp, instructor, course, learner, enroll):
    enroll(course["id"], learner)

    def make(**fields):
        assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false()], **fields)
        return assessment, {"answers": answers(questions)}

    return make


def override_url(assessment_id, learner_id=None):
    return assessment_url(assessment_id, "overrides", *([learner_id] if learner_id else []))


def put(testapp, caller, assessment_id, learner_id, body, status):
    return testapp.put_json(override_url(assessment_id, learner_id), body, headers=caller.headers, status=status).json


def test_an_override_is_created_then_replaced_whole(testapp, quiz, instructor, learner, db_conn):
    assessment, _ = quiz(max_attempts=1)

    first = put(testapp, instructor, assessment["id"], learner.id, {"extra_attempts": 2, "time_multiplier": 1.25, "reason": "ADA"}, 201)
    replaced = put(testapp, instructor, assessment["id"], learner.id, {"extra_time_minutes": 30}, 200)

    assert set(first) == OVERRIDE_FIELDS and first["id"].startswith("ovr_")
    assert (first["extra_attempts"], first["time_multiplier"], first["reason"]) == (2, 1.25, "ADA")
    assert replaced["id"] == first["id"]
    # PUT replaces the whole override: what the second body left out is gone.
    assert (replaced["extra_attempts"], replaced["time_multiplier"], replaced["extra_time_minutes"], replaced["reason"]) == (
        0,
        None,
        30,
        None,
    )
    assert rows(db_conn, "select extra_attempts, extra_time_minutes from overrides") == [(0, 30)]
    shown = testapp.get(override_url(assessment["id"], learner.id), headers=learner.headers).json
    assert shown == replaced
    listed = testapp.get(override_url(assessment["id"]), headers=instructor.headers).json
    assert [item["id"] for item in listed["data"]] == [first["id"]] and listed["pagination"]["total"] == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"extra_time_minutes": 10, "time_multiplier": 1.5}, "time_multiplier"),
        ({"time_multiplier": 0.5}, "time_multiplier"),
        ({"time_multiplier": 5.01}, "time_multiplier"),
        ({"time_multiplier": 1.255}, "time_multiplier"),
        ({"extra_time_minutes": 10_081}, "extra_time_minutes"),
        ({"extra_attempts": 1001}, "extra_attempts"),
        ({"extra_attempts": -1}, "extra_attempts"),
        ({"reason": "x" * 501}, "reason"),
        ({"available_from": "2026-12-10T00:00:00Z", "available_until": "2026-12-09T00:00:00Z"}, "available_until"),
        ({"due_at": "2099-01-01T00:00:00Z", "available_until": "2098-01-01T00:00:00Z"}, "due_at"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_invalid_overrides_are_422_and_store_nothing(testapp, quiz, instructor, learner, db_conn, body, field):
    assessment, _ = quiz()
    error = put(testapp, instructor, assessment["id"], learner.id, body, 422)["error"]
    assert field in error["details"]
    assert value(db_conn, "select count(*) from overrides") == 0


def test_the_learners_window_is_checked_against_the_assessments(testapp, quiz, instructor, learner, db_conn):
    assessment, _ = quiz()
    testapp.patch_json(assessment_url(assessment["id"]), {"available_until": "2099-01-01T00:00:00Z"}, headers=instructor.headers)
    # A due date of the override's past the assessment's own window end: 422.
    error = put(testapp, instructor, assessment["id"], learner.id, {"due_at": "2099-06-01T00:00:00Z"}, 422)["error"]
    assert "due_at" in error["details"]
    put(
        testapp,
        instructor,
        assessment["id"],
        learner.id,
        {"due_at": "2099-06-01T00:00:00Z", "available_until": "2099-12-01T00:00:00Z"},
        201,
    )


def test_only_a_learner_of_the_course_gets_an_override(testapp, quiz, instructor, make_user, db_conn):
    assessment, _ = quiz()
    stranger = make_user("learner")
    for user_id in (stranger.id, instructor.id, "usr_000000000000000000000000"):
        error = put(testapp, instructor, assessment["id"], user_id, {"extra_attempts": 1}, 422)["error"]
        assert list(error["details"]) == ["learner_id"]
    assert value(db_conn, "select count(*) from overrides") == 0


def test_who_reads_and_changes_overrides(testapp, quiz, instructor, learner, make_user, enroll, course, db_conn):
    assessment, _ = quiz()
    classmate = make_user("learner")
    enroll(course["id"], classmate)
    put(testapp, instructor, assessment["id"], learner.id, {"extra_attempts": 1}, 201)

    put(testapp, learner, assessment["id"], learner.id, {"extra_attempts": 9}, 403)
    testapp.get(override_url(assessment["id"], learner.id), headers=classmate.headers, status=404)
    testapp.get(override_url(assessment["id"]), headers=learner.headers, status=403)
    testapp.delete(override_url(assessment["id"], learner.id), headers=learner.headers, status=403)
    assert value(db_conn, "select extra_attempts from overrides") == 1

    testapp.delete(override_url(assessment["id"], learner.id), headers=instructor.headers, status=204)
    testapp.delete(override_url(assessment["id"], learner.id), headers=instructor.headers, status=404)
    testapp.get(override_url(assessment["id"], learner.id), headers=learner.headers, status=404)


def test_extra_attempts_apply_at_once(testapp, quiz, instructor, learner, db_conn):
    assessment, body = quiz(max_attempts=1)
    testapp.post_json(assessment_url(assessment["id"], "submissions"), body, headers=learner.headers, status=201)
    limit = testapp.post_json(assessment_url(assessment["id"], "submissions"), body, headers=learner.headers, status=403).json["error"]
    assert limit["details"] == {"max_attempts": 1, "attempts_used": 1}

    put(testapp, instructor, assessment["id"], learner.id, {"extra_attempts": 1}, 201)

    assert testapp.post_json(assessment_url(assessment["id"], "submissions"), body, headers=learner.headers).json["attempt_number"] == 2
    limit = testapp.post_json(assessment_url(assessment["id"], "submissions"), body, headers=learner.headers, status=403).json["error"]
    assert limit["details"] == {"max_attempts": 2, "attempts_used": 2}


def expiry_seconds(db_conn, attempt_id):
    return rows(db_conn, "select extract(epoch from expires_at - started_at) from attempts where id = %s", (attempt_id,))[0][0]


def test_time_settings_apply_to_attempts_started_after_them(testapp, quiz, instructor, learner, course, db_conn):
    assessment, body = quiz(time_limit_minutes=10)
    enrollment_id = value(db_conn, "select id from enrollments where user_id = %s and course_id = %s", (learner.id, course["id"]))
    first = testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=201).json

    # The enrollment's standing multiplier, then an override's own time: neither moves the attempt in progress.
    testapp.patch_json(f"{API}/courses/{course['id']}/enrollments/{enrollment_id}", {"time_multiplier": 1.5}, headers=instructor.headers)
    put(testapp, instructor, assessment["id"], learner.id, {"extra_time_minutes": 4}, 201)
    assert expiry_seconds(db_conn, first["id"]) == 600

    testapp.post_json(assessment_url(assessment["id"], "submissions"), {**body, "attempt_id": first["id"]}, headers=learner.headers)
    second = testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=201).json
    assert expiry_seconds(db_conn, second["id"]) == 600 + 240  # the override's time wins over the multiplier

    testapp.delete(override_url(assessment["id"], learner.id), headers=instructor.headers, status=204)
    testapp.post_json(assessment_url(assessment["id"], "submissions"), {**body, "attempt_id": second["id"]}, headers=learner.headers)
    third = testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=201).json
    assert expiry_seconds(db_conn, third["id"]) == 900  # the enrollment's 1.5


def test_a_time_multiplier_is_for_learners_enrollments(testapp, instructor, course, db_conn):
    enrollment_id = value(db_conn, "select id from enrollments where user_id = %s", (instructor.id,))
    error = testapp.patch_json(
        f"{API}/courses/{course['id']}/enrollments/{enrollment_id}", {"time_multiplier": 2}, headers=instructor.headers, status=422
    ).json["error"]
    assert list(error["details"]) == ["time_multiplier"]


# ---------------------------------------------------------------- under concurrency


@pytest.mark.slow
def test_simultaneous_starts_and_submissions_store_exactly_the_effective_limit(testapp, live_server, quiz, instructor, learner, db_conn):
    assessment, body = quiz(max_attempts=2)
    put(testapp, instructor, assessment["id"], learner.id, {"extra_attempts": 1}, 201)
    start = threading.Barrier(24)
    url = live_server.base_url + assessment_url(assessment["id"], "submissions")

    def submit_at_once():
        start.wait(timeout=30)
        return http("POST", url, body, headers=learner.headers)[0]

    statuses = concurrently([submit_at_once] * 24)

    assert Counter(statuses) == {201: 3, 403: 21}
    assert rows(db_conn, "select attempt_number from submissions order by attempt_number") == [(1,), (2,), (3,)]


@pytest.mark.slow
@pytest.mark.parametrize("round_number", range(2))
def test_no_start_stored_after_an_override_change_was_answered_disobeys_it(
    testapp, live_server, quiz, instructor, learner, db_conn, round_number
):
    assessment, body = quiz(max_attempts=1)
    put(testapp, instructor, assessment["id"], learner.id, {"extra_attempts": 100}, 201)
    url = live_server.base_url + assessment_url(assessment["id"], "submissions")
    start = threading.Barrier(17)

    def keep_submitting():
        start.wait(timeout=30)
        return [http("POST", url, body, headers=learner.headers)[0] for _ in range(3)]

    def take_the_extra_attempts_back():
        start.wait(timeout=30)
        time.sleep(0.05)
        status, _, _ = http(
            "PUT", live_server.base_url + override_url(assessment["id"], learner.id), {"extra_attempts": 2}, headers=instructor.headers
        )
        assert status == 200
        return value(db_conn, "select clock_timestamp()")

    *_, answered_at = concurrently([keep_submitting] * 16 + [take_the_extra_attempts_back])

    late = rows(
        db_conn, "select attempt_number from submissions where assessment_id = %s and submitted_at > %s", (assessment["id"], answered_at)
    )
    assert all(number <= 3 for (number,) in late), late
