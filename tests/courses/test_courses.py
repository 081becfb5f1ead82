"""Courses: creation, and who sees which (contract sections 1 and 2)."""

import re

import pytest

from helpers.api import TIMESTAMP
from helpers.db import rows


def create_course(testapp, caller, title="Linear Algebra"):
    return testapp.post_json("/api/v1/courses", {"title": title}, headers=caller.headers, status=201).json


def course_ids(testapp, caller):
    body = testapp.get("/api/v1/courses", headers=caller.headers).json
    assert body["pagination"]["total"] == len(body["data"])
    return [course["id"] for course in body["data"]]


# ---------------------------------------------------------------- POST /courses


def test_admin_creates_a_course(testapp, admin, db_conn):
    response = testapp.post_json("/api/v1/courses", {"title": "Linear Algebra"}, headers=admin.headers, status=201)

    course = response.json
    assert set(course) == {"id", "title", "created_at"}
    assert re.fullmatch(r"crs_[A-Za-z0-9]+", course["id"])
    assert course["title"] == "Linear Algebra"
    assert TIMESTAMP.match(course["created_at"])
    assert response.headers["Location"].endswith(f"/api/v1/courses/{course['id']}")
    assert response.content_type == "application/json"
    assert rows(db_conn, "select id, title from courses") == [(course["id"], "Linear Algebra")]
    # An admin needs no enrollment to manage a course, and gets none.
    assert rows(db_conn, "select count(*) from enrollments") == [(0,)]


def test_location_of_a_new_course_can_be_read(testapp, instructor):
    response = testapp.post_json("/api/v1/courses", {"title": "Topology"}, headers=instructor.headers, status=201)

    assert testapp.get(response.headers["Location"], headers=instructor.headers).json == response.json


def test_instructor_creating_a_course_becomes_its_active_instructor(testapp, instructor, db_conn):
    course = create_course(testapp, instructor)

    enrollments = rows(db_conn, "select course_id, user_id, role, status from enrollments")
    assert enrollments == [(course["id"], instructor.id, "instructor", "active")]
    assert course_ids(testapp, instructor) == [course["id"]]


def test_learner_cannot_create_courses(testapp, learner, db_conn):
    body = testapp.post_json("/api/v1/courses", {"title": "Linear Algebra"}, headers=learner.headers, status=403).json

    assert body["error"]["code"] == "forbidden"
    assert rows(db_conn, "select count(*) from courses") == [(0,)]


@pytest.mark.parametrize("title", ["abc", "x" * 200, "Ünï", "\U0001f600" * 3])
def test_title_of_3_to_200_characters_is_accepted(testapp, admin, db_conn, title):
    course = create_course(testapp, admin, title)

    assert course["title"] == title
    assert rows(db_conn, "select title from courses where id = %s", (course["id"],)) == [(title,)]


@pytest.mark.parametrize("title", ["ab", "", "x" * 201, "\U0001f600" * 201, None, 123, ["Algebra"]])
def test_invalid_title_is_rejected(testapp, instructor, db_conn, title):
    error = testapp.post_json("/api/v1/courses", {"title": title}, headers=instructor.headers, status=422).json["error"]

    assert error["code"] == "validation_failed"
    assert list(error["details"]) == ["title"]
    assert rows(db_conn, "select count(*) from courses") == [(0,)]
    assert rows(db_conn, "select count(*) from enrollments") == [(0,)]


def test_title_length_message_names_the_bounds(testapp, admin):
    error = testapp.post_json("/api/v1/courses", {"title": "ab"}, headers=admin.headers, status=422).json["error"]

    assert error["details"] == {"title": ["Length must be between 3 and 200."]}


def test_missing_title_and_unknown_fields_are_rejected(testapp, admin, db_conn):
    missing = testapp.post_json("/api/v1/courses", {}, headers=admin.headers, status=422).json["error"]
    unknown = testapp.post_json("/api/v1/courses", {"title": "Algebra", "id": "crs_mine"}, headers=admin.headers, status=422).json["error"]

    assert list(missing["details"]) == ["title"]
    assert list(unknown["details"]) == ["id"]
    assert rows(db_conn, "select count(*) from courses") == [(0,)]


# ---------------------------------------------------------------- who sees which course


@pytest.fixture
def three_courses(testapp, admin):
    return [create_course(testapp, admin, f"Course {n}")["id"] for n in range(3)]


def test_admin_sees_every_course(testapp, admin, instructor, three_courses):
    own = create_course(testapp, instructor)["id"]

    assert course_ids(testapp, admin) == three_courses + [own]


def test_instructor_sees_only_courses_with_an_active_instructor_enrollment(testapp, admin, make_user, enroll, three_courses):
    teacher = make_user("instructor")
    first, second, third = three_courses
    enroll(first, teacher, role="instructor")
    enroll(second, teacher, role="instructor", status="dropped")
    enroll(third, teacher, role="instructor", status="completed")
    own = create_course(testapp, teacher)["id"]

    assert course_ids(testapp, teacher) == [first, own]
    testapp.get(f"/api/v1/courses/{first}", headers=teacher.headers, status=200)
    for unreadable in (second, third):
        body = testapp.get(f"/api/v1/courses/{unreadable}", headers=teacher.headers, status=404).json
        assert body["error"]["code"] == "not_found"


def test_learner_sees_courses_of_any_enrollment_status(testapp, make_user, enroll, three_courses, admin):
    student = make_user("learner")
    first, second, third = three_courses
    enroll(first, student, status="active")
    enroll(second, student, status="dropped")
    enroll(third, student, status="completed")
    create_course(testapp, admin, "Not enrolled")

    assert course_ids(testapp, student) == three_courses
    for course_id in three_courses:
        assert testapp.get(f"/api/v1/courses/{course_id}", headers=student.headers).json["id"] == course_id


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_unenrolled_user_sees_no_course(testapp, make_user, three_courses, role):
    caller = make_user(role)

    body = testapp.get("/api/v1/courses", headers=caller.headers).json

    assert body["data"] == []
    assert body["pagination"]["total"] == 0
    for course_id in three_courses:
        assert testapp.get(f"/api/v1/courses/{course_id}", headers=caller.headers, status=404).json["error"]["code"] == "not_found"


def test_another_instructors_course_is_invisible(testapp, instructor, make_user):
    course = create_course(testapp, instructor)
    other = make_user("instructor")

    assert course_ids(testapp, other) == []
    testapp.get(f"/api/v1/courses/{course['id']}", headers=other.headers, status=404)


def test_learners_enrolled_elsewhere_do_not_see_this_course(testapp, make_user, enroll, three_courses):
    one, other = make_user("learner"), make_user("learner")
    enroll(three_courses[0], one)
    enroll(three_courses[1], other)

    assert course_ids(testapp, one) == [three_courses[0]]
    assert course_ids(testapp, other) == [three_courses[1]]


# ---------------------------------------------------------------- GET /courses/{id}


def test_readable_course_is_returned(testapp, admin, course):
    body = testapp.get(f"/api/v1/courses/{course['id']}", headers=admin.headers).json

    assert body == course


@pytest.mark.parametrize("path", ["/api/v1/courses/crs_doesnotexist", "/api/v1/courses/not-an-id", "/api/v1/courses/crs_"])
def test_unknown_course_is_not_found(testapp, admin, path):
    response = testapp.get(path, headers=admin.headers, status=404)

    assert response.json["error"]["code"] == "not_found"
    assert response.content_type == "application/json"
