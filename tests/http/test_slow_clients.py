"""Slow and malformed clients straight to a real gunicorn (gunicorn.conf.py, whose worker is
assessment_service/http/serving.py): slowloris clients do not stop it answering others, and its
own answers to what never reaches the app speak the error envelope."""

import json
import re
import socket
import time

import pytest

from bench.slow_clients import SLOW_BODY, SLOW_HEADERS, Probe, SlowClients
from helpers.db import query, rows
from helpers.servers import Gunicorn, raw_http

pytestmark = pytest.mark.slow

ANSWERED_WITHIN_SECONDS = 2.0


@pytest.fixture(scope="module", params=["1", "2"], ids=["one thread", "two threads"])
def server(request, database_dsn):
    """The production configuration on 2 cores (3 workers, one thread each: requests served
    by the event loop), and the same with a pool of two threads."""
    server = Gunicorn(database_dsn, workers=3, extra_env={"GUNICORN_THREADS": request.param})
    yield server
    server.stop()


def transactions_open(database_dsn):
    """Sessions of the service that sit inside a transaction, waiting for their client."""
    return query(
        database_dsn,
        "select count(*) from pg_stat_activity where datname = current_database() and state = 'idle in transaction' and pid <> pg_backend_pid()",
    )[0][0]


def test_fifty_slow_header_and_fifty_slow_body_clients_do_not_stop_gunicorn_answering(server, database_dsn, admin):
    probes = [Probe("127.0.0.1", server.port, "/healthz"), Probe("127.0.0.1", server.port, "/api/v1/users/me", headers=admin.headers)]
    with (
        SlowClients("127.0.0.1", server.port, 50, SLOW_HEADERS) as headers,
        SlowClients("127.0.0.1", server.port, 50, SLOW_BODY, token=admin.token) as bodies,
    ):
        for probe in probes:
            probe.__enter__()
        # Past the clients' first pause: each has sent more, and still holds on.
        time.sleep(2.5)
        for probe in probes:
            probe.__exit__(None, None, None)
        # The authenticated bodies being read have not started a request in the app.
        assert transactions_open(database_dsn) == 0
        assert (headers.still_open, bodies.still_open) == (50, 50)

    for probe in probes:
        timings = probe.timings
        assert timings.failures == [], f"{timings.name}: {timings.failures[:5]}"
        assert len(timings.latencies_ms) >= 10, timings.name
        assert timings.worst_ms < ANSWERED_WITHIN_SECONDS * 1000, timings.line()


