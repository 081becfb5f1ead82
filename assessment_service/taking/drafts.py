"""Drafts (contract section 14): the answers a learner saves during an attempt.

A save merges into the attempt's saved answers by question id (a null answer removes
one), validated as a submission's answers are; every save is one revision more, and a
save naming a revision that is not the current one (If-Match) changes nothing, so two
tabs never overwrite each other unseen. Submitting the attempt takes the saved answers
with the submission's own over them; the deadline takes them as they are.
"""

from ..core.errors import ApiError, validation_failed
from ..grading import scoring
from . import sql
from .answers import answer_list, merged_answers
from .attempts import attempt_to_answer, questions_of_attempt, refuse_unless_running


def draft_json(attempt):
    return {
        "attempt_id": attempt["id"],
        "revision": attempt["revision"],
        "saved_at": attempt["saved_at"],
        "answers": answer_list(attempt["saved_answers"]),
    }


def save_draft(conn, *, learner, assessment, attempt_id, answers, expected_revision, grace):
    """Merge `answers` into the attempt's saved answers; the attempt, one revision later.

    404 unless it is the learner's; 409 once it is no longer in progress (attempt_expired
    after its time and grace, when the deadline has just finalized it: that stays); 422 for
    answers that do not fit the questions (whatever the revision: a body that is wrong is
    wrong in any tab); 412 when `expected_revision` is given and not the current one.
    """
    attempt = attempt_to_answer(conn, learner, assessment, attempt_id, grace)
    refuse_unless_running(conn, assessment, attempt)
    # The attempt's paper's questions (contract section 13); an answer to one of them that was
    # deleted since the draw is dropped, as a submission drops it.
    questions = questions_of_attempt(conn, assessment["id"], attempt)
    if attempt["paper"] is not None:
        drawn = {entry["id"] for entry in attempt["paper"]["questions"]}
        present = {question["id"] for question in questions}
        answers = [item for item in answers if item["question_id"] not in drawn or item["question_id"] in present]
        unknown = "Not a question of this attempt's paper."
    else:
        unknown = "Not a question of this assessment."
    errors = scoring.answer_errors(questions, answers, unknown) or scoring.answer_errors(
        questions, merged_answers(questions, attempt["saved_answers"], answers)
    )
    if errors:
        raise validation_failed(errors, "The answers do not fit the assessment's questions.")
    if expected_revision is not None and expected_revision != attempt["revision"]:
        raise ApiError(
            412,
            "precondition_failed",
            "The saved answers have changed since that revision; read them again.",
            {"current_revision": attempt["revision"]},
        )
    saved = {item["question_id"]: item["answer"] for item in merged_answers(questions, attempt["saved_answers"], answers)}
    return sql.save_answers(conn, attempt_id=attempt["id"], saved_answers=saved, grace=grace)
