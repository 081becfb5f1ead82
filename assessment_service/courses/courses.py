"""Courses: creating one, and how one is shown."""

from ..core.ids import new_id
from ..events.outbox import record
from . import sql
from .enrollments import enrollment_json


def course_json(row):
    return {"id": row["id"], "title": row["title"], "created_at": row["created_at"]}


def create_course(conn, *, creator, title):
    """Store a course; an instructor who creates one teaches it (without that enrollment
    they could not even read it)."""
    course = sql.insert_course(conn, course_id=new_id("crs"), title=title)
    if creator["role"] == "instructor":
        enrollment = sql.insert_enrollment(
            conn, enrollment_id=new_id("enr"), course_id=course["id"], user_id=creator["id"], role="instructor", status="active"
        )
        record(conn, "enrollment.updated", enrollment["id"], enrollment_json(enrollment))
    return course
