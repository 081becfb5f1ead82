"""/api/v1/openapi.json, generated from the views' marshmallow schemas (`documented`)."""

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, current_app, jsonify

from .fields import ErrorSchema
from .idempotency import HEADER as IDEMPOTENCY_HEADER

ERROR_STATUSES = {
    "400": "Malformed JSON or an invalid query parameter",
    "401": "Missing, unknown or revoked token",
    "403": "Not allowed",
    "404": "Not found",
    "409": "Conflict with the current state",
    "413": "Body too large",
    "415": "Body is not JSON",
    "422": "Validation failed",
    "503": "Database unavailable",
}


# Contract section 10: every POST takes an optional key that makes a retry replay the first answer.
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "description": "Retrying with the same key and body within 24 h replays the first response.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
}


# A variable of a Flask rule: <id:assessment_id>
_RULE_VARIABLE = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def _path(rule):
    return _RULE_VARIABLE.sub(r"{\1}", rule)


def documented(summary, *, body=None, query=None, response=None, status=200, also=None, paginated_list=False, public=False):
    """Describe a view for /openapi.json; the same schemas validate its requests.

    `also` maps other success statuses the view answers with (same body) to what they mean.
    """

    def decorate(view):
        view.public = public  # no token needed (identity.authentication)
        view.openapi = {
            "summary": summary,
            "body": body,
            "query": query,
            "response": response,
            "status": status,
            "also": also or {},
            "paginated": paginated_list,
            "public": public,
        }
        return view

    return decorate


bp = Blueprint("docs", __name__)


@bp.get("/openapi.json")
@documented("This OpenAPI document", public=True)
def openapi_document():
    spec = current_app.extensions.get("openapi_spec")
    if spec is None:
        spec = current_app.extensions["openapi_spec"] = build_spec(current_app)
    return jsonify(spec)


def build_spec(app):
    spec = APISpec(
        title="Assessment service",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Courses, enrollments, assessments, scoring and retake policy."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    paths = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        doc = getattr(view, "openapi", None)
        if doc is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(_path(rule.rule), {})[method.lower()] = _operation(rule, method, doc)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _path_arguments(rule_text):
    """The rule's variables in the order they appear (Rule.arguments is a set: the document
    would list them in a different order in every process)."""
    return _RULE_VARIABLE.findall(rule_text)


def _operation(rule, method, doc):
    operation = {"summary": doc["summary"], "operationId": rule.endpoint.replace(".", "_"), "parameters": []}
    for name in _path_arguments(rule.rule):
        operation["parameters"].append(
            {"in": "path", "name": name, "required": True, "schema": {"type": "string", "pattern": r"^[a-z]{2,6}_[A-Za-z0-9]{1,40}$"}}
        )
    if doc["query"] is not None:
        operation["parameters"].append({"in": "query", "schema": doc["query"]})
    if method == "POST" and not doc["public"]:
        operation["parameters"].append(IDEMPOTENCY_KEY)
    if doc["body"] is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": doc["body"]}}}
    success = {"description": doc["summary"]}
    if doc["response"] is not None:
        success["content"] = {"application/json": {"schema": doc["response"]}}
    operation["responses"] = {str(doc["status"]): success}
    for status, description in doc["also"].items():
        operation["responses"][str(status)] = {**success, "description": description}
    if doc["public"]:
        operation["security"] = []
        return operation
    operation["security"] = [{"bearer": []}]
    for status, description in ERROR_STATUSES.items():
        operation["responses"][status] = {"description": description, "content": {"application/json": {"schema": "Error"}}}
    return operation
