"""numeric: a number key with a tolerance; correct when abs(answer - key) <= tolerance,
compared as exact decimals of the JSON numbers as written (0.4 is within 0.3 +/- 0.1)."""

from decimal import Decimal

from .common import FULL, NONE, SpecErrors, is_number

NAME = "numeric"
FIELDS = ("correct_answer", "tolerance")
MAX_KEY = Decimal("1e12")
MAX_KEY_PLACES = 10
# Anything larger cannot be meant, and PostgreSQL's numeric (where answers are kept) must hold it.
MAX_ANSWER = Decimal("1e15")
MAX_ANSWER_PLACES = 20
REQUIRED = ("correct_answer",)
SHOWN = ()
KEY = ("correct_answer", "tolerance")
ANSWER = {
    "type": "number",
    "minimum": -int(MAX_ANSWER),
    "maximum": int(MAX_ANSWER),
    "description": f"numeric: a number with at most {MAX_ANSWER_PLACES} decimal places.",
}
FIELD_SCHEMAS = {
    "correct_answer": {
        "type": "number",
        "minimum": -int(MAX_KEY),
        "maximum": int(MAX_KEY),
        "multipleOf": Decimal(1).scaleb(-MAX_KEY_PLACES),
        "description": f"The right answer, with at most {MAX_KEY_PLACES} decimal places.",
    }
}


def build_spec(fields, current=None):
    answer = fields.get("correct_answer")
    if not is_number(answer):
        raise SpecErrors({"correct_answer": ["Must be a number."]})
    if abs(answer) > MAX_KEY or Decimal(answer).as_tuple().exponent < -MAX_KEY_PLACES:
        raise SpecErrors(
            {"correct_answer": [f"Must be between -{MAX_KEY:f} and {MAX_KEY:f}, with at most {MAX_KEY_PLACES} decimal places."]}
        )
    tolerance = fields.get("tolerance")
    return {"correct_answer": answer, "tolerance": Decimal(0) if tolerance is None else tolerance}


def shape_error(spec, answer):
    if not is_number(answer) or not Decimal(answer).is_finite():
        return "Must be a number."
    if abs(answer) > MAX_ANSWER:
        return f"Must be between -{MAX_ANSWER:f} and {MAX_ANSWER:f}."
    if Decimal(answer).as_tuple().exponent < -MAX_ANSWER_PLACES:
        return f"At most {MAX_ANSWER_PLACES} decimal places."
    return None


def credit(spec, answer):
    # The bounds come from the stored key (few digits, so exact in Decimal's 28-digit
    # context); comparing with the answer never rounds.
    key = Decimal(spec["correct_answer"])
    tolerance = Decimal(spec.get("tolerance", 0))
    return FULL if key - tolerance <= Decimal(answer) <= key + tolerance else NONE


def shown(spec, with_key):
    return {"correct_answer": spec["correct_answer"], "tolerance": spec.get("tolerance", Decimal(0))} if with_key else {}


def correct_answer(spec):
    return spec["correct_answer"]


def authoring_body(spec):
    return {"correct_answer": spec["correct_answer"], "tolerance": spec.get("tolerance", Decimal(0))}
