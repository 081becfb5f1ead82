"""The feed of events and the webhook endpoints (contract section 18), for admins."""

from flask import Blueprint, current_app, jsonify

from ..core.errors import not_found
from ..core.jsonio import dumps
from ..http.bodies import parse_body, parse_query
from ..http.fields import PageQuery, page_of
from ..http.openapi import Tag, documented
from ..http.pagination import page_window, paginated
from ..http.responses import created, no_content, shown_once
from ..identity.authentication import current_user
from ..identity.roles import require_admin
from ..platform import db
from .delivery import DeliverySettings
from .endpoints import change_endpoint, create_endpoint, endpoint_json, remove_endpoint, rotate_secret
from .feed import read_feed
from .schemas import (
    DeliveryQuery,
    DeliverySchema,
    EndpointPatchSchema,
    EndpointSchema,
    FeedQuery,
    FeedSchema,
    NewEndpointSchema,
    endpoint_with_secret,
)
from .sql import deliveries as deliveries_sql
from .sql import endpoints as endpoints_sql

bp = Blueprint("events", __name__)

EVENTS = Tag("Events", "What changed, for other services: every event once, in the order its transaction committed.")
WEBHOOKS = Tag("Webhooks", "Endpoints that events are POSTed to, signed as Standard Webhooks, retried with backoff.")
ADMINS_ONLY = {403: "`forbidden`: the caller is not an admin."}
URL_REFUSED = "`validation_failed`: a body that does not fit, or a URL webhooks may not be sent to (`details.url` says why)."

feed_query = FeedQuery()
new_endpoint_schema = NewEndpointSchema()
endpoint_patch_schema = EndpointPatchSchema()
page_query = PageQuery()
delivery_query = DeliveryQuery()


def _settings():
    return DeliverySettings.from_config(current_app.config)


def _admin_connection():
    require_admin(current_user())
    return db.connection()


def _endpoint_url(endpoint_id):
    return f"/api/v1/webhook-endpoints/{endpoint_id}"


@bp.get("/events")
@documented(
    "Read the feed of events (admin)",
    tag=EVENTS,
    operation_id="read_events",
    description="Events in the order their transactions committed, `limit` at a time. Pass the `next_after` of each answer as "
    "`after` in the next request: a consumer that does so never misses an event and never sees one twice, even when "
    "transactions commit out of the order they started in. An empty `data` means nothing new yet (ask again later).",
    query=FeedQuery,
    response=FeedSchema,
    errors=ADMINS_ONLY,
)
def get_events():
    conn = _admin_connection()
    query = parse_query(feed_query)
    events, next_after = read_feed(conn, after=query["after"], event_type=query["type"], limit=query["limit"])
    # The events are JSON text already (as stored): joined in as they are.
    body = f'{{"data": [{", ".join(events)}], "next_after": {dumps(next_after)}}}\n'
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    return response


@bp.post("/webhook-endpoints")
@documented(
    "Create a webhook endpoint (admin)",
    tag=WEBHOOKS,
    operation_id="create_webhook_endpoint",
    description="Every event of the given types written from now on is POSTed to `url` by the worker. The answer holds the "
    "endpoint's signing `secret` (`whsec_…`), shown in this response only.",
    body=NewEndpointSchema,
    response=endpoint_with_secret(),
    status=201,
    errors={**ADMINS_ONLY, 422: URL_REFUSED},
)
def post_endpoint():
    conn = _admin_connection()
    body = parse_body(new_endpoint_schema)
    endpoint, secret = create_endpoint(conn, _settings(), **body)
    return created(endpoint_json(endpoint, secret), _endpoint_url(endpoint["id"]), secret=("secret",))


@bp.get("/webhook-endpoints")
@documented(
    "List webhook endpoints (admin)",
    tag=WEBHOOKS,
    operation_id="list_webhook_endpoints",
    description="Oldest first.",
    query=PageQuery,
    response=page_of(EndpointSchema),
    paginated_list=True,
    errors=ADMINS_ONLY,
)
def get_endpoints():
    conn = _admin_connection()
    query = parse_query(page_query)
    limit, offset = page_window(query)
    rows, total = endpoints_sql.list_endpoints(conn, limit=limit, offset=offset)
    return paginated([endpoint_json(row) for row in rows], total, query)


