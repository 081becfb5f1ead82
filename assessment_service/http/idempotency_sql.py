"""SQL for Idempotency-Key records: one row per (user, key), holding the first response."""

from ..platform.sql import execute, fetch_one


def claim(conn, *, user_id, key, request_hash, ttl_hours):
    """Claim the key for this request: True when this request is to do the work.

    A concurrent request holding the same key makes this wait until it commits (then the
    key is taken: False) or rolls back (then the claim goes through). A record older than
    the TTL is taken over as if it were new.
    """
    row = fetch_one(
        conn,
        """
        insert into idempotency_keys as k (user_id, key, request_hash)
        values (%(user_id)s, %(key)s, %(request_hash)s)
        on conflict (user_id, key) do update
            set request_hash = excluded.request_hash,
                status = null,
                response_body = null,
                location = null,
                created_at = now()
            where k.created_at < now() - make_interval(hours => %(ttl_hours)s)
        returning k.key
        """,
        {"user_id": user_id, "key": key, "request_hash": request_hash, "ttl_hours": ttl_hours},
    )
    return row is not None


def stored(conn, *, user_id, key):
    return fetch_one(
        conn,
        """
        select request_hash, status, response_body, location
        from idempotency_keys
        where user_id = %(user_id)s
          and key = %(key)s
        """,
        {"user_id": user_id, "key": key},
    )


def remember(conn, *, user_id, key, status, response_body, location):
    execute(
        conn,
        """
        update idempotency_keys
        set status = %(status)s,
            response_body = %(response_body)s,
            location = %(location)s
        where user_id = %(user_id)s
          and key = %(key)s
        """,
        {"user_id": user_id, "key": key, "status": status, "response_body": response_body, "location": location},
    )


def sweep_expired(conn, *, ttl_hours, batch=100):
    """Delete up to `batch` expired records (served by idempotency_keys_created_at_idx)."""
    return execute(
        conn,
        """
        delete from idempotency_keys
        where ctid = any (array(
            select ctid
            from idempotency_keys
            where created_at < now() - make_interval(hours => %(ttl_hours)s)
            limit %(batch)s
        ))
        """,
        {"ttl_hours": ttl_hours, "batch": batch},
    )


def release(conn, *, user_id, key):
    """Give a claim up (its request answers an error that must not be replayed)."""
    execute(conn, "delete from idempotency_keys where user_id = %(user_id)s and key = %(key)s", {"user_id": user_id, "key": key})
