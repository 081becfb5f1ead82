"""The retake policy: max_attempts per learner and assessment (contract section 6)."""

import pytest

from helpers.api import answers, assessment_with_questions, patch_assessment, submit, true_false, wrong_answer
from helpers.db import stored_attempts, stored_submissions


@pytest.fixture
def enrolled(course, learner, enroll):
    enroll(course["id"], learner)
    return learner


def quiz(testapp, instructor, course, **fields):
    return assessment_with_questions(testapp, instructor, course["id"], [true_false(), true_false(correct_answer=False)], **fields)


def assert_limit_reached(response, max_attempts, attempts_used):
    error = response.json["error"]
    assert error["code"] == "attempt_limit_reached"
    assert error["details"] == {"max_attempts": max_attempts, "attempts_used": attempts_used}
    assert str(max_attempts) in error["message"]


def test_no_limit_means_unlimited(testapp, instructor, course, enrolled, db_conn):
    assessment, questions = quiz(testapp, instructor, course)
    assert assessment["max_attempts"] is None

    numbers = [submit(testapp, enrolled, assessment["id"], answers(questions)).json["attempt_number"] for _ in range(6)]

    assert numbers == [1, 2, 3, 4, 5, 6]
    assert stored_submissions(db_conn, assessment["id"]) == [(enrolled.id, n) for n in range(1, 7)]
    assert stored_attempts(db_conn, assessment["id"]) == [(enrolled.id, n, "submitted") for n in range(1, 7)]


def test_the_attempt_after_the_last_is_refused_and_nothing_is_stored(testapp, instructor, course, enrolled, db_conn):
    assessment, questions = quiz(testapp, instructor, course, max_attempts=2)
    first = submit(testapp, enrolled, assessment["id"], answers(questions, wrong_answer)).json
    second = submit(testapp, enrolled, assessment["id"], answers(questions)).json

    for _ in range(2):
        assert_limit_reached(submit(testapp, enrolled, assessment["id"], answers(questions), status=403), 2, 2)

    assert (first["attempt_number"], second["attempt_number"]) == (1, 2)
    assert stored_submissions(db_conn, assessment["id"]) == [(enrolled.id, 1), (enrolled.id, 2)]
    assert stored_attempts(db_conn, assessment["id"]) == [(enrolled.id, 1, "submitted"), (enrolled.id, 2, "submitted")]
    # The stored submissions are still there to read.
    listed = testapp.get(f"/api/v1/assessments/{assessment['id']}/submissions", headers=enrolled.headers).json["data"]
    assert [item["id"] for item in listed] == [first["id"], second["id"]]


def test_a_single_attempt(testapp, instructor, course, enrolled, db_conn):
    assessment, questions = quiz(testapp, instructor, course, max_attempts=1)

    submit(testapp, enrolled, assessment["id"], [])
    assert_limit_reached(submit(testapp, enrolled, assessment["id"], answers(questions), status=403), 1, 1)

    assert stored_submissions(db_conn, assessment["id"]) == [(enrolled.id, 1)]


def test_refused_submissions_use_no_attempt(testapp, instructor, course, enrolled, db_conn):
    assessment, questions = quiz(testapp, instructor, course, max_attempts=1)

    submit(testapp, enrolled, assessment["id"], [{"question_id": "qst_doesnotexist", "answer": True}], status=422)
    submit(testapp, enrolled, assessment["id"], [{"question_id": questions[0]["id"], "answer": "yes"}], status=422)
    assert stored_attempts(db_conn, assessment["id"]) == []

    assert submit(testapp, enrolled, assessment["id"], answers(questions)).json["attempt_number"] == 1
    assert stored_attempts(db_conn, assessment["id"]) == [(enrolled.id, 1, "submitted")]


