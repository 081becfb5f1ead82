"""Hostile input (issue 4): whatever a caller sends, the answer is a 4xx in the contract's
envelope and the database is left exactly as it was.

Each table below is one kind of abuse; each row is sent to every route it applies to,
and the test compares a fingerprint of every table (row count and a digest of the rows)
taken before and after. The requests are otherwise well-formed and come from callers
who may do the thing, so that a refusal is the input's doing and an acceptance would
show in the database.
"""

import json
import re
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import webtest
from psycopg2 import sql

from assessment_service import create_app
from helpers.api import API
from helpers.db import TABLES
from helpers.events import make_deliveries_at

ONE_MEBIBYTE = 1024 * 1024


# ---------------------------------------------------------------- helpers


def fingerprint(db_conn):
    """{table: (rows, digest of every row)}: equal before and after means nothing changed."""
    state = {}
    with db_conn.cursor() as cur:
        for table in TABLES:
            cur.execute(
                sql.SQL("select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from {} t").format(
                    sql.Identifier(table)
                )
            )
            state[table] = cur.fetchone()
    return state


def assert_refused(response, status, code=None, context=""):
    """A `status` answer in the error envelope (with `code` when given); the error body."""
    where = f"{context}: " if context else ""
    assert response.status_int == status, f"{where}{response.status} {response.text[:300]}"
    assert response.content_type == "application/json", f"{where}{response.content_type}"
    body = response.json
    assert set(body) == {"error"}, f"{where}{body}"
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, f"{where}{error}"
    assert isinstance(error["message"], str) and error["message"], f"{where}{error}"
    assert isinstance(error["details"], dict), f"{where}{error}"
    if code is not None:
        assert error["code"] == code, f"{where}{error}"
    assert "Traceback" not in response.text and "psycopg2" not in response.text, where
    return error


def send(testapp, method, url, raw=None, caller=None, content_type="application/json", headers=None):
    """One request with a raw body (bytes or str); never raises on the status."""
    all_headers = dict(caller.headers if caller else {})
    if raw is not None and content_type is not None:
        all_headers["Content-Type"] = content_type
    all_headers.update(headers or {})
    if isinstance(raw, str):
        # json.dumps escapes lone surrogates, so bodies built with it are plain ASCII here.
        raw = raw.encode("utf-8", "surrogatepass")
    return testapp.request(url, method=method, body=raw if raw is not None else b"", headers=all_headers, expect_errors=True)


def with_number(body, text):
    """`body` as JSON text with the string "<N>" replaced by the raw number `text`."""
    return json.dumps(body).replace('"<N>"', text)


@dataclass
class Route:
    """A route that reads a JSON body, called by someone allowed to, with a body it accepts."""

    method: str
    url: str
    caller: object
    valid_body: dict
    body_required: bool = True

    def __str__(self):
        return f"{self.method} {self.url}"


@pytest.fixture
def scene(testapp, admin, instructor, learner, make_user, course, enroll, db_conn, database_dsn):
    """A course taught by `instructor`, `learner` and `classmate` enrolled, an assessment with
    one question of each type, one submission and an attempt in progress; `newcomer` is not
    enrolled. A webhook endpoint gets a delivery of each event."""
    endpoint = testapp.post_json(
        f"{API}/webhook-endpoints", {"url": "https://hooks.example.com/in", "event_types": ["*"]}, headers=admin.headers, status=201
    ).json
    newcomer = make_user("learner")
    enrollment = enroll(course["id"], learner)
    classmate_enrollment = enroll(course["id"], make_user("learner"))
    assessment = testapp.post_json(
        f"{API}/assessments",
        # The window's end gives attempts an expiry, which an extension can move.
        {"course_id": course["id"], "title": "Midterm exam", "passing_score": 70, "available_until": "2099-01-01T00:00:00Z"},
        headers=instructor.headers,
        status=201,
    ).json
    questions_url = f"{API}/assessments/{assessment['id']}/questions"
    questions = {
        body["type"]: testapp.post_json(questions_url, body, headers=instructor.headers, status=201).json
        for body in (
            {
                "type": "single_choice",
                "prompt": "Pick the mean of 1, 2 and 3.",
                "choices": [{"text": "2", "correct": True}, {"text": "3", "correct": False}],
            },
            {
                "type": "multiple_choice",
                "prompt": "Pick the primes.",
                "choices": [{"text": "2", "correct": True}, {"text": "4", "correct": False}],
            },
            {"type": "true_false", "prompt": "The median is robust.", "correct_answer": True},
            {"type": "short_text", "prompt": "Name the root of the variance.", "accepted_answers": ["standard deviation"]},
            {"type": "numeric", "prompt": "P(heads)?", "correct_answer": 0.5, "tolerance": 0.1},
        )
    }
    submission = testapp.post_json(
        f"{API}/assessments/{assessment['id']}/submissions",
        {"answers": [{"question_id": questions["true_false"]["id"], "answer": True}]},
        headers=learner.headers,
        status=201,
    ).json
    attempt = testapp.post(f"{API}/assessments/{assessment['id']}/attempts", headers=learner.headers, status=201).json
    token = testapp.post(f"{API}/users/{learner.id}/tokens", headers=learner.headers, status=201).json
    regrade = testapp.post_json(
        f"{API}/assessments/{assessment['id']}/regrades", {"policy": "new_key", "reason": "scene"}, headers=instructor.headers, status=202
    ).json
    with db_conn.cursor() as cur:  # run its course: another may be asked for
        cur.execute("update regrades set status = 'completed' where id = %s", (regrade["id"],))
    # A second assessment with a question group (the first stays one taken without attempts).
    grouped = testapp.post_json(
        f"{API}/assessments",
        {"course_id": course["id"], "title": "Pooled exam", "passing_score": 50},
        headers=instructor.headers,
        status=201,
    ).json
    group = testapp.post_json(
        f"{API}/assessments/{grouped['id']}/question-groups",
        {"name": "Pool", "pick_count": 1, "points_per_question": 2},
        headers=instructor.headers,
        status=201,
    ).json
    make_deliveries_at(database_dsn)  # as the worker does
    scene = SimpleNamespace(
        grouped_url=f"{API}/assessments/{grouped['id']}",
        group=group,
        admin=admin,
        instructor=instructor,
        learner=learner,
        newcomer=newcomer,
        course=course,
        enrollment=enrollment,
        classmate_enrollment=classmate_enrollment,
        assessment=assessment,
        questions=questions,
        submission=submission,
        attempt=attempt,
        token=token,
        endpoint=endpoint,
    )
    # A real id for every path parameter.
    scene.ids = {
        "user_id": learner.id,
        "token_id": token["id"],
        "course_id": course["id"],
        "enrollment_id": enrollment["id"],
        "assessment_id": assessment["id"],
        "question_id": questions["true_false"]["id"],
        "submission_id": submission["id"],
        "attempt_id": attempt["id"],
        "learner_id": learner.id,
        "regrade_id": regrade["id"],
        "endpoint_id": endpoint["id"],
        "group_id": group["id"],
        "delivery_id": testapp.get(f"{API}/webhook-endpoints/{endpoint['id']}/deliveries", headers=admin.headers).json["data"][0]["id"],
    }
    scene.assessment_url = f"{API}/assessments/{assessment['id']}"
    return scene


