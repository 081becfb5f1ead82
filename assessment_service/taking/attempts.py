"""Attempts: sittings that count toward the retake limit (contract sections 9 and 14)."""

import math
import secrets

from ..authoring.questions import question_json
from ..authoring.sql import question_groups as groups_sql
from ..authoring.sql import questions as questions_sql
from ..core.errors import conflict, not_found
from ..core.ids import new_id
from ..events.outbox import record
from ..grading import sql as submissions_sql
from ..http.idempotency import commit_before_error
from . import deadline, sql
from .answers import answer_list
from .papers import GroupTooSmall, arranged, draw_paper, on_paper
from .policy import attempts_refusal, cooldown_refusal, window_refusal
from .retake_limit import last_ended_at, standing

# Papers are drawn from a cryptographic source: a learner who has seen many papers cannot
# predict the next one's draw.
PAPER_RANDOM = secrets.SystemRandom()

ATTEMPT_KEYS = ("id", "assessment_id", "learner_id", "attempt_number", "started_at", "expires_at", "submitted_at", "status")


def attempt_json(row, *, for_its_learner=False):
    """The attempt as the API shows it; its learner also sees their saved answers and the clock."""
    body = {key: row[key] for key in ATTEMPT_KEYS}
    if for_its_learner:
        body["saved_answers"] = answer_list(row["saved_answers"])
        body["revision"] = row["revision"]
        body["server_time"] = row["db_now"]
        body["seconds_remaining"] = seconds_remaining(row)
    return body


def seconds_remaining(row):
    """Whole seconds until the attempt's time is up (0 after; None untimed or not in progress)."""
    if row["status"] != "in_progress" or row["expires_at"] is None:
        return None
    return max(0, math.ceil((row["expires_at"] - row["db_now"]).total_seconds()))


def start_attempt(conn, *, learner, assessment, grace):
    """(attempt, created): the attempt in progress, or a new one when none is, with its
    paper drawn and stored in the same transaction.

    `assessment` is locked (retake_limit.load_assessment_to_take): its questions and groups
    stay as read until the paper is stored. Refused, in this order: 403 who may not take
    it, 409 no questions, 403 outside the learner's window, 403 every attempt used, 403
    within the cooldown after their last attempt, 409 a group smaller than its pick_count.
    """
    current = standing(conn, learner, assessment, grace)
    questions = questions_sql.questions_of(conn, assessment["id"])
    if not questions:
        raise conflict("The assessment has no questions yet.")
    if current.latest is not None and current.latest["status"] == "in_progress":
        return current.latest, False
    policy = current.policy
    refusal = (
        window_refusal(policy, current.now)
        or attempts_refusal(policy, current.attempts_used)
        or cooldown_refusal(policy, current.now, last_ended_at(current.latest))
    )
    if refusal:
        raise refusal
    attempt = sql.start_attempt(
        conn,
        attempt_id=new_id("att"),
        assessment_id=assessment["id"],
        learner_id=learner["id"],
        attempt_number=current.attempts_used + 1,
        time_limit_seconds=policy.time_limit_seconds,
        closes_at=policy.available_until,
        paper=new_paper(conn, assessment, questions),
        grace=grace,
    )
    record(conn, "attempt.started", attempt["id"], attempt_json(attempt))
    return attempt, True


def new_paper(conn, assessment, questions):
    """A paper drawn from the assessment's questions and groups (409 naming a group that
    holds fewer questions than its pick_count)."""
    groups = groups_sql.groups_of(conn, assessment["id"])
    try:
        return draw_paper(
            questions,
            groups,
            shuffle_questions=assessment["shuffle_questions"],
            shuffle_choices=assessment["shuffle_choices"],
            rng=PAPER_RANDOM,
        )
    except GroupTooSmall as exc:
        group = exc.group
        raise conflict(
            f"The question group '{group['name']}' holds {exc.question_count} questions, fewer than its pick_count of "
            f"{group['pick_count']}: the assessment cannot be started.",
            details={
                "group_id": group["id"],
                "name": group["name"],
                "question_count": exc.question_count,
                "pick_count": group["pick_count"],
            },
        ) from None


