"""Hand-written SQL, one module per resource. Every function takes the connection
explicitly and binds its parameters; none of them commits (the request does)."""


# Rows come back as plain dicts built by dict(zip(...)) in C: psycopg2's RealDictCursor
# builds each row key by key in Python, which the profile of a 10-question GET showed as
# a tenth of the request's CPU.
def _column_names(cur):
    return [column.name for column in cur.description]


def fetch_one(conn, query, params=None):
    with conn.cursor() as cur:
        cur.execute(query, params)
        row = cur.fetchone()
        return None if row is None else dict(zip(_column_names(cur), row))


def fetch_all(conn, query, params=None):
    with conn.cursor() as cur:
        cur.execute(query, params)
        names = _column_names(cur)
        return [dict(zip(names, row)) for row in cur.fetchall()]


def fetch_iter(conn, query, params=None, batch=10):
    """The rows as dicts, converted from the cursor `batch` at a time (for big rows)."""
    cur = conn.cursor()
    try:
        cur.execute(query, params)
        names = _column_names(cur)
        while rows := cur.fetchmany(batch):
            for row in rows:
                yield dict(zip(names, row))
    finally:
        cur.close()


def fetch_rows(conn, query, params=None):
    """(column names, rows as tuples): for a caller that splits each row itself."""
    with conn.cursor() as cur:
        cur.execute(query, params)
        return _column_names(cur), cur.fetchall()


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
