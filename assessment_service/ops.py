"""Operations routes: liveness, readiness, the OpenAPI document."""

from flask import Blueprint, current_app, jsonify

from . import db
from .errors import CONNECTION_ERRORS, DatabaseUnavailable, service_unavailable_response
from .openapi import build_spec
from .web import documented

health_bp = Blueprint("ops", __name__)
docs_bp = Blueprint("docs", __name__)


@health_bp.get("/healthz")
def healthz():
    """The process answers; the database is not consulted."""
    return jsonify({"status": "ok"})


@health_bp.get("/readyz")
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


@docs_bp.get("/openapi.json")
@documented("This OpenAPI document", public=True)
def openapi_document():
    spec = current_app.extensions.get("openapi_spec")
    if spec is None:
        spec = current_app.extensions["openapi_spec"] = build_spec(current_app)
    return jsonify(spec)
