"""SQL of the CSV exports (contract section 17): every matching row, from a server-side
cursor, each cell already text where PostgreSQL formats it faster than Python would.
Read-only: these run on the replica when DATABASE_READ_URL is set."""

from ..platform.sql import stream_rows
from .grades_sql import GRADE_ROWS

_TIMESTAMP = """to_char({} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


def submission_rows(conn, *, assessment_id, learner_id, visible_to):
    """(submission_id, learner_id, attempt_number, submitted_at, finalized_by, late, score,
    passed, points_earned, points_possible, result question ids, result points) of an
    assessment's submissions, in list order (one learner's when learner_id is given; only
    visible_to's own when that is set). The last two are the text of the arrays schema.sql's
    trigger keeps beside the results: their question ids and points earned in cents, in the
    results' order ('{qst_a,qst_b}', '{100,50}'): reading them costs a quarter of what
    taking the results' jsonb apart does.

    Served by submissions_assessment_submitted_idx (submissions_number_key for one learner).
    """
    return stream_rows(
        conn,
        f"""
        select s.id, s.learner_id, s.attempt_number, {_TIMESTAMP.format("s.submitted_at")}, s.finalized_by,
               case when s.late then 'true' else 'false' end,
               s.score::text,
               case when s.passed then 'true' else 'false' end,
               s.points_earned::text, s.points_possible::text,
               s.result_question_ids::text,
               s.result_points::text
        from submissions s
        where s.assessment_id = %(assessment_id)s
          and (%(learner_id)s::text is null or s.learner_id = %(learner_id)s)
          and (%(visible_to)s::text is null or s.learner_id = %(visible_to)s)
        order by s.submitted_at, s.id
        """,
        {"assessment_id": assessment_id, "learner_id": learner_id, "visible_to": visible_to},
    )


def grade_rows(conn, *, course_id, assessment_id, learner_id):
    """Every grade row of grades_sql.grade_page (as dicts), not paged: the course's learners
    times its assessments (or the one given), in the gradebook's order (served by
    enrollments_course_user_key and assessments_course_created_idx, as a page is)."""
    return stream_rows(
        conn,
        f"""
        with pairs as (
            select e.user_id as learner_id, a.id as assessment_id, a.created_at
            from enrollments e
            join assessments a on a.course_id = e.course_id
            where e.course_id = %(course_id)s
              and e.role = 'learner'
              and (%(learner_id)s::text is null or e.user_id = %(learner_id)s)
              and (%(assessment_id)s::text is null or a.id = %(assessment_id)s)
        )
        {GRADE_ROWS.format(more="")}
        """,
        {"course_id": course_id, "assessment_id": assessment_id, "learner_id": learner_id},
        as_dicts=True,
    )
