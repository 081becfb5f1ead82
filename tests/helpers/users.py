"""Users with tokens, made straight through the domain function (as the CLI does)."""

import uuid
from dataclasses import dataclass

import psycopg2

from assessment_service.identity.users import create_user


@dataclass
class Caller:
    """A user and their token; `headers` authenticates a request as them."""

    id: str
    role: str
    email: str
    token: str

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}


def new_user(conn, role, *, name=None, email=None):
    """A user of `role` with a token, committed on `conn`."""
    number = uuid.uuid4().hex[:10]
    email = email or f"{role}.{number}@example.com"
    body = create_user(conn, name=name or f"{role.title()} {number}", email=email, role=role)
    conn.commit()
    return Caller(id=body["user"]["id"], role=role, email=email, token=body["token"]["value"])


def new_user_at(dsn, role, **names):
    """new_user on a connection of its own to `dsn`."""
    conn = psycopg2.connect(dsn)
    try:
        return new_user(conn, role, **names)
    finally:
        conn.close()