def body_routes(scene):
    """Every route that reads a JSON body."""
    course_url = f"{API}/courses/{scene.course['id']}"
    question = scene.questions["true_false"]
    return [
        Route("POST", f"{API}/users", scene.admin, {"name": "Eve", "email": "eve@example.com", "role": "learner"}),
        Route("POST", f"{API}/courses", scene.instructor, {"title": "Algebra"}),
        Route("POST", f"{API}/webhook-endpoints", scene.admin, {"url": "https://hooks.example.com/more", "event_types": ["*"]}),
        Route("PATCH", f"{API}/webhook-endpoints/{scene.endpoint['id']}", scene.admin, {"description": "Gradebook"}),
        Route("POST", f"{course_url}/enrollments", scene.instructor, {"user_id": scene.newcomer.id}),
        Route("PATCH", f"{course_url}/enrollments/{scene.classmate_enrollment['id']}", scene.instructor, {"status": "dropped"}),
        Route(
            "POST",
            f"{API}/assessments",
            scene.instructor,
            {"course_id": scene.course["id"], "title": "Final exam", "passing_score": 50},
        ),
        Route("PATCH", scene.assessment_url, scene.instructor, {"title": "Renamed exam"}),
        Route(
            "POST",
            f"{scene.assessment_url}/questions",
            scene.instructor,
            {"type": "true_false", "prompt": "Is 2 prime?", "correct_answer": True},
        ),
        Route("PATCH", f"{scene.assessment_url}/questions/{question['id']}", scene.instructor, {"prompt": "Changed?"}),
        Route(
            "POST", f"{scene.grouped_url}/question-groups", scene.instructor, {"name": "More", "pick_count": 2, "points_per_question": 1}
        ),
        Route("PATCH", f"{scene.grouped_url}/question-groups/{scene.group['id']}", scene.instructor, {"pick_count": 2}),
        # Before the submission below, which closes the attempt in progress.
        Route(
            "PATCH",
            f"{scene.assessment_url}/attempts/{scene.attempt['id']}/answers",
            scene.learner,
            {"answers": [{"question_id": question["id"], "answer": True}]},
        ),
        Route("POST", f"{scene.assessment_url}/attempts/{scene.attempt['id']}/extend", scene.instructor, {"minutes": 5}),
        Route("PUT", f"{scene.assessment_url}/overrides/{scene.learner.id}", scene.instructor, {"extra_attempts": 1}),
        Route(
            "POST",
            f"{scene.assessment_url}/submissions",
            scene.learner,
            {"answers": [{"question_id": question["id"], "answer": False}]},
        ),
        Route("POST", f"{scene.assessment_url}/attempts", scene.learner, {}, body_required=False),
        Route("POST", f"{scene.assessment_url}/regrades", scene.instructor, {"policy": "full_credit", "reason": "A wrong key."}),
        Route(
            "PATCH",
            f"{scene.assessment_url}/submissions/{scene.submission['id']}/results/{question['id']}",
            scene.instructor,
            {"points_earned": 0.5, "reason": "By hand."},
        ),
    ]


def test_the_table_holds_every_route_that_reads_a_body(app, scene):
    # A route added with a body must be added to body_routes, or the tables below skip it.
    adapter = app.url_map.bind("localhost")
    covered = {adapter.match(route.url, method=route.method)[0] for route in body_routes(scene)}
    documented = {
        endpoint for endpoint, view in app.view_functions.items() if (getattr(view, "openapi", None) or {}).get("body") is not None
    }
    assert documented <= covered, documented - covered


def refuse_everywhere(testapp, db_conn, routes, raw, status, code, **send_options):
    before = fingerprint(db_conn)
    for route in routes:
        body = raw(route) if callable(raw) else raw
        response = send(testapp, route.method, route.url, body, caller=route.caller, **send_options)
        assert_refused(response, status, code, context=f"{route} with {str(body)[:80]!r}")
    assert fingerprint(db_conn) == before


def test_the_routes_accept_their_valid_bodies(testapp, scene, db_conn):
    # The baseline for every table below: what is refused there is refused for its input.
    for route in body_routes(scene):
        response = send(testapp, route.method, route.url, json.dumps(route.valid_body), caller=route.caller)
        assert response.status_int in (200, 201, 202), f"{route}: {response.status} {response.text[:300]}"


# ---------------------------------------------------------------- JSON syntax


MALFORMED = [
    b'{"title": ',
    b'{"title": "Alg',
    b'{"title": "Algebra"',
    b"{",
    b"[",
    b'"',
    b'{"title": "Algebra",}',
    b"{'title': 'Algebra'}",
    b'{title: "Algebra"}',
    b'{"title": "Algebra"} trailing',
    b'{"a": 1}{"b": 2}',
    b'{"title": "\xff\xfe"}',  # not UTF-8
    b'{"title": "\xe2\x82"}',  # a UTF-8 sequence cut short
    b'{"title": "\xc0\xaf"}',  # an overlong encoding
    b'{"title": "Alg\x00ebra"}',  # a raw control character inside a string
    b'{"title": "Alg\nebra"}',
    b"\x00",
    b'{"a": 01}',
    b'{"a": .5}',
    b'{"a": 1.}',
    b'{"a": 0x10}',
    b'{"a": +1}',
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b'{"a": -Infinity}',
    b'{"a": undefined}',
    b'{"a": True}',
]


