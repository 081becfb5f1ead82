"""The deadline (contract section 14): an attempt whose time and grace are over is
finalized exactly once. With on_expiry submit_saved it becomes a submission of its saved
answers (finalized_by "deadline"); with discard it is expired and nothing is scored.

Whoever touches such an attempt first finalizes it, holding its row lock: a request about
it (settle), or the worker (finalize_due_attempts, within a minute of the deadline,
skipping what another process holds). Each finalization is part of one transaction, so a
process killed in the middle leaves nothing half done, and the next one does it.
"""

from ..authoring.effective_policy import effective_policy
from ..authoring.questions import question_notes
from ..authoring.sql import assessments as assessments_sql
from ..authoring.sql import overrides as overrides_sql
from ..authoring.sql import questions as questions_sql
from ..core.ids import new_id
from ..events.outbox import record_all
from ..grading import scoring
from ..grading import sql as submissions_sql
from ..grading.grades import refresh_grades
from ..grading.submissions import created_event
from ..platform import db
from . import sql
from .answers import usable_answers


def finalize(conn, assessment, attempt, *, questions=None):
    """Finalize one due attempt, locked by the caller (the assessment share-locked too);
    the submission made, or None when the attempt expired without one."""
    return finalize_all(conn, assessment, [attempt], questions=questions)[0]


def finalize_all(conn, assessment, attempts, *, questions=None):
    """finalize() for each of `attempts` (of one assessment), their grades and events
    written once for all of them: a submission made or None for each."""
    if questions is None:
        questions = questions_sql.questions_of(conn, assessment["id"])
    if assessment["on_expiry"] == "discard" or not questions:
        sql.expire_attempts(conn, [attempt["id"] for attempt in attempts])
        record_all(conn, [_finalized_event({**attempt, "status": "expired"}) for attempt in attempts])
        return [None] * len(attempts)
    notes = question_notes(questions)
    overrides = overrides_sql.overrides_of(
        conn, assessment_id=assessment["id"], learner_ids=[attempt["learner_id"] for attempt in attempts]
    )
    submissions, events = [], []
    for attempt in attempts:
        submission = _submit_saved(conn, assessment, attempt, questions, overrides.get(attempt["learner_id"]))
        submissions.append(submission)
        events.append(created_event(submission, notes))
        events.append(_finalized_event({**attempt, "status": "submitted", "submitted_at": submission["submitted_at"]}))
    # After the submissions: a grade row is locked after its learner's attempt, as requests do.
    refresh_grades(conn, assessment, [attempt["learner_id"] for attempt in attempts], events=events)
    return submissions


def _submit_saved(conn, assessment, attempt, questions, override):
    return submissions_sql.insert_submission_closing_attempt(
        conn,
        attempt_id=attempt["id"],
        submission_id=new_id("sub"),
        assessment_id=assessment["id"],
        learner_id=attempt["learner_id"],
        scored=scoring.score_submission(questions, usable_answers(questions, attempt["saved_answers"]), assessment["passing_score"]),
        due_at=effective_policy(assessment, override).due_at,
        by_deadline=True,
    )


def _finalized_event(attempt):
    """attempt.finalized for an attempt the deadline just ended (`attempt`: as it is now)."""
    from .attempts import attempt_json  # attempts imports this module

    return "attempt.finalized", attempt["id"], attempt_json(attempt)


def settle(conn, assessment, attempt, grace):
    """The attempt as it stands once the deadline has had its say: when it is due, it is
    finalized first (unless another process did meanwhile), then read again.

    The finalization stays whatever the request then answers: a request that writes runs
    it in a transaction of its own (the request already holds the assessment's share lock,
    which keeps the questions as they are); a read, in autocommit, in one on its own
    connection, taking the assessment's share lock first as every writer does.
    """
    if not attempt["due"]:
        return attempt
    if conn.autocommit:
        with db.atomic(conn):
            assessments_sql.assessment_with_enrollment(conn, assessment_id=assessment["id"], user_id=None, for_share=True)
            _finalize_if_due(conn, assessment, attempt["id"], grace)
    else:
        with db.separate_transaction() as side:
            _finalize_if_due(side, assessment, attempt["id"], grace)
    return sql.get_attempt(conn, assessment_id=assessment["id"], attempt_id=attempt["id"], grace=grace)


def _finalize_if_due(conn, assessment, attempt_id, grace):
    locked = sql.get_attempt(conn, assessment_id=assessment["id"], attempt_id=attempt_id, grace=grace, for_update=True)
    if locked is not None and locked["due"]:
        finalize(conn, assessment, locked)


def finalize_due_attempts(conn, *, grace, limit=200):
    """The worker's part: finalize up to `limit` due attempts, one transaction per
    assessment; (submitted, expired) counts. `conn` is not in autocommit."""
    submitted = expired = 0
    for assessment_id, attempt_ids in sql.due_attempts(conn, grace=grace, limit=limit):
        conn.commit()  # the look-up took no lock worth keeping
        # The assessment first, then the attempts: the order every request takes them in.
        assessment = assessments_sql.assessment_with_enrollment(conn, assessment_id=assessment_id, user_id=None, for_share=True)
        if assessment is not None:
            questions = questions_sql.questions_of(conn, assessment_id)
            made = finalize_all(conn, assessment, sql.lock_due_attempts(conn, attempt_ids=attempt_ids, grace=grace), questions=questions)
            submitted += sum(submission is not None for submission in made)
            expired += made.count(None)
        conn.commit()
    return submitted, expired
