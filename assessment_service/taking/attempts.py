"""Attempts: timed sittings that count toward the retake limit (contract section 9)."""

from ..authoring.sql import questions as questions_sql
from ..core.errors import conflict
from ..core.ids import new_id
from . import sql
from .retake_limit import check_attempts_left, lock_active_enrollment

ATTEMPT_KEYS = ("id", "assessment_id", "learner_id", "attempt_number", "started_at", "expires_at", "submitted_at", "status")


def attempt_json(row):
    return {key: row[key] for key in ATTEMPT_KEYS}


def start_attempt(conn, *, learner, assessment, grace):
    """(attempt, created): the attempt in progress, or a new one when none is.

    `assessment` is locked (retake_limit.load_assessment_to_take).
    """
    # As for submitting: who may start comes before what the assessment holds (no 409 for
    # an empty assessment to someone who may not take it).
    lock_active_enrollment(conn, learner, assessment)
    question_count, _ = questions_sql.question_totals(conn, assessment["id"])
    if question_count == 0:
        raise conflict("The assessment has no questions yet.")
    attempts_used, current = sql.attempt_ledger(conn, assessment_id=assessment["id"], learner_id=learner["id"], grace=grace)
    if current is not None:
        if current["status"] == "in_progress":
            return current, False
        sql.mark_expired(conn, current["id"])
    check_attempts_left(assessment["max_attempts"], attempts_used)
    attempt = sql.start_attempt(
        conn,
        attempt_id=new_id("att"),
        assessment_id=assessment["id"],
        learner_id=learner["id"],
        attempt_number=attempts_used + 1,
        time_limit_minutes=assessment["time_limit_minutes"],
        grace=grace,
    )
    return attempt, True
