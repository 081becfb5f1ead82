"""The bodies of the attempts and submission routes."""

from marshmallow import Schema, fields, validate

from ..authoring.question_types import ANSWERS
from ..authoring.questions import MAX_QUESTIONS
from ..authoring.schemas import question_object
from ..http.fields import BoundedList, PublicId, StrictInteger, Timestamp

QUESTION_ID = PublicId("qst", required=True)
ATTEMPT_STATUSES = ("in_progress", "submitted", "expired")


class NoBodySchema(Schema):
    pass


class AnswerSchema(Schema):
    openapi_name = "AnswerIn"  # not "Answer": a generated client's Answer.from_dict would shadow its `answer`

    question_id = QUESTION_ID
    answer = fields.Raw(
        required=True,
        allow_none=True,
        metadata={"description": "In the shape of the question's type; null: unanswered.", "anyOf": list(ANSWERS.values())},
    )


class AnswerField(fields.Nested):
    """One answer object, read with AnswerSchema.

    An answer with exactly its two keys and a well-formed question id is taken as it is:
    AnswerSchema would return the same dict, and its per-item machinery is a large share of
    a submission's parsing (bench/README.md). Anything else goes through AnswerSchema, so
    every error is marshmallow's own.
    """

    def __init__(self, **kwargs):
        super().__init__(AnswerSchema, **kwargs)

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        if type(value) is dict and value.keys() == {"question_id", "answer"}:
            question_id = value["question_id"]
            if type(question_id) is str and QUESTION_ID.regex.match(question_id):
                return {"question_id": question_id, "answer": value["answer"]}
        return super()._deserialize(value, attr, data, partial=partial, **kwargs)


class AttemptSchema(Schema):
    id = fields.String(required=True)
    assessment_id = fields.String(required=True)
    learner_id = fields.String(required=True)
    attempt_number = fields.Integer(required=True)
    started_at = Timestamp(required=True)
    expires_at = Timestamp(required=True, allow_none=True)
    submitted_at = Timestamp(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(ATTEMPT_STATUSES))
    saved_answers = fields.List(fields.Nested(AnswerSchema), metadata={"description": "Its learner only."})
    revision = fields.Integer(metadata={"description": "Its learner only."})
    server_time = Timestamp(metadata={"description": "Its learner only: the service's clock."})
    seconds_remaining = fields.Integer(allow_none=True, metadata={"description": "Its learner only."})
    questions = fields.List(
        question_object(),
        metadata={"description": "GET of one attempt: its paper, in order (answer keys for managers only)."},
    )


class NewSubmissionSchema(Schema):
    answers = BoundedList(
        AnswerField(),
        load_default=None,
        validate=validate.Length(max=MAX_QUESTIONS),
        metadata={"description": "Required, unless attempt_id is given: the attempt's saved answers are taken, these over them."},
    )
    attempt_id = PublicId(
        "att", load_default=None, metadata={"description": "The attempt this submission closes; required for timed assessments."}
    )


class DraftSchema(Schema):
    answers = BoundedList(AnswerField(), required=True, validate=validate.Length(max=MAX_QUESTIONS))


class SavedAnswersSchema(Schema):
    attempt_id = fields.String(required=True)
    revision = fields.Integer(required=True)
    saved_at = Timestamp(required=True, allow_none=True)
    answers = fields.List(fields.Nested(AnswerSchema), required=True)


class ExtensionSchema(Schema):
    minutes = StrictInteger(required=True, validate=validate.Range(min=1, max=10_080))


class PolicyQuery(Schema):
    learner_id = PublicId("usr", load_default=None, metadata={"description": "Whose policy (managers); a learner reads their own."})


class PolicySchema(Schema):
    learner_id = fields.String(required=True)
    max_attempts = fields.Integer(required=True, allow_none=True)
    attempts_used = fields.Integer(required=True)
    attempts_remaining = fields.Integer(required=True, allow_none=True)
    time_limit_seconds = fields.Integer(required=True, allow_none=True)
    available_from = Timestamp(required=True, allow_none=True)
    available_until = Timestamp(required=True, allow_none=True)
    due_at = Timestamp(required=True, allow_none=True)
    next_attempt_at = Timestamp(required=True, allow_none=True)
    can_start = fields.Boolean(required=True)
    reason = fields.String(required=True, allow_none=True, metadata={"description": "The error code a start would get now."})
