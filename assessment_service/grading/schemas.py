"""The bodies of what grading serves: submissions and their results, grades."""

import copy
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate

from ..authoring.grading_settings import GRADING_METHODS
from ..authoring.question_types import ANSWERS
from ..http.fields import BoundedList, ExactDecimal, PageQuery, PublicId, StrictBoolean, Timestamp
from .regrade_rules import POLICIES


class LearnerFilterQuery(PageQuery):
    """A page of one assessment's rows, of one learner when learner_id is given."""

    learner_id = PublicId(
        "usr", load_default=None, metadata={"description": "Only this learner's (managers; a learner sees their own anyway)."}
    )


class ReviewFlagsSchema(Schema):
    score_visible = fields.Boolean(required=True)
    correctness_visible = fields.Boolean(required=True)
    correct_answers_visible = fields.Boolean(required=True, metadata={"description": "Only while correctness is visible."})


class ChoiceFeedbackSchema(Schema):
    choice_id = fields.String(required=True)
    feedback = fields.String(required=True)


def answer_shapes(titled="{}"):
    """The JSON Schemas of an answer, a copy for each field that documents one (the
    document generator annotates them in place); a titled shape's title as `titled` puts
    it, since a client generator makes one class per title."""
    shapes = copy.deepcopy(list(ANSWERS.values()))
    for shape in shapes:
        if "title" in shape:
            shape["title"] = titled.format(shape["title"])
    return shapes


class ResultSchema(Schema):
    question_id = fields.String(required=True)
    answered = fields.Boolean(required=True)
    correct = fields.Boolean(required=True, allow_none=True, metadata={"description": "Full credit; null while correctness is hidden."})
    credit = fields.String(
        required=True,
        allow_none=True,
        validate=validate.Regexp(r"^[01]\.[0-9]{4}$"),
        metadata={"description": 'The exact share of the points earned, 4 decimal places ("0.6667"); null while correctness is hidden.'},
    )
    points_earned = fields.Decimal(required=True, allow_none=True, validate=validate.Range(min=0))
    points_possible = fields.Decimal(required=True, validate=validate.Range(min=0))
    answer = fields.Raw(
        required=True, allow_none=True, metadata={"description": "What was submitted; null: unanswered.", "anyOf": answer_shapes()}
    )
    choice_feedback = fields.List(
        fields.Nested(ChoiceFeedbackSchema),
        metadata={"description": "Choice questions, while correctness is visible: the feedback of the choices chosen."},
    )
    correct_answer = fields.Raw(
        allow_none=True,
        metadata={
            "description": "With the correct answers visible: the key the result was scored against, as an answer gives it "
            "(null for results stored before keys were kept).",
            "anyOf": answer_shapes(titled="Key{}"),
        },
    )
    feedback = fields.String(allow_none=True, metadata={"description": "With the correct answers visible: the question's feedback."})


class SubmissionSchema(Schema):
    id = fields.String(required=True)
    assessment_id = fields.String(required=True)
    learner_id = fields.String(required=True)
    attempt_id = fields.String(required=True)
    attempt_number = fields.Integer(required=True, validate=validate.Range(min=1))
    score = fields.Decimal(
        required=True,
        allow_none=True,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "Percent, two decimals; null while hidden."},
    )
    passed = fields.Boolean(required=True, allow_none=True)
    points_earned = fields.Decimal(required=True, allow_none=True, validate=validate.Range(min=0))
    points_possible = fields.Decimal(required=True, validate=validate.Range(min=0))
    submitted_at = Timestamp(required=True)
    finalized_by = fields.String(
        required=True, validate=validate.OneOf(["learner", "deadline"]), metadata={"description": "Who ended the attempt."}
    )
    late = fields.Boolean(required=True, metadata={"description": "Stored after the learner's due date."})
    regraded = fields.Boolean(required=True, metadata={"description": "Its score was changed since it was scored (a regrade, or by hand)."})
    results = fields.List(fields.Nested(ResultSchema), required=True, metadata={"description": "One per question, in question order."})
    review = fields.Nested(ReviewFlagsSchema, required=True, metadata={"description": "What the reader sees (managers: everything)."})


