"""Taking an assessment: attempts, drafts and the learner's policy (contract sections 9 and
14), and submitting answers (sections 5 and 6)."""

from flask import Blueprint, current_app, jsonify, request

from ..authoring.loaders import load_assessment
from ..courses.permissions import enrollment_of, may_see_answer_keys
from ..grading.learner_rows import one_row, page_request
from ..grading.routes import SUBMISSIONS
from ..grading.schemas import LearnerFilterQuery, SubmissionSchema
from ..http.bodies import parse_body, parse_query
from ..http.fields import page_of
from ..http.openapi import Tag, documented
from ..http.pagination import paginated
from ..http.responses import created
from ..identity.authentication import current_user
from ..platform import db
from . import deadline, sql
from .attempts import attempt_json, extend_attempt, paper_json, start_attempt
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

ATTEMPTS = Tag("Attempts", "Taking an assessment: an attempt starts the clock of a timed assessment and counts toward max_attempts.")
DRAFTS = Tag("Drafts", "Answers saved during an attempt: merged by question, each save one revision more, guarded by If-Match.")
POLICY = Tag("Policy", "A learner's effective figures on an assessment, with their accommodations, and whether a start would succeed now.")
MAY_NOT_TAKE = (
    "`forbidden`: only learners take assessments. `not_enrolled`: the learner has no active enrollment in the course. "
    "`attempt_limit_reached`: every attempt is used (`details.max_attempts`, `details.attempts_used`). "
    "`assessment_not_open` / `assessment_closed`: outside the learner's window (`details.available_from` / "
    "`details.available_until`). `attempt_cooldown`: within the cooldown after the last attempt (`details.available_at`, "
    "`Retry-After`)."
)
ATTEMPT_CLOSED = (
    "`conflict`: the attempt was already submitted. `attempt_expired`: its time and grace are over; the deadline "
    "finalized it (`details.submission_id` names the submission it made of the saved answers, with on_expiry submit_saved)."
)
# Only attempt_cooldown carries it, so it is optional on the 403.
COOLDOWN_HEADERS = {
    403: {
        "Retry-After": {
            "description": "With `attempt_cooldown`: seconds until the next attempt may start.",
            "required": False,
            "schema": {"type": "integer", "minimum": 0},
        }
    }
}

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
    tag=ATTEMPTS,
    operation_id="start_attempt",
    description="A started attempt counts toward max_attempts (with the learner's extra_attempts). `expires_at` is the "
    "earlier of `started_at` plus the learner's time limit (`GET .../policy`) and the end of their window; null when "
    "neither applies. Asking again while one is in progress answers that one with `200`; an attempt whose time ran out is "
    "finalized first. The attempt's paper is drawn now and never changes (`GET` the attempt for its `questions`). No body "
    "is needed (an empty JSON object is accepted).",
    response=AttemptSchema,
    status=201,
    also={200: "The attempt already in progress"},
    errors={
        403: MAY_NOT_TAKE,
        409: "`conflict`: the assessment has no questions yet, or a question group holds fewer questions than its pick_count "
        "(`details.group_id`).",
        413: "`payload_too_large`: the body is too large.",
        415: "`unsupported_media_type`: a body that is not application/json.",
        422: "`validation_failed`: a body with fields.",
    },
    error_headers=COOLDOWN_HEADERS,
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
    description="An attempt whose time and grace are over is finalized by this read, as by every touch. `questions` is its "
    "paper: the questions drawn for it, in its order, each with its choices, options and items in the paper's order "
    "(answer keys for managers only). Its learner also gets `saved_answers`, `revision`, `server_time` and "
    "`seconds_remaining`. Another learner's is `404`.",
    response=AttemptSchema,
)
def get_attempt(assessment_id, attempt_id):
    assessment, attempt = one_row(
        assessment_id, "attempt", lambda conn: sql.get_attempt(conn, assessment_id=assessment_id, attempt_id=attempt_id, grace=_grace())
    )
    conn = db.connection()
    user = current_user()
    attempt = deadline.settle(conn, assessment, attempt, _grace())
    # Its learner also sees their saved answers and the clock.
    body = attempt_json(attempt, for_its_learner=attempt["learner_id"] == user["id"])
    body["questions"] = paper_json(conn, assessment_id, attempt, with_key=may_see_answer_keys(user, enrollment_of(assessment)))
    return jsonify(body)


@bp.get("/assessments/<id:assessment_id>/attempts")
@documented(
    "List attempts (learners: their own only)",
    tag=ATTEMPTS,
    description="Oldest first; admins and the course's instructors see everyone's (`learner_id` picks one learner's). "
    "Attempts on the page whose time ran out are finalized first.",
    query=LearnerFilterQuery,
    response=page_of(AttemptSchema),
    paginated_list=True,
)
def get_attempts(assessment_id):
    conn, _, query, filters = page_request(assessment_id)
    rows, total = sql.list_attempts(conn, **filters, grace=_grace())
    if any(row["due"] for row in rows):
        # Touched, so finalized now: the page then shows each as it ends.
        assessment = load_assessment(conn, current_user(), assessment_id)
        rows = [deadline.settle(conn, assessment, row, _grace()) for row in rows]
    return paginated([attempt_json(row) for row in rows], total, query)


