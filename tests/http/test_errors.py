"""The one error envelope (contract section 8)."""

import pytest
import webtest

from assessment_service import create_app
from assessment_service.platform import db


def assert_envelope(response, status, code):
    assert response.status_int == status
    assert response.content_type == "application/json"
    assert response.charset.lower() == "utf-8"
    body = response.json
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    text = response.text
    assert "Traceback" not in text and 'File "' not in text
    return body["error"]


def course_count(db_conn):
    with db_conn.cursor() as cur:
        cur.execute("select count(*) from courses")
        return cur.fetchone()[0]


# ---------------------------------------------------------------- routing errors


@pytest.mark.parametrize("path", ["/nope", "/api/v1/nope", "/api/v1/courses/crs_abc/nope", "/api/v2/courses", "/api/v1/courses/bad!id"])
def test_unknown_route_is_a_json_404(testapp, admin, path):
    assert_envelope(testapp.get(path, headers=admin.headers, status=404), 404, "not_found")


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("delete", "/api/v1/courses", {"GET", "POST"}),
        ("put", "/api/v1/users/me", {"GET"}),
        ("patch", "/api/v1/courses/crs_abc123", {"GET"}),
        ("post", "/healthz", {"GET"}),
    ],
)
def test_wrong_method_is_a_json_405_with_allow(testapp, admin, method, path, allowed):
    response = getattr(testapp, method)(path, headers=admin.headers, status=405)

    assert_envelope(response, 405, "method_not_allowed")
    allow = {item.strip() for item in response.headers["Allow"].split(",")}
    assert allowed <= allow
    assert method.upper() not in allow


# ---------------------------------------------------------------- request bodies


@pytest.fixture
def small_body_app(config):
    config.MAX_CONTENT_LENGTH = 200
    app = create_app(config)
    yield webtest.TestApp(app)
    app.extensions["db"].close()


def test_body_over_the_limit_is_413_and_stores_nothing(small_body_app, admin, db_conn):
    body = {"title": "x" * 190}

    response = small_body_app.post_json("/api/v1/courses", body, headers=admin.headers, status=413)

    assert_envelope(response, 413, "payload_too_large")
    assert course_count(db_conn) == 0
    # Under the limit the body is read and validated as usual.
    small_body_app.post_json("/api/v1/courses", {"title": "x" * 150}, headers=admin.headers, status=201)
    assert course_count(db_conn) == 1


def test_default_limit_is_one_mebibyte(testapp, admin, db_conn):
    prefix, suffix = '{"title": "', '"}'
    just_fits = prefix + "x" * (1024 * 1024 - len(prefix) - len(suffix)) + suffix
    too_big = prefix + "x" * (1024 * 1024 + 1 - len(prefix) - len(suffix)) + suffix
    headers = {**admin.headers, "Content-Type": "application/json"}

    error = assert_envelope(testapp.post("/api/v1/courses", just_fits, headers=headers, status=422), 422, "validation_failed")
    assert list(error["details"]) == ["title"]
    assert_envelope(testapp.post("/api/v1/courses", too_big, headers=headers, status=413), 413, "payload_too_large")
    assert course_count(db_conn) == 0


def test_body_that_is_not_json_is_415(testapp, admin, db_conn):
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"]:
        response = testapp.post(
            "/api/v1/courses", '{"title": "Algebra"}', headers={**admin.headers, "Content-Type": content_type}, status=415
        )

        assert_envelope(response, 415, "unsupported_media_type")
    assert course_count(db_conn) == 0


def test_body_without_content_type_is_415(testapp, admin, db_conn):
    response = testapp.post("/api/v1/courses", b'{"title": "Algebra"}', headers=admin.headers, status=415)

    assert_envelope(response, 415, "unsupported_media_type")
    assert course_count(db_conn) == 0


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/json", "application/vnd.api+json"])
def test_json_content_types_are_accepted(testapp, admin, db_conn, content_type):
    testapp.post("/api/v1/courses", '{"title": "Algebra"}', headers={**admin.headers, "Content-Type": content_type}, status=201)

    assert course_count(db_conn) == 1


MALFORMED = [
    b'{"title": ',
    b'{"title": "Algebra"',
    b'{"title": "Algebra",}',
    b"{'title': 'Algebra'}",
    b'{"title": "Algebra"} trailing',
    b'{"title": NaN}',
    b'{"title": Infinity}',
    b'{"title": "\xff\xfe"}',
    b"",
    b"   ",
]


