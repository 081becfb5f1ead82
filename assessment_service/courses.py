"""Courses and enrollments (contract section 2)."""

from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate

from . import db
from .access import load_course
from .auth import current_user
from .errors import conflict, forbidden, not_found, validation_failed
from .schemas import TITLE, PageQuery, PublicId, Timestamp, page_of
from .sql import courses as courses_sql
from .sql import users as users_sql
from .web import created, documented, new_id, page_window, paginated, parse_body, parse_query

bp = Blueprint("courses", __name__)

ENROLLMENT_ROLES = ("learner", "instructor")
ENROLLMENT_STATUSES = ("active", "completed", "dropped")


class NewCourseSchema(Schema):
    title = fields.String(required=True, validate=TITLE)


class CourseSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    created_at = Timestamp(required=True)


class NewEnrollmentSchema(Schema):
    user_id = PublicId("usr", required=True)
    role = fields.String(load_default="learner", validate=validate.OneOf(ENROLLMENT_ROLES))
    status = fields.String(load_default="active", validate=validate.OneOf(ENROLLMENT_STATUSES))


class EnrollmentPatchSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(ENROLLMENT_STATUSES))


class EnrollmentSchema(Schema):
    id = fields.String(required=True)
    course_id = fields.String(required=True)
    user_id = fields.String(required=True)
    role = fields.String(required=True)
    status = fields.String(required=True)
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)


new_course_schema = NewCourseSchema()
new_enrollment_schema = NewEnrollmentSchema()
enrollment_patch_schema = EnrollmentPatchSchema()
page_query_schema = PageQuery()


def course_json(row):
    return {"id": row["id"], "title": row["title"], "created_at": row["created_at"]}


def enrollment_json(row):
    return {key: row[key] for key in ("id", "course_id", "user_id", "role", "status", "created_at", "updated_at")}


def check_status_change(enrollment, status):
    """409 when an enrollment that was ever completed would become active again (by any path)."""
    if status == "active" and enrollment["ever_completed"]:
        raise conflict("A completed enrollment cannot become active again.", details={"status": ["completed is final for active."]})


@bp.post("/courses")
@documented("Create a course (admin, instructor)", body=NewCourseSchema, response=CourseSchema, status=201)
def post_course():
    user = current_user()
    if user["role"] not in ("admin", "instructor"):
        raise forbidden("Only admins and instructors create courses.")
    body = parse_body(new_course_schema)
    conn = db.connection()
    course = courses_sql.insert_course(conn, course_id=new_id("crs"), title=body["title"])
    if user["role"] == "instructor":
        # The creator teaches the course: without this they could not even read it.
        courses_sql.insert_enrollment(
            conn, enrollment_id=new_id("enr"), course_id=course["id"], user_id=user["id"], role="instructor", status="active"
        )
    return created(course_json(course), f"/api/v1/courses/{course['id']}")


@bp.get("/courses")
@documented("List the courses the caller may read", query=PageQuery, response=page_of(CourseSchema), paginated_list=True)
def get_courses():
    user = current_user()
    query = parse_query(page_query_schema)
    limit, offset = page_window(query)
    visible_to = None if user["role"] == "admin" else user["id"]
    rows, total = courses_sql.list_courses(db.connection(), visible_to=visible_to, limit=limit, offset=offset)
    return paginated([course_json(row) for row in rows], total, query)


@bp.get("/courses/<id:course_id>")
@documented("Get a course", response=CourseSchema)
def get_course(course_id):
    return jsonify(course_json(load_course(db.connection(), current_user(), course_id)))


@bp.post("/courses/<id:course_id>/enrollments")
@documented("Enroll a user (admin or course instructor)", body=NewEnrollmentSchema, response=EnrollmentSchema, status=201)
def post_enrollment(course_id):
    conn = db.connection()
    load_course(conn, current_user(), course_id, manage=True)
    body = parse_body(new_enrollment_schema)
    enrolled = users_sql.get_user(conn, body["user_id"])
    if enrolled is None:
        raise validation_failed({"user_id": ["No such user."]})
    # A course role is granted to the matching global role only: an admin needs no enrollment,
    # and a learner enrolled as instructor (or the reverse) would get rights the contract never gives.
    if enrolled["role"] != body["role"]:
        raise validation_failed({"role": [f"A user whose role is {enrolled['role']} cannot be enrolled as {body['role']}."]})
    enrollment = courses_sql.insert_enrollment(
        conn, enrollment_id=new_id("enr"), course_id=course_id, user_id=body["user_id"], role=body["role"], status=body["status"]
    )
    if enrollment is None:
        raise conflict("This user is already enrolled in the course.", details={"user_id": ["Already enrolled."]})
    return created(enrollment_json(enrollment), f"/api/v1/courses/{course_id}/enrollments/{enrollment['id']}")


@bp.get("/courses/<id:course_id>/enrollments")
@documented("List a course's enrollments (admin or course instructor)", query=PageQuery, response=page_of(EnrollmentSchema), paginated_list=True)
def get_enrollments(course_id):
    conn = db.connection()
    load_course(conn, current_user(), course_id, manage=True)
    query = parse_query(page_query_schema)
    limit, offset = page_window(query)
    rows, total = courses_sql.list_enrollments(conn, course_id=course_id, limit=limit, offset=offset)
    return paginated([enrollment_json(row) for row in rows], total, query)


@bp.patch("/courses/<id:course_id>/enrollments/<id:enrollment_id>")
@documented("Change an enrollment's status (admin or course instructor)", body=EnrollmentPatchSchema, response=EnrollmentSchema)
def patch_enrollment(course_id, enrollment_id):
    conn = db.connection()
    load_course(conn, current_user(), course_id, manage=True)
    body = parse_body(enrollment_patch_schema)
    enrollment = courses_sql.get_enrollment_for_update(conn, course_id=course_id, enrollment_id=enrollment_id)
    if enrollment is None:
        raise not_found("enrollment")
    check_status_change(enrollment, body["status"])
    updated = courses_sql.update_enrollment_status(conn, enrollment_id=enrollment_id, status=body["status"])
    return jsonify(enrollment_json(updated))
