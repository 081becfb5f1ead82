"""single_choice: one correct choice among 2-26; the answer is a choice id."""

from .choices import authored_choices, build_choices, choice_ids, correct_ids, shown_choices
from .common import FULL, NONE, SpecErrors

NAME = "single_choice"
FIELDS = ("choices",)
REQUIRED = ("choices",)
SHOWN = ("choices",)
KEY = ()
ANSWER = {"type": "string", "description": "single_choice: the id of the chosen choice."}


def build_spec(fields, current=None):
    errors = {}
    choices = build_choices(fields, errors, current, count_error=lambda n: None if n == 1 else "Exactly one choice must be correct.")
    if errors:
        raise SpecErrors(errors)
    return {"choices": choices}


def shape_error(spec, answer):
    if not isinstance(answer, str):
        return "Must be a choice id (string)."
    if answer not in choice_ids(spec):
        return "Not a choice of this question."
    return None


def credit(spec, answer):
    return FULL if answer in correct_ids(spec) else NONE


def shown(spec, with_key):
    return {"choices": shown_choices(spec, with_key)}


def correct_answer(spec):
    (choice_id,) = correct_ids(spec)
    return choice_id


def authoring_body(spec):
    return {"choices": authored_choices(spec)}
