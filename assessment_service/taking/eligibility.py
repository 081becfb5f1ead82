"""Who may take an assessment: a learner with an active learner enrollment in its course."""

from ..core.errors import ApiError, forbidden


def holds_active_learner_enrollment(enrollment):
    return enrollment is not None and enrollment["role"] == "learner" and enrollment["status"] == "active"


def not_enrolled():
    return ApiError(403, "not_enrolled", "You are not actively enrolled in this course.")


def require_learner_may_submit(user, enrollment):
    """Only a learner with an active learner enrollment submits or starts attempts."""
    if user["role"] != "learner":
        raise forbidden("Only learners submit assessments.")
    if not holds_active_learner_enrollment(enrollment):
        raise not_enrolled()
