"""SQL for statistics (contract section 17): the sums analytics.statistics turns into
figures, gathered in PostgreSQL from the stored submissions and their results. Read-only:
these run on the replica when DATABASE_READ_URL is set.

Each statement starts from `counted`, the submissions the `attempts` choice counts, read
through submissions_assessment_submitted_idx; those that expand the results read the arrays
schema.sql's trigger keeps beside each submission's results (unnest, never the jsonb) and
hand back sums, never rows per submission. Credits are in ten-thousandths and points in
cents, as integers: the sums are exact.

JIT is off for these statements: the planner guesses 100 rows for each unnest and so a cost
that makes it compile the query with inlining and optimization, which took longer (1.4 s at
100,000 submissions) than running it.
"""

from ..platform.sql import fetch_all, fetch_one, fetch_value

# Which submissions count: every one, each learner's first, or those their grade counts
# (all of them under `average`; else the grade's submission_id). Fixed texts, chosen by a
# validated name.
_COUNTED_FILTERS = {
    "all": "",
    # Each learner's lowest attempt number, found once (an index-only pass over
    # submissions_number_key) rather than by a probe per submission.
    "first": """
          and (s.learner_id, s.attempt_number) in (
              select p.learner_id, min(p.attempt_number)
              from submissions p
              where p.assessment_id = %(assessment_id)s
              group by p.learner_id
          )""",
    "graded": """
          and (
              %(grading_method)s = 'average'
              or exists (
                  select 1 from grades g
                  where g.assessment_id = s.assessment_id
                    and g.learner_id = s.learner_id
                    and g.submission_id = s.id
              )
          )""",
}


def _counted(attempts, columns):
    return f"""
        select {columns}
        from submissions s
        where s.assessment_id = %(assessment_id)s
        {_COUNTED_FILTERS[attempts]}
    """


# One stored result: its question, credit (ten-thousandths), points (cents), whether answered.
_RESULTS = """
        cross join lateral unnest(s.result_question_ids, s.result_credits, s.result_points, s.result_answered)
            as r (question_id, credit, points, answered)
"""


def score_frequencies(conn, *, assessment_id, attempts, grading_method):
    """(learner_count, [(score, count, passed_count, points_cents, points_cents_squares)])
    of the counted submissions, by score ascending (at most 10,001 distinct scores)."""
    params = {"assessment_id": assessment_id, "grading_method": grading_method}
    counted = _counted(attempts, "s.learner_id, s.score, s.passed, s.points_earned_cents as points")
    rows = fetch_all(
        conn,
        f"""
        select score,
               count(*) as count,
               count(*) filter (where passed) as passed,
               sum(points) as points,
               sum(points * points) as points_squares
        from ({counted}) as s
        group by score
        order by score
        """,
        params,
    )
    frequencies = [(row["score"], row["count"], row["passed"], int(row["points"]), int(row["points_squares"])) for row in rows]
    if attempts == "first" or (attempts == "graded" and grading_method != "average"):
        # One counted submission per learner (the first; the one the grade counts).
        learner_count = sum(row[1] for row in frequencies)
    else:
        # Every submission counts: the learners who have one (an index-only count).
        learner_count = fetch_value(conn, "select count(distinct learner_id) from submissions where assessment_id = %s", (assessment_id,))
    return learner_count, frequencies


def group_bounds(conn, *, assessment_id, attempts, grading_method, group):
    """The last submission (score, submitted_at, id) of the top and of the bottom `group`
    counted submissions by score (descending / ascending; ties: earlier first), or None
    without submissions. A bounded sort each: no submission is ranked beyond `group`."""
    params = {"assessment_id": assessment_id, "grading_method": grading_method, "offset": group - 1}
    bounds = []
    for order in ("s.score desc", "s.score"):
        bounds.append(
            fetch_one(
                conn,
                f"""
                {_counted(attempts, "s.score, s.submitted_at, s.id")}
                order by {order}, s.submitted_at, s.id collate "C"
                offset %(offset)s
                limit 1
                """,
                params,
            )
        )
    return None if bounds[0] is None else bounds


