"""The database: a per-process psycopg2 pool and one transaction per request.

A request checks a connection out the first time it needs one; after the view has
answered, the transaction commits when the response is a success and rolls back
otherwise, and the connection goes back to the pool clean. Views and domain code
never commit: the request is the transaction. (GET requests only read, and run in
autocommit: see READ_ONLY_METHODS.)
"""

import contextlib
import logging
import os
import threading

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import psycopg2.extras
import psycopg2.pool
from flask import current_app, g, request

from ..core import jsonio

log = logging.getLogger(__name__)

# Errors that mean "the server or the link to it is gone", as opposed to a bad query.
CONNECTION_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the request is answered 503."""


class Database:
    """Owns the connection pool of this process; created by the app factory, connects lazily."""

    def __init__(self, dsn, *, pool_min=0, pool_max=4, connect_timeout=5, connection_factory=None, read_only=False):
        self.dsn = dsn
        # platform.statements.connection_factory: whether pooled connections prepare Statements.
        self.connection_factory = connection_factory
        # A read pool's connections are read-only sessions (the replica refuses writes anyway).
        self.read_only = read_only
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
                        **({"connection_factory": self.connection_factory} if self.connection_factory else {}),
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
        if self.read_only and not conn.readonly:
            conn.readonly = True
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


def init_app(app, database, *, unavailable_response, read_database=None):
    """Run each request in one transaction on `database`; a commit that cannot be confirmed
    answers `unavailable_response()` instead of the view's success. `read_database` (a
    pool on DATABASE_READ_URL, or None) serves reading() only."""
    app.extensions["db"] = database
    app.extensions["db_read"] = read_database
    app.extensions["db_unavailable_response"] = unavailable_response
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


@contextlib.contextmanager
def atomic(conn):
    """Several statements as one transaction on `conn`: inside the request's transaction
    when one is open, else (a GET runs in autocommit) one of their own, committed at the end."""
    if not conn.autocommit:
        yield conn
        return
    conn.autocommit = False
    try:
        with _committed(conn):
            yield conn
    finally:
        conn.autocommit = True


@contextlib.contextmanager
def separate_transaction(lock_timeout="5s"):
    """A transaction of its own on another pooled connection, committed at the end: for
    work that must stay whatever the request answers. Its lock waits are bounded, since
    the request that waits for it may hold what it waits for."""
    database = current_app.extensions["db"]
    conn = database.connect()
    try:
        with _committed(conn):
            with conn.cursor() as cur:
                cur.execute("select set_config('lock_timeout', %s, true)", (lock_timeout,))
            yield conn
    finally:
        database.release(conn)


@contextlib.contextmanager
def _committed(conn):
    """The transaction open on `conn` committed at the end, rolled back on any error."""
    try:
        yield
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def read_database():
    """The Database that statistics and exports read from: the read replica's pool when
    DATABASE_READ_URL is set, else the primary's. Nothing else uses the read pool."""
    return current_app.extensions.get("db_read") or current_app.extensions["db"]


@contextlib.contextmanager
def reading():
    """A connection to read from in one transaction of its own: the read pool's (returned at
    the end), else the request's (GET runs in autocommit: atomic() makes it one)."""
    database = current_app.extensions.get("db_read")
    if database is None:
        with atomic(connection()) as conn:
            yield conn
        return
    conn = database.connect()
    try:
        conn.autocommit = False
        yield conn
    finally:
        database.release(conn)


class StreamedRead:
    """An iterable response body produced from a read_database() connection: `produce(conn)`
    yields the chunks. The connection is checked out when the body is made (a database
    that cannot be reached answers 503 before the first byte) and returned, rolled back,
    when the body ends or the server closes it (a client gone mid-stream included: the
    WSGI server calls close()), never later and never twice."""

    def __init__(self, produce):
        # The body outlives the request's teardown: the request's own connection (a GET's,
        # in autocommit, nothing to commit) goes back now, so one request holds one connection.
        _return_connection(None)
        self._database = read_database()
        self._conn = self._database.connect()
        self._conn.autocommit = False
        self._chunks = produce(self._conn)

    def __iter__(self):
        try:
            yield from self._chunks
        finally:
            self.close()

    def close(self):
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            self._chunks.close()  # the generator closes its named cursor
        except psycopg2.Error:
            log.warning("closing a streamed read failed; its connection is rolled back", exc_info=True)
        finally:
            self._database.release(conn)


def commit_now():
    """Commit the request's transaction so far (what follows runs in a new one)."""
    conn = g.get("db_conn")
    if conn is not None and not conn.autocommit:
        conn.commit()


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
        return current_app.extensions["db_unavailable_response"]()
    return response


def _return_connection(exc):
    conn = g.pop("db_conn", None)
    if conn is not None:
        current_app.extensions["db"].release(conn)
