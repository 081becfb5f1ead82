"""Question groups (contract section 13): pools of an assessment's questions. Each
attempt's paper draws `pick_count` of a group's questions (taking.papers), each worth the
group's `points_per_question`. Group writes take the assessment's question-write lock, so
a start that is drawing a paper sees a group either before or after a change, whole."""

from ..core.errors import conflict, not_found, validation_failed
from ..core.ids import new_id
from .sql import question_groups as sql

GROUP_KEYS = ("id", "assessment_id", "name", "pick_count", "points_per_question", "question_count", "created_at", "updated_at")


def group_json(row):
    return {key: row[key] for key in GROUP_KEYS}


def _lock(conn, assessment_id):
    from .questions import lock_for_question_write  # questions imports this module

    lock_for_question_write(conn, assessment_id)


def create_group(conn, assessment_id, body):
    _lock(conn, assessment_id)
    return sql.insert_group(conn, group_id=new_id("grp"), assessment_id=assessment_id, settings={name: body[name] for name in sql.SETTINGS})


def group_of(conn, assessment_id, group_id):
    """The group of this assessment (404 when it is none of its own)."""
    group = sql.get_group(conn, assessment_id=assessment_id, group_id=group_id)
    if group is None:
        raise not_found("question group")
    return group


def change_group(conn, assessment_id, group_id, changes):
    _lock(conn, assessment_id)
    group_of(conn, assessment_id, group_id)
    return sql.update_group(conn, group_id=group_id, changes=changes)


def remove_group(conn, assessment_id, group_id):
    """Delete an empty group: 404 when unknown, 409 while it holds questions."""
    _lock(conn, assessment_id)
    group = group_of(conn, assessment_id, group_id)
    if not sql.delete_group_if_empty(conn, group_id=group_id):
        raise conflict(
            f"The question group '{group['name']}' holds questions: move or delete them first.",
            details={"group_id": group_id, "question_count": group["question_count"]},
        )


def check_group_id(conn, assessment_id, group_id):
    """422 on group_id unless it names a group of this assessment (None: no group)."""
    if group_id is not None and sql.get_group(conn, assessment_id=assessment_id, group_id=group_id) is None:
        raise validation_failed({"group_id": ["No such question group in this assessment."]})
