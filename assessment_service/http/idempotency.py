"""Idempotent POSTs (contract section 10).

The key is claimed inside the request's own transaction, before the view runs, and the
response is written next to it before that transaction commits. So the work and its
record commit together or not at all: a retry after a success replays the stored
response; a retry after a failure (nothing stored) does the work; and a concurrent
request with the same key waits on the claim until the first one is decided.
Only successful (2xx) responses are kept: an error changed nothing, so redoing it is safe.
"""

import hashlib

from flask import current_app, g, request

from ..core.errors import ApiError
from ..core.jsonio import dumps, loads
from ..platform import db
from . import idempotency_sql
from .bodies import request_body

HEADER = "Idempotency-Key"


def init_app(api_blueprint):
    api_blueprint.before_request(claim_or_replay)
    api_blueprint.after_request(remember_response)


def _request_hash():
    """The fingerprint of "the same request": method, path, query string, content type and
    the body's bytes as received (JSON or not), each length-prefixed so none can run into
    another. The query and the type count: `?dry_run=true`, or the same bytes sent as
    another format, ask for other work."""
    digest = hashlib.sha256()
    content_type = request.headers.get("Content-Type", "").encode("latin-1", "replace")
    for part in (request.method.encode(), request.path.encode(), request.query_string, content_type, request_body()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


def claim_or_replay():
    """before_request (after authentication): claim the key, or answer with the stored response."""
    key = request.headers.get(HEADER)
    if key is None or request.method != "POST" or "user" not in g:
        return None
    if not 1 <= len(key) <= 255 or not key.isprintable() or not key.isascii():
        raise ApiError(400, "invalid_parameter", f"{HEADER} must be 1 to 255 printable ASCII characters.", {HEADER: ["Invalid key."]})
    conn = db.connection()
    user_id = g.user["id"]
    ttl_hours = current_app.config["IDEMPOTENCY_TTL_HOURS"]
    request_hash = _request_hash()
    if idempotency_sql.claim(conn, user_id=user_id, key=key, request_hash=request_hash, ttl_hours=ttl_hours):
        idempotency_sql.sweep_expired(conn, ttl_hours=ttl_hours)
        g.idempotency_key = key
        return None
    record = idempotency_sql.stored(conn, user_id=user_id, key=key)
    if bytes(record["request_hash"]) != request_hash:
        raise ApiError(
            422,
            "idempotency_key_reused",
            f"This {HEADER} was used with a different request; use a new key.",
            {HEADER: ["Already used with another body or route."]},
        )
    if record["status"] is None:
        raise ApiError(409, "conflict", f"A request with this {HEADER} is still in progress; retry later.")
    response = current_app.response_class(record["response_body"], status=record["status"], mimetype="application/json")
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    if record["location"]:
        response.headers["Location"] = record["location"]
    response.headers["Idempotent-Replayed"] = "true"
    return response


def commit_before_error():
    """Commit what the request has done so far, though it is about to answer an error (the
    deadline's finalization of an attempt must stay). An error is never replayed, so the
    key's claim is given up first: a retry finds that work done and answers alike."""
    key = g.pop("idempotency_key", None)
    if key is not None:
        idempotency_sql.release(db.connection(), user_id=g.user["id"], key=key)
    db.commit_now()


def remember_response(response):
    """after_request: store a successful response next to its claim, in the same transaction."""
    key = g.pop("idempotency_key", None)
    if key is not None and 200 <= response.status_code < 300:
        idempotency_sql.remember(
            db.connection(),
            user_id=g.user["id"],
            key=key,
            status=response.status_code,
            response_body=_storable_body(response, g.get("response_secret")),
            location=response.headers.get("Location"),
        )
    return response


def _storable_body(response, secret_path):
    """The response body as it may be kept: without the secret a view marked (web.created)."""
    text = response.get_data(as_text=True)
    if secret_path is None:
        return text
    document = loads(text)
    *parents, name = secret_path
    holder = document
    for parent in parents:
        holder = holder[parent]
    del holder[name]
    return dumps(document) + "\n"
