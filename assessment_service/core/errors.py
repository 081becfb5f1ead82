"""ApiError: an error the API answers with on purpose. Raised anywhere below the HTTP layer
(which turns it into the envelope, http/errors.py), so it knows nothing of Flask."""


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
