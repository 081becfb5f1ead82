"""SQL for grades (contract section 15): the stored figures of each learner's grade, and
reading them with what a grade object and its review need.

A grade row is written only after it is locked (lock_grades), and its submissions are read
after that, in a statement of their own: under READ COMMITTED that statement sees every
change committed by whoever held the lock before, so concurrent writers (submissions,
the deadline, regrades, a change of grading method) never leave a grade computed from
submissions one of them did not see.
"""

from ..platform.sql import execute, fetch_all, fetch_page
from ..platform.statements import Statement

_GRADE_FIGURES = ("score", "passed", "submission_id", "submissions_counted", "first_passed_at")


LOCK_GRADES = Statement(
    "lock_grades",
    """
    insert into grades as g (assessment_id, learner_id)
    select %(assessment_id)s, learner_id
    from unnest(%(learner_ids)s::text[]) as learner_id
    order by learner_id
    on conflict (assessment_id, learner_id) do update set updated_at = g.updated_at
    """,
)


def lock_grades(conn, *, assessment_id, learner_ids):
    """Lock the grade rows of these learners (made empty where missing), in learner order so
    that two writers of several grades cannot deadlock."""
    execute(conn, LOCK_GRADES, {"assessment_id": assessment_id, "learner_ids": list(learner_ids)})


def lock_all_grades(conn, *, assessment_id):
    """Lock every grade row of the assessment; the learners who have submissions."""
    execute(
        conn,
        "select 1 from grades where assessment_id = %(assessment_id)s order by learner_id for update",
        {"assessment_id": assessment_id},
    )
    return [
        row["learner_id"]
        for row in fetch_all(
            conn,
            "select distinct learner_id from submissions where assessment_id = %(assessment_id)s",
            {"assessment_id": assessment_id},
        )
    ]


SUBMISSIONS_TO_GRADE = Statement(
    "submissions_to_grade",
    """
    select s.*
    from unnest(%(learner_ids)s::text[]) as l (learner_id)
    cross join lateral (
        select id, learner_id, attempt_number, submitted_at, score, passed, points_earned, points_possible
        from submissions
        where assessment_id = %(assessment_id)s
          and learner_id = l.learner_id
        order by attempt_number
        offset 0
    ) as s
    """,
)


def submissions_to_grade(conn, *, assessment_id, learner_ids):
    """The figures grading methods read of these learners' submissions, one learner at a
    time, in attempt order. (Written as a join, or with `learner_id = any(...)`, statistics
    taken while the table was small (a new database's first minute) made PostgreSQL 15 read
    every submission of the assessment and filter them: 0.7 ms and growing on each
    submission, against 0.03 ms. Fenced by `offset 0`, the subquery has both key columns as
    its conditions, and its order is one only submissions_number_key gives without a sort.)"""
    return fetch_all(conn, SUBMISSIONS_TO_GRADE, {"assessment_id": assessment_id, "learner_ids": list(learner_ids)})


# An upsert over rows lock_grades made sure exist: ON CONFLICT finds each through the
# primary key whatever the planner's statistics say (an UPDATE ... FROM unnest, planned
# with statistics of a table still small, read every grade of the assessment instead).
STORE_GRADES = Statement(
    "store_grades",
    """
    insert into grades as g (assessment_id, learner_id, score, passed, submission_id, submissions_counted, first_passed_at)
    select %(assessment_id)s, new.*
    from unnest(%(learner_ids)s::text[], %(score)s::numeric[], %(passed)s::boolean[], %(submission_id)s::text[],
                %(submissions_counted)s::integer[], %(first_passed_at)s::timestamptz[])
         as new (learner_id, score, passed, submission_id, submissions_counted, first_passed_at)
    on conflict (assessment_id, learner_id) do update
    set score = excluded.score,
        passed = excluded.passed,
        submission_id = excluded.submission_id,
        submissions_counted = excluded.submissions_counted,
        first_passed_at = excluded.first_passed_at,
        updated_at = clock_timestamp()
    where (g.score, g.passed, g.submission_id, g.submissions_counted, g.first_passed_at)
          is distinct from (excluded.score, excluded.passed, excluded.submission_id, excluded.submissions_counted, excluded.first_passed_at)
    returning g.learner_id
    """,
)


def store_grades(conn, *, assessment_id, grades):
    """Write {learner_id: figures} over the locked rows; the learner ids whose grade changed
    (updated_at moves only for those)."""
    learners = sorted(grades)
    params = {"assessment_id": assessment_id, "learner_ids": learners}
    for name in _GRADE_FIGURES:
        params[name] = [grades[learner][name] for learner in learners]
    rows = fetch_all(conn, STORE_GRADES, params)
    return [row["learner_id"] for row in rows]


