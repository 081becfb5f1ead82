"""Reading submissions (contract section 5) and grades (section 15): learners their own, as
their review policy lets them see them; managers everyone's, whole."""

from flask import Blueprint, jsonify

from ..authoring.loaders import load_assessment
from ..core.errors import not_found
from ..courses.loaders import load_course
from ..courses.permissions import enrollment_of, may_manage_course
from ..http.bodies import parse_query
from ..http.fields import page_of
from ..http.openapi import Tag, documented
from ..http.pagination import page_window, paginated, paginated_encoded
from ..identity.authentication import current_user
from ..platform import db
from . import grades_sql, sql
from .grades import grade_json, learner_grade_row, reader_view
from .learner_rows import one_row, page_request
from .schemas import GradeSchema, LearnerFilterQuery, SubmissionSchema
from .submissions import encoded_page, notes_for, shown_submission

bp = Blueprint("grading", __name__)

SUBMISSIONS = Tag("Submissions", "A learner's answers to an assessment, scored when they arrive, with one result per question.")
GRADES = Tag("Grades", "Each learner's grade on an assessment, by its grading method, and a course's gradebook.")
REVIEWED = (
    " A learner sees what the assessment's review policy shows now (`review` says what): a hidden score nulls `score`, "
    "`passed` and `points_earned`; hidden correctness nulls each result's `correct`, `credit` and `points_earned`."
)

learner_filter_query = LearnerFilterQuery()


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
    description="Oldest first; admins and the course's instructors see everyone's (`learner_id` picks one learner's)." + REVIEWED,
    query=LearnerFilterQuery,
    response=page_of(SubmissionSchema),
    paginated_list=True,
)
def get_submissions(assessment_id):
    conn, assessment, query, filters = page_request(assessment_id)
    view = reader_view(conn, current_user(), assessment, filters["visible_to"])
    items, total = encoded_page(conn, **filters, view=view, notes=notes_for(conn, assessment_id, view))
    return paginated_encoded(items, total, query)


@bp.get("/assessments/<id:assessment_id>/grades")
@documented(
    "List the grades on an assessment (learners: their own)",
    tag=GRADES,
    description="One grade per learner of the course (any enrollment status), with `score: null` for a learner without "
    "a submission; `learner_id` picks one learner's. A learner's shows what their review policy lets them see.",
    query=LearnerFilterQuery,
    response=page_of(GradeSchema),
    paginated_list=True,
)
def get_grades(assessment_id):
    user = current_user()
    conn = db.connection()
    assessment = load_assessment(conn, user, assessment_id)
    manager = may_manage_course(user, enrollment_of(assessment))
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
    "`learner_id` picks one learner's.",
    query=LearnerFilterQuery,
    response=page_of(GradeSchema),
    paginated_list=True,
)
def get_gradebook(course_id):
    user = current_user()
    conn = db.connection()
    course = load_course(conn, user, course_id)
    manager = may_manage_course(user, enrollment_of(course))
    return _grade_page(conn, course_id, None, manager, user)


def _grade_page(conn, course_id, assessment_id, manager, user):
    """A page of grades: a manager's of every learner (or the one asked for), a learner's own."""
    query = parse_query(learner_filter_query)
    learner_id = query["learner_id"]
    if not manager:
        if learner_id not in (None, user["id"]):
            return paginated([], 0, query)
        learner_id = user["id"]
    limit, offset = page_window(query)
    rows, total = grades_sql.grade_page(
        conn, course_id=course_id, assessment_id=assessment_id, learner_id=learner_id, limit=limit, offset=offset
    )
    return paginated([grade_json(row, full_view=manager) for row in rows], total, query)
