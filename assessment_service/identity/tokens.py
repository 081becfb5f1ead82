"""Bearer tokens: 256 random bits, shown once, stored only as a hash."""

import hashlib
import secrets

from ..core.ids import new_id
from . import sql


def hash_token(plain):
    # Tokens carry 256 random bits, so a fast unsalted hash is enough to make a
    # stolen table useless; nothing slower is needed on every request.
    return hashlib.sha256(plain.encode("utf-8")).digest()


def issue_token(conn, user_id):
    """Create a token for the user; the plain value is in the returned object, and only there."""
    plain = secrets.token_urlsafe(32)
    token = sql.insert_token(conn, token_id=new_id("tok"), user_id=user_id, token_hash=hash_token(plain))
    return {"id": token["id"], "created_at": token["created_at"], "value": plain}
