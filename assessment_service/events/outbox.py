"""Writing an event: one function, called by every change that other services hear of."""

from ..core.ids import new_id
from ..core.jsonio import dumps, iso_timestamp
from .sql import events as sql

# Each event type and the kind of object (the aggregate) its `data` is. grade.updated,
# submission.rescored and regrade.completed are written by the grades and regrades.
EVENT_TYPES = {
    "attempt.started": "attempt",
    "attempt.finalized": "attempt",
    "submission.created": "submission",
    "submission.rescored": "submission",
    "grade.updated": "grade",
    "regrade.completed": "regrade",
    "override.updated": "override",
    "enrollment.updated": "enrollment",
}


def record(conn, event_type, aggregate_id, data):
    """Write an event in the caller's transaction; its id. `data` is the object as a
    manager's GET shows it. (The worker makes its webhook deliveries once it is committed.)"""
    event_id = new_id("evt")
    sql.insert_event(
        conn,
        event_id=event_id,
        aggregate_type=EVENT_TYPES[event_type],
        aggregate_id=aggregate_id,
        event_type=event_type,
        payload=dumps(data),
    )
    return event_id


def event_document(*, event_id, event_type, created_at, payload):
    """An event as the feed and webhooks show it, {id, type, created_at, data}, as JSON text:
    the stored payload goes in as it was written, never parsed again."""
    head = dumps({"id": event_id, "type": event_type, "created_at": iso_timestamp(created_at)})
    return f'{head[:-1]}, "data": {payload}}}'
