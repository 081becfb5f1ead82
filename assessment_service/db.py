"""The database: a per-process psycopg2 pool and one transaction per request.

A request checks a connection out the first time it needs one; after the view has
answered, the transaction commits when the response is a success and rolls back
otherwise, and the connection goes back to the pool clean. Views and domain code
never commit: the request is the transaction. (GET requests only read, and run in
autocommit: see READ_ONLY_METHODS.)

apply_schema brings a database up to schema.sql, safely while requests run.
"""

import hashlib
import logging
import os
import random
import threading
import time
from pathlib import Path

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import psycopg2.extras
import psycopg2.pool
import sqlparse
from flask import current_app, g, request

from . import jsonio
from .errors import CONNECTION_ERRORS, DatabaseUnavailable, service_unavailable_response

log = logging.getLogger(__name__)


class Database:
    """Owns the connection pool of this process; created by the app factory, connects lazily."""

    def __init__(self, dsn, *, pool_min=0, pool_max=4, connect_timeout=5):
        self.dsn = dsn
        self.pool_min = pool_min
        self.pool_max = pool_max
        self.connect_timeout = connect_timeout
        self._pool = None
        self._pool_pid = None
        self._lock = threading.Lock()

    def _get_pool(self):
        # A pool must not cross fork(): gunicorn's master builds the app, workers use it.
        if self._pool is None or self._pool_pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pool_pid != os.getpid():
                    self._pool = psycopg2.pool.ThreadedConnectionPool(
                        self.pool_min,
                        self.pool_max,
                        self.dsn,
                        connect_timeout=self.connect_timeout,
                    )
                    # psycopg2 closes a returned connection once `minconn` are idle, so with
                    # pool_min=0 every request would open a new one. Keep up to pool_max idle
                    # (minconn only counts at construction, which opened pool_min eagerly).
                    self._pool.minconn = self.pool_max
                    self._pool_pid = os.getpid()
        return self._pool

    def connect(self):
        """Check a connection out of the pool (DatabaseUnavailable when none can be had)."""
        try:
            conn = self._get_pool().getconn()
        except psycopg2.pool.PoolError as exc:
            raise DatabaseUnavailable("connection pool exhausted") from exc
        except CONNECTION_ERRORS as exc:
            raise DatabaseUnavailable(str(exc)) from exc
        if conn.closed:
            self.release(conn)
            return self.connect()
        # jsonb numbers come back as Decimal so that answer keys stay exact.
        psycopg2.extras.register_default_jsonb(conn, loads=jsonio.loads)
        return conn

    def release(self, conn):
        """Return a connection, rolled back; a broken one is closed along with every idle one.

        Broken means the link is gone (psycopg2 marks the connection closed): a deadlock or
        a statement timeout only aborts the transaction, and the connection stays pooled.
        """
        pool = self._get_pool()
        broken = bool(conn.closed)
        if not broken and conn.status != psycopg2.extensions.STATUS_READY:
            try:
                conn.rollback()
            except CONNECTION_ERRORS:
                broken = True
        pool.putconn(conn, close=broken)
        if broken:
            self._discard_idle(pool)

    @staticmethod
    def _discard_idle(pool):
        # After a server restart every idle connection is dead too; drop them so the
        # next requests open fresh ones instead of each failing once.
        with pool._lock:
            idle, pool._pool = pool._pool, []
        for conn in idle:
            try:
                conn.close()
            finally:
                pool._used.pop(id(conn), None)

    def close(self):
        if self._pool is not None and self._pool_pid == os.getpid():
            self._pool.closeall()
        self._pool = None

    def pool_stats(self):
        """(in use, idle) connections of this process's pool, for metrics."""
        pool = self._pool
        if pool is None or self._pool_pid != os.getpid():
            return 0, 0
        return len(pool._used), len(pool._pool)


def init_app(app, database):
    app.extensions["db"] = database
    app.after_request(_finish_transaction)
    app.teardown_request(_return_connection)


# Requests that only read run statement by statement (autocommit): no BEGIN and COMMIT
# round trips. Every read view answers from statements that are each consistent on their
# own (question totals come from the questions shown; a list's total may count a row
# committed between its page and its count, as any paginated read may).
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def connection():
    """The current request's connection, in its transaction (checked out on first use)."""
    if "db_conn" not in g:
        conn = current_app.extensions["db"].connect()
        conn.autocommit = request.method in READ_ONLY_METHODS
        g.db_conn = conn
    return g.db_conn


def first_statement(run):
    """run(connection()) for the request's first statement.

    A pooled connection whose server went away while it sat idle (a restart) fails on
    first use; nothing has been done on it yet, so it is replaced (with every idle one)
    and the statement runs once more, instead of answering 503 to a request that could
    have been served.
    """
    try:
        return run(connection())
    except CONNECTION_ERRORS:
        conn = g.pop("db_conn", None)
        if conn is None:
            raise
        current_app.extensions["db"].release(conn)
        return run(connection())


