"""SQL for webhook deliveries: taking the due ones, recording what came of them, reading them."""

from ...platform.sql import execute, fetch_all, fetch_one, fetch_page, fetch_value

DELIVERY_COLUMNS = """d.id, d.endpoint_id, d.event_id, e.type as event_type, d.status, d.tries, d.last_http_status,
               d.last_error, d.next_try_at, d.last_tried_at, d.delivered_at, d.created_at"""


def fan_out(conn, *, batch):
    """Make the deliveries of up to `batch` events of the feed after the fan-out's cursor,
    one to each enabled endpoint that takes the event's type and existed when it was
    written, and move the cursor past them; how many events were fanned out.

    The cursor row is locked until commit (one fan-out at a time), in a statement of its own
    so that the next one sees the feed as the last fan-out left it. Feed positions are given
    in runs that commit in order, so what lies past the cursor is never filled in later.
    """
    cursor = fetch_value(
        conn,
        """
        insert into webhook_fanout as c (singleton, position)
        values (true, 0)
        on conflict (singleton) do update
            set position = c.position
        returning c.position
        """,
    )
    return fetch_value(
        conn,
        """
        with batch as (
            select f.position, f.event_id, f.type, e.created_at
            from event_feed f
            join events e on e.id = f.event_id
            where f.position > %(cursor)s
            order by f.position
            limit %(batch)s
        ), made as (
            insert into webhook_deliveries (id, endpoint_id, event_id, next_try_at)
            select 'whd_' || replace(gen_random_uuid()::text, '-', ''), w.id, b.event_id, now()
            from batch b
            join webhook_endpoints w
              on w.enabled
             and w.created_at <= b.created_at
             and (b.type = any (w.event_types) or '*' = any (w.event_types))
            order by b.position, w.id
            on conflict (endpoint_id, event_id) do nothing
        ), moved_on as (
            update webhook_fanout
            set position = (select max(position) from batch)
            where exists (select 1 from batch)
        )
        select count(*) from batch
        """,
        {"cursor": cursor, "batch": batch},
    )


def claim_due(conn, *, batch, lease_seconds):
    """Take up to `batch` due deliveries (skipping those another worker is taking), each with
    its event and its endpoint's URL and sealed secrets; one try more each.

    The lease (a new uuid, and next_try_at moved `lease_seconds` on) keeps every other
    worker off them while this one delivers, outside any transaction; a worker that dies
    meanwhile leaves them to be taken again when the lease runs out. Served by
    webhook_deliveries_due_idx.
    """
    return fetch_all(
        conn,
        """
        with due as (
            select d.id
            from webhook_deliveries d
            where d.status = 'pending'
              and d.next_try_at <= now()
            order by d.next_try_at
            limit %(batch)s
            for update skip locked
        ), claimed as (
            update webhook_deliveries d
            set tries = d.tries + 1,
                lease = gen_random_uuid(),
                next_try_at = now() + make_interval(secs => %(lease_seconds)s),
                last_tried_at = now()
            from due
            where d.id = due.id
            returning d.id, d.endpoint_id, d.event_id, d.tries, d.lease
        )
        select c.id, c.endpoint_id, c.tries, c.lease::text as lease,
               e.id as event_id, e.type, e.created_at, e.payload::text as payload,
               w.url, w.secret_sealed,
               case when w.previous_secret_expires_at > now() then w.previous_secret_sealed end as previous_secret_sealed
        from claimed c
        join events e on e.id = c.event_id
        join webhook_endpoints w on w.id = c.endpoint_id
        order by c.endpoint_id, e.created_at, e.id
        """,
        {"batch": batch, "lease_seconds": lease_seconds},
    )


def record_outcomes(conn, outcomes, *, backoff_seconds):
    """Store what came of each try, for deliveries still under the lease it was taken with.

    `outcomes`: (delivery id, lease, outcome, HTTP status or None, error or None), where
    outcome is `delivered`; `failed` (retried after backoff_seconds[tries - 1], or failed
    for good once every one is used); or `released` (not tried after all: due again now,
    the try not counted). A disabled endpoint's deliveries wait paused.
    """
    if not outcomes:
        return
    ids, leases, kinds, statuses, errors = (list(column) for column in zip(*outcomes))
    execute(
        conn,
        """
        update webhook_deliveries d
        set status = case
                when r.outcome = 'delivered' then 'delivered'
                when r.outcome = 'failed' and d.tries > cardinality(%(backoff)s::integer[]) then 'failed'
                else 'pending'
            end,
            next_try_at = case
                when r.outcome = 'delivered' then null
                when r.outcome = 'failed' and d.tries > cardinality(%(backoff)s::integer[]) then null
                when not w.enabled then null
                when r.outcome = 'released' then now()
                else now() + make_interval(secs => (%(backoff)s::integer[])[d.tries])
            end,
            tries = case when r.outcome = 'released' then d.tries - 1 else d.tries end,
            lease = null,
            last_http_status = case when r.outcome = 'released' then d.last_http_status else r.http_status end,
            last_error = case when r.outcome = 'released' then d.last_error else r.error end,
            delivered_at = case when r.outcome = 'delivered' then now() end
        from unnest(%(ids)s::text[], %(leases)s::uuid[], %(outcomes)s::text[], %(statuses)s::integer[], %(errors)s::text[])
                 as r (id, lease, outcome, http_status, error),
             webhook_endpoints w
        where d.id = r.id
          and d.lease = r.lease
          and w.id = d.endpoint_id
        """,
        {"ids": ids, "leases": leases, "outcomes": kinds, "statuses": statuses, "errors": errors, "backoff": list(backoff_seconds)},
    )


def list_deliveries(conn, *, endpoint_id, status, limit, offset):
    """(rows, total) of a page of an endpoint's deliveries, oldest first, one status's or
    all (webhook_deliveries_endpoint_created_idx)."""
    where = """
        where d.endpoint_id = %(endpoint_id)s
          and (%(status)s::text is null or d.status = %(status)s)
    """
    count = f"select count(*) from webhook_deliveries d {where}"
    return fetch_page(
        conn,
        f"""
        select {DELIVERY_COLUMNS}, ({count}) as page_total
        from webhook_deliveries d
        join events e on e.id = d.event_id
        {where}
        order by d.created_at, d.id
        limit %(limit)s offset %(offset)s
        """,
        count,
        {"endpoint_id": endpoint_id, "status": status, "limit": limit, "offset": offset},
    )


def retry_delivery(conn, *, endpoint_id, delivery_id):
    """Start a delivery's tries again (pending, no try counted, due now unless its endpoint is
    disabled); a try in flight no longer counts. None when the endpoint has no such delivery."""
    return fetch_one(
        conn,
        f"""
        with retried as (
            update webhook_deliveries d
            set status = 'pending',
                tries = 0,
                lease = null,
                next_try_at = case when w.enabled then clock_timestamp() end,
                delivered_at = null
            from webhook_endpoints w
            where d.id = %(delivery_id)s
              and d.endpoint_id = %(endpoint_id)s
              and w.id = d.endpoint_id
            returning d.*
        )
        select {DELIVERY_COLUMNS}
        from retried d
        join events e on e.id = d.event_id
        """,
        {"endpoint_id": endpoint_id, "delivery_id": delivery_id},
    )
