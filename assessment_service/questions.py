"""Questions of an assessment (contract section 4)."""

from decimal import Decimal

from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate

from . import db
from .access import load_assessment
from .auth import current_user, enrollment_of, may_see_answer_keys
from .errors import not_found, validation_failed
from .authoring.question_types import AUTHORING_FIELDS, QUESTION_TYPES, SCORING_MODES, question_type
from .authoring.question_types.numeric import MAX_KEY, MAX_KEY_PLACES
from .question_specs import QuestionSchema, build_spec, question_json
from .schemas import BoundedList, ExactDecimal, PublicId, StrictBoolean, StrictInteger
from .sql import assessments as assessments_sql
from .web import created, documented, new_id, no_content, parse_body

bp = Blueprint("questions", __name__)

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


class QuestionListSchema(Schema):
    data = fields.List(fields.Nested(QuestionSchema), required=True)


new_question_schema = NewQuestionSchema()
question_patch_schema = QuestionPatchSchema()


def _load_for_edit(conn, user, assessment_id):
    """The assessment, checked manageable, then locked for this question write."""
    row = load_assessment(conn, user, assessment_id, manage=True)
    assessments_sql.touch_assessment(conn, assessment_id)
    return row


# Every question of an assessment can be answered in one submission (its answers list holds
# at most this many).
MAX_QUESTIONS = 1000


def _check_room(count):
    """422 when the assessment already holds MAX_QUESTIONS questions."""
    if count >= MAX_QUESTIONS:
        raise validation_failed({"questions": [f"An assessment holds at most {MAX_QUESTIONS} questions."]})


def _check_position(position, highest):
    if position is not None and position > highest:
        raise validation_failed({"position": [f"Must be between 1 and {highest}."]})


def edited_fields(question, kind, changes):
    """(authoring fields, current spec) of an edit: the question's own fields with the edit
    applied over them; when the type changes, only the edit's (nothing carries over)."""
    keeps_type = kind == question["type"]
    merged = question_type(kind).authoring_body(question["spec"]) if keeps_type else {}
    merged.update({field: changes[field] for field in AUTHORING_FIELDS if field in changes})
    return merged, (question["spec"] if keeps_type else None)


@bp.post("/assessments/<id:assessment_id>/questions")
@documented("Add a question (admin or course instructor)", body=NewQuestionSchema, response=QuestionSchema, status=201)
def post_question(assessment_id):
    user = current_user()
    conn = db.connection()
    _load_for_edit(conn, user, assessment_id)
    body = parse_body(new_question_schema)
    spec = build_spec(body["type"], body)
    count, _ = assessments_sql.question_totals(conn, assessment_id)
    _check_room(count)
    _check_position(body.get("position"), count + 1)
    row = assessments_sql.insert_question(
        conn,
        question_id=new_id("qst"),
        assessment_id=assessment_id,
        position=body.get("position"),
        kind=body["type"],
        prompt=body["prompt"],
        points=body.get("points", Decimal(1)),
        spec=spec,
    )
    return created(question_json(row, with_key=True), f"/api/v1/assessments/{assessment_id}/questions/{row['id']}")


@bp.get("/assessments/<id:assessment_id>/questions")
@documented("List an assessment's questions in order", response=QuestionListSchema)
def get_questions(assessment_id):
    user = current_user()
    conn = db.connection()
    row = load_assessment(conn, user, assessment_id)
    with_key = may_see_answer_keys(user, enrollment_of(row))
    questions = assessments_sql.questions_of(conn, assessment_id)
    return jsonify({"data": [question_json(question, with_key) for question in questions]})


@bp.get("/assessments/<id:assessment_id>/questions/<id:question_id>")
@documented("Get one question", response=QuestionSchema)
def get_question(assessment_id, question_id):
    user = current_user()
    conn = db.connection()
    row = load_assessment(conn, user, assessment_id)
    question = assessments_sql.get_question(conn, assessment_id=assessment_id, question_id=question_id)
    if question is None:
        raise not_found("question")
    return jsonify(question_json(question, may_see_answer_keys(user, enrollment_of(row))))


@bp.patch("/assessments/<id:assessment_id>/questions/<id:question_id>")
@documented("Edit a question (admin or course instructor); stored results do not change", body=QuestionPatchSchema, response=QuestionSchema)
def patch_question(assessment_id, question_id):
    user = current_user()
    conn = db.connection()
    _load_for_edit(conn, user, assessment_id)
    question = assessments_sql.get_question(conn, assessment_id=assessment_id, question_id=question_id)
    if question is None:
        raise not_found("question")
    changes = parse_body(question_patch_schema)
    kind = changes.get("type", question["type"])
    spec = build_spec(kind, *edited_fields(question, kind, changes))
    count, _ = assessments_sql.question_totals(conn, assessment_id)
    _check_position(changes.get("position"), count)
    row = assessments_sql.update_question(
        conn,
        question_id=question_id,
        assessment_id=assessment_id,
        old_position=question["position"],
        position=changes.get("position", question["position"]),
        kind=kind,
        prompt=changes.get("prompt", question["prompt"]),
        points=changes.get("points", question["points"]),
        spec=spec,
    )
    return jsonify(question_json(row, with_key=True))


@bp.delete("/assessments/<id:assessment_id>/questions/<id:question_id>")
@documented("Remove a question (admin or course instructor); stored results do not change", status=204)
def delete_question(assessment_id, question_id):
    user = current_user()
    conn = db.connection()
    _load_for_edit(conn, user, assessment_id)
    if not assessments_sql.delete_question(conn, assessment_id=assessment_id, question_id=question_id):
        raise not_found("question")
    return no_content()
