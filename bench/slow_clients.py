"""`python -m bench.slow_clients`: do slow clients stop the service answering others?

Opens slow connections (each sends its request a line or a byte every 2 s, as a
slowloris would) straight to gunicorn and then through nginx (deploy/nginx.conf), and
meanwhile times `GET /healthz` and an authenticated `GET /api/v1/users/me` from another
client. The tests (tests/http/test_slow_clients.py) use the same SlowClients and Probe.
See bench/README.md.
"""

import argparse
import http.client
import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass

# What a slowloris sends between its pauses: the next header line, or the next body byte.
SLOW_HEADERS = "headers"
SLOW_BODY = "body"
PAUSE_SECONDS = 2.0


class SlowClients:
    """`count` connections that each trickle a request that never ends, until closed.

    With `kind` SLOW_HEADERS each sends a request line and then one header line per pause;
    with SLOW_BODY a whole head (an authenticated POST when `token` is given, a body of
    10,000 bytes announced) and then one body byte per pause.
    """

    def __init__(self, host, port, count, kind=SLOW_HEADERS, token=None, pause=PAUSE_SECONDS):
        self.address = (host, port)
        self.count = count
        self.kind = kind
        self.token = token
        self.pause = pause
        self.sockets = []
        self.closed_by_server = 0
        self._stop = threading.Event()
        self._thread = None

    def _opening(self):
        if self.kind == SLOW_HEADERS:
            return b"GET /healthz HTTP/1.1\r\nHost: slow.example\r\n"
        auth = f"Authorization: Bearer {self.token}\r\n" if self.token else ""
        head = (
            f"POST /api/v1/courses HTTP/1.1\r\nHost: slow.example\r\n{auth}Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n"
        )
        return head.encode() + b'{"title": "'

    def _next_piece(self, number):
        return b"X-Slow-%d: still here\r\n" % number if self.kind == SLOW_HEADERS else b"x"

    def __enter__(self):
        opening = self._opening()
        for _ in range(self.count):
            sock = socket.create_connection(self.address, timeout=10)
            sock.sendall(opening)
            sock.setblocking(False)
            self.sockets.append(sock)
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()
        return self

    def _trickle(self):
        number = 0
        while not self._stop.wait(self.pause):
            number += 1
            piece = self._next_piece(number)
            for sock in list(self.sockets):
                try:
                    if sock.recv(65536) == b"":
                        raise ConnectionResetError  # the server closed it (an answer, if any, was read)
                except BlockingIOError:
                    pass  # nothing from the server: still waiting for the rest, as it should
                except OSError:
                    self._closed(sock)
                    continue
                try:
                    sock.send(piece)
                except OSError:
                    self._closed(sock)

    def _closed(self, sock):
        self.sockets.remove(sock)
        self.closed_by_server += 1
        sock.close()

    @property
    def still_open(self):
        return len(self.sockets)

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        for sock in self.sockets:
            sock.close()


@dataclass
class Timings:
    """What one probe saw: the latency of each answer, and the requests that got none or an unexpected status."""

    name: str
    latencies_ms: list
    failures: list

    def percentile(self, fraction):
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def worst_ms(self):
        return max(self.latencies_ms, default=float("nan"))

    def line(self):
        return (
            f"{self.name:28} {len(self.latencies_ms):6} answered {len(self.failures):4} failed   "
            f"p50 {self.percentile(0.50):7.1f} ms   p99 {self.percentile(0.99):7.1f} ms   max {self.worst_ms:7.1f} ms"
        )


class Probe:
    """A client that sends `GET path` on a fresh connection every `interval` s while it runs,
    and times each answer (a failure: no answer within `timeout`, or a status other than 200)."""

    def __init__(self, host, port, path, headers=None, interval=0.05, timeout=5.0, name=None):
        self.host, self.port, self.path = host, port, path
        self.headers = headers or {}
        self.interval = interval
        self.timeout = timeout
        self.timings = Timings(name or f"GET {path}", [], [])
        self._stop = threading.Event()
        self._thread = None

    def once(self):
        """(status, milliseconds) of one request; status None when it got no answer."""
        started = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request("GET", self.path, headers={"Connection": "close", **self.headers})
            response = conn.getresponse()
            response.read()
            status = response.status
        except OSError:
            status = None
        finally:
            conn.close()
        return status, (time.perf_counter() - started) * 1000

    def _run(self):
        while not self._stop.is_set():
            status, elapsed = self.once()
            if status == 200:
                self.timings.latencies_ms.append(elapsed)
            else:
                self.timings.failures.append((status, elapsed))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def under_attack(attackers, probes, seconds):
    """Run the probes for `seconds` while every SlowClients of `attackers` holds its connections."""
    opened = []
    try:
        for attack in attackers:
            opened.append(attack.__enter__())
        running = [probe.__enter__() for probe in probes]
        time.sleep(seconds)
        for probe in running:
            probe.__exit__(None, None, None)
    finally:
        for attack in opened:
            attack.__exit__(None, None, None)
    return [probe.timings for probe in probes]


def _report(title, attackers, timings):
    held = ", ".join(f"{a.count} slow {a.kind} ({a.still_open} still open at the end)" for a in attackers)
    print(f"\n{title}: {held}")
    for timing in timings:
        print("  " + timing.line())
        for status, elapsed in timing.failures[:5]:
            print(f"    failed: status {status} after {elapsed:.0f} ms")


def _measure(title, host, port, attackers, token, seconds):
    probes = [
        Probe(host, port, "/healthz"),
        Probe(host, port, "/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}),
    ]
    timings = under_attack(attackers, probes, seconds)
    _report(title, attackers, timings)
    return timings


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.slow_clients", description=__doc__)
    parser.add_argument("--direct", type=int, default=50, help="slow connections of each kind straight to gunicorn (default 50)")
    parser.add_argument("--proxied", type=int, default=500, help="slow connections through nginx (default 500: 250 of each kind)")
    parser.add_argument("--seconds", type=int, default=20, help="seconds of probing per setup (default 20)")
    parser.add_argument("--no-nginx", action="store_true", help="measure gunicorn alone")
    return parser.parse_args(argv)


def main(argv=None):
    from . import seed
    from .nginx import Nginx
    from .run import RESULTS_DIR, bench_database, gunicorn, server_dsn

    args = parse_args(argv)
    RESULTS_DIR.mkdir(exist_ok=True)
    with bench_database(server_dsn()) as dsn, tempfile.TemporaryDirectory(prefix="bench-nginx-") as scratch:
        admin, _, _ = seed.create_users(dsn, 0)
        token = admin["token"]["value"]
        with gunicorn("app:app", "/readyz", "gunicorn-slow", env={"DATABASE_URL": dsn, "BEHIND_PROXY": "true"}) as server:
            print(f"bench: gunicorn {server.settings()}", flush=True)
            host, port = "127.0.0.1", server.port
            direct = [SlowClients(host, port, args.direct, SLOW_HEADERS), SlowClients(host, port, args.direct, SLOW_BODY, token)]
            _measure("gunicorn alone", host, port, direct, token, args.seconds)
            if not args.no_nginx:
                with Nginx([server.port], scratch) as proxy:
                    half = args.proxied // 2
                    proxied = [
                        SlowClients(host, proxy.port, half, SLOW_HEADERS),
                        SlowClients(host, proxy.port, args.proxied - half, SLOW_BODY, token),
                    ]
                    _measure("nginx in front", host, proxy.port, proxied, token, args.seconds)


if __name__ == "__main__":
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("ACCESS_LOG", "false")
    main()
