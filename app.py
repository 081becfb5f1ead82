"""WSGI entry point: `gunicorn app:app`."""

from assessment_service import create_app

app = create_app()
