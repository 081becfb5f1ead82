"""Loading what a route is about, with the caller's right to it checked.

404 when the object is missing or its course is not readable by the caller (so no
existence leaks), 403 when the caller reads the course but may not change it.
"""

from .auth import require_manageable, require_readable
from .errors import not_found
from .sql import assessments as assessments_sql
from .sql import courses as courses_sql


def load_course(conn, user, course_id, *, manage=False):
    """The course row (with the caller's enrollment in it)."""
    row = courses_sql.course_with_enrollment(conn, course_id=course_id, user_id=user["id"])
    return (require_manageable if manage else require_readable)(user, row, "course")


def load_assessment(conn, user, assessment_id, *, manage=False, with_questions=False):
    """The assessment row (with the caller's enrollment in its course, and with its
    `questions` when asked: one round trip for both)."""
    row = _assessment_row(conn, user, assessment_id, with_questions)
    return (require_manageable if manage else require_readable)(user, row, "assessment")


def load_assessment_to_take(conn, user, assessment_id):
    """The assessment a learner submits or starts, share-locked for the rest of the request
    (sql.assessments.lock_assessment_to_take): 404 only when it does not exist, since who
    may take it is answered with 403 forbidden / not_enrolled (submitting.py)."""
    row = assessments_sql.lock_assessment_to_take(conn, assessment_id=assessment_id, user_id=user["id"])
    if row is None:
        raise not_found("assessment")
    return row


def _assessment_row(conn, user, assessment_id, with_questions):
    load = assessments_sql.assessment_with_questions if with_questions else assessments_sql.assessment_with_enrollment
    return load(conn, assessment_id=assessment_id, user_id=user["id"])
