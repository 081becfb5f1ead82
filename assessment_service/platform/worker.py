"""The worker loop (`flask --app app worker`): what happens without a request.

Each job is a function of a connection that does a bounded piece of work and says how much
it did; the loop runs every job, again at once while any had work, else after
`idle_seconds`. The jobs coordinate through row locks (`for update skip locked`), so any
number of workers, on any hosts, do each piece once. A database that goes away is waited
for, with backoff, never a crash; SIGTERM or SIGINT stops the loop after the piece in hand.
"""

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .db import CONNECTION_ERRORS, DatabaseUnavailable

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30


@dataclass(frozen=True)
class Job:
    """A named piece of background work: run(conn) -> how many things it did (0: none left)."""

    name: str
    run: Callable


class Worker:
    def __init__(self, database, jobs, *, idle_seconds=5.0, metrics=None):
        self.database = database
        self.jobs = jobs
        self.idle_seconds = idle_seconds
        self.metrics = metrics
        self.stopping = threading.Event()

    def stop(self, *_signal):
        self.stopping.set()

    def run(self):
        """Run until stopped (SIGTERM, SIGINT or stop())."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        log.info("worker started", extra={"fields": {"jobs": [job.name for job in self.jobs]}})
        backoff = 1
        while not self.stopping.is_set():
            try:
                busy = self.run_once()
                backoff = 1
            except (DatabaseUnavailable, *CONNECTION_ERRORS) as error:
                log.warning("worker: database unavailable, retrying in %s s: %s", backoff, error)
                self._count_error("database")
                self.stopping.wait(backoff)
                backoff = min(2 * backoff, MAX_BACKOFF_SECONDS)
                continue
            except Exception:
                # A bug in one round must not become a crash loop: log it, pause, go on.
                log.exception("worker: a round failed")
                self._count_error("unexpected")
                busy = False
            if not busy:
                self.stopping.wait(self.idle_seconds)
        log.info("worker stopped")

    def run_once(self):
        """One round of every job; whether any of them did something."""
        conn = self.database.connect()
        try:
            busy = False
            for job in self.jobs:
                if self.stopping.is_set():
                    break
                done = job.run(conn)
                conn.commit()
                if done:
                    busy = True
                    if self.metrics is not None:
                        self.metrics.work.labels(job.name).inc(done)
            if self.metrics is not None:
                self.metrics.rounds.inc()
            return busy
        finally:
            self.database.release(conn)

    def _count_error(self, kind):
        if self.metrics is not None:
            self.metrics.errors.labels(kind).inc()
