"""One learner's effective policy on one assessment (contract section 14), and whether a
start would succeed at a given moment.

Pure: plain rows in, plain data out. The moment is the database's clock (the transaction's
start), passed in by the caller, so every time rule is judged by one clock.

The effective figures are the assessment's with the learner's override over them (each
override field replaces the assessment's; an override's extra_attempts add to
max_attempts) and, for the time limit, the enrollment's standing time multiplier unless
the override has a time setting of its own. Windows are half open: an attempt can start
from available_from on, and no longer once available_until has come.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ..core.errors import ApiError


@dataclass(frozen=True)
class Policy:
    """The figures that govern one learner's attempts (None: no such limit)."""

    max_attempts: int | None
    time_limit_seconds: int | None
    available_from: datetime | None
    available_until: datetime | None
    due_at: datetime | None
    cooldown_minutes: int | None


def effective_policy(assessment, override=None, enrollment_multiplier=None):
    """The learner's Policy from the assessment row, their override row (or None) and their
    enrollment's standing time multiplier (or None)."""
    override = override or {}
    max_attempts = assessment["max_attempts"]
    if max_attempts is not None:
        max_attempts += override.get("extra_attempts") or 0
    return Policy(
        max_attempts=max_attempts,
        time_limit_seconds=time_limit_seconds(assessment["time_limit_minutes"], override, enrollment_multiplier),
        available_from=_override_or(override, assessment, "available_from"),
        available_until=_override_or(override, assessment, "available_until"),
        due_at=_override_or(override, assessment, "due_at"),
        cooldown_minutes=assessment["cooldown_minutes"],
    )


def time_limit_seconds(time_limit_minutes, override, enrollment_multiplier):
    """minutes x 60 x multiplier, rounded up to the second, plus the extra time; None untimed."""
    if time_limit_minutes is None:
        return None
    if override.get("time_multiplier") is not None:
        multiplier, extra_minutes = Decimal(override["time_multiplier"]), 0
    elif override.get("extra_time_minutes") is not None:
        multiplier, extra_minutes = Decimal(1), override["extra_time_minutes"]
    else:
        multiplier, extra_minutes = Decimal(enrollment_multiplier or 1), 0
    return math.ceil(time_limit_minutes * 60 * multiplier) + extra_minutes * 60


def _override_or(override, assessment, field):
    value = override.get(field)
    return assessment[field] if value is None else value


# ---------------------------------------------------------------- what a start or a submission gets


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
