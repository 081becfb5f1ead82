"""Submitting answers (contract sections 5, 6 and 9): validated, scored and stored at once,
under the retake limit's locks (retake_limit)."""

from ..authoring.sql import questions as questions_sql
from ..core.errors import conflict, not_found, validation_failed
from ..core.ids import new_id
from ..grading import scoring
from ..grading import sql as submissions_sql
from . import sql
from .retake_limit import check_attempts_left, lock_active_enrollment


def submit_answers(conn, *, learner, assessment, answers, attempt_id, grace):
    """Validate, score and store a submission; the stored row (with its results).

    `assessment` is locked (retake_limit.load_assessment_to_take).
    """
    # Who may submit comes first: anyone else gets 403 whatever they sent (not a 409 or a
    # 422 that describes the questions).
    lock_active_enrollment(conn, learner, assessment)
    questions = questions_sql.questions_of(conn, assessment["id"])
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
        return submissions_sql.insert_submission_closing_attempt(conn, attempt_id=attempt["id"], **common)

    attempts_used, current = sql.attempt_ledger(conn, assessment_id=assessment["id"], learner_id=learner["id"], grace=grace)
    if current is not None and current["status"] == "in_progress":
        # An attempt started earlier (POST /attempts) is the one this submission closes.
        return submissions_sql.insert_submission_closing_attempt(conn, attempt_id=current["id"], **common)
    if current is not None:
        sql.mark_expired(conn, current["id"])
    check_attempts_left(assessment["max_attempts"], attempts_used)
    return submissions_sql.insert_submission_with_new_attempt(conn, attempt_id=new_id("att"), attempt_number=attempts_used + 1, **common)


def _attempt_to_close(conn, learner, assessment, attempt_id, grace):
    attempt = sql.get_attempt(conn, assessment_id=assessment["id"], attempt_id=attempt_id, grace=grace, for_update=True)
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
