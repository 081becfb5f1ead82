"""Assessments: create, list, read, change, delete (contract section 3)."""

import re
from decimal import Decimal

import pytest

from helpers.api import (
    API,
    TIMESTAMP,
    add_question,
    answers,
    assessment_url,
    assessment_with_questions,
    create_assessment,
    exact,
    numeric,
    patch_assessment,
    single_choice,
    submit,
    true_false,
)
from helpers.db import rows, value

FIELDS = {
    "id",
    "course_id",
    "title",
    "passing_score",
    "time_limit_minutes",
    "max_attempts",
    # Taking over time (contract section 14).
    "available_from",
    "available_until",
    "due_at",
    "cooldown_minutes",
    "on_expiry",
    # Grades and what learners see (contract section 15).
    "grading_method",
    "review",
    # The attempt's paper (contract section 13).
    "shuffle_questions",
    "shuffle_choices",
    "question_count",
    "points_possible",
    "created_at",
    "updated_at",
}


def post(testapp, caller, body, status):
    return testapp.post_json(f"{API}/assessments", body, headers=caller.headers, status=status)


def listed_ids(testapp, caller, query=""):
    body = testapp.get(f"{API}/assessments{query}", headers=caller.headers).json
    assert body["pagination"]["total"] == len(body["data"])
    return [item["id"] for item in body["data"]]


# ---------------------------------------------------------------- POST /assessments


def test_course_instructor_creates_an_assessment(testapp, instructor, course, db_conn):
    body = {"course_id": course["id"], "title": "Midterm", "passing_score": 70, "time_limit_minutes": 45, "max_attempts": 2}

    response = post(testapp, instructor, body, 201)

    assessment = exact(response)
    assert set(assessment) == FIELDS
    assert re.fullmatch(r"asmnt_[A-Za-z0-9]+", assessment["id"])
    assert {key: assessment[key] for key in body} == body
    assert (assessment["question_count"], assessment["points_possible"]) == (0, Decimal("0.00"))
    assert TIMESTAMP.match(assessment["created_at"]) and TIMESTAMP.match(assessment["updated_at"])
    assert response.headers["Location"].endswith(f"/api/v1/assessments/{assessment['id']}")
    assert response.content_type == "application/json"
    assert rows(db_conn, "select id, course_id, title, passing_score, time_limit_minutes, max_attempts from assessments") == [
        (assessment["id"], course["id"], "Midterm", 70, 45, 2)
    ]
    # The Location can be read back, and says the same (plus the empty question list).
    fetched = testapp.get(response.headers["Location"], headers=instructor.headers).json
    assert fetched == {**response.json, "questions": []}


def test_optional_fields_default_to_no_limit(testapp, admin, course, db_conn):
    assessment = post(testapp, admin, {"course_id": course["id"], "title": "Quiz", "passing_score": 1}, 201).json

    assert (assessment["time_limit_minutes"], assessment["max_attempts"]) == (None, None)
    assert rows(db_conn, "select time_limit_minutes, max_attempts from assessments") == [(None, None)]


def test_admin_creates_in_any_course_without_an_enrollment(testapp, admin, course, db_conn):
    assessment = post(testapp, admin, {"course_id": course["id"], "title": "Final", "passing_score": 100}, 201).json

    assert assessment["course_id"] == course["id"]
    assert value(db_conn, "select count(*) from enrollments where user_id = %s", (admin.id,)) == 0


def test_learner_may_not_create_even_when_enrolled(testapp, learner, course, enroll, db_conn):
    enroll(course["id"], learner)

    error = post(testapp, learner, {"course_id": course["id"], "title": "Mine", "passing_score": 50}, 403).json["error"]

    assert error["code"] == "forbidden"
    assert value(db_conn, "select count(*) from assessments") == 0


