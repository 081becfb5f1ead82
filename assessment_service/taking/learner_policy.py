"""GET /assessments/{id}/policy (contract section 14): one learner's effective figures and
whether a start would succeed now, judged as a start judges it (attempts.start_attempt)."""

from ..authoring.effective_policy import effective_policy
from ..authoring.sql import overrides as overrides_sql
from ..authoring.sql import question_groups as groups_sql
from ..authoring.sql import questions as questions_sql
from ..core.errors import ApiError, invalid_parameter, not_found
from ..courses import sql as courses_sql
from ..courses.permissions import enrollment_of, may_manage_course
from . import deadline, sql
from .eligibility import holds_active_learner_enrollment, not_enrolled
from .policy import next_attempt_at, start_refusal
from .retake_limit import last_ended_at


def learner_policy(conn, caller, assessment, learner_id, grace):
    """The policy object of `learner_id` (managers) or of the caller (learners: their own only)."""
    if may_manage_course(caller, enrollment_of(assessment)):
        if learner_id is None:
            raise invalid_parameter("learner_id", ["Give the learner whose policy to read."])
    elif learner_id in (None, caller["id"]):
        learner_id = caller["id"]
    else:
        raise not_found("learner")
    enrollment = courses_sql.enrollment_in(conn, course_id=assessment["course_id"], user_id=learner_id)
    if learner_id != caller["id"] and (enrollment is None or enrollment["role"] != "learner"):
        raise not_found("learner")
    override = overrides_sql.get_override(conn, assessment_id=assessment["id"], learner_id=learner_id)
    attempts_used, latest = sql.attempt_ledger(conn, assessment_id=assessment["id"], learner_id=learner_id, grace=grace)
    if latest is not None and latest["due"]:
        latest = deadline.settle(conn, assessment, latest, grace)
    policy = effective_policy(assessment, override, enrollment["time_multiplier"] if enrollment else None)
    now = enrollment["db_now"] if enrollment else None
    refusal = _start_refusal(conn, assessment, enrollment, policy, now, attempts_used, latest)
    remaining = None if policy.max_attempts is None else max(0, policy.max_attempts - attempts_used)
    return {
        "learner_id": learner_id,
        "max_attempts": policy.max_attempts,
        "attempts_used": attempts_used,
        "attempts_remaining": remaining,
        "time_limit_seconds": policy.time_limit_seconds,
        "available_from": policy.available_from,
        "available_until": policy.available_until,
        "due_at": policy.due_at,
        "next_attempt_at": _next_start(refusal, policy, latest),
        "can_start": refusal is None,
        "reason": None if refusal is None else refusal.code,
    }


def _start_refusal(conn, assessment, enrollment, policy, now, attempts_used, latest):
    """The error a start by the learner would get now, in the order a start checks; or None."""
    if not holds_active_learner_enrollment(enrollment):
        return not_enrolled()
    if questions_sql.question_totals(conn, assessment["id"])[0] == 0:
        return ApiError(409, "conflict", "The assessment has no questions yet.")
    if latest is not None and latest["status"] == "in_progress":
        return None  # a start returns the attempt in progress
    return start_refusal(policy, now, attempts_used, last_ended_at(latest)) or _undersized_group(conn, assessment)


def _undersized_group(conn, assessment):
    """The 409 of a start whose paper cannot be drawn (a group smaller than its pick_count), or None."""
    for group in groups_sql.groups_of(conn, assessment["id"]):
        if group["question_count"] < group["pick_count"]:
            return ApiError(409, "conflict", f"The question group '{group['name']}' holds fewer questions than its pick_count.")
    return None


def _next_start(refusal, policy, latest):
    """When a refused start would next succeed, where that is known: the window's opening,
    or the cooldown's end."""
    if refusal is None:
        return None
    if refusal.code == "assessment_not_open":
        return policy.available_from
    if refusal.code == "attempt_cooldown":
        return next_attempt_at(policy, last_ended_at(latest))
    return None
