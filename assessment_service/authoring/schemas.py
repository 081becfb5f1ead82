"""The bodies of the assessments and questions routes."""

from decimal import Decimal

from marshmallow import Schema, fields, validate

from ..http.fields import TITLE, BoundedList, ExactDecimal, Moment, PageQuery, PublicId, StrictBoolean, StrictInteger, Timestamp
from .question_types import QUESTION_TYPES, SCORING_MODES
from .question_types.numeric import MAX_KEY, MAX_KEY_PLACES

# ---------------------------------------------------------------- questions


class ChoiceInSchema(Schema):
    id = PublicId("ch", metadata={"description": "Keep an existing choice's id when editing."})
    text = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    correct = StrictBoolean(required=True)


class PairInSchema(Schema):
    prompt = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    match = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class ItemInSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class QuestionPatchSchema(Schema):
    type = fields.String(validate=validate.OneOf(QUESTION_TYPES))
    prompt = fields.String(validate=validate.Length(min=1, max=5000))
    points = ExactDecimal(max_abs=Decimal("100000"), max_places=2, validate=validate.Range(min=0, min_inclusive=False))
    position = StrictInteger(validate=validate.Range(min=1))
    choices = BoundedList(fields.Nested(ChoiceInSchema), validate=validate.Length(min=2, max=26))
    correct_answer = fields.Raw(metadata={"description": "boolean (true_false) or number (numeric)"})
    accepted_answers = BoundedList(fields.String(validate=validate.Length(min=1, max=1000)), validate=validate.Length(min=1, max=50))
    case_sensitive = StrictBoolean()
    tolerance = ExactDecimal(max_abs=MAX_KEY, max_places=MAX_KEY_PLACES, validate=validate.Range(min=0))
    pairs = BoundedList(fields.Nested(PairInSchema), validate=validate.Length(min=2, max=26))
    distractors = BoundedList(fields.String(validate=validate.Length(min=1, max=1000)), validate=validate.Length(max=26))
    items = BoundedList(fields.Nested(ItemInSchema), validate=validate.Length(min=2, max=26))
    scoring = fields.String(validate=validate.OneOf(SCORING_MODES), metadata={"description": "multiple_choice, matching, ordering"})


class NewQuestionSchema(QuestionPatchSchema):
    type = fields.String(required=True, validate=validate.OneOf(QUESTION_TYPES))
    prompt = fields.String(required=True, validate=validate.Length(min=1, max=5000))


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
    options = fields.List(
        fields.Nested(LabelSchema),
        metadata={"description": "matching: the matches and distractors, in an order that says nothing of the pairs."},
    )
    items = fields.List(fields.Nested(LabelSchema), metadata={"description": "ordering: the items, never in the correct order as such."})
    scoring = fields.String(metadata={"enum": ["all_or_nothing", "partial"]})
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)


class QuestionListSchema(Schema):
    data = fields.List(fields.Nested(QuestionSchema), required=True)


# ---------------------------------------------------------------- assessments


ON_EXPIRY = ("submit_saved", "discard")


class AssessmentPatchSchema(Schema):
    title = fields.String(validate=TITLE)
    passing_score = StrictInteger(validate=validate.Range(min=1, max=100))
    time_limit_minutes = StrictInteger(allow_none=True, validate=validate.Range(min=1, max=525_600))
    max_attempts = StrictInteger(allow_none=True, validate=validate.Range(min=1, max=10_000))
    available_from = Moment(allow_none=True, metadata={"description": "Before it, no attempt starts and no submission is taken."})
    available_until = Moment(allow_none=True, metadata={"description": "From it on, no attempt starts and no submission is taken."})
    due_at = Moment(allow_none=True, metadata={"description": "Informational; a submission after it is late."})
    cooldown_minutes = StrictInteger(allow_none=True, validate=validate.Range(min=1, max=525_600))
    on_expiry = fields.String(
        validate=validate.OneOf(ON_EXPIRY), metadata={"description": "What the deadline does with an attempt's saved answers."}
    )


class NewAssessmentSchema(AssessmentPatchSchema):
    course_id = PublicId("crs", required=True)
    title = fields.String(required=True, validate=TITLE)
    passing_score = StrictInteger(required=True, validate=validate.Range(min=1, max=100))


class AssessmentQuery(PageQuery):
    course_id = PublicId("crs", load_default=None)


class AssessmentSchema(Schema):
    id = fields.String(required=True)
    course_id = fields.String(required=True)
    title = fields.String(required=True)
    passing_score = fields.Integer(required=True)
    time_limit_minutes = fields.Integer(required=True, allow_none=True)
    max_attempts = fields.Integer(required=True, allow_none=True)
    available_from = Timestamp(required=True, allow_none=True)
    available_until = Timestamp(required=True, allow_none=True)
    due_at = Timestamp(required=True, allow_none=True)
    cooldown_minutes = fields.Integer(required=True, allow_none=True)
    on_expiry = fields.String(required=True)
    question_count = fields.Integer(required=True)
    points_possible = fields.Decimal(required=True)
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)


class AssessmentWithQuestionsSchema(AssessmentSchema):
    questions = fields.List(fields.Nested(QuestionSchema), required=True)


# ---------------------------------------------------------------- overrides


class OverrideBodySchema(Schema):
    """A learner's whole override (PUT replaces it): each setting replaces the assessment's."""

    extra_attempts = StrictInteger(
        load_default=0, validate=validate.Range(min=0, max=1000), metadata={"description": "Added to max_attempts."}
    )
    extra_time_minutes = StrictInteger(allow_none=True, validate=validate.Range(min=0, max=10_080))
    time_multiplier = ExactDecimal(
        allow_none=True,
        max_places=2,
        validate=validate.Range(min=Decimal("1.00"), max=Decimal("5.00")),
        metadata={"description": "1.00-5.00"},
    )
    available_from = Moment(allow_none=True)
    available_until = Moment(allow_none=True)
    due_at = Moment(allow_none=True)
    reason = fields.String(allow_none=True, validate=validate.Length(max=500))


class OverrideSchema(Schema):
    id = fields.String(required=True)
    assessment_id = fields.String(required=True)
    learner_id = fields.String(required=True)
    extra_attempts = fields.Integer(required=True)
    extra_time_minutes = fields.Integer(required=True, allow_none=True)
    time_multiplier = fields.Decimal(required=True, allow_none=True)
    available_from = Timestamp(required=True, allow_none=True)
    available_until = Timestamp(required=True, allow_none=True)
    due_at = Timestamp(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)
