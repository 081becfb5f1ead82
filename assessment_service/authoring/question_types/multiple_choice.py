"""multiple_choice: at least one correct choice among 2-26; the answer is a set of choice ids.

All or nothing by default; with `scoring: partial` an answer earns
max(0, (correct selected - incorrect selected) / number of correct choices).
"""

from fractions import Fraction

from .choices import authored_choices, build_choices, choice_ids, correct_ids, shown_choices
from .common import FULL, NONE, SpecErrors, scoring_of

NAME = "multiple_choice"
FIELDS = ("choices", "scoring")
REQUIRED = ("choices",)
SHOWN = ("choices", "scoring")
KEY = ()
ANSWER = {
    "type": "array",
    "items": {"type": "string"},
    "uniqueItems": True,
    "maxItems": 26,
    "description": "multiple_choice: the ids of the chosen choices, each once.",
}


def build_spec(fields, current=None):
    errors = {}
    choices = build_choices(fields, errors, current, count_error=lambda n: None if n >= 1 else "At least one choice must be correct.")
    scoring = scoring_of(fields, errors, current)
    if errors:
        raise SpecErrors(errors)
    return {"choices": choices, "scoring": scoring}


def shape_error(spec, answer):
    if not isinstance(answer, list) or not all(isinstance(choice, str) for choice in answer):
        return "Must be an array of choice ids."
    if len(set(answer)) != len(answer):
        return "A choice id is repeated."
    if not set(answer) <= choice_ids(spec):
        return "Not a choice of this question."
    return None


def credit(spec, answer):
    wanted, chosen = correct_ids(spec), set(answer)
    if spec.get("scoring") != "partial":
        return FULL if chosen == wanted else NONE
    right, wrong = len(chosen & wanted), len(chosen - wanted)
    return max(NONE, Fraction(right - wrong, len(wanted)))


def shown(spec, with_key):
    return {"choices": shown_choices(spec, with_key), "scoring": spec.get("scoring", "all_or_nothing")}


def correct_answer(spec):
    return [choice["id"] for choice in spec["choices"] if choice["correct"]]


def authoring_body(spec):
    return {"choices": authored_choices(spec), "scoring": spec.get("scoring", "all_or_nothing")}
