"""The global roles, and the rules that need only them."""

from ..core.errors import forbidden

ROLES = ("admin", "instructor", "learner")


def require_admin(user):
    if user["role"] != "admin":
        raise forbidden("Only an admin may do this.")


def require_admin_or_self(user, user_id):
    if user["role"] != "admin" and user["id"] != user_id:
        raise forbidden("Only an admin or the user themself may do this.")


def require_admin_or_instructor(user):
    """Only admins and instructors create courses (and assessments in the courses they teach)."""
    if user["role"] not in ("admin", "instructor"):
        raise forbidden("Only admins and instructors create courses and assessments.")