def missing_grades(conn):
    """(assessment_id, learner_id) pairs with submissions and no grade row: what databases
    of earlier versions hold."""
    return fetch_all(
        conn,
        """
        select distinct s.assessment_id, s.learner_id
        from submissions s
        where not exists (select 1 from grades g where g.assessment_id = s.assessment_id and g.learner_id = s.learner_id)
        order by s.assessment_id, s.learner_id
        """,
    )


# What a grade object and its review need, for each (learner_id, assessment_id, created_at)
# of a CTE named `pairs`: the grade, the assessment's settings, the learner's override and
# their latest attempt.
GRADE_ROWS = """
        select a.id as assessment_id, pairs.learner_id,
               a.grading_method, a.review, a.max_attempts, a.due_at, a.available_until,
               a.time_limit_minutes, a.available_from, a.cooldown_minutes,
               g.score, g.passed, g.submission_id, coalesce(g.submissions_counted, 0) as submissions_counted,
               g.first_passed_at, g.updated_at,
               o.extra_attempts as override_extra_attempts, o.due_at as override_due_at,
               o.available_until as override_available_until, o.available_from as override_available_from,
               coalesce(latest.attempt_number, 0) as attempts_used,
               coalesce(latest.status = 'in_progress', false) as attempt_in_progress,
               now() as db_now
               {more}
        from pairs
        join assessments a on a.id = pairs.assessment_id
        left join grades g on g.assessment_id = pairs.assessment_id and g.learner_id = pairs.learner_id
        left join overrides o on o.assessment_id = pairs.assessment_id and o.learner_id = pairs.learner_id
        -- Attempt numbers run 1..n without gaps: the latest is the count (taking.sql.attempt_ledger).
        left join lateral (
            select t.attempt_number, t.status
            from attempts t
            where t.assessment_id = pairs.assessment_id and t.learner_id = pairs.learner_id
            order by t.attempt_number desc
            limit 1
        ) as latest on true
        order by pairs.learner_id, pairs.created_at, pairs.assessment_id
"""


def grade_page(conn, *, course_id, assessment_id, learner_id, limit, offset):
    """(rows, total): grades of the course's learners (every learner enrollment, whatever
    its status), on one assessment or all of them, of one learner when learner_id is given;
    by learner, then by assessment in creation order.

    The page's (learner, assessment) pairs are chosen first, from the two indexes alone
    (enrollments_course_user_key, assessments_course_created_idx); only its rows are then
    joined to the rest (GRADE_ROWS).
    """
    params = {"course_id": course_id, "assessment_id": assessment_id, "learner_id": learner_id, "limit": limit, "offset": offset}
    learners = """
        from enrollments e
        where e.course_id = %(course_id)s
          and e.role = 'learner'
          and (%(learner_id)s::text is null or e.user_id = %(learner_id)s)
    """
    assessments = """
        from assessments a
        where a.course_id = %(course_id)s
          and (%(assessment_id)s::text is null or a.id = %(assessment_id)s)
    """
    # Learners times assessments, counted apart (the product is never built to be counted).
    count = f"select (select count(*) {learners}) * (select count(*) {assessments})"
    return fetch_page(
        conn,
        f"""
        with pairs as (
            select e.user_id as learner_id, a.id as assessment_id, a.created_at
            from (select e.user_id {learners}) as e
            cross join (select a.id, a.created_at {assessments}) as a
            order by e.user_id, a.created_at, a.id
            limit %(limit)s offset %(offset)s
        )
        {GRADE_ROWS.format(more=f", ({count}) as page_total")}
        """,
        count,
        params,
    )


GRADES_OF = Statement(
    "grades_of",
    f"""
    with pairs as (
        select learner_id, a.id as assessment_id, a.created_at
        from unnest(%(learner_ids)s::text[]) as learner_id
        cross join assessments a
        where a.id = %(assessment_id)s
    )
    {GRADE_ROWS.format(more="")}
    """,
)


# One learner's (what a submission refreshes): prepared, PostgreSQL plans GRADES_OF anew on
# every run, since its generic plan counts 10 rows out of unnest() where a custom plan sees
# the one; with a single learner the generic plan is the custom one, and is kept.
GRADE_OF = Statement(
    "grade_of",
    f"""
    with pairs as (
        select %(learner_id)s::text as learner_id, a.id as assessment_id, a.created_at
        from assessments a
        where a.id = %(assessment_id)s
    )
    {GRADE_ROWS.format(more="")}
    """,
)


def grades_of(conn, *, assessment_id, learner_ids):
    """The grade rows (as grade_page's) of these learners on one assessment."""
    learner_ids = list(learner_ids)
    if len(learner_ids) == 1:
        return fetch_all(conn, GRADE_OF, {"assessment_id": assessment_id, "learner_id": learner_ids[0]})
    return fetch_all(conn, GRADES_OF, {"assessment_id": assessment_id, "learner_ids": learner_ids})
