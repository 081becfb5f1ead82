"""Question types: their authoring fields, answer keys, and how a question is shown.

Shared by the questions and assessments blueprints (and scoring's input comes from the
`spec` built here).
"""

from decimal import Decimal

from marshmallow import Schema, fields

from .errors import validation_failed
from .schemas import Timestamp
from .web import new_id

CHOICE_TYPES = ("single_choice", "multiple_choice")
# The authoring fields each type takes; the others are refused for that type.
TYPE_FIELDS = {
    "single_choice": ("choices",),
    "multiple_choice": ("choices",),
    "true_false": ("correct_answer",),
    "short_text": ("accepted_answers", "case_sensitive"),
    "numeric": ("correct_answer", "tolerance"),
}
AUTHORING_FIELDS = ("choices", "correct_answer", "accepted_answers", "case_sensitive", "tolerance")
# Answer keys: never shown to learners.
KEY_FIELDS = ("correct", "accepted_answers", "correct_answer", "tolerance")
MAX_KEY_NUMBER = Decimal("1e12")


class ChoiceSchema(Schema):
    id = fields.String(required=True)
    text = fields.String(required=True)
    correct = fields.Boolean(metadata={"description": "Answer key: absent for learners."})


class QuestionSchema(Schema):
    id = fields.String(required=True)
    assessment_id = fields.String(required=True)
    type = fields.String(required=True)
    prompt = fields.String(required=True)
    points = fields.Decimal(required=True)
    position = fields.Integer(required=True)
    choices = fields.List(fields.Nested(ChoiceSchema))
    correct_answer = fields.Raw(metadata={"description": "Answer key: absent for learners."})
    accepted_answers = fields.List(fields.String(), metadata={"description": "Answer key: absent for learners."})
    case_sensitive = fields.Boolean()
    tolerance = fields.Decimal(metadata={"description": "Answer key: absent for learners."})
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)


def question_json(row, with_key):
    """The question as the API shows it; answer keys only when `with_key`."""
    body = {
        "id": row["id"],
        "assessment_id": row["assessment_id"],
        "type": row["type"],
        "prompt": row["prompt"],
        "points": row["points"],
        "position": row["position"],
    }
    spec = row["spec"]
    for field in TYPE_FIELDS[row["type"]]:
        if field == "choices":
            body["choices"] = [
                {"id": c["id"], "text": c["text"], "correct": c["correct"]} if with_key else {"id": c["id"], "text": c["text"]}
                for c in spec["choices"]
            ]
        elif with_key or field not in KEY_FIELDS:
            body[field] = spec[field]
    body["created_at"] = row["created_at"]
    body["updated_at"] = row["updated_at"]
    return body


def build_spec(kind, fields_, existing_choice_ids=()):
    """The stored answer key of a question of type `kind` from its authoring fields.

    Raises 422 naming every field that is missing, not used by the type, or inconsistent.
    """
    errors = {}
    for field in AUTHORING_FIELDS:
        if field not in TYPE_FIELDS[kind] and fields_.get(field) is not None:
            errors[field] = [f"Not used by {kind} questions."]
    spec = {}
    if kind in CHOICE_TYPES:
        choices = fields_.get("choices")
        if choices is None:
            errors["choices"] = ["Missing data for required field."]
        else:
            correct_count = sum(1 for choice in choices if choice["correct"])
            if kind == "single_choice" and correct_count != 1:
                errors["choices"] = ["Exactly one choice must be correct."]
            if kind == "multiple_choice" and correct_count < 1:
                errors["choices"] = ["At least one choice must be correct."]
            given_ids = [choice["id"] for choice in choices if choice.get("id")]
            if len(set(given_ids)) != len(given_ids) or not set(given_ids) <= set(existing_choice_ids):
                errors["choices"] = ["A choice id must be one of this question's own, at most once."]
            spec["choices"] = [
                {"id": choice.get("id") or new_id("ch"), "text": choice["text"], "correct": choice["correct"]}
                for choice in choices
            ]
    elif kind == "true_false":
        answer = fields_.get("correct_answer")
        if not isinstance(answer, bool):
            errors["correct_answer"] = ["Must be true or false."]
        spec["correct_answer"] = answer
    elif kind == "short_text":
        accepted = fields_.get("accepted_answers")
        if accepted is None:
            errors["accepted_answers"] = ["Missing data for required field."]
        elif any(not answer.split() for answer in accepted):
            # Blank after trimming, it would match an empty answer.
            errors["accepted_answers"] = ["An accepted answer must not be blank."]
        spec["accepted_answers"] = fields_.get("accepted_answers")
        spec["case_sensitive"] = bool(fields_.get("case_sensitive", False))
    elif kind == "numeric":
        answer = fields_.get("correct_answer")
        if isinstance(answer, bool) or not isinstance(answer, (int, Decimal)):
            errors["correct_answer"] = ["Must be a number."]
        elif abs(answer) > MAX_KEY_NUMBER or Decimal(answer).as_tuple().exponent < -10:
            errors["correct_answer"] = [f"Must be between -{MAX_KEY_NUMBER:f} and {MAX_KEY_NUMBER:f}, with at most 10 decimal places."]
        spec["correct_answer"] = answer
        tolerance = fields_.get("tolerance")
        spec["tolerance"] = Decimal(0) if tolerance is None else tolerance
    if errors:
        raise validation_failed(errors)
    return spec
