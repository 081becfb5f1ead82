"""SQL for statistics (contract section 17): the sums analytics.statistics turns into
figures, gathered in PostgreSQL from the stored submissions and their results. Read-only:
these run on the replica when DATABASE_READ_URL is set.

Each statement starts from `counted`, the submissions the `attempts` choice counts, read
through submissions_assessment_submitted_idx; those that expand the results read each
stored result once (jsonb_to_recordset) and hand back sums, never rows per submission.
Credits are summed in ten-thousandths and points in cents, as integers: the sums are exact.
"""

from ..platform.sql import fetch_all, fetch_one

# Which submissions count: every one, each learner's first, or those their grade counts
# (all of them under `average`; else the grade's submission_id). Fixed texts, chosen by a
# validated name.
_COUNTED_FILTERS = {
    "all": "",
    "first": """
          and not exists (
              select 1 from submissions p
              where p.assessment_id = s.assessment_id
                and p.learner_id = s.learner_id
                and p.attempt_number < s.attempt_number
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


# One stored result as typed columns; a result stored before partial credit has no credit.
_RESULTS = """
        cross join lateral jsonb_to_recordset(s.results)
            as r (question_id text, answered boolean, correct boolean, credit text, points_earned float8, answer jsonb)
"""
_CREDIT = "coalesce(replace(r.credit, '.', '')::int8, case when r.correct then 10000 else 0 end)"
_POINTS = "round(r.points_earned * 100)::int8"


def score_frequencies(conn, *, assessment_id, attempts, grading_method):
    """(learner_count, [(score, count, passed_count, points_cents, points_cents_squares)])
    of the counted submissions, by score ascending (at most 10,001 distinct scores)."""
    params = {"assessment_id": assessment_id, "grading_method": grading_method}
    counted = _counted(attempts, "s.learner_id, s.score, s.passed, (s.points_earned * 100)::int8 as points")
    rows = fetch_all(
        conn,
        f"""
        with counted as materialized ({counted})
        select score,
               count(*) as count,
               count(*) filter (where passed) as passed,
               sum(points) as points,
               sum(points * points) as points_squares,
               (select count(distinct learner_id) from counted) as learner_count
        from counted
        group by score
        order by score
        """,
        params,
    )
    learner_count = rows[0]["learner_count"] if rows else 0
    return learner_count, [(row["score"], row["count"], row["passed"], int(row["points"]), int(row["points_squares"])) for row in rows]


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


def question_sums(conn, *, assessment_id, attempts, grading_method, bounds, choice_question_ids):
    """Per (question_id, choice_id): the sums of statistics.question_figures over the
    results of that question, with top_credit/bottom_credit over the submissions up to the
    `bounds` of group_bounds (right for a question on every paper), points and
    points_squares (cents), and `chosen`: how many results chose that choice (questions in
    choice_question_ids only; other rows have choice_id null). Each result's sums are in the
    row of its first choice. One pass over the stored results, no sort.
    """
    top, bottom = bounds
    counted = _counted(
        attempts,
        """s.results, (s.points_earned * 100)::int8 as total,
           s.score > %(top_score)s or (s.score = %(top_score)s and (s.submitted_at, s.id collate "C") <= (%(top_at)s, %(top_id)s)) as top,
           s.score < %(bottom_score)s
               or (s.score = %(bottom_score)s and (s.submitted_at, s.id collate "C") <= (%(bottom_at)s, %(bottom_id)s)) as bottom""",
    )
    return fetch_all(
        conn,
        f"""
        with items as (
            select r.question_id, chosen.choice_id,
                   chosen.n is null or chosen.n = 1 as first,
                   coalesce(r.answered, false) as answered,
                   {_CREDIT} as credit,
                   {_POINTS} as points,
                   s.total - {_POINTS} as rest,
                   s.top,
                   s.bottom
            from ({counted}) as s
            {_RESULTS}
            left join lateral jsonb_array_elements_text(
                case
                    when r.question_id <> all(%(choice_question_ids)s::text[]) then '[]'::jsonb
                    when jsonb_typeof(r.answer) = 'array' then r.answer
                    when jsonb_typeof(r.answer) = 'string' then jsonb_build_array(r.answer)
                    else '[]'::jsonb
                end
            ) with ordinality as chosen (choice_id, n) on true
        )
        select question_id, choice_id,
               count(*) filter (where choice_id is not null) as chosen,
               count(*) filter (where first) as n,
               count(*) filter (where first and answered) as answered,
               coalesce(sum(credit) filter (where first), 0) as credit,
               coalesce(sum(credit * credit) filter (where first), 0) as credit_squares,
               coalesce(sum(rest) filter (where first), 0) as rest,
               coalesce(sum(rest * rest) filter (where first), 0) as rest_squares,
               coalesce(sum(credit * rest) filter (where first), 0) as credit_rest,
               coalesce(sum(points) filter (where first), 0) as points,
               coalesce(sum(points * points) filter (where first), 0) as points_squares,
               coalesce(sum(credit) filter (where first and top), 0) as top_credit,
               coalesce(sum(credit) filter (where first and bottom), 0) as bottom_credit
        from items
        group by question_id, choice_id
        """,
        {
            "assessment_id": assessment_id,
            "grading_method": grading_method,
            "choice_question_ids": list(choice_question_ids),
            **{f"top_{key}": top[name] for key, name in (("score", "score"), ("at", "submitted_at"), ("id", "id"))},
            **{f"bottom_{key}": bottom[name] for key, name in (("score", "score"), ("at", "submitted_at"), ("id", "id"))},
        },
    )


def group_credits(conn, *, assessment_id, attempts, grading_method, question_ids):
    """{question_id: (top_credit, bottom_credit)} for questions on only some papers: the
    top and bottom max(1, round(0.27 n)) of the n submissions that held each, ranked among
    those (statistics.group_size; the same half-up rounding, in integers)."""
    rows = fetch_all(
        conn,
        f"""
        with counted as ({_counted(attempts, "s.id, s.score, s.submitted_at, s.results")}),
        items as (
            select r.question_id, {_CREDIT} as credit,
                   row_number() over (partition by r.question_id order by c.score desc, c.submitted_at, c.id collate "C") as top_rank,
                   row_number() over (partition by r.question_id order by c.score, c.submitted_at, c.id collate "C") as bottom_rank,
                   count(*) over (partition by r.question_id) as n
            from counted c
            cross join lateral jsonb_to_recordset(c.results) as r (question_id text, correct boolean, credit text)
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
        with counted as ({_counted(attempts, "s.id, s.results")})
        select coalesce(sum(total), 0) as total, coalesce(sum(total * total), 0) as squares
        from (
            select sum({_POINTS}) as total
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
