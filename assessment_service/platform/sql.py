"""Running hand-written SQL: the connection passed in, parameters always bound, rows as
plain dicts. Every room's SQL module builds on these; none of them commits (the request does).

`query` is SQL text, or a Statement (platform.statements) for a hot statement: declared
once beside its SQL, and prepared on the server once per pooled connection.
"""

import itertools

from .statements import Statement, run


def _execute(cur, query, params):
    if type(query) is Statement:
        run(cur, query, params)
    else:
        cur.execute(query, params)


# Rows come back as plain dicts built by dict(zip(...)) in C: psycopg2's RealDictCursor
# builds each row key by key in Python (bench/README.md, "What was cut").
def _column_names(cur):
    return [column.name for column in cur.description]


def fetch_one(conn, query, params=None):
    with conn.cursor() as cur:
        _execute(cur, query, params)
        row = cur.fetchone()
        return None if row is None else dict(zip(_column_names(cur), row))


def fetch_all(conn, query, params=None):
    with conn.cursor() as cur:
        _execute(cur, query, params)
        names = _column_names(cur)
        return [dict(zip(names, row)) for row in cur.fetchall()]


def fetch_iter(conn, query, params=None, batch=10):
    """The rows as dicts, converted from the cursor `batch` at a time (for big rows)."""
    cur = conn.cursor()
    try:
        _execute(cur, query, params)
        names = _column_names(cur)
        while rows := cur.fetchmany(batch):
            for row in rows:
                yield dict(zip(names, row))
    finally:
        cur.close()


def fetch_rows(conn, query, params=None):
    """(column names, rows as tuples): for a caller that splits each row itself."""
    with conn.cursor() as cur:
        _execute(cur, query, params)
        return _column_names(cur), cur.fetchall()


def fetch_value(conn, query, params=None):
    with conn.cursor() as cur:
        _execute(cur, query, params)
        row = cur.fetchone()
        return row[0] if row else None


def execute(conn, query, params=None):
    with conn.cursor() as cur:
        _execute(cur, query, params)
        return cur.rowcount


def fetch_page(conn, query, count_query, params):
    """(rows, total) of one page of a list, in one round trip.

    The exact total is `count_query`, a count(*) of its own (an index-only scan where an
    index covers the filter; a count(*) over () would read every matching row in full).
    `query` carries it on each row as `(count_query) as page_total`, an uncorrelated
    subquery that runs once; an empty page has no row to carry it, so it is asked alone.
    """
    rows = fetch_all(conn, query, params)
    return rows, page_total(rows) if rows else fetch_value(conn, count_query, params)


def page_total(rows):
    """The page_total every row of a page carries, taken off the rows."""
    for row in rows:
        total = row.pop("page_total")
    return total


def stream_rows(conn, query, params=None, itersize=2000, as_dicts=False):
    """The rows (tuples, or dicts) from a server-side (named) cursor, `itersize` at a time:
    any number of rows in flat memory. `conn` must be in a transaction (not autocommit);
    the cursor closes when the rows end or the generator is closed."""
    cur = conn.cursor(name=f"stream_{id(conn):x}_{next(_cursor_numbers)}")
    cur.itersize = itersize
    try:
        cur.execute(query, params)
        if not as_dicts:
            yield from cur
            return
        names = None
        for row in cur:
            names = names or _column_names(cur)  # a named cursor describes its rows once it has fetched
            yield dict(zip(names, row))
    finally:
        if not conn.closed:
            cur.close()


_cursor_numbers = itertools.count(1)