def test_the_limit_is_per_learner_and_per_assessment(testapp, instructor, course, enrolled, make_user, enroll, db_conn):
    assessment, questions = quiz(testapp, instructor, course, max_attempts=1)
    other_assessment, other_questions = quiz(testapp, instructor, course, max_attempts=1, title="Another")
    classmate = make_user("learner")
    enroll(course["id"], classmate)

    submit(testapp, enrolled, assessment["id"], answers(questions))
    submit(testapp, enrolled, assessment["id"], answers(questions), status=403)

    assert submit(testapp, classmate, assessment["id"], answers(questions)).json["attempt_number"] == 1
    assert submit(testapp, enrolled, other_assessment["id"], answers(other_questions)).json["attempt_number"] == 1
    assert stored_submissions(db_conn, assessment["id"]) == sorted([(enrolled.id, 1), (classmate.id, 1)])
    assert stored_submissions(db_conn, other_assessment["id"]) == [(enrolled.id, 1)]


def test_lowering_the_limit_keeps_submissions_and_refuses_more(testapp, instructor, course, enrolled, db_conn):
    assessment, questions = quiz(testapp, instructor, course, max_attempts=5)
    ids = [submit(testapp, enrolled, assessment["id"], answers(questions)).json["id"] for _ in range(3)]

    assert patch_assessment(testapp, instructor, assessment["id"], {"max_attempts": 1}).json["max_attempts"] == 1

    assert_limit_reached(submit(testapp, enrolled, assessment["id"], answers(questions), status=403), 1, 3)
    assert stored_submissions(db_conn, assessment["id"]) == [(enrolled.id, n) for n in (1, 2, 3)]
    for submission_id in ids:
        testapp.get(f"/api/v1/assessments/{assessment['id']}/submissions/{submission_id}", headers=enrolled.headers)

    # Lowering to exactly what was used refuses too.
    patch_assessment(testapp, instructor, assessment["id"], {"max_attempts": 3})
    assert_limit_reached(submit(testapp, enrolled, assessment["id"], answers(questions), status=403), 3, 3)


def test_raising_the_limit_allows_more(testapp, instructor, course, enrolled, db_conn):
    assessment, questions = quiz(testapp, instructor, course, max_attempts=1)
    submit(testapp, enrolled, assessment["id"], answers(questions))
    submit(testapp, enrolled, assessment["id"], answers(questions), status=403)

    patch_assessment(testapp, instructor, assessment["id"], {"max_attempts": 3})
    numbers = [submit(testapp, enrolled, assessment["id"], answers(questions)).json["attempt_number"] for _ in range(2)]
    assert_limit_reached(submit(testapp, enrolled, assessment["id"], answers(questions), status=403), 3, 3)

    patch_assessment(testapp, instructor, assessment["id"], {"max_attempts": None})
    numbers.append(submit(testapp, enrolled, assessment["id"], answers(questions)).json["attempt_number"])

    assert numbers == [2, 3, 4]
    assert stored_submissions(db_conn, assessment["id"]) == [(enrolled.id, n) for n in (1, 2, 3, 4)]
    assert stored_attempts(db_conn, assessment["id"]) == [(enrolled.id, n, "submitted") for n in (1, 2, 3, 4)]


def test_enrollment_checks_come_before_the_limit(testapp, instructor, admin, course, enrolled, db_conn):
    assessment, questions = quiz(testapp, instructor, course, max_attempts=1)
    submit(testapp, enrolled, assessment["id"], answers(questions))
    (enrollment,) = [
        e
        for e in testapp.get(f"/api/v1/courses/{course['id']}/enrollments", headers=admin.headers).json["data"]
        if e["user_id"] == enrolled.id
    ]
    testapp.patch_json(f"/api/v1/courses/{course['id']}/enrollments/{enrollment['id']}", {"status": "completed"}, headers=admin.headers)

    error = submit(testapp, enrolled, assessment["id"], answers(questions), status=403).json["error"]

    assert error["code"] == "not_enrolled"
    assert stored_submissions(db_conn, assessment["id"]) == [(enrolled.id, 1)]
