"""Overrides (contract section 14): one learner's accommodations on one assessment. Each
setting replaces the assessment's for that learner; extra_attempts add to max_attempts."""

from ..core.errors import not_found, validation_failed
from ..core.ids import new_id
from ..courses import sql as courses_sql
from ..events.outbox import record
from .assessments import check_window
from .sql import overrides as sql

OVERRIDE_KEYS = ("id", "assessment_id", "learner_id", *sql.SETTINGS, "created_at", "updated_at")


def override_json(row):
    return {key: row[key] for key in OVERRIDE_KEYS}


def put_override(conn, assessment, learner_id, body):
    """(the override, created): the learner's whole override, replaced by `body`.

    422 unless the user holds a learner enrollment in the course, and unless the learner's
    window, with the override over the assessment's, opens before it closes with the due
    date inside. The learner's enrollment row is locked first, as every start and
    submission of theirs does, so that each of those stored after this is answered obeys it.
    """
    enrollment = courses_sql.lock_enrollment(conn, course_id=assessment["course_id"], user_id=learner_id)
    if enrollment is None or enrollment["role"] != "learner":
        raise validation_failed({"learner_id": ["Not a learner of this course."]})
    if body.get("extra_time_minutes") is not None and body.get("time_multiplier") is not None:
        raise validation_failed({"time_multiplier": ["Give extra_time_minutes or time_multiplier, not both."]})
    window = {field: body.get(field) or assessment[field] for field in ("available_from", "available_until", "due_at")}
    check_window(**window)
    settings = {name: body.get(name) for name in sql.SETTINGS}
    settings["extra_attempts"] = body.get("extra_attempts") or 0
    override, created = sql.put_override(
        conn, override_id=new_id("ovr"), assessment_id=assessment["id"], learner_id=learner_id, settings=settings
    )
    record(conn, "override.updated", override["id"], override_json(override))
    return override, created


def remove_override(conn, assessment, learner_id):
    """Delete the learner's override (404 when there is none), under their enrollment lock."""
    courses_sql.lock_enrollment(conn, course_id=assessment["course_id"], user_id=learner_id)
    deleted = sql.delete_override(conn, assessment_id=assessment["id"], learner_id=learner_id)
    if deleted is None:
        raise not_found("override")
    record(conn, "override.updated", deleted["id"], {**override_json(deleted), "deleted": True})
