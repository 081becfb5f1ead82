"""Webhook endpoints (contract section 18): admins make, list, change, rotate and delete
them; the secret is shown once; URLs that lead to link-local or (unless allowed) loopback
addresses are refused with 422 and nothing stored."""

import pytest

from assessment_service.events import signing
from helpers.db import rows, value
from helpers.events import ENDPOINTS, create_endpoint

EXAMPLE = "https://hooks.example.com/assessment-events"


def test_an_admin_makes_an_endpoint_and_sees_its_secret_once(testapp, admin, db_conn):
    response = testapp.post_json(
        ENDPOINTS, {"url": EXAMPLE, "event_types": ["submission.created"], "description": "gradebook"}, headers=admin.headers, status=201
    )
    made = response.json

    assert made["id"].startswith("whe_") and response.headers["Location"] == f"/api/v1/webhook-endpoints/{made['id']}"
    assert (made["url"], made["event_types"], made["description"], made["enabled"]) == (EXAMPLE, ["submission.created"], "gradebook", True)
    assert made["secret"].startswith("whsec_") and len(signing.signing_key(made["secret"])) == 32
    shown = testapp.get(f"{ENDPOINTS}/{made['id']}", headers=admin.headers).json
    assert shown == {key: item for key, item in made.items() if key != "secret"}
    listed = testapp.get(ENDPOINTS, headers=admin.headers).json
    assert listed["data"] == [shown] and listed["pagination"]["total"] == 1
    # Stored sealed: neither the secret nor its key appears in the row.
    (sealed,) = rows(db_conn, "select secret_sealed from webhook_endpoints")[0]
    assert made["secret"] not in sealed and signing.unseal(None, sealed) == made["secret"]


def test_a_replayed_creation_does_not_show_the_secret_again(testapp, admin):
    headers = {**admin.headers, "Idempotency-Key": "endpoint-1"}
    body = {"url": EXAMPLE, "event_types": ["*"]}

    first = testapp.post_json(ENDPOINTS, body, headers=headers, status=201).json
    replay = testapp.post_json(ENDPOINTS, body, headers=headers, status=201)

    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json == {key: item for key, item in first.items() if key != "secret"}
    assert testapp.get(ENDPOINTS, headers=admin.headers).json["pagination"]["total"] == 1


def test_rotating_shows_the_new_secret_once_and_keeps_the_old_one_for_a_day(testapp, admin, db_conn):
    made = create_endpoint(testapp, admin, EXAMPLE)
    url = f"{ENDPOINTS}/{made['id']}/rotate-secret"
    headers = {**admin.headers, "Idempotency-Key": "rotate-1"}

    rotated = testapp.post(url, headers=headers).json
    replay = testapp.post(url, headers=headers).json

    assert rotated["secret"] != made["secret"] and "secret" not in replay
    assert value(db_conn, "select previous_secret_expires_at - now() > interval '23 hours 59 minutes' from webhook_endpoints") is True
    ((current, previous),) = rows(db_conn, "select secret_sealed, previous_secret_sealed from webhook_endpoints")
    assert (signing.unseal(None, current), signing.unseal(None, previous)) == (rotated["secret"], made["secret"])


