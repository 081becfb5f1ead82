"""Courses and enrollments, and the course-level rights that come from enrollments."""