def test_a_course_the_instructor_cannot_read_is_answered_like_a_missing_one(testapp, course, make_user, db_conn):
    other = make_user("instructor")
    testapp.post_json(f"{API}/courses", {"title": "Their own"}, headers=other.headers, status=201)

    hidden = post(testapp, other, {"course_id": course["id"], "title": "Intruder", "passing_score": 50}, 422).json["error"]
    missing = post(testapp, other, {"course_id": "crs_doesnotexist", "title": "Intruder", "passing_score": 50}, 422).json["error"]

    assert hidden == missing  # nothing tells an outsider that the course exists
    assert (hidden["code"], list(hidden["details"])) == ("validation_failed", ["course_id"])
    assert value(db_conn, "select count(*) from assessments") == 0


def test_instructor_without_an_active_instructor_enrollment_cannot_create(testapp, course, make_user, enroll, db_conn):
    for status in ("dropped", "completed"):
        former = make_user("instructor")
        enroll(course["id"], former, role="instructor", status=status)

        error = post(testapp, former, {"course_id": course["id"], "title": "Late", "passing_score": 50}, 422).json["error"]

        assert list(error["details"]) == ["course_id"], status

    assert value(db_conn, "select count(*) from assessments") == 0


def test_unknown_course_is_a_validation_error(testapp, admin, db_conn):
    error = post(testapp, admin, {"course_id": "crs_doesnotexist", "title": "Orphan", "passing_score": 50}, 422).json["error"]

    assert error["code"] == "validation_failed"
    assert list(error["details"]) == ["course_id"]
    assert value(db_conn, "select count(*) from assessments") == 0


