"""An assessment's grading settings (contract section 15): its grading method and its review
policy, as an instructor sets them, and which of them an assessment can reach. What they
do is grading's (grading.grading_methods, grading.review)."""

GRADING_METHODS = ("highest", "latest", "first", "average")

MOMENTS = ("immediately", "after_last_attempt", "after_due", "after_close", "never")
REVIEW_KEYS = ("show_score", "show_correctness", "show_correct_answers")
DEFAULT_REVIEW = {"show_score": "immediately", "show_correctness": "immediately", "show_correct_answers": "never"}
# The setting a moment needs the assessment to have.
MOMENT_NEEDS = {"after_last_attempt": "max_attempts", "after_due": "due_at", "after_close": "available_until"}


def review_errors(review, settings):
    """{field: [message]} for the moments of `review` an assessment with `settings` (merged,
    as they will be) can never reach."""
    errors = {}
    for key in REVIEW_KEYS:
        needed = MOMENT_NEEDS.get(review[key])
        if needed is not None and settings.get(needed) is None:
            errors[f"review.{key}"] = [f"{review[key]} needs the assessment's {needed}."]
    return errors
