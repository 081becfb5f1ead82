"""Taking an assessment: attempts (contract section 9) and submitting answers (sections 5 and 6)."""

from flask import Blueprint, current_app, jsonify

from ..courses.permissions import enrollment_of
from ..grading.learner_rows import one_row, page_request
from ..grading.schemas import LearnerFilterQuery, SubmissionSchema
from ..grading.submissions import submission_json
from ..http.bodies import parse_body
from ..http.fields import page_of
from ..http.openapi import documented
from ..http.pagination import paginated
from ..http.responses import created
from ..identity.authentication import current_user
from ..platform import db
from . import sql
from .attempts import attempt_json, start_attempt
from .eligibility import require_learner_may_submit
from .retake_limit import load_assessment_to_take
from .schemas import AttemptSchema, NewSubmissionSchema, NoBodySchema
from .submitting import submit_answers

bp = Blueprint("taking", __name__)

no_body_schema = NoBodySchema()
new_submission_schema = NewSubmissionSchema()


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
    attempt = one_row(
        assessment_id, "attempt", lambda conn: sql.get_attempt(conn, assessment_id=assessment_id, attempt_id=attempt_id, grace=_grace())
    )
    return jsonify(attempt_json(attempt))


@bp.get("/assessments/<id:assessment_id>/attempts")
@documented("List attempts (learners: their own only)", query=LearnerFilterQuery, response=page_of(AttemptSchema), paginated_list=True)
def get_attempts(assessment_id):
    conn, query, filters = page_request(assessment_id)
    rows, total = sql.list_attempts(conn, **filters, grace=_grace())
    return paginated([attempt_json(row) for row in rows], total, query)


@bp.post("/assessments/<id:assessment_id>/submissions")
@documented(
    "Submit answers; scored immediately (learner with an active enrollment)",
    body=NewSubmissionSchema,
    response=SubmissionSchema,
    status=201,
)
def post_submission(assessment_id):
    user = current_user()
    conn = db.connection()
    assessment = load_assessment_to_take(conn, user, assessment_id)
    require_learner_may_submit(user, enrollment_of(assessment))  # 403 comes before any 422 on the body
    body = parse_body(new_submission_schema)
    row = submit_answers(
        conn,
        learner=user,
        assessment=assessment,
        answers=body["answers"],
        attempt_id=body["attempt_id"],
        grace=_grace(),
    )
    return created(submission_json(row), f"/api/v1/assessments/{assessment_id}/submissions/{row['id']}")
