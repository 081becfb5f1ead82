"""One learner's effective policy on one assessment (contract section 14): the assessment's
settings with the learner's override over them. Pure: plain rows in, plain data out.

Each override field replaces the assessment's; an override's extra_attempts add to
max_attempts; the time limit takes the enrollment's standing time multiplier unless the
override has a time setting of its own. Taking judges starts and submissions by it
(taking.policy), grading the moments of the review policy.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


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
