"""The bodies of the assessments and questions routes.

Questions are validated by flat schemas that take every type's fields (build_spec then
refuses those a type does not use), and documented as one schema per type, derived from
the question-type registry (below)."""

import copy
from decimal import Decimal

from marshmallow import Schema, fields, validate

from ..http.fields import TITLE, BoundedList, ExactDecimal, Moment, OneOf, PageQuery, PublicId, StrictBoolean, StrictInteger, Timestamp
from .grading_settings import GRADING_METHODS, MOMENTS
from .question_types import QUESTION_TYPES, SCORING_MODES, TYPES
from .question_types.numeric import MAX_KEY, MAX_KEY_PLACES

# ---------------------------------------------------------------- questions


class ChoiceInSchema(Schema):
    id = PublicId("ch", metadata={"description": "Keep an existing choice's id when editing."})
    text = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    correct = StrictBoolean(required=True)
    feedback = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "Shown to a learner who chose it (review policy)."},
    )


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
    correct_answer = fields.Raw(
        metadata={
            "description": "The right answer, by type.",
            "anyOf": [
                module.FIELD_SCHEMAS["correct_answer"]
                for module in TYPES.values()
                if "correct_answer" in getattr(module, "FIELD_SCHEMAS", {})
            ],
        }
    )
    accepted_answers = BoundedList(fields.String(validate=validate.Length(min=1, max=1000)), validate=validate.Length(min=1, max=50))
    case_sensitive = StrictBoolean()
    tolerance = ExactDecimal(max_abs=MAX_KEY, max_places=MAX_KEY_PLACES, validate=validate.Range(min=0))
    pairs = BoundedList(fields.Nested(PairInSchema), validate=validate.Length(min=2, max=26))
    distractors = BoundedList(fields.String(validate=validate.Length(min=1, max=1000)), validate=validate.Length(max=26))
    items = BoundedList(fields.Nested(ItemInSchema), validate=validate.Length(min=2, max=26))
    scoring = fields.String(validate=validate.OneOf(SCORING_MODES), metadata={"description": "multiple_choice, matching, ordering"})
    feedback = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=5000),
        metadata={"description": "Shown to learners with the correct answers (review policy)."},
    )
    group_id = PublicId(
        "grp",
        allow_none=True,
        metadata={"description": "A question group of this assessment (null: none); a grouped question is worth the group's points."},
    )


class NewQuestionSchema(QuestionPatchSchema):
    type = fields.String(required=True, validate=validate.OneOf(QUESTION_TYPES))
    prompt = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class ChoiceSchema(Schema):
    id = fields.String(required=True)
    text = fields.String(required=True)
    correct = fields.Boolean(metadata={"description": "Answer key: absent for learners."})
    feedback = fields.String(allow_none=True, metadata={"description": "Absent for learners."})


class LabelSchema(Schema):
    id = fields.String(required=True)
    text = fields.String(required=True)


class QuestionSchema(Schema):
    """Every type's fields of a question object (the document shows one schema per type)."""

    id = fields.String(required=True)
    assessment_id = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(QUESTION_TYPES))
    prompt = fields.String(required=True)
    points = fields.Decimal(required=True, validate=validate.Range(min=0, max=100_000, min_inclusive=False))
    position = fields.Integer(required=True, validate=validate.Range(min=1))
    group_id = fields.String(required=True, allow_none=True, metadata={"description": "Its question group, or null."})
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
    scoring = fields.String(validate=validate.OneOf(SCORING_MODES))
    feedback = fields.String(allow_none=True, metadata={"description": "Absent for learners."})
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)


# ---------------------------------------------------------------- one schema per question type
#
# Each type's schema is the common fields plus the type's own (FIELDS to author it; SHOWN
# and KEY in the question object), as the flat schemas above declare them or as the
# type's FIELD_SCHEMAS and ANSWER say; required as its REQUIRED says (answer keys are
# absent for learners). So adding a type adds its schemas.


def _camel(kind):
    return "".join(part.title() for part in kind.split("_"))


def _field_of(schema, name, *, required, json_schema=None):
    """The flat schema's field `name`, required or not; a Raw field documented as
    `json_schema` where the type gives the field a shape of its own."""
    if json_schema is not None:
        return fields.Raw(required=required, metadata=json_schema)
    field = copy.copy(schema._declared_fields[name])
    field.required = required
    return field


def _schema_of_type(class_name, kind, flat, names, required, json_schemas):
    declared = {"type": fields.String(required=True, validate=validate.OneOf([kind]))}
    for name in names:
        declared[name] = _field_of(flat, name, required=name in required, json_schema=json_schemas.get(name))
    return type(class_name, (Schema,), declared)


def _body_schema(kind, module):
    names = ("prompt", "points", "position", *module.FIELDS, "feedback", "group_id")
    required = ("prompt", *module.REQUIRED)
    return _schema_of_type(
        f"New{_camel(kind)}QuestionSchema", kind, NewQuestionSchema, names, required, getattr(module, "FIELD_SCHEMAS", {})
    )


def _object_schema(kind, module):
    common = ("id", "assessment_id", "prompt", "points", "position", "group_id", "created_at", "updated_at")
    key = {"correct_answer": {**module.ANSWER, "description": "Answer key (absent for learners): the right answer, as an answer gives it."}}
    names = (*common[:6], *module.SHOWN, *module.KEY, "feedback", *common[6:])
    return _schema_of_type(f"{_camel(kind)}QuestionSchema", kind, QuestionSchema, names, (*common, *module.SHOWN), key)


