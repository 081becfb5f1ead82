"""What a regrade makes of one stored submission (contract section 16). Pure: plain data in,
plain data out, exact arithmetic (grading.scoring).

A regrade applies today's questions (as they were when it was asked for) to each
submission's stored answers, on the questions it names that the submission answered;
a question since deleted, or not named, keeps its stored result.
"""

from decimal import Decimal

from .scoring import FULL_CREDIT, answer_errors, result_of, scored

POLICIES = ("new_key", "new_or_old_key", "full_credit")


def regraded_result(result, question, policy, allow_decrease):
    """The result of one question after the regrade: scored against today's `question`
    (an answer that no longer fits it earns nothing), the better of that and the stored
    one with new_or_old_key, full points with full_credit; with `allow_decrease` false,
    never fewer points than it had (the stored result then stays)."""
    answer = result["answer"]
    fits = answer is None or not answer_errors([question], [{"question_id": question["id"], "answer": answer}])
    credit = FULL_CREDIT if policy == "full_credit" else None
    # The stored answer stays as it was sent, even when it no longer fits and earns nothing.
    new = {**result_of(question, answer if fits else None, credit=credit), "answer": answer, "answered": answer is not None}
    keep_old = policy == "new_or_old_key" or not allow_decrease
    if keep_old and Decimal(result["points_earned"]) > Decimal(new["points_earned"]):
        return result
    return new


def regrade_submission(submission, questions, *, policy, allow_decrease, passing_score):
    """scoring.scored() of the submission's results after the regrade; `questions` maps the
    ids of the questions regraded to today's version of each."""
    results = [
        regraded_result(result, questions[result["question_id"]], policy, allow_decrease) if result["question_id"] in questions else result
        for result in submission["results"]
    ]
    return scored(results, passing_score)


_COMPARED = ("correct", "credit", "points_earned", "points_possible")


def changes_anything(submission, after):
    """Whether the regrade changes what is stored of the submission's score."""
    if (Decimal(submission["points_earned"]), Decimal(submission["points_possible"]), submission["passed"]) != (
        after["points_earned"],
        after["points_possible"],
        after["passed"],
    ):
        return True
    return any(
        tuple(str(old.get(key)) for key in _COMPARED) != tuple(str(new.get(key)) for key in _COMPARED)
        for old, new in zip(submission["results"], after["results"])
    )
