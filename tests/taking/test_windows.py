"""Availability windows, due dates and the cooldown through the API (contract section 14).

Times are moved in the database, relative to its clock (the clock every rule uses); the
exact boundaries are pinned in test_policy.py. /policy is checked against what a start
then really does."""

import pytest

from helpers.api import API, answers, assessment_url, assessment_with_questions, true_false
from helpers.db import rows, value


@pytest.fixture
def quiz(testapp, instructor, course, learner, enroll):
    """make(**fields): an assessment with one true/false question; `learner` is enrolled."""
    enroll(course["id"], learner)

    def make(**fields):
        assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false()], **fields)
        return assessment, {"answers": answers(questions)}

    return make


def set_times(db_conn, assessment_id, **offsets):
    """Set assessment columns to the database's now() plus an offset in seconds."""
    with db_conn.cursor() as cur:
        for column, seconds in offsets.items():
            assert column in ("available_from", "available_until", "due_at")
            cur.execute(f"update assessments set {column} = now() + make_interval(secs => %s) where id = %s", (seconds, assessment_id))


def start(testapp, learner, assessment_id, status=201):
    return testapp.post(assessment_url(assessment_id, "attempts"), headers=learner.headers, status=status).json


def submit(testapp, learner, assessment_id, body, status=201):
    return testapp.post_json(assessment_url(assessment_id, "submissions"), body, headers=learner.headers, status=status).json


def policy(testapp, caller, assessment_id, learner_id=None):
    query = f"?learner_id={learner_id}" if learner_id else ""
    return testapp.get(assessment_url(assessment_id, "policy") + query, headers=caller.headers).json


def stored_count(db_conn, assessment_id):
    return value(db_conn, "select count(*) from attempts where assessment_id = %s", (assessment_id,))


def test_before_the_window_opens_nothing_starts_and_policy_says_so(testapp, quiz, learner, db_conn):
    assessment, body = quiz()
    set_times(db_conn, assessment["id"], available_from=5)
    stored_from = value(db_conn, "select available_from from assessments where id = %s", (assessment["id"],))

    said = policy(testapp, learner, assessment["id"])
    refused = start(testapp, learner, assessment["id"], status=403)["error"]
    refused_submission = submit(testapp, learner, assessment["id"], body, status=403)["error"]

    assert (said["can_start"], said["reason"]) == (False, "assessment_not_open")
    assert said["next_attempt_at"] == said["available_from"]
    assert refused["code"] == refused_submission["code"] == "assessment_not_open"
    assert refused["details"] == {"available_from": said["available_from"]}
    assert said["available_from"].startswith(stored_from.strftime("%Y-%m-%dT%H:%M:%S"))
    assert stored_count(db_conn, assessment["id"]) == 0

    set_times(db_conn, assessment["id"], available_from=-1)  # now open
    assert policy(testapp, learner, assessment["id"])["can_start"] is True
    assert start(testapp, learner, assessment["id"])["status"] == "in_progress"


def test_after_the_window_closes_nothing_starts(testapp, quiz, learner, db_conn):
    assessment, body = quiz()
    set_times(db_conn, assessment["id"], available_until=-1)

    assert policy(testapp, learner, assessment["id"])["reason"] == "assessment_closed"
    refused = start(testapp, learner, assessment["id"], status=403)["error"]
    assert refused["code"] == "assessment_closed" and set(refused["details"]) == {"available_until"}
    assert submit(testapp, learner, assessment["id"], body, status=403)["error"]["code"] == "assessment_closed"
    assert stored_count(db_conn, assessment["id"]) == 0


def test_an_attempt_expires_at_the_earlier_of_its_time_and_the_window(testapp, quiz, learner, db_conn):
    assessment, _ = quiz(time_limit_minutes=60)
    set_times(db_conn, assessment["id"], available_until=600)

    attempt = start(testapp, learner, assessment["id"])

    closes, expires = rows(
        db_conn,
        "select a.available_until, t.expires_at from attempts t join assessments a on a.id = t.assessment_id where t.id = %s",
        (attempt["id"],),
    )[0]
    assert expires == closes  # 60 minutes would be later

    other, _ = quiz(time_limit_minutes=1)
    set_times(db_conn, other["id"], available_until=600)
    short = start(testapp, learner, other["id"])
    assert rows(db_conn, "select expires_at - started_at from attempts where id = %s", (short["id"],))[0][0].total_seconds() == 60


def test_a_submission_after_the_due_date_is_late(testapp, quiz, learner, db_conn):
    on_time, body = quiz(max_attempts=None)
    set_times(db_conn, on_time["id"], due_at=60)
    assert submit(testapp, learner, on_time["id"], body)["late"] is False

    overdue, body = quiz()
    set_times(db_conn, overdue["id"], due_at=-1)
    late = submit(testapp, learner, overdue["id"], body)
    assert late["late"] is True
    assert value(db_conn, "select late from submissions where id = %s", (late["id"],)) is True


