"""The one error envelope: every 4xx and 5xx leaves the service as
{"error": {"code", "message", "details"}}, built here and nowhere else."""

import logging

from flask import jsonify
from werkzeug.exceptions import HTTPException

from ..core.errors import ApiError
from ..platform.db import CONNECTION_ERRORS, DatabaseUnavailable

log = logging.getLogger(__name__)

# Werkzeug's own errors (unknown route, wrong method, body too large, ...) and the HTTP
# server's (serving.py: a request gunicorn cannot parse or that arrives too slowly) get
# these codes.
CODE_FOR_STATUS = {
    400: "invalid_json",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    417: "expectation_failed",
    422: "validation_failed",
    431: "request_header_fields_too_large",
    500: "internal_error",
    501: "not_implemented",
    503: "service_unavailable",
}
MESSAGE_FOR_STATUS = {
    404: "No such route.",
    405: "Method not allowed on this route.",
    408: "The request did not arrive in time.",
    413: "The request body is too large.",
    414: "The request line (method and URL) is too long.",
    431: "The request headers are too large or too many.",
}
# A request line or header the HTTP server cannot parse is a 400 too, but not a JSON one.
MALFORMED_REQUEST_CODE = "bad_request"


def error_document(code, message, details=None):
    """The envelope: {"error": {"code", "message", "details"}}."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


def server_error_document(status, reason):
    """The envelope of an answer the HTTP server gives before the app sees the request."""
    if status == 400:
        return error_document(MALFORMED_REQUEST_CODE, "The request is malformed: its request line or a header cannot be parsed.")
    return error_document(CODE_FOR_STATUS.get(status, "http_error"), MESSAGE_FOR_STATUS.get(status, f"{reason}."))


def error_response(status, code, message, details=None, headers=None):
    response = jsonify(error_document(code, message, details))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def service_unavailable_response():
    return error_response(
        503,
        "service_unavailable",
        "The database is unavailable; retry later.",
        headers={"Retry-After": "1"},
    )


def init_app(app):
    app.register_error_handler(ApiError, _handle_api_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(DatabaseUnavailable, _handle_database_unavailable)
    for error_class in CONNECTION_ERRORS:
        app.register_error_handler(error_class, _handle_database_unavailable)
    app.register_error_handler(Exception, _handle_unexpected)


def _handle_api_error(error):
    return error_response(error.status, error.code, error.message, error.details, error.headers)


def _handle_http_exception(error):
    status = error.code or 500
    code = CODE_FOR_STATUS.get(status, "http_error")
    headers = {}
    # Keep what Werkzeug says on the wire (Allow for 405, WWW-Authenticate for 401).
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            headers[name] = value
    message = MESSAGE_FOR_STATUS.get(status, error.description or error.name)
    return error_response(status, code, message, headers=headers)


def _handle_database_unavailable(error):
    # Unreachable, restarting, or an operational refusal (deadlock, statement timeout):
    # all are "retry later". db.release() tells a dead link from an aborted transaction.
    log.warning("database unavailable: %s", error)
    return service_unavailable_response()


def _handle_unexpected(error):
    # The stack trace goes to the log; the body says nothing about the inside.
    log.exception("unhandled error")
    return error_response(500, "internal_error", "An unexpected error occurred.")
