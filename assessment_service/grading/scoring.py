"""Scoring: pure functions on plain data. No Flask, no database, no binary floats.

A question is a dict {"id", "type", "points": Decimal, "spec"}; its type's module
(authoring.question_types) checks an answer's shape and says how much credit the answer
earns, as an exact fraction between 0 and 1. A question then earns points x credit,
rounded half-up to the cent; the submission's points are the sum of its questions', and
its score and pass mark follow from those exactly.
"""

from decimal import Decimal
from fractions import Fraction

from ..authoring.question_types import QUESTION_TYPES, question_type
from ..authoring.question_types.common import FULL as FULL_CREDIT
from ..authoring.question_types.common import NONE

__all__ = [
    "FULL_CREDIT",
    "QUESTION_TYPES",
    "answer_errors",
    "credit_of",
    "is_correct",
    "is_passing",
    "result_of",
    "score_percent",
    "score_submission",
    "scored",
]

# The text of one submission's answers, as UTF-8 bytes: what one learner can make the
# service store and send back is bounded, whatever the number of questions.
MAX_ANSWER_TEXT_BYTES = 64 * 1024

CENT = Decimal("0.01")
CREDIT_PLACES = 4


# ---------------------------------------------------------------- answer shape


def answer_errors(questions, answers, unknown="Not a question of this assessment."):
    """Validation errors of a submission's answers ({path: [message]}); empty when valid.

    `answers` is a list of {"question_id", "answer"}. Unknown or repeated question ids
    (`unknown`: what is said of an id not among `questions`), answers of the wrong shape
    for the question's type, and ids that are not the question's own (or repeated) are errors.
    """
    by_id = {question["id"]: question for question in questions}
    seen = set()
    errors = {}
    text_bytes = 0
    for index, item in enumerate(answers):
        question_id = item["question_id"]
        question = by_id.get(question_id)
        if question is None:
            errors[f"answers.{index}.question_id"] = [unknown]
            continue
        if question_id in seen:
            errors[f"answers.{index}.question_id"] = ["This question is answered twice."]
            continue
        seen.add(question_id)
        if item["answer"] is None:
            continue  # an explicit null is "unanswered"
        message = question_type(question["type"]).shape_error(question["spec"], item["answer"])
        if message:
            errors[f"answers.{index}.answer"] = [message]
        elif isinstance(item["answer"], str) and question["type"] == "short_text":
            text_bytes += len(item["answer"].encode("utf-8"))
    if not errors and text_bytes > MAX_ANSWER_TEXT_BYTES:
        errors["answers"] = [f"The text answers are at most {MAX_ANSWER_TEXT_BYTES} bytes (UTF-8) in all."]
    return errors


# ---------------------------------------------------------------- credit


def credit_of(question, answer):
    """The exact credit (0 to 1) a well-shaped answer earns; an unanswered question earns 0."""
    if answer is None:
        return NONE
    return question_type(question["type"]).credit(question["spec"], answer)


def is_correct(question, answer):
    """Whether an answer earns full credit."""
    return credit_of(question, answer) == 1


def earned_cents(points_cents, credit):
    """points x credit in cents, rounded half-up from the exact product."""
    product = points_cents * Fraction(credit)
    return (2 * product.numerator + product.denominator) // (2 * product.denominator)


def credit_text(credit):
    """The credit as a decimal string with 4 places, rounded half-up ("0.6667")."""
    credit = Fraction(credit)
    scaled = (2 * credit.numerator * 10**CREDIT_PLACES + credit.denominator) // (2 * credit.denominator)
    return f"{Decimal(scaled).scaleb(-CREDIT_PLACES):.{CREDIT_PLACES}f}"


# ---------------------------------------------------------------- the score


def cents(points):
    return int((Decimal(points) * 100).to_integral_exact())


def points(cents_):
    return (Decimal(cents_) / 100).quantize(CENT)


def score_percent(earned_cents, possible_cents):
    """earned / possible * 100, rounded half-up to two decimals, as an exact Decimal."""
    # In hundredths of a percent: earned * 10000 / possible, rounded half-up in integers.
    hundredths = (2 * earned_cents * 10_000 + possible_cents) // (2 * possible_cents)
    return (Decimal(hundredths) / 100).quantize(CENT)


def is_passing(earned_cents, possible_cents, passing_score):
    """score >= passing_score on the exact ratio (never on the rounded figure)."""
    return earned_cents * 100 >= passing_score * possible_cents


def result_of(question, answer, credit=None):
    """The result of one question: a well-shaped answer (or None) scored against it, or
    given `credit` (a regrade's full credit)."""
    if credit is None:
        credit = credit_of(question, answer)
    possible = cents(question["points"])
    return {
        "question_id": question["id"],
        "type": question["type"],
        "answered": answer is not None,
        "correct": credit == 1,
        "credit": credit_text(credit),
        "points_earned": points(earned_cents(possible, credit)),
        "points_possible": points(possible),
        "answer": answer,
        # The key as scored, kept with the result (shown when the review policy allows).
        "correct_answer": question_type(question["type"]).correct_answer(question["spec"]),
    }


def scored(results, passing_score):
    """{"results", "points_earned", "points_possible", "score", "passed"} of a submission
    made of these results: its points are the sum of theirs, its score and pass mark follow
    exactly."""
    earned_total = sum(cents(result["points_earned"]) for result in results)
    possible_total = sum(cents(result["points_possible"]) for result in results)
    return {
        "results": results,
        "points_earned": points(earned_total),
        "points_possible": points(possible_total),
        "score": score_percent(earned_total, possible_total),
        "passed": is_passing(earned_total, possible_total, passing_score),
    }


def score_submission(questions, answers, passing_score):
    """Score valid answers against the questions (in question order).

    Returns scored(): each result is result_of() its question; questions without an answer
    are unanswered and earn nothing.
    """
    if not questions:
        raise ValueError("an assessment without questions cannot be scored")
    given = {item["question_id"]: item["answer"] for item in answers}
    return scored([result_of(question, given.get(question["id"])) for question in questions], passing_score)
