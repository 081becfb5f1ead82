"""SQL for the outbox (events) and the feed's order (event_feed, event_feed_horizon)."""

from ...platform.sql import execute, fetch_all, fetch_one, fetch_value
from ...platform.statements import Statement

INSERT_EVENTS = Statement(
    "insert_events",
    """
    insert into events (id, aggregatetype, aggregateid, type, payload)
    select * from unnest(%(event_ids)s::text[], %(aggregate_types)s::text[], %(aggregate_ids)s::text[],
                         %(event_types)s::text[], %(payloads)s::json[])
    """,
)


def insert_events(conn, *, event_ids, aggregate_types, aggregate_ids, event_types, payloads):
    """Rows, nothing else: the cost a change pays for telling of itself (webhook
    deliveries are made from the feed by the worker, deliveries.fan_out)."""
    execute(
        conn,
        INSERT_EVENTS,
        {
            "event_ids": event_ids,
            "aggregate_types": aggregate_types,
            "aggregate_ids": aggregate_ids,
            "event_types": event_types,
            "payloads": payloads,
        },
    )


def lock_horizon(conn):
    """(horizon, next_horizon), the feed's horizon row locked until commit: every event of a
    transaction below `horizon` has its position; every transaction below `next_horizon`
    (this statement's snapshot's xmin) has ended."""
    row = fetch_one(
        conn,
        """
        insert into event_feed_horizon as h (singleton, horizon)
        values (true, '0')
        on conflict (singleton) do update
            set horizon = h.horizon
        returning h.horizon::text as horizon,
                  pg_snapshot_xmin(pg_current_snapshot())::text as next_horizon
        """,
    )
    return row["horizon"], row["next_horizon"]


def position_new_events(conn, *, horizon, next_horizon):
    """Give every visible event without a position the next ones, in (transaction, write)
    order; move the horizon on. How many were positioned.

    Runs after lock_horizon, in a statement of its own, so that its snapshot sees what the
    sequencer before it committed. Served by events_writer_xid_idx and event_feed_event_key.
    """
    return fetch_value(
        conn,
        """
        with positioned as (
            insert into event_feed (position, event_id, type)
            select (select coalesce(max(f.position), 0) from event_feed f)
                       + row_number() over (order by e.writer_xid, e.seq),
                   e.id,
                   e.type
            from events e
            where e.writer_xid >= %(horizon)s::xid8
              and not exists (select 1 from event_feed f where f.event_id = e.id)
            returning 1
        ), moved_on as (
            -- run whether or not it is read, as every data-modifying WITH is
            update event_feed_horizon
            set horizon = greatest(horizon, %(next_horizon)s::xid8)
            returning 1
        )
        select count(*) from positioned
        """,
        {"horizon": horizon, "next_horizon": next_horizon},
    )


def position_of(conn, event_id):
    """The feed position of an event, or None when it has none (unknown, or not yet committed)."""
    return fetch_value(conn, "select position from event_feed where event_id = %(event_id)s", {"event_id": event_id})


def feed_page(conn, *, after_position, event_type, limit):
    """Up to `limit` events after a position, in feed order, one type's or all; served by
    event_feed's primary key, or event_feed_type_idx for one type."""
    return fetch_all(
        conn,
        """
        select e.id, e.type, e.created_at, e.payload::text as payload
        from event_feed f
        join events e on e.id = f.event_id
        where f.position > %(after)s
          and (%(type)s::text is null or f.type = %(type)s)
        order by f.position
        limit %(limit)s
        """,
        {"after": after_position, "type": event_type, "limit": limit},
    )
