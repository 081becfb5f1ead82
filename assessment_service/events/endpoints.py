"""Webhook endpoints: made, changed, rotated and removed by admins (contract section 18)."""

from ..core.errors import not_found, validation_failed
from ..core.ids import new_id
from . import signing, urls
from .sql import endpoints as sql

ENDPOINT_KEYS = ("id", "url", "event_types", "description", "enabled", "previous_secret_expires_at", "created_at", "updated_at")
# After a rotation the old secret signs beside the new one this long.
ROTATION_OVERLAP_HOURS = 24


def endpoint_json(row, secret=None):
    """The endpoint as the API shows it; with its secret only in the answer that made it."""
    body = {key: row[key] for key in ENDPOINT_KEYS}
    if secret is not None:
        body["secret"] = secret
    return body


def check_url(url, settings):
    """422 on `url` unless webhooks may be sent there (events.urls)."""
    try:
        urls.check_url(url, allow_loopback=settings.allow_loopback)
    except urls.TargetRefused as refusal:
        raise validation_failed({"url": [str(refusal)]}) from None


def create_endpoint(conn, settings, *, url, event_types, description):
    """(the new endpoint, its secret). `settings`: the DeliverySettings (URL rules, sealing key)."""
    check_url(url, settings)
    secret = signing.new_secret()
    endpoint = sql.insert_endpoint(
        conn,
        endpoint_id=new_id("whe"),
        url=url,
        event_types=event_types,
        description=description,
        secret_sealed=signing.seal(settings.secrets_key, secret),
    )
    return endpoint, secret


def endpoint_to_change(conn, endpoint_id):
    """The endpoint, locked for the rest of the transaction (404 when there is none)."""
    endpoint = sql.get_endpoint(conn, endpoint_id, for_update=True)
    if endpoint is None:
        raise not_found("webhook endpoint")
    return endpoint


def change_endpoint(conn, settings, endpoint_id, changes):
    """The endpoint with `changes` made. Disabling it pauses its pending deliveries (and new
    events make none for it); enabling it again makes them due at once."""
    endpoint = endpoint_to_change(conn, endpoint_id)
    if "url" in changes:
        check_url(changes["url"], settings)
    if changes.get("enabled") is False and endpoint["enabled"]:
        sql.pause_deliveries(conn, endpoint_id)
    elif changes.get("enabled") is True and not endpoint["enabled"]:
        sql.resume_deliveries(conn, endpoint_id)
    return sql.update_endpoint(conn, endpoint_id=endpoint_id, changes=changes)


def rotate_secret(conn, settings, endpoint_id):
    """(the endpoint, its new secret): the new one signs from now on, the replaced one beside
    it for ROTATION_OVERLAP_HOURS (a secret replaced before is dropped)."""
    endpoint_to_change(conn, endpoint_id)
    secret = signing.new_secret()
    endpoint = sql.rotate_secret(
        conn, endpoint_id=endpoint_id, secret_sealed=signing.seal(settings.secrets_key, secret), overlap_hours=ROTATION_OVERLAP_HOURS
    )
    return endpoint, secret


def remove_endpoint(conn, endpoint_id):
    """Delete the endpoint and its deliveries (404 when there is none)."""
    if not sql.delete_endpoint(conn, endpoint_id):
        raise not_found("webhook endpoint")