@pytest.mark.parametrize("raw", MALFORMED, ids=[repr(raw)[2:30] for raw in MALFORMED])
def test_malformed_or_truncated_json_is_400(testapp, scene, db_conn, raw):
    refuse_everywhere(testapp, db_conn, body_routes(scene), raw, 400, "invalid_json")


@pytest.mark.parametrize("raw", [b"", b"   ", b"\r\n\t"])
def test_a_missing_body_is_400_where_one_is_required(testapp, scene, db_conn, raw):
    routes = [route for route in body_routes(scene) if route.body_required]
    refuse_everywhere(testapp, db_conn, routes, raw, 400, "invalid_json")


@pytest.mark.parametrize("raw", ["[]", '[{"title": "Algebra"}]', '"Algebra"', '""', "42", "3.5", "true", "false", "null"])
def test_json_that_is_not_an_object_is_422(testapp, scene, db_conn, raw):
    refuse_everywhere(testapp, db_conn, body_routes(scene), raw, 422, "validation_failed")


# ---------------------------------------------------------------- content types


@pytest.mark.parametrize(
    "content_type, raw",
    [
        ("text/plain", None),
        ("text/json", None),
        ("application/xml", None),
        ("application/json-seq", None),
        ("application/javascript", None),
        ("application/x-www-form-urlencoded", "title=Algebra&prompt=x"),
        (
            "multipart/form-data; boundary=hostile",
            '--hostile\r\nContent-Disposition: form-data; name="title"\r\n\r\nAlgebra\r\n--hostile--\r\n',
        ),
        (None, None),  # no Content-Type at all
    ],
)
def test_a_body_that_is_not_json_is_415(testapp, scene, db_conn, content_type, raw):
    def body(route):
        return raw if raw is not None else json.dumps(route.valid_body or {"a": 1})

    refuse_everywhere(testapp, db_conn, body_routes(scene), body, 415, "unsupported_media_type", content_type=content_type)


# ---------------------------------------------------------------- size and depth


def _padded(route, size):
    """The route's valid body grown to exactly `size` bytes (white space is valid JSON)."""
    text = json.dumps(route.valid_body)
    return text + " " * (size - len(text))


def test_a_body_over_the_default_limit_is_413(testapp, scene, db_conn):
    refuse_everywhere(testapp, db_conn, body_routes(scene), lambda route: _padded(route, ONE_MEBIBYTE + 1), 413, "payload_too_large")


def test_a_body_over_the_default_limit_is_413_whatever_its_type(testapp, scene, db_conn):
    refuse_everywhere(testapp, db_conn, body_routes(scene), "x" * (ONE_MEBIBYTE + 1), 413, "payload_too_large", content_type="text/plain")


@pytest.fixture
def small_limit_testapp(config):
    config.MAX_CONTENT_LENGTH = 2048
    app = create_app(config)
    yield webtest.TestApp(app)
    app.extensions["db"].close()


def test_the_limit_comes_from_the_configuration(small_limit_testapp, scene, db_conn):
    routes = body_routes(scene)
    refuse_everywhere(small_limit_testapp, db_conn, routes, lambda route: _padded(route, 2049), 413, "payload_too_large")
    # A body just at the limit is read as usual.
    response = send(small_limit_testapp, "POST", f"{API}/courses", _padded(routes[1], 2048), caller=scene.instructor)
    assert response.status_int == 201


@pytest.mark.parametrize(
    "template",
    [
        "{open}{close}",
        '{{"title": {open}"Algebra"{close}}}',
        '{{"answers": [{{"question_id": "qst_a", "answer": {open}{close}}}]}}',
        '{{"choices": [{{"text": {open}"x"{close}, "correct": true}}]}}',
    ],
    ids=["bare", "in-a-field", "in-an-answer", "in-a-choice"],
)
@pytest.mark.parametrize("depth", [100_000, 3_000])
def test_deeply_nested_json_is_400(testapp, scene, db_conn, template, depth):
    raw = template.format(open="[" * depth, close="]" * depth)
    refuse_everywhere(testapp, db_conn, body_routes(scene), raw, 400, "invalid_json")
    objects = '{"a": ' * depth + "1" + "}" * depth
    refuse_everywhere(testapp, db_conn, body_routes(scene), objects, 400, "invalid_json")


# ---------------------------------------------------------------- strings


def string_cases(scene):
    """(route, body with "<S>" where the hostile string goes, field) for every kind of string field."""
    question_url = f"{scene.assessment_url}/questions"
    true_false = scene.questions["true_false"]
    short_text = scene.questions["short_text"]
    single_choice = scene.questions["single_choice"]
    course_url = f"{API}/courses/{scene.course['id']}"
    return [
        ("POST", f"{API}/courses", scene.instructor, {"title": "<S>"}),
        ("POST", f"{API}/assessments", scene.instructor, {"course_id": scene.course["id"], "title": "<S>", "passing_score": 50}),
        ("PATCH", scene.assessment_url, scene.instructor, {"title": "<S>"}),
        ("POST", f"{API}/users", scene.admin, {"name": "<S>", "email": "eve@example.com", "role": "learner"}),
        ("POST", f"{API}/users", scene.admin, {"name": "Eve", "email": "<S>@example.com", "role": "learner"}),
        ("POST", f"{API}/users", scene.admin, {"name": "Eve", "email": "eve@example.com", "role": "<S>"}),
        ("POST", f"{course_url}/enrollments", scene.instructor, {"user_id": scene.newcomer.id, "status": "<S>"}),
        ("PATCH", f"{course_url}/enrollments/{scene.classmate_enrollment['id']}", scene.instructor, {"status": "<S>"}),
        ("POST", question_url, scene.instructor, {"type": "true_false", "prompt": "<S>", "correct_answer": True}),
        ("POST", question_url, scene.instructor, {"type": "<S>", "prompt": "Why?", "correct_answer": True}),
        ("PATCH", f"{question_url}/{true_false['id']}", scene.instructor, {"prompt": "<S>"}),
        (
            "POST",
            question_url,
            scene.instructor,
            {"type": "single_choice", "prompt": "Pick", "choices": [{"text": "<S>", "correct": True}, {"text": "b", "correct": False}]},
        ),
        (
            "PATCH",
            f"{question_url}/{single_choice['id']}",
            scene.instructor,
            {"choices": [{"text": "a", "correct": True}, {"text": "<S>", "correct": False}]},
        ),
        ("POST", question_url, scene.instructor, {"type": "short_text", "prompt": "Name it", "accepted_answers": ["<S>"]}),
        ("PATCH", f"{question_url}/{short_text['id']}", scene.instructor, {"accepted_answers": ["ok", "<S>"]}),
        (
            "POST",
            f"{scene.assessment_url}/submissions",
            scene.learner,
            {"answers": [{"question_id": short_text["id"], "answer": "<S>"}]},
        ),
        ("POST", f"{scene.assessment_url}/submissions", scene.learner, {"answers": [{"question_id": "<S>", "answer": True}]}),
        ("POST", f"{API}/courses", scene.instructor, {"title": "Algebra", "<S>": 1}),  # in a key
    ]


