"""Users: creating one with their first token, and what makes two emails the same."""

import unicodedata

from ..core.errors import conflict
from ..core.ids import new_id
from . import sql
from .tokens import issue_token


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
    for row in sql.users_without_email_key(conn):
        if not sql.set_email_key(conn, user_id=row["id"], email_key=email_key(row["email"])):
            clashes.append(row["id"])
    return clashes


def create_user(conn, *, name, email, role):
    """Store a user and issue their first token: {"user", "token"}; 409 when the email is taken."""
    user = sql.insert_user(conn, user_id=new_id("usr"), name=name, email=email, email_key=email_key(email), role=role)
    if user is None:
        raise conflict("A user with this email already exists.", details={"email": ["Already in use."]})
    return {"user": user_json(user), "token": issue_token(conn, user["id"])}
