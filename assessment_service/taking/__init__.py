"""Taking: attempts, the retake limit, submitting answers."""
