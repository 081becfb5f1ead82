"""The retake limit (contract sections 6 and 14), and why it cannot be raced.

Starting an attempt and submitting decide with what is current when they store, under two
locks taken in this order:

1. the assessment row, shared (load_assessment_to_take): a change to the assessment or
   its questions (PATCH, a question write, DELETE) that is under way is waited for and
   then read, and one that comes later waits for this request. Shared locks do not
   conflict, so submissions do not wait for each other;
2. the learner's enrollment row, exclusive (lock_active_enrollment): one learner's
   attempts on a course are counted and numbered one request at a time, whatever the
   number of workers and hosts. A change to the learner's override takes the same lock.

Only then are the override, the questions and the attempts read (standing), and the new
attempt gets the next number; the unique attempt number in the database backs it. The
limit is the effective one: max_attempts plus the override's extra_attempts (policy).
"""

from dataclasses import dataclass

from ..authoring.effective_policy import Policy, effective_policy
from ..authoring.sql import assessments as assessments_sql
from ..authoring.sql import overrides as overrides_sql
from ..core.errors import not_found
from ..courses import sql as courses_sql
from ..courses.permissions import enrollment_of
from . import deadline, sql
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
    """The learner's enrollment, locked; 403 unless they may take the assessment.

    Checked once without the lock to fail fast, then again under it: a learner dropped a
    moment ago must not get one more attempt in.
    """
    require_learner_may_submit(learner, enrollment_of(assessment))
    enrollment = courses_sql.lock_enrollment(conn, course_id=assessment["course_id"], user_id=learner["id"])
    require_learner_may_submit(learner, enrollment)
    return enrollment


@dataclass(frozen=True)
class Standing:
    """Where a learner stands on an assessment, read under the enrollment lock."""

    policy: Policy
    now: object  # the database's clock: the transaction's start, after the body arrived
    attempts_used: int
    latest: dict | None  # their latest attempt, finalized first if its time ran out
    override: dict | None


def standing(conn, learner, assessment, grace):
    """Lock the learner's enrollment and read their Standing (the lock order above)."""
    enrollment = lock_active_enrollment(conn, learner, assessment)
    override = overrides_sql.get_override(conn, assessment_id=assessment["id"], learner_id=learner["id"])
    attempts_used, latest = sql.attempt_ledger(conn, assessment_id=assessment["id"], learner_id=learner["id"], grace=grace)
    if latest is not None and latest["due"]:
        latest = deadline.settle(conn, assessment, latest, grace)
    policy = effective_policy(assessment, override, enrollment["time_multiplier"])
    return Standing(policy=policy, now=enrollment["db_now"], attempts_used=attempts_used, latest=latest, override=override)


def last_ended_at(latest):
    """When the learner's latest attempt ended (None: none, or one in progress)."""
    if latest is None or latest["status"] == "in_progress":
        return None
    return latest["ended_at"] or latest["submitted_at"] or latest["expires_at"]
