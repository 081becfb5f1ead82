"""Who is calling, and what they may do: bearer tokens and the rules of section 1."""

import hashlib
import secrets

from flask import g, request

from . import db
from .errors import ApiError, forbidden, not_found
from .sql import users as users_sql
from .web import new_id

ROLES = ("admin", "instructor", "learner")


def hash_token(plain):
    # Tokens carry 256 random bits, so a fast unsalted hash is enough to make a
    # stolen table useless; nothing slower is needed on every request.
    return hashlib.sha256(plain.encode("utf-8")).digest()


def issue_token(conn, user_id):
    """Create a token for the user; the plain value is in the returned object, and only there."""
    plain = secrets.token_urlsafe(32)
    token = users_sql.insert_token(conn, token_id=new_id("tok"), user_id=user_id, token_hash=hash_token(plain))
    return {"id": token["id"], "created_at": token["created_at"], "value": plain}


def unauthenticated(message, invalid_token=False):
    challenge = 'Bearer realm="assessment-service"'
    if invalid_token:
        challenge += ', error="invalid_token"'
    return ApiError(401, "unauthenticated", message, headers={"WWW-Authenticate": challenge})


def authenticate():
    """before_request of /api/v1: put the caller in g.user, or answer 401."""
    if getattr(request.url_rule, "endpoint", "").endswith(".openapi_document"):
        return
    header = request.headers.get("Authorization", "")
    scheme, _, plain = header.partition(" ")
    plain = plain.strip()
    if scheme.lower() != "bearer" or not plain:
        raise unauthenticated("Send 'Authorization: Bearer <token>'.")
    # A token is url-safe base64; anything else cannot be one of ours.
    if len(plain) > 200 or not plain.isascii():
        raise unauthenticated("The token is unknown or revoked.", invalid_token=True)
    token_hash = hash_token(plain)
    user = db.first_statement(lambda conn: users_sql.user_for_token(conn, token_hash))
    if user is None:
        raise unauthenticated("The token is unknown or revoked.", invalid_token=True)
    g.user = user


def current_user():
    return g.user


def require_admin(user):
    if user["role"] != "admin":
        raise forbidden("Only an admin may do this.")


def require_admin_or_self(user, user_id):
    if user["role"] != "admin" and user["id"] != user_id:
        raise forbidden("Only an admin or the user themself may do this.")


# Course-level rights come from the caller's enrollment in that course (None when not enrolled).


def may_read_course(user, enrollment):
    if user["role"] == "admin":
        return True
    if enrollment is None:
        return False
    if user["role"] == "instructor":
        return enrollment["role"] == "instructor" and enrollment["status"] == "active"
    return enrollment["role"] == "learner"


def may_manage_course(user, enrollment):
    if user["role"] == "admin":
        return True
    return (
        user["role"] == "instructor"
        and enrollment is not None
        and enrollment["role"] == "instructor"
        and enrollment["status"] == "active"
    )


def may_see_answer_keys(user, enrollment):
    return may_manage_course(user, enrollment)


def require_learner_may_submit(user, enrollment):
    """Only a learner with an active learner enrollment submits or starts attempts."""
    if user["role"] != "learner":
        raise forbidden("Only learners submit assessments.")
    if enrollment is None or enrollment["role"] != "learner" or enrollment["status"] != "active":
        raise ApiError(403, "not_enrolled", "You are not actively enrolled in this course.")


def enrollment_of(row):
    """The caller's enrollment carried by a row from a `... left join enrollments` query."""
    if row.get("enrollment_role") is None:
        return None
    return {"role": row["enrollment_role"], "status": row["enrollment_status"]}


def require_readable(user, row, what):
    """404 when the row is missing or its course is not readable by the caller (no existence leak)."""
    if row is None or not may_read_course(user, enrollment_of(row)):
        raise not_found(what)
    return row


def require_manageable(user, row, what):
    """404 as require_readable; 403 when the caller reads the course but may not change it."""
    require_readable(user, row, what)
    if not may_manage_course(user, enrollment_of(row)):
        raise forbidden("Only an admin or an instructor of this course may do this.")
    return row


def own_rows_only(user, assessment_row):
    """Whose submissions and attempts the caller sees: None (everyone's) for the course's
    admins and instructors, else the caller's id (learners see only their own)."""
    if may_manage_course(user, enrollment_of(assessment_row)):
        return None
    return user["id"]


def may_see_learner_row(user, assessment_row, learner_id):
    """Whether the caller may read one learner's submission or attempt on this assessment."""
    return own_rows_only(user, assessment_row) in (None, learner_id)
