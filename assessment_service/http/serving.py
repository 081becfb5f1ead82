"""The service's gunicorn worker (gunicorn.conf.py names it): gunicorn's gthread worker, with
two changes.

- The worker's event loop reads each request whole, head and body, before it is served
  (by the loop itself when `threads` is 1, else by a pool thread). A client that sends
  slowly holds a socket and the bytes it sent, never the worker, a thread, a database
  connection or a transaction; one that has not sent its whole request within
  REQUEST_READ_TIMEOUT seconds is answered 408 and closed, and a body larger than its
  route takes (MAX_BODY_BYTES, or the route's own limit: bodies.route_body_limit) is
  answered 413 without being read.
- gunicorn's own answers to requests it cannot parse (400, 414, 431, ...) carry the API's
  error envelope and an X-Request-ID, like every other error.
"""

import contextlib
import errno
import selectors
import time
from collections import OrderedDict
from concurrent import futures
from functools import partial

from gunicorn.workers.gthread import TConn, ThreadWorker

from ..core.jsonio import dumps
from ..platform.logs import new_request_id
from .bodies import route_body_limit
from .errors import server_error_document

# Defaults when the app served is not ours (the bench's bare Flask app).
DEFAULT_READ_TIMEOUT = 15
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
RECEIVE_BYTES = 64 * 1024
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"

INCOMPLETE, WHOLE, TOO_LARGE = "incomplete", "whole", "too large"


def error_answer(status, reason):
    """The bytes of an HTTP answer with the error envelope; it closes the connection."""
    body = (dumps(server_error_document(status, reason)) + "\n").encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"X-Request-ID: {new_request_id()}\r\n\r\n"
    )
    return head.encode("latin-1") + body


# ---------------------------------------------------------------- is the request all there?


def _head_end(data):
    """Where the head ends (past its empty line), or None while it goes on.

    A bare-LF empty line ends it too: gunicorn's parser then refuses the request (400).
    """
    ends = [found + len(mark) for mark in (b"\r\n\r\n", b"\n\n") if (found := data.find(mark)) >= 0]
    return min(ends) if ends else None


