"""Process plumbing: the database pool and transactions, schema application, the embedded
PostgreSQL, logs, metrics, the gunicorn worker."""
