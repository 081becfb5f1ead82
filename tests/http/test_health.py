"""Operations (contract section 11): health, readiness, request ids, OpenAPI, access log."""

import json
import re

import pytest
import webtest

from assessment_service import create_app
from assessment_service.config import Config
from assessment_service.identity.schemas import NewUserSchema

UNREACHABLE_DSN = "postgresql://postgres@127.0.0.1:1/x?connect_timeout=1"


@pytest.fixture
def down_app():
    """The app with a database that cannot be reached (nothing listens on port 1)."""
    app = create_app(Config(DATABASE_URL=UNREACHABLE_DSN, DB_CONNECT_TIMEOUT=1, LOG_LEVEL="CRITICAL", TESTING=True))
    yield webtest.TestApp(app)
    app.extensions["db"].close()


def assert_service_unavailable(response):
    assert response.status_int == 503
    assert response.content_type == "application/json"
    assert response.json["error"]["code"] == "service_unavailable"
    assert set(response.json["error"]) == {"code", "message", "details"}
    assert "127.0.0.1" not in response.text and "port" not in response.text
    assert response.headers["Retry-After"]


# ---------------------------------------------------------------- health and readiness


def test_healthz_answers(testapp):
    response = testapp.get("/healthz")

    assert response.json == {"status": "ok"}
    assert response.content_type == "application/json"


def test_healthz_does_not_need_the_database(down_app):
    assert down_app.get("/healthz", status=200).json == {"status": "ok"}


def test_readyz_answers_when_the_database_does(testapp):
    assert testapp.get("/readyz", status=200).json == {"status": "ready"}


def test_readyz_is_503_when_the_database_is_unreachable(down_app):
    assert_service_unavailable(down_app.get("/readyz", status=503))


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("get", "/api/v1/users/me", None),
        ("get", "/api/v1/courses", None),
        ("post_json", "/api/v1/courses", {"title": "Algebra"}),
    ],
)
def test_api_routes_are_503_when_the_database_is_unreachable(down_app, method, path, body):
    args = (path, body) if body is not None else (path,)

    response = getattr(down_app, method)(*args, headers={"Authorization": "Bearer " + "A" * 43}, status=503)

    assert_service_unavailable(response)
    assert response.headers["X-Request-ID"]


def test_health_routes_need_no_token(testapp):
    testapp.get("/healthz", status=200)
    testapp.get("/readyz", status=200)


# ---------------------------------------------------------------- request ids


def test_request_id_is_generated_when_absent(testapp):
    first = testapp.get("/healthz").headers["X-Request-ID"]
    second = testapp.get("/healthz").headers["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_request_id_is_echoed_on_every_response(testapp, admin):
    sent = {"X-Request-ID": "req-1234.abc:5_Z"}

    responses = [
        testapp.get("/healthz", headers=sent, status=200),
        testapp.get("/api/v1/users/me", headers={**sent, **admin.headers}, status=200),
        testapp.get("/api/v1/users/me", headers=sent, status=401),
        testapp.get("/nope", headers=sent, status=404),
        testapp.post_json("/api/v1/courses", {"title": "x"}, headers={**sent, **admin.headers}, status=422),
    ]

    assert [response.headers["X-Request-ID"] for response in responses] == ["req-1234.abc:5_Z"] * 5


def test_request_id_is_echoed_on_503(down_app):
    response = down_app.get("/readyz", headers={"X-Request-ID": "abc-123"}, status=503)

    assert response.headers["X-Request-ID"] == "abc-123"


@pytest.mark.parametrize("sent", ["has space", "x" * 129, "semi;colon", "new\\nline"])
def test_unsafe_request_id_is_replaced(testapp, sent):
    response = testapp.get("/healthz", headers={"X-Request-ID": sent})

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


# ---------------------------------------------------------------- OpenAPI


def spec_path(rule):
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)


def resolve(spec, schema):
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return spec["components"]["schemas"][name]
    return schema


