"""The feed (GET /events): every event once, in the order the transactions committed.

An event's position cannot be taken when it is written: a transaction that started first
may commit last, and a consumer that had read past the later positions would miss it.
So positions are given after commit, by a sequencer that runs one at a time (it holds the
lock of the horizon row) and numbers every event it can see that has none yet, after the
last position given. What it can see is committed, and what commits later gets a later
run and higher positions; a reader's snapshot holds a prefix of the runs. A consumer that
asks for what comes after the last position it saw therefore never misses an event and
never sees one twice.

To find the events without a position cheaply, each event keeps its transaction's id
(writer_xid: pg_current_xact_id()), and the sequencer keeps a horizon: the xmin of a snapshot
it took, below which every transaction had ended, so every event it wrote was seen and
numbered. A run looks only at events from the horizon on. Works the same on PostgreSQL 13
and later (xid8 and pg_current_snapshot()).

Each feed read runs the sequencer first (so a read sees every event committed before it),
and so does the worker, every round (so positions follow commits closely).
"""

from ..core.errors import invalid_parameter
from ..platform import db
from .outbox import event_document
from .sql import events as sql


def position_new_events(conn):
    """Run the sequencer once in the caller's transaction (commit to let others go on);
    how many events got their position."""
    horizon, next_horizon = sql.lock_horizon(conn)
    return sql.position_new_events(conn, horizon=horizon, next_horizon=next_horizon)


def read_feed(conn, *, after, event_type, limit):
    """(events as JSON texts, next_after) after the event `after` (None: from the start).

    400 invalid_parameter for an `after` that names no event of the feed.
    """
    with db.atomic(conn):
        position_new_events(conn)
    after_position = 0
    if after is not None:
        after_position = sql.position_of(conn, after)
        if after_position is None:
            raise invalid_parameter("after", ["No such event: give the id of an event the feed answered."])
    rows = sql.feed_page(conn, after_position=after_position, event_type=event_type, limit=limit)
    next_after = rows[-1]["id"] if rows else after
    events = [
        event_document(event_id=row["id"], event_type=row["type"], created_at=row["created_at"], payload=row["payload"]) for row in rows
    ]
    return events, next_after