def refuse_strings(testapp, db_conn, scene, text):
    before = fingerprint(db_conn)
    for method, url, caller, body in string_cases(scene):
        # json.dumps writes NULs and lone surrogates as \u escapes, as they come over the wire.
        raw = json.dumps(body).replace("<S>", json.dumps(text)[1:-1])
        response = send(testapp, method, url, raw, caller=caller)
        assert_refused(response, 422, "validation_failed", context=f"{method} {url} {raw[:120]!r}")
    assert fingerprint(db_conn) == before


@pytest.mark.parametrize(
    "text",
    ["\u0000", "Alg\u0000ebra", "\ud800", "\udfff", "Alg\udc00\ud800ebra", "\ud83d", "\u0000\ud800"],
    ids=["nul", "nul-inside", "high-surrogate", "low-surrogate", "reversed-pair", "half-an-emoji", "both"],
)
def test_nul_characters_and_lone_surrogates_are_422_in_every_string_field(testapp, scene, db_conn, text):
    refuse_strings(testapp, db_conn, scene, text)


LONG_STRINGS = [
    ("POST", "/courses", "title", 100_000),
    ("POST", "/courses", "title", 201),
    ("POST", "/assessments", "title", 100_000),
    ("PATCH", "/assessment", "title", 201),
    ("POST", "/questions", "prompt", 5001),
    ("PATCH", "/question", "prompt", 100_000),
    ("POST", "/questions", "choice text", 1001),
    ("POST", "/questions", "accepted answer", 1001),
    ("POST", "/users", "name", 201),
    ("POST", "/users", "email", 321),
    ("POST", "/users", "email", 100_000),
    ("POST", "/submissions", "short_text answer", 10_001),
    ("POST", "/submissions", "question_id", 100_000),
    ("POST", "/users", "role", 100_000),
]


@pytest.mark.parametrize("method, where, field, length", LONG_STRINGS, ids=[f"{f}-{n}" for _, _, f, n in LONG_STRINGS])
def test_strings_over_their_length_are_422(testapp, scene, db_conn, method, where, field, length):
    text = "x" * length
    question_url = f"{scene.assessment_url}/questions"
    email = "e" * (length - len("@example.com")) + "@example.com"
    bodies = {
        ("/courses", "title"): (f"{API}/courses", scene.instructor, {"title": text}),
        ("/assessments", "title"): (
            f"{API}/assessments",
            scene.instructor,
            {"course_id": scene.course["id"], "title": text, "passing_score": 50},
        ),
        ("/assessment", "title"): (scene.assessment_url, scene.instructor, {"title": text}),
        ("/questions", "prompt"): (question_url, scene.instructor, {"type": "true_false", "prompt": text, "correct_answer": True}),
        ("/question", "prompt"): (f"{question_url}/{scene.questions['true_false']['id']}", scene.instructor, {"prompt": text}),
        ("/questions", "choice text"): (
            question_url,
            scene.instructor,
            {"type": "single_choice", "prompt": "Pick", "choices": [{"text": text, "correct": True}, {"text": "b", "correct": False}]},
        ),
        ("/questions", "accepted answer"): (
            question_url,
            scene.instructor,
            {"type": "short_text", "prompt": "Name it", "accepted_answers": [text]},
        ),
        ("/users", "name"): (f"{API}/users", scene.admin, {"name": text, "email": "eve@example.com", "role": "learner"}),
        ("/users", "email"): (f"{API}/users", scene.admin, {"name": "Eve", "email": email, "role": "learner"}),
        ("/users", "role"): (f"{API}/users", scene.admin, {"name": "Eve", "email": "eve@example.com", "role": text}),
        ("/submissions", "short_text answer"): (
            f"{scene.assessment_url}/submissions",
            scene.learner,
            {"answers": [{"question_id": scene.questions["short_text"]["id"], "answer": text}]},
        ),
        ("/submissions", "question_id"): (
            f"{scene.assessment_url}/submissions",
            scene.learner,
            {"answers": [{"question_id": "qst_" + text, "answer": True}]},
        ),
    }
    url, caller, body = bodies[(where, field)]
    before = fingerprint(db_conn)

    assert_refused(send(testapp, method, url, json.dumps(body), caller=caller), 422, "validation_failed")
    assert fingerprint(db_conn) == before


@pytest.mark.parametrize(
    "field, body",
    [
        ("choices", {"type": "single_choice", "prompt": "Pick", "choices": [{"text": str(n), "correct": n == 0} for n in range(27)]}),
        ("choices", {"type": "single_choice", "prompt": "Pick", "choices": [{"text": "only", "correct": True}]}),
        ("accepted_answers", {"type": "short_text", "prompt": "Name", "accepted_answers": [str(n) for n in range(51)]}),
        ("accepted_answers", {"type": "short_text", "prompt": "Name", "accepted_answers": []}),
    ],
)
def test_lists_over_their_length_are_422(testapp, scene, db_conn, field, body):
    before = fingerprint(db_conn)

    error = assert_refused(
        send(testapp, "POST", f"{scene.assessment_url}/questions", json.dumps(body), caller=scene.instructor),
        422,
        "validation_failed",
    )
    assert field in error["details"]
    assert fingerprint(db_conn) == before


