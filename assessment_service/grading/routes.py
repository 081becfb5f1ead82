"""Reading submissions (contract section 5): learners their own, managers everyone's."""

from flask import Blueprint, jsonify

from ..http.fields import page_of
from ..http.openapi import Tag, documented
from ..http.pagination import paginated_encoded
from . import sql
from .learner_rows import one_row, page_request
from .schemas import LearnerFilterQuery, SubmissionSchema
from .submissions import encoded_page, submission_json

bp = Blueprint("grading", __name__)

SUBMISSIONS = Tag("Submissions", "A learner's answers to an assessment, scored when they arrive, with one result per question.")


@bp.get("/assessments/<id:assessment_id>/submissions/<id:submission_id>")
@documented(
    "Get a submission (learners: their own only)",
    tag=SUBMISSIONS,
    description="The submission as it was scored; editing a question later changes no stored result. Another learner's is `404`.",
    response=SubmissionSchema,
)
def get_submission(assessment_id, submission_id):
    _, submission = one_row(
        assessment_id, "submission", lambda conn: sql.get_submission(conn, assessment_id=assessment_id, submission_id=submission_id)
    )
    return jsonify(submission_json(submission))


@bp.get("/assessments/<id:assessment_id>/submissions")
@documented(
    "List submissions (learners: their own only)",
    tag=SUBMISSIONS,
    description="Oldest first; admins and the course's instructors see everyone's (`learner_id` picks one learner's).",
    query=LearnerFilterQuery,
    response=page_of(SubmissionSchema),
    paginated_list=True,
)
def get_submissions(assessment_id):
    conn, query, filters = page_request(assessment_id)
    items, total = encoded_page(conn, **filters)
    return paginated_encoded(items, total, query)
