"""Request ids, our JSON log lines, and the JSON access log (one object per line on stdout)."""

import json
import logging
import os
import re
import sys
import time

import click
from flask import current_app, g, request

access_log = logging.getLogger("assessment_service.access")

# A caller's request id is echoed only when it is a sane token (no header injection, bounded).
# fullmatch, not match: "$" also matches before a final newline, which no header may carry.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

# The handler the access log writes its lines to directly: always stdout (set by configure_logging).
_handler = None


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {"time": self.formatTime(record, TIME_FORMAT), "level": record.levelname, "logger": record.name}
        entry.update(getattr(record, "fields", {}) or {})
        if "message" not in entry:
            entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level):
    """Our log lines as JSON: on stdout in the server, on stderr in a command-line run.

    A command's stdout is its output (`create-user` prints the token there for `tail -n 1`),
    and the app is built inside the command's click context, before the command runs.
    """
    global _handler
    _handler = _json_handler(sys.stdout)
    in_a_command = click.get_current_context(silent=True) is not None
    root = logging.getLogger("assessment_service")
    root.handlers[:] = [_json_handler(sys.stderr) if in_a_command else _handler]
    root.setLevel(level)
    root.propagate = False


def _json_handler(stream):
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    return handler


def init_app(app):
    app.before_request(_start)
    app.after_request(_finish)


def _start():
    g.started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else new_request_id()


def new_request_id():
    # 32 hex digits like uuid4().hex, without building a UUID object on every request.
    return os.urandom(16).hex()


def _finish(response):
    request_id = g.get("request_id") or new_request_id()
    response.headers["X-Request-ID"] = request_id
    if current_app.config["ACCESS_LOG"] and g.get("access_log", True) and access_log.isEnabledFor(logging.INFO):
        elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        incoming = request._get_current_object()  # one context lookup, not one per field
        _write_access_line(
            {
                "time": time.strftime(TIME_FORMAT),
                "level": "INFO",
                "logger": access_log.name,
                "message": "request",
                "request_id": request_id,
                "method": incoming.method,
                "path": incoming.path,
                "status": response.status_code,
                "duration_ms": round(elapsed_ms, 2),
                "user_id": (g.get("user") or {}).get("id"),
                "remote_addr": incoming.remote_addr,
            }
        )
    return response


def _write_access_line(entry):
    # The line JsonFormatter would write, without the LogRecord, the caller lookup and the
    # handler chain of logging.info, most of what the line cost (bench/README.md).
    line = json.dumps(entry, default=str) + "\n"
    with _handler.lock:
        _handler.stream.write(line)
        _handler.flush()