def test_more_answers_than_allowed_is_422(testapp, scene, db_conn):
    answers = [{"question_id": f"qst_{n}", "answer": None} for n in range(1001)]
    before = fingerprint(db_conn)

    error = assert_refused(
        send(testapp, "POST", f"{scene.assessment_url}/submissions", json.dumps({"answers": answers}), caller=scene.learner),
        422,
        "validation_failed",
    )
    assert "answers" in error["details"]
    assert fingerprint(db_conn) == before


@pytest.mark.parametrize(
    "route, field, item",
    [
        ("submissions", "answers", "{}"),
        ("submissions", "answers", '{"question_id": 1}'),
        ("questions", "choices", "{}"),
        ("questions", "accepted_answers", "1"),
    ],
)
def test_a_body_full_of_bad_list_items_costs_one_error(testapp, scene, db_conn, route, field, item):
    # Just under the 1 MiB limit: hundreds of thousands of items, each of them invalid.
    head = {"type": "short_text" if field == "accepted_answers" else "single_choice", "prompt": "Pick"}
    prefix = (json.dumps(head)[:-1] + ", " if route == "questions" else "{") + f'"{field}": ['
    count = (ONE_MEBIBYTE - len(prefix) - 2) // (len(item) + 1)
    raw = prefix + ",".join([item] * count) + "]}"
    caller = scene.learner if route == "submissions" else scene.instructor
    before = fingerprint(db_conn)

    response = send(testapp, "POST", f"{scene.assessment_url}/{route}", raw, caller=caller)

    error = assert_refused(response, 422, "validation_failed")
    assert error["details"] == {field: [error["details"][field][0]]} and "length" in error["details"][field][0].lower()
    assert len(response.body) < 1000  # not one message per item
    assert fingerprint(db_conn) == before


# ---------------------------------------------------------------- numbers


def number_cases(scene):
    """(name, method, url, caller, body with "<N>" where the number goes) for every numeric field."""
    question_url = f"{scene.assessment_url}/questions"
    numeric = scene.questions["numeric"]
    true_false = scene.questions["true_false"]
    new_assessment = {"course_id": scene.course["id"], "title": "Final exam", "passing_score": 50}
    return [
        ("passing_score", "POST", f"{API}/assessments", scene.instructor, {**new_assessment, "passing_score": "<N>"}),
        ("passing_score (PATCH)", "PATCH", scene.assessment_url, scene.instructor, {"passing_score": "<N>"}),
        ("max_attempts", "POST", f"{API}/assessments", scene.instructor, {**new_assessment, "max_attempts": "<N>"}),
        ("max_attempts (PATCH)", "PATCH", scene.assessment_url, scene.instructor, {"max_attempts": "<N>"}),
        ("time_limit_minutes", "POST", f"{API}/assessments", scene.instructor, {**new_assessment, "time_limit_minutes": "<N>"}),
        ("time_limit_minutes (PATCH)", "PATCH", scene.assessment_url, scene.instructor, {"time_limit_minutes": "<N>"}),
        (
            "points",
            "POST",
            question_url,
            scene.instructor,
            {"type": "true_false", "prompt": "Is 2 prime?", "correct_answer": True, "points": "<N>"},
        ),
        ("points (PATCH)", "PATCH", f"{question_url}/{true_false['id']}", scene.instructor, {"points": "<N>"}),
        ("position (PATCH)", "PATCH", f"{question_url}/{true_false['id']}", scene.instructor, {"position": "<N>"}),
        (
            "correct_answer",
            "POST",
            question_url,
            scene.instructor,
            {"type": "numeric", "prompt": "How many?", "correct_answer": "<N>"},
        ),
        ("correct_answer (PATCH)", "PATCH", f"{question_url}/{numeric['id']}", scene.instructor, {"correct_answer": "<N>"}),
        (
            "tolerance",
            "POST",
            question_url,
            scene.instructor,
            {"type": "numeric", "prompt": "How many?", "correct_answer": 1, "tolerance": "<N>"},
        ),
        ("tolerance (PATCH)", "PATCH", f"{question_url}/{numeric['id']}", scene.instructor, {"tolerance": "<N>"}),
        (
            "numeric answer",
            "POST",
            f"{scene.assessment_url}/submissions",
            scene.learner,
            {"answers": [{"question_id": numeric["id"], "answer": "<N>"}]},
        ),
    ]


INTEGER_FIELDS = ("passing_score", "max_attempts", "time_limit_minutes", "position")


def refuse_numbers(testapp, db_conn, scene, text, status, code, fields=None):
    before = fingerprint(db_conn)
    for name, method, url, caller, body in number_cases(scene):
        if fields is not None and name.split(" ")[0] not in fields:
            continue
        raw = with_number(body, text)
        response = send(testapp, method, url, raw, caller=caller)
        assert_refused(response, status, code, context=f"{name} = {text[:40]}")
    assert fingerprint(db_conn) == before


@pytest.mark.parametrize(
    "text",
    [
        "1" + "0" * 30,
        "-" + "1" + "0" * 30,
        "9" * 4300,
        "1e400",
        "-1e400",
        "1E+400",
        "1e-400",
        "-1e-400",
        "0.1e-400",
        "1" + "0" * 400 + ".5",
    ],
    ids=["1e30", "-1e30", "4300-digits", "1e400", "-1e400", "1E+400", "1e-400", "-1e-400", "0.1e-400", "400-digit-decimal"],
)
def test_numbers_out_of_every_range_are_422(testapp, scene, db_conn, text):
    refuse_numbers(testapp, db_conn, scene, text, 422, "validation_failed")


@pytest.mark.parametrize("text", ["9" * 5000, "-" + "9" * 5000], ids=["5000-digits", "-5000-digits"])
def test_integers_longer_than_python_reads_are_400(testapp, scene, db_conn, text):
    # Python refuses int() of more than 4300 digits (CVE-2020-10735); the body cannot be read.
    refuse_numbers(testapp, db_conn, scene, text, 400, "invalid_json")


