"""ApiError: an error the API answers with on purpose. Raised anywhere below the HTTP layer
(which turns it into the envelope, http/errors.py), so it knows nothing of Flask."""

# Every error code the API answers with, and the status it comes with. The OpenAPI
# document's error `code` enum is this list, and docs/API.md explains each one.
ERROR_CODES = {
    "invalid_json": 400,
    "invalid_parameter": 400,
    "bad_request": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_enrolled": 403,
    "attempt_limit_reached": 403,
    "assessment_not_open": 403,
    "assessment_closed": 403,
    "attempt_cooldown": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "request_timeout": 408,
    "conflict": 409,
    "attempt_expired": 409,
    "precondition_failed": 412,
    "payload_too_large": 413,
    "uri_too_long": 414,
    "unsupported_media_type": 415,
    "expectation_failed": 417,
    "validation_failed": 422,
    "idempotency_key_reused": 422,
    "nothing_to_import": 422,
    "request_header_fields_too_large": 431,
    "internal_error": 500,
    "not_implemented": 501,
    "service_unavailable": 503,
    # Any other HTTP error status Werkzeug raises (http/errors.py): the status varies.
    "http_error": None,
}


class ApiError(Exception):
    """An error the API answers with on purpose: status, code, message, details."""

    def __init__(self, status, code, message, details=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}


def not_found(what="resource"):
    return ApiError(404, "not_found", f"The {what} was not found.")


def forbidden(message="You may not do this."):
    return ApiError(403, "forbidden", message)


def conflict(message, code="conflict", details=None):
    return ApiError(409, code, message, details)


def validation_failed(details, message="The request body is not valid."):
    return ApiError(422, "validation_failed", message, details)


def invalid_parameter(name, messages):
    return ApiError(400, "invalid_parameter", f"Query parameter '{name}' is not valid.", {name: messages})
