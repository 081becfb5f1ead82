"""gunicorn settings for the assessment service; each can be overridden on the command line."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Build the app (and start the embedded PostgreSQL when DATABASE_URL is unset) once in
# the master, before the workers fork; each worker opens its own pool lazily.
preload_app = True
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Our own JSON access log is written by the app; gunicorn's would duplicate it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
