"""Command-line entries: `flask --app app init-db`, `create-user` and `worker`."""

import os
from pathlib import Path

import click
from flask import current_app

from .config import PROJECT_ROOT
from .core.errors import ApiError
from .events.delivery import DeliverySettings, WebhookDeliveries, fan_out
from .events.feed import position_new_events
from .grading.grades import backfill_grades
from .grading.regrades import apply_regrade_batch
from .http.idempotency_sql import sweep_expired
from .identity.roles import ROLES
from .identity.users import backfill_email_keys, create_user
from .platform.db import DatabaseUnavailable
from .platform.metrics import WorkerMetrics
from .platform.schema import apply_schema
from .platform.worker import Job, Worker
from .taking.deadline import finalize_due_attempts

SCHEMA_PATH = PROJECT_ROOT / "schema.sql"


def init_app(app):
    app.cli.add_command(init_db_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(worker_command)


def _connection():
    try:
        return current_app.extensions["db"].connect()
    except DatabaseUnavailable as exc:
        raise click.ClickException(f"database unavailable: {exc}") from None


@click.command("init-db")
@click.option("--force", is_flag=True, help="Run every statement even if schema.sql is the one applied last.")
def init_db_command(force):
    """Apply schema.sql (keeps every row; safe while the service takes traffic)."""
    conn = _connection()
    try:
        applied = apply_schema(conn, Path(SCHEMA_PATH), force=force)
        # Older users get their email key when the schema that adds it is applied.
        clashes = backfill_email_keys(conn) if applied else []
        # Submissions stored before grades existed get theirs.
        graded = backfill_grades(conn) if applied else 0
        conn.commit()
    finally:
        current_app.extensions["db"].release(conn)
    for user_id in clashes:
        click.echo(f"warning: {user_id} has the same email as an earlier user (NFKC + case folding); its email key is left empty", err=True)
    if graded:
        click.echo(f"grades computed for {graded} learner(s) with earlier submissions", err=True)
    click.echo("schema applied" if applied else "schema up to date: nothing to do", err=True)


@click.command("create-user")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
def create_user_command(name, email, role):
    """Create a user; print their token alone on the last line of stdout."""
    conn = _connection()
    try:
        try:
            body = create_user(conn, name=name, email=email, role=role)
        except ApiError as exc:
            conn.rollback()
            raise click.ClickException(exc.message) from None
        conn.commit()
    finally:
        current_app.extensions["db"].release(conn)
    click.echo(f"created {role} {body['user']['id']} <{email}>; token:", err=True)
    click.echo(body["token"]["value"])


@click.command("worker")
def worker_command():
    """Run what happens without a request (the deadline, regrades, the feed's order, webhook
    deliveries, expired idempotency keys) until SIGTERM."""
    config = current_app.config
    metrics = WorkerMetrics(multiprocess_mode=bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR")))

    def deadline(conn):
        submitted, expired = finalize_due_attempts(conn, grace=config["ATTEMPT_GRACE_SECONDS"])
        metrics.finalizations.labels("submitted").inc(submitted)
        metrics.finalizations.labels("expired").inc(expired)
        return submitted + expired

    def idempotency_keys(conn):
        return sweep_expired(conn, ttl_hours=config["IDEMPOTENCY_TTL_HOURS"], batch=1000)

    def regrades(conn):
        return apply_regrade_batch(conn, size=config["REGRADE_BATCH_SIZE"])

    jobs = [
        Job("deadline", deadline),
        Job("regrades", regrades),
        Job("event_feed", position_new_events),
        Job("webhook_fanout", fan_out),
        Job("webhook_deliveries", WebhookDeliveries(DeliverySettings.from_config(config))),
        Job("idempotency_keys", idempotency_keys),
    ]
    Worker(current_app.extensions["db"], jobs, idle_seconds=config["WORKER_IDLE_SECONDS"], metrics=metrics).run()