def _finish_transaction(response):
    conn = g.get("db_conn")
    if conn is None:
        return response
    try:
        if response.status_code < 400:
            conn.commit()
        else:
            conn.rollback()
    except CONNECTION_ERRORS:
        # The work may not be stored: never answer success for it.
        return service_unavailable_response()
    return response


def _return_connection(exc):
    conn = g.pop("db_conn", None)
    if conn is not None:
        current_app.extensions["db"].release(conn)


# ---------------------------------------------------------------- applying schema.sql

# One server-wide advisory lock: one process applies the schema at a time.
SCHEMA_LOCK_KEY = 715517
# The longest one DDL statement waits for its table's lock. Requests that arrive meanwhile
# queue behind it, so it gives its place up soon and tries again after a pause.
SCHEMA_LOCK_TIMEOUT = "2s"
# How long `apply_schema` keeps retrying a statement before it gives up.
SCHEMA_RETRY_SECONDS = 120
_LOCK_WAIT_ERRORS = (psycopg2.errors.LockNotAvailable, psycopg2.errors.DeadlockDetected)


def apply_schema(conn, path, *, force=False, retry_seconds=SCHEMA_RETRY_SECONDS):
    """Bring the database up to the schema file at `path`; False when it already was (nothing ran).

    The file's sha256 is recorded in schema_state after its last statement has run; while it
    matches, nothing else is done and no table is locked (`force` applies it all the same).
    Otherwise the statements run one by one outside a transaction, so that each holds its
    table's lock only while it runs: a single transaction would hold one table while waiting
    for the next, which is how it deadlocked against requests. A statement that waits longer
    than SCHEMA_LOCK_TIMEOUT is retried alone, with backoff, for up to `retry_seconds`.
    """
    raw = Path(path).read_bytes()
    checksum = hashlib.sha256(raw).hexdigest()
    text = raw.decode("utf-8")
    deadline = time.monotonic() + retry_seconds
    was_autocommit = conn.autocommit
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            # Held by the session, as the statements commit one by one (so this needs a session
            # of its own: PostgreSQL itself, not PgBouncer's transaction pooling). Another
            # applier waits here, holding nothing a request needs, and then finds the work done.
            cur.execute("select pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
            try:
                if not force and _applied_checksum(cur) == checksum:
                    return False
                cur.execute("select set_config('lock_timeout', %s, false)", (SCHEMA_LOCK_TIMEOUT,))
                for statement in schema_statements(text):
                    _execute_retrying(cur, statement, deadline)
                _refuse_invalid_indexes(cur)
                cur.execute(
                    """
                    insert into schema_state (singleton, checksum, applied_at)
                    values (true, %(checksum)s, clock_timestamp())
                    on conflict (singleton) do update
                    set checksum = excluded.checksum,
                        applied_at = excluded.applied_at
                    """,
                    {"checksum": checksum},
                )
            finally:
                if not conn.closed:
                    cur.execute("reset lock_timeout")
                    cur.execute("select pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))
    finally:
        if not conn.closed:
            conn.autocommit = was_autocommit
    return True


def schema_statements(text):
    """The statements of a schema file, one by one, comments kept (comment-only parts dropped)."""
    return [
        statement
        for statement in sqlparse.split(text)
        if sqlparse.format(statement, strip_comments=True).strip()
    ]


def _applied_checksum(cur):
    # schema_state is part of schema.sql: before its first run there is nothing to compare.
    cur.execute("select to_regclass('schema_state') is not null")
    if not cur.fetchone()[0]:
        return None
    cur.execute("select checksum from schema_state")
    row = cur.fetchone()
    return row[0] if row else None


def _execute_retrying(cur, statement, deadline):
    pause = 0.1
    while True:
        try:
            cur.execute(statement)
            return
        except _LOCK_WAIT_ERRORS as error:
            if time.monotonic() + pause > deadline:
                raise
            log.warning(
                "schema statement gave way to traffic; retrying",
                extra={"fields": {"error": error.pgcode, "retry_in_s": round(pause, 2), "statement": statement[-200:]}},
            )
            # Jittered, so that it does not fall in step with whatever holds the lock.
            time.sleep(pause * random.uniform(0.5, 1.5))
            pause = min(pause * 2, 5.0)


def _refuse_invalid_indexes(cur):
    # A `create index concurrently` that failed (a lock timeout, a duplicate) leaves an invalid
    # index behind, which `if not exists` would then keep forever: say so instead of recording.
    cur.execute(
        """
        select indexrelid::regclass::text
        from pg_index
        join pg_class on pg_class.oid = pg_index.indexrelid
        where not pg_index.indisvalid
          and pg_class.relnamespace = current_schema()::regnamespace
        order by 1
        """
    )
    invalid = [row[0] for row in cur.fetchall()]
    if invalid:
        raise SchemaError(f"invalid indexes (a concurrent build failed): {', '.join(invalid)}; drop them and apply again")


class SchemaError(Exception):
    """The schema could not be brought up to date."""
