"""The bodies of the users and tokens routes."""

from marshmallow import Schema, fields, validate

from ..http.fields import OneOf, Timestamp
from .roles import ROLES


class NewUserSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=320))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class UserSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    created_at = Timestamp(required=True)


class TokenSchema(Schema):
    """A token as an idempotent replay of the response that issued it shows it: without its value."""

    id = fields.String(required=True)
    created_at = Timestamp(required=True)


class IssuedTokenSchema(TokenSchema):
    value = fields.String(
        required=True, metadata={"description": "The plain token, shown in this response only: send it as 'Authorization: Bearer <value>'."}
    )


def issued_token(**kwargs):
    """The token of a response that issues one: with its value, or without it in a replay."""
    return OneOf([IssuedTokenSchema, TokenSchema], **kwargs)


class UserWithTokenSchema(Schema):
    user = fields.Nested(UserSchema, required=True)
    token = issued_token(required=True)
