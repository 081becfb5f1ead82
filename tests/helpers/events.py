"""Events and webhooks as the tests arrange and read them: endpoints made through the API,
the worker's delivery job run in-process, stored events and deliveries read directly."""

import psycopg2

from assessment_service.events.delivery import DeliverySettings, WebhookDeliveries, fan_out
from assessment_service.events.feed import position_new_events
from helpers.api import API
from helpers.db import rows

ENDPOINTS = f"{API}/webhook-endpoints"


def create_endpoint(testapp, admin, url, event_types=("*",), **fields):
    body = {"url": url, "event_types": list(event_types), **fields}
    return testapp.post_json(ENDPOINTS, body, headers=admin.headers, status=201).json


def stored_events(db_conn, event_type=None):
    """(type, aggregatetype, aggregateid, payload) of the stored events, in the order written."""
    return rows(
        db_conn,
        """
        select type, aggregatetype, aggregateid, payload
        from events
        where %(type)s::text is null or type = %(type)s
        order by writer_xid, seq
        """,
        {"type": event_type},
    )


def deliveries(db_conn, endpoint_id):
    """Each delivery of an endpoint as a dict of its columns, in creation order, with
    wait_seconds: from its last try to its next, in whole seconds (a try takes under one)."""
    with db_conn.cursor() as cur:
        cur.execute(
            """
            select d.*, floor(extract(epoch from d.next_try_at - d.last_tried_at))::integer as wait_seconds
            from webhook_deliveries d
            where endpoint_id = %s
            order by created_at, id
            """,
            (endpoint_id,),
        )
        names = [column.name for column in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def due_now(db_conn, endpoint_id=None):
    """Move every pending delivery's next try (or lease) to now: time passes, in the database."""
    with db_conn.cursor() as cur:
        cur.execute(
            "update webhook_deliveries set next_try_at = now() where status = 'pending' and next_try_at is not null"
            " and (%s::text is null or endpoint_id = %s)",
            (endpoint_id, endpoint_id),
        )


def settings(**overrides):
    return DeliverySettings(**{"timeout": 5.0, "allow_loopback": True, "concurrency": 4, "secrets_key": None, **overrides})


def make_deliveries(conn):
    """What the worker does before it delivers: give new events their feed positions, and
    make their deliveries (`conn` not in autocommit; committed)."""
    position_new_events(conn)
    conn.commit()
    fan_out(conn)
    conn.commit()


def make_deliveries_at(dsn):
    """make_deliveries on a connection of its own to `dsn`."""
    conn = psycopg2.connect(dsn)
    try:
        make_deliveries(conn)
    finally:
        conn.close()


def deliver_round(app, job=None, **overrides):
    """One round of the worker's event jobs, in this process; how many deliveries it took."""
    job = job or WebhookDeliveries(settings(**overrides))
    database = app.extensions["db"]
    conn = database.connect()
    try:
        make_deliveries(conn)
        return job(conn)
    finally:
        database.release(conn)
