"""Grading: what a submission is worth (scoring), and later grades, review and regrades."""
