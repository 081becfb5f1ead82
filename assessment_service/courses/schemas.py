"""The bodies of the courses and enrollments routes."""

from marshmallow import Schema, fields, validate

from ..http.fields import TITLE, PublicId, Timestamp

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
    role = fields.String(required=True, validate=validate.OneOf(ENROLLMENT_ROLES))
    status = fields.String(required=True, validate=validate.OneOf(ENROLLMENT_STATUSES))
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)