def test_a_body_sent_slowly_reaches_the_app_only_once_whole(server, database_dsn, admin):
    """The app gets the request only once it is whole: a body sent in pieces, slowly, is
    then served like any other (here a course, 201), and nothing waited in a transaction."""
    body = json.dumps({"title": "Slowly sent course"}).encode()
    head = (
        f"POST /api/v1/courses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin.token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
        client.sendall(head + body[:5])
        time.sleep(0.5)
        assert transactions_open(database_dsn) == 0
        client.sendall(body[5:])
        answer = client.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 201 "), answer[:200]
    assert query(database_dsn, "select count(*) from courses where title = 'Slowly sent course'")[0][0] == 1


def _envelope(status, headers, body):
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"]), headers
    assert int(headers["content-length"]) == len(body)
    document = json.loads(body)
    assert set(document) == {"error"} and set(document["error"]) == {"code", "message", "details"}
    assert document["error"]["message"] and document["error"]["details"] == {}
    return status, document["error"]["code"]


MALFORMED = {
    "a bare LF inside a header": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\nb\r\n\r\n", 400, "bad_request"),
    "a bare LF ending every line": (b"GET /healthz HTTP/1.1\nHost: x\n\n", 400, "bad_request"),
    "a NUL in a header": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n", 400, "bad_request"),
    "a 9 KB header": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431, "request_header_fields_too_large"),
    "120 headers": (
        b"GET /healthz HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % n for n in range(120)) + b"\r\n",
        431,
        "request_header_fields_too_large",
    ),
    "a 5,000-character URL": (b"GET /healthz?q=" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
    "a Content-Length over MAX_BODY_BYTES": (
        b"POST /api/v1/courses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{",
        413,
        "payload_too_large",
    ),
    "a Content-Length over MAX_IMPORT_BYTES to the import": (
        b"POST /api/v1/assessments/asmnt_x1/questions/import HTTP/1.1\r\nHost: x\r\nContent-Type: application/zip\r\n"
        b"Content-Length: 10485761\r\n\r\nPK",
        413,
        "payload_too_large",
    ),
    "chunks adding up to more than MAX_BODY_BYTES": (
        b"POST /api/v1/courses HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"80000\r\n"
        + b" " * 0x80000
        + b"\r\n"
        + b"80000\r\n"
        + b" " * 0x80000
        + b"\r\n"
        + b"10\r\n",
        413,
        "payload_too_large",
    ),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_what_gunicorn_refuses_is_answered_with_the_error_envelope(server, case):
    request, status, code = MALFORMED[case]
    assert _envelope(*raw_http(server.port, request)) == (status, code)
    # The worker that refused it goes on serving.
    assert raw_http(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")[0] == 200


def test_the_import_takes_a_body_larger_than_max_body_bytes(server, admin, db_conn):
    """Two MiB of GIFT (mostly a comment) reach the import route, sent in pieces; the same
    size to any other route is refused by the worker before the app sees it."""
    course = json.dumps({"title": "Import course"}).encode()
    course_id = json.loads(raw_http(server.port, _post(admin, "/api/v1/courses", "application/json", course))[2])["id"]
    quiz = json.dumps({"course_id": course_id, "title": "Imported quiz", "passing_score": 50}).encode()
    quiz_id = json.loads(raw_http(server.port, _post(admin, "/api/v1/assessments", "application/json", quiz))[2])["id"]
    gift = b"// " + b"x" * (2 * 1024 * 1024) + b"\n\nSent big. {T}\n"

    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as client:
        request = _post(admin, f"/api/v1/assessments/{quiz_id}/questions/import", "text/plain", gift)
        for start in range(0, len(request), 256 * 1024):
            client.sendall(request[start : start + 256 * 1024])
        answer = client.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 201 "), answer[:300]
    assert rows(db_conn, "select prompt from questions where assessment_id = %s", (quiz_id,)) == [("Sent big.",)]
    # Answered from the head alone: the worker does not wait for a body it will not take.
    head_only = _post(admin, "/api/v1/courses", "application/json", gift)[: -len(gift)]
    assert raw_http(server.port, head_only)[0] == 413


def _post(caller, path, content_type, body):
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {caller.token}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def test_expect_100_continue_gets_one_interim_answer_then_the_response(server, admin):
    body = json.dumps({"title": "Course after a 100 Continue"}).encode()
    head = (
        f"POST /api/v1/courses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin.token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
        client.sendall(head)
        assert client.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
        client.sendall(body)
        answer = client.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 201 "), answer[:200]
    assert b"HTTP/1.1 100" not in answer  # gunicorn did not send a second one


def test_a_request_not_whole_within_the_read_timeout_is_answered_408_and_closed(database_dsn):
    server = Gunicorn(database_dsn, workers=1, extra_env={"REQUEST_READ_TIMEOUT": "1"})
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            started = time.monotonic()
            answer = client.makefile("rb").read()
            waited = time.monotonic() - started
        head, _, body = answer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
        assert lines[0] == "HTTP/1.1 408 Request Timeout"
        assert _envelope(408, headers, body) == (408, "request_timeout")
        assert 0.9 <= waited < 3.5
        # A connection that never sends a byte is closed without an answer.
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
            assert client.recv(1024) == b""
    finally:
        server.stop()


def test_kept_alive_and_pipelined_requests_are_each_answered_in_order(server, admin):
    """The next request on a kept-alive connection is read whole like the first, also when it
    came right behind the previous one (read ahead with it) and only partly."""
    auth = f"Authorization: Bearer {admin.token}\r\n".encode()
    first = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    second = b"GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\n" + auth + b"\r\n"
    last = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
        client.sendall(first + second[:20])  # the second one only begins
        time.sleep(0.3)
        client.sendall(second[20:])
        time.sleep(0.3)
        client.sendall(last)
        answer = client.makefile("rb").read()
    statuses = re.findall(rb"^HTTP/1\.1 (\d{3}) ", answer, flags=re.MULTILINE)
    assert statuses == [b"200", b"200", b"200"], answer[:500]
    assert f'"id": "{admin.id}"'.encode() in answer
