"""Reading submissions (contract section 5) and grades (section 15): learners their own, as
their review policy lets them see them; managers everyone's, whole."""

from flask import Blueprint, jsonify

from ..authoring.loaders import load_assessment
from ..authoring.sql import questions as questions_sql
from ..core.errors import not_found
from ..courses.loaders import load_course
from ..courses.permissions import enrollment_of, may_manage_course
from ..http.bodies import parse_body, parse_query
from ..http.csv_stream import wants_csv
from ..http.fields import page_of
from ..http.openapi import Tag, documented
from ..http.pagination import page_window, paginated, paginated_encoded
from ..identity.authentication import current_user
from ..platform import db
from . import exports, grades_sql, regrades_sql, sql
from .grades import grade_json, learner_grade_row, reader_view
from .learner_rows import one_row, page_request
from .regrades import dry_run, history_json, queue_regrade, regrade_json, set_result
from .schemas import (
    GradeSchema,
    HistorySchema,
    LearnerFilterQuery,
    RegradeBodySchema,
    RegradeDryRunSchema,
    RegradeSchema,
    ResultPatchSchema,
    SubmissionSchema,
)
from .submissions import encoded_page, notes_for, shown_submission

bp = Blueprint("grading", __name__)

SUBMISSIONS = Tag("Submissions", "A learner's answers to an assessment, scored when they arrive, with one result per question.")
GRADES = Tag("Grades", "Each learner's grade on an assessment, by its grading method, and a course's gradebook.")
REVIEWED = (
    " A learner sees what the assessment's review policy shows now (`review` says what): a hidden score nulls `score`, "
    "`passed` and `points_earned`; hidden correctness nulls each result's `correct`, `credit` and `points_earned`."
)

REGRADES = Tag("Regrades", "Today's questions applied to stored answers, in the background, with a dry run and a history of every change.")
# The lists that answer `Accept: text/csv` with every row (contract section 17).
CSV_TOO = {"application/json": None, "text/csv": {"type": "string", "description": "Every row, RFC 4180, with a header row."}}
AS_CSV = " With `Accept: text/csv`: every row (no pagination) as CSV, streamed."
MANAGERS_ONLY = "`forbidden`: only an admin or an instructor of the course may do this."

learner_filter_query = LearnerFilterQuery()
regrade_body_schema = RegradeBodySchema()
result_patch_schema = ResultPatchSchema()


@bp.get("/assessments/<id:assessment_id>/submissions/<id:submission_id>")
@documented(
    "Get a submission (learners: their own only)",
    tag=SUBMISSIONS,
    description="The submission as it was scored; editing a question later changes no stored result. Another learner's is `404`."
    + REVIEWED,
    response=SubmissionSchema,
)
def get_submission(assessment_id, submission_id):
    assessment, submission = one_row(
        assessment_id, "submission", lambda conn: sql.get_submission(conn, assessment_id=assessment_id, submission_id=submission_id)
    )
    conn = db.connection()
    view = reader_view(conn, current_user(), assessment, submission["learner_id"])
    return jsonify(shown_submission(submission, view, notes_for(conn, assessment_id, view)))


@bp.get("/assessments/<id:assessment_id>/submissions")
@documented(
    "List submissions (learners: their own only)",
    tag=SUBMISSIONS,
    description="Oldest first; admins and the course's instructors see everyone's (`learner_id` picks one learner's)." + REVIEWED + AS_CSV,
    query=LearnerFilterQuery,
    response=page_of(SubmissionSchema),
    paginated_list=True,
    content_type=CSV_TOO,
)
def get_submissions(assessment_id):
    conn, assessment, query, filters = page_request(assessment_id)
    view = reader_view(conn, current_user(), assessment, filters["visible_to"])
    if wants_csv():
        return exports.submissions_csv(assessment, questions_sql.questions_of(conn, assessment_id), filters, view)
    items, total = encoded_page(conn, **filters, view=view, notes=notes_for(conn, assessment_id, view))
    return paginated_encoded(items, total, query)


@bp.get("/assessments/<id:assessment_id>/grades")
@documented(
    "List the grades on an assessment (learners: their own)",
    tag=GRADES,
    description="One grade per learner of the course (any enrollment status), with `score: null` for a learner without "
    "a submission; `learner_id` picks one learner's. A learner's shows what their review policy lets them see." + AS_CSV,
    query=LearnerFilterQuery,
    response=page_of(GradeSchema),
    paginated_list=True,
    content_type=CSV_TOO,
)
def get_grades(assessment_id):
    user = current_user()
    conn = db.connection()
    assessment = load_assessment(conn, user, assessment_id)
    manager = may_manage_course(user, enrollment_of(assessment))
    if wants_csv():
        return _grades_csv(assessment["course_id"], assessment_id, manager, user, f"{assessment_id}-grades.csv")
    return _grade_page(conn, assessment["course_id"], assessment_id, manager, user)


@bp.get("/assessments/<id:assessment_id>/grades/<id:learner_id>")
@documented(
    "Get one learner's grade on an assessment (learners: their own only)",
    tag=GRADES,
    description="`404` for a user who holds no learner enrollment in the course, and for another learner's.",
    response=GradeSchema,
)
def get_grade(assessment_id, learner_id):
    user = current_user()
    conn = db.connection()
    assessment = load_assessment(conn, user, assessment_id)
    manager = may_manage_course(user, enrollment_of(assessment))
    row = learner_grade_row(conn, assessment, learner_id) if manager or learner_id == user["id"] else None
    if row is None:
        raise not_found("grade")
    return jsonify(grade_json(row, full_view=manager))


