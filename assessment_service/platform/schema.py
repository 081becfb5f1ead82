"""Applying schema.sql: safe on a live database, and a no-op on an up-to-date one."""

import hashlib
import logging
import random
import time
from pathlib import Path

import psycopg2
import psycopg2.errors
import sqlparse

log = logging.getLogger(__name__)


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
    return [statement for statement in sqlparse.split(text) if sqlparse.format(statement, strip_comments=True).strip()]


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