def test_malformed_json_is_400_invalid_json(testapp, admin, db_conn):
    for raw in MALFORMED:
        response = testapp.post("/api/v1/courses", raw, headers={**admin.headers, "Content-Type": "application/json"}, status=400)

        assert_envelope(response, 400, "invalid_json")
    assert course_count(db_conn) == 0


@pytest.mark.parametrize("depth", [100_000, 5_000])
@pytest.mark.parametrize("template", ["{0}{1}", '{{"title": {0}{1}}}', '{{"title": {{"a": {0}{1}}}}}'])
def test_deeply_nested_json_is_400_not_a_crash(testapp, admin, db_conn, depth, template):
    raw = template.format("[" * depth, "]" * depth)

    response = testapp.post("/api/v1/courses", raw, headers={**admin.headers, "Content-Type": "application/json"}, status=400)

    assert_envelope(response, 400, "invalid_json")
    assert course_count(db_conn) == 0
    # The worker is still fine afterwards.
    testapp.get("/api/v1/users/me", headers=admin.headers, status=200)


def test_nesting_near_the_parser_limit_never_crashes(testapp, admin):
    # Around Python's recursion limit a document may parse and still be too deep to walk.
    for depth in range(850, 1001, 3):
        raw = '{"title": ' + "[" * depth + '"x"' + "]" * depth + "}"

        response = testapp.post("/api/v1/courses", raw, headers={**admin.headers, "Content-Type": "application/json"}, expect_errors=True)

        assert response.status_int in (400, 422), depth
        assert_envelope(response, response.status_int, "invalid_json" if response.status_int == 400 else "validation_failed")


def test_json_that_is_not_an_object_is_422(testapp, admin, db_conn):
    for raw in ["[]", '[{"title": "Algebra"}]', '"Algebra"', "42", "true"]:
        response = testapp.post("/api/v1/courses", raw, headers={**admin.headers, "Content-Type": "application/json"}, status=422)

        error = assert_envelope(response, 422, "validation_failed")
        assert error["details"], raw
    assert course_count(db_conn) == 0


def test_validation_details_map_fields_to_messages(testapp, admin):
    error = assert_envelope(
        testapp.post_json("/api/v1/users", {"name": "", "email": "nope", "role": "x"}, headers=admin.headers, status=422),
        422,
        "validation_failed",
    )

    assert set(error["details"]) == {"name", "email", "role"}
    for messages in error["details"].values():
        assert messages and all(isinstance(message, str) for message in messages)


# ---------------------------------------------------------------- every error is the envelope


def test_status_codes_of_the_api_all_use_the_envelope(testapp, admin, learner):
    assert_envelope(testapp.get("/api/v1/users/me", status=401), 401, "unauthenticated")
    assert_envelope(testapp.get("/api/v1/users", headers=learner.headers, status=403), 403, "forbidden")
    assert_envelope(testapp.get("/api/v1/courses/crs_none", headers=admin.headers, status=404), 404, "not_found")
    assert_envelope(testapp.get("/api/v1/users?page=0", headers=admin.headers, status=400), 400, "invalid_parameter")
    assert_envelope(
        testapp.post_json("/api/v1/users", {"name": "A", "email": admin.email.upper(), "role": "admin"}, headers=admin.headers, status=409),
        409,
        "conflict",
    )


@pytest.fixture
def app_with_failing_routes(config):
    app = create_app(config)

    def crash():
        raise RuntimeError("secret internal detail /srv/app/module.py")

    def bad_sql():
        with db.connection().cursor() as cur:
            cur.execute("select secret_column from no_such_table")

    app.add_url_rule("/test-only/crash", view_func=crash)
    app.add_url_rule("/test-only/bad-sql", view_func=bad_sql)
    yield app
    app.extensions["db"].close()


@pytest.mark.parametrize("path", ["/test-only/crash", "/test-only/bad-sql"])
def test_unexpected_errors_are_500_without_internals(app_with_failing_routes, admin, path):
    testapp = webtest.TestApp(app_with_failing_routes)

    response = testapp.get(path, status=500)

    error = assert_envelope(response, 500, "internal_error")
    assert error["details"] == {}
    for leak in ("secret", "no_such_table", "select", "RuntimeError", "psycopg2", ".py"):
        assert leak not in response.text
    # The failed transaction was rolled back and its connection is usable again.
    testapp.get("/api/v1/users/me", headers=admin.headers, status=200)
