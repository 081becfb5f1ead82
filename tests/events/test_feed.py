"""The feed (contract section 18): GET /events hands out every committed event once, in the
order the transactions committed, even when they commit out of the order they started in.
Transactions are driven by hand on real connections; writers run concurrently for real."""

import random
import threading
import time

import psycopg2
import pytest

from assessment_service.events.feed import position_new_events
from assessment_service.events.outbox import record
from helpers.api import API
from helpers.servers import concurrently

FEED = f"{API}/events"


def read(testapp, admin, after=None, **query):
    params = {**({"after": after} if after else {}), **query}
    return testapp.get(FEED, params=params, headers=admin.headers).json


def read_all(testapp, admin, after=None, limit=1000):
    """Every event after `after`, page by page as a consumer reads; (events, next_after)."""
    seen = []
    while True:
        page = read(testapp, admin, after, limit=limit)
        seen += page["data"]
        if not page["data"]:
            return seen, page["next_after"]
        after = page["next_after"]


@pytest.fixture
def connect(database_dsn):
    """connect(): a connection of the test's own (not autocommit), closed afterwards."""
    opened = []

    def connect():
        conn = psycopg2.connect(database_dsn)
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.close()


def write(conn, label):
    """One event in conn's open transaction; its id."""
    return record(conn, "enrollment.updated", label, {"id": label})


def test_the_feed_is_for_admins(testapp, instructor, learner):
    for caller in (instructor, learner):
        error = testapp.get(FEED, headers=caller.headers, status=403).json["error"]
        assert error["code"] == "forbidden"


def test_events_are_read_a_page_at_a_time_without_gaps_or_repeats(testapp, admin, course, make_user, enroll):
    for _ in range(5):
        enroll(course["id"], make_user("learner"))

    first = read(testapp, admin, limit=2)
    second = read(testapp, admin, first["next_after"], limit=2)
    rest, last = read_all(testapp, admin, second["next_after"], limit=2)
    everything, _ = read_all(testapp, admin)

    # The course's instructor enrollment, then the five learners'.
    assert len(everything) == 6
    assert [event["id"] for event in first["data"] + second["data"] + rest] == [event["id"] for event in everything]
    assert first["next_after"] == first["data"][-1]["id"]
    assert last == everything[-1]["id"]  # nothing new: next_after stays the last id seen
    assert read(testapp, admin, last) == {"data": [], "next_after": last}
    assert read(testapp, admin, limit=1)["next_after"] == everything[0]["id"]
    assert testapp.get(FEED, headers=admin.headers).json == {"data": everything, "next_after": everything[-1]["id"]}


def test_an_event_is_shown_as_its_object_and_types_can_be_picked(testapp, admin, instructor, course, learner, enroll):
    enrollment = enroll(course["id"], learner)
    dropped = testapp.patch_json(
        f"{API}/courses/{course['id']}/enrollments/{enrollment['id']}", {"status": "dropped"}, headers=instructor.headers
    ).json

    events = read(testapp, admin, type="enrollment.updated")["data"]

    assert [event["data"] for event in events[1:]] == [enrollment, dropped]
    assert set(events[0]) == {"id", "type", "created_at", "data"}
    assert events[0]["id"].startswith("evt_") and events[0]["type"] == "enrollment.updated"
    assert read(testapp, admin, type="attempt.started") == {"data": [], "next_after": None}


def test_the_default_page_is_100_events(testapp, admin, app):
    database = app.extensions["db"]
    conn = database.connect()
    try:
        for number in range(101):
            write(conn, f"enr_{number}")
        conn.commit()
    finally:
        database.release(conn)

    page = read(testapp, admin)

    assert len(page["data"]) == 100
    assert len(read(testapp, admin, page["next_after"])["data"]) == 1


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"after": "evt_doesnotexist"}, "after"),
        ({"after": "not an id"}, "after"),
        ({"type": "grade.changed"}, "type"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_a_bad_query_is_400_naming_the_parameter(testapp, admin, query, name):
    error = testapp.get(FEED, params=query, headers=admin.headers, status=400).json["error"]

    assert error["code"] == "invalid_parameter"
    assert list(error["details"]) == [name]


def test_transactions_committing_in_the_opposite_order_to_their_start(testapp, admin, connect):
    earlier, later = connect(), connect()
    first_written = write(earlier, "enr_earlier")  # starts first, and writes first
    second_written = write(later, "enr_later")

    assert read(testapp, admin) == {"data": [], "next_after": None}  # nothing is committed
    later.commit()
    page = read(testapp, admin)
    assert [event["id"] for event in page["data"]] == [second_written]
    consumer_after = page["next_after"]

    earlier.commit()
    page = read(testapp, admin, consumer_after)

    # The consumer, who had read past the later transaction's event, still gets the earlier one.
    assert [event["id"] for event in page["data"]] == [first_written]
    assert read(testapp, admin, page["next_after"])["data"] == []
    everything, _ = read_all(testapp, admin)
    assert [event["id"] for event in everything] == [second_written, first_written]  # commit order


def test_a_transaction_that_took_its_id_first_and_writes_last(testapp, admin, connect):
    earlier, later = connect(), connect()
    with earlier.cursor() as cur:
        cur.execute("select pg_current_xact_id()")  # the earlier transaction's id comes first
    later_event = write(later, "enr_later")
    later.commit()
    consumer_after = read(testapp, admin)["next_after"]

    earlier_event = write(earlier, "enr_earlier")
    earlier.commit()

    assert consumer_after == later_event
    assert [event["id"] for event in read(testapp, admin, consumer_after)["data"]] == [earlier_event]


def test_a_rolled_back_transaction_leaves_no_event_and_no_gap(testapp, admin, connect):
    kept, dropped = connect(), connect()
    write(dropped, "enr_dropped")
    kept_event = write(kept, "enr_kept")
    kept.commit()
    dropped.rollback()

    assert [event["id"] for event in read(testapp, admin)["data"]] == [kept_event]


def test_the_workers_sequencer_positions_each_committed_event_once(app, connect):
    conn = connect()
    open_one = connect()
    write(open_one, "enr_open")
    written = [write(conn, f"enr_{n}") for n in range(3)]
    conn.commit()

    assert position_new_events(conn) == 3
    conn.commit()
    assert position_new_events(conn) == 0
    open_one.commit()
    assert position_new_events(conn) == 1
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("select event_id from event_feed order by position")
        assert [row[0] for row in cur.fetchall()][:3] == written


def test_a_consumer_reading_while_writers_commit_at_random_misses_nothing(testapp, admin, connect):
    writers, per_writer = 6, 15
    done = threading.Event()
    written = []

    def writer(number):
        conn = connect()
        rng = random.Random(number)
        for index in range(per_writer):
            event_id = write(conn, f"enr_{number}_{index}")
            time.sleep(rng.uniform(0, 0.01))  # holds its transaction open a little, at random
            conn.commit()
            written.append(event_id)

    def consumer():
        seen, after = [], None
        while True:
            finished = done.is_set()
            page = read(testapp, admin, after, limit=7)
            seen += [event["id"] for event in page["data"]]
            after = page["next_after"]
            if finished and not page["data"]:
                return seen

    reader = threading.Thread(target=lambda: result.append(consumer()))
    result = []
    reader.start()
    concurrently([lambda number=number: writer(number) for number in range(writers)])
    done.set()
    reader.join(timeout=60)

    (seen,) = result
    assert len(seen) == len(set(seen)) == writers * per_writer
    assert set(seen) == set(written)
