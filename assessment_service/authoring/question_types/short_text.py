"""short_text: 1-50 accepted answers; the answer is a string, compared after trimming and
collapsing inner white space, and case folding unless case-sensitive."""

from .common import FULL, NONE, SpecErrors

NAME = "short_text"
FIELDS = ("accepted_answers", "case_sensitive")
REQUIRED = ("accepted_answers",)
SHOWN = ("case_sensitive",)
KEY = ("accepted_answers",)
MAX_ANSWER = 10_000  # characters of one answer
ANSWER = {"type": "string", "maxLength": MAX_ANSWER, "description": "short_text: the text (trimmed, inner white space collapsed)."}


def normalize_text(text, case_sensitive):
    """Trim, collapse inner white space, and case-fold unless case-sensitive."""
    collapsed = " ".join(text.split())
    return collapsed if case_sensitive else collapsed.casefold()


def build_spec(fields, current=None):
    accepted = fields.get("accepted_answers")
    if accepted is None:
        raise SpecErrors({"accepted_answers": ["Missing data for required field."]})
    if any(not answer.split() for answer in accepted):
        # Blank after trimming, it would match an empty answer.
        raise SpecErrors({"accepted_answers": ["An accepted answer must not be blank."]})
    return {"accepted_answers": accepted, "case_sensitive": bool(fields.get("case_sensitive", False))}


def shape_error(spec, answer):
    if not isinstance(answer, str):
        return "Must be a string."
    if len(answer) > MAX_ANSWER:
        return f"At most {MAX_ANSWER} characters."
    return None


def credit(spec, answer):
    case_sensitive = spec.get("case_sensitive", False)
    wanted = normalize_text(answer, case_sensitive)
    return FULL if any(normalize_text(accepted, case_sensitive) == wanted for accepted in spec["accepted_answers"]) else NONE


def shown(spec, with_key):
    shown_fields = {"accepted_answers": spec["accepted_answers"]} if with_key else {}
    shown_fields["case_sensitive"] = spec.get("case_sensitive", False)
    return shown_fields


def correct_answer(spec):
    return spec["accepted_answers"][0]


def authoring_body(spec):
    return {"accepted_answers": spec["accepted_answers"], "case_sensitive": spec.get("case_sensitive", False)}