def test_patch_changes_what_is_given_and_delete_removes_the_endpoint_with_its_deliveries(testapp, admin, course, learner, enroll, db_conn):
    made = create_endpoint(testapp, admin, EXAMPLE)
    enroll(course["id"], learner)  # an event, and so a delivery
    url = f"{ENDPOINTS}/{made['id']}"

    changed = testapp.patch_json(
        url, {"url": "http://hooks.example.com/v2", "event_types": ["enrollment.updated"], "description": None}, headers=admin.headers
    ).json
    testapp.patch_json(url, {}, headers=admin.headers, status=422)
    testapp.delete(url, headers=admin.headers, status=204)
    testapp.delete(url, headers=admin.headers, status=404)

    assert (changed["url"], changed["event_types"], changed["description"], changed["enabled"]) == (
        "http://hooks.example.com/v2",
        ["enrollment.updated"],
        None,
        True,
    )
    assert changed["updated_at"] > made["updated_at"]
    assert value(db_conn, "select count(*) from webhook_endpoints") == 0
    assert value(db_conn, "select count(*) from webhook_deliveries") == 0
    testapp.get(url, headers=admin.headers, status=404)
    testapp.get(f"{url}/deliveries", headers=admin.headers, status=404)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",  # the cloud metadata service: link-local
        "http://[fe80::1]/hooks",
        "http://[::ffff:169.254.1.1]/hooks",
        "http://127.0.0.1:9000/hooks",
        "http://localhost/hooks",  # resolved: loopback
        "http://[::1]/hooks",
        "http://0.0.0.0/hooks",  # reaches loopback
        "http://0/hooks",
        "http://224.0.0.1/hooks",
        "ftp://hooks.example.com/",
        "hooks.example.com/hooks",
        "https://user:password@hooks.example.com/",
        "https://hooks.example.com:99999/",
        "https://hooks.example.com/#part",
        "https://bücher.example/",
        "https:///nohost",
    ],
)
def test_a_url_webhooks_may_not_go_to_is_422_and_nothing_is_stored(testapp, admin, db_conn, url):
    error = testapp.post_json(ENDPOINTS, {"url": url, "event_types": ["*"]}, headers=admin.headers, status=422).json["error"]

    assert error["code"] == "validation_failed" and list(error["details"]) == ["url"]
    assert value(db_conn, "select count(*) from webhook_endpoints") == 0


def test_a_patch_to_a_forbidden_url_is_422_and_changes_nothing(testapp, admin):
    made = create_endpoint(testapp, admin, EXAMPLE)

    testapp.patch_json(f"{ENDPOINTS}/{made['id']}", {"url": "http://169.254.169.254/"}, headers=admin.headers, status=422)

    assert testapp.get(f"{ENDPOINTS}/{made['id']}", headers=admin.headers).json["url"] == EXAMPLE


@pytest.mark.parametrize(
    "event_types",
    [[], ["grade.changed"], ["*", "submission.created"], ["attempt.started", "attempt.started"], "submission.created"],
)
def test_event_types_must_be_known_types_once_or_the_star_alone(testapp, admin, event_types):
    error = testapp.post_json(ENDPOINTS, {"url": EXAMPLE, "event_types": event_types}, headers=admin.headers, status=422).json["error"]

    assert "event_types" in error["details"]


def test_loopback_is_allowed_only_when_the_service_allows_it(config, admin, make_user):
    import webtest

    from assessment_service import create_app

    config.WEBHOOK_ALLOW_LOOPBACK = True
    app = create_app(config)
    try:
        made = webtest.TestApp(app).post_json(
            ENDPOINTS, {"url": "http://localhost:8080/hooks", "event_types": ["*"]}, headers=admin.headers, status=201
        )
        # Link-local stays refused.
        webtest.TestApp(app).post_json(
            ENDPOINTS, {"url": "http://169.254.169.254/", "event_types": ["*"]}, headers=admin.headers, status=422
        )
    finally:
        app.extensions["db"].close()
    assert made.json["url"] == "http://localhost:8080/hooks"


def test_only_admins_manage_endpoints(testapp, admin, instructor, learner):
    made = create_endpoint(testapp, admin, EXAMPLE)
    for caller in (instructor, learner):
        testapp.post_json(ENDPOINTS, {"url": EXAMPLE, "event_types": ["*"]}, headers=caller.headers, status=403)
        testapp.get(ENDPOINTS, headers=caller.headers, status=403)
        testapp.get(f"{ENDPOINTS}/{made['id']}", headers=caller.headers, status=403)
        testapp.post(f"{ENDPOINTS}/{made['id']}/rotate-secret", headers=caller.headers, status=403)
