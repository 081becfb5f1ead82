"""/api/v1/openapi.json, generated from the views' marshmallow schemas (`documented`).

Every view says in `documented(...)` what a client needs: its tag, summary and
description, the schemas of its body, query and answer, and the errors it raises beyond
those its shape implies (`default_errors`: a body, a query, path ids, a token, a POST's
Idempotency-Key). The document is built from the app's url_map, so a view added with the
decorator is in it, and the suite lints it (Redocly, Spectral) and generates a client from it.
"""

import re
from collections import namedtuple
from decimal import Decimal

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, resolver
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Blueprint, current_app, jsonify
from marshmallow import fields, validate

from ..core.ids import ID_PATTERN
from .fields import ErrorSchema, ExactDecimal, OneOf
from .idempotency import HEADER as IDEMPOTENCY_HEADER

Tag = namedtuple("Tag", "name description")
"""A resource's group of operations: a generated client's module, a section of the docs page."""

DOCUMENTATION = Tag("Documentation", "This document, and the same rendered for people.")

# Contract section 10: every POST takes an optional key that makes a retry replay the first answer.
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "description": "Retrying with the same key and body within 24 h replays the first response.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
}

HEADERS = {
    "X-Request-ID": {
        "description": "The request's id: the caller's X-Request-ID when it sent a safe one, else a new one. Logged with the request.",
        "required": True,
        "schema": {"type": "string", "maxLength": 128},
    },
    "Location": {"description": "The URL of the new object.", "required": True, "schema": {"type": "string"}},
    "Link": {
        "description": 'RFC 8288 links to the first, prev, next and last pages (e.g. `<...?page=2&per_page=20>; rel="next"`).',
        "required": True,
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored response to an earlier request with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Retry-After": {"description": "Seconds to wait before retrying.", "required": True, "schema": {"type": "integer", "minimum": 0}},
    "WWW-Authenticate": {"description": "The Bearer challenge.", "required": True, "schema": {"type": "string"}},
}

# Not "Error": a generated client names a model's instance after it, and the envelope's
# one property is `error`.
ERROR_SCHEMA = "ErrorEnvelope"

ERROR_TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Body too large",
    415: "Body is not JSON",
    412: "Precondition failed",
    422: "Validation failed",
    503: "Service unavailable",
}

# A variable of a Flask rule: <id:assessment_id>
_RULE_VARIABLE = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")

# A view name's verb, as an operation id says it: post_course -> create_course.
_VERBS = {"post": "create", "patch": "update", "put": "set"}


def _path(rule):
    return _RULE_VARIABLE.sub(r"{\1}", rule)


def documented(
    summary,
    *,
    tag=None,
    description=None,
    operation_id=None,
    body=None,
    query=None,
    response=None,
    status=200,
    also=None,
    errors=None,
    location=None,
    parameters=None,
    response_headers=None,
    error_headers=None,
    paginated_list=False,
    public=False,
    content_type="application/json",
    body_content=None,
    max_body=None,
):
    """Describe a view for /openapi.json; the same schemas validate its requests.

    `tag` (a Tag) groups it, `summary` names it in a line and `description` says its rules.
    `operation_id` is what a generated client calls it (default: the view's name, its
    verb as in `create_`, `update_`, and `list_` for a paginated list). `body`, `query`
    are the validating schemas (a schema may carry `documented_as`, e.g. a OneOf of one
    schema per type); `response` a schema, a field (e.g. OneOf) or a JSON Schema dict.
    `also` maps other success statuses to what they mean (same body), or to (what they mean,
    their response schema). `errors` maps the
    error statuses the view raises itself (403, 409, ...) to what they mean; those its
    shape implies are added (default_errors). `location`: a 201 carries Location (default:
    every 201). `parameters`: more OpenAPI parameters (e.g. an If-Match header);
    `response_headers` / `error_headers` ({status: ...}): more response headers, as OpenAPI
    header objects. `public`: no token needed
    (identity.authentication). `content_type`: the success response's media type, or a
    tuple of those it may have (each with `response` as its schema), or a dict of them to
    their own schemas (None: `response`).

    A body that is not JSON: `body_content` maps each media type the view takes to the JSON
    Schema of its body (e.g. `{"type": "string", "format": "binary"}`); the view reads the
    bytes itself. `max_body` names the setting that bounds this route's body instead of
    MAX_BODY_BYTES (http.bodies.body_limit, and the HTTP server before the app sees it).
    """

    def decorate(view):
        view.public = public
        view.max_body = max_body
        view.openapi = {
            "summary": summary,
            "tag": tag,
            "description": description,
            "operation_id": operation_id,
            "body": body,
            "query": query,
            "response": response,
            "status": status,
            "also": also or {},
            "errors": errors or {},
            "location": status == 201 if location is None else location,
            "paginated": paginated_list,
            "public": public,
            "content_type": content_type,
            "body_content": body_content,
            "max_body": max_body,
            "parameters": parameters or [],
            "response_headers": response_headers or {},
            "error_headers": error_headers or {},
        }
        return view

    return decorate


