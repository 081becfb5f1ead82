"""Timed attempts (contract section 9). Time is moved by rewriting expires_at in the
database, whose clock the service uses, so nothing sleeps."""

import pytest

from helpers.servers import concurrently, http


@pytest.fixture
def quiz(testapp, instructor, course, learner, enroll):
    """A timed (10 min) assessment with one true/false question; `learner` is enrolled."""

    def make(time_limit_minutes=10, max_attempts=None, on_expiry="submit_saved"):
        assessment = testapp.post_json(
            "/api/v1/assessments",
            {
                "course_id": course["id"],
                "title": "Timed quiz",
                "passing_score": 50,
                "time_limit_minutes": time_limit_minutes,
                "max_attempts": max_attempts,
                "on_expiry": on_expiry,
            },
            headers=instructor.headers,
            status=201,
        ).json
        question = testapp.post_json(
            f"/api/v1/assessments/{assessment['id']}/questions",
            {"type": "true_false", "prompt": "The sky is blue.", "correct_answer": True},
            headers=instructor.headers,
            status=201,
        ).json
        return assessment, question

    enroll(course["id"], learner)
    return make


def start(testapp, assessment, caller, status=201):
    return testapp.post(f"/api/v1/assessments/{assessment['id']}/attempts", headers=caller.headers, status=status).json


def submit(testapp, assessment, question, caller, attempt_id=None, status=201):
    body = {"answers": [{"question_id": question["id"], "answer": True}]}
    if attempt_id is not None:
        body["attempt_id"] = attempt_id
    return testapp.post_json(f"/api/v1/assessments/{assessment['id']}/submissions", body, headers=caller.headers, status=status).json


def move_deadline(db_conn, attempt_id, seconds_from_now):
    with db_conn.cursor() as cur:
        cur.execute(
            "update attempts set expires_at = now() + make_interval(secs => %s) where id = %s",
            (seconds_from_now, attempt_id),
        )


def stored_attempts(db_conn, assessment_id):
    with db_conn.cursor() as cur:
        cur.execute(
            "select attempt_number, status from attempts where assessment_id = %s order by attempt_number",
            (assessment_id,),
        )
        return cur.fetchall()


def submission_count(db_conn, assessment_id):
    with db_conn.cursor() as cur:
        cur.execute("select count(*) from submissions where assessment_id = %s", (assessment_id,))
        return cur.fetchone()[0]


def test_start_then_submit_in_time(testapp, quiz, learner, db_conn):
    assessment, question = quiz()
    attempt = start(testapp, assessment, learner)
    assert attempt["status"] == "in_progress"
    assert attempt["attempt_number"] == 1
    assert attempt["id"].startswith("att_")
    assert attempt["learner_id"] == learner.id and attempt["assessment_id"] == assessment["id"]
    with db_conn.cursor() as cur:
        cur.execute("select expires_at - started_at = interval '10 minutes' from attempts where id = %s", (attempt["id"],))
        assert cur.fetchone()[0] is True
    submission = submit(testapp, assessment, question, learner, attempt["id"])
    assert submission["attempt_id"] == attempt["id"] and submission["attempt_number"] == 1
    assert submission["score"] == 100
    shown = testapp.get(f"/api/v1/assessments/{assessment['id']}/attempts/{attempt['id']}", headers=learner.headers).json
    assert shown["status"] == "submitted" and shown["submitted_at"] is not None


def test_untimed_attempt_has_no_expiry(testapp, quiz, learner):
    assessment, _ = quiz(time_limit_minutes=None)
    attempt = start(testapp, assessment, learner)
    assert attempt["expires_at"] is None and attempt["status"] == "in_progress"


def test_second_start_returns_the_attempt_in_progress(testapp, quiz, learner, db_conn):
    assessment, _ = quiz()
    first = start(testapp, assessment, learner, status=201)
    again = start(testapp, assessment, learner, status=200)
    assert again == first
    assert stored_attempts(db_conn, assessment["id"]) == [(1, "in_progress")]


def test_timed_assessment_requires_attempt_id(testapp, quiz, learner, db_conn):
    assessment, question = quiz()
    error = submit(testapp, assessment, question, learner, status=422)["error"]
    assert error["code"] == "validation_failed" and "attempt_id" in error["details"]
    assert stored_attempts(db_conn, assessment["id"]) == []


