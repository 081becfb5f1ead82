"""SQL for overrides: one learner's accommodations on one assessment."""

from ...platform.sql import fetch_all, fetch_one, fetch_page
from ...platform.statements import Statement

SETTINGS = ("extra_attempts", "extra_time_minutes", "time_multiplier", "available_from", "available_until", "due_at", "reason")
OVERRIDE_COLUMNS = ", ".join(["id", "assessment_id", "learner_id", *SETTINGS, "created_at", "updated_at"])


def put_override(conn, *, override_id, assessment_id, learner_id, settings):
    """(the override, created) after storing `settings` as the learner's whole override."""
    row = fetch_one(
        conn,
        f"""
        insert into overrides as o (id, assessment_id, learner_id, {", ".join(SETTINGS)})
        values (%(id)s, %(assessment_id)s, %(learner_id)s, {", ".join(f"%({name})s" for name in SETTINGS)})
        on conflict (assessment_id, learner_id) do update
            set {", ".join(f"{name} = excluded.{name}" for name in SETTINGS)},
                updated_at = clock_timestamp()
        returning {OVERRIDE_COLUMNS}, (xmax = 0) as created
        """,
        {"id": override_id, "assessment_id": assessment_id, "learner_id": learner_id, **settings},
    )
    return row, row.pop("created")


GET_OVERRIDE = Statement(
    "get_override",
    f"""
    select {OVERRIDE_COLUMNS}
    from overrides
    where assessment_id = %(assessment_id)s
      and learner_id = %(learner_id)s
    """,
)


def get_override(conn, *, assessment_id, learner_id):
    """The learner's override, or None (served by overrides_learner_key)."""
    return fetch_one(conn, GET_OVERRIDE, {"assessment_id": assessment_id, "learner_id": learner_id})


def overrides_of(conn, *, assessment_id, learner_ids):
    """{learner_id: override} of those of these learners who have one."""
    rows = fetch_all(
        conn,
        f"""
        select {OVERRIDE_COLUMNS}
        from overrides
        where assessment_id = %(assessment_id)s
          and learner_id = any(%(learner_ids)s::text[])
        """,
        {"assessment_id": assessment_id, "learner_ids": list(learner_ids)},
    )
    return {row["learner_id"]: row for row in rows}


def delete_override(conn, *, assessment_id, learner_id):
    """Delete the learner's override; the override as it was, or None when there was none."""
    return fetch_one(
        conn,
        f"delete from overrides where assessment_id = %(assessment_id)s and learner_id = %(learner_id)s returning {OVERRIDE_COLUMNS}",
        {"assessment_id": assessment_id, "learner_id": learner_id},
    )


def list_overrides(conn, *, assessment_id, limit, offset):
    count = "select count(*) from overrides where assessment_id = %(assessment_id)s"
    return fetch_page(
        conn,
        f"""
        select {OVERRIDE_COLUMNS},
               ({count}) as page_total
        from overrides
        where assessment_id = %(assessment_id)s
        order by created_at, id
        limit %(limit)s offset %(offset)s
        """,
        count,
        {"assessment_id": assessment_id, "limit": limit, "offset": offset},
    )
