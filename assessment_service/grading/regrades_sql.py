"""SQL for regrades and the score history (contract section 16)."""

import psycopg2.errors
from psycopg2.extras import Json

from ..core.jsonio import dumps
from ..platform.sql import execute, fetch_all, fetch_iter, fetch_one, fetch_value

REGRADE_COLUMNS = """id, assessment_id, status, policy, allow_decrease, question_ids, reason, created_by, questions,
                     total, processed, changed, cursor_submitted_at, cursor_id, error, created_at, started_at, finished_at"""

_SUBMISSION_FIGURES = "s.id, s.learner_id, s.score, s.passed, s.points_earned, s.points_possible, s.results, s.submitted_at"


class RegradeUnderWay(Exception):
    """The assessment already has a regrade queued or running."""


def insert_regrade(conn, *, regrade_id, assessment_id, policy, allow_decrease, question_ids, reason, created_by, questions):
    """Queue a regrade of the submissions stored so far (the caller holds the assessment's
    row lock, so none is in flight); the row. RegradeUnderWay when one is already active."""
    try:
        with conn.cursor() as cur:
            cur.execute("savepoint new_regrade")
        return fetch_one(
            conn,
            f"""
            insert into regrades (id, assessment_id, status, policy, allow_decrease, question_ids, reason, created_by, questions, total)
            values (%(id)s, %(assessment_id)s, 'queued', %(policy)s, %(allow_decrease)s, %(question_ids)s, %(reason)s, %(created_by)s,
                    %(questions)s, (select count(*) from submissions where assessment_id = %(assessment_id)s))
            returning {REGRADE_COLUMNS}
            """,
            {
                "id": regrade_id,
                "assessment_id": assessment_id,
                "policy": policy,
                "allow_decrease": allow_decrease,
                "question_ids": question_ids,
                "reason": reason,
                "created_by": created_by,
                "questions": Json(questions, dumps=dumps),
            },
        )
    except psycopg2.errors.UniqueViolation:
        with conn.cursor() as cur:
            cur.execute("rollback to savepoint new_regrade")
        raise RegradeUnderWay from None


def get_regrade(conn, *, assessment_id, regrade_id):
    return fetch_one(
        conn,
        f"select {REGRADE_COLUMNS} from regrades where id = %(id)s and assessment_id = %(assessment_id)s",
        {"id": regrade_id, "assessment_id": assessment_id},
    )


def claim_regrade(conn):
    """The oldest regrade queued or running that no other worker holds, locked; or None."""
    return fetch_one(
        conn,
        f"""
        select {REGRADE_COLUMNS}
        from regrades
        where status in ('queued', 'running')
        order by created_at
        limit 1
        for update skip locked
        """,
    )


def all_submissions(conn, *, assessment_id):
    """Every submission of the assessment (a dry run), read from the cursor a few at a time."""
    return fetch_iter(
        conn,
        f"select {_SUBMISSION_FIGURES} from submissions s where s.assessment_id = %(assessment_id)s order by s.submitted_at, s.id",
        {"assessment_id": assessment_id},
        batch=200,
    )


def next_batch(conn, regrade, size):
    """The next `size` submissions after the regrade's cursor, of those stored before it was
    created, locked (served by submissions_assessment_submitted_idx)."""
    return fetch_all(
        conn,
        f"""
        select {_SUBMISSION_FIGURES}
        from submissions s
        where s.assessment_id = %(assessment_id)s
          and s.submitted_at <= %(created_at)s
          and (%(cursor_at)s::timestamptz is null or (s.submitted_at, s.id) > (%(cursor_at)s::timestamptz, %(cursor_id)s::text))
        order by s.submitted_at, s.id
        limit %(size)s
        for update of s
        """,
        {
            "assessment_id": regrade["assessment_id"],
            "created_at": regrade["created_at"],
            "cursor_at": regrade["cursor_submitted_at"],
            "cursor_id": regrade["cursor_id"],
            "size": size,
        },
    )


def lock_submission(conn, *, assessment_id, submission_id):
    return fetch_one(
        conn,
        f"select {_SUBMISSION_FIGURES} from submissions s where s.id = %(id)s and s.assessment_id = %(assessment_id)s for update",
        {"id": submission_id, "assessment_id": assessment_id},
    )


