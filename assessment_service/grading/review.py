"""The review policy (contract section 15): when a learner sees their score, which answers
were right, and the correct answers, and what their submissions and grades show until
then. Pure: plain data in, plain data out.

An assessment's `review` maps each of REVIEW_KEYS to a moment (authoring.grading_settings).
A learner's moments are reached by their own standing (their override's dates and extra
attempts included); managers always see everything (FULL_VIEW).
"""

from dataclasses import dataclass

from ..authoring.grading_settings import MOMENT_NEEDS, REVIEW_KEYS

FULL_VIEW = {"score_visible": True, "correctness_visible": True, "correct_answers_visible": True}
CHOICE_TYPES = ("single_choice", "multiple_choice")


@dataclass(frozen=True)
class ReviewStanding:
    """What a learner's moments depend on, as it is now."""

    now: object
    due_at: object
    available_until: object
    attempts_left: bool  # another attempt could still be used (or one is in progress)


def needs_standing(review):
    """Whether any moment depends on the learner's standing (else it is known without it)."""
    return any(review[key] in MOMENT_NEEDS for key in REVIEW_KEYS)


def reached(moment, standing):
    if moment == "immediately":
        return True
    if moment == "never":
        return False
    if moment == "after_last_attempt":
        return not standing.attempts_left
    limit = standing.due_at if moment == "after_due" else standing.available_until
    return limit is not None and standing.now >= limit


def visibility(review, standing):
    """{score_visible, correctness_visible, correct_answers_visible} of a learner now;
    correct answers show only while correctness does. `standing` may be None when
    needs_standing(review) is false."""
    correctness = reached(review["show_correctness"], standing)
    return {
        "score_visible": reached(review["show_score"], standing),
        "correctness_visible": correctness,
        "correct_answers_visible": correctness and reached(review["show_correct_answers"], standing),
    }


def reviewed_submission(submission, view, notes):
    """A submission object (grading.submissions.submission_json) as `view` lets its reader
    see it. `notes` maps question ids to {"type", "feedback", "choices": {choice id:
    feedback}} (authoring's question_notes): what the results show beside the stored
    figures."""
    shown = dict(submission)
    if not view["score_visible"]:
        shown.update(score=None, passed=None, points_earned=None)
    shown["results"] = [_reviewed_result(result, view, notes.get(result["question_id"])) for result in submission["results"]]
    shown["review"] = dict(view)
    return shown


def _reviewed_result(result, view, note):
    """One result: correctness (and the chosen choices' feedback) only while correctness
    shows, the correct answer (as scored) and the question's feedback only with them."""
    shown = {key: value for key, value in result.items() if key not in ("type", "correct_answer")}
    kind = result["type"] or (note and note["type"])
    if not view["correctness_visible"]:
        shown.update(correct=None, credit=None, points_earned=None)
    elif kind in CHOICE_TYPES:
        chosen = [] if result["answer"] is None else result["answer"] if isinstance(result["answer"], list) else [result["answer"]]
        texts = note["choices"] if note is not None else {}
        shown["choice_feedback"] = [{"choice_id": choice, "feedback": texts[choice]} for choice in chosen if choice in texts]
    if view["correct_answers_visible"]:
        shown["correct_answer"] = result["correct_answer"]
        shown["feedback"] = None if note is None else note["feedback"]
    return shown


def reviewed_grade(grade, view):
    """A grade object as `view` lets its reader see it."""
    shown = dict(grade)
    if not view["score_visible"]:
        shown.update(score=None, passed=None, first_passed_at=None)
    shown["review"] = dict(view)
    return shown


def standing_of(policy, now, attempts_used, attempt_in_progress):
    """The ReviewStanding of a learner with this effective policy (authoring.effective_policy)."""
    attempts_left = attempt_in_progress or policy.max_attempts is None or attempts_used < policy.max_attempts
    return ReviewStanding(now=now, due_at=policy.due_at, available_until=policy.available_until, attempts_left=attempts_left)
