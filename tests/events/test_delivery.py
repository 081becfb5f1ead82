"""Webhook deliveries (contract section 18): signed as Standard Webhooks, retried with
backoff, refused where the URL's addresses are forbidden. The worker's delivery job runs in
this process against real receivers on loopback; time passes by moving stored next tries."""

import json
import time

import pytest

from assessment_service.config import Config
from assessment_service.events.delivery import BACKOFF_SECONDS, DeliverySettings, WebhookDeliveries
from assessment_service.events.outbox import record
from helpers.db import value
from helpers.events import ENDPOINTS, create_endpoint, deliver_round, deliveries, due_now, make_deliveries_at, settings
from helpers.receivers import Receiver, SilentReceiver
from helpers.servers import free_port


@pytest.fixture
def config(config):
    config.WEBHOOK_ALLOW_LOOPBACK = True  # the receivers are on loopback
    return config


@pytest.fixture
def write_event(app):
    """write(n=1): n enrollment.updated events, each written by outbox.record in a transaction of its own."""

    def write(count=1):
        database = app.extensions["db"]
        conn = database.connect()
        try:
            ids = [record(conn, "enrollment.updated", f"enr_{n}", {"id": f"enr_{n}", "status": "active"}) for n in range(count)]
            conn.commit()
            return ids
        finally:
            database.release(conn)

    return write


def test_a_delivery_is_the_event_signed_as_standard_webhooks_say(testapp, app, admin, course, learner, enroll, db_conn):
    with Receiver() as receiver:
        endpoint = create_endpoint(testapp, admin, receiver.url)
        enrollment = enroll(course["id"], learner)
        assert deliver_round(app) == 1

    (received,) = receiver.received
    document = json.loads(received.body)
    assert document["type"] == "enrollment.updated"
    assert document["data"] == enrollment
    assert received.headers["webhook-id"] == document["id"]
    assert received.headers["content-type"] == "application/json"
    assert abs(int(received.headers["webhook-timestamp"]) - time.time()) < 60
    assert received.verifies_with(endpoint["secret"])
    other = create_endpoint(testapp, admin, receiver.url)
    assert not received.verifies_with(other["secret"])
    (stored,) = deliveries(db_conn, endpoint["id"])
    assert (stored["status"], stored["tries"], stored["last_http_status"], stored["next_try_at"]) == ("delivered", 1, 204, None)
    listed = testapp.get(f"{ENDPOINTS}/{endpoint['id']}/deliveries", headers=admin.headers).json["data"]
    assert [(item["event_id"], item["event_type"], item["status"], item["tries"]) for item in listed] == [
        (document["id"], "enrollment.updated", "delivered", 1)
    ]


def test_an_endpoint_gets_only_the_types_it_asked_for(testapp, app, admin, course, learner, enroll, write_event):
    with Receiver() as receiver:
        create_endpoint(testapp, admin, receiver.url, event_types=["attempt.started", "override.updated"])
        enroll(course["id"], learner)
        write_event()
        assert deliver_round(app) == 0
    assert receiver.received == []


def test_during_a_rotation_both_secrets_sign_and_after_it_only_the_new_one(testapp, app, admin, write_event, db_conn):
    with Receiver() as receiver:
        endpoint = create_endpoint(testapp, admin, receiver.url)
        rotated = testapp.post(f"{ENDPOINTS}/{endpoint['id']}/rotate-secret", headers=admin.headers).json
        write_event()
        deliver_round(app)
        with db_conn.cursor() as cur:  # 24 hours pass
            cur.execute("update webhook_endpoints set previous_secret_expires_at = now() - interval '1 second'")
        write_event()
        deliver_round(app)

    during, after = receiver.received
    assert rotated["secret"] != endpoint["secret"] and rotated["secret"].startswith("whsec_")
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert during.verifies_with(endpoint["secret"]) and during.verifies_with(rotated["secret"])
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert after.verifies_with(rotated["secret"]) and not after.verifies_with(endpoint["secret"])
    assert rotated["previous_secret_expires_at"] is not None
    assert testapp.get(f"{ENDPOINTS}/{endpoint['id']}", headers=admin.headers).json["previous_secret_expires_at"] is None


def test_a_failing_receiver_is_retried_with_backoff_until_it_recovers(testapp, app, admin, write_event, db_conn):
    answers = iter([500, 503, 404])
    with Receiver(lambda received: next(answers, 200)) as receiver:
        endpoint = create_endpoint(testapp, admin, receiver.url)
        (event_id,) = write_event()
        seen = []
        for _ in range(4):
            assert deliver_round(app) == 1
            assert deliver_round(app) == 0  # not due before its time
            (delivery,) = deliveries(db_conn, endpoint["id"])
            seen.append((delivery["status"], delivery["tries"], delivery["last_http_status"], delivery["wait_seconds"]))
            due_now(db_conn)

    assert seen == [
        ("pending", 1, 500, BACKOFF_SECONDS[0]),
        ("pending", 2, 503, BACKOFF_SECONDS[1]),
        ("pending", 3, 404, BACKOFF_SECONDS[2]),
        ("delivered", 4, 200, None),
    ]
    assert receiver.event_ids() == [event_id] * 4
    assert all(received.verifies_with(endpoint["secret"]) for received in receiver.received)


