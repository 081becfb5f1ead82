"""The assessment service: create_app() builds the Flask application.

The factory is the one place that knows every room: it wires the process plumbing
(platform), the HTTP layer (http) and each room's blueprint. Below it, imports point down:
core <- platform <- http <- identity <- events <- courses <- authoring <- grading <- taking <- analytics
<- integrations.
"""

import logging

from flask import Blueprint, Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import commands
from .analytics import routes as analytics_routes
from .authoring import routes as authoring_routes
from .config import Config
from .courses import routes as courses_routes
from .events import routes as events_routes
from .events import signing
from .grading import grades
from .grading import routes as grading_routes
from .http import docs_page, errors, health, idempotency, openapi
from .http.bodies import receive_body
from .http.encoding import DecimalJSONProvider
from .http.routing import IdConverter
from .identity import routes as identity_routes
from .identity.authentication import authenticate
from .integrations import routes as integrations_routes
from .platform import db, embedded, logs, metrics, statements
from .taking import routes as taking_routes

ROOMS = (
    identity_routes,
    events_routes,
    courses_routes,
    authoring_routes,
    grading_routes,
    taking_routes,
    analytics_routes,
    integrations_routes,
)


def create_app(config=None):
    """Build the app from `config` (a Config; read from the environment when None).

    Nothing connects here: the pool opens its connections on first use, in the worker.
    With no DATABASE_URL, the embedded PostgreSQL is started (or reused) first.
    """
    config = config or Config()
    app = Flask(__name__)
    app.config.from_mapping(config.as_dict())
    app.json = DecimalJSONProvider(app)
    app.url_map.converters["id"] = IdConverter
    app.url_map.strict_slashes = False
    logs.configure_logging(config.LOG_LEVEL)

    dsn = config.DATABASE_URL or embedded.ensure_running(config.EMBEDDED_PGDATA)
    app.config["DATABASE_DSN"] = dsn
    database = db.Database(
        dsn,
        pool_min=config.DB_POOL_MIN,
        pool_max=config.DB_POOL_MAX,
        connect_timeout=config.DB_CONNECT_TIMEOUT,
        connection_factory=statements.connection_factory(config.DB_PREPARED_STATEMENTS),
    )
    metrics.init_app(app)  # first: its after_request then runs last, after the commit
    logs.init_app(app)
    read_database = None
    if config.DATABASE_READ_URL:
        read_database = db.Database(
            config.DATABASE_READ_URL, pool_max=config.DB_POOL_MAX, connect_timeout=config.DB_CONNECT_TIMEOUT, read_only=True
        )
    db.init_app(app, database, unavailable_response=errors.service_unavailable_response, read_database=read_database)
    errors.init_app(app)
    commands.init_app(app)
    signing.sealer(config.WEBHOOK_SECRETS_KEY)  # a malformed key stops the start, not a later request
    # Called by authoring in the transaction of an assessment's PATCH (it cannot import grading).
    app.extensions["assessment_listeners"] = (grades.after_assessment_change,)
    _register_blueprints(app)

    if config.BEHIND_PROXY:
        # Only behind nginx: otherwise any client could forge X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    return app


def _register_blueprints(app):
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    api.before_request(receive_body)  # first: no connection is held while a body arrives
    api.before_request(authenticate)
    idempotency.init_app(api)
    for room in ROOMS:
        api.register_blueprint(room.bp)
    api.register_blueprint(openapi.bp)
    api.register_blueprint(docs_page.bp)
    app.register_blueprint(api)
    app.register_blueprint(health.bp)
    app.register_blueprint(docs_page.assets)


logging.getLogger(__name__).addHandler(logging.NullHandler())
