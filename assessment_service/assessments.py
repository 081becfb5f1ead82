"""Assessments (contract section 3)."""

from decimal import Decimal

from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate

from . import db
from .access import load_assessment
from .auth import current_user, enrollment_of, may_read_course, may_see_answer_keys, require_manageable
from .errors import conflict, forbidden, validation_failed
from .question_specs import QuestionSchema, question_json
from .schemas import TITLE, PageQuery, PublicId, StrictInteger, Timestamp, page_of
from .sql import assessments as assessments_sql
from .sql import courses as courses_sql
from .web import created, documented, new_id, no_content, page_window, paginated, parse_body, parse_query

bp = Blueprint("assessments", __name__)


class AssessmentPatchSchema(Schema):
    title = fields.String(validate=TITLE)
    passing_score = StrictInteger(validate=validate.Range(min=1, max=100))
    time_limit_minutes = StrictInteger(allow_none=True, validate=validate.Range(min=1, max=525_600))
    max_attempts = StrictInteger(allow_none=True, validate=validate.Range(min=1, max=10_000))


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
    question_count = fields.Integer(required=True)
    points_possible = fields.Decimal(required=True)
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)


class AssessmentWithQuestionsSchema(AssessmentSchema):
    questions = fields.List(fields.Nested(QuestionSchema), required=True)


new_assessment_schema = NewAssessmentSchema()
assessment_patch_schema = AssessmentPatchSchema()
assessment_query_schema = AssessmentQuery()


def assessment_json(row, question_count, points_possible):
    return {
        "id": row["id"],
        "course_id": row["course_id"],
        "title": row["title"],
        "passing_score": row["passing_score"],
        "time_limit_minutes": row["time_limit_minutes"],
        "max_attempts": row["max_attempts"],
        "question_count": question_count,
        "points_possible": points_possible,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def with_totals(conn, row):
    return assessment_json(row, *assessments_sql.question_totals(conn, row["id"]))


@bp.post("/assessments")
@documented("Create an assessment (admin or course instructor)", body=NewAssessmentSchema, response=AssessmentSchema, status=201)
def post_assessment():
    user = current_user()
    if user["role"] not in ("admin", "instructor"):
        raise forbidden("Only admins and course instructors create assessments.")
    body = parse_body(new_assessment_schema)
    conn = db.connection()
    course = courses_sql.course_with_enrollment(conn, course_id=body["course_id"], user_id=user["id"])
    # A course the caller may not read gets the answer a missing one gets: a 404 here would
    # tell an outsider that the course exists.
    if course is None or not may_read_course(user, enrollment_of(course)):
        raise validation_failed({"course_id": ["No such course."]})
    require_manageable(user, course, "course")
    row = assessments_sql.insert_assessment(
        conn,
        assessment_id=new_id("asmnt"),
        course_id=body["course_id"],
        title=body["title"],
        passing_score=body["passing_score"],
        time_limit_minutes=body.get("time_limit_minutes"),
        max_attempts=body.get("max_attempts"),
    )
    return created(assessment_json(row, 0, Decimal("0.00")), f"/api/v1/assessments/{row['id']}")


@bp.get("/assessments")
@documented("List the assessments the caller may read", query=AssessmentQuery, response=page_of(AssessmentSchema), paginated_list=True)
def get_assessments():
    user = current_user()
    query = parse_query(assessment_query_schema)
    limit, offset = page_window(query)
    rows, total = assessments_sql.list_assessments(
        db.connection(),
        visible_to=None if user["role"] == "admin" else user["id"],
        course_id=query["course_id"],
        limit=limit,
        offset=offset,
    )
    items = [assessment_json(row, row["question_count"], row["points_possible"]) for row in rows]
    return paginated(items, total, query)


@bp.get("/assessments/<id:assessment_id>")
@documented("Get an assessment with its questions (answer keys only for its instructors)", response=AssessmentWithQuestionsSchema)
def get_assessment(assessment_id):
    user = current_user()
    conn = db.connection()
    row = load_assessment(conn, user, assessment_id, with_questions=True)
    questions = row["questions"]
    with_key = may_see_answer_keys(user, enrollment_of(row))
    body = assessment_json(row, len(questions), sum((q["points"] for q in questions), Decimal("0.00")))
    body["questions"] = [question_json(question, with_key) for question in questions]
    return jsonify(body)


@bp.patch("/assessments/<id:assessment_id>")
@documented("Change an assessment, e.g. its retake policy (admin or course instructor)", body=AssessmentPatchSchema, response=AssessmentSchema)
def patch_assessment(assessment_id):
    user = current_user()
    conn = db.connection()
    load_assessment(conn, user, assessment_id, manage=True)
    changes = parse_body(assessment_patch_schema)
    updated = assessments_sql.update_assessment(conn, assessment_id=assessment_id, changes=changes)
    return jsonify(with_totals(conn, updated))


@bp.delete("/assessments/<id:assessment_id>")
@documented("Delete an assessment that has no submissions (admin or course instructor)", status=204)
def delete_assessment(assessment_id):
    user = current_user()
    conn = db.connection()
    load_assessment(conn, user, assessment_id, manage=True)
    if not assessments_sql.delete_assessment_unless_submitted(conn, assessment_id):
        raise conflict("The assessment has submissions and cannot be deleted.")
    return no_content()
