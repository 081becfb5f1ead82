"""The OpenAPI document as the service serves it, from an app that touches no database
(its pool connects on first use, and the document's route uses none)."""

from assessment_service import create_app
from assessment_service.config import Config

from .api import API


def document_app():
    """An app for reading /api/v1/openapi.json and the docs page, never connected."""
    return create_app(Config(DATABASE_URL="postgresql:///openapi-document-only", ACCESS_LOG=False, LOG_LEVEL="WARNING"))


def served_document():
    """The text of /api/v1/openapi.json."""
    response = document_app().test_client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.get_data(as_text=True)
