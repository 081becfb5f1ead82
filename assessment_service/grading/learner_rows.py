"""Reading an assessment's rows that belong to learners (submissions, attempts): managers
read everyone's, a learner only their own (courses.permissions.own_rows_only)."""

from ..authoring.loaders import load_assessment
from ..courses.permissions import own_rows_only, require_own_row
from ..http.bodies import parse_query
from ..http.pagination import page_window
from ..identity.authentication import current_user
from ..platform import db
from .schemas import LearnerFilterQuery

learner_filter_query = LearnerFilterQuery()


def one_row(assessment_id, what, fetch):
    """(the assessment, fetch(conn)) of the current request, when the caller may read the
    row (404 otherwise)."""
    user = current_user()
    conn = db.connection()
    assessment = load_assessment(conn, user, assessment_id)
    return assessment, require_own_row(user, assessment, fetch(conn), what)


def page_request(assessment_id):
    """(conn, the assessment, the parsed query, the filters of the SQL list function) of a
    list request."""
    user = current_user()
    conn = db.connection()
    assessment = load_assessment(conn, user, assessment_id)
    query = parse_query(learner_filter_query)
    limit, offset = page_window(query)
    filters = {
        "assessment_id": assessment_id,
        "learner_id": query["learner_id"],
        "visible_to": own_rows_only(user, assessment),
        "limit": limit,
        "offset": offset,
    }
    return conn, assessment, query, filters
