"""Public ids: a prefix naming the kind, an underscore, random alphanumerics."""

import secrets

ID_PATTERN = r"[a-z]{2,6}_[A-Za-z0-9]{1,40}"


def new_id(prefix):
    """A fresh public id: prefix, underscore, 24 hex digits (96 random bits)."""
    return f"{prefix}_{secrets.token_hex(12)}"