@bp.get("/courses/<id:course_id>/grades")
@documented(
    "The course's gradebook (learners: their own rows)",
    tag=GRADES,
    description="One grade per learner and assessment of the course, by learner, then by assessment in creation order; "
    "`learner_id` picks one learner's." + AS_CSV,
    query=LearnerFilterQuery,
    response=page_of(GradeSchema),
    paginated_list=True,
    content_type=CSV_TOO,
)
def get_gradebook(course_id):
    user = current_user()
    conn = db.connection()
    course = load_course(conn, user, course_id)
    manager = may_manage_course(user, enrollment_of(course))
    if wants_csv():
        return _grades_csv(course_id, None, manager, user, f"{course_id}-grades.csv")
    return _grade_page(conn, course_id, None, manager, user)


def _grades_learner(query, manager, user):
    """Whose grades the caller gets: a manager's choice (None: all), a learner their own
    (None for the nobody a learner asking for another's gets)."""
    if manager:
        return query["learner_id"], True
    return user["id"], query["learner_id"] in (None, user["id"])


def _grades_csv(course_id, assessment_id, manager, user, filename):
    learner_id, any_rows = _grades_learner(parse_query(learner_filter_query), manager, user)
    # Another learner's rows: none, as in the JSON list (an id no learner holds selects nothing).
    return exports.grades_csv(course_id, assessment_id, learner_id if any_rows else "", manager, filename)


def _grade_page(conn, course_id, assessment_id, manager, user):
    """A page of grades: a manager's of every learner (or the one asked for), a learner's own."""
    query = parse_query(learner_filter_query)
    learner_id, any_rows = _grades_learner(query, manager, user)
    if not any_rows:
        return paginated([], 0, query)
    limit, offset = page_window(query)
    rows, total = grades_sql.grade_page(
        conn, course_id=course_id, assessment_id=assessment_id, learner_id=learner_id, limit=limit, offset=offset
    )
    return paginated([grade_json(row, full_view=manager) for row in rows], total, query)


# ---------------------------------------------------------------- regrades and history (section 16)


@bp.post("/assessments/<id:assessment_id>/regrades")
@documented(
    "Regrade the stored submissions with today's questions (admin or course instructor)",
    tag=REGRADES,
    description="With `dry_run`, `200` and what would change (nothing is stored). Otherwise `202`: the regrade is queued "
    "and the worker applies it in batches; `GET` its `Location` for progress. Grades follow every change.",
    body=RegradeBodySchema,
    response=RegradeSchema,
    status=202,
    location=True,
    also={200: ("The dry run: what the regrade would change.", RegradeDryRunSchema)},
    errors={403: MANAGERS_ONLY, 409: "`conflict`: a regrade of this assessment is already queued or running."},
)
def post_regrade(assessment_id):
    user = current_user()
    conn = db.connection()
    assessment = load_assessment(conn, user, assessment_id, manage=True)
    body = parse_body(regrade_body_schema)
    if body["dry_run"]:
        return jsonify(dry_run(conn, assessment, body))
    regrade = queue_regrade(conn, user, assessment, body)
    response = jsonify(regrade_json(regrade))
    response.status_code = 202
    response.headers["Location"] = f"/api/v1/assessments/{assessment_id}/regrades/{regrade['id']}"
    return response


@bp.get("/assessments/<id:assessment_id>/regrades/<id:regrade_id>")
@documented(
    "A regrade's progress (admin or course instructor)",
    tag=REGRADES,
    description="`status` goes from queued to running to completed (or failed, with `error`); `processed` of `total` "
    "submissions so far, `changed` of them changed.",
    response=RegradeSchema,
    errors={403: MANAGERS_ONLY},
)
def get_regrade(assessment_id, regrade_id):
    conn = db.connection()
    load_assessment(conn, current_user(), assessment_id, manage=True)
    regrade = regrades_sql.get_regrade(conn, assessment_id=assessment_id, regrade_id=regrade_id)
    if regrade is None:
        raise not_found("regrade")
    return jsonify(regrade_json(regrade))


@bp.patch("/assessments/<id:assessment_id>/submissions/<id:submission_id>/results/<id:question_id>")
@documented(
    "Set one result's points by hand (admin or course instructor)",
    tag=REGRADES,
    description="The result's credit follows (`correct` when it is all the points), then the submission's score and pass "
    "mark; the change is kept in the submission's history with the reason, and the grade follows.",
    body=ResultPatchSchema,
    response=SubmissionSchema,
    errors={403: MANAGERS_ONLY, 404: "`not_found`: no such submission, or it holds no result for this question."},
)
def patch_result(assessment_id, submission_id, question_id):
    user = current_user()
    conn = db.connection()
    assessment = load_assessment(conn, user, assessment_id, manage=True)
    body = parse_body(result_patch_schema)
    set_result(conn, user, assessment, submission_id, question_id, body["points_earned"], body["reason"])
    submission = sql.get_submission(conn, assessment_id=assessment_id, submission_id=submission_id)
    view = reader_view(conn, user, assessment, submission["learner_id"])
    return jsonify(shown_submission(submission, view, notes_for(conn, assessment_id, view)))


@bp.get("/assessments/<id:assessment_id>/submissions/<id:submission_id>/history")
@documented(
    "Every change of a submission's score (learners: their own)",
    tag=REGRADES,
    description="Oldest first: who changed it, when, why, the regrade (null when set by hand), and the figures before and "
    "after. A learner's shows the figures only while the review policy shows them their score.",
    response=HistorySchema,
)
def get_history(assessment_id, submission_id):
    assessment, submission = one_row(
        assessment_id, "submission", lambda conn: sql.get_submission(conn, assessment_id=assessment_id, submission_id=submission_id)
    )
    conn = db.connection()
    view = reader_view(conn, current_user(), assessment, submission["learner_id"])
    return jsonify({"data": [history_json(entry, view) for entry in regrades_sql.history_of(conn, submission_id)]})
