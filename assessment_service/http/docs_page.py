"""GET /api/v1/docs: the OpenAPI document rendered for people by Swagger UI, whose files come
from the swagger-ui-bundle package and are served by the service itself (no CDN), like the
document, without a token."""

import json
from html import escape

from flask import Blueprint, current_app, send_from_directory, url_for
from swagger_ui_bundle import swagger_ui_path
from werkzeug.exceptions import NotFound

from .openapi import DOCUMENTATION, documented

# The two files the page loads, and their types.
ASSETS = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript"}
ASSET_MAX_AGE = 24 * 3600  # they change only with the package's version

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Assessment service API</title>
  <link rel="stylesheet" href="{stylesheet}">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{script}"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: {document},
      dom_id: "#swagger-ui",
      deepLinking: true,
      displayOperationId: true,
      validatorUrl: null,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout"
    }});
  </script>
</body>
</html>
"""

bp = Blueprint("docs_page", __name__)
# Outside /api/v1 (no token, not an API operation): the page's own files.
assets = Blueprint("docs_assets", __name__)


@bp.get("/docs")
@documented(
    "The API reference for people (Swagger UI)",
    tag=DOCUMENTATION,
    operation_id="get_docs_page",
    description="This document rendered as a page: every operation with its parameters, bodies, answers and errors. "
    "No token needed; its scripts and styles are served by the service too.",
    response={"type": "string"},
    content_type="text/html",
    public=True,
)
def docs_page():
    html = PAGE.format(
        stylesheet=escape(url_for("docs_assets.asset", name="swagger-ui.css")),
        script=escape(url_for("docs_assets.asset", name="swagger-ui-bundle.js")),
        document=json.dumps(url_for("api.docs.openapi_document")),
    )
    return current_app.response_class(html, mimetype="text/html")


@assets.get("/docs/swagger-ui/<name>")
def asset(name):
    """One of Swagger UI's files (404 for any other name)."""
    if name not in ASSETS:
        raise NotFound()
    return send_from_directory(swagger_ui_path, name, mimetype=ASSETS[name], max_age=ASSET_MAX_AGE)
