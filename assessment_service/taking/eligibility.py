"""Who may take an assessment: a learner with an active learner enrollment in its course."""

from ..core.errors import ApiError, forbidden


def require_learner_may_submit(user, enrollment):
    """Only a learner with an active learner enrollment submits or starts attempts."""
    if user["role"] != "learner":
        raise forbidden("Only learners submit assessments.")
    if enrollment is None or enrollment["role"] != "learner" or enrollment["status"] != "active":
        raise ApiError(403, "not_enrolled", "You are not actively enrolled in this course.")
