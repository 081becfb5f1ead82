"""GET /api/v1/docs: Swagger UI over the OpenAPI document, its files served by the service
itself. A headless Chromium (Debian's, installed when missing) that may reach nothing but
this machine opens the page, and every operation must render."""

import re
import subprocess
import tempfile

import pytest

from helpers.api import API
from helpers.debian import ensure_debian_package
from helpers.openapi import document_app
from helpers.servers import http

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def client():
    return document_app().test_client()


def test_the_page_needs_no_token_and_loads_only_the_services_own_files(client):
    page = client.get(f"{API}/docs", headers={"Authorization": "Bearer wrong"})

    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    loaded = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sorted(loaded) == ["/docs/swagger-ui/swagger-ui-bundle.js", "/docs/swagger-ui/swagger-ui.css"]
    assert '"/api/v1/openapi.json"' in html
    for url, mimetype in (("/docs/swagger-ui/swagger-ui.css", "text/css"), ("/docs/swagger-ui/swagger-ui-bundle.js", "text/javascript")):
        asset = client.get(url)
        assert (asset.status_code, asset.mimetype) == (200, mimetype)
        assert len(asset.data) > 10_000


def test_only_the_pages_files_are_served(client):
    for name in ("index.html", "swagger-ui.js.map", "..%2F__init__.py", "oauth2-redirect.html"):
        response = client.get(f"/docs/swagger-ui/{name}")
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found", name


def rendered_dom(url):
    """The page's DOM once Swagger UI has rendered it, from a headless Chromium that can
    resolve no host but this one (so a file fetched from anywhere else would be missing)."""
    chromium = ensure_debian_package("chromium", "chromium")
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        run = subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",  # the suite runs as root
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--virtual-time-budget=15000",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


@pytest.mark.slow
def test_every_operation_renders_in_a_headless_browser(live_server):
    _, document, _ = http("GET", f"{live_server.base_url}{API}/openapi.json")
    operations = [item[method] for item in document["paths"].values() for method in METHODS if method in item]

    dom = rendered_dom(f"{live_server.base_url}{API}/docs")

    rendered_ids = re.findall(r'class="opblock-summary-operation-id"[^>]*>([^<]+)<', dom)
    assert sorted(rendered_ids) == sorted(operation["operationId"] for operation in operations)
    rendered_summaries = {
        summary.replace("&amp;", "&") for summary in re.findall(r'class="opblock-summary-description"[^>]*>([^<]+)<', dom)
    }
    assert rendered_summaries == {operation["summary"] for operation in operations}
    rendered_tags = re.findall(r'data-tag="([^"]+)"', dom)
    assert rendered_tags == [tag["name"] for tag in document["tags"]]
