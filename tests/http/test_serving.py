"""serving.request_state: when the bytes read so far are a whole request (table-driven), and
how large a body may be, by route."""

import pytest

from assessment_service.http.bodies import route_body_limit
from assessment_service.http.serving import INCOMPLETE, TOO_LARGE, WHOLE, _without_expect, expects_continue, request_state

MAX_HEAD, MAX_BODY = 1000, 100
POST = b"POST /x HTTP/1.1\r\nHost: h\r\n"


@pytest.mark.parametrize(
    ("data", "state"),
    [
        (b"", INCOMPLETE),
        (b"GET /x HTTP/1.1\r\nHost: h\r\n", INCOMPLETE),
        (b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n", WHOLE),
        (b"GET /x HTTP/1.1\r\nHost: h\r\nX: " + b"a" * 2000, WHOLE),  # over any head gunicorn takes: its 431
        (b"GET /x HTTP/1.1\nHost: h\n\n", WHOLE),  # bare LF: gunicorn's 400
        (POST + b"Content-Length: 5\r\n\r\nabc", INCOMPLETE),
        (POST + b"Content-Length: 5\r\n\r\nabcde", WHOLE),
        (POST + b"content-length:  5 \r\n\r\nabcde", WHOLE),
        (POST + b"Content-Length: 101\r\n\r\n", TOO_LARGE),
        (POST + b"Content-Length: 100\r\n\r\n" + b"a" * 99, INCOMPLETE),
        (POST + b"Content-Length: x\r\n\r\n", WHOLE),  # gunicorn's 400
        (POST + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\n", WHOLE),  # gunicorn judges a repeat
        (POST + b"Transfer-Encoding: chunked\r\n\r\n", INCOMPLETE),
        (POST + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", INCOMPLETE),
        (POST + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n", INCOMPLETE),
        (POST + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", WHOLE),
        (POST + b"Transfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: t\r\n\r\n", WHOLE),
        (POST + b"Transfer-Encoding: chunked\r\n\r\n65\r\n", TOO_LARGE),  # 101 bytes declared
        (POST + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", WHOLE),  # gunicorn's 400
    ],
)
def test_request_state(data, state):
    assert request_state(data, MAX_HEAD, MAX_BODY) == state


def test_expect_100_continue_is_seen_and_taken_out():
    data = POST + b"Expect: 100-continue\r\nContent-Length: 2\r\n\r\n"
    assert expects_continue(data) and not expects_continue(POST + b"Content-Length: 2\r\n\r\n")
    assert not expects_continue(POST)  # the head is not whole yet
    assert _without_expect(data + b"a") == POST + b"Content-Length: 2\r\n\r\na"


asked = []
UPLOAD = b"POST /upload?dry_run=true HTTP/1.1\r\nHost: h\r\n"


def larger_for_uploads(method, target):
    """A route limit as the worker asks it: 1000 bytes for POST /upload (whatever the query), else none larger."""
    asked.append((method, target))
    return 1000 if (method, target.split("?")[0]) == ("POST", "/upload") else None


@pytest.mark.parametrize(
    ("data", "state", "asks"),
    [
        (POST + b"Content-Length: 100\r\n\r\n" + b"a" * 100, WHOLE, False),  # within the default: the route is not asked
        (UPLOAD + b"Content-Length: 1000\r\n\r\n" + b"a" * 999, INCOMPLETE, True),
        (UPLOAD + b"Content-Length: 1000\r\n\r\n" + b"a" * 1000, WHOLE, True),
        (UPLOAD + b"Content-Length: 1001\r\n\r\n", TOO_LARGE, True),
        (UPLOAD + b"Transfer-Encoding: chunked\r\n\r\n3e8\r\n", INCOMPLETE, True),  # 1000 declared
        (UPLOAD + b"Transfer-Encoding: chunked\r\n\r\n3e9\r\n", TOO_LARGE, True),
        (POST + b"Content-Length: 101\r\n\r\n", TOO_LARGE, True),  # another route keeps the default
        (b"GET /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", TOO_LARGE, True),
    ],
)
def test_a_route_may_allow_a_larger_body(data, state, asks):
    asked.clear()
    assert request_state(data, MAX_HEAD, MAX_BODY, larger_for_uploads) == state
    assert bool(asked) == asks


def test_the_route_limit_is_the_views_own(app):
    """bodies.route_body_limit, which the worker asks: the import's MAX_IMPORT_BYTES, else MAX_BODY_BYTES."""
    assert route_body_limit(app, "POST", "/api/v1/assessments/asmnt_x1/questions/import?dry_run=true") == 10 * 1024 * 1024
    assert route_body_limit(app, "POST", "/api/v1/assessments/asmnt_x1/questions") == 1024 * 1024
    assert route_body_limit(app, "GET", "/api/v1/assessments/asmnt_x1/questions/import") == 1024 * 1024  # no such method
    assert route_body_limit(app, "POST", "/nowhere") == 1024 * 1024
    assert route_body_limit(app, "POST", "/api/v1/assessments/asmnt%5Fx1/questions/import") == 10 * 1024 * 1024
