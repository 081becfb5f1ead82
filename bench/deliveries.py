"""How fast the worker delivers webhooks to a local receiver (bench/README.md).

A backlog of events is committed at once while real worker processes (`flask --app app
worker`) wait idle with one endpoint that takes every type; the time until every event is
delivered (positioned in the feed, fanned out, POSTed, recorded) gives the deliveries per
second. The receiver
is nginx on loopback answering `204` (so that the receiver costs little of the 2 cores);
the time until none is left pending gives the deliveries per second. Every POST is the
event's JSON, signed as in production.
"""

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2

from assessment_service.events import signing
from tests.helpers.servers import WorkerProcess, free_port

from .nginx import nginx_binary

ENDPOINT_ID = "whe_bench0001"


class Receiver:
    """nginx answering 204 to every request on a free loopback port, kept alive."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.port = free_port()
        temp_paths = "".join(f"{kind}_temp_path {directory}/{kind}_temp; " for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        self.config = self.directory / "receiver.conf"
        self.config.write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"worker_processes 1;\npid {directory}/receiver.pid;\nerror_log {directory}/receiver-error.log warn;\n"
            + "events { worker_connections 1024; }\n"
            + f"http {{ access_log off; {temp_paths} keepalive_requests 100000;\n"
            + f"  server {{ listen 127.0.0.1:{self.port}; location / {{ return 204; }} }} }}\n"
        )

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                nginx_binary(),
                "-p",
                str(self.directory),
                "-e",
                f"{self.directory}/receiver-error.log",
                "-c",
                str(self.config),
                "-g",
                "daemon off;",
            ],
            start_new_session=True,
        )
        time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=10)


def seed_endpoint(dsn, url):
    _execute(
        dsn,
        "insert into webhook_endpoints (id, url, event_types, secret_sealed) values (%s, %s, array['*'], %s)",
        (ENDPOINT_ID, url, signing.seal(None, signing.new_secret())),
    )


def write_backlog(dsn, count):
    """`count` events written at once, in one transaction, as if by as many changes."""
    _execute(
        dsn,
        """
        insert into events (id, aggregatetype, aggregateid, type, payload)
        select 'evt_bench' || n, 'enrollment', 'enr_bench' || n, 'enrollment.updated',
               json_build_object('id', 'enr_bench' || n, 'course_id', 'crs_bench', 'user_id', 'usr_bench' || n,
                                 'role', 'learner', 'status', 'active', 'time_multiplier', null,
                                 'created_at', '2026-11-29T13:40:21.123Z', 'updated_at', '2026-11-29T13:40:21.123Z')
        from generate_series(1, %(count)s) as n
        """,
        {"count": count},
    )


def _execute(dsn, query, params=None):
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(query, params)
            result = cur.fetchone() if cur.description else None
        conn.commit()
        return result
    finally:
        conn.close()


def measure(dsn, count=10_000, workers=1):
    """{deliveries, workers, seconds, per_second} of delivering a backlog of `count`."""
    with tempfile.TemporaryDirectory(prefix="bench-receiver-") as directory, Receiver(directory) as receiver:
        os.chmod(directory, 0o755)
        seed_endpoint(dsn, f"http://127.0.0.1:{receiver.port}/hooks")
        env = {"WEBHOOK_ALLOW_LOOPBACK": "true"}
        processes = [WorkerProcess(dsn, idle_seconds=0.1, extra_env=env) for _ in range(workers)]
        time.sleep(3)  # the workers are up and idle: what is timed is their work only
        write_backlog(dsn, count)
        started = time.monotonic()
        try:
            done = "select count(*) from webhook_deliveries where endpoint_id = %s and status = 'delivered'"
            while _execute(dsn, done, (ENDPOINT_ID,))[0] < count:
                time.sleep(0.05)
            seconds = time.monotonic() - started
        finally:
            for process in processes:
                process.stop()
        (delivered,) = _execute(dsn, "select count(*) from webhook_deliveries where status = 'delivered'")
        _execute(dsn, "delete from webhook_endpoints where id = %s", (ENDPOINT_ID,))
    print(f"bench:   webhooks: {delivered:,} deliveries by {workers} worker(s) in {seconds:.1f} s", flush=True)
    return {"deliveries": delivered, "workers": workers, "seconds": round(seconds, 2), "per_second": round(delivered / seconds)}