def test_late_submission_past_grace_is_refused_and_counts(testapp, quiz, learner, db_conn):
    # What section 9 did at the deadline is now on_expiry "discard" (the deadline tests have "submit_saved").
    assessment, question = quiz(max_attempts=1, on_expiry="discard")
    attempt = start(testapp, assessment, learner)
    move_deadline(db_conn, attempt["id"], -31)  # default grace is 30 s
    error = submit(testapp, assessment, question, learner, attempt["id"], status=409)["error"]
    assert error["code"] == "attempt_expired"
    assert submission_count(db_conn, assessment["id"]) == 0
    shown = testapp.get(f"/api/v1/assessments/{assessment['id']}/attempts/{attempt['id']}", headers=learner.headers).json
    assert shown["status"] == "expired"
    # It still counts: with max_attempts = 1 there is no new attempt.
    limit = start(testapp, assessment, learner, status=403)["error"]
    assert limit["code"] == "attempt_limit_reached"
    assert limit["details"] == {"max_attempts": 1, "attempts_used": 1}


def test_submission_within_grace_is_accepted(testapp, quiz, learner, db_conn):
    assessment, question = quiz()
    attempt = start(testapp, assessment, learner)
    move_deadline(db_conn, attempt["id"], -20)  # past expires_at, inside the 30 s grace
    submission = submit(testapp, assessment, question, learner, attempt["id"])
    assert submission["attempt_id"] == attempt["id"]


def test_grace_is_configurable(app, testapp, quiz, learner, db_conn):
    app.config["ATTEMPT_GRACE_SECONDS"] = 0
    assessment, question = quiz()
    attempt = start(testapp, assessment, learner)
    move_deadline(db_conn, attempt["id"], -1)
    assert submit(testapp, assessment, question, learner, attempt["id"], status=409)["error"]["code"] == "attempt_expired"


def test_expired_attempt_lets_a_new_one_start(testapp, quiz, learner, db_conn):
    assessment, _ = quiz(max_attempts=2, on_expiry="discard")
    first = start(testapp, assessment, learner)
    move_deadline(db_conn, first["id"], -60)
    second = start(testapp, assessment, learner, status=201)
    assert second["attempt_number"] == 2
    assert stored_attempts(db_conn, assessment["id"]) == [(1, "expired"), (2, "in_progress")]


def test_submitting_a_submitted_attempt_again_is_409(testapp, quiz, learner, db_conn):
    assessment, question = quiz()
    attempt = start(testapp, assessment, learner)
    submit(testapp, assessment, question, learner, attempt["id"])
    assert submit(testapp, assessment, question, learner, attempt["id"], status=409)["error"]["code"] == "conflict"
    assert submission_count(db_conn, assessment["id"]) == 1


def test_attempt_of_another_learner_or_assessment_is_404(testapp, quiz, learner, make_user, enroll, course, db_conn):
    assessment, question = quiz()
    other_assessment, _ = quiz()
    other = make_user("learner")
    enroll(course["id"], other)
    theirs = start(testapp, assessment, other)
    mine_elsewhere = start(testapp, other_assessment, learner)
    assert submit(testapp, assessment, question, learner, theirs["id"], status=404)["error"]["code"] == "not_found"
    assert submit(testapp, assessment, question, learner, mine_elsewhere["id"], status=404)["error"]["code"] == "not_found"
    assert submission_count(db_conn, assessment["id"]) == 0


def test_started_attempt_counts_toward_max_attempts(testapp, quiz, learner):
    assessment, question = quiz(time_limit_minutes=None, max_attempts=1)
    start(testapp, assessment, learner)
    # The submission closes the attempt in progress instead of using a second one.
    submission = submit(testapp, assessment, question, learner)
    assert submission["attempt_number"] == 1
    error = submit(testapp, assessment, question, learner, status=403)["error"]
    assert error["details"] == {"max_attempts": 1, "attempts_used": 1}


def test_untimed_submissions_and_attempts_share_one_sequence(testapp, quiz, learner):
    assessment, question = quiz(time_limit_minutes=None)
    assert submit(testapp, assessment, question, learner)["attempt_number"] == 1
    assert start(testapp, assessment, learner)["attempt_number"] == 2
    assert submit(testapp, assessment, question, learner)["attempt_number"] == 2
    assert submit(testapp, assessment, question, learner)["attempt_number"] == 3


