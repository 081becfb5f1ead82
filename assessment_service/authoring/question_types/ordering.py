"""ordering: 2-26 items authored in the correct order; the answer is every item id, in the
learner's order (a permutation).

Items are shown sorted by their random ids, never in the authored order as such. All or
nothing by default; with `scoring: partial`, items in their correct position / number of items.
"""

from fractions import Fraction

from .common import FULL, NONE, SpecErrors, distinct, kept_ids, require, scoring_of

NAME = "ordering"
FIELDS = ("items", "scoring")
REQUIRED = ("items",)
SHOWN = ("items", "scoring")
KEY = ("correct_answer",)
ANSWER = {
    "type": "array",
    "items": {"type": "string"},
    "uniqueItems": True,
    "minItems": 2,
    "maxItems": 26,
    "description": "ordering: every item id, each once, in the learner's order.",
}


def build_spec(fields, current=None):
    errors = {}
    items = require(fields, "items", errors)
    scoring = scoring_of(fields, errors, current)
    if items is not None and not distinct([item["text"] for item in items]):
        errors["items"] = ["Each item must be different."]
    if errors:
        raise SpecErrors(errors)
    texts = [item["text"] for item in items]
    ids = kept_ids(texts, (current or {}).get("items", []), "it")
    return {"items": [{"id": item_id, "text": text} for item_id, text in zip(ids, texts)], "scoring": scoring}


def shape_error(spec, answer):
    if not isinstance(answer, list) or not all(isinstance(item, str) for item in answer):
        return "Must be an array of item ids."
    if sorted(answer) != sorted(item["id"] for item in spec["items"]):
        return "Must be every item id of this question, each once."
    return None


def credit(spec, answer):
    in_place = sum(1 for given, item in zip(answer, spec["items"]) if given == item["id"])
    total = len(spec["items"])
    if spec.get("scoring") != "partial":
        return FULL if in_place == total else NONE
    return Fraction(in_place, total)


def shown(spec, with_key):
    shown_fields = {
        "items": sorted(({"id": item["id"], "text": item["text"]} for item in spec["items"]), key=lambda item: item["id"]),
        "scoring": spec.get("scoring", "all_or_nothing"),
    }
    if with_key:
        shown_fields["correct_answer"] = correct_answer(spec)
    return shown_fields


def correct_answer(spec):
    return [item["id"] for item in spec["items"]]


def authoring_body(spec):
    return {"items": [{"text": item["text"]} for item in spec["items"]], "scoring": spec.get("scoring", "all_or_nothing")}
