"""Webhook receivers: real HTTP servers on loopback, started by a test, that keep what they
were sent and answer as the test tells them (a status, a failure, or nothing at all)."""

import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


@dataclass(frozen=True)
class Received:
    headers: dict  # lower-case names
    body: bytes

    @property
    def event_id(self):
        return self.headers["webhook-id"]

    def verifies_with(self, secret):
        """Whether the Standard Webhooks library accepts the request under `secret`."""
        try:
            Webhook(secret).verify(self.body, self.headers)
        except Exception:
            return False
        return True


class Receiver:
    """A webhook receiver on 127.0.0.1 (HTTP/1.1, keep-alive). `answer(received)` gives each
    request's status (default 204); `hold` (a threading.Event) makes it wait until set before
    answering. Use as a context manager; `url` is where to send."""

    def __init__(self, answer=None, *, path="/hooks", hold=None):
        self.received = []
        self.lock = threading.Lock()
        self.answer = answer or (lambda received: 204)
        self.hold = hold
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received = Received({name.lower(): value for name, value in self.headers.items()}, body)
                if receiver.hold is not None:
                    receiver.hold.wait(30)
                with receiver.lock:
                    receiver.received.append(received)
                status = receiver.answer(received)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            # The listen backlog: socketserver's default of 5 refused connections when
            # several delivery workers posted at once under load (a failed try to retry).
            request_queue_size = 128

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()

    def event_ids(self):
        with self.lock:
            return [received.event_id for received in self.received]


class SilentReceiver:
    """A receiver that accepts connections and reads requests but never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hooks"
        self.connections = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        self.sock.settimeout(0.1)
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections.append(conn)  # held open, never answered

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join()
        for conn in self.connections:
            conn.close()
        self.sock.close()
