"""Server-side prepared statements for the hot statements (DB_PREPARED_STATEMENTS).

psycopg2 sends every statement as text, and PostgreSQL parses and plans each one anew:
for the short indexed statements of this service that is most of the server's CPU per
statement (bench/README.md). A `Statement` is declared once, beside its SQL in a room's
sql module; platform.sql runs it with `PREPARE` the first time a pooled connection
needs it and `EXECUTE` from then on, with its parameters still bound by psycopg2 (on the
client, as for every statement: psycopg2 has no protocol-level parameters).

What is prepared is remembered per connection object (PreparingConnection.prepared), so
a new connection (a reconnect, a restarted server) starts with nothing prepared. The
server's side can still lose them under a connection that stays open, or make them stale:

- `DISCARD ALL` or `DEALLOCATE ALL` (a pooler's reset, an operator): the next EXECUTE
  says "prepared statement ... does not exist". Everything this connection thought it had
  is forgotten, and the statement is prepared again and run again when that is safe.
- A schema change under a running service (a column type changed, a column added to a
  table a `select *` reads): "cached plan must not change result type". That statement
  is prepared again under a new name, and run again when that is safe.

Safe means nothing has been done yet in the transaction the error aborted: the
connection is in autocommit (each statement is a transaction of its own), or the
statement was the transaction's first. Otherwise the transaction's earlier work is lost
with it: StatementInvalidated (a DatabaseUnavailable) is raised, the request is answered
503 with Retry-After, and the retry finds the statement prepared afresh.

Off (DB_PREPARED_STATEMENTS=false: a transaction-mode pooler such as PgBouncer < 1.21 in
front, where session state does not follow the client), the connections are plain ones
and the same call runs the statement's text.
"""

import re

import psycopg2.extensions

from .db import DatabaseUnavailable

_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|%%")
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,49}")  # room for the _n suffix in 63

# SQLSTATEs: 26000 invalid_sql_statement_name ("prepared statement ... does not exist");
# 0A000 feature_not_supported, which "cached plan must not change result type" is.
_MISSING = "26000"
_FEATURE_NOT_SUPPORTED = "0A000"
_STALE_PLAN_MESSAGE = "cached plan must not change result type"


class StatementInvalidated(DatabaseUnavailable):
    """A prepared statement was lost or made stale in a transaction that had already done
    work: the transaction is aborted, and the request is answered 503 (retry later)."""


class Statement:
    """One SQL statement with psycopg2 placeholders (%(name)s or %s, not both), known by a
    name that is unique in the service. Run through platform.sql's fetch_* and execute."""

    __slots__ = ("name", "text", "prepare_body", "arguments")
    registry = {}

    def __init__(self, name, text):
        if not _NAME.fullmatch(name):
            raise ValueError(f"statement name {name!r}: lower-case letters, digits and _ only")
        if name in Statement.registry:
            raise ValueError(f"statement name {name!r} is declared twice")
        self.name = name
        self.text = text
        self.prepare_body, self.arguments = _numbered(text)
        Statement.registry[name] = self

    def __repr__(self):
        return f"Statement({self.name!r})"


def _numbered(text):
    """(the text with $1..$n for its placeholders, the n psycopg2 placeholders in order):
    a named parameter used several times is one $n."""
    order = {}
    positional = []

    def replace(match):
        whole, name = match.group(0), match.group(1)
        if whole == "%%":
            return "%"
        if name is None:
            positional.append("%s")
            return f"${len(positional)}"
        number = order.setdefault(name, len(order) + 1)
        return f"${number}"

    body = _PLACEHOLDER.sub(replace, text)
    if order and positional:
        raise ValueError("a statement uses %(name)s or %s placeholders, not both")
    arguments = positional or [f"%({name})s" for name in order]
    return body, tuple(arguments)


class PreparingConnection(psycopg2.extensions.connection):
    """A connection that prepares Statements: `prepared` maps each Statement prepared on
    this server session to the EXECUTE text that runs it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prepared = {}
        self.preparations = 0


def connection_factory(enabled):
    """The psycopg2 connection class for DB_PREPARED_STATEMENTS=`enabled`."""
    return PreparingConnection if enabled else psycopg2.extensions.connection


def run(cur, statement, params):
    """cur.execute() of `statement`: prepared on the cursor's connection when it prepares
    (PreparingConnection), else as text."""
    conn = cur.connection
    prepared = getattr(conn, "prepared", None)
    if prepared is None:
        cur.execute(statement.text, params)
        return
    # Nothing done yet in the transaction an error would abort: running again is safe.
    safe = conn.autocommit or conn.status == psycopg2.extensions.STATUS_READY
    try:
        cur.execute(prepared.get(statement) or _prepare(cur, statement), params)
    except psycopg2.Error as error:
        if not _forget(conn, statement, error):
            raise
        if not safe:
            raise StatementInvalidated(f"prepared statement {statement.name}: {error.pgerror}") from error
        if not conn.autocommit:
            conn.rollback()
        cur.execute(_prepare(cur, statement), params)


def _forget(conn, statement, error):
    """Forget what `error` says the server no longer has; False when it says nothing of it."""
    if error.pgcode == _MISSING:
        # DISCARD ALL / DEALLOCATE ALL: nothing prepared is left on this session.
        conn.prepared.clear()
        return True
    if error.pgcode == _FEATURE_NOT_SUPPORTED and _STALE_PLAN_MESSAGE in (error.pgerror or ""):
        # The old one stays on the server (it cannot be deallocated in an aborted
        # transaction) until the connection closes; the statement is prepared anew.
        conn.prepared.pop(statement, None)
        return True
    return False


def _prepare(cur, statement):
    """PREPARE `statement` on the cursor's connection; the EXECUTE text that runs it.

    The same round trip reads the session's prepared statements: the parameter types the
    server inferred (each argument is cast to its own, as the text's literal would have
    been), and whether statements this connection believes prepared are gone (a DISCARD
    ALL that this is the first statement after), so that they are prepared again before
    their EXECUTE can fail in the middle of a transaction.
    """
    conn = cur.connection
    conn.preparations += 1
    server_name = f"{statement.name}_{conn.preparations}"
    cur.execute(f"prepare {server_name} as {statement.prepare_body};\nselect name, parameter_types::text[] from pg_prepared_statements")
    on_server = dict(cur.fetchall())
    for known, text in list(conn.prepared.items()):
        if _server_name(text) not in on_server:
            del conn.prepared[known]
    types = on_server[server_name]
    arguments = ", ".join(f"{argument}::{type_name}" for argument, type_name in zip(statement.arguments, types))
    text = f"execute {server_name} ({arguments})" if arguments else f"execute {server_name}"
    conn.prepared[statement] = text
    return text


def _server_name(execute_text):
    return execute_text.split(" ", 2)[1]
