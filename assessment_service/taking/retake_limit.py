"""The retake limit (contract section 6), and why it cannot be raced.

Starting an attempt and submitting decide with what is current when they store, under two
locks taken in this order:

1. the assessment row, shared (load_assessment_to_take): a change to the assessment or
   its questions (PATCH, a question write, DELETE) that is under way is waited for and
   then read, and one that comes later waits for this request. Shared locks do not
   conflict, so submissions do not wait for each other;
2. the learner's enrollment row, exclusive (lock_active_enrollment): one learner's
   attempts on a course are counted and numbered one request at a time, whatever the
   number of workers and hosts.

Only then are the questions read and the attempts counted (sql.attempt_ledger), and the
new attempt gets the next number; the unique attempt number in the database backs it.
"""

from ..authoring.sql import assessments as assessments_sql
from ..core.errors import ApiError, not_found
from ..courses.permissions import enrollment_of
from . import sql
from .eligibility import require_learner_may_submit


def load_assessment_to_take(conn, user, assessment_id):
    """The assessment a learner submits or starts, share-locked for the rest of the request:
    404 only when it does not exist, since who may take it is answered with 403
    forbidden / not_enrolled (eligibility)."""
    row = assessments_sql.assessment_with_enrollment(conn, assessment_id=assessment_id, user_id=user["id"], for_share=True)
    if row is None:
        raise not_found("assessment")
    return row


def lock_active_enrollment(conn, learner, assessment):
    """Take the learner's enrollment lock; 403 unless they may take the assessment.

    Checked once without the lock to fail fast, then again under it: a learner dropped a
    moment ago must not get one more attempt in.
    """
    require_learner_may_submit(learner, enrollment_of(assessment))
    enrollment = sql.lock_learner_enrollment(conn, course_id=assessment["course_id"], user_id=learner["id"])
    require_learner_may_submit(learner, enrollment)


def check_attempts_left(max_attempts, attempts_used):
    """403 attempt_limit_reached when the learner has used every attempt (None = unlimited)."""
    if max_attempts is not None and attempts_used >= max_attempts:
        raise ApiError(
            403,
            "attempt_limit_reached",
            f"You have used all {max_attempts} attempts of this assessment.",
            {"max_attempts": max_attempts, "attempts_used": attempts_used},
        )
