"""The worker's webhook jobs: make the deliveries of the feed's new events (fan_out), and
POST each due delivery to its endpoint, signed, recording what came of it (contract
section 18).

Deliveries are made from the feed, in its order, for the endpoints that are enabled and
take the event's type, so that a change pays for its event row alone. A round takes a batch of due deliveries in one short transaction (for update skip locked,
so workers never take the same ones) and leases them: next_try_at moves past the time the
round can take, which keeps every other worker off them without holding a row lock. Then,
outside any transaction, it POSTs them, each endpoint's over kept-alive connections (up to
WEBHOOK_CONCURRENCY at once), and records every outcome in a second transaction, for the
deliveries still under its lease. A worker that dies in between leaves its deliveries to
be taken again once the lease runs out: delivery is at least once, and receivers dedupe
by webhook-id.

A 2xx answer within WEBHOOK_TIMEOUT_SECONDS delivers; anything else is retried after
BACKOFF_SECONDS, then the delivery is failed. A round stops starting deliveries once it has
run that long, and an endpoint that timed out gets no more in this round: a slow receiver
holds a round up for at most about twice the timeout, so the deadline job beside this one
still runs within its minute.
"""

import http.client
import itertools
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import signing, urls
from .outbox import event_document
from .sql import deliveries as sql

# About 5 s, 5 min, 30 min, 2 h, 5 h and 10 h after each failed try; then `failed`.
BACKOFF_SECONDS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600)
BATCH = 100
FAN_OUT_BATCH = 1000
# What is read of an answer at most (it is not used: only the status counts).
MAX_ANSWER_BYTES = 64 * 1024
USER_AGENT = "assessment-service-webhooks/1"


def fan_out(conn):
    """The fan-out job: deliveries for up to FAN_OUT_BATCH events of the feed; how many events."""
    return sql.fan_out(conn, batch=FAN_OUT_BATCH)


@dataclass(frozen=True)
class DeliverySettings:
    timeout: float
    allow_loopback: bool
    concurrency: int
    secrets_key: str | None
    batch: int = BATCH

    @classmethod
    def from_config(cls, config):
        return cls(
            timeout=config["WEBHOOK_TIMEOUT_SECONDS"],
            allow_loopback=config["WEBHOOK_ALLOW_LOOPBACK"],
            concurrency=config["WEBHOOK_CONCURRENCY"],
            secrets_key=config["WEBHOOK_SECRETS_KEY"],
        )

    @property
    def lease_seconds(self):
        """Longer than a round can last: its budget, a last try's timeout, and some slack."""
        return 2 * self.timeout + 30


@dataclass
class Lane:
    """Deliveries to one endpoint, made one after the other over one connection."""

    target: urls.Target
    address: str
    signing_keys: list
    deliveries: list


