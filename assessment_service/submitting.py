"""Taking an assessment: starting attempts and submitting answers under the retake policy.

Both use-cases decide with what is current when they store, under two locks taken in
this order: the assessment row, shared (access.load_assessment_to_take: a change to the
assessment or its questions is either already committed and read, or waits for this
request), then the learner's enrollment row, exclusive (attempts are counted and
numbered one request at a time for that learner and course, whatever the number of
workers and hosts; the unique attempt number in the database backs it). The questions
are read after both locks. Deadlines are judged by the transaction's start, which comes
after the whole body has arrived (web.receive_body).
"""

from .grading import scoring
from .auth import enrollment_of, require_learner_may_submit
from .errors import ApiError, conflict, not_found, validation_failed
from .sql import assessments as assessments_sql
from .sql import attempts as attempts_sql
from .sql import courses as courses_sql
from .web import new_id


def check_attempts_left(max_attempts, attempts_used):
    """403 attempt_limit_reached when the learner has used every attempt (None = unlimited)."""
    if max_attempts is not None and attempts_used >= max_attempts:
        raise ApiError(
            403,
            "attempt_limit_reached",
            f"You have used all {max_attempts} attempts of this assessment.",
            {"max_attempts": max_attempts, "attempts_used": attempts_used},
        )


def _lock_active_enrollment(conn, learner, assessment):
    # Checked once without the lock to fail fast, then again under it: a learner dropped
    # a moment ago must not get one more attempt in.
    require_learner_may_submit(learner, enrollment_of(assessment))
    enrollment = courses_sql.lock_learner_enrollment(conn, course_id=assessment["course_id"], user_id=learner["id"])
    require_learner_may_submit(learner, enrollment)


def start_attempt(conn, *, learner, assessment, grace):
    """(attempt, created): the attempt in progress, or a new one when none is.

    `assessment` is locked (access.load_assessment_to_take).
    """
    # As for submitting: who may start comes before what the assessment holds (no 409 for
    # an empty assessment to someone who may not take it).
    _lock_active_enrollment(conn, learner, assessment)
    question_count, _ = assessments_sql.question_totals(conn, assessment["id"])
    if question_count == 0:
        raise conflict("The assessment has no questions yet.")
    attempts_used, current = attempts_sql.attempt_ledger(
        conn, assessment_id=assessment["id"], learner_id=learner["id"], grace=grace
    )
    if current is not None:
        if current["status"] == "in_progress":
            return current, False
        attempts_sql.mark_expired(conn, current["id"])
    check_attempts_left(assessment["max_attempts"], attempts_used)
    attempt = attempts_sql.start_attempt(
        conn,
        attempt_id=new_id("att"),
        assessment_id=assessment["id"],
        learner_id=learner["id"],
        attempt_number=attempts_used + 1,
        time_limit_minutes=assessment["time_limit_minutes"],
        grace=grace,
    )
    return attempt, True


def submit_answers(conn, *, learner, assessment, answers, attempt_id, grace):
    """Validate, score and store a submission; the stored row (with its results).

    `assessment` is locked (access.load_assessment_to_take).
    """
    # Who may submit comes first: anyone else gets 403 whatever they sent (not a 409 or a
    # 422 that describes the questions).
    _lock_active_enrollment(conn, learner, assessment)
    questions = assessments_sql.questions_of(conn, assessment["id"])
    if not questions:
        raise conflict("The assessment has no questions yet.")
    errors = scoring.answer_errors(questions, answers)
    if errors:
        raise validation_failed(errors, "The answers do not fit the assessment's questions.")
    if assessment["time_limit_minutes"] is not None and attempt_id is None:
        raise validation_failed({"attempt_id": ["A timed assessment is submitted with the attempt started for it."]})

    scored = scoring.score_submission(questions, answers, assessment["passing_score"])
    common = {
        "submission_id": new_id("sub"),
        "assessment_id": assessment["id"],
        "learner_id": learner["id"],
        "scored": scored,
    }
    if attempt_id is not None:
        attempt = _attempt_to_close(conn, learner, assessment, attempt_id, grace)
        return attempts_sql.insert_submission_closing_attempt(conn, attempt_id=attempt["id"], **common)

    attempts_used, current = attempts_sql.attempt_ledger(
        conn, assessment_id=assessment["id"], learner_id=learner["id"], grace=grace
    )
    if current is not None and current["status"] == "in_progress":
        # An attempt started earlier (POST /attempts) is the one this submission closes.
        return attempts_sql.insert_submission_closing_attempt(conn, attempt_id=current["id"], **common)
    if current is not None:
        attempts_sql.mark_expired(conn, current["id"])
    check_attempts_left(assessment["max_attempts"], attempts_used)
    return attempts_sql.insert_submission_with_new_attempt(
        conn, attempt_id=new_id("att"), attempt_number=attempts_used + 1, **common
    )


def _attempt_to_close(conn, learner, assessment, attempt_id, grace):
    attempt = attempts_sql.get_attempt(conn, assessment_id=assessment["id"], attempt_id=attempt_id, grace=grace, for_update=True)
    if attempt is None or attempt["learner_id"] != learner["id"]:
        raise not_found("attempt")
    if attempt["status"] == "submitted":
        raise conflict("This attempt has already been submitted.")
    if attempt["status"] == "expired":
        raise conflict(
            "The attempt's time ran out; the submission was refused and the attempt still counts.",
            code="attempt_expired",
            details={"expires_at": attempt["expires_at"]},
        )
    return attempt
