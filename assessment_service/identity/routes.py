"""Users and their bearer tokens (contract section 1)."""

from flask import Blueprint, jsonify

from ..core.errors import not_found
from ..http.bodies import parse_body, parse_query
from ..http.fields import PageQuery, page_of
from ..http.openapi import Tag, documented
from ..http.pagination import page_window, paginated
from ..http.responses import created, no_content
from ..platform import db
from . import sql
from .authentication import current_user
from .roles import require_admin, require_admin_or_self
from .schemas import NewUserSchema, UserSchema, UserWithTokenSchema, issued_token
from .tokens import issue_token
from .users import create_user, user_json

bp = Blueprint("identity", __name__)

USERS = Tag("Users", "People who call the API, each with one global role: admin, instructor or learner.")
TOKENS = Tag("Tokens", "Bearer tokens: shown once when issued, stored only as a hash, revocable.")

new_user_schema = NewUserSchema()
page_query_schema = PageQuery()


@bp.post("/users")
@documented(
    "Create a user and their first token (admin)",
    tag=USERS,
    description="An admin creates a user of any role; the answer holds the user and their first token, whose `value` is shown "
    "in this response only (an idempotent replay shows the token without it). Emails are unique, compared after Unicode NFKC "
    "normalization and case folding.",
    body=NewUserSchema,
    response=UserWithTokenSchema,
    status=201,
    location=False,
    errors={403: "`forbidden`: the caller is not an admin.", 409: "`conflict`: a user with this email exists (`details.email`)."},
)
def post_user():
    require_admin(current_user())
    fields_ = parse_body(new_user_schema)
    body = create_user(db.connection(), **fields_)
    return created(body, secret=("token", "value"))  # no Location: users are not read one by one


@bp.get("/users")
@documented(
    "List users (admin)",
    tag=USERS,
    description="Every user, oldest first, a page at a time.",
    query=PageQuery,
    response=page_of(UserSchema),
    paginated_list=True,
    errors={403: "`forbidden`: the caller is not an admin."},
)
def get_users():
    require_admin(current_user())
    query = parse_query(page_query_schema)
    limit, offset = page_window(query)
    rows, total = sql.list_users(db.connection(), limit=limit, offset=offset)
    return paginated([user_json(row) for row in rows], total, query)


@bp.get("/users/me")
@documented("The calling user", tag=USERS, description="Who the bearer token belongs to.", response=UserSchema)
def get_me():
    return jsonify(user_json(current_user()))


@bp.post("/users/<id:user_id>/tokens")
@documented(
    "Issue a new token (admin or self)",
    tag=TOKENS,
    operation_id="create_token",
    description="A new token for the user, beside those they have; its `value` is shown in this response only.",
    response=issued_token(),
    status=201,
    location=False,
    errors={403: "`forbidden`: the caller is neither an admin nor this user."},
)
def post_token(user_id):
    require_admin_or_self(current_user(), user_id)
    conn = db.connection()
    if sql.get_user(conn, user_id) is None:
        raise not_found("user")
    token = issue_token(conn, user_id)
    return created(token, secret=("value",))


@bp.delete("/users/<id:user_id>/tokens/<id:token_id>")
@documented(
    "Revoke a token (admin or self)",
    tag=TOKENS,
    operation_id="revoke_token",
    description="The token stops working at once (401 for whoever sends it).",
    status=204,
    errors={403: "`forbidden`: the caller is neither an admin nor this user."},
)
def delete_token(user_id, token_id):
    require_admin_or_self(current_user(), user_id)
    conn = db.connection()
    if not sql.token_exists(conn, user_id=user_id, token_id=token_id):
        raise not_found("token")
    sql.revoke_token(conn, user_id=user_id, token_id=token_id)
    return no_content()
