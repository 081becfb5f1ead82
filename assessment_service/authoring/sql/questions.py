"""SQL for the questions of an assessment."""

from psycopg2.extras import Json

from ...core.jsonio import dumps
from ...platform.sql import execute, fetch_all, fetch_one, fetch_value
from ...platform.statements import Statement

QUESTION_KEYS = ("id", "assessment_id", "position", "type", "prompt", "points", "group_id", "spec", "feedback", "created_at", "updated_at")


def question_columns(table="questions"):
    """QUESTION_KEYS of `table` (a name or alias of questions): a grouped question's points
    are its group's points_per_question (contract section 13; its own are kept for when it
    leaves the group)."""
    return ", ".join(
        f"coalesce((select g.points_per_question from question_groups g where g.id = {table}.group_id), {table}.points) as points"
        if key == "points"
        else f"{table}.{key}"
        for key in QUESTION_KEYS
    )


QUESTION_COLUMNS = question_columns()


def question_totals(conn, assessment_id):
    """(questions stored, the sum of their own points) of one assessment: what the limit of
    1,000 and positions count (an assessment's shown totals are paper_totals)."""
    row = fetch_one(
        conn,
        """
        select count(*) as question_count,
               coalesce(sum(points), 0.00) as points_possible
        from questions
        where assessment_id = %(id)s
        """,
        {"id": assessment_id},
    )
    return row["question_count"], row["points_possible"]


def paper_totals_of(assessment):
    """A select of (question_count, points_possible) of one paper of the assessment whose id
    is the SQL expression `assessment` ("a.id" of a joined row, or a parameter, which makes
    its subqueries run once per statement): its ungrouped questions, plus pick_count per
    group at the group's points (contract section 13)."""
    return f"""
    select (select count(*) from questions q where q.assessment_id = {assessment} and q.group_id is null)
               + coalesce((select sum(g.pick_count) from question_groups g where g.assessment_id = {assessment}), 0) as question_count,
           (select coalesce(sum(q.points), 0.00) from questions q where q.assessment_id = {assessment} and q.group_id is null)
               + coalesce((select sum(g.pick_count * g.points_per_question) from question_groups g where g.assessment_id = {assessment}), 0.00)
               as points_possible
    """


PAPER_TOTALS = paper_totals_of("a.id")


def paper_totals(conn, assessment_id):
    """(question_count, points_possible) as one attempt's paper has them."""
    row = fetch_one(conn, paper_totals_of("%(id)s"), {"id": assessment_id})
    return row["question_count"], row["points_possible"]


QUESTIONS_OF = Statement(
    "questions_of",
    f"""
    select {QUESTION_COLUMNS}
    from questions
    where assessment_id = %(id)s
      and (%(ids)s::text[] is null or id = any(%(ids)s::text[]))
    order by position
    """,
)


def questions_of(conn, assessment_id, ids=None):
    """The assessment's questions in position order (served by questions_assessment_position_key);
    only those of `ids` when given (a paper's)."""
    return fetch_all(conn, QUESTIONS_OF, {"id": assessment_id, "ids": None if ids is None else list(ids)})


def get_question(conn, *, assessment_id, question_id):
    return fetch_one(
        conn,
        f"""
        select {QUESTION_COLUMNS}
        from questions
        where id = %(id)s
          and assessment_id = %(assessment_id)s
        """,
        {"id": question_id, "assessment_id": assessment_id},
    )


def _written(*, kind, prompt, points, spec, feedback, group_id):
    """The parameters of a question's own columns, as insert and update write them."""
    return {"type": kind, "prompt": prompt, "points": points, "spec": Json(spec, dumps=dumps), "feedback": feedback, "group_id": group_id}


