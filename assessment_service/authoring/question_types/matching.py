"""matching: 2-26 pairs {prompt, match} and 0-26 distractors; the answer maps prompt ids to
option ids (prompts may be left out; an option used twice is not an answer).

Stored: `prompts` [{id, text, match_id}] in authored order and `options` [{id, text}]
(the matches, then the distractors). Options are shown sorted by their random ids, so
their order says nothing of the pairing. All or nothing by default; with
`scoring: partial`, prompts matched correctly / number of prompts.
"""

from fractions import Fraction

from .common import FULL, NONE, SpecErrors, distinct, kept_ids, require, scoring_of

NAME = "matching"
FIELDS = ("pairs", "distractors", "scoring")
REQUIRED = ("pairs",)
SHOWN = ("prompts", "options", "scoring")
KEY = ("correct_answer",)
ANSWER = {
    "type": "object",
    "title": "MatchingAnswer",
    "additionalProperties": {"type": "string"},
    "maxProperties": 26,
    "description": "matching: prompt id -> option id; prompts may be left out, an option is used at most once.",
}


def build_spec(fields, current=None):
    errors = {}
    pairs = require(fields, "pairs", errors)
    distractors = fields.get("distractors") or []
    scoring = scoring_of(fields, errors, current)
    if pairs is not None:
        matches = [pair["match"] for pair in pairs]
        if not distinct([pair["prompt"] for pair in pairs]):
            errors["pairs"] = ["Each prompt must be different."]
        elif not distinct(matches):
            errors["pairs"] = ["Each match must be different (an option answers one prompt)."]
        elif not distinct(matches + distractors):
            errors["distractors"] = ["A distractor must differ from every match and from the other distractors."]
    if errors:
        raise SpecErrors(errors)
    current = current or {}
    option_texts = [pair["match"] for pair in pairs] + distractors
    option_ids = kept_ids(option_texts, current.get("options", []), "mo")
    prompt_ids = kept_ids([pair["prompt"] for pair in pairs], current.get("prompts", []), "mp")
    return {
        "prompts": [
            {"id": prompt_id, "text": pair["prompt"], "match_id": option_id}
            for prompt_id, pair, option_id in zip(prompt_ids, pairs, option_ids)
        ],
        "options": [{"id": option_id, "text": text} for option_id, text in zip(option_ids, option_texts)],
        "scoring": scoring,
    }


def shape_error(spec, answer):
    if not isinstance(answer, dict) or not all(isinstance(option, str) for option in answer.values()):
        return "Must be an object mapping prompt ids to option ids."
    if not set(answer) <= {prompt["id"] for prompt in spec["prompts"]}:
        return "Not a prompt of this question."
    if not set(answer.values()) <= {option["id"] for option in spec["options"]}:
        return "Not an option of this question."
    if len(set(answer.values())) != len(answer):
        return "An option is used twice."
    return None


def credit(spec, answer):
    matched = sum(1 for prompt in spec["prompts"] if answer.get(prompt["id"]) == prompt["match_id"])
    total = len(spec["prompts"])
    if spec.get("scoring") != "partial":
        return FULL if matched == total else NONE
    return Fraction(matched, total)


def shown(spec, with_key):
    shown_fields = {
        "prompts": [{"id": prompt["id"], "text": prompt["text"]} for prompt in spec["prompts"]],
        "options": sorted(({"id": option["id"], "text": option["text"]} for option in spec["options"]), key=lambda option: option["id"]),
        "scoring": spec.get("scoring", "all_or_nothing"),
    }
    if with_key:
        shown_fields["correct_answer"] = correct_answer(spec)
    return shown_fields


def correct_answer(spec):
    return {prompt["id"]: prompt["match_id"] for prompt in spec["prompts"]}


def authoring_body(spec):
    text_of = {option["id"]: option["text"] for option in spec["options"]}
    matched = {prompt["match_id"] for prompt in spec["prompts"]}
    return {
        "pairs": [{"prompt": prompt["text"], "match": text_of[prompt["match_id"]]} for prompt in spec["prompts"]],
        "distractors": [option["text"] for option in spec["options"] if option["id"] not in matched],
        "scoring": spec.get("scoring", "all_or_nothing"),
    }
