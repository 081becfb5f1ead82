"""SQL for webhook endpoints."""

from ...platform.sql import execute, fetch_one, fetch_page

ENDPOINT_COLUMNS = """w.id, w.url, w.event_types, w.description, w.enabled,
               case when w.previous_secret_expires_at > now() then w.previous_secret_expires_at end as previous_secret_expires_at,
               w.created_at, w.updated_at"""


def insert_endpoint(conn, *, endpoint_id, url, event_types, description, secret_sealed):
    return fetch_one(
        conn,
        f"""
        insert into webhook_endpoints as w (id, url, event_types, description, secret_sealed)
        values (%(id)s, %(url)s, %(event_types)s, %(description)s, %(secret_sealed)s)
        returning {ENDPOINT_COLUMNS}
        """,
        {"id": endpoint_id, "url": url, "event_types": event_types, "description": description, "secret_sealed": secret_sealed},
    )


def get_endpoint(conn, endpoint_id, *, for_update=False):
    lock = "for update" if for_update else ""
    return fetch_one(conn, f"select {ENDPOINT_COLUMNS} from webhook_endpoints w where w.id = %(id)s {lock}", {"id": endpoint_id})


def list_endpoints(conn, *, limit, offset):
    """(rows, total) of a page, oldest first (webhook_endpoints_created_idx)."""
    return fetch_page(
        conn,
        f"""
        select {ENDPOINT_COLUMNS}, (select count(*) from webhook_endpoints) as page_total
        from webhook_endpoints w
        order by w.created_at, w.id
        limit %(limit)s offset %(offset)s
        """,
        "select count(*) from webhook_endpoints",
        {"limit": limit, "offset": offset},
    )


# The columns a PATCH may change (names: ours, never the caller's).
CHANGEABLE = ("url", "event_types", "description", "enabled")


def update_endpoint(conn, *, endpoint_id, changes):
    assignments = ", ".join(f"{name} = %({name})s" for name in CHANGEABLE if name in changes)
    return fetch_one(
        conn,
        f"""
        update webhook_endpoints w
        set {assignments}, updated_at = clock_timestamp()
        where w.id = %(id)s
        returning {ENDPOINT_COLUMNS}
        """,
        {**{name: changes[name] for name in CHANGEABLE if name in changes}, "id": endpoint_id},
    )


def pause_deliveries(conn, endpoint_id):
    """A disabled endpoint's pending deliveries wait (next_try_at null) until it is enabled."""
    execute(
        conn,
        "update webhook_deliveries set next_try_at = null where endpoint_id = %(id)s and status = 'pending'",
        {"id": endpoint_id},
    )


def resume_deliveries(conn, endpoint_id):
    execute(
        conn,
        """
        update webhook_deliveries
        set next_try_at = clock_timestamp()
        where endpoint_id = %(id)s
          and status = 'pending'
          and next_try_at is null
        """,
        {"id": endpoint_id},
    )


def delete_endpoint(conn, endpoint_id):
    """Delete an endpoint and its deliveries; whether it existed."""
    return execute(conn, "delete from webhook_endpoints where id = %(id)s", {"id": endpoint_id}) == 1


def rotate_secret(conn, *, endpoint_id, secret_sealed, overlap_hours):
    """The new secret signs from now on; the one it replaces beside it for `overlap_hours`."""
    return fetch_one(
        conn,
        f"""
        update webhook_endpoints w
        set previous_secret_sealed = w.secret_sealed,
            previous_secret_expires_at = now() + make_interval(hours => %(overlap_hours)s),
            secret_sealed = %(secret_sealed)s,
            updated_at = clock_timestamp()
        where w.id = %(id)s
        returning {ENDPOINT_COLUMNS}
        """,
        {"id": endpoint_id, "secret_sealed": secret_sealed, "overlap_hours": overlap_hours},
    )
