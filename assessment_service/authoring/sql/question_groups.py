"""SQL for question groups: pools of an assessment's questions that a paper draws from."""

from ...platform.sql import fetch_all, fetch_one, fetch_page, fetch_value

SETTINGS = ("name", "pick_count", "points_per_question")
# With question_count: how many questions the group holds now.
GROUP_COLUMNS = """g.id, g.assessment_id, g.name, g.pick_count, g.points_per_question,
               (select count(*) from questions q where q.group_id = g.id) as question_count,
               g.created_at, g.updated_at"""


def insert_group(conn, *, group_id, assessment_id, settings):
    return fetch_one(
        conn,
        f"""
        insert into question_groups as g (id, assessment_id, name, pick_count, points_per_question)
        values (%(id)s, %(assessment_id)s, %(name)s, %(pick_count)s, %(points_per_question)s)
        returning {GROUP_COLUMNS}
        """,
        {"id": group_id, "assessment_id": assessment_id, **settings},
    )


def get_group(conn, *, assessment_id, group_id):
    return fetch_one(
        conn,
        f"select {GROUP_COLUMNS} from question_groups g where g.id = %(id)s and g.assessment_id = %(assessment_id)s",
        {"id": group_id, "assessment_id": assessment_id},
    )


def groups_of(conn, assessment_id):
    """Every group of the assessment, oldest first."""
    return fetch_all(
        conn,
        f"select {GROUP_COLUMNS} from question_groups g where g.assessment_id = %(id)s order by g.created_at, g.id",
        {"id": assessment_id},
    )


def list_groups(conn, *, assessment_id, limit, offset):
    count = "select count(*) from question_groups where assessment_id = %(assessment_id)s"
    return fetch_page(
        conn,
        f"""
        select {GROUP_COLUMNS},
               ({count}) as page_total
        from question_groups g
        where g.assessment_id = %(assessment_id)s
        order by g.created_at, g.id
        limit %(limit)s offset %(offset)s
        """,
        count,
        {"assessment_id": assessment_id, "limit": limit, "offset": offset},
    )


def update_group(conn, *, group_id, changes):
    given = [name for name in SETTINGS if name in changes]
    assignments = "".join(f"{name} = %({name})s, " for name in given)
    return fetch_one(
        conn,
        f"""
        update question_groups as g
        set {assignments}updated_at = clock_timestamp()
        where g.id = %(id)s
        returning {GROUP_COLUMNS}
        """,
        {"id": group_id, **{name: changes[name] for name in given}},
    )


def delete_group_if_empty(conn, *, group_id):
    """Delete the group unless a question is in it; False when one is. The caller holds
    the question-write lock (no question joins it meanwhile)."""
    if fetch_value(conn, "select exists (select 1 from questions where group_id = %(id)s)", {"id": group_id}):
        return False
    fetch_value(conn, "delete from question_groups where id = %(id)s returning id", {"id": group_id})
    return True
