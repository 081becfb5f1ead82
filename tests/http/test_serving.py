"""serving.request_state: when the bytes read so far are a whole request (table-driven)."""

import pytest

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
