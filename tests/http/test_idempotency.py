"""Idempotent POSTs (contract section 10)."""

import json

import pytest

from helpers.servers import concurrently, http


@pytest.fixture
def quiz(testapp, instructor, course, learner, enroll):
    """An untimed assessment (max 3 attempts) with one question; `learner` is enrolled."""
    assessment = testapp.post_json(
        "/api/v1/assessments",
        {"course_id": course["id"], "title": "Quiz", "passing_score": 50, "max_attempts": 3},
        headers=instructor.headers,
        status=201,
    ).json
    question = testapp.post_json(
        f"/api/v1/assessments/{assessment['id']}/questions",
        {"type": "true_false", "prompt": "Water is wet.", "correct_answer": True},
        headers=instructor.headers,
        status=201,
    ).json
    enroll(course["id"], learner)
    return assessment, question


def count(db_conn, table, assessment_id):
    with db_conn.cursor() as cur:
        cur.execute(f"select count(*) from {table} where assessment_id = %s", (assessment_id,))  # table: ours
        return cur.fetchone()[0]


def post_submission(testapp, assessment, body, caller, key, status=201):
    headers = {**caller.headers, "Idempotency-Key": key}
    return testapp.post_json(f"/api/v1/assessments/{assessment['id']}/submissions", body, headers=headers, status=status)


def test_retry_replays_the_first_response_and_uses_no_second_attempt(testapp, quiz, learner, db_conn):
    assessment, question = quiz
    body = {"answers": [{"question_id": question["id"], "answer": True}]}
    first = post_submission(testapp, assessment, body, learner, "retry-1")
    again = post_submission(testapp, assessment, body, learner, "retry-1")
    assert again.status_int == 201
    assert again.body == first.body
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(db_conn, "submissions", assessment["id"]) == 1
    assert count(db_conn, "attempts", assessment["id"]) == 1


def test_same_key_with_another_body_is_422(testapp, quiz, learner, db_conn):
    assessment, question = quiz
    post_submission(testapp, assessment, {"answers": [{"question_id": question["id"], "answer": True}]}, learner, "k")
    error = post_submission(
        testapp, assessment, {"answers": [{"question_id": question["id"], "answer": False}]}, learner, "k", status=422
    ).json["error"]
    assert error["code"] == "idempotency_key_reused"
    assert count(db_conn, "submissions", assessment["id"]) == 1


def test_keys_are_per_user(testapp, quiz, learner, make_user, enroll, course, db_conn):
    assessment, question = quiz
    other = make_user("learner")
    enroll(course["id"], other)
    body = {"answers": [{"question_id": question["id"], "answer": True}]}
    mine = post_submission(testapp, assessment, body, learner, "shared-key").json
    theirs = post_submission(testapp, assessment, body, other, "shared-key").json
    assert mine["id"] != theirs["id"] and theirs["learner_id"] == other.id
    assert count(db_conn, "submissions", assessment["id"]) == 2


def test_failed_request_is_not_remembered(testapp, quiz, learner, db_conn):
    assessment, question = quiz
    bad = {"answers": [{"question_id": question["id"], "answer": "yes"}]}
    post_submission(testapp, assessment, bad, learner, "fix-and-retry", status=422)
    with db_conn.cursor() as cur:
        cur.execute("select count(*) from idempotency_keys")
        assert cur.fetchone()[0] == 0
    # A 4xx changed nothing, so the same request with the same key is simply redone.
    post_submission(testapp, assessment, bad, learner, "fix-and-retry", status=422)


def test_expired_key_does_the_work_again(testapp, quiz, learner, db_conn):
    assessment, question = quiz
    body = {"answers": [{"question_id": question["id"], "answer": True}]}
    first = post_submission(testapp, assessment, body, learner, "old").json
    with db_conn.cursor() as cur:
        cur.execute("update idempotency_keys set created_at = now() - interval '25 hours'")
    second = post_submission(testapp, assessment, body, learner, "old").json
    assert second["id"] != first["id"] and second["attempt_number"] == 2


def test_expired_keys_are_swept(testapp, quiz, learner, admin, db_conn):
    assessment, question = quiz
    body = {"answers": [{"question_id": question["id"], "answer": True}]}
    post_submission(testapp, assessment, body, learner, "stale")
    with db_conn.cursor() as cur:
        cur.execute("update idempotency_keys set created_at = now() - interval '2 days'")
    headers = {**admin.headers, "Idempotency-Key": "new-course"}
    testapp.post_json("/api/v1/courses", {"title": "Another course"}, headers=headers, status=201)
    with db_conn.cursor() as cur:
        cur.execute("select key from idempotency_keys")
        assert cur.fetchall() == [("new-course",)]


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_invalid_key_is_400(testapp, admin, key, db_conn):
    headers = {**admin.headers, "Idempotency-Key": key}
    error = testapp.post_json("/api/v1/courses", {"title": "Course"}, headers=headers, status=400).json["error"]
    assert error["code"] == "invalid_parameter" and "Idempotency-Key" in error["details"]
    with db_conn.cursor() as cur:
        cur.execute("select count(*) from courses")
        assert cur.fetchone()[0] == 0