def question_sums(conn, *, assessment_id, attempts, grading_method, bounds):
    """Per question_id: the sums of statistics.question_figures over the results of that
    question, with top_credit/bottom_credit over the submissions up to the `bounds` of
    group_bounds (right for a question on every paper), and points and points_squares
    (cents). One pass over the stored results, no sort."""
    top, bottom = bounds
    counted = _counted(
        attempts,
        """s.result_question_ids, s.result_credits, s.result_points, s.result_answered,
           s.points_earned_cents as total,
           s.score > %(top_score)s or (s.score = %(top_score)s and (s.submitted_at, s.id collate "C") <= (%(top_at)s, %(top_id)s)) as top,
           s.score < %(bottom_score)s
               or (s.score = %(bottom_score)s and (s.submitted_at, s.id collate "C") <= (%(bottom_at)s, %(bottom_id)s)) as bottom""",
    )
    return fetch_all(
        conn,
        f"""
        select r.question_id,
               count(*) as n,
               count(*) filter (where r.answered) as answered,
               sum(r.credit) as credit,
               sum(r.credit * r.credit) as credit_squares,
               sum(s.total - r.points) as rest,
               sum((s.total - r.points) * (s.total - r.points)) as rest_squares,
               sum(r.credit * (s.total - r.points)) as credit_rest,
               sum(r.points) as points,
               sum(r.points * r.points) as points_squares,
               coalesce(sum(r.credit) filter (where s.top), 0) as top_credit,
               coalesce(sum(r.credit) filter (where s.bottom), 0) as bottom_credit
        from ({counted}) as s
        {_RESULTS}
        group by r.question_id
        """,
        {
            "assessment_id": assessment_id,
            "grading_method": grading_method,
            **{f"top_{key}": top[name] for key, name in (("score", "score"), ("at", "submitted_at"), ("id", "id"))},
            **{f"bottom_{key}": bottom[name] for key, name in (("score", "score"), ("at", "submitted_at"), ("id", "id"))},
        },
    )


def choice_counts(conn, *, assessment_id, attempts, grading_method, question_ids):
    """[(question_id, choice_id, count)]: how many counted results of these (choice)
    questions chose each choice."""
    rows = fetch_all(
        conn,
        f"""
        select c.question_id, c.choice_id, count(*) as count
        from ({_counted(attempts, "s.chosen_question_ids, s.chosen_choice_ids")}) as s
        cross join lateral unnest(s.chosen_question_ids, s.chosen_choice_ids) as c (question_id, choice_id)
        where c.question_id = any(%(question_ids)s::text[])
        group by c.question_id, c.choice_id
        """,
        {"assessment_id": assessment_id, "grading_method": grading_method, "question_ids": list(question_ids)},
    )
    return [(row["question_id"], row["choice_id"], row["count"]) for row in rows]


def group_credits(conn, *, assessment_id, attempts, grading_method, question_ids):
    """{question_id: (top_credit, bottom_credit)} for questions on only some papers: the
    top and bottom max(1, round(0.27 n)) of the n submissions that held each, ranked among
    those (statistics.group_size; the same half-up rounding, in integers)."""
    rows = fetch_all(
        conn,
        f"""
        with counted as ({_counted(attempts, "s.id, s.score, s.submitted_at, s.result_question_ids, s.result_credits")}),
        items as (
            select r.question_id, r.credit,
                   row_number() over (partition by r.question_id order by c.score desc, c.submitted_at, c.id collate "C") as top_rank,
                   row_number() over (partition by r.question_id order by c.score, c.submitted_at, c.id collate "C") as bottom_rank,
                   count(*) over (partition by r.question_id) as n
            from counted c
            cross join lateral unnest(c.result_question_ids, c.result_credits) as r (question_id, credit)
            where r.question_id = any(%(question_ids)s::text[])
        )
        select question_id,
               coalesce(sum(credit) filter (where top_rank <= greatest(1, (27 * n + 50) / 100)), 0) as top_credit,
               coalesce(sum(credit) filter (where bottom_rank <= greatest(1, (27 * n + 50) / 100)), 0) as bottom_credit
        from items
        group by question_id
        """,
        {"assessment_id": assessment_id, "grading_method": grading_method, "question_ids": list(question_ids)},
    )
    return {row["question_id"]: (int(row["top_credit"]), int(row["bottom_credit"])) for row in rows}


def totals_on(conn, *, assessment_id, attempts, grading_method, question_ids):
    """(sum, sum of squares) over the counted submissions of the points (cents) each earned
    on these questions together."""
    row = fetch_one(
        conn,
        f"""
        with counted as ({_counted(attempts, "s.id, s.result_question_ids, s.result_credits, s.result_points, s.result_answered")})
        select coalesce(sum(total), 0) as total, coalesce(sum(total * total), 0) as squares
        from (
            select sum(r.points) as total
            from counted s
            {_RESULTS}
            where r.question_id = any(%(question_ids)s::text[])
            group by s.id
        ) as per_submission
        """,
        {"assessment_id": assessment_id, "grading_method": grading_method, "question_ids": list(question_ids)},
    )
    return int(row["total"]), int(row["squares"])


def begin_snapshot(conn):
    """One read-only snapshot for every statement of a statistics call (conn not in autocommit)."""
    with conn.cursor() as cur:
        cur.execute("set transaction isolation level repeatable read, read only")
        cur.execute("set local jit = off")  # see the module's docstring