class GradeSchema(Schema):
    assessment_id = fields.String(required=True)
    learner_id = fields.String(required=True)
    grading_method = fields.String(required=True, validate=validate.OneOf(GRADING_METHODS))
    score = fields.Decimal(
        required=True,
        allow_none=True,
        validate=validate.Range(min=0, max=100),
        metadata={
            "description": "The counted submission's score (average: the mean, two decimals); null without a submission or while hidden."
        },
    )
    passed = fields.Boolean(required=True, allow_none=True)
    submission_id = fields.String(required=True, allow_none=True, metadata={"description": "The counted submission; null for average."})
    submissions_counted = fields.Integer(required=True, validate=validate.Range(min=0))
    attempts_used = fields.Integer(required=True, validate=validate.Range(min=0))
    attempts_allowed = fields.Integer(
        required=True, allow_none=True, metadata={"description": "The effective max_attempts; null: unlimited."}
    )
    first_passed_at = Timestamp(required=True, allow_none=True, metadata={"description": "When a submission first passed."})
    updated_at = Timestamp(required=True, allow_none=True, metadata={"description": "When the grade last changed; null without one."})
    review = fields.Nested(ReviewFlagsSchema, required=True)


# ---------------------------------------------------------------- regrades and history (section 16)


def _unique(values):
    if values is not None and len(set(values)) != len(values):
        raise ValidationError("Each question at most once.")


class RegradeBodySchema(Schema):
    question_ids = BoundedList(
        PublicId("qst"),
        load_default=None,
        validate=[validate.Length(min=1, max=1000), _unique],
        metadata={"description": "The questions to regrade; all of them when left out."},
    )
    policy = fields.String(
        required=True,
        validate=validate.OneOf(POLICIES),
        metadata={"description": "new_key: today's key; new_or_old_key: the better of the old and new result; full_credit: full points."},
    )
    allow_decrease = StrictBoolean(load_default=True, metadata={"description": "false: no question earns fewer points than before."})
    dry_run = StrictBoolean(load_default=False, metadata={"description": "true: answer what would change, store nothing."})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class RegradeSchema(Schema):
    id = fields.String(required=True)
    assessment_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["queued", "running", "completed", "failed"]))
    policy = fields.String(required=True, validate=validate.OneOf(POLICIES))
    allow_decrease = fields.Boolean(required=True)
    question_ids = fields.List(fields.String(), required=True, allow_none=True, metadata={"description": "null: all of them."})
    reason = fields.String(required=True)
    total = fields.Integer(required=True, metadata={"description": "The submissions it goes through: those stored when it was asked for."})
    processed = fields.Integer(required=True)
    changed = fields.Integer(required=True)
    error = fields.String(required=True, allow_none=True, metadata={"description": "Why it failed (status failed)."})
    created_at = Timestamp(required=True)
    started_at = Timestamp(required=True, allow_none=True)
    finished_at = Timestamp(required=True, allow_none=True)


class RegradeChangeSchema(Schema):
    submission_id = fields.String(required=True)
    learner_id = fields.String(required=True)
    old_score = fields.Decimal(required=True)
    new_score = fields.Decimal(required=True)
    old_passed = fields.Boolean(required=True)
    new_passed = fields.Boolean(required=True)


class RegradeDryRunSchema(Schema):
    affected = fields.Integer(required=True, metadata={"description": "Submissions that answered a regraded question."})
    changed = fields.Integer(required=True)
    passed_changed = fields.Integer(required=True)
    changes = fields.List(fields.Nested(RegradeChangeSchema), required=True, metadata={"description": "The first 100 changes."})


class ResultPatchSchema(Schema):
    points_earned = ExactDecimal(
        required=True,
        max_abs=Decimal("100000"),
        max_places=2,
        validate=validate.Range(min=0),
        metadata={"description": "0 to the question's points."},
    )
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ScoreFiguresSchema(Schema):
    score = fields.Decimal(required=True, allow_none=True)
    passed = fields.Boolean(required=True, allow_none=True)
    points_earned = fields.Decimal(required=True, allow_none=True)


class HistoryEntrySchema(Schema):
    changed_at = Timestamp(required=True)
    changed_by = fields.String(required=True)
    reason = fields.String(required=True)
    regrade_id = fields.String(required=True, allow_none=True, metadata={"description": "null: set by hand."})
    old = fields.Nested(ScoreFiguresSchema, required=True)
    new = fields.Nested(ScoreFiguresSchema, required=True)


class HistorySchema(Schema):
    data = fields.List(fields.Nested(HistoryEntrySchema), required=True, metadata={"description": "Oldest first."})
