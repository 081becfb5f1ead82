"""Courses and enrollments (contract section 2)."""

from flask import Blueprint, jsonify

from ..http.bodies import parse_body, parse_query
from ..http.fields import PageQuery, page_of
from ..http.openapi import Tag, documented
from ..http.pagination import page_window, paginated
from ..http.responses import created
from ..identity.authentication import current_user
from ..identity.roles import require_admin_or_instructor
from ..platform import db
from . import sql
from .courses import course_json, create_course
from .enrollments import change_enrollment, enroll, enrollment_json
from .loaders import load_course
from .schemas import CourseSchema, EnrollmentPatchSchema, EnrollmentSchema, NewCourseSchema, NewEnrollmentSchema

bp = Blueprint("courses", __name__)

COURSES = Tag("Courses", "Courses hold assessments; who may do what in one comes from enrollments.")
ENROLLMENTS = Tag("Enrollments", "A user's place in a course: learner or instructor, active, completed or dropped.")
MANAGERS_ONLY = "`forbidden`: the caller reads the course but is neither an admin nor one of its instructors."

new_course_schema = NewCourseSchema()
new_enrollment_schema = NewEnrollmentSchema()
enrollment_patch_schema = EnrollmentPatchSchema()
page_query_schema = PageQuery()


@bp.post("/courses")
@documented(
    "Create a course (admin, instructor)",
    tag=COURSES,
    description="An instructor who creates a course becomes its instructor (an active instructor enrollment).",
    body=NewCourseSchema,
    response=CourseSchema,
    status=201,
    errors={403: "`forbidden`: learners do not create courses."},
)
def post_course():
    user = current_user()
    require_admin_or_instructor(user)
    body = parse_body(new_course_schema)
    course = create_course(db.connection(), creator=user, title=body["title"])
    return created(course_json(course), f"/api/v1/courses/{course['id']}")


@bp.get("/courses")
@documented(
    "List the courses the caller may read",
    tag=COURSES,
    description="Admins see every course; instructors and learners the courses they are enrolled in.",
    query=PageQuery,
    response=page_of(CourseSchema),
    paginated_list=True,
)
def get_courses():
    user = current_user()
    query = parse_query(page_query_schema)
    limit, offset = page_window(query)
    visible_to = None if user["role"] == "admin" else user["id"]
    rows, total = sql.list_courses(db.connection(), visible_to=visible_to, limit=limit, offset=offset)
    return paginated([course_json(row) for row in rows], total, query)


@bp.get("/courses/<id:course_id>")
@documented(
    "Get a course",
    tag=COURSES,
    description="A course the caller may read (404 for one they may not: its existence is not told).",
    response=CourseSchema,
)
def get_course(course_id):
    return jsonify(course_json(load_course(db.connection(), current_user(), course_id)))


@bp.post("/courses/<id:course_id>/enrollments")
@documented(
    "Enroll a user (admin or course instructor)",
    tag=ENROLLMENTS,
    description="`role` defaults to learner and `status` to active. A user is enrolled in a course once.",
    body=NewEnrollmentSchema,
    response=EnrollmentSchema,
    status=201,
    errors={403: MANAGERS_ONLY, 409: "`conflict`: the user is already enrolled (`details.user_id`)."},
)
def post_enrollment(course_id):
    conn = db.connection()
    load_course(conn, current_user(), course_id, manage=True)
    body = parse_body(new_enrollment_schema)
    enrollment = enroll(conn, course_id=course_id, **body)
    return created(enrollment_json(enrollment), f"/api/v1/courses/{course_id}/enrollments/{enrollment['id']}")


@bp.get("/courses/<id:course_id>/enrollments")
@documented(
    "List a course's enrollments (admin or course instructor)",
    tag=ENROLLMENTS,
    description="Every enrollment of the course, oldest first.",
    query=PageQuery,
    response=page_of(EnrollmentSchema),
    paginated_list=True,
    errors={403: MANAGERS_ONLY},
)
def get_enrollments(course_id):
    conn = db.connection()
    load_course(conn, current_user(), course_id, manage=True)
    query = parse_query(page_query_schema)
    limit, offset = page_window(query)
    rows, total = sql.list_enrollments(conn, course_id=course_id, limit=limit, offset=offset)
    return paginated([enrollment_json(row) for row in rows], total, query)


@bp.patch("/courses/<id:course_id>/enrollments/<id:enrollment_id>")
@documented(
    "Change an enrollment's status or standing time multiplier (admin or course instructor)",
    tag=ENROLLMENTS,
    description="A completed enrollment never becomes active again. A dropped learner keeps their submissions and submits "
    "no more. `time_multiplier` (1.00-5.00, or null) stretches every timed assessment of the course for a learner, unless "
    "an override of theirs has a time setting of its own.",
    body=EnrollmentPatchSchema,
    response=EnrollmentSchema,
    errors={
        403: MANAGERS_ONLY,
        409: "`conflict`: a completed enrollment cannot become active again.",
        422: "`validation_failed`: a body that does not fit, or a time multiplier on an instructor's enrollment.",
    },
)
def patch_enrollment(course_id, enrollment_id):
    conn = db.connection()
    load_course(conn, current_user(), course_id, manage=True)
    body = parse_body(enrollment_patch_schema)
    updated = change_enrollment(conn, course_id=course_id, enrollment_id=enrollment_id, changes=body)
    return jsonify(enrollment_json(updated))
