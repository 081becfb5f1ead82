"""The effective policy and what a start gets, as pure rules (contract section 14): every
boundary one second before, at and after, with the clock passed in."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from assessment_service.authoring.effective_policy import Policy, effective_policy, time_limit_seconds
from assessment_service.taking.policy import cooldown_refusal, start_refusal, window_refusal

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def assessment(**fields):
    base = {
        "max_attempts": None,
        "time_limit_minutes": None,
        "available_from": None,
        "available_until": None,
        "due_at": None,
        "cooldown_minutes": None,
    }
    return {**base, **fields}


def policy(**fields):
    return effective_policy(assessment(**fields))


# ---------------------------------------------------------------- the effective figures


@pytest.mark.parametrize(
    "minutes, override, multiplier, expected",
    [
        (None, {}, None, None),  # untimed stays untimed, whatever the accommodation
        (None, {"extra_time_minutes": 30}, Decimal("2.00"), None),
        (10, {}, None, 600),
        (10, {}, Decimal("1.50"), 900),  # the enrollment's standing multiplier
        (7, {}, Decimal("1.33"), 559),  # 558.6 s rounded up to the second
        (1, {}, Decimal("1.01"), 61),  # 60.6 s: up
        (10, {"time_multiplier": Decimal("2.00")}, Decimal("1.50"), 1200),  # the override's own wins
        (10, {"extra_time_minutes": 15}, Decimal("1.50"), 1500),  # ... extra time too: 600 + 900
        (10, {"extra_time_minutes": 0}, Decimal("3.00"), 600),
        (10, {"time_multiplier": None, "extra_time_minutes": None}, Decimal("5.00"), 3000),
    ],
)
def test_time_limit_seconds(minutes, override, multiplier, expected):
    assert time_limit_seconds(minutes, override, multiplier) == expected


def test_override_settings_replace_the_assessments():
    later = NOON + timedelta(days=1)
    effective = effective_policy(
        assessment(max_attempts=2, available_from=NOON, available_until=later, due_at=later, cooldown_minutes=5),
        {"extra_attempts": 3, "available_until": later + timedelta(days=2), "due_at": None},
    )
    assert effective == Policy(
        max_attempts=5,
        time_limit_seconds=None,
        available_from=NOON,
        available_until=later + timedelta(days=2),
        due_at=later,  # null in an override: the assessment's own
        cooldown_minutes=5,
    )


def test_extra_attempts_leave_unlimited_unlimited():
    assert effective_policy(assessment(max_attempts=None), {"extra_attempts": 4}).max_attempts is None


# ---------------------------------------------------------------- the window


@pytest.mark.parametrize(
    "now, code",
    [
        (NOON - SECOND, "assessment_not_open"),
        (NOON, None),  # open from available_from on
        (NOON + SECOND, None),
    ],
)
def test_the_window_opens_at_available_from(now, code):
    refusal = window_refusal(policy(available_from=NOON), now)
    assert (refusal.code if refusal else None) == code
    if refusal:
        assert (refusal.status, refusal.details) == (403, {"available_from": NOON})


@pytest.mark.parametrize(
    "now, code",
    [
        (NOON - SECOND, None),
        (NOON, "assessment_closed"),  # closed once available_until has come
        (NOON + SECOND, "assessment_closed"),
    ],
)
def test_the_window_closes_at_available_until(now, code):
    refusal = window_refusal(policy(available_until=NOON), now)
    assert (refusal.code if refusal else None) == code
    if refusal:
        assert (refusal.status, refusal.details) == (403, {"available_until": NOON})


# ---------------------------------------------------------------- the cooldown


@pytest.mark.parametrize(
    "now, retry_after",
    [
        (NOON + timedelta(minutes=10) - timedelta(seconds=1, milliseconds=500), "2"),  # rounded up
        (NOON + timedelta(minutes=10) - SECOND, "1"),
        (NOON + timedelta(minutes=10), None),  # over exactly then
        (NOON + timedelta(minutes=10) + SECOND, None),
    ],
)
def test_the_cooldown_runs_from_the_end_of_the_last_attempt(now, retry_after):
    refusal = cooldown_refusal(policy(cooldown_minutes=10), now, last_ended_at=NOON)
    assert (refusal.headers["Retry-After"] if refusal else None) == retry_after
    if refusal:
        assert (refusal.status, refusal.code, refusal.details) == (403, "attempt_cooldown", {"available_at": NOON + timedelta(minutes=10)})


def test_no_cooldown_before_a_first_attempt():
    assert cooldown_refusal(policy(cooldown_minutes=10), NOON, last_ended_at=None) is None


# ---------------------------------------------------------------- what a start gets, in order


def test_a_start_is_refused_for_the_window_first_then_the_limit_then_the_cooldown():
    closed_and_used = policy(available_until=NOON, max_attempts=1, cooldown_minutes=5)
    assert start_refusal(closed_and_used, NOON, attempts_used=1, last_ended_at=NOON).code == "assessment_closed"
    used_and_cooling = policy(max_attempts=1, cooldown_minutes=5)
    refusal = start_refusal(used_and_cooling, NOON, attempts_used=1, last_ended_at=NOON)
    assert (refusal.code, refusal.details) == ("attempt_limit_reached", {"max_attempts": 1, "attempts_used": 1})
    assert start_refusal(policy(max_attempts=2, cooldown_minutes=5), NOON, 1, NOON).code == "attempt_cooldown"
    assert start_refusal(policy(max_attempts=2, cooldown_minutes=5), NOON + timedelta(minutes=5), 1, NOON) is None