@bp.patch("/assessments/<id:assessment_id>/attempts/<id:attempt_id>/answers")
@documented(
    "Save answers during an attempt (its learner)",
    tag=DRAFTS,
    operation_id="save_answers",
    description="Merges into the attempt's saved answers by question id (an answer of null removes one); answers are "
    "validated as in a submission and nothing is saved when one does not fit. Each save is one revision more, in the body "
    "and the `ETag`; with `If-Match` naming another revision the save is refused (`412`, `details.current_revision`).",
    body=DraftSchema,
    response=SavedAnswersSchema,
    parameters=[
        {
            "in": "header",
            "name": "If-Match",
            "required": False,
            # Any other value matches no revision: 412, as HTTP has it for an unmatched entity tag.
            "description": 'The revision the save builds on, e.g. "3" (as the ETag gave it); * for any.',
            "schema": {"type": "string"},
        }
    ],
    response_headers={"ETag": {"description": 'The new revision, e.g. "4".', "required": True, "schema": {"type": "string"}}},
    errors={
        403: "`forbidden`: only learners save answers. `not_enrolled`: no active enrollment in the course.",
        404: "`not_found`: no such assessment, or no attempt of the caller's.",
        409: ATTEMPT_CLOSED,
        412: "`precondition_failed`: If-Match names another revision than the current one.",
    },
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
@documented(
    "Give an attempt in progress more time (admin or course instructor)",
    tag=ATTEMPTS,
    operation_id="extend_attempt",
    description="Moves the attempt's `expires_at` `minutes` later, even past the end of the window.",
    body=ExtensionSchema,
    response=AttemptSchema,
    errors={
        403: "`forbidden`: only an admin or an instructor of the course.",
        409: ATTEMPT_CLOSED + " `conflict` also for an attempt without a time limit.",
    },
)
def post_extension(assessment_id, attempt_id):
    conn = db.connection()
    assessment = load_assessment(conn, current_user(), assessment_id, manage=True)
    body = parse_body(extension_schema)
    attempt = extend_attempt(conn, assessment=assessment, attempt_id=attempt_id, minutes=body["minutes"], grace=_grace())
    return jsonify(attempt_json(attempt))


@bp.get("/assessments/<id:assessment_id>/policy")
@documented(
    "A learner's effective policy on an assessment",
    tag=POLICY,
    operation_id="get_policy",
    description="The assessment's settings with the learner's override and the enrollment's time multiplier: "
    "`time_limit_seconds` is the time limit in minutes x 60 x the multiplier, rounded up, plus any extra time. `can_start` "
    "and `reason` (the error code a start would get now) are judged as a start judges them. A learner reads their own; "
    "admins and the course's instructors name the learner (`learner_id`).",
    query=PolicyQuery,
    response=PolicySchema,
    errors={404: "`not_found`: no such assessment, or `learner_id` names no learner of the course (a learner: not themself)."},
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
    tag=SUBMISSIONS,
    description="One answer per question at most, in the shape of its type; a question left out is unanswered. The score is "
    "`points_earned / points_possible * 100` rounded half-up to two decimals; `passed` compares the exact ratio. A submission "
    "without `attempt_id` closes the attempt in progress or uses a new one (within the learner's window, limit and "
    "cooldown); a timed assessment needs the attempt started for it. A submission of an attempt takes its saved answers "
    "with these over them (`answers` may then be left out). `late` when stored after the learner's due date. Nothing is "
    "stored when the submission is refused.",
    body=NewSubmissionSchema,
    response=SubmissionSchema,
    status=201,
    errors={
        403: MAY_NOT_TAKE,
        404: "`not_found`: no such assessment, or `attempt_id` names no attempt of the caller's.",
        409: "`conflict`: the assessment has no questions. " + ATTEMPT_CLOSED,
    },
    error_headers=COOLDOWN_HEADERS,
)
def post_submission(assessment_id):
    user = current_user()
    conn = db.connection()
    assessment = load_assessment_to_take(conn, user, assessment_id)
    require_learner_may_submit(user, enrollment_of(assessment))  # 403 comes before any 422 on the body
    body = parse_body(new_submission_schema)
    submission = submit_answers(
        conn,
        learner=user,
        assessment=assessment,
        answers=body["answers"],
        attempt_id=body["attempt_id"],
        grace=_grace(),
    )
    return created(submission, f"/api/v1/assessments/{assessment_id}/submissions/{submission['id']}")