def api_operations(app):
    """(path, method, view) for every /api/v1 route of the app."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1":
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield spec_path(rule), method.lower(), app.view_functions[rule.endpoint]


def test_openapi_document_needs_no_token(testapp):
    spec = testapp.get("/api/v1/openapi.json", status=200).json
    again = testapp.get("/api/v1/openapi.json", headers={"Authorization": "Bearer wrong"}, status=200).json

    assert spec == again
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"]


def test_openapi_document_does_not_need_the_database(down_app):
    assert down_app.get("/api/v1/openapi.json", status=200).json["paths"]


def test_openapi_lists_every_api_route_of_the_app(testapp, app):
    spec = testapp.get("/api/v1/openapi.json").json
    routes = {(path, method) for path, method, _ in api_operations(app)}

    documented = {(path, method) for path, operations in spec["paths"].items() for method in operations}

    assert routes == documented
    assert ("/api/v1/users/{user_id}/tokens/{token_id}", "delete") in routes
    assert ("/api/v1/courses/{course_id}/enrollments/{enrollment_id}", "patch") in routes
    # Everything but the document itself and its page asks for a bearer token.
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            expected = [] if path in ("/api/v1/openapi.json", "/api/v1/docs") else [{"bearer": []}]
            assert operation["security"] == expected, (path, method)


def test_openapi_request_bodies_come_from_the_validating_schemas(testapp, app):
    spec = testapp.get("/api/v1/openapi.json").json

    for path, method, view in api_operations(app):
        if method not in ("post", "patch", "put") or view.openapi["body"] is None:
            continue
        operation = spec["paths"][path][method]
        body = resolve(spec, operation["requestBody"]["content"]["application/json"]["schema"])
        # A body documented as one schema per type (oneOf) takes, over its variants, the validating schema's fields.
        variants = [resolve(spec, variant) for variant in body.get("oneOf", [body])]
        assert set().union(*(variant["properties"] for variant in variants)) == set(view.openapi["body"]().fields), (path, method)

    for path, method in [
        ("/api/v1/users", "post"),
        ("/api/v1/courses", "post"),
        ("/api/v1/courses/{course_id}/enrollments", "post"),
        ("/api/v1/courses/{course_id}/enrollments/{enrollment_id}", "patch"),
    ]:
        assert "requestBody" in spec["paths"][path][method], (path, method)

    new_user = resolve(spec, spec["paths"]["/api/v1/users"]["post"]["requestBody"]["content"]["application/json"]["schema"])
    assert sorted(new_user["required"]) == sorted(NewUserSchema().fields) == ["email", "name", "role"]
    assert new_user["properties"]["role"]["enum"] == ["admin", "instructor", "learner"]
    patch = spec["paths"]["/api/v1/courses/{course_id}/enrollments/{enrollment_id}"]["patch"]
    patch_body = resolve(spec, patch["requestBody"]["content"]["application/json"]["schema"])
    assert patch_body["properties"]["status"]["enum"] == ["active", "completed", "dropped"]


def test_openapi_path_parameters_and_success_statuses(testapp):
    spec = testapp.get("/api/v1/openapi.json").json

    delete = spec["paths"]["/api/v1/users/{user_id}/tokens/{token_id}"]["delete"]
    assert {p["name"] for p in delete["parameters"] if p["in"] == "path"} == {"user_id", "token_id"}
    assert "204" in delete["responses"]
    assert "201" in spec["paths"]["/api/v1/courses"]["post"]["responses"]
    assert "401" in spec["paths"]["/api/v1/courses"]["get"]["responses"]


def test_openapi_lists_path_parameters_in_path_order(testapp):
    # Werkzeug keeps a rule's variables in a set: without care the order (and so the
    # document) changed from one process to the next.
    spec = testapp.get("/api/v1/openapi.json").json
    for path, operations in spec["paths"].items():
        in_path = re.findall(r"{(\w+)}", path)
        for operation in operations.values():
            assert [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"] == in_path, path


# ---------------------------------------------------------------- access log


def log_lines(capsys):
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def test_access_log_is_one_json_object_per_line_on_stdout(config, capsys, admin):
    config.ACCESS_LOG = True
    config.LOG_LEVEL = "INFO"
    app = create_app(config)  # built now, so that its handler writes to the captured stdout
    testapp = webtest.TestApp(app)
    capsys.readouterr()

    testapp.get("/api/v1/users/me", headers={**admin.headers, "X-Request-ID": "trace-1"})
    testapp.get("/api/v1/courses/crs_none", headers=admin.headers, status=404)
    testapp.get("/healthz")
    app.extensions["db"].close()

    entries = [entry for entry in log_lines(capsys) if entry["logger"] == "assessment_service.access"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/api/v1/users/me", 200),
        ("GET", "/api/v1/courses/crs_none", 404),
        ("GET", "/healthz", 200),
    ]
    assert entries[0]["request_id"] == "trace-1"
    assert entries[0]["user_id"] == admin.id
    assert entries[2]["user_id"] is None
    for entry in entries:
        assert entry["level"] == "INFO"
        assert isinstance(entry["duration_ms"], (int, float)) and entry["duration_ms"] >= 0
        assert entry["time"]


def test_error_log_with_a_stack_trace_stays_on_one_line(config, capsys):
    config.LOG_LEVEL = "INFO"
    app = create_app(config)

    def crash():
        raise RuntimeError("boom")

    app.add_url_rule("/test-only/crash", view_func=crash)
    capsys.readouterr()

    webtest.TestApp(app).get("/test-only/crash", status=500)
    app.extensions["db"].close()

    entries = log_lines(capsys)  # json.loads of every line: no stray traceback lines
    errors = [entry for entry in entries if entry["level"] == "ERROR"]
    assert len(errors) == 1
    assert "RuntimeError: boom" in errors[0]["exception"]


def test_access_log_can_be_turned_off(config, capsys):
    config.ACCESS_LOG = False
    config.LOG_LEVEL = "INFO"
    app = create_app(config)
    capsys.readouterr()

    webtest.TestApp(app).get("/healthz")
    app.extensions["db"].close()

    assert [entry for entry in log_lines(capsys) if entry["logger"] == "assessment_service.access"] == []
