"""Users and their bearer tokens (contract section 1)."""

import unicodedata

from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate

from . import db
from .auth import ROLES, current_user, issue_token, require_admin, require_admin_or_self
from .errors import conflict, not_found
from .schemas import PageQuery, Timestamp, page_of
from .sql import users as users_sql
from .web import created, documented, new_id, no_content, page_window, paginated, parse_body, parse_query

bp = Blueprint("users", __name__)


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


new_user_schema = NewUserSchema()
page_query_schema = PageQuery()


def user_json(row):
    return {key: row[key] for key in ("id", "name", "email", "role", "created_at")}


def email_key(email):
    """What makes two addresses the same: equal after NFKC normalization and full case
    folding (STRASSE = straße; fullwidth letters = ASCII ones). The address is kept as given."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email).casefold())


def backfill_email_keys(conn):
    """Give users stored before email keys existed their key; the ids left without one
    because an earlier user already holds the same key."""
    clashes = []
    for row in users_sql.users_without_email_key(conn):
        if not users_sql.set_email_key(conn, user_id=row["id"], email_key=email_key(row["email"])):
            clashes.append(row["id"])
    return clashes


def create_user(conn, *, name, email, role):
    """Store a user and issue their first token: {"user", "token"}; 409 when the email is taken."""
    user = users_sql.insert_user(conn, user_id=new_id("usr"), name=name, email=email, email_key=email_key(email), role=role)
    if user is None:
        raise conflict("A user with this email already exists.", details={"email": ["Already in use."]})
    return {"user": user_json(user), "token": issue_token(conn, user["id"])}


@bp.post("/users")
@documented("Create a user and their first token (admin)", body=NewUserSchema, response=UserWithTokenSchema, status=201)
def post_user():
    require_admin(current_user())
    fields_ = parse_body(new_user_schema)
    body = create_user(db.connection(), **fields_)
    return created(body, secret=("token", "value"))  # no Location: users are not read one by one


@bp.get("/users")
@documented("List users (admin)", query=PageQuery, response=page_of(UserSchema), paginated_list=True)
def get_users():
    require_admin(current_user())
    query = parse_query(page_query_schema)
    limit, offset = page_window(query)
    rows, total = users_sql.list_users(db.connection(), limit=limit, offset=offset)
    return paginated([user_json(row) for row in rows], total, query)


@bp.get("/users/me")
@documented("The calling user", response=UserSchema)
def get_me():
    return jsonify(user_json(current_user()))


@bp.post("/users/<id:user_id>/tokens")
@documented("Issue a new token (admin or self)", response=TokenSchema, status=201)
def post_token(user_id):
    require_admin_or_self(current_user(), user_id)
    conn = db.connection()
    if users_sql.get_user(conn, user_id) is None:
        raise not_found("user")
    token = issue_token(conn, user_id)
    return created(token, secret=("value",))


@bp.delete("/users/<id:user_id>/tokens/<id:token_id>")
@documented("Revoke a token (admin or self)", status=204)
def delete_token(user_id, token_id):
    require_admin_or_self(current_user(), user_id)
    conn = db.connection()
    if not users_sql.token_exists(conn, user_id=user_id, token_id=token_id):
        raise not_found("token")
    users_sql.revoke_token(conn, user_id=user_id, token_id=token_id)
    return no_content()
