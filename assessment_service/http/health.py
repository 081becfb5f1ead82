"""Liveness and readiness, outside /api/v1 and without authentication."""

from flask import Blueprint, jsonify

from ..platform import db
from ..platform.db import CONNECTION_ERRORS, DatabaseUnavailable
from .errors import service_unavailable_response

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process answers; the database is not consulted."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """The database answers a query (503 while it does not)."""
    try:
        db.first_statement(_select_one)
    except (DatabaseUnavailable, *CONNECTION_ERRORS):
        return service_unavailable_response()
    return jsonify({"status": "ready"})


def _select_one(conn):
    with conn.cursor() as cur:
        cur.execute("select 1")
