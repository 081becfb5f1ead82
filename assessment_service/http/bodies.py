"""Reading requests: the body (received whole first, within its route's limit), JSON
documents, and marshmallow validation of bodies (unknown fields are errors) and query
strings (unknown ones ignored)."""

from urllib.parse import unquote

import simplejson
from flask import current_app, g, request
from marshmallow import EXCLUDE, RAISE, ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import RoutingException
from werkzeug.wsgi import LimitedStream

from ..core.errors import ApiError, invalid_parameter, validation_failed
from ..core.jsonio import loads

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def body_limit(app, view):
    """The most bytes of body `view` takes: the setting its documented(max_body=...) names,
    else MAX_CONTENT_LENGTH (MAX_BODY_BYTES)."""
    setting = getattr(view, "max_body", None)
    return app.config[setting] if setting else app.config["MAX_CONTENT_LENGTH"]


def route_body_limit(app, method, target):
    """body_limit of the view serving `method` on `target` (a request line's path and query),
    for the HTTP server, which must judge a body before the app sees the request."""
    path = unquote(target.split("?", 1)[0], errors="replace")
    try:
        endpoint, _ = app.url_map.bind("localhost").match(path, method)
    except (HTTPException, RoutingException):
        return app.config["MAX_CONTENT_LENGTH"]
    return body_limit(app, app.view_functions.get(endpoint))


def receive_body():
    """before_request of /api/v1: the whole body arrives before anything else is done.

    So a client trickling its body holds no database connection (authentication comes
    after this), and the request's transaction, whose start is the time every deadline
    is judged by, begins only once the body is in.
    """
    if request.method not in BODY_METHODS:
        g.body = b""
        return
    limit = request.max_content_length = body_limit(current_app, current_app.view_functions.get(request.endpoint))
    if request.content_length is None and "wsgi.input_terminated" in request.environ:
        # A chunked body: Werkzeug would stop reading at the limit and hand over what it
        # read as if it were all. Read one byte past the limit to tell "too large".
        body = LimitedStream(request.environ["wsgi.input"], limit + 1, is_max=True).read()
        if len(body) > limit:
            raise RequestEntityTooLarge()
    else:
        body = request.get_data(cache=False)  # 413 past the limit, from Content-Length
        if request.content_length is not None and len(body) < request.content_length:
            # The client went away mid-body (gunicorn hands over what arrived). What did
            # arrive may even parse, but an incomplete request is never acted on (RFC 9112, 6.3).
            raise ApiError(400, "invalid_json", "The body is shorter than its Content-Length: the request is incomplete.")
    g.body = body


def request_body():
    """The request's body as received by receive_body."""
    return g.body


def _is_json(mimetype):
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def _find_bad_text(value, path="$"):
    """Path of the first string PostgreSQL cannot store (NUL, unpaired surrogate), or None."""
    if isinstance(value, str):
        if "\x00" in value:
            return path
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            bad = _find_bad_text(key, path) or _find_bad_text(item, f"{path}.{key}")
            if bad:
                return bad
    elif isinstance(value, list):
        for index, item in enumerate(value):
            bad = _find_bad_text(item, f"{path}[{index}]")
            if bad:
                return bad
    return None


def read_json(optional=False):
    """The request's JSON document (None when `optional` and there is no body)."""
    raw = request_body()
    if not raw.strip():
        if optional:
            return None
        raise ApiError(400, "invalid_json", "A JSON request body is required.")
    if not _is_json(request.mimetype):
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        document = loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, simplejson.JSONDecodeError, RecursionError, ValueError) as exc:
        raise ApiError(400, "invalid_json", f"The body is not valid JSON: {_reason(exc)}") from None
    return document


def _reason(exc):
    if isinstance(exc, RecursionError):
        return "nested too deeply."
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8."
    return str(exc).split(":")[0] + "."


def parse_body(schema, optional=False):
    """Validate the JSON body with a marshmallow schema (unknown fields are errors): 422 otherwise."""
    document = read_json(optional=optional)
    if document is None and not request_body().strip():
        document = {}  # no body where none is needed; a JSON null is not an object (422)
    return load_body(schema, document)


def load_body(schema, document):
    """`document` validated as a body by `schema`: text PostgreSQL can store, the schema's
    fields only (unknown ones are errors), 422 otherwise. A body read from a file (an import)
    goes through this as a JSON body does."""
    bad = _find_bad_text(document)
    if bad:
        raise validation_failed({bad: ["Text must not contain NUL characters or unpaired surrogates."]})
    try:
        return schema.load(document, unknown=RAISE)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise validation_failed(messages) from None


def parse_query(schema):
    """Validate the query string (unknown parameters are ignored): 400 invalid_parameter otherwise."""
    args = request.args
    for name in schema.fields:
        if len(args.getlist(name)) > 1:
            raise invalid_parameter(name, ["Give this parameter once."])
    try:
        return schema.load(args.to_dict(), unknown=EXCLUDE)
    except ValidationError as exc:
        name = sorted(exc.messages)[0]
        raise invalid_parameter(name, exc.messages[name]) from None
