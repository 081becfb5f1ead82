"""Taking an assessment: attempts, drafts and the learner's policy (contract sections 9 and
14), and submitting answers (sections 5 and 6)."""

from flask import Blueprint, current_app, jsonify, request

from ..authoring.loaders import load_assessment
from ..courses.permissions import enrollment_of
from ..grading.learner_rows import one_row, page_request
from ..grading.schemas import LearnerFilterQuery, SubmissionSchema
from ..grading.submissions import submission_json
from ..http.bodies import parse_body, parse_query
from ..http.fields import page_of
from ..http.openapi import documented
from ..http.pagination import paginated
from ..http.responses import created
from ..identity.authentication import current_user
from ..platform import db
from . import deadline, sql
from .attempts import attempt_json, extend_attempt, start_attempt
from .drafts import draft_json, save_draft
from .eligibility import require_learner_may_submit
from .learner_policy import learner_policy
from .retake_limit import load_assessment_to_take
from .schemas import (
    AttemptSchema,
    DraftSchema,
    ExtensionSchema,
    NewSubmissionSchema,
    NoBodySchema,
    PolicyQuery,
    PolicySchema,
    SavedAnswersSchema,
)
from .submitting import submit_answers

bp = Blueprint("taking", __name__)

no_body_schema = NoBodySchema()
new_submission_schema = NewSubmissionSchema()
draft_schema = DraftSchema()
extension_schema = ExtensionSchema()
policy_query = PolicyQuery()


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
@documented("Get an attempt (learners: their own only, with their saved answers)", response=AttemptSchema)
def get_attempt(assessment_id, attempt_id):
    assessment, attempt = one_row(
        assessment_id, "attempt", lambda conn: sql.get_attempt(conn, assessment_id=assessment_id, attempt_id=attempt_id, grace=_grace())
    )
    attempt = deadline.settle(db.connection(), assessment, attempt, _grace())
    # Its learner also sees their saved answers and the clock.
    return jsonify(attempt_json(attempt, for_its_learner=attempt["learner_id"] == current_user()["id"]))


@bp.get("/assessments/<id:assessment_id>/attempts")
@documented("List attempts (learners: their own only)", query=LearnerFilterQuery, response=page_of(AttemptSchema), paginated_list=True)
def get_attempts(assessment_id):
    conn, query, filters = page_request(assessment_id)
    rows, total = sql.list_attempts(conn, **filters, grace=_grace())
    if any(row["due"] for row in rows):
        # Touched, so finalized now: the page then shows each as it ends.
        assessment = load_assessment(conn, current_user(), assessment_id)
        rows = [deadline.settle(conn, assessment, row, _grace()) for row in rows]
    return paginated([attempt_json(row) for row in rows], total, query)


@bp.patch("/assessments/<id:assessment_id>/attempts/<id:attempt_id>/answers")
@documented(
    "Save answers during an attempt (its learner); If-Match guards against overwriting", body=DraftSchema, response=SavedAnswersSchema
)
def patch_saved_answers(assessment_id, attempt_id):
    user = current_user()
    conn = db.connection()
    assessment = load_assessment_to_take(conn, user, assessment_id)
    require_learner_may_submit(user, enrollment_of(assessment))
    body = parse_body(draft_schema)
    attempt = save_draft(
        conn,
        learner=user,
        assessment=assessment,
        attempt_id=attempt_id,
        answers=body["answers"],
        expected_revision=_if_match(),
        grace=_grace(),
    )
    response = jsonify(draft_json(attempt))
    response.headers["ETag"] = f'"{attempt["revision"]}"'
    return response


def _if_match():
    """The revision If-Match names (None without the header; -1 for one that is none)."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    tag = header.strip().removeprefix("W/").strip('"')
    return int(tag) if tag.isascii() and tag.isdigit() and len(tag) < 10 else -1


@bp.post("/assessments/<id:assessment_id>/attempts/<id:attempt_id>/extend")
@documented("Give an attempt in progress more time (admin or course instructor)", body=ExtensionSchema, response=AttemptSchema)
def post_extension(assessment_id, attempt_id):
    conn = db.connection()
    assessment = load_assessment(conn, current_user(), assessment_id, manage=True)
    body = parse_body(extension_schema)
    attempt = extend_attempt(conn, assessment=assessment, attempt_id=attempt_id, minutes=body["minutes"], grace=_grace())
    return jsonify(attempt_json(attempt))


@bp.get("/assessments/<id:assessment_id>/policy")
@documented(
    "A learner's effective policy: the figures with their override, and whether a start would succeed now",
    query=PolicyQuery,
    response=PolicySchema,
)
def get_policy(assessment_id):
    user = current_user()
    conn = db.connection()
    assessment = load_assessment(conn, user, assessment_id)
    query = parse_query(policy_query)
    return jsonify(learner_policy(conn, user, assessment, query["learner_id"], _grace()))


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
