"""deploy/nginx.conf for real: Debian's nginx on loopback in front of two gunicorn instances
(BEHIND_PROXY=true) sharing the test database, with the retake limit under concurrency
and 500 slow clients checked through it."""

import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from bench.nginx import nginx_config
from bench.slow_clients import SLOW_BODY, SLOW_HEADERS, Probe, SlowClients
from helpers.api import answers, assessment_url, assessment_with_questions, create_assessment, true_false
from helpers.db import rows
from helpers.debian import Daemon, ensure_debian_package, free_port
from helpers.interchange import import_url
from helpers.servers import Gunicorn, concurrently, http, raw_http

pytestmark = pytest.mark.slow

SIMULTANEOUS = 24
MAX_ATTEMPTS = 3


@pytest.fixture(scope="module")
def nginx_in_front(database_dsn, tmp_path_factory):
    """nginx on a free loopback port -> two gunicorn instances (2 workers each)."""
    nginx = ensure_debian_package("nginx", "nginx")
    directory = tmp_path_factory.mktemp("nginx")
    upstreams = []
    proxy = None
    try:
        for _ in range(2):
            upstreams.append(Gunicorn(database_dsn, workers=2, extra_env={"BEHIND_PROXY": "true"}))
        port = free_port()
        config = Path(directory) / "nginx.conf"
        config.write_text(nginx_config([u.port for u in upstreams], port, directory))
        proxy = Daemon(
            [nginx, "-p", str(directory), "-e", f"{directory}/error.log", "-c", str(config), "-g", "daemon off;"],
            port,
            Path(directory) / "nginx.out",
        )
        yield f"http://127.0.0.1:{port}", upstreams
    finally:
        if proxy is not None:
            proxy.stop()
        for upstream in upstreams:
            upstream.stop()


def submissions_counted(upstream):
    """POST .../submissions answered by one gunicorn, from its /metrics."""
    import urllib.request

    from test_metrics import samples

    with urllib.request.urlopen(upstream.base_url + "/metrics", timeout=10) as response:
        found = samples(response.read().decode())
    return sum(
        count
        for (name, labels), count in found.items()
        if name == "http_requests_total" and dict(labels).get("route", "").endswith("/submissions") and dict(labels)["method"] == "POST"
    )


def test_retake_limit_holds_through_nginx_and_two_instances(nginx_in_front, testapp, instructor, course, learner, enroll, db_conn):
    base_url, upstreams = nginx_in_front
    enroll(course["id"], learner)
    assessment, questions = assessment_with_questions(
        testapp, instructor, course["id"], [true_false(), true_false(correct_answer=False)], max_attempts=MAX_ATTEMPTS
    )
    url = base_url + assessment_url(assessment["id"], "submissions")
    body = {"answers": answers(questions)}
    before = [submissions_counted(upstream) for upstream in upstreams]
    barrier = threading.Barrier(SIMULTANEOUS)

    def submit():
        barrier.wait(timeout=30)
        status, response, _ = http("POST", url, body, headers=learner.headers)
        return status, response

    outcomes = concurrently([submit] * SIMULTANEOUS)

    assert Counter(status for status, _ in outcomes) == {201: MAX_ATTEMPTS, 403: SIMULTANEOUS - MAX_ATTEMPTS}
    assert sorted(response["attempt_number"] for status, response in outcomes if status == 201) == [1, 2, 3]
    assert {response["error"]["code"] for status, response in outcomes if status == 403} == {"attempt_limit_reached"}
    stored = rows(
        db_conn,
        "select attempt_number from submissions where assessment_id = %s and learner_id = %s order by attempt_number",
        (assessment["id"], learner.id),
    )
    assert stored == [(1,), (2,), (3,)]
    # nginx spread the submissions over both instances.
    served = [submissions_counted(upstream) - earlier for upstream, earlier in zip(upstreams, before)]
    assert sum(served) == SIMULTANEOUS and all(count > 0 for count in served), served


def test_request_id_passes_through_both_ways(nginx_in_front):
    base_url, _ = nginx_in_front
    status, _, headers = http("GET", base_url + "/healthz", headers={"X-Request-ID": "trace-4711.abc"})
    assert status == 200 and headers["X-Request-ID"] == "trace-4711.abc"
    # Without one, nginx makes one up, and the service answers with that same id.
    status, _, headers = http("GET", base_url + "/healthz")
    assert status == 200 and re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])


