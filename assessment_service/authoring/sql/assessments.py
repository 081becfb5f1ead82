"""SQL for assessments (their questions' SQL is in questions.py)."""

from psycopg2.extras import Json

from ...core.jsonio import dumps
from ...platform.sql import execute, fetch_one, fetch_page, fetch_rows, fetch_value
from ...platform.statements import Statement
from .questions import PAPER_TOTALS, QUESTION_KEYS, paper_totals_of, question_columns

# What an instructor sets on an assessment (POST, PATCH); each is a column of its own.
SETTINGS = (
    "title",
    "passing_score",
    "time_limit_minutes",
    "max_attempts",
    "available_from",
    "available_until",
    "due_at",
    "cooldown_minutes",
    "on_expiry",
    "grading_method",
    "review",
    "shuffle_questions",
    "shuffle_choices",
)
# Settings stored as jsonb.
_JSON_SETTINGS = ("review",)
ASSESSMENT_COLUMNS = ", ".join(["a.id", "a.course_id", *(f"a.{name}" for name in SETTINGS), "a.created_at", "a.updated_at"])


def _stored(settings, names):
    """The parameters of the given settings, jsonb ones adapted."""
    return {name: Json(settings[name], dumps=dumps) if name in _JSON_SETTINGS else settings[name] for name in names}


def insert_assessment(conn, *, assessment_id, course_id, settings):
    """Store an assessment with `settings` (each missing one takes its column's default)."""
    given = [name for name in SETTINGS if name in settings]
    return fetch_one(
        conn,
        f"""
        insert into assessments as a (id, course_id, {", ".join(given)})
        values (%(id)s, %(course_id)s, {", ".join(f"%({name})s" for name in given)})
        returning {ASSESSMENT_COLUMNS}
        """,
        {"id": assessment_id, "course_id": course_id, **_stored(settings, given)},
    )


_ASSESSMENT_WITH_ENROLLMENT = f"""
    select {ASSESSMENT_COLUMNS},
           e.role as enrollment_role,
           e.status as enrollment_status,
           exists (select 1 from question_groups g where g.assessment_id = a.id) as has_groups
    from assessments a
    left join enrollments e on e.course_id = a.course_id and e.user_id = %(user_id)s
    where a.id = %(id)s
    """
ASSESSMENT_WITH_ENROLLMENT = {
    False: Statement("assessment_with_enrollment", _ASSESSMENT_WITH_ENROLLMENT),
    True: Statement("assessment_with_enrollment_for_share", _ASSESSMENT_WITH_ENROLLMENT + "for share of a"),
}


def assessment_with_enrollment(conn, *, assessment_id, user_id, for_share=False):
    """The assessment and the caller's enrollment in its course (enrollment_* null when none).

    `for_share` share-locks the assessment row to the end of the transaction (what taking
    an assessment needs: taking.retake_limit says why).
    """
    return fetch_one(conn, ASSESSMENT_WITH_ENROLLMENT[for_share], {"id": assessment_id, "user_id": user_id})


# The question columns as assessment_with_questions selects them, joined to the assessment.
_QUESTION_KEYS = QUESTION_KEYS
_JOINED_QUESTION_COLUMNS = question_columns("q")
ASSESSMENT_WITH_QUESTIONS = Statement(
    "assessment_with_questions",
    f"""
    select {ASSESSMENT_COLUMNS},
           e.role as enrollment_role,
           e.status as enrollment_status,
           totals.question_count as paper_question_count,
           totals.points_possible as paper_points_possible,
           {_JOINED_QUESTION_COLUMNS}
    from assessments a
    cross join lateral ({paper_totals_of("%(id)s")}) as totals
    left join enrollments e on e.course_id = a.course_id and e.user_id = %(user_id)s
    left join questions q on q.assessment_id = a.id
    where a.id = %(id)s
    order by q.position
    """,
)


def assessment_with_questions(conn, *, assessment_id, user_id):
    """assessment_with_enrollment plus `questions`, the questions_of the assessment, and
    paper_question_count and paper_points_possible (questions_sql.paper_totals).

    One statement instead of two (a GET and a submission both need all of it): one row per
    question with the assessment's columns repeated, or one row with null question columns
    when it has none.
    """
    names, rows = fetch_rows(conn, ASSESSMENT_WITH_QUESTIONS, {"id": assessment_id, "user_id": user_id})
    if not rows:
        return None
    split = len(names) - len(_QUESTION_KEYS)
    assessment = dict(zip(names[:split], rows[0][:split]))
    assessment["questions"] = [dict(zip(_QUESTION_KEYS, row[split:])) for row in rows if row[split] is not None]
    return assessment


def list_assessments(conn, *, visible_to, course_id, limit, offset):
    """A page of assessments with their question totals; visible_to=None for admins."""
    params = {"user_id": visible_to, "course_id": course_id, "limit": limit, "offset": offset}
    # Readable courses: the rule of courses.permissions.may_read_course, as SQL.
    visibility = (
        "true"
        if visible_to is None
        else """exists (
                select 1 from enrollments e
                where e.course_id = a.course_id
                  and e.user_id = %(user_id)s
                  and (e.role = 'learner' or e.status = 'active'))"""
    )
    where = f"""
        where (%(course_id)s::text is null or a.course_id = %(course_id)s)
          and {visibility}
    """
    count = f"select count(*) from assessments a {where}"
    return fetch_page(
        conn,
        f"""
        select {ASSESSMENT_COLUMNS},
               totals.question_count,
               totals.points_possible,
               ({count}) as page_total
        from assessments a
        cross join lateral ({PAPER_TOTALS}        ) as totals
        {where}
        order by a.created_at, a.id
        limit %(limit)s offset %(offset)s
        """,
        count,
        params,
    )


def update_assessment(conn, *, assessment_id, changes):
    """Apply the given subset of SETTINGS."""
    given = [name for name in SETTINGS if name in changes]
    assignments = "".join(f"{name} = %({name})s, " for name in given)
    return fetch_one(
        conn,
        f"""
        update assessments as a
        set {assignments}updated_at = clock_timestamp()
        where id = %(id)s
        returning {ASSESSMENT_COLUMNS}
        """,
        {"id": assessment_id, **_stored(changes, given)},
    )


def lock_assessment(conn, assessment_id):
    """Hold the assessment row against every writer that share-locks it (a submission, a
    start) until the end of the transaction, waiting for those in flight; the row."""
    return fetch_one(conn, f"select {ASSESSMENT_COLUMNS} from assessments a where a.id = %(id)s for no key update", {"id": assessment_id})


def touch_assessment(conn, assessment_id):
    """Bump updated_at, holding the row lock to the end of the transaction.

    Question writes call this first: they serialise on the assessment row (positions stay
    consistent), while submissions, which only reference the row, are not blocked.
    """
    execute(conn, "update assessments set updated_at = clock_timestamp() where id = %(id)s", {"id": assessment_id})


def delete_assessment_unless_submitted(conn, assessment_id):
    """Delete the assessment with its questions and unsubmitted attempts; False when it has submissions."""
    # The row lock makes the check and the delete one step against concurrent submissions,
    # whose insert must key-share-lock this row.
    fetch_value(conn, "select id from assessments where id = %(id)s for update", {"id": assessment_id})
    if fetch_value(conn, "select exists (select 1 from submissions where assessment_id = %(id)s)", {"id": assessment_id}):
        return False
    execute(conn, "delete from attempts where assessment_id = %(id)s", {"id": assessment_id})
    execute(conn, "delete from assessments where id = %(id)s", {"id": assessment_id})
    return True
