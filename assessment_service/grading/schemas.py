"""The bodies of what grading serves: submissions and their results."""

from marshmallow import Schema, fields, validate

from ..authoring.question_types import ANSWERS
from ..http.fields import PageQuery, PublicId, Timestamp


class LearnerFilterQuery(PageQuery):
    """A page of one assessment's rows, of one learner when learner_id is given."""

    learner_id = PublicId(
        "usr", load_default=None, metadata={"description": "Only this learner's (managers; a learner sees their own anyway)."}
    )


class ResultSchema(Schema):
    question_id = fields.String(required=True)
    answered = fields.Boolean(required=True)
    correct = fields.Boolean(required=True, metadata={"description": "Full credit."})
    credit = fields.String(
        required=True,
        validate=validate.Regexp(r"^[01]\.[0-9]{4}$"),
        metadata={"description": 'The exact share of the points earned, 4 decimal places ("0.6667").'},
    )
    points_earned = fields.Decimal(required=True, validate=validate.Range(min=0))
    points_possible = fields.Decimal(required=True, validate=validate.Range(min=0))
    answer = fields.Raw(
        required=True, allow_none=True, metadata={"description": "What was submitted; null: unanswered.", "anyOf": list(ANSWERS.values())}
    )


class SubmissionSchema(Schema):
    id = fields.String(required=True)
    assessment_id = fields.String(required=True)
    learner_id = fields.String(required=True)
    attempt_id = fields.String(required=True)
    attempt_number = fields.Integer(required=True, validate=validate.Range(min=1))
    score = fields.Decimal(required=True, validate=validate.Range(min=0, max=100), metadata={"description": "Percent, two decimals."})
    passed = fields.Boolean(required=True)
    points_earned = fields.Decimal(required=True, validate=validate.Range(min=0))
    points_possible = fields.Decimal(required=True, validate=validate.Range(min=0))
    submitted_at = Timestamp(required=True)
    finalized_by = fields.String(
        required=True, validate=validate.OneOf(["learner", "deadline"]), metadata={"description": "Who ended the attempt."}
    )
    late = fields.Boolean(required=True, metadata={"description": "Stored after the learner's due date."})
    results = fields.List(fields.Nested(ResultSchema), required=True, metadata={"description": "One per question, in question order."})
