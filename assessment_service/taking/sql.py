"""SQL for attempts and the locks of the retake ledger (taking.retake_limit).

An attempt row is the unit that counts toward max_attempts; a submission closes one (its
SQL is grading.sql's). Their timestamps are clock_timestamp(), taken after the enrollment
lock, so that time order and attempt-number order agree (now() is the transaction's
start, before the lock). Callers hold the learner's enrollment row lock
(courses.sql.lock_enrollment) before counting or numbering attempts, which is what keeps
numbers unique and gap-free.
"""

from ..core.jsonio import dumps
from ..platform.sql import execute, fetch_all, fetch_one, fetch_page
from ..platform.statements import Statement

ATTEMPT_COLUMNS = """id, assessment_id, learner_id, attempt_number, started_at, expires_at, submitted_at, status,
               saved_answers, revision, saved_at, ended_at, paper, now() as db_now,
               status = 'in_progress'
                   and expires_at is not null
                   and now() > expires_at + make_interval(secs => %(grace)s) as due"""
"""An attempt's columns, with `due`: its time and grace are over and the deadline has
not finalized it yet (taking.deadline does, whenever it is touched, and the worker)."""


ATTEMPT_LEDGER = Statement(
    "attempt_ledger",
    f"""
    select {ATTEMPT_COLUMNS}
    from attempts
    where assessment_id = %(assessment_id)s
      and learner_id = %(learner_id)s
    order by attempt_number desc
    limit 1
    """,
)


def attempt_ledger(conn, *, assessment_id, learner_id, grace):
    """(attempts_used, the latest attempt or None) of a learner on an assessment.

    Both come from the learner's latest attempt, one row read backwards on
    attempts_number_key: attempt numbers run 1..n without gaps (they are given under the
    enrollment lock), so the latest number is the count; and a new attempt is only ever
    made when none is in progress, so an attempt in progress is always the latest. (One
    row read beats a count(*) joined with a lookup of the in-progress row: bench/README.md.)
    """
    latest = fetch_one(conn, ATTEMPT_LEDGER, {"assessment_id": assessment_id, "learner_id": learner_id, "grace": grace})
    return (0, None) if latest is None else (latest["attempt_number"], latest)


def get_attempt(conn, *, assessment_id, attempt_id, grace, for_update=False):
    query = f"""
        select {ATTEMPT_COLUMNS}
        from attempts
        where id = %(id)s
          and assessment_id = %(assessment_id)s
        """
    if for_update:
        query += " for update"
    return fetch_one(conn, query, {"id": attempt_id, "assessment_id": assessment_id, "grace": grace})


def start_attempt(conn, *, attempt_id, assessment_id, learner_id, attempt_number, time_limit_seconds, closes_at, paper, grace):
    """A new attempt in progress with its `paper` (taking.papers). It expires at the earlier
    of its time limit (whole seconds from now) and `closes_at` (the learner's window end);
    never, with neither."""
    return fetch_one(
        conn,
        f"""
        insert into attempts (id, assessment_id, learner_id, attempt_number, status, started_at, expires_at, paper)
        select %(id)s, %(assessment_id)s, %(learner_id)s, %(attempt_number)s, 'in_progress',
               clock.now,
               least(clock.now + make_interval(secs => %(time_limit_seconds)s), %(closes_at)s::timestamptz),
               %(paper)s::jsonb
        from (select clock_timestamp() as now) as clock
        returning {ATTEMPT_COLUMNS}
        """,
        {
            "id": attempt_id,
            "assessment_id": assessment_id,
            "learner_id": learner_id,
            "attempt_number": attempt_number,
            "time_limit_seconds": time_limit_seconds,
            "closes_at": closes_at,
            "paper": dumps(paper),
            "grace": grace,
        },
    )


def extend_attempt(conn, *, attempt_id, minutes, grace):
    """Move an attempt's expires_at `minutes` later; the attempt."""
    return fetch_one(
        conn,
        f"""
        update attempts
        set expires_at = expires_at + make_interval(mins => %(minutes)s)
        where id = %(id)s
        returning {ATTEMPT_COLUMNS}
        """,
        {"id": attempt_id, "minutes": minutes, "grace": grace},
    )


def save_answers(conn, *, attempt_id, saved_answers, grace):
    """Replace an attempt's saved answers, one revision later; the attempt."""
    return fetch_one(
        conn,
        f"""
        update attempts
        set saved_answers = %(saved_answers)s::jsonb,
            revision = revision + 1,
            saved_at = clock_timestamp()
        where id = %(id)s
        returning {ATTEMPT_COLUMNS}
        """,
        {"id": attempt_id, "saved_answers": dumps(saved_answers), "grace": grace},
    )


def expire_attempts(conn, attempt_ids):
    """End attempts in progress without a submission (their time ran out: on_expiry discard)."""
    execute(
        conn,
        """
        update attempts
        set status = 'expired',
            ended_at = expires_at
        where id = any(%(ids)s)
          and status = 'in_progress'
        """,
        {"ids": list(attempt_ids)},
    )


def due_attempts(conn, *, grace, limit):
    """(assessment_id, [attempt id]) of attempts whose time and grace are over, oldest first
    (served by attempts_deadline_idx). Not locked: the deadline locks them, skipping any
    that another process holds."""
    rows = fetch_all(
        conn,
        """
        select assessment_id, id
        from attempts
        where status = 'in_progress'
          and expires_at < now() - make_interval(secs => %(grace)s)
        order by expires_at
        limit %(limit)s
        """,
        {"grace": grace, "limit": limit},
    )
    by_assessment = {}
    for row in rows:
        by_assessment.setdefault(row["assessment_id"], []).append(row["id"])
    return list(by_assessment.items())


def lock_due_attempts(conn, *, attempt_ids, grace):
    """The attempts among `attempt_ids` still due, locked; those another process holds are skipped."""
    return fetch_all(
        conn,
        f"""
        select {ATTEMPT_COLUMNS}
        from attempts
        where id = any(%(ids)s)
          and status = 'in_progress'
          and expires_at < now() - make_interval(secs => %(grace)s)
        order by id
        for update skip locked
        """,
        {"ids": list(attempt_ids), "grace": grace},
    )


def list_attempts(conn, *, assessment_id, learner_id, visible_to, limit, offset, grace):
    """A page of an assessment's attempts, filtered as grading.sql.list_submissions. Served by attempts_number_key."""
    where = """
        where assessment_id = %(assessment_id)s
          and (%(learner_id)s::text is null or learner_id = %(learner_id)s)
          and (%(visible_to)s::text is null or learner_id = %(visible_to)s)
    """
    count = f"select count(*) from attempts {where}"
    return fetch_page(
        conn,
        f"""
        select {ATTEMPT_COLUMNS},
               ({count}) as page_total
        from attempts
        {where}
        order by started_at, id
        limit %(limit)s offset %(offset)s
        """,
        count,
        {
            "assessment_id": assessment_id,
            "learner_id": learner_id,
            "visible_to": visible_to,
            "limit": limit,
            "offset": offset,
            "grace": grace,
        },
    )
