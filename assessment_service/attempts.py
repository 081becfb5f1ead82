"""Attempts: timed sittings that count toward the retake limit (contract section 9)."""

from flask import Blueprint, current_app, jsonify
from marshmallow import Schema, fields

from . import db
from .access import load_assessment, load_assessment_to_take
from .auth import current_user, may_see_learner_row, own_rows_only
from .errors import not_found
from .schemas import PageQuery, PublicId, Timestamp, page_of
from .sql import attempts as attempts_sql
from .submitting import start_attempt
from .web import created, documented, page_window, paginated, parse_body, parse_query

bp = Blueprint("attempts", __name__)


class NoBodySchema(Schema):
    pass


class AttemptQuery(PageQuery):
    learner_id = PublicId("usr", load_default=None)


class AttemptSchema(Schema):
    id = fields.String(required=True)
    assessment_id = fields.String(required=True)
    learner_id = fields.String(required=True)
    attempt_number = fields.Integer(required=True)
    started_at = Timestamp(required=True)
    expires_at = Timestamp(required=True, allow_none=True)
    submitted_at = Timestamp(required=True, allow_none=True)
    status = fields.String(required=True, metadata={"enum": ["in_progress", "submitted", "expired"]})


no_body_schema = NoBodySchema()
attempt_query_schema = AttemptQuery()


def attempt_json(row):
    return {
        key: row[key]
        for key in ("id", "assessment_id", "learner_id", "attempt_number", "started_at", "expires_at", "submitted_at", "status")
    }


def _grace():
    return current_app.config["ATTEMPT_GRACE_SECONDS"]


@bp.post("/assessments/<id:assessment_id>/attempts")
@documented(
    "Start an attempt, or get the one in progress (200)",
    response=AttemptSchema,
    status=201,
    also={200: "The attempt already in progress"},
)
def post_attempt(assessment_id):
    user = current_user()
    conn = db.connection()
    assessment = load_assessment_to_take(conn, user, assessment_id)
    parse_body(no_body_schema, optional=True)
    attempt, is_new = start_attempt(conn, learner=user, assessment=assessment, grace=_grace())
    if is_new:
        return created(attempt_json(attempt), f"/api/v1/assessments/{assessment_id}/attempts/{attempt['id']}")
    return jsonify(attempt_json(attempt))


@bp.get("/assessments/<id:assessment_id>/attempts/<id:attempt_id>")
@documented("Get an attempt (learners: their own only)", response=AttemptSchema)
def get_attempt(assessment_id, attempt_id):
    user = current_user()
    conn = db.connection()
    row = load_assessment(conn, user, assessment_id)
    attempt = attempts_sql.get_attempt(conn, assessment_id=assessment_id, attempt_id=attempt_id, grace=_grace())
    if attempt is None or not may_see_learner_row(user, row, attempt["learner_id"]):
        raise not_found("attempt")
    return jsonify(attempt_json(attempt))


@bp.get("/assessments/<id:assessment_id>/attempts")
@documented("List attempts (learners: their own only)", query=AttemptQuery, response=page_of(AttemptSchema), paginated_list=True)
def get_attempts(assessment_id):
    user = current_user()
    conn = db.connection()
    row = load_assessment(conn, user, assessment_id)
    query = parse_query(attempt_query_schema)
    limit, offset = page_window(query)
    rows, total = attempts_sql.list_attempts(
        conn,
        assessment_id=assessment_id,
        learner_id=query["learner_id"],
        visible_to=own_rows_only(user, row),
        limit=limit,
        offset=offset,
        grace=_grace(),
    )
    return paginated([attempt_json(r) for r in rows], total, query)
