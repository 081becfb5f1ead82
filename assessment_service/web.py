"""What every blueprint needs from HTTP: reading bodies and query strings, ids in paths,
paginated answers, and the OpenAPI description of each view."""

import math
from urllib.parse import urlencode

import simplejson
from flask import current_app, g, jsonify, request
from flask.json.provider import JSONProvider
from marshmallow import EXCLUDE, RAISE, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import BaseConverter
from werkzeug.wsgi import LimitedStream

from .core.ids import ID_PATTERN, new_id  # noqa: F401  (new_id: until the rooms import it from core)
from .errors import ApiError, invalid_parameter, validation_failed
from .jsonio import dumps, loads



class DecimalJSONProvider(JSONProvider):
    mimetype = "application/json"

    def dumps(self, obj, **kwargs):
        return dumps(obj, **kwargs)

    def loads(self, s, **kwargs):
        return loads(s)

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(dumps(obj) + "\n", mimetype="application/json; charset=utf-8")


class IdConverter(BaseConverter):
    """Path segments that cannot be one of our ids never reach a view (or the database): 404."""

    regex = ID_PATTERN


# ---------------------------------------------------------------- request bodies

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def receive_body():
    """before_request of /api/v1: the whole body arrives before anything else is done.

    So a client trickling its body holds no database connection (authentication comes
    after this), and the request's transaction, whose start is the time every deadline
    is judged by, begins only once the body is in.
    """
    if request.method not in BODY_METHODS:
        g.body = b""
        return
    limit = current_app.config["MAX_CONTENT_LENGTH"]
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
    bad = _find_bad_text(document)
    if bad:
        raise validation_failed({bad: ["Text must not contain NUL characters or unpaired surrogates."]})
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


# ---------------------------------------------------------------- lists


def page_window(query):
    """(limit, offset) of the page that `query` (with page, per_page) asks for."""
    return query["per_page"], (query["page"] - 1) * query["per_page"]


def paginated(items, total, query):
    """The list envelope plus an RFC 8288 Link header with first/prev/next/last."""
    return paginated_encoded([encoded(item) for item in items], total, query)


def encoded(item):
    """One list item as UTF-8 JSON, for paginated_encoded."""
    return dumps(item).encode("utf-8")


def paginated_encoded(items, total, query):
    """paginated() of items already encoded: the body is sent as the pieces it is made of,
    never joined into one string (a page of big items is not held twice)."""
    page, per_page = query["page"], query["per_page"]
    total_pages = max(1, math.ceil(total / per_page))
    pagination = dumps({"page": page, "per_page": per_page, "total": total, "total_pages": total_pages})
    pieces = [b'{"data": [']
    for index, item in enumerate(items):
        if index:
            pieces.append(b", ")
        pieces.append(item)
    pieces.append(b'], "pagination": ' + pagination.encode() + b"}\n")
    response = current_app.response_class(pieces, mimetype="application/json")
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Length"] = str(sum(len(piece) for piece in pieces))
    links = {"first": 1, "last": total_pages}
    if page > 1:
        links["prev"] = min(page - 1, total_pages)
    if page < total_pages:
        links["next"] = page + 1
    base = request.base_url
    others = [(key, value) for key, value in request.args.items(multi=True) if key not in ("page", "per_page")]
    response.headers["Link"] = ", ".join(
        f'<{base}?{urlencode(others + [("page", number), ("per_page", per_page)])}>; rel="{rel}"'
        for rel, number in (("first", links["first"]), ("prev", links.get("prev")), ("next", links.get("next")), ("last", links["last"]))
        if number is not None
    )
    return response


def created(body, location=None, *, secret=None):
    """201 with the new object, and its URL in Location where it has one.

    `secret` is the path of a field shown in this response only (a token's value): it is
    never stored, so an idempotent replay shows the object without it.
    """
    if secret is not None:
        g.response_secret = secret
    response = jsonify(body)
    response.status_code = 201
    if location is not None:
        response.headers["Location"] = location
    return response


def no_content():
    """204: no body, so no Content-Type either."""
    response = current_app.response_class(status=204)
    del response.headers["Content-Type"]
    return response


# ---------------------------------------------------------------- OpenAPI


def documented(summary, *, body=None, query=None, response=None, status=200, also=None, paginated_list=False, public=False):
    """Describe a view for /openapi.json; the same schemas validate its requests.

    `also` maps other success statuses the view answers with (same body) to what they mean.
    """

    def decorate(view):
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
