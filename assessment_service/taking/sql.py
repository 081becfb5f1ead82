"""SQL for attempts and the locks of the retake ledger (taking.retake_limit).

An attempt row is the unit that counts toward max_attempts; a submission closes one (its
SQL is grading.sql's). Their timestamps are clock_timestamp(), taken after the enrollment
lock, so that time order and attempt-number order agree (now() is the transaction's
start, before the lock). Callers hold the learner's enrollment row lock
(lock_learner_enrollment) before counting or numbering attempts, which is what keeps
numbers unique and gap-free.
"""

from ..platform.sql import execute, fetch_one, fetch_page

# Status as a reader sees it: an attempt past its deadline (plus grace) is expired even
# before anything has written that down.
ATTEMPT_COLUMNS = """id, assessment_id, learner_id, attempt_number, started_at, expires_at, submitted_at,
               case when status = 'in_progress'
                         and expires_at is not null
                         and now() > expires_at + make_interval(secs => %(grace)s)
                    then 'expired' else status end as status"""


def lock_learner_enrollment(conn, *, course_id, user_id):
    """Lock the learner's enrollment row for the rest of the transaction and return it.

    Every write that uses up an attempt takes this lock first, so one learner's attempts
    on a course are numbered one at a time, on any number of workers and hosts.
    """
    return fetch_one(
        conn,
        """
        select id, role, status
        from enrollments
        where course_id = %(course_id)s
          and user_id = %(user_id)s
        for no key update
        """,
        {"course_id": course_id, "user_id": user_id},
    )


def attempt_ledger(conn, *, assessment_id, learner_id, grace):
    """(attempts_used, the open attempt or None) of a learner on an assessment.

    Both come from the learner's latest attempt, one row read backwards on
    attempts_number_key: attempt numbers run 1..n without gaps (they are given under the
    enrollment lock), so the latest number is the count; and a new attempt is only ever
    made when none is in progress, so an attempt in progress is always the latest. (One
    row read beats a count(*) joined with a lookup of the in-progress row: bench/README.md.)
    """
    latest = fetch_one(
        conn,
        f"""
        select {ATTEMPT_COLUMNS},
               status = 'in_progress' as open
        from attempts
        where assessment_id = %(assessment_id)s
          and learner_id = %(learner_id)s
        order by attempt_number desc
        limit 1
        """,
        {"assessment_id": assessment_id, "learner_id": learner_id, "grace": grace},
    )
    if latest is None:
        return 0, None
    # Open: stored as in progress; its status shows 'expired' once past its time and grace.
    open_attempt = latest if latest.pop("open") else None
    return latest["attempt_number"], open_attempt


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


def start_attempt(conn, *, attempt_id, assessment_id, learner_id, attempt_number, time_limit_minutes, grace):
    return fetch_one(
        conn,
        f"""
        insert into attempts (id, assessment_id, learner_id, attempt_number, status, started_at, expires_at)
        select %(id)s, %(assessment_id)s, %(learner_id)s, %(attempt_number)s, 'in_progress',
               clock.now,
               clock.now + make_interval(mins => %(time_limit_minutes)s)
        from (select clock_timestamp() as now) as clock
        returning {ATTEMPT_COLUMNS}
        """,
        {
            "id": attempt_id,
            "assessment_id": assessment_id,
            "learner_id": learner_id,
            "attempt_number": attempt_number,
            "time_limit_minutes": time_limit_minutes,
            "grace": grace,
        },
    )


def mark_expired(conn, attempt_id):
    execute(conn, "update attempts set status = 'expired' where id = %(id)s and status = 'in_progress'", {"id": attempt_id})


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