def store_rescored(conn, changes, *, changed_by, reason, regrade_id):
    """Write each (submission row, scored) over the stored figures, marked regraded, with
    its history row; those a regrade already changed are left alone (its history row
    exists). The ids written."""
    if not changes:
        return []
    rows = fetch_all(
        conn,
        """
        with history as (
            insert into score_history (submission_id, regrade_id, changed_by, reason, old_score, old_passed, old_points_earned,
                                       new_score, new_passed, new_points_earned)
            select change.id, %(regrade_id)s, %(changed_by)s, %(reason)s, change.old_score, change.old_passed, change.old_earned,
                   change.new_score, change.new_passed, change.new_earned
            from unnest(%(ids)s::text[], %(old_score)s::numeric[], %(old_passed)s::boolean[], %(old_earned)s::numeric[],
                        %(new_score)s::numeric[], %(new_passed)s::boolean[], %(new_earned)s::numeric[])
                 as change (id, old_score, old_passed, old_earned, new_score, new_passed, new_earned)
            on conflict (regrade_id, submission_id) do nothing
            returning submission_id
        )
        update submissions as s
        set score = change.score,
            passed = change.passed,
            points_earned = change.earned,
            points_possible = change.possible,
            results = change.results,
            result_bytes = octet_length(change.results::text),
            regraded = true
        from unnest(%(ids)s::text[], %(new_score)s::numeric[], %(new_passed)s::boolean[], %(new_earned)s::numeric[],
                    %(possible)s::numeric[], %(results)s::jsonb[])
             as change (id, score, passed, earned, possible, results)
        where s.id = change.id
          and s.id in (select submission_id from history)
        returning s.id
        """,
        {
            "regrade_id": regrade_id,
            "changed_by": changed_by,
            "reason": reason,
            "ids": [row["id"] for row, _ in changes],
            "old_score": [row["score"] for row, _ in changes],
            "old_passed": [row["passed"] for row, _ in changes],
            "old_earned": [row["points_earned"] for row, _ in changes],
            "new_score": [after["score"] for _, after in changes],
            "new_passed": [after["passed"] for _, after in changes],
            "new_earned": [after["points_earned"] for _, after in changes],
            "possible": [after["points_possible"] for _, after in changes],
            "results": [Json(after["results"], dumps=dumps) for _, after in changes],
        },
    )
    return [row["id"] for row in rows]


def advance(conn, regrade_id, *, last, processed, changed, done):
    """Move the regrade's cursor past `last` (a submission row) and count the batch."""
    execute(
        conn,
        """
        update regrades
        set status = case when %(done)s then 'completed' else 'running' end,
            started_at = coalesce(started_at, clock_timestamp()),
            finished_at = case when %(done)s then clock_timestamp() end,
            processed = processed + %(processed)s,
            changed = changed + %(changed)s,
            cursor_submitted_at = coalesce(%(last_at)s, cursor_submitted_at),
            cursor_id = coalesce(%(last_id)s, cursor_id)
        where id = %(id)s
        """,
        {
            "id": regrade_id,
            "done": done,
            "processed": processed,
            "changed": changed,
            "last_at": last["submitted_at"] if last else None,
            "last_id": last["id"] if last else None,
        },
    )


def fail(conn, regrade_id, error):
    execute(
        conn,
        "update regrades set status = 'failed', finished_at = clock_timestamp(), error = %(error)s where id = %(id)s",
        {"id": regrade_id, "error": error[:1000]},
    )


def history_of(conn, submission_id):
    """The submission's score history, oldest first."""
    return fetch_all(
        conn,
        """
        select changed_at, changed_by, reason, regrade_id, old_score, old_passed, old_points_earned,
               new_score, new_passed, new_points_earned
        from score_history
        where submission_id = %(id)s
        order by id
        """,
        {"id": submission_id},
    )


def submission_count(conn, assessment_id):
    return fetch_value(conn, "select count(*) from submissions where assessment_id = %(id)s", {"id": assessment_id})
