"""Authoring: assessments, their questions, and the question types."""
