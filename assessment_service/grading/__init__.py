"""Grading: what a submission is worth (scoring), and how stored submissions are read."""
