"""Request ids and the JSON access log (one object per line on stdout)."""

import json
import logging
import re
import sys
import time
import uuid

from flask import current_app, g, request

access_log = logging.getLogger("assessment_service.access")

# A caller's request id is echoed only when it is a sane token (no header injection, bounded).
# fullmatch, not match: "$" also matches before a final newline, which no header may carry.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname, "logger": record.name}
        entry.update(getattr(record, "fields", {}) or {})
        if "message" not in entry:
            entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level):
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("assessment_service")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def init_app(app):
    app.before_request(_start)
    app.after_request(_finish)


def _start():
    g.started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def _finish(response):
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    if current_app.config["ACCESS_LOG"] and g.get("access_log", True):
        elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        access_log.info(
            "request",
            extra={
                "fields": {
                    "message": "request",
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(elapsed_ms, 2),
                    "user_id": (g.get("user") or {}).get("id"),
                    "remote_addr": request.remote_addr,
                }
            },
        )
    return response