INVALID_NEW = [
    ({"title": "ab"}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": None}, "title"),
    ({"title": 123}, "title"),
    ({"passing_score": 0}, "passing_score"),
    ({"passing_score": 101}, "passing_score"),
    ({"passing_score": True}, "passing_score"),
    ({"passing_score": "70"}, "passing_score"),
    ({"passing_score": 70.5}, "passing_score"),
    ({"passing_score": 70.0}, "passing_score"),
    ({"passing_score": None}, "passing_score"),
    ({"time_limit_minutes": 0}, "time_limit_minutes"),
    ({"time_limit_minutes": -5}, "time_limit_minutes"),
    ({"time_limit_minutes": "30"}, "time_limit_minutes"),
    ({"max_attempts": 0}, "max_attempts"),
    ({"max_attempts": 1.5}, "max_attempts"),
    ({"max_attempts": False}, "max_attempts"),
    ({"course_id": "not-a-course"}, "course_id"),
    ({"course_id": None}, "course_id"),
    ({"question_count": 3}, "question_count"),
    ({"id": "asmnt_mine"}, "id"),
]


def test_invalid_fields_are_rejected(testapp, instructor, course, db_conn):
    # One test for the whole table: every case is independent (nothing is stored).
    for changes, field in INVALID_NEW:
        body = {"course_id": course["id"], "title": "Midterm", "passing_score": 70, **changes}

        error = post(testapp, instructor, body, 422).json["error"]

        assert error["code"] == "validation_failed", changes
        assert list(error["details"]) == [field], changes
    assert value(db_conn, "select count(*) from assessments") == 0


def test_required_fields(testapp, instructor, course, db_conn):
    for missing in ("course_id", "title", "passing_score"):
        body = {"course_id": course["id"], "title": "Midterm", "passing_score": 70}
        del body[missing]

        error = post(testapp, instructor, body, 422).json["error"]

        assert list(error["details"]) == [missing]
    assert value(db_conn, "select count(*) from assessments") == 0


def test_bounds_are_inclusive(testapp, instructor, course, db_conn):
    for title, passing_score in [("abc", 1), ("x" * 200, 100)]:
        assessment = post(testapp, instructor, {"course_id": course["id"], "title": title, "passing_score": passing_score}, 201).json

        assert (assessment["title"], assessment["passing_score"]) == (title, passing_score)
        assert rows(db_conn, "select title, passing_score from assessments where id = %s", (assessment["id"],)) == [(title, passing_score)]


# ---------------------------------------------------------------- GET /assessments


@pytest.fixture
def two_courses(testapp, admin, instructor, course):
    """course (by `instructor`) and another one by admin, each with two assessments."""
    other = testapp.post_json(f"{API}/courses", {"title": "Probability"}, headers=admin.headers, status=201).json
    ids = {
        course["id"]: [create_assessment(testapp, instructor, course["id"], title=f"Stats {n}")["id"] for n in range(2)],
        other["id"]: [create_assessment(testapp, admin, other["id"], title=f"Prob {n}")["id"] for n in range(2)],
    }
    return course["id"], other["id"], ids


def test_admin_lists_everything_and_filters_by_course(testapp, admin, two_courses):
    first, second, ids = two_courses

    assert listed_ids(testapp, admin) == ids[first] + ids[second]
    assert listed_ids(testapp, admin, f"?course_id={first}") == ids[first]
    assert listed_ids(testapp, admin, f"?course_id={second}") == ids[second]
    assert listed_ids(testapp, admin, "?course_id=crs_nosuchcourse") == []


def test_instructor_lists_only_courses_they_teach(testapp, instructor, two_courses):
    first, second, ids = two_courses

    assert listed_ids(testapp, instructor) == ids[first]
    assert listed_ids(testapp, instructor, f"?course_id={second}") == []


def test_learner_lists_the_courses_they_are_enrolled_in_whatever_the_status(testapp, make_user, enroll, two_courses):
    first, second, ids = two_courses
    for status in ("active", "completed", "dropped"):
        student = make_user("learner")
        enroll(second, student, status=status)

        assert listed_ids(testapp, student) == ids[second], status
        assert listed_ids(testapp, student, f"?course_id={first}") == []
    assert listed_ids(testapp, make_user("learner")) == []


def test_list_items_carry_their_question_totals(testapp, instructor, course):
    assessment, _ = assessment_with_questions(testapp, instructor, course["id"], [true_false(points=1.25), numeric(points=2)])
    empty = create_assessment(testapp, instructor, course["id"], title="Empty")

    body = exact(testapp.get(f"{API}/assessments", headers=instructor.headers))

    totals = {item["id"]: (item["question_count"], item["points_possible"]) for item in body["data"]}
    assert totals == {assessment["id"]: (2, Decimal("3.25")), empty["id"]: (0, Decimal("0.00"))}
    assert all(set(item) == FIELDS for item in body["data"])


def test_list_is_paginated(testapp, admin, course):
    ids = [create_assessment(testapp, admin, course["id"], title=f"Quiz {n}")["id"] for n in range(5)]

    first = testapp.get(f"{API}/assessments?per_page=2", headers=admin.headers)
    last = testapp.get(f"{API}/assessments?per_page=2&page=3", headers=admin.headers).json

    assert [item["id"] for item in first.json["data"]] == ids[:2]
    assert first.json["pagination"] == {"page": 1, "per_page": 2, "total": 5, "total_pages": 3}
    assert 'rel="next"' in first.headers["Link"]
    assert [item["id"] for item in last["data"]] == ids[4:]
    assert last["pagination"] == {"page": 3, "per_page": 2, "total": 5, "total_pages": 3}


def test_bad_list_parameters(testapp, admin):
    for query, name in [("?course_id=bogus", "course_id"), ("?per_page=0", "per_page"), ("?page=x", "page")]:
        error = testapp.get(f"{API}/assessments{query}", headers=admin.headers, status=400).json["error"]

        assert error["code"] == "invalid_parameter"
        assert list(error["details"]) == [name]


# ---------------------------------------------------------------- GET /assessments/{id}


def test_get_returns_questions_in_position_order_with_true_totals(testapp, instructor, course, db_conn):
    assessment = create_assessment(testapp, instructor, course["id"])
    last = add_question(testapp, instructor, assessment["id"], true_false(prompt="last", points=0.75)).json
    first = add_question(testapp, instructor, assessment["id"], single_choice(prompt="first", points=2, position=1)).json
    middle = add_question(testapp, instructor, assessment["id"], numeric(prompt="middle", position=2)).json

    body = exact(testapp.get(assessment_url(assessment["id"]), headers=instructor.headers))

    assert set(body) == FIELDS | {"questions"}
    assert [q["id"] for q in body["questions"]] == [first["id"], middle["id"], last["id"]]
    assert [q["position"] for q in body["questions"]] == [1, 2, 3]
    assert body["question_count"] == 3 == value(db_conn, "select count(*) from questions")
    assert body["points_possible"] == Decimal("3.75") == value(db_conn, "select sum(points) from questions")


def test_learner_reads_assessments_of_their_courses_only(testapp, instructor, course, make_user, enroll):
    assessment, _ = assessment_with_questions(testapp, instructor, course["id"])
    dropped, stranger = make_user("learner"), make_user("learner")
    enroll(course["id"], dropped, status="dropped")

    body = testapp.get(assessment_url(assessment["id"]), headers=dropped.headers).json
    error = testapp.get(assessment_url(assessment["id"]), headers=stranger.headers, status=404).json["error"]

    assert body["id"] == assessment["id"] and len(body["questions"]) == 5
    assert error["code"] == "not_found"


def test_unknown_assessment_is_not_found(testapp, admin):
    for path in ("asmnt_doesnotexist", "not-an-id"):
        assert testapp.get(f"{API}/assessments/{path}", headers=admin.headers, status=404).json["error"]["code"] == "not_found"


# ---------------------------------------------------------------- PATCH /assessments/{id}


def test_patch_answers_the_whole_updated_object(testapp, instructor, course, db_conn):
    assessment, _ = assessment_with_questions(testapp, instructor, course["id"], [true_false(points=4)])

    response = patch_assessment(testapp, instructor, assessment["id"], {"title": "Final exam", "passing_score": 55, "max_attempts": 3})

    body = exact(response)
    assert set(body) == FIELDS
    assert (body["title"], body["passing_score"], body["max_attempts"]) == ("Final exam", 55, 3)
    assert (body["course_id"], body["time_limit_minutes"], body["created_at"]) == (course["id"], None, assessment["created_at"])
    assert (body["question_count"], body["points_possible"]) == (1, Decimal("4.00"))
    assert body["updated_at"] >= assessment["updated_at"]
    assert rows(db_conn, "select title, passing_score, max_attempts from assessments") == [("Final exam", 55, 3)]


def test_patch_sets_and_clears_the_limits(testapp, instructor, course, db_conn):
    assessment = create_assessment(testapp, instructor, course["id"], time_limit_minutes=30, max_attempts=2)

    cleared = patch_assessment(testapp, instructor, assessment["id"], {"time_limit_minutes": None, "max_attempts": None}).json
    assert (cleared["time_limit_minutes"], cleared["max_attempts"]) == (None, None)
    assert rows(db_conn, "select time_limit_minutes, max_attempts from assessments") == [(None, None)]

    limited = patch_assessment(testapp, instructor, assessment["id"], {"max_attempts": 1}).json
    assert (limited["time_limit_minutes"], limited["max_attempts"]) == (None, 1)
    assert rows(db_conn, "select time_limit_minutes, max_attempts, title from assessments") == [(None, 1, "Midterm exam")]


def test_empty_patch_changes_nothing(testapp, admin, course, db_conn):
    assessment = create_assessment(testapp, admin, course["id"], max_attempts=4)

    body = patch_assessment(testapp, admin, assessment["id"], {}).json

    assert {k: body[k] for k in ("title", "passing_score", "max_attempts")} == {
        "title": "Midterm exam",
        "passing_score": 70,
        "max_attempts": 4,
    }
    assert rows(db_conn, "select title, passing_score, max_attempts from assessments") == [("Midterm exam", 70, 4)]


INVALID_PATCHES = [
    ({"course_id": "crs_elsewhere"}, "course_id"),
    ({"title": "ab"}, "title"),
    ({"passing_score": 0}, "passing_score"),
    ({"passing_score": None}, "passing_score"),
    ({"time_limit_minutes": 0}, "time_limit_minutes"),
    ({"max_attempts": 0}, "max_attempts"),
    ({"max_attempts": "2"}, "max_attempts"),
    ({"title": "Valid title", "max_attempts": -1}, "max_attempts"),  # all or nothing
]


def test_invalid_patch_is_rejected_and_changes_nothing(testapp, instructor, course, db_conn):
    assessment = create_assessment(testapp, instructor, course["id"], max_attempts=2)

    for changes, field in INVALID_PATCHES:
        error = patch_assessment(testapp, instructor, assessment["id"], changes, status=422).json["error"]

        assert list(error["details"]) == [field], changes
    assert rows(db_conn, "select course_id, title, passing_score, time_limit_minutes, max_attempts from assessments") == [
        (course["id"], "Midterm exam", 70, None, 2)
    ]


def test_learner_may_not_patch(testapp, instructor, learner, course, enroll, db_conn):
    assessment = create_assessment(testapp, instructor, course["id"])
    enroll(course["id"], learner)

    error = patch_assessment(testapp, learner, assessment["id"], {"max_attempts": 100}, status=403).json["error"]

    assert error["code"] == "forbidden"
    assert value(db_conn, "select max_attempts from assessments") is None


def test_other_instructor_gets_404_on_patch(testapp, instructor, course, make_user, db_conn):
    assessment = create_assessment(testapp, instructor, course["id"])

    patch_assessment(testapp, make_user("instructor"), assessment["id"], {"title": "Hijacked"}, status=404)

    assert value(db_conn, "select title from assessments") == "Midterm exam"


# ---------------------------------------------------------------- DELETE /assessments/{id}


def test_delete_removes_the_assessment_and_its_questions(testapp, instructor, course, db_conn):
    assessment, _ = assessment_with_questions(testapp, instructor, course["id"])
    kept = create_assessment(testapp, instructor, course["id"], title="Kept")

    response = testapp.delete(assessment_url(assessment["id"]), headers=instructor.headers, status=204)

    assert response.body == b""
    assert rows(db_conn, "select id from assessments") == [(kept["id"],)]
    assert value(db_conn, "select count(*) from questions") == 0
    testapp.get(assessment_url(assessment["id"]), headers=instructor.headers, status=404)


def test_delete_with_a_started_attempt_but_no_submission(testapp, instructor, learner, course, enroll, db_conn):
    assessment, _ = assessment_with_questions(testapp, instructor, course["id"], [true_false()])
    enroll(course["id"], learner)
    testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=201)

    testapp.delete(assessment_url(assessment["id"]), headers=instructor.headers, status=204)

    assert value(db_conn, "select count(*) from assessments") == 0
    assert value(db_conn, "select count(*) from attempts") == 0


def test_delete_is_refused_once_there_is_a_submission(testapp, instructor, learner, course, enroll, db_conn):
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"])
    enroll(course["id"], learner)
    submission = submit(testapp, learner, assessment["id"], answers(questions)).json

    error = testapp.delete(assessment_url(assessment["id"]), headers=instructor.headers, status=409).json["error"]

    assert error["code"] == "conflict"
    assert rows(db_conn, "select id from assessments") == [(assessment["id"],)]
    assert value(db_conn, "select count(*) from questions") == 5
    assert rows(db_conn, "select id from submissions") == [(submission["id"],)]
    assert value(db_conn, "select count(*) from attempts") == 1


def test_learner_may_not_delete(testapp, instructor, learner, course, enroll, db_conn):
    assessment = create_assessment(testapp, instructor, course["id"])
    enroll(course["id"], learner)

    assert testapp.delete(assessment_url(assessment["id"]), headers=learner.headers, status=403).json["error"]["code"] == "forbidden"
    assert value(db_conn, "select count(*) from assessments") == 1


def test_delete_unknown_assessment_is_not_found(testapp, admin):
    testapp.delete(f"{API}/assessments/asmnt_doesnotexist", headers=admin.headers, status=404)
