"""What the question types share: errors, ids, choice lists, exact numbers."""

from decimal import Decimal
from fractions import Fraction

from ...core.ids import new_id

SCORING_MODES = ("all_or_nothing", "partial")
PARTIAL_SCORING_TYPES = ("multiple_choice", "matching", "ordering")

FULL = Fraction(1)
NONE = Fraction(0)


class SpecErrors(Exception):
    """Authoring fields that do not make a question: {field: [message]}."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def is_number(value):
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def scoring_of(fields, errors, current=None):
    """The `scoring` mode among the authoring fields (the current one, else all_or_nothing)."""
    scoring = fields.get("scoring")
    if scoring is None:
        return (current or {}).get("scoring", "all_or_nothing")
    if scoring not in SCORING_MODES:
        errors["scoring"] = [f"Must be one of: {', '.join(SCORING_MODES)}."]
    return scoring


def require(fields, name, errors):
    """fields[name], or None with a 'missing' error."""
    value = fields.get(name)
    if value is None:
        errors[name] = ["Missing data for required field."]
    return value


def kept_ids(texts, current_items, prefix):
    """An id per text: the current item's id where the text is unchanged, else a new one.

    So editing a matching or ordering question keeps the ids of what did not change (and
    answers stored with them still read right), while what is new gets a new id.
    """
    by_text = {item["text"]: item["id"] for item in current_items}
    return [by_text.get(text) or new_id(prefix) for text in texts]


def distinct(texts):
    return len(set(texts)) == len(texts)
