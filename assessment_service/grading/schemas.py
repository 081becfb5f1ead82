"""The bodies of what grading serves: submissions and their results."""

from marshmallow import Schema, fields

from ..http.fields import PageQuery, PublicId, Timestamp


class LearnerFilterQuery(PageQuery):
    """A page of one assessment's rows, of one learner when learner_id is given."""

    learner_id = PublicId("usr", load_default=None)


class ResultSchema(Schema):
    question_id = fields.String(required=True)
    answered = fields.Boolean(required=True)
    correct = fields.Boolean(required=True, metadata={"description": "Full credit."})
    credit = fields.String(required=True, metadata={"description": 'The exact share of the points earned, 4 decimal places ("0.6667").'})
    points_earned = fields.Decimal(required=True)
    points_possible = fields.Decimal(required=True)
    answer = fields.Raw(required=True, allow_none=True)


class SubmissionSchema(Schema):
    id = fields.String(required=True)
    assessment_id = fields.String(required=True)
    learner_id = fields.String(required=True)
    attempt_id = fields.String(required=True)
    attempt_number = fields.Integer(required=True)
    score = fields.Decimal(required=True)
    passed = fields.Boolean(required=True)
    points_earned = fields.Decimal(required=True)
    points_possible = fields.Decimal(required=True)
    submitted_at = Timestamp(required=True)
    finalized_by = fields.String(required=True, metadata={"enum": ["learner", "deadline"], "description": "Who ended the attempt."})
    late = fields.Boolean(required=True, metadata={"description": "Stored after the learner's due date."})
    results = fields.List(fields.Nested(ResultSchema), required=True)
