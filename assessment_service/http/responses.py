"""Success responses that are more than a JSON body: 201 with Location, 204."""

from flask import current_app, g, jsonify


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
