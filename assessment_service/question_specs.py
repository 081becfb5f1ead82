"""How a question is built from its authoring fields and shown (the types themselves are
in authoring/question_types). Shared by the questions and assessments blueprints."""

from marshmallow import Schema, fields

from .authoring.question_types import AUTHORING_FIELDS, SpecErrors, question_type
from .errors import validation_failed
from .schemas import Timestamp


class ChoiceSchema(Schema):
    id = fields.String(required=True)
    text = fields.String(required=True)
    correct = fields.Boolean(metadata={"description": "Answer key: absent for learners."})


class LabelSchema(Schema):
    id = fields.String(required=True)
    text = fields.String(required=True)


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
    prompts = fields.List(fields.Nested(LabelSchema), metadata={"description": "matching: the prompts, in authored order."})
    options = fields.List(fields.Nested(LabelSchema), metadata={"description": "matching: the matches and distractors, in an order that says nothing of the pairs."})
    items = fields.List(fields.Nested(LabelSchema), metadata={"description": "ordering: the items, never in the correct order as such."})
    scoring = fields.String(metadata={"enum": ["all_or_nothing", "partial"]})
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
    body.update(question_type(row["type"]).shown(row["spec"], with_key))
    body["created_at"] = row["created_at"]
    body["updated_at"] = row["updated_at"]
    return body


def build_spec(kind, fields_, current=None):
    """The stored spec of a question of type `kind` from its authoring fields (`current`:
    the question's spec when it keeps its type, whose ids are kept).

    Raises 422 naming every field that is missing, not used by the type, or inconsistent.
    """
    module = question_type(kind)
    errors = {
        field: [f"Not used by {kind} questions."]
        for field in AUTHORING_FIELDS
        if field not in module.FIELDS and fields_.get(field) is not None
    }
    try:
        spec = module.build_spec(fields_, current)
    except SpecErrors as exc:
        errors.update(exc.errors)
    if errors:
        raise validation_failed(errors)
    return spec
