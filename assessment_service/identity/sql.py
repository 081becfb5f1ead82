"""SQL for users and their bearer tokens."""

from ..platform.sql import execute, fetch_all, fetch_one, fetch_page, fetch_value
from ..platform.statements import Statement


def insert_user(conn, *, user_id, name, email, email_key, role):
    """The new user, or None when the email (by its key) is taken."""
    return fetch_one(
        conn,
        """
        insert into users (id, name, email, email_key, role)
        values (%(id)s, %(name)s, %(email)s, %(email_key)s, %(role)s)
        on conflict do nothing
        returning id, name, email, role, created_at
        """,
        {"id": user_id, "name": name, "email": email, "email_key": email_key, "role": role},
    )


def users_without_email_key(conn):
    """(id, email) of the users stored before email keys existed."""
    return fetch_all(conn, "select id, email from users where email_key is null order by created_at, id")


def set_email_key(conn, *, user_id, email_key):
    """Fill one user's key; False when another user already has it."""
    return bool(
        execute(
            conn,
            """
            update users
            set email_key = %(email_key)s
            where id = %(id)s
              and not exists (select 1 from users other where other.email_key = %(email_key)s)
            """,
            {"id": user_id, "email_key": email_key},
        )
    )


def get_user(conn, user_id):
    return fetch_one(
        conn,
        """
        select id, name, email, role, created_at
        from users
        where id = %(id)s
        """,
        {"id": user_id},
    )


def list_users(conn, *, limit, offset):
    count = "select count(*) from users"
    return fetch_page(
        conn,
        f"""
        select id, name, email, role, created_at,
               ({count}) as page_total
        from users
        order by created_at, id
        limit %(limit)s offset %(offset)s
        """,
        count,
        {"limit": limit, "offset": offset},
    )


def insert_token(conn, *, token_id, user_id, token_hash):
    return fetch_one(
        conn,
        """
        insert into tokens (id, user_id, token_hash)
        values (%(id)s, %(user_id)s, %(token_hash)s)
        returning id, created_at
        """,
        {"id": token_id, "user_id": user_id, "token_hash": token_hash},
    )


USER_FOR_TOKEN = Statement(
    "user_for_token",
    """
    select u.id, u.name, u.email, u.role, u.created_at
    from tokens t
    join users u on u.id = t.user_id
    where t.token_hash = %(token_hash)s
      and t.revoked_at is null
    """,
)


def user_for_token(conn, token_hash):
    """The user holding this (unrevoked) token; served by tokens_token_hash_key."""
    return fetch_one(conn, USER_FOR_TOKEN, {"token_hash": token_hash})


def revoke_token(conn, *, user_id, token_id):
    """Revoke; the number of tokens revoked now (0 when unknown or already revoked)."""
    return execute(
        conn,
        """
        update tokens
        set revoked_at = now()
        where id = %(token_id)s
          and user_id = %(user_id)s
          and revoked_at is null
        """,
        {"token_id": token_id, "user_id": user_id},
    )


def token_exists(conn, *, user_id, token_id):
    return fetch_value(
        conn,
        "select exists (select 1 from tokens where id = %(token_id)s and user_id = %(user_id)s)",
        {"token_id": token_id, "user_id": user_id},
    )
