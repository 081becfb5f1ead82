"""Enrollments: who may enroll whom, defaults, conflicts, status changes (contract section 2)."""

import re

import pytest

from assessment_service.core.jsonio import iso_timestamp
from helpers.db import rows


def enrollments_url(course_id):
    return f"/api/v1/courses/{course_id}/enrollments"


# ---------------------------------------------------------------- POST /courses/{id}/enrollments


def test_admin_enrolls_a_learner_with_defaults(testapp, admin, course, learner, db_conn):
    response = testapp.post_json(enrollments_url(course["id"]), {"user_id": learner.id}, headers=admin.headers, status=201)

    enrollment = response.json
    assert set(enrollment) == {"id", "course_id", "user_id", "role", "status", "time_multiplier", "created_at", "updated_at"}
    assert enrollment["time_multiplier"] is None
    assert re.fullmatch(r"enr_[A-Za-z0-9]+", enrollment["id"])
    assert (enrollment["course_id"], enrollment["user_id"]) == (course["id"], learner.id)
    assert (enrollment["role"], enrollment["status"]) == ("learner", "active")
    assert response.headers["Location"].endswith(f"/api/v1/courses/{course['id']}/enrollments/{enrollment['id']}")
    stored = rows(db_conn, "select course_id, user_id, role, status from enrollments where id = %s", (enrollment["id"],))
    assert stored == [(course["id"], learner.id, "learner", "active")]


def test_course_instructor_enrolls_learners_and_instructors(testapp, instructor, course, make_user, db_conn):
    student, colleague = make_user("learner"), make_user("instructor")

    testapp.post_json(enrollments_url(course["id"]), {"user_id": student.id, "status": "completed"}, headers=instructor.headers, status=201)
    testapp.post_json(
        enrollments_url(course["id"]), {"user_id": colleague.id, "role": "instructor"}, headers=instructor.headers, status=201
    )

    stored = rows(db_conn, "select user_id, role, status from enrollments where course_id = %s order by created_at", (course["id"],))
    assert stored == [
        (instructor.id, "instructor", "active"),
        (student.id, "learner", "completed"),
        (colleague.id, "instructor", "active"),
    ]
    # The colleague now manages the course too.
    testapp.get(enrollments_url(course["id"]), headers=colleague.headers, status=200)


def test_instructor_of_another_course_cannot_see_this_one(testapp, course, make_user, learner, db_conn):
    stranger = make_user("instructor")
    testapp.post_json("/api/v1/courses", {"title": "Their own"}, headers=stranger.headers, status=201)

    body = testapp.post_json(enrollments_url(course["id"]), {"user_id": learner.id}, headers=stranger.headers, status=404).json

    assert body["error"]["code"] == "not_found"
    assert rows(db_conn, "select count(*) from enrollments where user_id = %s", (learner.id,)) == [(0,)]


def test_enrolled_learner_may_read_but_not_enroll(testapp, course, learner, make_user, enroll, db_conn):
    enroll(course["id"], learner)
    friend = make_user("learner")

    body = testapp.post_json(enrollments_url(course["id"]), {"user_id": friend.id}, headers=learner.headers, status=403).json

    assert body["error"]["code"] == "forbidden"
    assert rows(db_conn, "select count(*) from enrollments where user_id = %s", (friend.id,)) == [(0,)]


def test_dropped_instructor_can_no_longer_enroll(testapp, admin, course, instructor, learner, db_conn):
    (enrollment_id,) = rows(db_conn, "select id from enrollments where user_id = %s", (instructor.id,))[0]
    testapp.patch_json(f"{enrollments_url(course['id'])}/{enrollment_id}", {"status": "dropped"}, headers=admin.headers)

    testapp.post_json(enrollments_url(course["id"]), {"user_id": learner.id}, headers=instructor.headers, status=404)


def test_same_user_twice_is_a_conflict(testapp, admin, course, learner, enroll, db_conn):
    first = enroll(course["id"], learner)

    body = testapp.post_json(
        enrollments_url(course["id"]), {"user_id": learner.id, "status": "dropped"}, headers=admin.headers, status=409
    ).json

    assert body["error"]["code"] == "conflict"
    assert rows(db_conn, "select id, status from enrollments where user_id = %s", (learner.id,)) == [(first["id"], "active")]


def test_instructor_cannot_enroll_themself_twice(testapp, instructor, course):
    body = testapp.post_json(
        enrollments_url(course["id"]), {"user_id": instructor.id, "role": "instructor"}, headers=instructor.headers, status=409
    ).json

    assert body["error"]["code"] == "conflict"


def test_unknown_user_is_a_validation_error(testapp, admin, course, db_conn):
    error = testapp.post_json(enrollments_url(course["id"]), {"user_id": "usr_doesnotexist"}, headers=admin.headers, status=422).json[
        "error"
    ]

    assert error["code"] == "validation_failed"
    assert list(error["details"]) == ["user_id"]
    assert rows(db_conn, "select count(*) from enrollments where course_id = %s", (course["id"],)) == [(1,)]


