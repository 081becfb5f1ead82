"""Hand-written SQL, one module per resource. Every function takes the connection
explicitly and binds its parameters; none of them commits (the request does)."""

import psycopg2.extras


def fetch_one(conn, query, params=None):
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(query, params)
        return cur.fetchone()


def fetch_all(conn, query, params=None):
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(query, params)
        return cur.fetchall()


def fetch_value(conn, query, params=None):
    with conn.cursor() as cur:
        cur.execute(query, params)
        row = cur.fetchone()
        return row[0] if row else None


def execute(conn, query, params=None):
    with conn.cursor() as cur:
        cur.execute(query, params)
        return cur.rowcount


def page_and_total(rows):
    """Split rows that carry `count(*) over () as total_count` into (rows, total)."""
    total = rows[0].pop("total_count") if rows else None
    for row in rows[1:]:
        row.pop("total_count")
    return rows, total
