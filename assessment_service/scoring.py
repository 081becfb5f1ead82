"""Scoring: pure functions on plain data. No Flask, no database, no binary floats.

A question is a dict: {"id", "type", "points": Decimal, "spec": {...}} where spec holds the
type's answer key (choices with ids and `correct`, `correct_answer`, `accepted_answers`,
`case_sensitive`, `tolerance`). An answer is what the learner sent for one question.
"""

from decimal import Decimal

QUESTION_TYPES = ("single_choice", "multiple_choice", "true_false", "short_text", "numeric")

# Bounds on a numeric answer: anything larger cannot be meant, and PostgreSQL's numeric
# (where answers are stored) must be able to hold it.
MAX_NUMERIC_ANSWER = Decimal("1e15")
MAX_NUMERIC_ANSWER_PLACES = 20
MAX_TEXT_ANSWER = 10_000
# The text of one submission's answers, as UTF-8 bytes: what one learner can make the
# service store and send back is bounded, whatever the number of questions.
MAX_ANSWER_TEXT_BYTES = 64 * 1024

CENT = Decimal("0.01")


# ---------------------------------------------------------------- answer shape


def answer_errors(questions, answers):
    """Validation errors of a submission's answers ({path: [message]}); empty when valid.

    `answers` is a list of {"question_id", "answer"}. Unknown or repeated question ids,
    answers of the wrong shape for the question's type, and choice ids that are not the
    question's own (or repeated) are errors.
    """
    by_id = {question["id"]: question for question in questions}
    seen = set()
    errors = {}
    text_bytes = 0
    for index, item in enumerate(answers):
        question_id = item["question_id"]
        question = by_id.get(question_id)
        if question is None:
            errors[f"answers.{index}.question_id"] = ["Not a question of this assessment."]
            continue
        if question_id in seen:
            errors[f"answers.{index}.question_id"] = ["This question is answered twice."]
            continue
        seen.add(question_id)
        if item["answer"] is None:
            continue  # an explicit null is "unanswered"
        message = _shape_error(question, item["answer"])
        if message:
            errors[f"answers.{index}.answer"] = [message]
        elif question["type"] == "short_text":
            text_bytes += len(item["answer"].encode("utf-8"))
    if not errors and text_bytes > MAX_ANSWER_TEXT_BYTES:
        errors["answers"] = [f"The text answers are at most {MAX_ANSWER_TEXT_BYTES} bytes (UTF-8) in all."]
    return errors


def _choice_ids(question):
    return {choice["id"] for choice in question["spec"]["choices"]}


def _is_number(value):
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def _shape_error(question, answer):
    kind = question["type"]
    if kind == "single_choice":
        if not isinstance(answer, str):
            return "Must be a choice id (string)."
        if answer not in _choice_ids(question):
            return "Not a choice of this question."
    elif kind == "multiple_choice":
        if not isinstance(answer, list) or not all(isinstance(choice, str) for choice in answer):
            return "Must be an array of choice ids."
        if len(set(answer)) != len(answer):
            return "A choice id is repeated."
        if not set(answer) <= _choice_ids(question):
            return "Not a choice of this question."
    elif kind == "true_false":
        if not isinstance(answer, bool):
            return "Must be true or false."
    elif kind == "short_text":
        if not isinstance(answer, str):
            return "Must be a string."
        if len(answer) > MAX_TEXT_ANSWER:
            return f"At most {MAX_TEXT_ANSWER} characters."
    elif kind == "numeric":
        if not _is_number(answer) or not Decimal(answer).is_finite():
            return "Must be a number."
        if abs(answer) > MAX_NUMERIC_ANSWER:
            return f"Must be between -{MAX_NUMERIC_ANSWER:f} and {MAX_NUMERIC_ANSWER:f}."
        if Decimal(answer).as_tuple().exponent < -MAX_NUMERIC_ANSWER_PLACES:
            return f"At most {MAX_NUMERIC_ANSWER_PLACES} decimal places."
    return None


# ---------------------------------------------------------------- correctness


def normalize_text(text, case_sensitive):
    """Trim, collapse inner white space, and case-fold unless case-sensitive."""
    collapsed = " ".join(text.split())
    return collapsed if case_sensitive else collapsed.casefold()


def is_correct(question, answer):
    """Whether a (well-shaped, non-null) answer is correct for the question."""
    spec = question["spec"]
    kind = question["type"]
    if kind == "single_choice":
        return any(choice["id"] == answer and choice["correct"] for choice in spec["choices"])
    if kind == "multiple_choice":
        return set(answer) == {choice["id"] for choice in spec["choices"] if choice["correct"]}
    if kind == "true_false":
        return answer is spec["correct_answer"]
    if kind == "short_text":
        case_sensitive = spec.get("case_sensitive", False)
        wanted = normalize_text(answer, case_sensitive)
        return any(normalize_text(accepted, case_sensitive) == wanted for accepted in spec["accepted_answers"])
    if kind == "numeric":
        # Exact decimal comparison. The bounds are computed from the stored key (few digits,
        # so exact in Decimal's 28-digit context); comparing to the answer never rounds.
        correct = Decimal(spec["correct_answer"])
        tolerance = Decimal(spec.get("tolerance", 0))
        return correct - tolerance <= Decimal(answer) <= correct + tolerance
    raise ValueError(f"unknown question type {kind!r}")


# ---------------------------------------------------------------- the score


def _cents(points):
    return int((Decimal(points) * 100).to_integral_exact())


def _points(cents):
    return (Decimal(cents) / 100).quantize(CENT)


def score_percent(earned_cents, possible_cents):
    """earned / possible * 100, rounded half-up to two decimals, as an exact Decimal."""
    # In hundredths of a percent: earned * 10000 / possible, rounded half-up in integers.
    hundredths = (2 * earned_cents * 10_000 + possible_cents) // (2 * possible_cents)
    return (Decimal(hundredths) / 100).quantize(CENT)


def is_passing(earned_cents, possible_cents, passing_score):
    """score >= passing_score on the exact ratio (never on the rounded figure)."""
    return earned_cents * 100 >= passing_score * possible_cents


def score_submission(questions, answers, passing_score):
    """Score valid answers against the questions (in question order).

    Returns {"results": [...], "points_earned", "points_possible", "score", "passed"};
    each result is {"question_id", "answered", "correct", "points_earned",
    "points_possible", "answer"}. Questions without an answer are unanswered and not correct.
    """
    if not questions:
        raise ValueError("an assessment without questions cannot be scored")
    given = {item["question_id"]: item["answer"] for item in answers}
    results = []
    earned_cents = possible_cents = 0
    for question in questions:
        answer = given.get(question["id"])
        answered = answer is not None
        correct = answered and is_correct(question, answer)
        points_cents = _cents(question["points"])
        possible_cents += points_cents
        if correct:
            earned_cents += points_cents
        results.append(
            {
                "question_id": question["id"],
                "answered": answered,
                "correct": correct,
                "points_earned": _points(points_cents if correct else 0),
                "points_possible": _points(points_cents),
                "answer": answer,
            }
        )
    return {
        "results": results,
        "points_earned": _points(earned_cents),
        "points_possible": _points(possible_cents),
        "score": score_percent(earned_cents, possible_cents),
        "passed": is_passing(earned_cents, possible_cents, passing_score),
    }