def needs_attempt(assessment):
    """Whether the assessment (a row of assessment_with_enrollment, which says whether it
    has_groups) is taken through attempts only, for its paper (contract section 13): it
    has a question group, or shuffles."""
    return assessment["shuffle_questions"] or assessment["shuffle_choices"] or assessment["has_groups"]


def questions_of_attempt(conn, assessment_id, attempt, all_questions=None):
    """The questions an attempt is answered and scored against, as they are now, in its
    order: its paper's (a question deleted since the draw left out), or, for an attempt
    without a paper (made by a submission, or by an earlier version), every question of
    the assessment. `all_questions`: the assessment's questions when already loaded."""
    paper = None if attempt is None else attempt.get("paper")
    if paper is None:
        return questions_sql.questions_of(conn, assessment_id) if all_questions is None else all_questions
    if all_questions is None:
        all_questions = questions_sql.questions_of(conn, assessment_id, ids=[entry["id"] for entry in paper["questions"]])
    return on_paper(paper, all_questions)


def paper_json(conn, assessment_id, attempt, with_key):
    """The attempt's `questions` as its learner or a manager reads them: the paper in its
    order, each question's lists in the paper's order (answer keys only `with_key`)."""
    questions = questions_of_attempt(conn, assessment_id, attempt)
    paper = attempt.get("paper")
    entries = {} if paper is None else {entry["id"]: entry for entry in paper["questions"]}
    if paper is None and not with_key:
        # No paper (an earlier version's attempt, or one a submission made): a learner sees
        # what GET /assessments/{id} shows them, never a group's questions.
        questions = [question for question in questions if question["group_id"] is None]
    return [arranged(question_json(question, with_key), entries.get(question["id"], {})) for question in questions]


def attempt_to_answer(conn, learner, assessment, attempt_id, grace, missing_ok=False):
    """The learner's attempt, locked for the rest of the request (404 unless it is theirs;
    None then with `missing_ok`)."""
    attempt = sql.get_attempt(conn, assessment_id=assessment["id"], attempt_id=attempt_id, grace=grace, for_update=True)
    if attempt is None or attempt["learner_id"] != learner["id"]:
        if missing_ok:
            return None
        raise not_found("attempt")
    return attempt


def refuse_unless_running(conn, assessment, attempt):
    """The 409 for a locked attempt that is not in progress any more; one whose time ran out
    just now is finalized first, and that stays whatever the request answers."""
    if attempt["due"]:
        deadline.finalize(conn, assessment, attempt)
        commit_before_error()
        raise attempt_closed_error(conn, attempt)
    if attempt["status"] != "in_progress":
        raise attempt_closed_error(conn, attempt)


def attempt_closed_error(conn, attempt):
    """The 409 for an attempt that is no longer in progress: attempt_expired once its time
    ran out (with the submission the deadline made of it, if any), conflict when submitted."""
    submission = submissions_sql.submission_of_attempt(conn, attempt["id"])
    if submission is not None and submission["finalized_by"] == "learner":
        return conflict("This attempt has already been submitted.")
    details = {"expires_at": attempt["expires_at"]}
    if submission is not None:
        details["submission_id"] = submission["id"]
    return conflict(
        "The attempt's time ran out; it was finalized at its deadline and still counts.",
        code="attempt_expired",
        details=details,
    )


def extend_attempt(conn, *, assessment, attempt_id, minutes, grace):
    """Move an attempt in progress's expires_at `minutes` later (even past the window's end).

    404 for an unknown attempt; 409 for one that is not in progress or has no time limit,
    and for one whose deadline has passed (which is then finalized, and stays so).
    """
    attempt = sql.get_attempt(conn, assessment_id=assessment["id"], attempt_id=attempt_id, grace=grace, for_update=True)
    if attempt is None:
        raise not_found("attempt")
    refuse_unless_running(conn, assessment, attempt)
    if attempt["expires_at"] is None:
        raise conflict("This attempt has no time limit to extend.")
    return sql.extend_attempt(conn, attempt_id=attempt_id, minutes=minutes, grace=grace)