def test_every_post_route_honours_the_key(testapp, admin):
    headers = {**admin.headers, "Idempotency-Key": "course-once"}
    first = testapp.post_json("/api/v1/courses", {"title": "Once"}, headers=headers, status=201)
    again = testapp.post_json("/api/v1/courses", {"title": "Once"}, headers=headers, status=201)
    assert again.json == first.json
    listed = testapp.get("/api/v1/courses", headers=admin.headers).json
    assert listed["pagination"]["total"] == 1
    # A token is shown once: a replay shows the same token, not a new one, and without its value.
    token_headers = {**admin.headers, "Idempotency-Key": "token-once"}
    token = testapp.post(f"/api/v1/users/{admin.id}/tokens", headers=token_headers, status=201).json
    del token["value"]
    assert testapp.post(f"/api/v1/users/{admin.id}/tokens", headers=token_headers, status=201).json == token


def test_twenty_concurrent_identical_requests_store_one_submission(live_server, testapp, quiz, learner, db_conn):
    assessment, question = quiz
    url = f"{live_server.base_url}/api/v1/assessments/{assessment['id']}/submissions"
    body = {"answers": [{"question_id": question["id"], "answer": True}]}
    headers = {**learner.headers, "Idempotency-Key": "burst"}
    results = concurrently([lambda: http("POST", url, body, headers) for _ in range(20)])
    assert [status for status, _, _ in results] == [201] * 20
    assert len({json.dumps(response_body, sort_keys=True) for _, response_body, _ in results}) == 1
    assert count(db_conn, "submissions", assessment["id"]) == 1
    assert count(db_conn, "attempts", assessment["id"]) == 1


def stored_responses(db_conn):
    with db_conn.cursor() as cur:
        cur.execute("select response_body from idempotency_keys")
        return [body for (body,) in cur.fetchall()]


def test_a_replayed_new_user_shows_no_token_value_and_none_is_stored(testapp, admin, db_conn):
    headers = {**admin.headers, "Idempotency-Key": "new-user"}
    body = {"name": "Tom Token", "email": "tom@example.com", "role": "learner"}
    first = testapp.post_json("/api/v1/users", body, headers=headers, status=201)
    plain = first.json["token"]["value"]

    replay = testapp.post_json("/api/v1/users", body, headers=headers, status=201)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json["user"] == first.json["user"]
    assert replay.json["token"] == {"id": first.json["token"]["id"], "created_at": first.json["token"]["created_at"]}
    assert not any(plain in text for text in stored_responses(db_conn))
    # The token works all the same.
    assert testapp.get("/api/v1/users/me", headers={"Authorization": f"Bearer {plain}"}).json["email"] == "tom@example.com"


def test_a_replayed_new_token_shows_no_value_and_none_is_stored(testapp, learner, db_conn):
    headers = {**learner.headers, "Idempotency-Key": "new-token"}
    first = testapp.post(f"/api/v1/users/{learner.id}/tokens", headers=headers, status=201)

    replay = testapp.post(f"/api/v1/users/{learner.id}/tokens", headers=headers, status=201)
    assert replay.json == {"id": first.json["id"], "created_at": first.json["created_at"]}
    assert not any(first.json["value"] in text for text in stored_responses(db_conn))


def test_applying_the_schema_removes_tokens_kept_by_an_earlier_version(db_conn, admin, learner):
    from assessment_service.config import PROJECT_ROOT

    kept = {
        "new-user": '{"user": {"id": "usr_1", "name": "A", "email": "a@example.com", "role": "learner", "created_at": "2026-11-29T13:40:21.123Z"}, "token": {"id": "tok_1", "created_at": "2026-11-29T13:40:21.123Z", "value": "secret-one"}}\n',
        "new-token": '{"id": "tok_2", "created_at": "2026-11-29T13:40:21.123Z", "value": "secret-two"}\n',
        "a-course": '{"id": "crs_1", "title": "value: kept", "created_at": "2026-11-29T13:40:21.123Z"}\n',
        "a-delete": "",
    }
    with db_conn.cursor() as cur:
        for key, text in kept.items():
            cur.execute(
                "insert into idempotency_keys (user_id, key, request_hash, status, response_body) values (%s, %s, '\\x00', 201, %s)",
                (admin.id, key, text),
            )
        cur.execute((PROJECT_ROOT / "schema.sql").read_text())
        cur.execute("select key, response_body from idempotency_keys order by key")
        after = dict(cur.fetchall())

    assert "secret" not in after["new-user"] and "secret" not in after["new-token"]
    assert json.loads(after["new-user"])["token"] == {"id": "tok_1", "created_at": "2026-11-29T13:40:21.123Z"}
    assert json.loads(after["new-token"]) == {"id": "tok_2", "created_at": "2026-11-29T13:40:21.123Z"}
    assert after["a-course"] == kept["a-course"] and after["a-delete"] == ""