def test_forwarded_host_is_what_the_service_links_to(nginx_in_front, admin):
    base_url, _ = nginx_in_front
    status, _, headers = http("GET", base_url + "/api/v1/courses", headers={**admin.headers, "Host": "assessments.example.test:8443"})
    assert status == 200
    assert headers["Link"].startswith("<http://assessments.example.test:8443/api/v1/courses?")


def test_nginx_refuses_a_too_large_body_with_the_error_envelope(nginx_in_front, learner):
    base_url, _ = nginx_in_front
    status, body, headers = http(
        "POST", base_url + "/api/v1/courses", {"title": "x" * (1024 * 1024 + 10)}, headers={**learner.headers, "X-Request-ID": "big-one"}
    )
    assert status == 413
    assert body["error"]["code"] == "payload_too_large"
    assert headers["X-Request-ID"] == "big-one"


def send_file(url, data, caller, content_type="text/plain"):
    """(status, parsed JSON answer) of POSTing `data` as it is."""
    request = urllib.request.Request(url, data=data, method="POST", headers={**caller.headers, "Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_import_route_takes_files_up_to_ten_mebibytes_through_nginx(nginx_in_front, testapp, instructor, course, db_conn):
    base_url, _ = nginx_in_front
    assessment = create_assessment(testapp, instructor, course["id"])
    url = base_url + import_url(assessment["id"])
    padding = b"// " + b"x" * (2 * 1024 * 1024) + b"\n\n"

    status, answer = send_file(url, padding + b"Through nginx. {T}\n", instructor)
    assert status == 201, answer
    assert [question["prompt"] for question in answer["imported"]] == ["Through nginx."]

    status, answer = send_file(url, b" " * (10 * 1024 * 1024 + 1024), instructor)
    assert (status, answer["error"]["code"]) == (413, "payload_too_large")
    # Elsewhere nginx keeps the 1 MiB.
    status, answer = send_file(base_url + "/api/v1/courses", padding, instructor, "application/json")
    assert (status, answer["error"]["code"]) == (413, "payload_too_large")
    assert rows(db_conn, "select count(*) from questions") == [(1,)]


def test_metrics_are_not_served_to_the_public(nginx_in_front):
    base_url, upstreams = nginx_in_front
    status, body, _ = http("GET", base_url + "/metrics")
    assert status == 404 and body["error"]["code"] == "not_found"
    assert submissions_counted(upstreams[0]) >= 0  # each instance still serves its own


def test_nginx_holds_500_slow_clients_while_healthz_keeps_answering(nginx_in_front, admin):
    """250 slowloris clients trickling headers and 250 trickling bodies; nginx holds them all
    (gunicorn sees none of them) and answers /healthz meanwhile. The p99 is measured by
    `python -m bench.slow_clients`; here each answer must come within a generous bound."""
    base_url, _ = nginx_in_front
    port = int(base_url.rsplit(":", 1)[1])
    probe = Probe("127.0.0.1", port, "/healthz")
    with (
        SlowClients("127.0.0.1", port, 250, SLOW_HEADERS) as headers,
        SlowClients("127.0.0.1", port, 250, SLOW_BODY, token=admin.token) as bodies,
    ):
        with probe:
            time.sleep(2.5)  # past the clients' first pause
        assert (headers.still_open, bodies.still_open) == (250, 250)
    assert probe.timings.failures == [], probe.timings.failures[:5]
    assert len(probe.timings.latencies_ms) >= 10
    assert probe.timings.worst_ms < 1000, probe.timings.line()


THROUGH_NGINX = {
    # nginx refuses these itself ...
    "a NUL in a header": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\nConnection: close\r\n\r\n", 400, "bad_request"),
    "a 9 KB header": (
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\nConnection: close\r\n\r\n",
        431,
        "request_header_fields_too_large",
    ),
    "a 10,000-character URL": (
        b"GET /healthz?q=" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        414,
        "uri_too_long",
    ),
    # ... and passes this one on to gunicorn, which refuses it.
    "a 5,000-character URL": (b"GET /healthz?q=" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 414, "uri_too_long"),
}


@pytest.mark.parametrize("case", THROUGH_NGINX)
def test_malformed_requests_through_nginx_get_the_error_envelope(nginx_in_front, case):
    base_url, _ = nginx_in_front
    request, status, code = THROUGH_NGINX[case]
    answered, headers, body = raw_http(int(base_url.rsplit(":", 1)[1]), request)
    assert answered == status
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])
    document = json.loads(body)
    assert set(document) == {"error"} and set(document["error"]) == {"code", "message", "details"}
    assert (document["error"]["code"], document["error"]["details"]) == (code, {}) and document["error"]["message"]