NEW_QUESTION_BY_TYPE = {kind: _body_schema(kind, module) for kind, module in TYPES.items()}
QUESTION_BY_TYPE = {kind: _object_schema(kind, module) for kind, module in TYPES.items()}
# How the validating schema is shown (http.openapi): one schema per type.
NewQuestionSchema.documented_as = OneOf(NEW_QUESTION_BY_TYPE, discriminator="type")


def question_object(**kwargs):
    """A question object of any type, for the response schemas."""
    return OneOf(QUESTION_BY_TYPE, discriminator="type", **kwargs)


class QuestionListSchema(Schema):
    data = fields.List(question_object(), required=True)


# ---------------------------------------------------------------- assessments


ON_EXPIRY = ("submit_saved", "discard")
MOMENT_HELP = (
    "immediately; after_last_attempt (no attempt left: needs max_attempts); after_due (needs due_at); "
    "after_close (needs available_until); never."
)


class ReviewInSchema(Schema):
    """The review policy as set: a key left out keeps its current moment (its default on create)."""

    show_score = fields.String(
        validate=validate.OneOf(MOMENTS), metadata={"description": "When learners see score and pass mark. " + MOMENT_HELP}
    )
    show_correctness = fields.String(
        validate=validate.OneOf(MOMENTS), metadata={"description": "When learners see which answers earned what. " + MOMENT_HELP}
    )
    show_correct_answers = fields.String(
        validate=validate.OneOf(MOMENTS),
        metadata={"description": "When learners see the correct answers and feedback (only while correctness shows). " + MOMENT_HELP},
    )


class ReviewSchema(Schema):
    show_score = fields.String(required=True, validate=validate.OneOf(MOMENTS))
    show_correctness = fields.String(required=True, validate=validate.OneOf(MOMENTS))
    show_correct_answers = fields.String(required=True, validate=validate.OneOf(MOMENTS))


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
    grading_method = fields.String(
        validate=validate.OneOf(GRADING_METHODS), metadata={"description": "Which submissions make a learner's grade (default highest)."}
    )
    review = fields.Nested(ReviewInSchema, metadata={"description": "When learners see their score, correctness and the correct answers."})
    shuffle_questions = StrictBoolean(metadata={"description": "Each attempt's paper has the questions in an order of its own."})
    shuffle_choices = StrictBoolean(metadata={"description": "Each attempt's paper shuffles choices, matching prompts and options."})


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
    passing_score = fields.Integer(required=True, validate=validate.Range(min=1, max=100), metadata={"description": "Percent."})
    time_limit_minutes = fields.Integer(required=True, allow_none=True, metadata={"description": "null: no time limit."})
    max_attempts = fields.Integer(required=True, allow_none=True, metadata={"description": "null: unlimited."})
    available_from = Timestamp(required=True, allow_none=True, metadata={"description": "null: open from the start."})
    available_until = Timestamp(required=True, allow_none=True, metadata={"description": "null: never closes."})
    due_at = Timestamp(required=True, allow_none=True, metadata={"description": "Informational; a submission after it is late."})
    cooldown_minutes = fields.Integer(required=True, allow_none=True, metadata={"description": "null: none."})
    on_expiry = fields.String(required=True, validate=validate.OneOf(ON_EXPIRY))
    grading_method = fields.String(required=True, validate=validate.OneOf(GRADING_METHODS))
    review = fields.Nested(ReviewSchema, required=True)
    shuffle_questions = fields.Boolean(required=True)
    shuffle_choices = fields.Boolean(required=True)
    question_count = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "The questions of one attempt's paper: the ungrouped ones plus pick_count per group."},
    )
    points_possible = fields.Decimal(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "The points of one attempt's paper (a grouped question at its group's points)."},
    )
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)


class AssessmentWithQuestionsSchema(AssessmentSchema):
    questions = fields.List(
        question_object(), required=True, metadata={"description": "In position order; for learners only the ungrouped questions."}
    )


# ---------------------------------------------------------------- question groups


class QuestionGroupPatchSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    pick_count = StrictInteger(validate=validate.Range(min=1, max=1000), metadata={"description": "Questions drawn per attempt."})
    points_per_question = ExactDecimal(
        max_abs=Decimal("100000"),
        max_places=2,
        validate=validate.Range(min=0, min_inclusive=False),
        metadata={"description": "What each of its questions is worth (their own points are ignored)."},
    )


class NewQuestionGroupSchema(QuestionGroupPatchSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    pick_count = StrictInteger(
        required=True, validate=validate.Range(min=1, max=1000), metadata={"description": "Questions drawn per attempt."}
    )
    points_per_question = ExactDecimal(
        required=True,
        max_abs=Decimal("100000"),
        max_places=2,
        validate=validate.Range(min=0, min_inclusive=False),
        metadata={"description": "What each of its questions is worth (their own points are ignored)."},
    )


class QuestionGroupSchema(Schema):
    id = fields.String(required=True)
    assessment_id = fields.String(required=True)
    name = fields.String(required=True)
    pick_count = fields.Integer(required=True, validate=validate.Range(min=1))
    points_per_question = fields.Decimal(required=True, validate=validate.Range(min=0, min_inclusive=False))
    question_count = fields.Integer(required=True, validate=validate.Range(min=0), metadata={"description": "Questions it holds now."})
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)


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
