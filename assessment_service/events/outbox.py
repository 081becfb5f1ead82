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
    return record_all(conn, [(event_type, aggregate_id, data)])[0]


def record_all(conn, events):
    """record() for each (event_type, aggregate_id, data) of `events`, in one statement
    (a batch of the deadline's or a regrade's changes pays one round trip); their ids."""
    event_ids = [new_id("evt") for _ in events]
    if events:
        sql.insert_events(
            conn,
            event_ids=event_ids,
            aggregate_types=[EVENT_TYPES[event_type] for event_type, _, _ in events],
            aggregate_ids=[aggregate_id for _, aggregate_id, _ in events],
            event_types=[event_type for event_type, _, _ in events],
            payloads=[dumps(data) for _, _, data in events],
        )
    return event_ids


def event_document(*, event_id, event_type, created_at, payload):
    """An event as the feed and webhooks show it, {id, type, created_at, data}, as JSON text:
    the stored payload goes in as it was written, never parsed again."""
    head = dumps({"id": event_id, "type": event_type, "created_at": iso_timestamp(created_at)})
    return f'{head[:-1]}, "data": {payload}}}'
