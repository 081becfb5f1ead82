"""A client generated from the served /api/v1/openapi.json, as a client team makes one: the
main flow (client_main_flow.py) must type-check against it with mypy --strict and then run
against a real gunicorn to the 403 attempt_limit_reached. A document that loses a type, a
name or a status breaks one or the other."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assessment_service.config import PROJECT_ROOT
from helpers.api import API
from helpers.servers import http

SCRIPT = Path(__file__).parent / "client_main_flow.py"
# A fixed folder (git-ignored), so that mypy's cache there serves the next run.
WORK = PROJECT_ROOT / ".cache" / "generated-client"
BIN = Path(sys.executable).parent


def run(command, **options):
    result = subprocess.run([str(part) for part in command], cwd=WORK, capture_output=True, text=True, timeout=300, check=False, **options)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result


@pytest.fixture
def generated_client(live_server):
    """The folder holding the client generated from the live server's document, and the flow script."""
    status, document, _ = http("GET", f"{live_server.base_url}{API}/openapi.json")
    assert status == 200
    WORK.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(WORK / "assessment_client", ignore_errors=True)
    (WORK / "openapi.json").write_text(json.dumps(document), encoding="utf-8")
    # No post hooks: the generated code is type-checked, not formatted. The generator reads
    # request bodies of JSON, forms and octet-streams only: the question import's files are
    # raw bodies to it, as a client team would configure it.
    raw_bodies = "".join(
        f"  {media_type}: application/octet-stream\n" for media_type in ("application/zip", "application/xml", "text/xml", "text/plain")
    )
    (WORK / "config.yaml").write_text(
        f"package_name_override: assessment_client\npost_hooks: []\ncontent_type_overrides:\n{raw_bodies}", encoding="utf-8"
    )
    generated = run(
        [
            BIN / "openapi-python-client",
            "generate",
            "--path",
            "openapi.json",
            "--config",
            "config.yaml",
            "--meta",
            "none",
            "--output-path",
            "assessment_client",
        ]
    )
    # A schema the generator cannot read becomes a warning and a weaker (or missing) function.
    assert "Warning" not in generated.stdout + generated.stderr, generated.stdout + generated.stderr
    shutil.copyfile(SCRIPT, WORK / SCRIPT.name)
    return WORK


@pytest.mark.slow
def test_the_generated_client_type_checks_and_runs_the_main_flow(generated_client, live_server, admin):
    run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", ".mypy_cache", "--no-error-summary", SCRIPT.name])

    flow = json.loads(run([sys.executable, SCRIPT.name, live_server.base_url, admin.token]).stdout)

    assert flow["questions"] == ["single_choice", "multiple_choice", "true_false", "numeric", "matching", "ordering"]
    # 1 (single choice) + 0.5 (half the matching) + 1 (ordering) of 7 points.
    assert flow["score"] == 35.71 and flow["passed"] is False
    assert [(result["answered"], result["credit"]) for result in flow["results"]] == [
        (True, "1.0000"),
        (False, "0.0000"),
        (False, "0.0000"),
        (False, "0.0000"),
        (True, "0.5000"),
        (True, "1.0000"),
    ]
    assert flow["refusal"] == {"code": "attempt_limit_reached", "details": {"max_attempts": 1, "attempts_used": 1}}
