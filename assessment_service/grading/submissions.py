"""Stored submissions as the API shows them, one at a time or a bounded page at a time."""

from ..core.errors import invalid_parameter
from ..http.pagination import encoded
from . import sql

RESULT_KEYS = ("question_id", "answered", "correct", "credit", "points_earned", "points_possible", "answer")

# The most a page of submissions may hold (its results, as stored). Stays under the 16 MiB
# any response may be, and keeps what a page costs a worker well within its 64 MiB.
PAGE_BYTES = 12 * 2**20


def result_json(result):
    """A stored result in the documented key order (jsonb does not keep it). Results stored
    before partial credit existed have no `credit`: theirs was all or nothing."""
    if "credit" not in result:
        result = {**result, "credit": "1.0000" if result["correct"] else "0.0000"}
    return {key: result[key] for key in RESULT_KEYS}


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
        "results": [result_json(result) for result in row["results"]],
    }


def encoded_page(conn, *, assessment_id, learner_id, visible_to, limit, offset):
    """(encoded submissions, total) of one page; 400 per_page when the page would be
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
    for submission in rows:
        if not submission["fits"]:
            raise invalid_parameter(
                "per_page", [f"This page would be larger than {PAGE_BYTES // 2**20} MiB: ask for at most {len(items)} per page here."]
            )
        items.append(encoded(submission_json(submission)))
    return items, total
