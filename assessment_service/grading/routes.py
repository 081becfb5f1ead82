"""Reading submissions (contract section 5): learners their own, managers everyone's."""

from flask import Blueprint, jsonify

from ..authoring.loaders import load_assessment
from ..courses.permissions import own_rows_only, require_own_row
from ..http.bodies import parse_query
from ..http.fields import page_of
from ..http.openapi import documented
from ..http.pagination import page_window, paginated_encoded
from ..identity.authentication import current_user
from ..platform import db
from . import sql
from .schemas import LearnerFilterQuery, SubmissionSchema
from .submissions import encoded_page, submission_json

bp = Blueprint("grading", __name__)

learner_filter_query = LearnerFilterQuery()


@bp.get("/assessments/<id:assessment_id>/submissions/<id:submission_id>")
@documented("Get a submission (learners: their own only)", response=SubmissionSchema)
def get_submission(assessment_id, submission_id):
    user = current_user()
    conn = db.connection()
    assessment = load_assessment(conn, user, assessment_id)
    submission = sql.get_submission(conn, assessment_id=assessment_id, submission_id=submission_id)
    return jsonify(submission_json(require_own_row(user, assessment, submission, "submission")))


@bp.get("/assessments/<id:assessment_id>/submissions")
@documented(
    "List submissions (learners: their own only)", query=LearnerFilterQuery, response=page_of(SubmissionSchema), paginated_list=True
)
def get_submissions(assessment_id):
    user = current_user()
    conn = db.connection()
    assessment = load_assessment(conn, user, assessment_id)
    query = parse_query(learner_filter_query)
    limit, offset = page_window(query)
    items, total = encoded_page(
        conn,
        assessment_id=assessment_id,
        learner_id=query["learner_id"],
        visible_to=own_rows_only(user, assessment),
        limit=limit,
        offset=offset,
    )
    return paginated_encoded(items, total, query)
