"""Who is calling: the bearer token of every /api/v1 request (contract section 1)."""

from flask import current_app, g, request

from ..core.errors import ApiError
from ..platform import db
from . import sql
from .tokens import hash_token


def unauthenticated(message, invalid_token=False):
    challenge = 'Bearer realm="assessment-service"'
    if invalid_token:
        challenge += ', error="invalid_token"'
    return ApiError(401, "unauthenticated", message, headers={"WWW-Authenticate": challenge})


def authenticate():
    """before_request of /api/v1: put the caller in g.user, or answer 401 (public views excepted)."""
    if getattr(current_app.view_functions.get(request.endpoint), "public", False):
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
    user = db.first_statement(lambda conn: sql.user_for_token(conn, token_hash))
    if user is None:
        raise unauthenticated("The token is unknown or revoked.", invalid_token=True)
    g.user = user


def current_user():
    return g.user
