"""The OpenAPI document as client teams lint it in their CI: Redocly CLI's recommended
rules find no error, and Spectral's spectral:oas finds nothing at all.

Redocly's two warnings are known and allowed: the service has no license to name, and
the two public documentation routes cannot fail with a 4xx of their own.
"""

import json
import subprocess

import pytest

from helpers.npm_tools import ENV, npm_tool
from helpers.openapi import served_document

ALLOWED_REDOCLY_WARNINGS = {"info-license", "operation-4xx-response"}


@pytest.fixture(scope="module")
def document_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lint")  # no config of the project's is picked up here
    path = folder / "openapi.json"
    path.write_text(served_document(), encoding="utf-8")
    return path


def _run(command, folder):
    return subprocess.run([str(part) for part in command], cwd=folder, env=ENV, capture_output=True, text=True, timeout=300, check=False)


def test_redocly_recommended_rules_find_no_error(document_path):
    run = _run([npm_tool("redocly"), "lint", document_path.name, "--extends=recommended", "--format=json"], document_path.parent)

    report = json.loads(run.stdout)
    problems = [(problem["severity"], problem["ruleId"], problem["location"][0]["pointer"]) for problem in report["problems"]]
    assert [problem for problem in problems if problem[0] == "error"] == []
    assert run.returncode == 0, run.stderr[-2000:]
    warnings = {rule for severity, rule, _ in problems if severity == "warn"}
    assert warnings <= ALLOWED_REDOCLY_WARNINGS, problems
    # No operation lacks its 4xx but those that need nothing: the document and its page.
    assert {pointer for _, rule, pointer in problems if rule == "operation-4xx-response"} <= {
        "#/paths/~1api~1v1~1openapi.json/get/responses",
        "#/paths/~1api~1v1~1docs/get/responses",
    }


def test_spectral_oas_rules_find_nothing(document_path):
    ruleset = document_path.parent / ".spectral.yaml"
    ruleset.write_text('extends: ["spectral:oas"]\n', encoding="utf-8")

    run = _run(
        [npm_tool("spectral"), "lint", document_path.name, "--ruleset", ruleset.name, "--format", "json", "--quiet"], document_path.parent
    )

    results = json.loads(run.stdout or "[]")
    assert [(result["code"], ".".join(map(str, result["path"])), result["message"]) for result in results] == []
    assert run.returncode == 0, run.stderr[-2000:]
