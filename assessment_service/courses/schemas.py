"""The bodies of the courses and enrollments routes."""

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..http.fields import TITLE, ExactDecimal, PublicId, Timestamp

# A standing accommodation on every timed assessment of the course.
TIME_MULTIPLIER = ExactDecimal(
    allow_none=True, max_places=2, validate=validate.Range(min=Decimal("1.00"), max=Decimal("5.00")), metadata={"description": "1.00-5.00"}
)

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
    status = fields.String(validate=validate.OneOf(ENROLLMENT_STATUSES))
    time_multiplier = TIME_MULTIPLIER

    @validates_schema
    def _something_changes(self, data, **kwargs):
        if not data:
            raise ValidationError({"status": ["Give status, time_multiplier or both."]})


class EnrollmentSchema(Schema):
    id = fields.String(required=True)
    course_id = fields.String(required=True)
    user_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ENROLLMENT_ROLES))
    status = fields.String(required=True, validate=validate.OneOf(ENROLLMENT_STATUSES))
    time_multiplier = fields.Decimal(
        required=True, allow_none=True, metadata={"description": "A standing accommodation: 1.00-5.00, or null."}
    )
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)
