"""CSV exports of submissions and grades (contract section 17): every row the JSON list
would page through, as the caller may see it, streamed from a read connection."""

import datetime
import functools

from ..core.jsonio import iso_timestamp
from ..http.csv_stream import csv_response
from . import exports_sql
from .grades import grade_json

SUBMISSION_COLUMNS = (
    "submission_id",
    "learner_id",
    "attempt_number",
    "submitted_at",
    "finalized_by",
    "late",
    "score",
    "passed",
    "points_earned",
    "points_possible",
)
GRADE_COLUMNS = (
    "assessment_id",
    "learner_id",
    "grading_method",
    "score",
    "passed",
    "submission_id",
    "submissions_counted",
    "attempts_used",
    "attempts_allowed",
    "first_passed_at",
    "updated_at",
)
_SCORE_CELLS = slice(6, 9)  # score, passed, points_earned


def submissions_csv(assessment, questions, filters, view):
    """The submissions CSV: one row a submission, then the points earned on each question
    (in position order) as `view` (one for every row: a manager's, or the learner's own)
    lets the reader see them."""
    question_ids = [question["id"] for question in questions]
    hidden_points = [None] * len(question_ids)
    # The results' ids as PostgreSQL writes a text array (ids need no quoting): a paper of
    # the questions in position order (no groups, no shuffle) has exactly this text.
    in_position_order = "{" + ",".join(question_ids) + "}"

    def rows(conn):
        found = exports_sql.submission_rows(
            conn, assessment_id=assessment["id"], learner_id=filters["learner_id"], visible_to=filters["visible_to"]
        )
        for *cells, ids, points in found:
            if not view["score_visible"]:
                cells[_SCORE_CELLS] = [None, None, None]
            if not view["correctness_visible"]:
                cells.extend(hidden_points)
            elif ids == in_position_order:
                cells.extend(_points(points))
            else:
                earned = dict(zip(_elements(ids), _points(points), strict=True))
                cells.extend(earned.get(question_id) for question_id in question_ids)
            yield cells

    return csv_response([*SUBMISSION_COLUMNS, *question_ids], rows, f"{assessment['id']}-submissions.csv")


def grades_csv(course_id, assessment_id, learner_id, manager, filename):
    """The grades CSV of one assessment (or of the course's gradebook, assessment_id None):
    the grade objects' fields, a learner's as their review policy shows them."""

    def rows(conn):
        for row in exports_sql.grade_rows(conn, course_id=course_id, assessment_id=assessment_id, learner_id=learner_id):
            grade = grade_json(row, full_view=manager)
            yield [_cell(grade[name]) for name in GRADE_COLUMNS]

    return csv_response(GRADE_COLUMNS, rows, filename)


def _elements(array_text):
    """The elements of a PostgreSQL array of ids or integers as text ("{a,b}" -> ["a", "b"])."""
    inner = array_text[1:-1]
    return inner.split(",") if inner else []


def _points(cents_array_text):
    """Points earned, given in cents as array text, as two-decimal cells ("{150,0}" -> ["1.50", "0.00"])."""
    return [_two_decimals(cents) for cents in _elements(cents_array_text)]


@functools.lru_cache(maxsize=1 << 16)
def _two_decimals(cents_text):
    # Cached: an export repeats few distinct values across its rows.
    cents = int(cents_text)
    return f"{cents // 100}.{cents % 100:02d}"


def _cell(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return iso_timestamp(value)
    return value