def insert_question(conn, *, question_id, assessment_id, position, kind, prompt, points, spec, feedback, group_id=None):
    """Insert at `position` (1-based; None appends), shifting later questions down."""
    params = {
        "id": question_id,
        "assessment_id": assessment_id,
        "position": position,
        **_written(kind=kind, prompt=prompt, points=points, spec=spec, feedback=feedback, group_id=group_id),
    }
    if position is not None:
        execute(
            conn,
            """
            update questions
            set position = position + 1
            where assessment_id = %(assessment_id)s
              and position >= %(position)s
            """,
            params,
        )
    return fetch_one(
        conn,
        f"""
        insert into questions (id, assessment_id, position, type, prompt, points, spec, feedback, group_id)
        values (
            %(id)s,
            %(assessment_id)s,
            coalesce(%(position)s, (select coalesce(max(position), 0) + 1 from questions where assessment_id = %(assessment_id)s)),
            %(type)s,
            %(prompt)s,
            %(points)s,
            %(spec)s,
            %(feedback)s,
            %(group_id)s
        )
        returning {QUESTION_COLUMNS}
        """,
        params,
    )


def insert_questions(conn, *, assessment_id, rows):
    """Insert `rows` ({id, type, prompt, points, spec, feedback}) after the last position, in their
    order, in one statement; the stored rows in position order. The caller holds the
    question-write lock (the positions read here stay the last)."""
    inserted = fetch_all(
        conn,
        f"""
        insert into questions (id, assessment_id, position, type, prompt, points, spec, feedback)
        select new.id,
               %(assessment_id)s,
               (select coalesce(max(position), 0) from questions where assessment_id = %(assessment_id)s) + new.ordinality,
               new.type,
               new.prompt,
               new.points,
               new.spec,
               new.feedback
        from unnest(%(ids)s::text[], %(types)s::text[], %(prompts)s::text[], %(points)s::numeric[], %(specs)s::jsonb[],
                    %(feedback)s::text[])
             with ordinality as new (id, type, prompt, points, spec, feedback, ordinality)
        returning {QUESTION_COLUMNS}
        """,
        {
            "assessment_id": assessment_id,
            "ids": [row["id"] for row in rows],
            "types": [row["type"] for row in rows],
            "prompts": [row["prompt"] for row in rows],
            "points": [row["points"] for row in rows],
            "specs": [Json(row["spec"], dumps=dumps) for row in rows],
            "feedback": [row["feedback"] for row in rows],
        },
    )
    return sorted(inserted, key=lambda row: row["position"])


def update_question(conn, *, question_id, assessment_id, old_position, position, kind, prompt, points, spec, feedback, group_id):
    """Rewrite a question; moving it shifts the questions between its old and new place.
    `points` None keeps its own points (a grouped question shows its group's)."""
    params = {
        "id": question_id,
        "assessment_id": assessment_id,
        "old": old_position,
        "new": position,
        **_written(kind=kind, prompt=prompt, points=points, spec=spec, feedback=feedback, group_id=group_id),
    }
    if position != old_position:
        execute(
            conn,
            """
            update questions
            set position = case when %(new)s < %(old)s then position + 1 else position - 1 end
            where assessment_id = %(assessment_id)s
              and id <> %(id)s
              and position between least(%(old)s, %(new)s) and greatest(%(old)s, %(new)s)
            """,
            params,
        )
    return fetch_one(
        conn,
        f"""
        update questions
        set position = %(new)s,
            type = %(type)s,
            prompt = %(prompt)s,
            points = coalesce(%(points)s, points),
            spec = %(spec)s,
            feedback = %(feedback)s,
            group_id = %(group_id)s,
            updated_at = clock_timestamp()
        where id = %(id)s
        returning {QUESTION_COLUMNS}
        """,
        params,
    )


def delete_question(conn, *, assessment_id, question_id):
    """Delete and close the gap in positions; False when there was no such question."""
    position = fetch_value(
        conn,
        """
        delete from questions
        where id = %(id)s
          and assessment_id = %(assessment_id)s
        returning position
        """,
        {"id": question_id, "assessment_id": assessment_id},
    )
    if position is None:
        return False
    execute(
        conn,
        """
        update questions
        set position = position - 1
        where assessment_id = %(assessment_id)s
          and position > %(position)s
        """,
        {"assessment_id": assessment_id, "position": position},
    )
    return True


def question_notes(conn, assessment_id):
    """id, type, feedback and (choice types) the choices of the assessment's questions:
    what authoring.questions.question_note needs, without the rest of the spec."""
    return fetch_all(
        conn,
        """
        select id, type, feedback, jsonb_build_object('choices', spec -> 'choices') as spec
        from questions
        where assessment_id = %(id)s
        """,
        {"id": assessment_id},
    )
