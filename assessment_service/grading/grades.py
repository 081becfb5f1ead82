"""Grades (contract section 15): each learner's grade on an assessment, kept by the grading
method in the transaction of every change that moves it, and read as the API shows it.

Whoever changes a learner's submissions (a submission, the deadline, a regrade) or what
their grade is made of (the grading method, the passing score) calls refresh_grades in
the same transaction; grades_sql says why the lock it takes first is enough. A grade that
changes writes grade.updated, as a manager's GET shows it (its aggregate id:
"assessment_id:learner_id").
"""

from ..authoring.effective_policy import effective_policy
from ..authoring.sql import assessments as assessments_sql
from ..courses.permissions import enrollment_of, may_manage_course
from ..events.outbox import record_all
from . import grades_sql as sql
from .grading_methods import grade_of
from .review import FULL_VIEW, needs_standing, reviewed_grade, standing_of, visibility

# A grade moves when these settings change (besides its submissions).
GRADE_SETTINGS = ("grading_method", "passing_score")

_POLICY_SETTINGS = ("max_attempts", "time_limit_minutes", "available_from", "available_until", "due_at", "cooldown_minutes")
_OVERRIDE_SETTINGS = ("extra_attempts", "available_from", "available_until", "due_at")


def refresh_grades(conn, assessment, learner_ids, *, events=()):
    """Recompute and store these learners' grades on `assessment` (a row with
    grading_method and passing_score) from their submissions; the ids whose grade changed.
    `events`: the change's own events (outbox.record_all), written in one statement with
    the grades'."""
    learner_ids = sorted(set(learner_ids))
    if not learner_ids:
        record_all(conn, list(events))
        return []
    sql.lock_grades(conn, assessment_id=assessment["id"], learner_ids=learner_ids)
    return _store(conn, assessment, learner_ids, events)


def refresh_all_grades(conn, assessment):
    """refresh_grades for every learner with a submission on the assessment."""
    learner_ids = sql.lock_all_grades(conn, assessment_id=assessment["id"])
    sql.lock_grades(conn, assessment_id=assessment["id"], learner_ids=learner_ids)
    return _store(conn, assessment, sorted(learner_ids), ())


def _store(conn, assessment, learner_ids, events):
    by_learner = {learner_id: [] for learner_id in learner_ids}
    for submission in sql.submissions_to_grade(conn, assessment_id=assessment["id"], learner_ids=learner_ids):
        by_learner[submission["learner_id"]].append(submission)
    grades = {
        learner_id: grade_of(submissions, assessment["grading_method"], assessment["passing_score"])
        for learner_id, submissions in by_learner.items()
    }
    changed = sql.store_grades(conn, assessment_id=assessment["id"], grades=grades)
    rows = sql.grades_of(conn, assessment_id=assessment["id"], learner_ids=changed) if changed else []
    updated = [("grade.updated", f"{row['assessment_id']}:{row['learner_id']}", grade_json(row, full_view=True)) for row in rows]
    record_all(conn, [*events, *updated])
    return changed


def after_assessment_change(conn, before, after):
    """Keep grades in step with a PATCH of the assessment (authoring calls this, in its
    transaction, through the app's assessment listeners)."""
    if any(before[name] != after[name] for name in GRADE_SETTINGS):
        refresh_all_grades(conn, after)


def backfill_grades(conn):
    """Grades for the submissions of a database of an earlier version (flask init-db); how many."""
    missing = {}
    for pair in sql.missing_grades(conn):
        missing.setdefault(pair["assessment_id"], []).append(pair["learner_id"])
    for assessment_id, learner_ids in missing.items():
        assessment = assessments_sql.assessment_with_enrollment(conn, assessment_id=assessment_id, user_id=None, for_share=True)
        refresh_grades(conn, assessment, learner_ids)
    return sum(len(learner_ids) for learner_ids in missing.values())


# ---------------------------------------------------------------- reading


def learner_policy_of(row):
    """The effective policy of a grade row's learner (its assessment and override columns)."""
    assessment = {name: row[name] for name in _POLICY_SETTINGS}
    override = {name: row[f"override_{name}"] for name in _OVERRIDE_SETTINGS}
    return effective_policy(assessment, override if row["override_extra_attempts"] is not None else None)


def learner_view(row):
    """What the grade row's learner may see now of their submissions and grade."""
    if not needs_standing(row["review"]):
        return visibility(row["review"], None)
    policy = learner_policy_of(row)
    return visibility(row["review"], standing_of(policy, row["db_now"], row["attempts_used"], row["attempt_in_progress"]))


def grade_json(row, *, full_view):
    """The grade object of a grade row: everything for managers (`full_view`), for the
    learner as their review policy lets them see it now."""
    grade = {
        "assessment_id": row["assessment_id"],
        "learner_id": row["learner_id"],
        "grading_method": row["grading_method"],
        "score": row["score"],
        "passed": row["passed"],
        "submission_id": row["submission_id"],
        "submissions_counted": row["submissions_counted"],
        "attempts_used": row["attempts_used"],
        "attempts_allowed": learner_policy_of(row).max_attempts,
        "first_passed_at": row["first_passed_at"],
        "updated_at": row["updated_at"],
    }
    return reviewed_grade(grade, FULL_VIEW if full_view else learner_view(row))


def learner_grade_row(conn, assessment, learner_id):
    """The grade row of one learner of the assessment's course, or None when they hold no
    learner enrollment there."""
    rows, _ = sql.grade_page(
        conn, course_id=assessment["course_id"], assessment_id=assessment["id"], learner_id=learner_id, limit=1, offset=0
    )
    return rows[0] if rows else None


def reader_view(conn, user, assessment, learner_id):
    """What `user` may see now of `learner_id`'s submissions and grade on the assessment
    (a row with the caller's enrollment): everything for managers, else the learner's
    review policy (their standing is read only when a moment depends on it)."""
    if may_manage_course(user, enrollment_of(assessment)):
        return dict(FULL_VIEW)
    if not needs_standing(assessment["review"]):
        return visibility(assessment["review"], None)
    row = learner_grade_row(conn, assessment, learner_id)
    return learner_view(row)
