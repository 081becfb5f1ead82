"""Questions: how one is built from its authoring fields, edited and shown (contract
sections 4 and 12; the types themselves are in question_types/)."""

from decimal import Decimal

from ..core.errors import not_found, validation_failed
from ..core.ids import new_id
from .question_groups import check_group_id
from .question_types import AUTHORING_FIELDS, SpecErrors, question_type
from .sql import assessments as assessments_sql
from .sql import questions as sql

# Every question of an assessment can be answered in one submission (its answers list holds
# at most this many).
MAX_QUESTIONS = 1000


def question_json(row, with_key):
    """The question as the API shows it; answer keys only when `with_key`."""
    body = {
        "id": row["id"],
        "assessment_id": row["assessment_id"],
        "type": row["type"],
        "prompt": row["prompt"],
        "points": row["points"],
        "position": row["position"],
        "group_id": row["group_id"],
    }
    body.update(question_type(row["type"]).shown(row["spec"], with_key))
    if with_key:
        # Feedback is for learners' review of their results (grading.review), not the question.
        body["feedback"] = row["feedback"]
    body["created_at"] = row["created_at"]
    body["updated_at"] = row["updated_at"]
    return body


def question_notes(questions):
    """{question id: {"type", "feedback", "choices": {choice id: feedback}}}: what a
    reviewed result shows beside its stored figures (grading.review), from loaded question
    rows or sql.question_notes."""
    return {
        question["id"]: {
            "type": question["type"],
            "feedback": question["feedback"],
            "choices": {choice["id"]: choice["feedback"] for choice in question["spec"].get("choices") or () if "feedback" in choice},
        }
        for question in questions
    }


def authoring_body(row):
    """The question as a POST /questions body (choices with their ids): what an export writes."""
    body = {"type": row["type"], "prompt": row["prompt"], "points": row["points"], **question_type(row["type"]).authoring_body(row["spec"])}
    if row["feedback"] is not None:
        body["feedback"] = row["feedback"]
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


def edited_fields(question, kind, changes):
    """(authoring fields, current spec) of an edit: the question's own fields with the edit
    applied over them; when the type changes, only the edit's (nothing carries over)."""
    keeps_type = kind == question["type"]
    merged = question_type(kind).authoring_body(question["spec"]) if keeps_type else {}
    merged.update({field: changes[field] for field in AUTHORING_FIELDS if field in changes})
    return merged, (question["spec"] if keeps_type else None)


def check_room(count, adding=1):
    """422 when `adding` questions to the `count` an assessment holds would pass MAX_QUESTIONS."""
    if count + adding > MAX_QUESTIONS:
        message = f"An assessment holds at most {MAX_QUESTIONS} questions."
        if adding > 1:
            message += f" It holds {count}; {adding} more would make {count + adding}."
        raise validation_failed({"questions": [message]})


def check_position(position, highest):
    if position is not None and position > highest:
        raise validation_failed({"position": [f"Must be between 1 and {highest}."]})


def lock_for_question_write(conn, assessment_id):
    """Serialise question writes on the assessment row (positions stay consistent, the
    1,000 limit holds), which also makes submissions in flight wait for them or them
    for those (taking.retake_limit)."""
    assessments_sql.touch_assessment(conn, assessment_id)


def add_question(conn, assessment_id, body):
    """Store a new question (positions after it shift down); the stored row."""
    lock_for_question_write(conn, assessment_id)
    spec = build_spec(body["type"], body)
    count, _ = sql.question_totals(conn, assessment_id)
    check_room(count)
    check_position(body.get("position"), count + 1)
    check_group_id(conn, assessment_id, body.get("group_id"))
    return sql.insert_question(
        conn,
        question_id=new_id("qst"),
        assessment_id=assessment_id,
        position=body.get("position"),
        kind=body["type"],
        prompt=body["prompt"],
        points=body.get("points", Decimal(1)),
        spec=spec,
        feedback=body.get("feedback"),
        group_id=body.get("group_id"),
    )


def append_questions(conn, assessment_id, questions):
    """Store new questions after the assessment's last one, in order, all in one statement:
    `questions` are (body, spec) pairs, each body validated and its spec built (build_spec).
    The stored rows in position order; 422, storing none, when they do not all fit."""
    lock_for_question_write(conn, assessment_id)
    count, _ = sql.question_totals(conn, assessment_id)
    check_room(count, len(questions))
    rows = [
        {
            "id": new_id("qst"),
            "type": body["type"],
            "prompt": body["prompt"],
            "points": body.get("points", Decimal(1)),
            "spec": spec,
            "feedback": body.get("feedback"),
        }
        for body, spec in questions
    ]
    return sql.insert_questions(conn, assessment_id=assessment_id, rows=rows)


def question_to_edit(conn, assessment_id, question_id):
    """The question, with question writes on its assessment locked out (404 when unknown)."""
    lock_for_question_write(conn, assessment_id)
    question = sql.get_question(conn, assessment_id=assessment_id, question_id=question_id)
    if question is None:
        raise not_found("question")
    return question


def edit_question(conn, question, changes):
    """Apply an edit to a question_to_edit; the stored row. Stored results do not change."""
    assessment_id, question_id = question["assessment_id"], question["id"]
    kind = changes.get("type", question["type"])
    spec = build_spec(kind, *edited_fields(question, kind, changes))
    count, _ = sql.question_totals(conn, assessment_id)
    check_position(changes.get("position"), count)
    group_id = changes.get("group_id", question["group_id"])
    check_group_id(conn, assessment_id, group_id)
    return sql.update_question(
        conn,
        question_id=question_id,
        assessment_id=assessment_id,
        old_position=question["position"],
        position=changes.get("position", question["position"]),
        kind=kind,
        prompt=changes.get("prompt", question["prompt"]),
        # Its own points (a grouped question's row shows its group's instead).
        points=changes.get("points"),
        spec=spec,
        feedback=changes.get("feedback", question["feedback"]),
        group_id=group_id,
    )


def remove_question(conn, assessment_id, question_id):
    """Delete a question (404 when unknown); stored results do not change."""
    lock_for_question_write(conn, assessment_id)
    if not sql.delete_question(conn, assessment_id=assessment_id, question_id=question_id):
        raise not_found("question")