@pytest.mark.parametrize(
    "global_role, course_role",
    [("learner", "instructor"), ("instructor", "learner"), ("admin", "learner"), ("admin", "instructor")],
)
def test_course_role_must_match_the_global_role(testapp, admin, course, make_user, db_conn, global_role, course_role):
    user = make_user(global_role)

    error = testapp.post_json(
        enrollments_url(course["id"]), {"user_id": user.id, "role": course_role}, headers=admin.headers, status=422
    ).json["error"]

    assert error["code"] == "validation_failed"
    assert list(error["details"]) == ["role"]
    assert rows(db_conn, "select count(*) from enrollments where user_id = %s", (user.id,)) == [(0,)]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "user_id"),
        ({"user_id": "not-an-id"}, "user_id"),
        ({"user_id": "crs_abc123"}, "user_id"),
        ({"user_id": 5}, "user_id"),
        ({"user_id": "usr_abc123", "role": "admin"}, "role"),
        ({"user_id": "usr_abc123", "status": "paused"}, "status"),
        ({"user_id": "usr_abc123", "note": "hi"}, "note"),
    ],
)
def test_invalid_enrollment_body(testapp, admin, course, db_conn, body, field):
    error = testapp.post_json(enrollments_url(course["id"]), body, headers=admin.headers, status=422).json["error"]

    assert error["code"] == "validation_failed"
    assert field in error["details"]
    assert rows(db_conn, "select count(*) from enrollments") == [(1,)]


def test_enrolling_into_an_unknown_course_is_not_found(testapp, admin, learner, db_conn):
    testapp.post_json(enrollments_url("crs_doesnotexist"), {"user_id": learner.id}, headers=admin.headers, status=404)

    assert rows(db_conn, "select count(*) from enrollments") == [(0,)]


# ---------------------------------------------------------------- GET /courses/{id}/enrollments


def test_admin_and_course_instructor_list_enrollments(testapp, admin, instructor, course, make_user, enroll):
    enrolled = [enroll(course["id"], make_user("learner")) for _ in range(3)]

    for caller in (admin, instructor):
        body = testapp.get(enrollments_url(course["id"]), headers=caller.headers).json
        assert [item["user_id"] for item in body["data"]] == [instructor.id] + [item["user_id"] for item in enrolled]
        assert body["data"][1:] == enrolled
        assert body["pagination"] == {"page": 1, "per_page": 20, "total": 4, "total_pages": 1}

    page = testapp.get(enrollments_url(course["id"]), {"per_page": 2, "page": 2}, headers=admin.headers).json
    assert page["data"] == enrolled[1:]
    assert page["pagination"] == {"page": 2, "per_page": 2, "total": 4, "total_pages": 2}


def test_learners_cannot_list_enrollments(testapp, course, learner, enroll, make_user):
    enroll(course["id"], learner)

    assert testapp.get(enrollments_url(course["id"]), headers=learner.headers, status=403).json["error"]["code"] == "forbidden"
    outsider = make_user("learner")
    testapp.get(enrollments_url(course["id"]), headers=outsider.headers, status=404)


def test_only_this_courses_enrollments_are_listed(testapp, admin, course, learner, enroll):
    other_course = testapp.post_json("/api/v1/courses", {"title": "Other"}, headers=admin.headers, status=201).json
    enroll(other_course["id"], learner)

    body = testapp.get(enrollments_url(course["id"]), headers=admin.headers).json

    assert [item["course_id"] for item in body["data"]] == [course["id"]]


# ---------------------------------------------------------------- PATCH /courses/{id}/enrollments/{enrollment_id}


def stored_enrollment(db_conn, enrollment_id):
    with db_conn.cursor() as cur:
        cur.execute("select status, created_at, updated_at from enrollments where id = %s", (enrollment_id,))
        return cur.fetchone()


def test_patch_changes_status_and_updated_at(testapp, instructor, course, learner, enroll, db_conn):
    enrollment = enroll(course["id"], learner)
    _, created_at, updated_before = stored_enrollment(db_conn, enrollment["id"])

    body = testapp.patch_json(
        f"{enrollments_url(course['id'])}/{enrollment['id']}", {"status": "completed"}, headers=instructor.headers, status=200
    ).json

    assert body["status"] == "completed"
    assert {key: body[key] for key in ("id", "course_id", "user_id", "role", "created_at")} == {
        key: enrollment[key] for key in ("id", "course_id", "user_id", "role", "created_at")
    }
    status, created_after, updated_after = stored_enrollment(db_conn, enrollment["id"])
    assert status == "completed"
    assert created_after == created_at
    assert updated_after > updated_before
    assert body["updated_at"] == iso_timestamp(updated_after)


def test_completed_does_not_go_back_to_active(testapp, admin, course, learner, enroll, db_conn):
    enrollment = enroll(course["id"], learner, status="completed")
    before = stored_enrollment(db_conn, enrollment["id"])

    body = testapp.patch_json(
        f"{enrollments_url(course['id'])}/{enrollment['id']}", {"status": "active"}, headers=admin.headers, status=409
    ).json

    assert body["error"]["code"] == "conflict"
    assert stored_enrollment(db_conn, enrollment["id"]) == before


