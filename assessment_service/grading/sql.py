"""SQL for submissions: storing one (with the attempt it closes or opens), reading them.

Timestamps are clock_timestamp(), taken after the enrollment lock, so that time order and
attempt-number order agree (now() is the transaction's start, before the lock).
"""

from ..core.jsonio import dumps
from ..platform.sql import fetch_all, fetch_iter, fetch_one, fetch_value
from ..platform.statements import Statement

SUBMISSION_COLUMNS = """s.id, s.assessment_id, s.learner_id, s.attempt_id, s.attempt_number, s.score, s.passed,
               s.points_earned, s.points_possible, s.results, s.submitted_at, s.finalized_by, s.late, s.regraded"""


def _submission_params(submission_id, assessment_id, learner_id, scored, due_at):
    # The answers are kept once, in the results (each result holds its answer).
    results = dumps(scored["results"])
    return {
        "submission_id": submission_id,
        "assessment_id": assessment_id,
        "learner_id": learner_id,
        "score": scored["score"],
        "passed": scored["passed"],
        "points_earned": scored["points_earned"],
        "points_possible": scored["points_possible"],
        "results": results,
        "result_bytes": len(results.encode("utf-8")),
        "due_at": due_at,
    }


def _insert_submission(finalized_by):
    """The insert of a submission for the `attempt` the statement's CTE wrote; late when
    stored after the learner's due date."""
    return f"""
        insert into submissions as s (
            id, assessment_id, learner_id, attempt_id, attempt_number,
            score, passed, points_earned, points_possible, results, result_bytes, submitted_at,
            finalized_by, late
        )
        select %(submission_id)s, %(assessment_id)s, %(learner_id)s, attempt.id, attempt.attempt_number,
               %(score)s, %(passed)s, %(points_earned)s, %(points_possible)s, %(results)s::jsonb, %(result_bytes)s,
               attempt.submitted_at, '{finalized_by}',
               coalesce(attempt.submitted_at > %(due_at)s::timestamptz, false)
        from attempt
        returning {SUBMISSION_COLUMNS}"""


INSERT_SUBMISSION_WITH_NEW_ATTEMPT = Statement(
    "insert_submission_with_new_attempt",
    """
    with attempt as (
        insert into attempts (id, assessment_id, learner_id, attempt_number, status, started_at, submitted_at, ended_at)
        select %(attempt_id)s, %(assessment_id)s, %(learner_id)s, %(attempt_number)s, 'submitted',
               clock.now, clock.now, clock.now
        from (select clock_timestamp() as now) as clock
        returning id, attempt_number, submitted_at
    )"""
    + _insert_submission("learner"),
)


def insert_submission_with_new_attempt(conn, *, attempt_id, attempt_number, submission_id, assessment_id, learner_id, scored, due_at):
    """One statement: a new attempt, submitted at once, and its submission."""
    params = _submission_params(submission_id, assessment_id, learner_id, scored, due_at)
    params.update({"attempt_id": attempt_id, "attempt_number": attempt_number})
    return fetch_one(conn, INSERT_SUBMISSION_WITH_NEW_ATTEMPT, params)


def _closing_attempt(by_deadline):
    ended_at = "expires_at" if by_deadline else "clock_timestamp()"
    return Statement(
        "insert_submission_closing_attempt" + ("_by_deadline" if by_deadline else ""),
        f"""
        with attempt as (
            update attempts
            set status = 'submitted',
                submitted_at = clock_timestamp(),
                ended_at = {ended_at}
            where id = %(attempt_id)s
              and status = 'in_progress'
            returning id, attempt_number, submitted_at
        )"""
        + _insert_submission("deadline" if by_deadline else "learner"),
    )


INSERT_SUBMISSION_CLOSING_ATTEMPT = {by_deadline: _closing_attempt(by_deadline) for by_deadline in (False, True)}


def insert_submission_closing_attempt(conn, *, attempt_id, submission_id, assessment_id, learner_id, scored, due_at, by_deadline=False):
    """One statement: close the attempt in progress and store its submission (the learner's,
    or the deadline's from the saved answers: the attempt then ended when its time did)."""
    params = _submission_params(submission_id, assessment_id, learner_id, scored, due_at)
    params["attempt_id"] = attempt_id
    return fetch_one(conn, INSERT_SUBMISSION_CLOSING_ATTEMPT[by_deadline], params)


def submission_of_attempt(conn, attempt_id):
    """(id, finalized_by) of the submission that closed an attempt, or None."""
    return fetch_one(conn, "select id, finalized_by from submissions where attempt_id = %(id)s", {"id": attempt_id})


def submissions_by_id(conn, submission_ids):
    """The stored submissions of these ids."""
    return fetch_all(
        conn,
        f"select {SUBMISSION_COLUMNS} from submissions s where s.id = any(%(ids)s::text[]) order by s.id",
        {"ids": list(submission_ids)},
    )


GET_SUBMISSION = Statement(
    "get_submission",
    f"""
    select {SUBMISSION_COLUMNS}
    from submissions s
    where s.id = %(id)s
      and s.assessment_id = %(assessment_id)s
    """,
)


def get_submission(conn, *, assessment_id, submission_id):
    return fetch_one(conn, GET_SUBMISSION, {"id": submission_id, "assessment_id": assessment_id})


def list_submissions(conn, *, assessment_id, learner_id, visible_to, limit, offset, byte_budget):
    """(rows, total): a page of an assessment's submissions, one learner's when learner_id is
    given, and only visible_to's own when that is set (None: everyone's).

    The rows come as an iterator, read from the cursor a few at a time so that they are
    never all in memory as Python objects. Each carries `fits`: whether the page up to it
    stays within byte_budget, counted in result_bytes (the bulk of a submission); a row
    that does not fit comes without its results, which are then never read. The total is
    carried as in platform.sql.fetch_page.

    Served by submissions_assessment_submitted_idx, or submissions_number_key for one learner.
    """
    params = {
        "assessment_id": assessment_id,
        "learner_id": learner_id,
        "visible_to": visible_to,
        "limit": limit,
        "offset": offset,
        "budget": byte_budget,
    }
    where = """
        where s.assessment_id = %(assessment_id)s
          and (%(learner_id)s::text is null or s.learner_id = %(learner_id)s)
          and (%(visible_to)s::text is null or s.learner_id = %(visible_to)s)
    """
    count = f"select count(*) from submissions s {where}"
    rows = fetch_iter(
        conn,
        f"""
        select s.id, s.assessment_id, s.learner_id, s.attempt_id, s.attempt_number, s.score, s.passed,
               s.points_earned, s.points_possible, s.submitted_at, s.finalized_by, s.late, s.regraded,
               case when s.page_bytes <= %(budget)s then s.results end as results,
               s.page_bytes <= %(budget)s as fits,
               ({count}) as page_total
        from (
            select page.*,
                   sum(coalesce(page.result_bytes, octet_length(page.results::text)) + 1024)
                       over (order by page.submitted_at, page.id) as page_bytes
            from (
                select *
                from submissions s
                {where}
                order by s.submitted_at, s.id
                limit %(limit)s offset %(offset)s
            ) as page
        ) as s
        order by s.submitted_at, s.id
        """,
        params,
    )
    first = next(rows, None)
    if first is None:
        return iter(()), fetch_value(conn, count, params)
    total = first.pop("page_total")
    return _without_total(first, rows), total


def _without_total(first, rows):
    yield first
    for row in rows:
        del row["page_total"]
        yield row
