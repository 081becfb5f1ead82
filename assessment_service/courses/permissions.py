"""Course-level rights (contract section 1): they come from the caller's enrollment in the
course (None when not enrolled). Every rule here takes plain rows; the loaders that 404
or 403 are beside them (courses.loaders, authoring.loaders)."""

from ..core.errors import forbidden, not_found


def may_read_course(user, enrollment):
    if user["role"] == "admin":
        return True
    if enrollment is None:
        return False
    if user["role"] == "instructor":
        return enrollment["role"] == "instructor" and enrollment["status"] == "active"
    return enrollment["role"] == "learner"


def may_manage_course(user, enrollment):
    if user["role"] == "admin":
        return True
    return (
        user["role"] == "instructor" and enrollment is not None and enrollment["role"] == "instructor" and enrollment["status"] == "active"
    )


def may_see_answer_keys(user, enrollment):
    return may_manage_course(user, enrollment)


def enrollment_of(row):
    """The caller's enrollment carried by a row from a `... left join enrollments` query."""
    if row.get("enrollment_role") is None:
        return None
    return {"role": row["enrollment_role"], "status": row["enrollment_status"]}


def require_readable(user, row, what):
    """404 when the row is missing or its course is not readable by the caller (no existence leak)."""
    if row is None or not may_read_course(user, enrollment_of(row)):
        raise not_found(what)
    return row


def require_manageable(user, row, what):
    """404 as require_readable; 403 when the caller reads the course but may not change it."""
    require_readable(user, row, what)
    if not may_manage_course(user, enrollment_of(row)):
        raise forbidden("Only an admin or an instructor of this course may do this.")
    return row


def own_rows_only(user, assessment_row):
    """Whose submissions and attempts the caller sees: None (everyone's) for the course's
    admins and instructors, else the caller's id (learners see only their own)."""
    if may_manage_course(user, enrollment_of(assessment_row)):
        return None
    return user["id"]


def require_own_row(user, assessment_row, row, what):
    """A learner's row (submission, attempt) of this assessment, when the caller may read it:
    404 when it is missing or another learner's and the caller is a learner."""
    if row is None or own_rows_only(user, assessment_row) not in (None, row["learner_id"]):
        raise not_found(what)
    return row