@pytest.mark.parametrize("text", ["NaN", "-NaN", "Infinity", "-Infinity", "inf", "nan"])
def test_nan_and_infinity_are_400(testapp, scene, db_conn, text):
    # Not JSON (RFC 8259 has no such numbers), though many parsers take them.
    refuse_numbers(testapp, db_conn, scene, text, 400, "invalid_json")


@pytest.mark.parametrize("text", ["2147483648", "-2147483649", "9223372036854775808", "4294967296"])
def test_integers_past_postgresql_integer_are_422(testapp, scene, db_conn, text):
    refuse_numbers(testapp, db_conn, scene, text, 422, "validation_failed", fields=INTEGER_FIELDS)


@pytest.mark.parametrize("text", ["true", "false"])
def test_booleans_are_not_numbers(testapp, scene, db_conn, text):
    # true is not 1: every numeric field refuses a boolean.
    refuse_numbers(testapp, db_conn, scene, text, 422, "validation_failed")


@pytest.mark.parametrize("text", ['"70"', '"1"', '""', "[1]", '{"value": 1}'])
def test_strings_and_containers_are_not_numbers(testapp, scene, db_conn, text):
    refuse_numbers(testapp, db_conn, scene, text, 422, "validation_failed")


@pytest.mark.parametrize("text", ["70.0", "70.5", "1.0", "7e1", "7E+1", "1.00", "-0.0"])
def test_an_integer_field_takes_no_fraction_or_exponent(testapp, scene, db_conn, text):
    # Decided: an integer field takes a JSON integer. 70.0 and 7e1 equal 70, but they are
    # written as decimals, and a caller who sends them has a float where an integer belongs.
    refuse_numbers(testapp, db_conn, scene, text, 422, "validation_failed", fields=INTEGER_FIELDS)


# ---------------------------------------------------------------- ids in paths


def api_routes(app):
    """(method, rule) of every /api/v1 route with a path parameter."""
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API) and rule.arguments
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def path_bodies(scene):
    """A body each route would accept, so that only the id can make it refuse."""
    return {
        ("POST", "/courses/<id:course_id>/enrollments"): {"user_id": scene.newcomer.id},
        ("PATCH", "/courses/<id:course_id>/enrollments/<id:enrollment_id>"): {"status": "dropped"},
        ("PATCH", "/assessments/<id:assessment_id>"): {"title": "Renamed exam"},
        ("POST", "/assessments/<id:assessment_id>/questions"): {"type": "true_false", "prompt": "Is 2 prime?", "correct_answer": True},
        ("PATCH", "/assessments/<id:assessment_id>/questions/<id:question_id>"): {"prompt": "Changed?"},
        ("POST", "/assessments/<id:assessment_id>/question-groups"): {"name": "More", "pick_count": 1, "points_per_question": 1},
        ("PATCH", "/assessments/<id:assessment_id>/question-groups/<id:group_id>"): {"pick_count": 2},
        ("POST", "/assessments/<id:assessment_id>/submissions"): {"answers": []},
        ("PUT", "/assessments/<id:assessment_id>/overrides/<id:learner_id>"): {"extra_attempts": 1},
        ("PATCH", "/assessments/<id:assessment_id>/attempts/<id:attempt_id>/answers"): {"answers": []},
        ("POST", "/assessments/<id:assessment_id>/attempts/<id:attempt_id>/extend"): {"minutes": 5},
        ("POST", "/assessments/<id:assessment_id>/regrades"): {"policy": "new_key", "reason": "A wrong key.", "dry_run": True},
        ("PATCH", "/assessments/<id:assessment_id>/submissions/<id:submission_id>/results/<id:question_id>"): {
            "points_earned": 0,
            "reason": "By hand.",
        },
        ("PATCH", "/webhook-endpoints/<id:endpoint_id>"): {"description": "Gradebook"},
    }


# The contract answers these with 422, not 404: the id names whom the body is about, and
# the user must hold a learner enrollment in the course.
ID_IN_BODY_SENSE = {("PUT", "/assessments/<id:assessment_id>/overrides/<id:learner_id>", "learner_id")}


def _caller_for(scene, method, rule):
    # The admin may do everything except take an assessment; those routes get the learner.
    if (method == "POST" and rule.endswith(("/submissions", "/attempts"))) or rule.endswith("/answers"):
        return scene.learner
    return scene.admin


FOREIGN_IDS = {
    "unknown": lambda prefix: f"{prefix}_000000000000000000000000",
    "another-kind": None,  # a real id of another resource (see below)
    "numeric": lambda prefix: "1",
    "nul": lambda prefix: f"{prefix}_%00",
    "nul-alone": lambda prefix: "%00",
    "too-long": lambda prefix: f"{prefix}_" + "a" * 41,
    "very-long": lambda prefix: f"{prefix}_" + "a" * 10_000,
    "unicode": lambda prefix: f"{prefix}_%C3%A9t%C3%A9",
    "arabic-digits": lambda prefix: f"{prefix}_%D9%A3%D9%A4",
    "fullwidth": lambda prefix: "%EF%BD%81%EF%BD%82_1",
    "invalid-utf8": lambda prefix: f"{prefix}_%FF%FE",
    "sql": lambda prefix: f"{prefix}_1'%20or%20'1'='1",
    "dots": lambda prefix: "..",
    "uppercase-prefix": lambda prefix: f"{prefix.upper()}_abc",
    "space": lambda prefix: f"{prefix}_a%20b",
}
PREFIXES = {
    "user_id": "usr",
    "token_id": "tok",
    "course_id": "crs",
    "enrollment_id": "enr",
    "assessment_id": "asmnt",
    "question_id": "qst",
    "submission_id": "sub",
    "attempt_id": "att",
    "learner_id": "usr",
    "regrade_id": "rgr",
    "endpoint_id": "whe",
    "delivery_id": "whd",
    "group_id": "grp",
}
ANOTHER_KIND = {
    "user_id": "course_id",
    "token_id": "user_id",
    "course_id": "assessment_id",
    "enrollment_id": "user_id",
    "assessment_id": "course_id",
    "question_id": "assessment_id",
    "submission_id": "attempt_id",
    "attempt_id": "submission_id",
    "learner_id": "course_id",
    "regrade_id": "submission_id",
    "endpoint_id": "course_id",
    "delivery_id": "submission_id",
    "group_id": "question_id",
}


