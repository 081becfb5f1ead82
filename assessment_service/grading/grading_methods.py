"""Grading methods (contract section 15): which of a learner's submissions count for their
grade, and what the grade is. Pure: plain data in, plain data out, exact arithmetic.

A submission here is a dict with `id`, `attempt_number`, `submitted_at`, `score`,
`passed`, `points_earned` and `points_possible`, as stored.
"""

from decimal import Decimal
from fractions import Fraction

NO_GRADE = {"score": None, "passed": None, "submission_id": None, "submissions_counted": 0, "first_passed_at": None}


def ratio(submission):
    """The exact share of the points a submission earned."""
    return Fraction(Decimal(submission["points_earned"])) / Fraction(Decimal(submission["points_possible"]))


def counted_submission(submissions, method):
    """The one submission that counts under highest, latest or first. Highest compares the
    exact ratios (not the rounded scores); of equal ones, the earliest attempt counts."""
    if method == "first":
        return min(submissions, key=lambda s: s["attempt_number"])
    if method == "latest":
        return max(submissions, key=lambda s: s["attempt_number"])
    if method == "highest":
        return max(submissions, key=lambda s: (ratio(s), -s["attempt_number"]))
    raise ValueError(f"{method} counts every submission")


def percent_half_up(share):
    """An exact share (0 to 1) as a percentage rounded half-up to two decimals."""
    hundredths = (2 * share.numerator * 10_000 + share.denominator) // (2 * share.denominator)
    return (Decimal(hundredths) / 100).quantize(Decimal("0.01"))


def grade_of(submissions, method, passing_score):
    """The grade figures of one learner's submissions: {score, passed, submission_id,
    submissions_counted, first_passed_at} (NO_GRADE without submissions).

    Average is the mean of the exact ratios, rounded only when shown, and passes on the
    exact mean; the other methods take the counted submission's stored score and pass
    mark. `first_passed_at` is when the learner first submitted a passing submission.
    """
    if not submissions:
        return dict(NO_GRADE)
    first_passed_at = min((s["submitted_at"] for s in submissions if s["passed"]), default=None)
    if method == "average":
        mean = sum(ratio(s) for s in submissions) / len(submissions)
        return {
            "score": percent_half_up(mean),
            "passed": mean * 100 >= passing_score,
            "submission_id": None,
            "submissions_counted": len(submissions),
            "first_passed_at": first_passed_at,
        }
    counted = counted_submission(submissions, method)
    return {
        "score": Decimal(counted["score"]),
        "passed": counted["passed"],
        "submission_id": counted["id"],
        "submissions_counted": 1,
        "first_passed_at": first_passed_at,
    }
