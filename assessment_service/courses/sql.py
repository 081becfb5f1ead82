"""SQL for courses and enrollments."""

from ..platform.sql import fetch_one, fetch_page
from ..platform.statements import Statement

ENROLLMENT_COLUMNS = "id, course_id, user_id, role, status, time_multiplier, created_at, updated_at"


def insert_course(conn, *, course_id, title):
    return fetch_one(
        conn,
        """
        insert into courses (id, title)
        values (%(id)s, %(title)s)
        returning id, title, created_at
        """,
        {"id": course_id, "title": title},
    )


def course_with_enrollment(conn, *, course_id, user_id):
    """The course and the caller's enrollment in it (enrollment_* null when none)."""
    return fetch_one(
        conn,
        """
        select c.id, c.title, c.created_at,
               e.role as enrollment_role,
               e.status as enrollment_status
        from courses c
        left join enrollments e on e.course_id = c.id and e.user_id = %(user_id)s
        where c.id = %(course_id)s
        """,
        {"course_id": course_id, "user_id": user_id},
    )


def list_courses(conn, *, visible_to, limit, offset):
    """A page of courses; visible_to=None lists all (admins), else the user's readable ones."""
    params = {"user_id": visible_to, "limit": limit, "offset": offset}
    if visible_to is None:
        count = "select count(*) from courses"
        return fetch_page(
            conn,
            f"""
            select id, title, created_at,
                   ({count}) as page_total
            from courses
            order by created_at, id
            limit %(limit)s offset %(offset)s
            """,
            count,
            params,
        )
    # Instructors read a course through an active instructor enrollment, learners through any
    # learner enrollment (the rule of courses.permissions.may_read_course).
    count = """
        select count(*)
        from enrollments e
        where e.user_id = %(user_id)s
          and (e.role = 'learner' or e.status = 'active')
    """
    return fetch_page(
        conn,
        f"""
        select c.id, c.title, c.created_at,
               ({count}) as page_total
        from enrollments e
        join courses c on c.id = e.course_id
        where e.user_id = %(user_id)s
          and (e.role = 'learner' or e.status = 'active')
        order by c.created_at, c.id
        limit %(limit)s offset %(offset)s
        """,
        count,
        params,
    )


def insert_enrollment(conn, *, enrollment_id, course_id, user_id, role, status):
    """The new enrollment, or None when the user is already enrolled in the course."""
    return fetch_one(
        conn,
        f"""
        insert into enrollments (id, course_id, user_id, role, status, completed_at)
        values (%(id)s, %(course_id)s, %(user_id)s, %(role)s, %(status)s,
                case when %(status)s = 'completed' then clock_timestamp() end)
        on conflict (course_id, user_id) do nothing
        returning {ENROLLMENT_COLUMNS}
        """,
        {"id": enrollment_id, "course_id": course_id, "user_id": user_id, "role": role, "status": status},
    )


def get_enrollment_for_update(conn, *, course_id, enrollment_id):
    return fetch_one(
        conn,
        f"""
        select {ENROLLMENT_COLUMNS},
               completed_at is not null as ever_completed
        from enrollments
        where id = %(id)s
          and course_id = %(course_id)s
        for update
        """,
        {"id": enrollment_id, "course_id": course_id},
    )


def update_enrollment(conn, *, enrollment_id, changes):
    """Apply the given subset of (status, time_multiplier)."""
    return fetch_one(
        conn,
        f"""
        update enrollments
        set status = coalesce(%(status)s, status),
            time_multiplier = case when %(keep_multiplier)s then time_multiplier else %(time_multiplier)s end,
            completed_at = case when %(status)s = 'completed' then coalesce(completed_at, clock_timestamp()) else completed_at end,
            updated_at = clock_timestamp()
        where id = %(id)s
        returning {ENROLLMENT_COLUMNS}
        """,
        {
            "id": enrollment_id,
            "status": changes.get("status"),
            "keep_multiplier": "time_multiplier" not in changes,
            "time_multiplier": changes.get("time_multiplier"),
        },
    )


def list_enrollments(conn, *, course_id, limit, offset):
    count = "select count(*) from enrollments where course_id = %(course_id)s"
    return fetch_page(
        conn,
        f"""
        select {ENROLLMENT_COLUMNS},
               ({count}) as page_total
        from enrollments
        where course_id = %(course_id)s
        order by created_at, id
        limit %(limit)s offset %(offset)s
        """,
        count,
        {"course_id": course_id, "limit": limit, "offset": offset},
    )


LOCK_ENROLLMENT = Statement(
    "lock_enrollment",
    """
    select id, role, status, time_multiplier, now() as db_now
    from enrollments
    where course_id = %(course_id)s
      and user_id = %(user_id)s
    for no key update
    """,
)


def lock_enrollment(conn, *, course_id, user_id):
    """Lock the user's enrollment row for the rest of the transaction and return it, with
    the database's clock (the transaction's start).

    Every write that uses up an attempt takes this lock first, so one learner's attempts
    on a course are numbered one at a time, on any number of workers and hosts; a change
    to the learner's override takes it too, so that starts wait for it or it for them.
    """
    return fetch_one(conn, LOCK_ENROLLMENT, {"course_id": course_id, "user_id": user_id})


def enrollment_in(conn, *, course_id, user_id):
    """The user's enrollment in the course (None when not enrolled), with the database's clock."""
    return fetch_one(
        conn,
        f"""
        select {ENROLLMENT_COLUMNS}, now() as db_now
        from enrollments
        where course_id = %(course_id)s
          and user_id = %(user_id)s
        """,
        {"course_id": course_id, "user_id": user_id},
    )
