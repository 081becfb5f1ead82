"""docs/API.md, the API reference in the repository, kept in step with the code: every route
of the app and every error code the code can answer with is in it, every question type has
its row, README links it, and nothing in the repository points at files a clone lacks."""

import ast
import re
import subprocess

from assessment_service.authoring.question_types import TYPES
from assessment_service.config import PROJECT_ROOT
from assessment_service.core.errors import ERROR_CODES
from assessment_service.http.errors import CODE_FOR_STATUS, MALFORMED_REQUEST_CODE
from helpers.openapi import document_app

REFERENCE = PROJECT_ROOT / "docs" / "API.md"
PACKAGE = PROJECT_ROOT / "assessment_service"
_RULE_VARIABLE = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def reference():
    return REFERENCE.read_text(encoding="utf-8")


def app_routes():
    """`METHOD /path/{variable}` of every rule the app serves (Flask's unused static route aside)."""
    app = document_app()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path = _RULE_VARIABLE.sub(r"{\1}", rule.rule)
            yield f"{method} {path}"


def test_every_route_of_the_app_is_in_the_reference():
    text = reference()
    routes = list(app_routes())

    assert len(routes) > 30
    assert [route for route in routes if f"`{route}`" not in text] == []


def test_the_reference_lists_no_route_the_app_lacks():
    listed = set(re.findall(r"^\| `((?:GET|POST|PUT|PATCH|DELETE) /[^`]*)` \|", reference(), flags=re.M))

    assert listed == set(app_routes())


def raised_codes():
    """Every error code written in the package: ApiError(status, code, ...),
    error_response(status, code, ...), and code=... wherever it is passed."""
    codes = {MALFORMED_REQUEST_CODE, *CODE_FOR_STATUS.values()}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in ("ApiError", "error_response") and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                codes.add(node.args[1].value)
            codes |= {keyword.value.value for keyword in node.keywords if keyword.arg == "code" and isinstance(keyword.value, ast.Constant)}
    return codes


def test_every_code_the_package_answers_with_is_registered():
    codes = raised_codes()

    assert {"attempt_limit_reached", "not_enrolled", "attempt_expired", "idempotency_key_reused", "bad_request"} <= codes
    assert codes - set(ERROR_CODES) == set()
    assert set(CODE_FOR_STATUS.items()) <= {(status, code) for code, status in ERROR_CODES.items()}


def test_every_error_code_is_explained_in_the_reference():
    explained = set(re.findall(r"^\| [^|]+ \| `([a-z_]+)` \|", reference(), flags=re.M))

    assert explained == set(ERROR_CODES)


def test_every_question_type_has_its_row():
    text = reference()

    assert [kind for kind in TYPES if not re.search(rf"^\| `{kind}` \|", text, flags=re.M)] == []
    assert "### Partial credit" in text


def test_readme_links_the_reference_and_the_docs_page():
    first_paragraph = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").split("\n\n")[1]

    assert "[docs/API.md](docs/API.md)" in first_paragraph
    assert "`GET /api/v1/docs`" in first_paragraph


def test_nothing_points_at_files_outside_the_repository():
    outside = ("../" + "shared", "shared/" + "API.md")  # spelled apart, so this file does not match itself
    tracked = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout.split()
    pointing = []
    for name in tracked:
        try:
            text = (PROJECT_ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        pointing += [f"{name}: {needle}" for needle in outside if needle in text]
    assert pointing == []
