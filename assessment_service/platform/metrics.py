"""Prometheus metrics: `GET /metrics` (no auth, outside /api/v1).

- `http_requests_total` and `http_request_duration_seconds` by method, route (the URL
  rule, e.g. `/api/v1/assessments/<id:assessment_id>`, never the raw path) and status;
- `assessment_submissions_total` by outcome (`accepted`, `refused`, `error`) and reason
  (the error code, e.g. `attempt_limit_reached`; `none` when accepted);
- `db_pool_connections_in_use` / `_idle` / `_max`: this server's connection pools.

Under gunicorn, gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR: every worker writes its
samples to files there and a scrape adds up all workers, whichever one answers it.
Without that variable (tests, `flask run`) the metrics live in a registry of this app.
"""

import os
import time

from flask import Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

SUBMIT_ENDPOINT = "api.taking.post_submission"
# Seconds; the service answers in milliseconds, so the buckets are fine at that end.
LATENCY_BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REQUEST_LABELS = ("method", "route", "status")


class Metrics:
    """The service's metrics; `multiprocess` when the samples go to PROMETHEUS_MULTIPROC_DIR."""

    def __init__(self, multiprocess_mode):
        self.multiprocess_mode = multiprocess_mode
        # In multiprocess mode values go to files, and the metrics must not sit in the
        # registry that collects those files (they would be counted twice).
        registry = None if multiprocess_mode else CollectorRegistry()
        self.registry = registry
        self.requests = Counter(
            "http_requests_total", "HTTP requests answered, by method, route (URL rule) and status.", REQUEST_LABELS, registry=registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time in the app from the request's arrival to its response, commit included, by method, route and status.",
            REQUEST_LABELS,
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.submissions = Counter(
            "assessment_submissions_total",
            "Submissions received: accepted, refused (4xx) or error (5xx), with the error code as reason.",
            ("outcome", "reason"),
            registry=registry,
        )
        # livesum: the sum over the workers alive now (a dead worker's value is dropped).
        self.pool_in_use = Gauge(
            "db_pool_connections_in_use",
            "Database connections checked out, as seen by each worker at its latest response (that request's own included).",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.pool_idle = Gauge(
            "db_pool_connections_idle", "Open database connections waiting in the pools.", multiprocess_mode="livesum", registry=registry
        )
        self.pool_max = Gauge(
            "db_pool_connections_max",
            "The most connections the pools may open (DB_POOL_MAX per worker).",
            multiprocess_mode="livesum",
            registry=registry,
        )
        # Per request, labels() validates and looks the series up under a lock, and every
        # set() of a multiprocess gauge writes its file: keep the series, write on change.
        self._request_series = {}
        self._pool_figures = None

    def request_series(self, labels):
        """(counter, histogram) of one (method, route, status)."""
        series = self._request_series.get(labels)
        if series is None:
            series = self._request_series[labels] = (self.requests.labels(*labels), self.latency.labels(*labels))
        return series

    def set_pool(self, in_use, idle, maximum):
        if (in_use, idle, maximum) != self._pool_figures:
            self.pool_in_use.set(in_use)
            self.pool_idle.set(idle)
            self.pool_max.set(maximum)
            self._pool_figures = (in_use, idle, maximum)

    def exposition(self):
        if self.multiprocess_mode:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = self.registry
        return generate_latest(registry)


def init_app(app):
    """Count every request of `app` and serve GET /metrics.

    Register it before the other after_request hooks (db, logs): Flask runs those in
    reverse order, so the timing and the status seen here include the commit.
    """
    app.extensions["metrics"] = Metrics(multiprocess_mode=bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR")))
    app.before_request(_start)
    app.after_request(_record)
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])


def _start():
    g.metrics_started = time.perf_counter()


def _record(response):
    metrics = current_app.extensions["metrics"]
    rule = request.url_rule
    labels = (request.method, rule.rule if rule is not None else "unmatched", str(response.status_code))
    count, latency = metrics.request_series(labels)
    count.inc()
    latency.observe(time.perf_counter() - g.get("metrics_started", time.perf_counter()))
    if rule is not None and rule.endpoint == SUBMIT_ENDPOINT:
        _count_submission(metrics, response)
    _update_pool_gauges(metrics, current_app)
    return response


def _count_submission(metrics, response):
    status = response.status_code
    if status < 400:
        metrics.submissions.labels("accepted", "none").inc()
        return
    body = response.get_json(silent=True) or {}
    code = (body.get("error") or {}).get("code") or str(status)
    metrics.submissions.labels("refused" if status < 500 else "error", code).inc()


def publish_pool_gauges(app):
    """Write this process's pool gauges (gunicorn.conf.py: as each worker starts, so that a
    scrape counts every worker's DB_POOL_MAX, whether or not it has answered yet)."""
    _update_pool_gauges(app.extensions["metrics"], app)


def _update_pool_gauges(metrics, app):
    database = app.extensions.get("db")
    if database is None:
        return
    in_use, idle = database.pool_stats()
    metrics.set_pool(in_use, idle, database.pool_max)


def metrics_view():
    metrics = current_app.extensions["metrics"]
    _update_pool_gauges(metrics, current_app)
    g.access_log = False  # scrapes every few seconds would drown the access log
    return Response(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


class WorkerMetrics:
    """What the worker process did, in the same registry mode as the service's (under
    `make run` both write to one PROMETHEUS_MULTIPROC_DIR, and gunicorn's /metrics adds
    the worker's samples in)."""

    def __init__(self, multiprocess_mode):
        registry = None if multiprocess_mode else CollectorRegistry()
        self.registry = registry
        self.work = Counter("worker_work_total", "Pieces of work the worker did, by job.", ("job",), registry=registry)
        self.errors = Counter(
            "worker_errors_total", "Worker rounds that failed, by kind (database, unexpected).", ("kind",), registry=registry
        )
        self.finalizations = Counter(
            "worker_finalizations_total",
            "Attempts the deadline finalized, by outcome (submitted, expired).",
            ("outcome",),
            registry=registry,
        )
        self.rounds = Counter("worker_rounds_total", "Rounds of every job the worker ran.", registry=registry)
