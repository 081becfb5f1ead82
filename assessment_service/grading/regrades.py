"""Regrades and hand-set results (contract section 16): the deliberate, audited ways a
stored score changes. Each change writes a history row and moves the learner's grade in
the same transaction.

A regrade is asked for once (queue_regrade), then applied by the worker in batches
(apply_regrade_batch), each batch one transaction that also moves the regrade's cursor:
a worker killed mid-batch leaves nothing of that batch, the next one does it, and a
history row unique per regrade and submission keeps any submission from being regraded
twice. A batch locks only its own submissions and their grades, so a new submission waits
for at most one batch.
"""

import logging
from decimal import Decimal
from fractions import Fraction

from ..authoring.questions import question_notes
from ..authoring.sql import assessments as assessments_sql
from ..authoring.sql import questions as questions_sql
from ..core.errors import conflict, not_found, validation_failed
from ..core.ids import new_id
from ..events.outbox import record
from . import regrades_sql as sql
from . import sql as submissions_sql
from .grades import refresh_grades
from .regrade_rules import changes_anything, regrade_submission
from .review import FULL_VIEW
from .scoring import credit_text, scored
from .submissions import result_json, shown_submission

log = logging.getLogger(__name__)

MAX_DRY_RUN_CHANGES = 100


def regraded_questions(conn, assessment_id, question_ids):
    """{id: question} of today's questions a regrade applies (all without question_ids);
    422 naming ids that are not the assessment's."""
    questions = {question["id"]: question for question in questions_sql.questions_of(conn, assessment_id)}
    if question_ids is None:
        return questions
    unknown = [question_id for question_id in question_ids if question_id not in questions]
    if unknown:
        raise validation_failed({"question_ids": [f"Not questions of this assessment: {', '.join(unknown)}."]})
    return {question_id: questions[question_id] for question_id in question_ids}


def _snapshot(questions):
    """The questions as a regrade keeps them (what scoring reads of each)."""
    return {qid: {"id": qid, "type": q["type"], "points": q["points"], "spec": q["spec"]} for qid, q in questions.items()}


def _stored(row):
    """A submission row with its results as scoring reads them (older rows normalized)."""
    return {**row, "results": [result_json(result) for result in row["results"]]}


def _regraded(row, questions, regrade, passing_score):
    submission = _stored(row)
    after = regrade_submission(
        submission, questions, policy=regrade["policy"], allow_decrease=regrade["allow_decrease"], passing_score=passing_score
    )
    return submission, after


def dry_run(conn, assessment, body):
    """What the regrade would change, storing nothing: {affected, changed, passed_changed,
    changes (the first MAX_DRY_RUN_CHANGES)}."""
    questions = _snapshot(regraded_questions(conn, assessment["id"], body["question_ids"]))
    affected = changed = passed_changed = 0
    changes = []
    for row in sql.all_submissions(conn, assessment_id=assessment["id"]):
        if not any(result["question_id"] in questions for result in row["results"]):
            continue
        affected += 1
        submission, after = _regraded(row, questions, body, assessment["passing_score"])
        if not changes_anything(submission, after):
            continue
        changed += 1
        passed_changed += after["passed"] != submission["passed"]
        if len(changes) < MAX_DRY_RUN_CHANGES:
            changes.append(
                {
                    "submission_id": row["id"],
                    "learner_id": row["learner_id"],
                    "old_score": row["score"],
                    "new_score": after["score"],
                    "old_passed": row["passed"],
                    "new_passed": after["passed"],
                }
            )
    return {"affected": affected, "changed": changed, "passed_changed": passed_changed, "changes": changes}


def queue_regrade(conn, user, assessment, body):
    """Queue a regrade of every submission stored so far; the regrade row. 409 while the
    assessment has one queued or running."""
    # Submissions in flight finish first, and later ones wait: the regrade's set is exact.
    assessments_sql.lock_assessment(conn, assessment["id"])
    questions = _snapshot(regraded_questions(conn, assessment["id"], body["question_ids"]))
    try:
        return sql.insert_regrade(
            conn,
            regrade_id=new_id("rgr"),
            assessment_id=assessment["id"],
            policy=body["policy"],
            allow_decrease=body["allow_decrease"],
            question_ids=body["question_ids"],
            reason=body["reason"],
            created_by=user["id"],
            questions=questions,
        )
    except sql.RegradeUnderWay:
        raise conflict("A regrade of this assessment is already queued or running; wait for it to finish.") from None


