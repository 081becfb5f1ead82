"""Item analysis (contract section 17): the figures of an assessment's statistics, from the
sums the SQL gathers. Pure: plain data in, plain data out, exact arithmetic.

Everything arrives as exact integers or decimals: a submission's score as stored (two
decimals), a result's credit in ten-thousandths (its 4-place `credit`) and its points in
cents. Variances and correlations are then exact fractions until the one square root a
figure may need, taken to 40 digits. "Rounded" is half away from zero (half-up on the
magnitude, as PostgreSQL's round() and the scores of section 5): 0.00005 -> 0.0001,
-0.00005 -> -0.0001. A figure that is undefined (no submission, no variance) is None.

Scores (mean, median, min, max) are rounded to 2 decimals; every other figure to 4.
"""

from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

CREDIT_UNIT = 10_000  # credit in ten-thousandths
POINT_UNIT = 100  # points in cents
HISTOGRAM_BUCKETS = 10
_PRECISE = Context(prec=40)
_FOUR = Decimal("0.0001")
_TWO = Decimal("0.01")


def group_size(n):
    """How many submissions the top (and the bottom) group of n holds for discrimination:
    max(1, round(0.27 n)), half-up (27n/100 is exact, so floor((27n + 50) / 100))."""
    return max(1, (27 * n + 50) // 100)


def _decimal(value):
    value = Fraction(value)
    return _PRECISE.divide(Decimal(value.numerator), Decimal(value.denominator))


def rounded(value, places=_FOUR):
    """An exact value (int, Fraction, Decimal) rounded half away from zero; None stays None."""
    if value is None:
        return None
    result = _decimal(value).quantize(places, rounding=ROUND_HALF_UP)
    return result + 0 if result else Decimal(0).quantize(places)  # no "-0.0000"


def _root(value):
    """The square root of a non-negative exact value, as a 40-digit Decimal."""
    return _PRECISE.sqrt(_decimal(value))


def _variance(n, total, squares):
    """The population variance of n values from their sum and sum of squares (exact)."""
    return Fraction(n * squares - total * total, n * n)


def score_figures(frequencies):
    """{mean, median, stdev, min, max, pass_rate, histogram} of the counted submissions'
    scores, given as [(score, count, passed_count)] in ascending score order (each score a
    Decimal as stored)."""
    n = sum(count for _, count, _ in frequencies)
    histogram = [{"from": 10 * b, "to": 10 * (b + 1), "count": 0} for b in range(HISTOGRAM_BUCKETS)]
    for score, count, _ in frequencies:
        # Buckets of 10 points, each from <= score < to; the last also holds 100.
        histogram[min(int(score // 10), HISTOGRAM_BUCKETS - 1)]["count"] += count
    if n == 0:
        return {"mean": None, "median": None, "stdev": None, "min": None, "max": None, "pass_rate": None, "histogram": histogram}
    total = sum(Fraction(score) * count for score, count, _ in frequencies)
    squares = sum(Fraction(score) ** 2 * count for score, count, _ in frequencies)
    variance = _variance(n, total, squares)
    return {
        "mean": rounded(total / n, _TWO),
        "median": rounded(_median(frequencies, n), _TWO),
        "stdev": rounded(_root(variance)),
        "min": rounded(frequencies[0][0], _TWO),
        "max": rounded(frequencies[-1][0], _TWO),
        "pass_rate": rounded(Fraction(sum(passed for _, _, passed in frequencies), n)),
        "histogram": histogram,
    }


def score_variance(frequencies):
    """The exact population variance of the scores (None without submissions)."""
    n = sum(count for _, count, _ in frequencies)
    if n == 0:
        return None
    total = sum(Fraction(score) * count for score, count, _ in frequencies)
    squares = sum(Fraction(score) ** 2 * count for score, count, _ in frequencies)
    return _variance(n, total, squares)


def _median(frequencies, n):
    """The middle score (the mean of the middle two for an even n)."""
    wanted = [(n - 1) // 2, n // 2]  # 0-based positions of the middle one or two
    found = []
    seen = 0
    for score, count, _ in frequencies:
        while wanted and wanted[0] < seen + count:
            found.append(Fraction(score))
            wanted.pop(0)
        seen += count
    return sum(found) / 2


def question_figures(sums):
    """{responses, answered, facility, discrimination, point_biserial} of one question from
    the sums over the n counted submissions whose paper held it:

    n, answered; credit, credit_squares (credit in ten-thousandths); rest, rest_squares,
    credit_rest (rest: the points, in cents, the submission earned on its other questions);
    top_credit, bottom_credit: the credit of the top and bottom group_size(n) of those
    submissions by score (ties: the earlier submission first).
    """
    n = sums["n"]
    figures = {"responses": n, "answered": sums["answered"], "facility": None, "discrimination": None, "point_biserial": None}
    if n == 0:
        return figures
    figures["facility"] = rounded(Fraction(sums["credit"], n * CREDIT_UNIT))
    figures["discrimination"] = rounded(Fraction(sums["top_credit"] - sums["bottom_credit"], group_size(n) * CREDIT_UNIT))
    figures["point_biserial"] = rounded(
        _pearson(n, sums["credit"], sums["credit_squares"], sums["rest"], sums["rest_squares"], sums["credit_rest"])
    )
    return figures


def _pearson(n, x, xx, y, yy, xy):
    """The Pearson correlation from exact sums; None when either side has no variance."""
    spread_x = n * xx - x * x
    spread_y = n * yy - y * y
    if n < 2 or spread_x <= 0 or spread_y <= 0:
        return None
    covariance = n * xy - x * y
    sign = -1 if covariance < 0 else 1
    # r = cov / sqrt(sx sy); r^2 is exact, so one root gives |r|.
    return sign * _root(Fraction(covariance * covariance, spread_x * spread_y))


def reliability(n, questions, totals, variance_of_scores):
    """{cronbach_alpha, sem} over the k questions on every counted paper.

    `questions`: for each of them (n, points, points_squares), points in cents; `totals`:
    (sum, sum of squares) over the n submissions of the points earned on those k questions
    together; `variance_of_scores`: the exact population variance of the scores. Alpha is
    None with fewer than 2 submissions, k < 2, or no variance in the totals; sem with alpha.
    """
    k = len(questions)
    none = {"cronbach_alpha": None, "sem": None}
    if n < 2 or k < 2:
        return none
    total_variance = _variance(n, *totals)
    if total_variance == 0:
        return none
    item_variances = sum(_variance(count, points, squares) for count, points, squares in questions)
    alpha = Fraction(k, k - 1) * (1 - item_variances / total_variance)
    # sem = stdev x sqrt(1 - alpha) = sqrt(variance x (1 - alpha)): one root of an exact value.
    return {"cronbach_alpha": rounded(alpha), "sem": rounded(_root(variance_of_scores * (1 - alpha)))}