def test_every_path_parameter_has_a_prefix(app):
    # A route added with a new kind of id must be added to the tables above.
    for _, rule in api_routes(app):
        for name in re.findall(r"<id:([a-z_]+)>", rule):
            assert name in PREFIXES and name in ANOTHER_KIND, f"{rule}: {name}"


@pytest.mark.parametrize("kind", list(FOREIGN_IDS))
def test_ids_that_are_not_ours_are_404_in_every_path_parameter(testapp, app, scene, db_conn, kind):
    bodies = path_bodies(scene)
    before = fingerprint(db_conn)
    checked = 0
    for method, rule in api_routes(app):
        for name in re.findall(r"<id:([a-z_]+)>", rule):
            bad = scene.ids[ANOTHER_KIND[name]] if kind == "another-kind" else FOREIGN_IDS[kind](PREFIXES[name])
            url = re.sub(r"<id:([a-z_]+)>", lambda m, bad=bad, name=name: bad if m.group(1) == name else scene.ids[m.group(1)], rule)
            body = bodies.get((method, rule.removeprefix(API)))
            if (method, rule.removeprefix(API), name) in ID_IN_BODY_SENSE and kind in ("unknown", "another-kind"):
                expected = (422, "validation_failed")
            else:
                expected = (404, "not_found")
            response = send(
                testapp,
                method,
                url,
                json.dumps(body) if body is not None else None,
                caller=_caller_for(scene, method, rule),
            )
            assert_refused(response, *expected, context=f"{method} {url[:120]}")
            checked += 1
    assert checked >= 25  # every route with a parameter (27 pairs today), each of its parameters
    assert fingerprint(db_conn) == before


# ---------------------------------------------------------------- query strings


def list_urls(scene):
    return [
        f"{API}/users",
        f"{API}/courses",
        f"{API}/assessments",
        f"{API}/courses/{scene.course['id']}/enrollments",
        f"{scene.assessment_url}/submissions",
        f"{scene.assessment_url}/attempts",
    ]


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("page=1&page=2", "page"),
        ("page=1&page=1", "page"),
        ("per_page=10&per_page=20", "per_page"),
        ("page=", "page"),
        ("per_page=", "per_page"),
        ("page=1e2", "page"),
        ("per_page=1e2", "per_page"),
        ("page=0x10", "page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=%2B1", "page"),
        ("page=1.0", "page"),
        ("page=%201", "page"),
        ("page=1_0", "page"),
        ("page=%00", "page"),
        ("page=1%00", "page"),
        ("page=%EF%BC%91", "page"),  # a fullwidth digit one
        ("page=%D9%A3", "page"),  # an Arabic-Indic digit three
        ("page=%FF", "page"),  # not UTF-8
        ("page=" + "9" * 30, "page"),
        ("page=" + "9" * 5000, "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=true", "per_page"),
        ("per_page=NaN", "per_page"),
        ("per_page=Infinity", "per_page"),
    ],
)
def test_bad_paging_parameters_are_400_on_every_list(testapp, scene, db_conn, query, parameter):
    before = fingerprint(db_conn)
    for url in list_urls(scene):
        error = assert_refused(
            send(testapp, "GET", f"{url}?{query}", caller=scene.admin), 400, "invalid_parameter", context=f"{url}?{query[:60]}"
        )
        assert list(error["details"]) == [parameter]
    assert fingerprint(db_conn) == before


@pytest.mark.parametrize(
    "path, query, parameter",
    [
        ("/assessments", "course_id=%00", "course_id"),
        ("/assessments", "course_id=crs_%00", "course_id"),
        ("/assessments", "course_id=crs_a%00b", "course_id"),
        ("/assessments", "course_id=", "course_id"),
        ("/assessments", "course_id=crs_a&course_id=crs_b", "course_id"),
        ("/assessments", "course_id=crs_%C3%A9", "course_id"),
        ("/assessments", "course_id=crs_" + "a" * 10_000, "course_id"),
        ("/assessments", "course_id=asmnt_abc", "course_id"),
        ("<assessment>/submissions", "learner_id=%00", "learner_id"),
        ("<assessment>/submissions", "learner_id=usr_a&learner_id=usr_b", "learner_id"),
        ("<assessment>/submissions", "learner_id=", "learner_id"),
        ("<assessment>/attempts", "learner_id=usr_%00", "learner_id"),
        ("<assessment>/attempts", "learner_id=crs_abc", "learner_id"),
        ("<assessment>/statistics", "attempts=%00", "attempts"),
        ("<assessment>/statistics", "attempts=latest", "attempts"),
        ("<assessment>/statistics", "attempts=all&attempts=first", "attempts"),
        ("<assessment>/statistics", "attempts=" + "a" * 10_000, "attempts"),
    ],
)
def test_bad_filters_are_400(testapp, scene, db_conn, path, query, parameter):
    url = path.replace("<assessment>", scene.assessment_url) if path.startswith("<") else f"{API}{path}"
    before = fingerprint(db_conn)

    error = assert_refused(send(testapp, "GET", f"{url}?{query}", caller=scene.admin), 400, "invalid_parameter")

    assert list(error["details"]) == [parameter]
    assert fingerprint(db_conn) == before


# ---------------------------------------------------------------- Authorization header


GARBAGE_AUTHORIZATION = {
    "scheme-alone": "Bearer",
    "scheme-and-space": "Bearer ",
    "scheme-and-spaces": "Bearer      ",
    "basic": "Basic dXNlcjpwYXNzd29yZA==",
    "other-scheme": "Token abcdef",
    "no-scheme": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "tab": "Bearer\tabcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "two-words": "Bearer abc def",
    "non-ascii": "Bearer t\xf6k\xe9n\xff",
    "nul": "Bearer abc\x00def",
    "very-long": "Bearer " + "a" * 100_000,
    "just-too-long": "Bearer " + "a" * 201,
    "bearer-twice": "Bearer Bearer abc",
    "json": 'Bearer {"user": "admin"}',
    "sql": "Bearer ' or '1'='1",
}