bp = Blueprint("docs", __name__)


@bp.get("/openapi.json")
@documented(
    "This OpenAPI document",
    tag=DOCUMENTATION,
    operation_id="get_openapi_document",
    description="The OpenAPI 3 description of every route, generated from the schemas that validate requests. No token needed.",
    response={"type": "object", "description": "An OpenAPI 3.0 document."},
    public=True,
)
def openapi_document():
    spec = current_app.extensions.get("openapi_spec")
    if spec is None:
        spec = current_app.extensions["openapi_spec"] = build_spec(current_app)
    return jsonify(spec)


API_DESCRIPTION = """\
Courses, enrollments, assessments (quizzes) and their questions; submissions scored the
moment they arrive, retake limits and timed attempts.

- **Authentication.** Every operation but this document and its page needs
  `Authorization: Bearer <token>`; a token is shown once, when a user is created or a
  token issued.
- **Errors** are JSON: `{"error": {"code", "message", "details"}}`. Each operation lists
  the statuses it answers with. Any request may also be refused by the HTTP server before
  it reaches the service: `400 bad_request` (unparseable request line or header), `408
  request_timeout`, `413 payload_too_large`, `414 uri_too_long`, `431
  request_header_fields_too_large`; an unknown route is `404`, a wrong method `405`, and
  an unexpected failure `500 internal_error`.
- **Lists** take `page` and `per_page` and carry a `Link` header.
- **POST** takes an `Idempotency-Key`: a retry with the same key and body replays the
  first response (with `Idempotent-Replayed: true`).
- Timestamps are ISO 8601 UTC with milliseconds (`2026-11-29T13:40:21.123Z`); numbers with
  a fraction (points, scores) are exact decimals written as JSON numbers.
"""


