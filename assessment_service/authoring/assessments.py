"""Assessments: creating one in a course, and how one is shown (contract section 3)."""

from decimal import Decimal

from ..core.errors import ApiError, validation_failed
from ..core.ids import new_id
from ..courses.loaders import load_course
from .grading_settings import DEFAULT_REVIEW, REVIEW_KEYS, review_errors
from .sql import assessments as sql
from .sql import questions as questions_sql


def assessment_json(row, question_count, points_possible):
    return {
        "id": row["id"],
        "course_id": row["course_id"],
        **{name: row[name] for name in sql.SETTINGS},
        "review": {key: row["review"][key] for key in REVIEW_KEYS},  # in documented order (jsonb keeps none)
        "question_count": question_count,
        "points_possible": points_possible,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def check_window(available_from, available_until, due_at):
    """422 unless the window opens before it closes and the due date lies within it."""
    errors = {}
    if available_from is not None and available_until is not None and available_from >= available_until:
        errors["available_until"] = ["Must be later than available_from."]
    if due_at is not None and available_from is not None and due_at < available_from:
        errors["due_at"] = ["Must not be earlier than available_from."]
    if due_at is not None and available_until is not None and due_at > available_until:
        errors["due_at"] = ["Must not be later than available_until."]
    if errors:
        raise validation_failed(errors)


def check_review(settings):
    """422 for a review moment the assessment (its settings as they will be) cannot reach."""
    errors = review_errors(settings["review"], settings)
    if errors:
        raise validation_failed(errors)


def change_assessment(conn, row, changes):
    """Apply a PATCH to a loaded assessment row: the window and the review policy are
    checked as they will be (a review key left out keeps its moment). The updated row."""
    if "review" in changes:
        changes = {**changes, "review": {**row["review"], **changes["review"]}}
    merged = {**row, **changes}
    check_window(merged["available_from"], merged["available_until"], merged["due_at"])
    check_review(merged)
    return sql.update_assessment(conn, assessment_id=row["id"], changes=changes)


def with_totals(conn, row):
    """assessment_json with the totals of one paper read now (contract section 13)."""
    return assessment_json(row, *questions_sql.paper_totals(conn, row["id"]))


def create_assessment(conn, user, body):
    """Store a new assessment in body's course: 422 when that course is missing or not
    readable by the caller (course_id is a field of the body, and a 404 would tell an
    outsider the course exists), 403 when they read it but do not teach it."""
    try:
        load_course(conn, user, body["course_id"], manage=True)
    except ApiError as error:
        if error.status != 404:
            raise
        raise validation_failed({"course_id": ["No such course."]}) from None
    check_window(body.get("available_from"), body.get("available_until"), body.get("due_at"))
    settings = {name: value for name, value in body.items() if name != "course_id"}
    settings["review"] = {**DEFAULT_REVIEW, **body.get("review", {})}
    check_review(settings)
    row = sql.insert_assessment(conn, assessment_id=new_id("asmnt"), course_id=body["course_id"], settings=settings)
    return assessment_json(row, 0, Decimal("0.00"))