def test_who_may_start(testapp, quiz, admin, instructor, make_user, enroll, course):
    assessment, _ = quiz()
    assert start(testapp, assessment, admin, status=403)["error"]["code"] == "forbidden"
    assert start(testapp, assessment, instructor, status=403)["error"]["code"] == "forbidden"
    stranger = make_user("learner")
    assert start(testapp, assessment, stranger, status=403)["error"]["code"] == "not_enrolled"
    dropped = make_user("learner")
    enroll(course["id"], dropped, status="dropped")
    assert start(testapp, assessment, dropped, status=403)["error"]["code"] == "not_enrolled"
    testapp.post("/api/v1/assessments/asmnt_doesnotexist/attempts", headers=stranger.headers, status=404)


def test_assessment_without_questions_cannot_be_started(testapp, instructor, course, learner, enroll):
    enroll(course["id"], learner)
    assessment = testapp.post_json(
        "/api/v1/assessments", {"course_id": course["id"], "title": "Empty", "passing_score": 50}, headers=instructor.headers, status=201
    ).json
    assert start(testapp, assessment, learner, status=409)["error"]["code"] == "conflict"


def test_attempt_visibility(testapp, quiz, learner, make_user, enroll, course, instructor):
    assessment, _ = quiz()
    other = make_user("learner")
    enroll(course["id"], other)
    mine = start(testapp, assessment, learner)
    theirs = start(testapp, assessment, other)
    base = f"/api/v1/assessments/{assessment['id']}/attempts"
    testapp.get(f"{base}/{theirs['id']}", headers=learner.headers, status=404)
    listed = testapp.get(base, headers=learner.headers).json
    assert [a["id"] for a in listed["data"]] == [mine["id"]]
    assert testapp.get(f"{base}?learner_id={other.id}", headers=learner.headers).json["data"] == []
    everyone = testapp.get(base, headers=instructor.headers).json
    assert {a["id"] for a in everyone["data"]} == {mine["id"], theirs["id"]}
    only_other = testapp.get(f"{base}?learner_id={other.id}", headers=instructor.headers).json
    assert [a["id"] for a in only_other["data"]] == [theirs["id"]]
    assert testapp.get(f"{base}/{theirs['id']}", headers=instructor.headers).json["learner_id"] == other.id


def test_concurrent_starts_respect_max_attempts(live_server, testapp, quiz, learner, db_conn):
    """Ten simultaneous starts, three times over, each round after the last attempt expired:
    one attempt per round until max_attempts = 2 is used, then only refusals."""
    assessment, _ = quiz(max_attempts=2)
    url = f"{live_server.base_url}/api/v1/assessments/{assessment['id']}/attempts"
    rounds = []
    for _ in range(3):
        results = concurrently([lambda: http("POST", url, headers=learner.headers) for _ in range(10)])
        rounds.append(results)
        with db_conn.cursor() as cur:
            cur.execute("update attempts set expires_at = now() - interval '1 hour' where assessment_id = %s", (assessment["id"],))
    for results in rounds[:2]:
        statuses = sorted(status for status, _, _ in results)
        assert statuses == [200] * 9 + [201]
        assert len({body["id"] for _, body, _ in results}) == 1  # all got the same attempt
    assert [status for status, _, _ in rounds[2]] == [403] * 10
    assert {body["error"]["code"] for _, body, _ in rounds[2]} == {"attempt_limit_reached"}
    assert [number for number, _ in stored_attempts(db_conn, assessment["id"])] == [1, 2]


def test_times_are_one_instant_per_event(testapp, quiz, learner, db_conn):
    timed, question = quiz()
    attempt = start(testapp, timed, learner)
    submit(testapp, timed, question, learner, attempt["id"])
    untimed, other_question = quiz(time_limit_minutes=None)
    submit(testapp, untimed, other_question, learner)
    with db_conn.cursor() as cur:
        cur.execute(
            """
            select a.expires_at is null or a.expires_at - a.started_at = make_interval(mins => s.time_limit_minutes),
                   a.submitted_at = sub.submitted_at
            from attempts a
            join assessments s on s.id = a.assessment_id
            join submissions sub on sub.attempt_id = a.id
            """
        )
        assert cur.fetchall() == [(True, True), (True, True)]
