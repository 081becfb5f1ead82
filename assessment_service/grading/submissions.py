"""Stored submissions as the API shows them, one at a time or a bounded page at a time."""

from ..authoring.questions import question_notes
from ..authoring.sql import questions as questions_sql
from ..core.errors import invalid_parameter
from ..http.pagination import encoded
from . import sql
from .review import FULL_VIEW, reviewed_submission

RESULT_KEYS = ("question_id", "answered", "correct", "credit", "points_earned", "points_possible", "answer")

# The most a page of submissions may hold (its results, as stored), checked before they
# are read; and the most it may be as sent (what a review shows beside the stored results
# counts too). Under the 16 MiB any response may be, and well within a worker's 64 MiB.
PAGE_BYTES = 12 * 2**20
SENT_PAGE_BYTES = 15 * 2**20


def result_json(result):
    """A stored result in the documented key order (jsonb does not keep it), with its
    question's type and the correct answer it was scored against, which
    review.reviewed_submission uses and shows as the review policy allows. Results stored
    before partial credit existed have no `credit`: theirs was all or nothing; those stored
    before the review policy have neither type nor correct answer."""
    if "credit" not in result:
        result = {**result, "credit": "1.0000" if result["correct"] else "0.0000"}
    return {**{key: result[key] for key in RESULT_KEYS}, "type": result.get("type"), "correct_answer": result.get("correct_answer")}


def submission_json(row):
    return {
        "id": row["id"],
        "assessment_id": row["assessment_id"],
        "learner_id": row["learner_id"],
        "attempt_id": row["attempt_id"],
        "attempt_number": row["attempt_number"],
        "score": row["score"],
        "passed": row["passed"],
        "points_earned": row["points_earned"],
        "points_possible": row["points_possible"],
        "submitted_at": row["submitted_at"],
        "finalized_by": row["finalized_by"],
        "late": row["late"],
        "regraded": row["regraded"],
        "results": [result_json(result) for result in row["results"]],
    }


def created_event(submission, notes):
    """submission.created for a submission just stored, for outbox.record_all in the
    transaction that stores it: as a manager's GET shows it (`notes`: its questions'
    authoring.questions.question_notes)."""
    return "submission.created", submission["id"], shown_submission(submission, FULL_VIEW, notes)


def notes_for(conn, assessment_id, view):
    """The question notes a reviewed submission shows with `view` (none while correctness
    is hidden: then no feedback shows)."""
    if not view["correctness_visible"]:
        return {}
    return question_notes(questions_sql.question_notes(conn, assessment_id))


def shown_submission(row, view, notes):
    """A stored submission as a reader with `view` sees it (grading.review)."""
    return reviewed_submission(submission_json(row), view, notes)


def encoded_page(conn, *, assessment_id, learner_id, visible_to, limit, offset, view, notes):
    """(encoded submissions, total) of one page, as a reader with `view` sees them (a
    manager, or the learner whose own they are); 400 per_page when the page would be
    larger than PAGE_BYTES, saying how many would fit."""
    rows, total = sql.list_submissions(
        conn,
        assessment_id=assessment_id,
        learner_id=learner_id,
        visible_to=visible_to,
        limit=limit,
        offset=offset,
        byte_budget=PAGE_BYTES,
    )
    items = []
    sent = 0
    for submission in rows:
        if not submission["fits"]:
            raise _too_large(PAGE_BYTES, len(items))
        items.append(encoded(shown_submission(submission, view, notes)))
        sent += len(items[-1])
        if sent > SENT_PAGE_BYTES:
            raise _too_large(SENT_PAGE_BYTES, len(items) - 1)
    return items, total


def _too_large(limit, fitting):
    return invalid_parameter("per_page", [f"This page would be larger than {limit // 2**20} MiB: ask for at most {fitting} per page here."])
