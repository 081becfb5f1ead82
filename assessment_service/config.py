"""Configuration, read from the environment once, in one place."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _float(name, default):
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def _bool(name, default):
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


class Config:
    """Settings with their defaults; every value can be overridden by an environment variable."""

    def __init__(self, **overrides):
        # Absent DATABASE_URL means: start (or reuse) the embedded PostgreSQL in EMBEDDED_PGDATA.
        self.DATABASE_URL = os.environ.get("DATABASE_URL") or None
        self.EMBEDDED_PGDATA = os.environ.get("EMBEDDED_PGDATA") or str(PROJECT_ROOT / ".pgdata")
        # A streaming replica that statistics and exports read from (and nothing else); unset: the primary.
        self.DATABASE_READ_URL = os.environ.get("DATABASE_READ_URL") or None
        self.DB_POOL_MIN = _int("DB_POOL_MIN", 0)
        self.DB_POOL_MAX = _int("DB_POOL_MAX", 4)
        # Server-side prepared statements for the hot statements (platform.statements); off
        # behind a pooler that does not keep session state (PgBouncer in transaction mode).
        self.DB_PREPARED_STATEMENTS = _bool("DB_PREPARED_STATEMENTS", True)
        # Seconds a request waits for a connection before answering 503.
        self.DB_CONNECT_TIMEOUT = _int("DB_CONNECT_TIMEOUT", 5)
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
        self.MAX_CONTENT_LENGTH = _int("MAX_BODY_BYTES", 1024 * 1024)
        # The question import's own body limit (a content package is larger than any JSON body).
        self.MAX_IMPORT_BYTES = _int("MAX_IMPORT_BYTES", 10 * 1024 * 1024)
        # Seconds a client has to send one whole request (head and body) to gunicorn: 408 after.
        self.REQUEST_READ_TIMEOUT = _int("REQUEST_READ_TIMEOUT", 15)
        # Late submissions are accepted up to this many seconds after an attempt's expires_at.
        self.ATTEMPT_GRACE_SECONDS = _int("ATTEMPT_GRACE_SECONDS", 30)
        self.IDEMPOTENCY_TTL_HOURS = _int("IDEMPOTENCY_TTL_HOURS", 24)
        # How long the worker waits when it found nothing to do: a deadline is finalized
        # within this (plus a round's work) of passing, however quiet the service.
        self.WORKER_IDLE_SECONDS = _float("WORKER_IDLE_SECONDS", 5.0)
        # Submissions a regrade changes per transaction: a new submission waits for at most one batch.
        self.REGRADE_BATCH_SIZE = _int("REGRADE_BATCH_SIZE", 500)
        # Webhooks (contract section 18). Loopback URLs are for tests and local receivers only.
        self.WEBHOOK_ALLOW_LOOPBACK = _bool("WEBHOOK_ALLOW_LOOPBACK", False)
        # A delivery is a success when a 2xx answer has arrived within this many seconds.
        self.WEBHOOK_TIMEOUT_SECONDS = _float("WEBHOOK_TIMEOUT_SECONDS", 10.0)
        # How many deliveries one worker has in flight at once.
        self.WEBHOOK_CONCURRENCY = _int("WEBHOOK_CONCURRENCY", 8)
        # The key (or comma-separated keys, the first one sealing) that webhook secrets are
        # sealed with in the database: Fernet keys. Unset: a development key, with a warning.
        self.WEBHOOK_SECRETS_KEY = os.environ.get("WEBHOOK_SECRETS_KEY") or None
        # Trust X-Forwarded-* only when a proxy (nginx) really sits in front.
        self.BEHIND_PROXY = _bool("BEHIND_PROXY", False)
        self.ACCESS_LOG = _bool("ACCESS_LOG", True)
        self.DEBUG = _bool("FLASK_DEBUG", False)
        self.TESTING = False
        for key, value in overrides.items():
            setattr(self, key, value)

    def as_dict(self):
        return {key: value for key, value in vars(self).items() if key.isupper()}