def build_spec(app):
    plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
    spec = APISpec(
        title="Assessment service",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": API_DESCRIPTION, "contact": {"name": "The assessment service's maintainers"}},
        servers=[{"url": "/", "description": "The service that serves this document (paths start with /api/v1)."}],
    )
    for function in (_one_of_properties, _exclusive_bounds, _exact_decimal_bounds, _nullable_variants):
        plugin.converter.add_attribute_function(function)
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "A token issued by POST /users or POST /users/{user_id}/tokens."}
    )
    spec.components.schema(ERROR_SCHEMA, schema=ErrorSchema)
    for name, header in HEADERS.items():
        spec.components.header(name, header)
    paths, tags = {}, {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        doc = getattr(view, "openapi", None)
        if doc is None:
            continue
        if doc["tag"] is not None:
            tags.setdefault(doc["tag"].name, doc["tag"].description)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(_path(rule.rule), {})[method.lower()] = _operation(rule, method, view, doc, plugin.converter)
    for name, description in tags.items():
        spec.tag({"name": name, "description": description})
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def schema_name(schema):
    """A schema's component name: its `openapi_name`, else its class name less "Schema"."""
    return getattr(resolve_schema_cls(schema), "openapi_name", None) or resolver(schema)


def _path_arguments(rule_text):
    """The rule's variables in the order they appear (Rule.arguments is a set: the document
    would list them in a different order in every process)."""
    return _RULE_VARIABLE.findall(rule_text)


def operation_id(view, method, doc):
    """What a generated client calls the operation: documented's, else the view's name with
    its verb as a client says it (post_course -> create_course, a paginated get_ -> list_)."""
    if doc["operation_id"]:
        return doc["operation_id"]
    verb, _, rest = view.__name__.partition("_")
    if verb == "get" and doc["paginated"]:
        return f"list_{rest}"
    return f"{_VERBS.get(verb, verb)}_{rest}" if rest and verb == method.lower() else view.__name__


def default_errors(method, doc, has_path_ids):
    """{status: [what it means]} of the errors an operation's shape implies."""
    reasons = {}

    def add(status, text):
        reasons.setdefault(status, []).append(text)

    if not doc["public"]:
        add(401, "`unauthenticated`: no bearer token, or one that is unknown or revoked.")
    if doc["body"] is not None:
        add(400, "`invalid_json`: the body is missing, not JSON or incomplete.")
    if doc["query"] is not None:
        add(400, "`invalid_parameter`: a query parameter is not valid (`details` names it).")
    if method == "POST" and not doc["public"]:
        add(400, f"`invalid_parameter`: the {IDEMPOTENCY_HEADER} header is not 1-255 printable ASCII characters.")
    if has_path_ids:
        add(404, "`not_found`: no such object, or one the caller may not read.")
    if method == "POST" and not doc["public"]:
        add(409, f"`conflict`: a request with this {IDEMPOTENCY_HEADER} is still in progress; retry later.")
    if doc["body"] is not None or doc["body_content"] is not None:
        limit = f"the {doc['max_body']} setting" if doc["max_body"] else "1 MiB by default"
        add(413, f"`payload_too_large`: the body is larger than the service takes ({limit}).")
        media_types = " or ".join(doc["body_content"] or ["application/json"])
        add(415, f"`unsupported_media_type`: the body is not sent as {media_types}.")
        add(422, "`validation_failed`: the body is not valid; `details` maps field paths to messages.")
    if method == "POST" and not doc["public"]:
        add(422, f"`idempotency_key_reused`: this {IDEMPOTENCY_HEADER} came with another body or route.")
    if not doc["public"]:
        add(503, "`service_unavailable`: the database cannot be reached; retry after Retry-After seconds.")
    return reasons


def _error_statuses(method, doc, has_path_ids):
    """{status: description}: the view's own errors first, then those its shape implies."""
    reasons = default_errors(method, doc, has_path_ids)
    for status, text in doc["errors"].items():
        reasons[status] = [text, *reasons.get(status, [])]
    return {status: " ".join(dict.fromkeys(reasons[status])) for status in sorted(reasons)}


def _ref(kind, name):
    return {"$ref": f"#/components/{kind}/{name}"}


def _schema(value, converter):
    """A schema class or dict as apispec takes it; a field (e.g. OneOf) as its property."""
    value = getattr(value, "documented_as", value)
    if isinstance(value, fields.Field):
        return converter.field2property(value)
    return value


def _content(content_type, response, converter):
    """A response's content: `response` as the schema of each of its media types (a dict
    maps a media type to a schema of its own, None: `response`)."""
    if isinstance(content_type, dict):
        return {media: {"schema": _schema(response if schema is None else schema, converter)} for media, schema in content_type.items()}
    media_types = (content_type,) if isinstance(content_type, str) else content_type
    return {media: {"schema": _schema(response, converter)} for media in media_types}


def _operation(rule, method, view, doc, converter):
    path_ids = _path_arguments(rule.rule)
    operation = {
        "tags": [doc["tag"].name] if doc["tag"] else [],
        "summary": doc["summary"],
        "operationId": operation_id(view, method, doc),
        "parameters": [],
    }
    if doc["description"]:
        operation["description"] = doc["description"]
    for name in path_ids:
        operation["parameters"].append(
            {
                "in": "path",
                "name": name,
                "required": True,
                "description": f"The {name.removesuffix('_id').replace('_', ' ')}'s id.",
                "schema": {"type": "string", "pattern": f"^{ID_PATTERN}$"},
            }
        )
    if doc["query"] is not None:
        operation["parameters"].append({"in": "query", "schema": doc["query"]})
    if method == "POST" and not doc["public"]:
        operation["parameters"].append(IDEMPOTENCY_KEY)
    operation["parameters"].extend(doc["parameters"])
    if doc["body"] is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _schema(doc["body"], converter)}}}
    if doc["body_content"] is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {media: {"schema": schema} for media, schema in doc["body_content"].items()},
        }

    headers = {"X-Request-ID": _ref("headers", "X-Request-ID")}
    if method == "POST" and not doc["public"]:
        headers["Idempotent-Replayed"] = _ref("headers", "Idempotent-Replayed")
    if doc["paginated"]:
        headers["Link"] = _ref("headers", "Link")
    headers.update(doc["response_headers"])
    success = {"description": doc["summary"], "headers": headers}
    if doc["response"] is not None:
        success["content"] = _content(doc["content_type"], doc["response"], converter)
    responses = {str(doc["status"]): success}
    if doc["location"]:
        responses[str(doc["status"])] = {**success, "headers": {**headers, "Location": _ref("headers", "Location")}}
    for status, meaning in doc["also"].items():
        if isinstance(meaning, tuple):
            description, schema = meaning
            responses[str(status)] = {**success, "description": description, "content": _content(doc["content_type"], schema, converter)}
        else:
            responses[str(status)] = {**success, "description": meaning}
    for status, description in _error_statuses(method, doc, bool(path_ids)).items():
        error_headers = {"X-Request-ID": _ref("headers", "X-Request-ID")}
        if status == 401:
            error_headers["WWW-Authenticate"] = _ref("headers", "WWW-Authenticate")
        if status == 503:
            error_headers["Retry-After"] = _ref("headers", "Retry-After")
        error_headers.update(doc["error_headers"].get(status, {}))
        responses[str(status)] = {
            "description": f"{ERROR_TITLES.get(status, 'Error')}. {description}",
            "headers": error_headers,
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        }
    operation["responses"] = responses
    operation["security"] = [] if doc["public"] else [{"bearer": []}]
    return operation