def _framing(head):
    """(content length or None, chunked, expects 100-continue) as the head declares them;
    None when they cannot be told (a bad or repeated length: gunicorn's parser judges)."""
    length, chunked, expects_continue = None, False, False
    for line in head.split(b"\n")[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            if not value.isdigit() or length is not None:
                return None
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = chunked or b"chunked" in value
        elif name == b"expect":
            expects_continue = value == b"100-continue"
    return length, chunked, expects_continue


def _chunked_body(data, start):
    """(the body has ended, the chunk sizes declared so far) of a chunked body from `start`;
    None when it is malformed (gunicorn's parser then answers 400)."""
    declared, position = 0, start
    while True:
        line_end = data.find(b"\r\n", position)
        if line_end < 0:
            return False, declared
        size = data[position:line_end].split(b";", 1)[0].strip()
        try:
            size = int(size, 16)
        except ValueError:
            return None
        declared += size
        if size == 0:
            # The last chunk, then trailer lines up to an empty one.
            return data.find(b"\r\n\r\n", line_end) >= 0, declared
        position = line_end + 2 + size + 2
        if position > len(data):
            return False, declared


def _request_target(data):
    """(method, target) of the request line at the start of `data` ('' and '' if unreadable)."""
    line_end = data.find(b"\n")
    method, _, rest = bytes(data[: line_end if line_end >= 0 else len(data)]).decode("latin-1").partition(" ")
    return method, rest.strip().partition(" ")[0]


def request_state(data, max_head_bytes, max_body_bytes, route_limit=None):
    """WHOLE when `data` holds a request's head and all of its body (or a head that gunicorn's
    parser must refuse), TOO_LARGE when the body is over its limit, else INCOMPLETE.

    The limit is `max_body_bytes`, or for a larger body `route_limit(method, target)`, the
    limit of the route it is sent to (asked only then: most requests never need it).
    """
    head_end = _head_end(data)
    if head_end is None:
        return WHOLE if len(data) > max_head_bytes else INCOMPLETE
    framing = _framing(data[:head_end])
    if framing is None:
        return WHOLE
    length, chunked, _ = framing

    def too_large(size):
        if size <= max_body_bytes:
            return False
        return route_limit is None or size > (route_limit(*_request_target(data)) or max_body_bytes)

    if chunked:
        body = _chunked_body(data, head_end)
        if body is None:
            return WHOLE
        ended, declared = body
        if too_large(declared):
            return TOO_LARGE
        return WHOLE if ended else INCOMPLETE
    if length is None:
        return WHOLE
    if too_large(length):
        return TOO_LARGE
    return WHOLE if len(data) - head_end >= length else INCOMPLETE


def expects_continue(data):
    """Whether the (whole) head in `data` asks for a 100 Continue before the body."""
    head_end = _head_end(data)
    framing = _framing(data[:head_end]) if head_end else None
    return bool(framing and framing[2])


def _without_expect(data):
    """The request with its Expect header taken out (the 100 Continue has been sent)."""
    head_end = _head_end(data)
    lines = data[:head_end].split(b"\n")
    kept = [line for line in lines if line.partition(b":")[0].strip().lower() != b"expect"]
    return b"\n".join(kept) + data[head_end:]


# ---------------------------------------------------------------- the worker


class BufferedConn(TConn):
    """A client connection, and the bytes of its next request while they arrive."""

    def __init__(self, *args):
        super().__init__(*args)
        self.received = bytearray()
        self.deadline = None
        self.request_arrived = False
        self._arrived_before_parser = b""

    def hand_over(self):
        """Give the whole request to gunicorn's parser (made in the thread, on first use)."""
        data, self.received = bytes(self.received), bytearray()
        self.request_arrived = True
        self.data_ready = True  # gthread's thread must not wait for more
        if self.parser is None:
            self._arrived_before_parser = data
        else:
            self.parser.unreader.unread(data)

    def init(self):
        first = not self.initialized
        super().init()
        if first and self._arrived_before_parser:
            self.parser.unreader.unread(self._arrived_before_parser)
            self._arrived_before_parser = b""


class _EnvelopeWriter:
    """Stands in for the client socket while gunicorn writes its error answer: sends that
    answer's status with the API's error envelope instead of gunicorn's HTML page.
    gunicorn keeps deciding the status (which parse errors are the client's, and logs them)."""

    def __init__(self, sock):
        self._sock = sock

    def __getattr__(self, name):
        return getattr(self._sock, name)

    def sendall(self, data):
        # gunicorn's page starts "HTTP/1.1 431 Request Header Fields Too Large\r\n".
        _, status, reason = data.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        self._sock.sendall(error_answer(int(status), reason))


# The worker serving in this process, for still_alive().
_worker = None


def still_alive():
    """Tell gunicorn's master this worker is alive: a long answer (a CSV export of a million
    rows) is written from the worker's loop itself, which meanwhile does not, and the
    master would kill the worker after `timeout` seconds. A no-op outside gunicorn."""
    if _worker is not None:
        _worker.notify()


class BufferedRequestWorker(ThreadWorker):
    """gthread, but only a request that has arrived whole is ever served."""

    def init_process(self):
        global _worker
        _worker = self
        if self.cfg.is_ssl:
            raise RuntimeError("BufferedRequestWorker reads raw bytes: terminate TLS in nginx (deploy/nginx.conf)")
        self.reading = OrderedDict()  # connections being read, oldest deadline first
        # The most gunicorn's parser reads of a head before it refuses it (414 or 431).
        self.max_head_bytes = self.cfg.limit_request_line + self.cfg.limit_request_fields * (self.cfg.limit_request_field_size + 2) + 4
        super().init_process()  # loads the app, then run()

    def run(self):
        config = getattr(self.wsgi, "config", {})
        self.read_timeout = config.get("REQUEST_READ_TIMEOUT") or DEFAULT_READ_TIMEOUT
        self.max_body_bytes = config.get("MAX_CONTENT_LENGTH") or DEFAULT_MAX_BODY_BYTES
        # A route may take larger bodies (documented(max_body=...)).
        self.route_limit = partial(route_body_limit, self.wsgi) if hasattr(self.wsgi, "url_map") else None
        super().run()

    def accept(self, listener):
        try:
            sock, client = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self.enqueue_req(BufferedConn(self.cfg, sock, client, listener.getsockname()))

    def enqueue_req(self, conn):
        """A connection with a request arrived whole is served; any other is read first.

        gthread calls this for a new connection, for a kept-alive one that became readable,
        and for one whose previous request was followed by part of the next.
        """
        if conn.request_arrived:
            conn.request_arrived = False
            if self.cfg.threads == 1:
                self._serve_here(conn)
            else:
                super().enqueue_req(conn)
            return
        if conn.parser is not None:
            conn.received += conn.parser.unreader.take_buffered()
        conn.deadline = time.monotonic() + self.read_timeout
        if conn.received and self._check(conn):
            return
        conn.sock.setblocking(False)
        self.reading[conn] = True
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_request_bytes, conn))

    def _serve_here(self, conn):
        """Serve a whole request in the event loop's own thread (threads = 1): no hand-off to a
        pool thread and back, whose GIL switches cost more than the request's I/O waits save."""
        done = futures.Future()
        try:
            done.set_result(self.handle(conn))
        except BaseException as exc:  # as a pool thread's future would carry it
            done.set_exception(exc)
        self.finish_request(conn, done)

    def on_request_bytes(self, conn, _sock):
        try:
            data = conn.sock.recv(RECEIVE_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            # Gone before its request was whole: nothing was done, nobody to answer.
            self._stop_reading(conn)
            self._close(conn)
            return
        conn.received += data
        self._check(conn)

    def _check(self, conn):
        """Act on what has arrived; whether the connection left the reading state."""
        state = request_state(conn.received, self.max_head_bytes, self.max_body_bytes, self.route_limit)
        if state == INCOMPLETE:
            if expects_continue(conn.received):
                # The client waits for this before it sends its body; gunicorn must not send another.
                conn.received = bytearray(_without_expect(conn.received))
                self._send(conn, CONTINUE)
            return False
        self._stop_reading(conn)
        if state == WHOLE:
            conn.hand_over()
            self.enqueue_req(conn)
        else:
            self._refuse(conn, 413, "Content Too Large")
        return True

    def _stop_reading(self, conn):
        if self.reading.pop(conn, None):
            with contextlib.suppress(KeyError, ValueError, OSError):
                self.poller.unregister(conn.sock)

    def _send(self, conn, data):
        with contextlib.suppress(OSError):  # the client is gone or not reading; the connection closes anyway
            conn.sock.send(data)

    def _refuse(self, conn, status, reason):
        self._send(conn, error_answer(status, reason))
        self._close(conn)

    def _close(self, conn):
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self):
        """gthread's expiry, and the same for requests still arriving: 408 (or, when nothing
        came at all, a silent close); a stopping worker closes those that sent nothing."""
        super().murder_pending()
        now = time.monotonic()
        for conn in list(self.reading):
            if conn.deadline > now:
                if self.alive:
                    break  # ordered by deadline: the others have time left too
                if conn.received:
                    continue  # stopping: a request under way may still arrive in time
            self._stop_reading(conn)
            if conn.received:
                self._refuse(conn, 408, "Request Timeout")
            else:
                self._close(conn)

    def handle_error(self, req, client, addr, exc):
        super().handle_error(req, _EnvelopeWriter(client), addr, exc)
