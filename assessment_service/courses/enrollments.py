"""Enrollments: who may be enrolled as what, and how a status may change (contract section 2)."""

from ..core.errors import conflict, not_found, validation_failed
from ..core.ids import new_id
from ..events.outbox import record
from ..identity import sql as identity_sql
from . import sql

ENROLLMENT_KEYS = ("id", "course_id", "user_id", "role", "status", "time_multiplier", "created_at", "updated_at")


def enrollment_json(row):
    return {key: row[key] for key in ENROLLMENT_KEYS}


def check_role_matches(user, role):
    """422 unless the course role is the user's global role.

    An admin needs no enrollment, and a learner enrolled as instructor (or the reverse)
    would get rights the contract never gives.
    """
    if user["role"] != role:
        raise validation_failed({"role": [f"A user whose role is {user['role']} cannot be enrolled as {role}."]})


def check_status_change(enrollment, status):
    """409 when an enrollment that was ever completed would become active again (by any path)."""
    if status == "active" and enrollment["ever_completed"]:
        raise conflict("A completed enrollment cannot become active again.", details={"status": ["completed is final for active."]})


def enroll(conn, *, course_id, user_id, role, status):
    """Store an enrollment: 422 for an unknown user or a role that is not theirs, 409 when enrolled already."""
    user = identity_sql.get_user(conn, user_id)
    if user is None:
        raise validation_failed({"user_id": ["No such user."]})
    check_role_matches(user, role)
    enrollment = sql.insert_enrollment(conn, enrollment_id=new_id("enr"), course_id=course_id, user_id=user_id, role=role, status=status)
    if enrollment is None:
        raise conflict("This user is already enrolled in the course.", details={"user_id": ["Already enrolled."]})
    record(conn, "enrollment.updated", enrollment["id"], enrollment_json(enrollment))
    return enrollment


def change_enrollment(conn, *, course_id, enrollment_id, changes):
    """The enrollment with its new status and/or time multiplier (404 when unknown, 409 when
    the status change is not allowed, 422 for a multiplier on an instructor's enrollment)."""
    enrollment = sql.get_enrollment_for_update(conn, course_id=course_id, enrollment_id=enrollment_id)
    if enrollment is None:
        raise not_found("enrollment")
    if "status" in changes:
        check_status_change(enrollment, changes["status"])
    if changes.get("time_multiplier") is not None and enrollment["role"] != "learner":
        raise validation_failed({"time_multiplier": ["Only a learner's enrollment takes a time multiplier."]})
    updated = sql.update_enrollment(conn, enrollment_id=enrollment_id, changes=changes)
    record(conn, "enrollment.updated", updated["id"], enrollment_json(updated))
    return updated
