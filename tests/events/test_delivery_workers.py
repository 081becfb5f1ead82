"""Webhook delivery by real worker processes (`flask --app app worker`): two of them share a
backlog without delivering an event twice, and one killed in the middle of delivering
leaves every event delivered at least once."""

import threading
import time

import pytest

from assessment_service.events.outbox import record
from helpers.db import rows, value
from helpers.events import create_endpoint, due_now
from helpers.receivers import Receiver
from helpers.servers import WorkerProcess

pytestmark = pytest.mark.slow

WORKER_ENV = {"WEBHOOK_ALLOW_LOOPBACK": "true", "WEBHOOK_TIMEOUT_SECONDS": "5"}


@pytest.fixture
def config(config):
    config.WEBHOOK_ALLOW_LOOPBACK = True
    return config


def backlog(app, count):
    """`count` events, committed together; their ids."""
    database = app.extensions["db"]
    conn = database.connect()
    try:
        ids = [record(conn, "enrollment.updated", f"enr_{n}", {"id": f"enr_{n}"}) for n in range(count)]
        conn.commit()
        return ids
    finally:
        database.release(conn)


def wait_for(condition, timeout=60, message="condition"):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.05)
    return result


def delivered(db_conn):
    return value(db_conn, "select count(*) from webhook_deliveries where status = 'delivered'")


def test_two_workers_deliver_a_backlog_once_each(testapp, app, admin, database_dsn, db_conn):
    with Receiver() as receiver:
        endpoint = create_endpoint(testapp, admin, receiver.url)
        events = backlog(app, 600)
        workers = [WorkerProcess(database_dsn, idle_seconds=0.05, extra_env=WORKER_ENV) for _ in range(2)]
        try:
            wait_for(lambda: delivered(db_conn) == len(events), message="every delivery")
        finally:
            for worker in workers:
                assert worker.stop() == 0

    assert sorted(receiver.event_ids()) == sorted(events)  # each once: none twice, none missing
    assert all(received.verifies_with(endpoint["secret"]) for received in receiver.received)
    assert rows(db_conn, "select tries, last_http_status, last_error from webhook_deliveries where tries <> 1") == []


def test_a_worker_killed_while_delivering_leaves_every_event_delivered_at_least_once(testapp, app, admin, database_dsn, db_conn):
    release = threading.Event()
    with Receiver(hold=release) as receiver:
        create_endpoint(testapp, admin, receiver.url)
        events = backlog(app, 40)
        first = WorkerProcess(database_dsn, idle_seconds=0.05, extra_env=WORKER_ENV)
        try:
            # It has taken deliveries and POSTed some: the receiver holds them unanswered.
            wait_for(lambda: value(db_conn, "select count(*) from webhook_deliveries where lease is not null") > 0, message="a claim")
            time.sleep(0.3)
        finally:
            first.kill()
        release.set()
        taken = value(db_conn, "select count(*) from webhook_deliveries where lease is not null")
        due_now(db_conn)  # the dead worker's lease runs out
        second = WorkerProcess(database_dsn, idle_seconds=0.05, extra_env=WORKER_ENV)
        try:
            wait_for(lambda: delivered(db_conn) == len(events), message="every delivery after the kill")
        finally:
            assert second.stop() == 0

    assert taken > 0
    assert set(receiver.event_ids()) == set(events)
