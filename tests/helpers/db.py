"""Stored rows, read directly: what a test asserts about the database."""

import psycopg2

# Every table of the service's, parents before children (tests/platform/test_schema.py
# checks it names them all): what a test empties, fingerprints or saves and restores.
TABLES = (
    "users",
    "tokens",
    "courses",
    "enrollments",
    "assessments",
    "question_groups",
    "questions",
    "overrides",
    "attempts",
    "submissions",
    "grades",
    "regrades",
    "score_history",
    "idempotency_keys",
    "events",
    "event_feed",
    "event_feed_horizon",
    "webhook_endpoints",
    "webhook_fanout",
    "webhook_deliveries",
)


def rows(db_conn, query, params=None):
    with db_conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


def value(db_conn, query, params=None):
    (row,) = rows(db_conn, query, params)
    return row[0]


def query(uri, sql, params=None):
    """Rows of one statement on a fresh autocommit connection (None for a statement without rows)."""
    conn = psycopg2.connect(uri)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def stored_attempts(db_conn, assessment_id, learner_id=None):
    """(learner_id, attempt_number, status) of the stored attempts, in number order."""
    return rows(
        db_conn,
        """
        select learner_id, attempt_number, status
        from attempts
        where assessment_id = %s and (%s::text is null or learner_id = %s)
        order by learner_id, attempt_number
        """,
        (assessment_id, learner_id, learner_id),
    )


def stored_submissions(db_conn, assessment_id, learner_id=None):
    """(learner_id, attempt_number) of the stored submissions, in number order."""
    return rows(
        db_conn,
        """
        select learner_id, attempt_number
        from submissions
        where assessment_id = %s and (%s::text is null or learner_id = %s)
        order by learner_id, attempt_number
        """,
        (assessment_id, learner_id, learner_id),
    )
