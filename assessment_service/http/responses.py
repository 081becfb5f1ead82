"""Success responses that are more than a JSON body: 201 with Location, 204."""

from flask import current_app, g, jsonify


def created(body, location=None, *, secret=None):
    """201 with the new object, and its URL in Location where it has one.

    `secret` is the path of a field shown in this response only (a token's value): it is
    never stored, so an idempotent replay shows the object without it.
    """
    if secret is not None:
        shown_once(secret)
    response = jsonify(body)
    response.status_code = 201
    if location is not None:
        response.headers["Location"] = location
    return response


def shown_once(secret):
    """Mark the field at path `secret` (a tuple of keys) of this response as a secret shown
    here only: an idempotent replay shows the object without it."""
    g.response_secret = secret


def no_content():
    """204: no body, so no Content-Type either."""
    response = current_app.response_class(status=204)
    del response.headers["Content-Type"]
    return response
