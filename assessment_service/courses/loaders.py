"""Loading a course with the caller's right to it checked: 404 when it is missing or not
readable by the caller (no existence leaks), 403 when readable but not theirs to change."""

from . import sql
from .permissions import require_manageable, require_readable


def load_course(conn, user, course_id, *, manage=False):
    """The course row (with the caller's enrollment in it)."""
    row = sql.course_with_enrollment(conn, course_id=course_id, user_id=user["id"])
    return (require_manageable if manage else require_readable)(user, row, "course")