def test_completed_does_not_go_back_to_active_through_dropped(testapp, admin, instructor, course, learner, enroll, db_conn):
    enrollment = enroll(course["id"], learner)
    url = f"{enrollments_url(course['id'])}/{enrollment['id']}"
    for status in ("completed", "dropped"):
        testapp.patch_json(url, {"status": status}, headers=admin.headers, status=200)
    before = stored_enrollment(db_conn, enrollment["id"])

    body = testapp.patch_json(url, {"status": "active"}, headers=instructor.headers, status=409).json

    assert body["error"]["code"] == "conflict"
    assert stored_enrollment(db_conn, enrollment["id"]) == before
    quiz = testapp.post_json(
        "/api/v1/assessments", {"course_id": course["id"], "title": "After the course", "passing_score": 50}, headers=instructor.headers
    ).json
    testapp.post_json(
        f"/api/v1/assessments/{quiz['id']}/questions",
        {"type": "true_false", "prompt": "Over?", "correct_answer": True},
        headers=instructor.headers,
    )
    refused = testapp.post_json(f"/api/v1/assessments/{quiz['id']}/submissions", {"answers": []}, headers=learner.headers, status=403)
    assert refused.json["error"]["code"] == "not_enrolled"


def test_enrolled_as_completed_never_becomes_active(testapp, admin, course, learner, enroll, db_conn):
    enrollment = enroll(course["id"], learner, status="completed")
    url = f"{enrollments_url(course['id'])}/{enrollment['id']}"
    testapp.patch_json(url, {"status": "dropped"}, headers=admin.headers, status=200)

    testapp.patch_json(url, {"status": "active"}, headers=admin.headers, status=409)
    assert stored_enrollment(db_conn, enrollment["id"])[0] == "dropped"


def test_the_database_refuses_an_active_enrollment_that_was_completed(testapp, course, learner, enroll, db_conn):
    import psycopg2

    enrollment = enroll(course["id"], learner, status="completed")
    with pytest.raises(psycopg2.errors.CheckViolation), db_conn.cursor() as cur:
        cur.execute("update enrollments set status = 'active' where id = %s", (enrollment["id"],))


def test_dropped_may_become_active_again(testapp, admin, course, learner, enroll, db_conn):
    enrollment = enroll(course["id"], learner, status="dropped")

    body = testapp.patch_json(f"{enrollments_url(course['id'])}/{enrollment['id']}", {"status": "active"}, headers=admin.headers).json

    assert body["status"] == "active"
    assert stored_enrollment(db_conn, enrollment["id"])[0] == "active"


@pytest.mark.parametrize("start, target", [("active", "dropped"), ("completed", "dropped"), ("dropped", "completed"), ("active", "active")])
def test_other_transitions_are_allowed(testapp, admin, course, learner, enroll, db_conn, start, target):
    enrollment = enroll(course["id"], learner, status=start)

    body = testapp.patch_json(f"{enrollments_url(course['id'])}/{enrollment['id']}", {"status": target}, headers=admin.headers).json

    assert body["status"] == target
    assert stored_enrollment(db_conn, enrollment["id"])[0] == target


@pytest.mark.parametrize(
    "body, field", [({}, "status"), ({"status": "paused"}, "status"), ({"status": "dropped", "role": "instructor"}, "role")]
)
def test_invalid_patch_body(testapp, admin, course, learner, enroll, db_conn, body, field):
    enrollment = enroll(course["id"], learner)

    error = testapp.patch_json(f"{enrollments_url(course['id'])}/{enrollment['id']}", body, headers=admin.headers, status=422).json["error"]

    assert field in error["details"]
    assert stored_enrollment(db_conn, enrollment["id"])[0] == "active"


def test_unknown_enrollment_is_not_found(testapp, admin, course):
    body = testapp.patch_json(
        f"{enrollments_url(course['id'])}/enr_doesnotexist", {"status": "dropped"}, headers=admin.headers, status=404
    ).json

    assert body["error"]["code"] == "not_found"


def test_enrollment_of_another_course_is_not_found_here(testapp, admin, course, learner, enroll, db_conn):
    other_course = testapp.post_json("/api/v1/courses", {"title": "Other"}, headers=admin.headers, status=201).json
    enrollment = enroll(other_course["id"], learner)

    testapp.patch_json(f"{enrollments_url(course['id'])}/{enrollment['id']}", {"status": "dropped"}, headers=admin.headers, status=404)

    assert stored_enrollment(db_conn, enrollment["id"])[0] == "active"


def test_learner_cannot_change_their_own_enrollment(testapp, course, learner, enroll, db_conn):
    enrollment = enroll(course["id"], learner)

    testapp.patch_json(f"{enrollments_url(course['id'])}/{enrollment['id']}", {"status": "completed"}, headers=learner.headers, status=403)

    assert stored_enrollment(db_conn, enrollment["id"])[0] == "active"
