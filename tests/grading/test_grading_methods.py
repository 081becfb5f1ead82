"""Grading methods and the review policy's moments, as pure rules (contract section 15)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from assessment_service.authoring.effective_policy import effective_policy
from assessment_service.grading.grading_methods import NO_GRADE, grade_of
from assessment_service.grading.review import reached, standing_of, visibility
from assessment_service.grading.scoring import cents, is_passing, score_percent

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def submission(number, earned, possible="10.00", passing=70):
    """A stored submission's figures, as scoring would have stored them."""
    earned, possible = Decimal(earned), Decimal(possible)
    return {
        "id": f"sub_{number}",
        "attempt_number": number,
        "submitted_at": START + timedelta(minutes=number),
        "points_earned": earned,
        "points_possible": possible,
        "score": score_percent(cents(earned), cents(possible)),
        "passed": is_passing(cents(earned), cents(possible), passing),
    }


THREE = [submission(1, "6.00"), submission(2, "9.00"), submission(3, "7.50")]


@pytest.mark.parametrize(
    ("method", "score", "passed", "counted", "submission_id"),
    [
        ("highest", "90.00", True, 1, "sub_2"),
        ("latest", "75.00", True, 1, "sub_3"),
        ("first", "60.00", False, 1, "sub_1"),
        ("average", "75.00", True, 3, None),
    ],
)
def test_each_method_counts_its_submissions(method, score, passed, counted, submission_id):
    grade = grade_of(THREE, method, passing_score=70)

    assert grade["score"] == Decimal(score)
    assert (grade["passed"], grade["submissions_counted"], grade["submission_id"]) == (passed, counted, submission_id)
    assert grade["first_passed_at"] == THREE[1]["submitted_at"]


def test_the_order_given_does_not_matter():
    for method in ("highest", "latest", "first", "average"):
        assert grade_of(list(reversed(THREE)), method, 70) == grade_of(THREE, method, 70)


def test_highest_compares_exact_shares_and_keeps_the_earliest_of_equals():
    # 2/3 and 66.67/100 both show 66.67; the exact shares differ (0.6667 > 0.6666...).
    thirds = submission(1, "2.00", "3.00")
    rounded = submission(2, "66.67", "100.00")
    assert thirds["score"] == rounded["score"] == Decimal("66.67")
    assert grade_of([thirds, rounded], "highest", 70)["submission_id"] == "sub_2"
    same = [submission(1, "5.00"), submission(2, "5.00")]
    assert grade_of(same, "highest", 70)["submission_id"] == "sub_1"


def test_average_is_the_exact_mean_rounded_half_up_and_passes_on_the_exact_mean():
    # (1/3 + 0 + 0) / 3 = 1/9 = 11.111...%: 11.11
    ninth = [submission(1, "1.00", "3.00"), submission(2, "0.00", "3.00"), submission(3, "0.00", "3.00")]
    assert grade_of(ninth, "average", 11)["score"] == Decimal("11.11")
    assert grade_of(ninth, "average", 11)["passed"] is True
    assert grade_of(ninth, "average", 12)["passed"] is False
    # 0.125% rounds half-up to 0.13 (half-even would give 0.12).
    eighth = [submission(1, "0.01", "8.00")]
    assert grade_of(eighth, "average", 1)["score"] == Decimal("0.13")
    # The mean 69.995 shows 70.00 yet does not pass at 70.
    close = [submission(1, "69.99", "100.00"), submission(2, "70.00", "100.00")]
    grade = grade_of(close, "average", 70)
    assert (grade["score"], grade["passed"]) == (Decimal("70.00"), False)


def test_no_submission_is_no_grade():
    assert grade_of([], "highest", 70) == NO_GRADE
    assert NO_GRADE["score"] is None and NO_GRADE["submissions_counted"] == 0


def test_a_learner_who_never_passed_has_no_first_passed_at():
    assert grade_of([submission(1, "1.00"), submission(2, "2.00")], "highest", 70)["first_passed_at"] is None


# ---------------------------------------------------------------- the review policy's moments

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def standing(now=NOON, *, max_attempts=None, used=0, in_progress=False, due_at=None, available_until=None, override=None):
    assessment = {
        "max_attempts": max_attempts,
        "time_limit_minutes": None,
        "available_from": None,
        "available_until": available_until,
        "due_at": due_at,
        "cooldown_minutes": None,
    }
    return standing_of(effective_policy(assessment, override), now, used, in_progress)


@pytest.mark.parametrize(
    ("moment", "before", "at"),
    [
        ("after_due", standing(NOON - SECOND, due_at=NOON), standing(NOON, due_at=NOON)),
        ("after_close", standing(NOON - SECOND, available_until=NOON), standing(NOON, available_until=NOON)),
        ("after_last_attempt", standing(max_attempts=2, used=1), standing(max_attempts=2, used=2)),
    ],
)
def test_each_moment_is_reached_exactly_at_its_boundary(moment, before, at):
    assert reached(moment, before) is False
    assert reached(moment, at) is True


def test_the_last_attempt_in_progress_is_not_the_end():
    assert reached("after_last_attempt", standing(max_attempts=2, used=2, in_progress=True)) is False


def test_an_override_moves_the_moments():
    extra = {"extra_attempts": 1, "due_at": NOON + SECOND, "available_until": None, "available_from": None}
    assert reached("after_last_attempt", standing(max_attempts=2, used=2, override=extra)) is False
    assert reached("after_due", standing(due_at=NOON - SECOND, override=extra)) is False


def test_immediately_and_never_need_no_standing():
    assert reached("immediately", None) is True
    assert reached("never", None) is False


def test_correct_answers_show_only_while_correctness_does():
    review = {"show_score": "immediately", "show_correctness": "never", "show_correct_answers": "immediately"}
    assert visibility(review, None) == {"score_visible": True, "correctness_visible": False, "correct_answers_visible": False}
