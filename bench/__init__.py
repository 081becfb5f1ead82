"""`make bench`: load-test the service under its production gunicorn config (see README.md)."""
