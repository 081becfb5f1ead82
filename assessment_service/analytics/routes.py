"""Statistics of an assessment (contract section 17), for its managers; read from the read
replica when DATABASE_READ_URL is set."""

from datetime import UTC, datetime

from flask import Blueprint, jsonify

from ..authoring.loaders import load_assessment
from ..http.bodies import parse_query
from ..http.openapi import Tag, documented
from ..identity.authentication import current_user
from ..platform import db
from .item_analysis import statistics_of
from .schemas import StatisticsQuery, StatisticsSchema

bp = Blueprint("analytics", __name__)

STATISTICS = Tag("Statistics", "Item analysis of an assessment: score figures, reliability and per-question figures.")
statistics_query = StatisticsQuery()


@bp.get("/assessments/<id:assessment_id>/statistics")
@documented(
    "An assessment's statistics (admin or course instructor)",
    tag=STATISTICS,
    description="Figures over the submissions `attempts` counts; a question's over the submissions whose paper held it. "
    "Figures are rounded half away from zero to 4 decimals (mean, median, min and max to 2), null where undefined.",
    query=StatisticsQuery,
    response=StatisticsSchema,
    errors={403: "`forbidden`: only an admin or an instructor of the course may do this."},
)
def get_statistics(assessment_id):
    assessment = load_assessment(db.connection(), current_user(), assessment_id, manage=True, with_questions=True)
    query = parse_query(statistics_query)
    with db.reading() as conn:
        figures = statistics_of(conn, assessment, assessment["questions"], query["attempts"], datetime.now(UTC))
    return jsonify(figures)
