"""gunicorn settings for the assessment service; each can be overridden on the command line
or in GUNICORN_CMD_ARGS (e.g. "--workers 8")."""

import glob
import os
import re
import shutil
import tempfile

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Build the app (and start the embedded PostgreSQL when DATABASE_URL is unset) once in
# the master, before the workers fork; each worker opens its own pool lazily.
preload_app = True

# Workers, chosen with `make bench`: one per core plus one, so that a core stays busy while
# a worker waits on PostgreSQL. The requests are CPU-bound Python; more workers than that
# only queue for the same cores, and the tail grows with them (the figures are in
# bench/README.md). WEB_CONCURRENCY and GUNICORN_THREADS override.
#
# The worker is gthread with requests read whole by its event loop before they are served
# (assessment_service/http/serving.py): slow clients hold sockets, not workers, threads or
# database connections, which sync workers cannot do (three slowloris clients stopped all
# three). With one thread the loop serves each whole request itself, as fast as a sync
# worker; more threads hand requests to a pool, which measured slower on CPU-bound
# requests (bench/README.md). Each pool holds at least one connection per thread
# (post_worker_init).
worker_class = "assessment_service.http.serving.BufferedRequestWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", len(os.sched_getaffinity(0)) + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Connections each worker holds at once, slow ones included (gunicorn's default); past
# them, new connections wait in the listen backlog.
worker_connections = 1000

# A worker silent for this long is killed and replaced (with one thread, a request may
# take at most this).
timeout = 30
# On SIGTERM (or a HUP/upgrade) workers finish the requests they hold, for up to this
# long, then exit; nginx's proxy_read_timeout (35 s) is longer than both.
graceful_timeout = 20
# Idle keep-alive connections (nginx keeps some open to each instance).
keepalive = 5
# Our own JSON access log is written by the app; gunicorn's would duplicate it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def on_starting(server):
    """Give this instance a control socket of its own (`gunicornc -s PATH`), named after its
    bind address: gunicorn's default path is one per user, so a second instance would take
    it over and, stopping, delete it."""
    if server.cfg.control_socket == server.cfg.settings["control_socket"].default:
        directory = os.path.dirname(server.cfg.control_socket)
        name = re.sub(r"[^A-Za-z0-9.]+", "_", server.cfg.bind[0])
        server.cfg.set("control_socket", os.path.join(directory, f"gunicorn-{name}.ctl"))


def post_worker_init(worker):
    """Give each thread a connection (the pool of this worker holds at least `threads`), and
    publish this worker's pool gauges now, not at its first response."""
    app = worker.wsgi
    extensions = getattr(app, "extensions", {})
    database = extensions.get("db")
    if database is not None and database.pool_max < worker.cfg.threads:
        worker.log.warning("DB_POOL_MAX=%s is below threads=%s; using %s", database.pool_max, worker.cfg.threads, worker.cfg.threads)
        database.pool_max = worker.cfg.threads
    if "metrics" in extensions:
        from assessment_service.platform.metrics import publish_pool_gauges

        publish_pool_gauges(app)


# ---------------------------------------------------------------- Prometheus multiprocess mode
# Every worker writes its metric samples to files in PROMETHEUS_MULTIPROC_DIR and
# GET /metrics adds them up. prometheus_client picks its mode when it is imported, so the
# directory is set here, before the app is loaded (preload_app), and it must start without
# the files an earlier run left (they would add their old counts). From a given
# PROMETHEUS_MULTIPROC_DIR the files of processes that are gone are removed; without one,
# the master uses $TMPDIR/assessment-metrics-<its pid>, removed on exit, and removes those
# of masters that are gone (killed, or only --print-config).
_METRICS_READY = "ASSESSMENT_METRICS_DIR_READY"  # this master's pid: a HUP reload keeps the files
_METRICS_OWNED = "ASSESSMENT_METRICS_DIR_OWNED"


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _prepare_metrics_dir():
    if os.environ.get(_METRICS_READY) == str(os.getpid()):
        return
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        # Files of processes still alive stay: the worker process (`flask worker`, started
        # beside gunicorn by `make run`) writes its samples here too.
        os.makedirs(path, exist_ok=True)
        for stale in glob.glob(os.path.join(path, "*.db")):
            pid = os.path.basename(stale).removesuffix(".db").rsplit("_", 1)[-1]
            if not (pid.isdigit() and _process_alive(int(pid))):
                os.remove(stale)
    else:
        base = tempfile.gettempdir()
        for stale in glob.glob(os.path.join(base, "assessment-metrics-*")):
            pid = stale.rsplit("-", 1)[-1]
            if pid.isdigit() and not _process_alive(int(pid)):
                shutil.rmtree(stale, ignore_errors=True)
        path = os.path.join(base, f"assessment-metrics-{os.getpid()}")
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
        os.environ[_METRICS_OWNED] = path
    os.environ[_METRICS_READY] = str(os.getpid())


_prepare_metrics_dir()


def child_exit(server, worker):
    """A worker is gone: drop its live gauges (its counters and histograms still count)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    owned = os.environ.get(_METRICS_OWNED)
    if owned and owned == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(owned, ignore_errors=True)


# ---------------------------------------------------------------- the embedded PostgreSQL
# With DATABASE_URL unset the service runs on the embedded server of EMBEDDED_PGDATA (started
# by the app in this master, or by `make run`'s init-db a moment before). The master, which
# lives as long as the service, restarts it from a watchdog thread when it dies (never after
# a clean stop such as `make stop-db`); workers only reconnect.


def when_ready(server):
    """Start the embedded PostgreSQL's watchdog in the master (nothing when DATABASE_URL is set)."""
    if not server.cfg.preload_app:
        return  # the master has no app, hence no idea which database the workers use
    app = server.app.wsgi()  # built already (preload_app): this returns it
    # Only our app has an embedded server to watch (the bench's bare app has none).
    if "EMBEDDED_PGDATA" in app.config and not app.config["DATABASE_URL"]:
        from assessment_service.platform import embedded

        embedded.Watchdog(app.config["EMBEDDED_PGDATA"]).start()
