"""The bodies of the users and tokens routes."""

from marshmallow import Schema, fields, validate

from ..http.fields import Timestamp
from .roles import ROLES


class NewUserSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=320))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class UserSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True)
    created_at = Timestamp(required=True)


class TokenSchema(Schema):
    id = fields.String(required=True)
    created_at = Timestamp(required=True)
    value = fields.String(metadata={"description": "The plain token; only in the response that issues it."})


class UserWithTokenSchema(Schema):
    user = fields.Nested(UserSchema, required=True)
    token = fields.Nested(TokenSchema, required=True)
