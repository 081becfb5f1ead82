"""Whether a start or a submission would succeed at a given moment, by the learner's
effective policy (contract section 14; authoring.effective_policy).

Pure: plain rows in, plain data out. The moment is the database's clock (the transaction's
start), passed in by the caller, so every time rule is judged by one clock. Windows are
half open: an attempt can start from available_from on, and no longer once
available_until has come.
"""

import math
from datetime import timedelta

from ..core.errors import ApiError


def window_refusal(policy, now):
    """The 403 an attempt start or a new submission gets at `now` for the window, or None."""
    if policy.available_from is not None and now < policy.available_from:
        return ApiError(
            403,
            "assessment_not_open",
            "The assessment is not open yet.",
            {"available_from": policy.available_from},
        )
    if policy.available_until is not None and now >= policy.available_until:
        return ApiError(403, "assessment_closed", "The assessment is closed.", {"available_until": policy.available_until})
    return None


def attempts_refusal(policy, attempts_used):
    """403 attempt_limit_reached when every attempt is used (None = unlimited), or None."""
    if policy.max_attempts is not None and attempts_used >= policy.max_attempts:
        return ApiError(
            403,
            "attempt_limit_reached",
            f"You have used all {policy.max_attempts} attempts of this assessment.",
            {"max_attempts": policy.max_attempts, "attempts_used": attempts_used},
        )
    return None


def next_attempt_at(policy, last_ended_at):
    """When the cooldown after the learner's last attempt is over, or None without one."""
    if policy.cooldown_minutes is None or last_ended_at is None:
        return None
    return last_ended_at + timedelta(minutes=policy.cooldown_minutes)


def cooldown_refusal(policy, now, last_ended_at):
    """403 attempt_cooldown, with Retry-After in seconds, while the cooldown runs; or None."""
    available_at = next_attempt_at(policy, last_ended_at)
    if available_at is None or now >= available_at:
        return None
    wait = math.ceil((available_at - now).total_seconds())
    return ApiError(
        403,
        "attempt_cooldown",
        f"Your next attempt can start in {wait} seconds.",
        {"available_at": available_at},
        headers={"Retry-After": str(wait)},
    )


def start_refusal(policy, now, attempts_used, last_ended_at):
    """What a new attempt would be refused with at `now` (window, limit, cooldown), or None."""
    return window_refusal(policy, now) or attempts_refusal(policy, attempts_used) or cooldown_refusal(policy, now, last_ended_at)


def is_late(policy, moment):
    """Whether something stored at `moment` is after the learner's due date."""
    return policy.due_at is not None and moment > policy.due_at
