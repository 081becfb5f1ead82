"""Assessments: creating one in a course, and how one is shown (contract section 3)."""

from decimal import Decimal

from ..core.errors import ApiError, validation_failed
from ..core.ids import new_id
from ..courses.loaders import load_course
from .sql import assessments as sql
from .sql import questions as questions_sql


def assessment_json(row, question_count, points_possible):
    return {
        "id": row["id"],
        "course_id": row["course_id"],
        "title": row["title"],
        "passing_score": row["passing_score"],
        "time_limit_minutes": row["time_limit_minutes"],
        "max_attempts": row["max_attempts"],
        "question_count": question_count,
        "points_possible": points_possible,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def with_totals(conn, row):
    """assessment_json with the question totals read now."""
    return assessment_json(row, *questions_sql.question_totals(conn, row["id"]))


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
    row = sql.insert_assessment(
        conn,
        assessment_id=new_id("asmnt"),
        course_id=body["course_id"],
        title=body["title"],
        passing_score=body["passing_score"],
        time_limit_minutes=body.get("time_limit_minutes"),
        max_attempts=body.get("max_attempts"),
    )
    return assessment_json(row, 0, Decimal("0.00"))