# ---------------------------------------------------------------- fields apispec does not know
#
# Attribute functions of apispec's converter: each gets a field and what the others made of
# it so far (`ret`), and returns more properties.


def _one_of_properties(self, field, ret):
    """OneOf: oneOf of the schemas' references, with the discriminator's mapping."""
    if not isinstance(field, OneOf):
        return {}
    if not field.discriminator:
        return {"oneOf": [self.resolve_nested_schema(schema) for schema in field.schemas]}
    refs = {value: self.resolve_nested_schema(schema) for value, schema in field.schemas.items()}
    return {
        "oneOf": list(refs.values()),
        "discriminator": {"propertyName": field.discriminator, "mapping": {value: ref["$ref"] for value, ref in refs.items()}},
    }


def _exclusive_bounds(self, field, ret):
    """Range(min_inclusive=False): OpenAPI 3.0's boolean exclusiveMinimum (apispec drops it)."""
    bounds = {}
    for validator in field.validators:
        if isinstance(validator, validate.Range):
            if validator.min is not None and not validator.min_inclusive:
                bounds["exclusiveMinimum"] = True
            if validator.max is not None and not validator.max_inclusive:
                bounds["exclusiveMaximum"] = True
    return bounds


def _exact_decimal_bounds(self, field, ret):
    """ExactDecimal's own bounds: within ±max_abs, at most max_places decimals."""
    if not isinstance(field, ExactDecimal):
        return {}
    bounds = {}
    if field.max_abs is not None:
        bounds["minimum"] = max(ret.get("minimum", -field.max_abs), -field.max_abs)
        bounds["maximum"] = min(ret.get("maximum", field.max_abs), field.max_abs)
    if field.max_places is not None:
        bounds["multipleOf"] = Decimal(1).scaleb(-field.max_places)
        bounds["description"] = " ".join(filter(None, [ret.get("description"), f"At most {field.max_places} decimal places."]))
    return bounds


def _nullable_variants(self, field, ret):
    """A nullable field documented as anyOf shapes: each shape takes null, since OpenAPI
    3.0's `nullable` means nothing beside no `type`."""
    if ret.get("nullable") and "type" not in ret and "anyOf" in ret:
        ret.pop("nullable")
        return {"anyOf": [{**shape, "nullable": True} for shape in ret["anyOf"]]}
    return {}