def test_after_the_whole_schedule_a_delivery_fails_and_a_retry_starts_it_again(testapp, app, admin, write_event, db_conn):
    status = {"now": 500}
    with Receiver(lambda received: status["now"]) as receiver:
        endpoint = create_endpoint(testapp, admin, receiver.url)
        write_event()
        waits = []
        for _ in range(len(BACKOFF_SECONDS) + 1):
            assert deliver_round(app) == 1
            waits.append(deliveries(db_conn, endpoint["id"])[0]["wait_seconds"])
            due_now(db_conn)
        (failed,) = deliveries(db_conn, endpoint["id"])
        assert deliver_round(app) == 0

        status["now"] = 204
        retried = testapp.post(f"{ENDPOINTS}/{endpoint['id']}/deliveries/{failed['id']}/retry", headers=admin.headers).json
        assert deliver_round(app) == 1

    assert waits == [*BACKOFF_SECONDS, None]
    assert (failed["status"], failed["tries"], failed["next_try_at"], failed["last_http_status"]) == ("failed", 7, None, 500)
    assert (retried["status"], retried["tries"], retried["next_try_at"] is not None) == ("pending", 0, True)
    assert [(d["status"], d["tries"]) for d in deliveries(db_conn, endpoint["id"])] == [("delivered", 1)]
    assert len(receiver.received) == 8


def test_a_receiver_that_never_answers_times_out_and_holds_nothing_else_up(testapp, app, admin, write_event, db_conn):
    with SilentReceiver() as silent:
        endpoint = create_endpoint(testapp, admin, silent.url)
        write_event(3)
        started = time.monotonic()
        assert deliver_round(app, timeout=0.5, concurrency=1) == 3
        took = time.monotonic() - started

    assert took < 3
    tried, *released = deliveries(db_conn, endpoint["id"])
    assert (tried["tries"], tried["last_http_status"], tried["last_error"], tried["wait_seconds"]) == (1, None, "No answer in time.", 5)
    # The slow receiver's other deliveries were not tried this round: due again, no try counted.
    assert [(d["status"], d["tries"], d["lease"]) for d in released] == [("pending", 0, None)] * 2
    assert value(db_conn, "select count(*) from webhook_deliveries where next_try_at <= now()") == 2


def test_the_timeout_is_ten_seconds_unless_configured(app):
    assert Config().WEBHOOK_TIMEOUT_SECONDS == 10
    assert DeliverySettings.from_config(app.config).timeout == 10


def test_a_refused_connection_is_a_failed_try(testapp, app, admin, write_event, db_conn):
    endpoint = create_endpoint(testapp, admin, f"http://127.0.0.1:{free_port()}/nobody")
    write_event()
    deliver_round(app)

    (delivery,) = deliveries(db_conn, endpoint["id"])
    assert (delivery["status"], delivery["tries"], delivery["last_error"]) == ("pending", 1, "Connection refused.")


def test_a_host_that_resolves_to_a_forbidden_address_at_delivery_gets_nothing(testapp, app, admin, write_event, db_conn, monkeypatch):
    from assessment_service.events import urls

    # When the URL is set the name points at a public address; by the time of the delivery
    # it has been rebound to the cloud metadata service (one address of two).
    monkeypatch.setattr(urls, "resolve", lambda host, port: ["203.0.113.7"])
    endpoint = create_endpoint(testapp, admin, "https://hooks.example.com/in")
    write_event()
    contacted = []

    def rebound(host, port):
        contacted.append(host)
        return ["203.0.113.7", "169.254.169.254"]

    deliver_round(app, job=WebhookDeliveries(settings(allow_loopback=False), resolver=rebound))

    (delivery,) = deliveries(db_conn, endpoint["id"])
    assert contacted == ["hooks.example.com"]
    assert (delivery["tries"], delivery["last_http_status"]) == (1, None)
    assert "169.254.169.254 is a link-local address" in delivery["last_error"]


def test_loopback_is_refused_at_delivery_when_the_worker_does_not_allow_it(testapp, app, admin, write_event, db_conn):
    with Receiver() as receiver:
        endpoint = create_endpoint(testapp, admin, receiver.url.replace("127.0.0.1", "localhost"))
        write_event()
        deliver_round(app, allow_loopback=False)

    assert receiver.received == []
    (delivery,) = deliveries(db_conn, endpoint["id"])
    assert "loopback" in delivery["last_error"]


def test_a_disabled_endpoint_is_paused_and_gets_no_new_deliveries(testapp, app, admin, write_event, db_conn, database_dsn):
    with Receiver() as receiver:
        endpoint = create_endpoint(testapp, admin, receiver.url)
        url = f"{ENDPOINTS}/{endpoint['id']}"
        (first,) = write_event()
        make_deliveries_at(database_dsn)  # the worker makes its delivery; it is not tried yet
        testapp.patch_json(url, {"enabled": False}, headers=admin.headers)
        write_event()
        assert deliver_round(app) == 0
        paused = deliveries(db_conn, endpoint["id"])

        testapp.patch_json(url, {"enabled": True}, headers=admin.headers)
        assert deliver_round(app) == 1

    assert [(d["status"], d["next_try_at"]) for d in paused] == [("pending", None)]
    assert receiver.event_ids() == [first]