@bp.get("/webhook-endpoints/<id:endpoint_id>")
@documented(
    "Get a webhook endpoint (admin)",
    tag=WEBHOOKS,
    operation_id="get_webhook_endpoint",
    description="The endpoint without its secret, which is shown only when it is made or rotated.",
    response=EndpointSchema,
    errors=ADMINS_ONLY,
)
def get_endpoint(endpoint_id):
    conn = _admin_connection()
    endpoint = endpoints_sql.get_endpoint(conn, endpoint_id)
    if endpoint is None:
        raise not_found("webhook endpoint")
    return jsonify(endpoint_json(endpoint))


@bp.patch("/webhook-endpoints/<id:endpoint_id>")
@documented(
    "Change a webhook endpoint (admin)",
    tag=WEBHOOKS,
    operation_id="update_webhook_endpoint",
    description="`enabled: false` pauses the endpoint: new events make no delivery for it and its pending deliveries wait; "
    "`true` makes those due at once. A new `url` or `event_types` applies to what is delivered from now on.",
    body=EndpointPatchSchema,
    response=EndpointSchema,
    errors={**ADMINS_ONLY, 422: URL_REFUSED},
)
def patch_endpoint(endpoint_id):
    conn = _admin_connection()
    changes = parse_body(endpoint_patch_schema)
    return jsonify(endpoint_json(change_endpoint(conn, _settings(), endpoint_id, changes)))


@bp.delete("/webhook-endpoints/<id:endpoint_id>")
@documented(
    "Delete a webhook endpoint (admin)",
    tag=WEBHOOKS,
    operation_id="delete_webhook_endpoint",
    description="Nothing more is sent to it; its deliveries go with it.",
    status=204,
    errors=ADMINS_ONLY,
)
def delete_endpoint(endpoint_id):
    remove_endpoint(_admin_connection(), endpoint_id)
    return no_content()


@bp.post("/webhook-endpoints/<id:endpoint_id>/rotate-secret")
@documented(
    "Give a webhook endpoint a new secret (admin)",
    tag=WEBHOOKS,
    operation_id="rotate_webhook_secret",
    description="The new `secret`, shown in this response only, signs every delivery from now on; for 24 hours the replaced "
    "one signs beside it (two signatures in `webhook-signature`), so receivers can switch over without losing one.",
    response=endpoint_with_secret(),
    errors=ADMINS_ONLY,
)
def post_rotate_secret(endpoint_id):
    conn = _admin_connection()
    endpoint, secret = rotate_secret(conn, _settings(), endpoint_id)
    shown_once(("secret",))
    return jsonify(endpoint_json(endpoint, secret))


@bp.get("/webhook-endpoints/<id:endpoint_id>/deliveries")
@documented(
    "List an endpoint's deliveries (admin)",
    tag=WEBHOOKS,
    operation_id="list_webhook_deliveries",
    description="One per event sent to the endpoint, oldest first: its status (`pending`, `delivered` or `failed`), tries, "
    "the last HTTP status and the next try.",
    query=DeliveryQuery,
    response=page_of(DeliverySchema),
    paginated_list=True,
    errors=ADMINS_ONLY,
)
def get_deliveries(endpoint_id):
    conn = _admin_connection()
    query = parse_query(delivery_query)
    if endpoints_sql.get_endpoint(conn, endpoint_id) is None:
        raise not_found("webhook endpoint")
    limit, offset = page_window(query)
    rows, total = deliveries_sql.list_deliveries(conn, endpoint_id=endpoint_id, status=query["status"], limit=limit, offset=offset)
    return paginated(rows, total, query)


@bp.post("/webhook-endpoints/<id:endpoint_id>/deliveries/<id:delivery_id>/retry")
@documented(
    "Try a delivery again from the start (admin)",
    tag=WEBHOOKS,
    operation_id="retry_webhook_delivery",
    description="The delivery is `pending` again with no try counted, due at once (once the endpoint is enabled), and "
    "follows the backoff anew; a delivered one is sent again.",
    response=DeliverySchema,
    errors=ADMINS_ONLY,
)
def post_retry(endpoint_id, delivery_id):
    conn = _admin_connection()
    delivery = deliveries_sql.retry_delivery(conn, endpoint_id=endpoint_id, delivery_id=delivery_id)
    if delivery is None:
        raise not_found("delivery of this webhook endpoint")
    return jsonify(delivery)
