"""Loading an assessment with the caller's right to it checked: 404 when it is missing or
its course is not readable by the caller (no existence leaks), 403 when readable but not
theirs to change."""

from ..courses.permissions import require_manageable, require_readable
from .sql import assessments as sql


def load_assessment(conn, user, assessment_id, *, manage=False, with_questions=False):
    """The assessment row (with the caller's enrollment in its course, and with its
    `questions` when asked: one round trip for both)."""
    load = sql.assessment_with_questions if with_questions else sql.assessment_with_enrollment
    row = load(conn, assessment_id=assessment_id, user_id=user["id"])
    return (require_manageable if manage else require_readable)(user, row, "assessment")