@pytest.mark.parametrize("value", list(GARBAGE_AUTHORIZATION.values()), ids=list(GARBAGE_AUTHORIZATION))
def test_a_garbage_authorization_header_is_401(testapp, scene, db_conn, value):
    headers = {"Authorization": value, "Idempotency-Key": "garbage-auth"}
    requests = [
        ("GET", f"{API}/users/me", None),
        ("GET", f"{API}/courses", None),
        ("POST", f"{API}/courses", json.dumps({"title": "Algebra"})),
        ("POST", f"{scene.assessment_url}/submissions", json.dumps({"answers": []})),
        ("DELETE", scene.assessment_url, None),
    ]
    before = fingerprint(db_conn)
    for method, url, raw in requests:
        response = send(testapp, method, url, raw, headers=headers)
        assert_refused(response, 401, "unauthenticated", context=f"{method} {url}")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert fingerprint(db_conn) == before


def test_a_real_token_with_something_after_it_is_401(testapp, scene, db_conn):
    token = scene.admin.token
    before = fingerprint(db_conn)
    for value in (f"Bearer {token}x", f"Bearer {token} {token}", f"Bearer {token[:-1]}", f"Bearer {token}%00", f"Basic {token}"):
        response = send(testapp, "POST", f"{API}/courses", json.dumps({"title": "Algebra"}), headers={"Authorization": value})
        assert_refused(response, 401, "unauthenticated", context=value)
    assert fingerprint(db_conn) == before


# ---------------------------------------------------------------- Idempotency-Key


@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, "x" * 100_000, "cl\xe9", "tab\there", "nul\x00", "del\x7f", "bell\x07"],
    ids=["empty", "256-chars", "100000-chars", "non-ascii", "tab", "nul", "del", "control"],
)
def test_an_invalid_idempotency_key_is_400_and_does_nothing(testapp, scene, db_conn, key):
    before = fingerprint(db_conn)
    for route in body_routes(scene):
        response = send(
            testapp, route.method, route.url, json.dumps(route.valid_body), caller=route.caller, headers={"Idempotency-Key": key}
        )
        if route.method in ("PATCH", "PUT"):
            assert response.status_int in (200, 201)  # only POSTs are idempotent by key; a PATCH or PUT ignores it
            continue
        error = assert_refused(response, 400, "invalid_parameter", context=str(route))
        assert list(error["details"]) == ["Idempotency-Key"]
    # The PATCHes went through (changing rows, not their number, but for the history row of a
    # result set by hand) and the PUT stored its override, each with its event (and
    # deliveries); every POST was refused.
    written = ("overrides", "score_history", "events", "webhook_deliveries")
    after = fingerprint(db_conn)
    counts = {table: rows for table, (rows, _) in after.items() if table not in written}
    assert counts == {table: rows for table, (rows, _) in before.items() if table not in written}


def test_a_key_reused_with_another_body_is_422_and_does_nothing(testapp, scene, db_conn):
    headers = {"Idempotency-Key": "reused-key"}
    first = send(testapp, "POST", f"{API}/courses", json.dumps({"title": "Algebra"}), caller=scene.instructor, headers=headers)
    assert first.status_int == 201
    before = fingerprint(db_conn)

    for raw in (json.dumps({"title": "Geometry"}), json.dumps({"title": "Algebra"}) + " ", '{"title":"Algebra"}'):
        response = send(testapp, "POST", f"{API}/courses", raw, caller=scene.instructor, headers=headers)
        assert_refused(response, 422, "idempotency_key_reused", context=raw)
    assert fingerprint(db_conn) == before


def test_a_key_reused_on_another_route_is_422_and_does_nothing(testapp, scene, db_conn):
    headers = {"Idempotency-Key": "one-key"}
    body = json.dumps({"course_id": scene.course["id"], "title": "Final exam", "passing_score": 50})
    assert send(testapp, "POST", f"{API}/assessments", body, caller=scene.instructor, headers=headers).status_int == 201
    before = fingerprint(db_conn)

    for url, raw in ((f"{API}/courses", json.dumps({"title": "Algebra"})), (f"{scene.assessment_url}/questions", body)):
        response = send(testapp, "POST", url, raw, caller=scene.instructor, headers=headers)
        assert_refused(response, 422, "idempotency_key_reused", context=url)
    assert fingerprint(db_conn) == before


def test_a_refused_request_does_not_burn_its_key(testapp, scene, db_conn):
    headers = {"Idempotency-Key": "retry-me"}
    url = f"{scene.assessment_url}/submissions"
    before = fingerprint(db_conn)

    for raw, status in (('{"answers": [', 400), ('{"answers": "all"}', 422), ("[]", 422)):
        assert_refused(send(testapp, "POST", url, raw, caller=scene.learner, headers=headers), status)
    assert fingerprint(db_conn) == before
    # The same key then does the work once, and replays it after.
    raw = json.dumps({"answers": []})
    first = send(testapp, "POST", url, raw, caller=scene.learner, headers=headers)
    again = send(testapp, "POST", url, raw, caller=scene.learner, headers=headers)
    assert (first.status_int, again.status_int) == (201, 201)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"


# ---------------------------------------------------------------- other headers


@pytest.mark.parametrize("value", ["a" * 129, "caf\xe9", "a b", "<script>", "id;rm -rf", ""])
def test_a_hostile_request_id_is_not_echoed(testapp, scene, value):
    response = send(testapp, "GET", f"{API}/courses/crs_none", caller=scene.admin, headers={"X-Request-ID": value})

    assert_refused(response, 404, "not_found")
    assert response.headers["X-Request-ID"] != value
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


@pytest.mark.parametrize("value", ["abc\n", "abc\r\n", "abc\nSet-Cookie: session=stolen"])
def test_a_request_id_ending_in_a_newline_is_not_echoed(app, value):
    # WebTest refuses to send such a header, and HTTP servers refuse to pass one on; a WSGI
    # environ can still hold it, and echoing it made Werkzeug raise (a 500).
    response = app.test_client().get(f"{API}/courses/crs_none", environ_overrides={"HTTP_X_REQUEST_ID": value})

    assert response.status_code == 401
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert set(response.get_json()["error"]) == {"code", "message", "details"}
