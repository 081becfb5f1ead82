"""Taking an assessment: attempts (contract section 9) and submitting answers (sections 5 and 6)."""

from flask import Blueprint, current_app, jsonify

from ..courses.permissions import enrollment_of
from ..grading.learner_rows import one_row, page_request
from ..grading.routes import SUBMISSIONS
from ..grading.schemas import LearnerFilterQuery, SubmissionSchema
from ..grading.submissions import submission_json
from ..http.bodies import parse_body
from ..http.fields import page_of
from ..http.openapi import Tag, documented
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

ATTEMPTS = Tag("Attempts", "Taking an assessment: an attempt starts the clock of a timed assessment and counts toward max_attempts.")
MAY_NOT_TAKE = (
    "`forbidden`: only learners take assessments. `not_enrolled`: the learner has no active enrollment in the course. "
    "`attempt_limit_reached`: every attempt is used (`details.max_attempts`, `details.attempts_used`)."
)

no_body_schema = NoBodySchema()
new_submission_schema = NewSubmissionSchema()


def _grace():
    return current_app.config["ATTEMPT_GRACE_SECONDS"]


@bp.post("/assessments/<id:assessment_id>/attempts")
@documented(
    "Start an attempt, or get the one in progress (200)",
    tag=ATTEMPTS,
    operation_id="start_attempt",
    description="A started attempt counts toward max_attempts. `expires_at` is `started_at` plus the time limit (null when "
    "untimed). Asking again while one is in progress answers that one with `200`. No body is needed (an empty JSON object is "
    "accepted).",
    response=AttemptSchema,
    status=201,
    also={200: "The attempt already in progress"},
    errors={
        403: MAY_NOT_TAKE,
        409: "`conflict`: the assessment has no questions yet.",
        413: "`payload_too_large`: the body is too large.",
        415: "`unsupported_media_type`: a body that is not application/json.",
        422: "`validation_failed`: a body with fields.",
    },
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
@documented(
    "Get an attempt (learners: their own only)",
    tag=ATTEMPTS,
    description="An attempt past its `expires_at` plus the grace period shows as expired. Another learner's is `404`.",
    response=AttemptSchema,
)
def get_attempt(assessment_id, attempt_id):
    attempt = one_row(
        assessment_id, "attempt", lambda conn: sql.get_attempt(conn, assessment_id=assessment_id, attempt_id=attempt_id, grace=_grace())
    )
    return jsonify(attempt_json(attempt))


@bp.get("/assessments/<id:assessment_id>/attempts")
@documented(
    "List attempts (learners: their own only)",
    tag=ATTEMPTS,
    description="Oldest first; admins and the course's instructors see everyone's (`learner_id` picks one learner's).",
    query=LearnerFilterQuery,
    response=page_of(AttemptSchema),
    paginated_list=True,
)
def get_attempts(assessment_id):
    conn, query, filters = page_request(assessment_id)
    rows, total = sql.list_attempts(conn, **filters, grace=_grace())
    return paginated([attempt_json(row) for row in rows], total, query)


@bp.post("/assessments/<id:assessment_id>/submissions")
@documented(
    "Submit answers; scored immediately (learner with an active enrollment)",
    tag=SUBMISSIONS,
    description="One answer per question at most, in the shape of its type; a question left out is unanswered. The score is "
    "`points_earned / points_possible * 100` rounded half-up to two decimals; `passed` compares the exact ratio. A submission "
    "without `attempt_id` uses a new attempt; a timed assessment needs the attempt started for it. Nothing is stored when "
    "the submission is refused.",
    body=NewSubmissionSchema,
    response=SubmissionSchema,
    status=201,
    errors={
        403: MAY_NOT_TAKE,
        404: "`not_found`: no such assessment, or `attempt_id` names no attempt of the caller's.",
        409: "`conflict`: the assessment has no questions, or the attempt was already submitted. `attempt_expired`: the "
        "attempt's time ran out (it still counts).",
    },
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