def test_the_window_and_due_date_must_make_sense(testapp, instructor, course):
    base = {"course_id": course["id"], "title": "Windowed", "passing_score": 50}
    for fields, field in [
        ({"available_from": "2026-12-02T10:00:00Z", "available_until": "2026-12-02T10:00:00Z"}, "available_until"),
        ({"available_from": "2026-12-02T10:00:00Z", "due_at": "2026-12-01T10:00:00Z"}, "due_at"),
        ({"available_until": "2026-12-02T10:00:00Z", "due_at": "2026-12-03T10:00:00Z"}, "due_at"),
        ({"available_from": "2026-12-02T10:00:00"}, "available_from"),  # no time zone
        ({"available_from": "tomorrow"}, "available_from"),
        ({"cooldown_minutes": 0}, "cooldown_minutes"),
        ({"on_expiry": "keep"}, "on_expiry"),
    ]:
        error = testapp.post_json(f"{API}/assessments", {**base, **fields}, headers=instructor.headers, status=422).json["error"]
        assert field in error["details"], fields
    created = testapp.post_json(
        f"{API}/assessments",
        {
            **base,
            "available_from": "2026-12-02T10:00:00+01:00",
            "available_until": "2026-12-09T10:00:00Z",
            "due_at": "2026-12-08T10:00:00Z",
        },
        headers=instructor.headers,
        status=201,
    ).json
    assert created["available_from"] == "2026-12-02T09:00:00.000Z"
    assert created["on_expiry"] == "submit_saved"
    # A PATCH is checked as the assessment will be: moving the end before the due date is 422.
    refused = testapp.patch_json(
        f"{API}/assessments/{created['id']}", {"available_until": "2026-12-05T10:00:00Z"}, headers=instructor.headers, status=422
    )
    assert "due_at" in refused.json["error"]["details"]


def test_the_cooldown_keeps_the_next_attempt_waiting(testapp, quiz, learner, db_conn):
    assessment, body = quiz(cooldown_minutes=10)
    first = submit(testapp, learner, assessment["id"], body)

    response = testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=403)
    error = response.json["error"]
    said = policy(testapp, learner, assessment["id"])

    assert error["code"] == "attempt_cooldown" == said["reason"]
    assert 599 <= int(response.headers["Retry-After"]) <= 600
    assert error["details"]["available_at"] == said["next_attempt_at"]
    assert submit(testapp, learner, assessment["id"], body, status=403)["error"]["code"] == "attempt_cooldown"
    assert stored_count(db_conn, assessment["id"]) == 1

    # Ten minutes later (the attempt's end moved back): the next one starts.
    with db_conn.cursor() as cur:
        cur.execute("update attempts set ended_at = ended_at - interval '10 minutes' where id = %s", (first["attempt_id"],))
    assert policy(testapp, learner, assessment["id"])["can_start"] is True
    assert start(testapp, learner, assessment["id"])["attempt_number"] == 2


@pytest.mark.parametrize(
    "fields, times, code",
    [
        ({}, {}, None),
        ({"max_attempts": 1}, {}, "attempt_limit_reached"),
        ({}, {"available_from": 30}, "assessment_not_open"),
        ({}, {"available_until": -1}, "assessment_closed"),
        ({"cooldown_minutes": 5}, {}, "attempt_cooldown"),
    ],
)
def test_the_policy_says_what_a_start_then_does(testapp, quiz, learner, instructor, db_conn, fields, times, code):
    assessment, body = quiz(**fields)
    if fields:
        submit(testapp, learner, assessment["id"], body)  # a first attempt, for the limit and the cooldown
    set_times(db_conn, assessment["id"], **times)

    said = policy(testapp, learner, assessment["id"])
    as_manager = policy(testapp, instructor, assessment["id"], learner_id=learner.id)
    response = testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, expect_errors=True)

    assert said == as_manager
    assert said["reason"] == code and said["can_start"] is (code is None)
    assert response.status_int == (201 if code is None else 403)
    assert (response.json["error"]["code"] if code else None) == code


def test_the_policy_shows_the_effective_figures(testapp, quiz, learner, instructor, enroll, course, db_conn):
    assessment, body = quiz(max_attempts=2, time_limit_minutes=20)
    submit_attempt = start(testapp, learner, assessment["id"])
    testapp.put_json(
        assessment_url(assessment["id"], "overrides", learner.id),
        {"extra_attempts": 1, "time_multiplier": 1.5},
        headers=instructor.headers,
        status=201,
    )

    said = policy(testapp, learner, assessment["id"])

    assert said == {
        "learner_id": learner.id,
        "max_attempts": 3,
        "attempts_used": 1,
        "attempts_remaining": 2,
        "time_limit_seconds": 1800,
        "available_from": None,
        "available_until": None,
        "due_at": None,
        "next_attempt_at": None,
        "can_start": True,  # a start returns the attempt in progress
        "reason": None,
    }
    assert start(testapp, learner, assessment["id"], status=200)["id"] == submit_attempt["id"]


def test_policy_is_the_callers_own_unless_they_manage(testapp, quiz, learner, make_user, enroll, course, instructor):
    assessment, _ = quiz()
    classmate = make_user("learner")
    enroll(course["id"], classmate)

    refused = testapp.get(assessment_url(assessment["id"], "policy") + f"?learner_id={learner.id}", headers=classmate.headers, status=404)
    assert refused.json["error"]["code"] == "not_found"
    missing = testapp.get(assessment_url(assessment["id"], "policy"), headers=instructor.headers, status=400).json["error"]
    assert missing["code"] == "invalid_parameter" and list(missing["details"]) == ["learner_id"]
    outsider = make_user("learner")
    testapp.get(assessment_url(assessment["id"], "policy") + f"?learner_id={outsider.id}", headers=instructor.headers, status=404)