def apply_regrade_batch(conn, size):
    """The worker's part: one batch of the oldest regrade no other worker holds, in this
    transaction (the caller commits); how many submissions it went through (0: none to do)."""
    regrade = sql.claim_regrade(conn)
    if regrade is None:
        return 0
    try:
        return _apply_batch(conn, regrade, size)
    except Exception as error:  # a bug or bad data: the regrade fails visibly instead of retrying forever
        if error.__class__.__module__.startswith("psycopg2"):
            raise
        log.exception("regrade %s failed", regrade["id"])
        conn.rollback()
        sql.fail(conn, regrade["id"], f"{error.__class__.__name__}: {error}")
        return 1


def _apply_batch(conn, regrade, size):
    assessment = assessments_sql.assessment_with_enrollment(conn, assessment_id=regrade["assessment_id"], user_id=None, for_share=True)
    batch = sql.next_batch(conn, regrade, size)
    changes = []
    for row in batch:
        submission, after = _regraded(row, regrade["questions"], regrade, assessment["passing_score"])
        if changes_anything(submission, after):
            changes.append((row, after))
    written = set(sql.store_rescored(conn, changes, changed_by=regrade["created_by"], reason=regrade["reason"], regrade_id=regrade["id"]))
    rescored = _rescored_events(conn, assessment["id"], written)
    refresh_grades(conn, assessment, {row["learner_id"] for row, _ in changes if row["id"] in written}, events=rescored)
    done = len(batch) < size
    sql.advance(conn, regrade["id"], last=batch[-1] if batch else None, processed=len(batch), changed=len(written), done=done)
    if done:
        finished = sql.get_regrade(conn, assessment_id=regrade["assessment_id"], regrade_id=regrade["id"])
        record(conn, "regrade.completed", regrade["id"], regrade_json(finished))
    return max(len(batch), 1)


def _rescored_events(conn, assessment_id, submission_ids):
    """submission.rescored for each submission just changed, as a manager's GET shows it."""
    if not submission_ids:
        return []
    notes = question_notes(questions_sql.question_notes(conn, assessment_id))
    rows = submissions_sql.submissions_by_id(conn, sorted(submission_ids))
    return [("submission.rescored", row["id"], shown_submission(row, FULL_VIEW, notes)) for row in rows]


def set_result(conn, user, assessment, submission_id, question_id, points_earned, reason):
    """Set one result's points by hand (credit follows); the submission row as stored now.
    404 for an unknown submission or a question it did not answer; 422 beyond the
    question's points."""
    row = sql.lock_submission(conn, assessment_id=assessment["id"], submission_id=submission_id)
    if row is None:
        raise not_found("submission")
    submission = _stored(row)
    index = next((n for n, result in enumerate(submission["results"]) if result["question_id"] == question_id), None)
    if index is None:
        raise not_found("result")
    result = submission["results"][index]
    possible = Decimal(result["points_possible"])
    if points_earned > possible:
        raise validation_failed({"points_earned": [f"Must be between 0 and the question's {possible} points."]})
    share = Fraction(points_earned) / Fraction(possible)
    results = list(submission["results"])
    results[index] = {**result, "points_earned": points_earned, "credit": credit_text(share), "correct": share == 1}
    after = scored(results, assessment["passing_score"])
    if changes_anything(submission, after):
        sql.store_rescored(conn, [(row, after)], changed_by=user["id"], reason=reason, regrade_id=None)
        refresh_grades(conn, assessment, [row["learner_id"]], events=_rescored_events(conn, assessment["id"], [row["id"]]))


def history_json(entry, view):
    """One history entry; the figures null while the reader may not see the score."""

    def figures(prefix):
        if not view["score_visible"]:
            return {"score": None, "passed": None, "points_earned": None}
        return {"score": entry[f"{prefix}_score"], "passed": entry[f"{prefix}_passed"], "points_earned": entry[f"{prefix}_points_earned"]}

    return {
        "changed_at": entry["changed_at"],
        "changed_by": entry["changed_by"],
        "reason": entry["reason"],
        "regrade_id": entry["regrade_id"],
        "old": figures("old"),
        "new": figures("new"),
    }


def regrade_json(row):
    return {name: row[name] for name in ("id", "status", "total", "processed", "changed", "created_at", "started_at", "finished_at")} | {
        "assessment_id": row["assessment_id"],
        "policy": row["policy"],
        "allow_decrease": row["allow_decrease"],
        "question_ids": row["question_ids"],
        "reason": row["reason"],
        "error": row["error"],
    }
