"""Marshmallow pieces shared by the blueprints: strict fields, paging, the error envelope."""

import datetime
import decimal
import functools
import re

from marshmallow import Schema, ValidationError, fields, validate

from ..core.errors import ERROR_CODES

TITLE = validate.Length(min=3, max=200)


class ExactDecimal(fields.Decimal):
    """A JSON number (not a string, not a boolean) kept as an exact Decimal."""

    def __init__(self, *, max_abs=None, max_places=None, **kwargs):
        super().__init__(allow_nan=False, **kwargs)
        self.max_abs = max_abs
        self.max_places = max_places

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, decimal.Decimal)):
            raise ValidationError("Not a valid number.")
        number = decimal.Decimal(value)
        if not number.is_finite():
            raise ValidationError("Not a valid number.")
        if self.max_abs is not None and abs(number) > self.max_abs:
            raise ValidationError(f"Must be between -{self.max_abs} and {self.max_abs}.")
        if self.max_places is not None and number.as_tuple().exponent < -self.max_places:
            raise ValidationError(f"At most {self.max_places} decimal places.")
        return number


class StrictBoolean(fields.Boolean):
    """true or false only (not 1, not "yes")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Not a valid boolean.")
        return value


class StrictInteger(fields.Integer):
    """A JSON integer (not 1.0, not "1", not true), within PostgreSQL's integer."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Not a valid integer.")
        if not -(2**31) <= value < 2**31:
            raise ValidationError("Integer out of range.")
        return value


class BoundedList(fields.List):
    """A list whose Length validator runs before its items are read.

    marshmallow validates a list's length only after every item, collecting one error per
    bad item: a 1 MiB body of 300 000 `{}` answers took half a minute and answered 38 MB.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list):
            for validator in self.validators:
                if isinstance(validator, validate.Length):
                    validator(value)
        return super()._deserialize(value, attr, data, **kwargs)


class PublicId(fields.String):
    """One of our ids (`prefix_alphanumeric`)."""

    def __init__(self, prefix, **kwargs):
        self.regex = re.compile(rf"^{prefix}_[A-Za-z0-9]{{1,40}}$")
        super().__init__(validate=validate.Regexp(self.regex, error="Not a valid id."), **kwargs)


class QueryInteger(fields.Integer):
    """A query-string integer in plain ASCII digits: not "+5", "1_0", " 5", "1e1" or "٥"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 9:
            raise ValidationError("Not a valid integer.")
        return super()._deserialize(value, attr, data, **kwargs)


class PageQuery(Schema):
    # The bound QueryInteger's nine digits imply, stated so that the OpenAPI document has it.
    page = QueryInteger(load_default=1, validate=validate.Range(min=1, max=999_999_999), metadata={"description": "The page, from 1."})
    per_page = QueryInteger(load_default=20, validate=validate.Range(min=1, max=100), metadata={"description": "Items per page."})


class PaginationSchema(Schema):
    page = fields.Integer(required=True, validate=validate.Range(min=1))
    per_page = fields.Integer(required=True, validate=validate.Range(min=1, max=100))
    total = fields.Integer(required=True, validate=validate.Range(min=0), metadata={"description": "Items in every page together."})
    total_pages = fields.Integer(required=True, validate=validate.Range(min=1))


class ErrorBodySchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(ERROR_CODES), metadata={"description": "What went wrong, for programs."})
    message = fields.String(required=True, metadata={"description": "What went wrong, for people."})
    details = fields.Dict(
        required=True,
        metadata={"description": "validation_failed and invalid_parameter: field path -> messages; other codes: their figures."},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


@functools.cache
def page_of(item_schema):
    """The schema of a paginated list of item_schema (for OpenAPI); one class per item
    schema, so that lists of the same items share one component."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (Schema,),
        {
            "data": fields.List(fields.Nested(item_schema), required=True),
            "pagination": fields.Nested(PaginationSchema, required=True),
        },
    )


class Moment(fields.AwareDateTime):
    """An ISO 8601 date and time with its time zone (e.g. 2026-12-01T09:00:00Z), as a UTC datetime."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Not a valid date and time.")
        return super()._deserialize(value, attr, data, **kwargs).astimezone(datetime.UTC)


class Timestamp(fields.String):
    """ISO 8601 UTC with milliseconds, e.g. 2026-11-29T13:40:21.123Z (written by jsonio);
    OpenAPI's date-time."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"format": "date-time", **kwargs.get("metadata", {})}
        super().__init__(**kwargs)


class OneOf(fields.Field):
    """A value that is one of several schemas (OpenAPI oneOf), for documenting answers only.

    `schemas` maps each value of the `discriminator` property to its schema, or is a list
    when nothing but the shape tells them apart.
    """

    def __init__(self, schemas, *, discriminator=None, **kwargs):
        super().__init__(**kwargs)
        self.schemas = schemas
        self.discriminator = discriminator