class WebhookDeliveries:
    """The job: run(conn) delivers one round and says how many deliveries it took."""

    def __init__(self, settings, *, resolver=urls.resolve):
        self.settings = settings
        self.resolver = resolver
        self.pool = ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="webhook")

    def __call__(self, conn):
        claimed = sql.claim_due(conn, batch=self.settings.batch, lease_seconds=self.settings.lease_seconds)
        conn.commit()  # the lease is taken; no lock is held while the POSTs run
        if not claimed:
            return 0
        sql.record_outcomes(conn, self.deliver(claimed), backoff_seconds=BACKOFF_SECONDS)
        conn.commit()
        return len(claimed)

    def deliver(self, claimed):
        """(delivery id, lease, outcome, HTTP status, error) of each claimed delivery."""
        started = time.monotonic()
        outcomes, lanes = [], []
        for _, group in itertools.groupby(claimed, key=lambda delivery: delivery["endpoint_id"]):
            group = list(group)
            try:
                target = urls.parse(group[0]["url"])
                address = urls.delivery_address(target, allow_loopback=self.settings.allow_loopback, resolver=self.resolver)
            except urls.TargetRefused as refusal:
                outcomes += [_outcome(delivery, "failed", error=str(refusal)) for delivery in group]
                continue
            keys = self._signing_keys(group[0])
            count = min(self.settings.concurrency, len(group))
            lanes += [Lane(target, address, keys, group[index::count]) for index in range(count)]
        for lane_outcomes in self.pool.map(lambda lane: self._run_lane(lane, started), lanes):
            outcomes += lane_outcomes
        return outcomes

    def _signing_keys(self, delivery):
        """The HMAC keys that sign for the endpoint now: its secret, and the one it replaced
        while that still signs."""
        sealed = [delivery["secret_sealed"], delivery["previous_secret_sealed"]]
        return [signing.signing_key(signing.unseal(self.settings.secrets_key, seal)) for seal in sealed if seal]

    def _run_lane(self, lane, started):
        outcomes = []
        connection = PinnedConnection(lane.target, lane.address)
        try:
            for index, delivery in enumerate(lane.deliveries):
                if time.monotonic() - started > self.settings.timeout:
                    # The round has run long enough: the rest are due again at once.
                    outcomes += [_outcome(rest, "released") for rest in lane.deliveries[index:]]
                    break
                outcome = self._post(connection, lane, delivery)
                outcomes.append(outcome)
                if outcome[4] == TIMED_OUT:
                    # A receiver this slow gets nothing more in this round.
                    outcomes += [_outcome(rest, "released") for rest in lane.deliveries[index + 1 :]]
                    break
        finally:
            connection.close()
        return outcomes

    def _post(self, connection, lane, delivery):
        body = event_document(
            event_id=delivery["event_id"], event_type=delivery["type"], created_at=delivery["created_at"], payload=delivery["payload"]
        ).encode("utf-8")
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": delivery["event_id"],
            "webhook-timestamp": timestamp,
            "webhook-signature": signing.signature_header(lane.signing_keys, delivery["event_id"], timestamp, body),
        }
        try:
            status = connection.post(headers, body, timeout=self.settings.timeout)
        except TimeoutError:
            connection.close()
            return _outcome(delivery, "failed", error=TIMED_OUT)
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            return _outcome(delivery, "failed", error=_describe(error))
        if 200 <= status < 300:
            return _outcome(delivery, "delivered", status=status)
        return _outcome(delivery, "failed", status=status, error=f"HTTP {status}")


TIMED_OUT = "No answer in time."


def _outcome(delivery, outcome, *, status=None, error=None):
    return (delivery["id"], delivery["lease"], outcome, status, error)


def _describe(error):
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused."
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error.reason or error}."
    if isinstance(error, http.client.HTTPException):
        return f"Not an HTTP answer ({type(error).__name__})."
    return f"{type(error).__name__}: {error}"[:300]


class PinnedConnection:
    """A kept-alive HTTP or HTTPS connection to one checked address, speaking to the URL's
    host (Host header, TLS server name and certificate): never to another address the
    name might resolve to meanwhile."""

    def __init__(self, target, address):
        self.target = target
        kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
        self.http = kind(target.host, target.port, address)

    def post(self, headers, body, *, timeout):
        """The answer's status; TimeoutError unless the whole answer came within `timeout` s."""
        deadline = time.monotonic() + timeout
        self.http.timeout = timeout
        self._wait_at_most(deadline)
        self.http.request("POST", self.target.path, body=body, headers=headers)
        self._wait_at_most(deadline)
        response = self.http.getresponse()
        self._wait_at_most(deadline)
        response.read(MAX_ANSWER_BYTES)
        if not response.isclosed():
            self.http.close()  # an answer longer than is read: this connection cannot be reused
        if time.monotonic() > deadline:
            raise TimeoutError
        return response.status

    def _wait_at_most(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        if self.http.sock is not None:
            self.http.sock.settimeout(remaining)

    def close(self):
        self.http.close()


def _connect(address, port, timeout):
    sock = socket.create_connection((address, port), timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address):
        super().__init__(host, port)
        self.address = address

    def connect(self):
        self.sock = _connect(self.address, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address):
        super().__init__(host, port, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        self.sock = self._context.wrap_socket(_connect(self.address, self.port, self.timeout), server_hostname=self.host)
