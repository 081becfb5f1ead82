"""Users and bearer tokens (contract section 1)."""

import hashlib
import re

import pytest

from helpers.api import TIMESTAMP


def count(db_conn, query, params=None):
    with db_conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchone()[0]


def new_user(**overrides):
    body = {"name": "Grace Hopper", "email": "grace@example.com", "role": "learner"}
    body.update(overrides)
    return body


def assert_unauthenticated(response):
    assert response.status_int == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["error"]["code"] == "unauthenticated"
    assert response.content_type == "application/json"


# ---------------------------------------------------------------- POST /users


def test_admin_creates_user_with_first_token(testapp, admin, db_conn):
    response = testapp.post_json("/api/v1/users", new_user(role="instructor"), headers=admin.headers, status=201)

    user, token = response.json["user"], response.json["token"]
    assert set(response.json) == {"user", "token"}
    assert set(user) == {"id", "name", "email", "role", "created_at"}
    assert re.fullmatch(r"usr_[A-Za-z0-9]+", user["id"])
    assert (user["name"], user["email"], user["role"]) == ("Grace Hopper", "grace@example.com", "instructor")
    assert TIMESTAMP.match(user["created_at"])
    assert set(token) == {"id", "created_at", "value"}
    assert re.fullmatch(r"tok_[A-Za-z0-9]+", token["id"])
    assert len(token["value"]) >= 43  # 32 random bytes, url-safe base64
    with db_conn.cursor() as cur:
        cur.execute("select name, email, role from users where id = %s", (user["id"],))
        assert cur.fetchone() == ("Grace Hopper", "grace@example.com", "instructor")
        cur.execute("select user_id, revoked_at from tokens where id = %s", (token["id"],))
        assert cur.fetchone() == (user["id"], None)


def test_issued_token_authenticates_the_new_user(testapp, admin):
    created = testapp.post_json("/api/v1/users", new_user(), headers=admin.headers, status=201).json

    me = testapp.get("/api/v1/users/me", headers={"Authorization": f"Bearer {created['token']['value']}"}).json

    assert me == created["user"]


def test_only_a_hash_of_the_token_is_stored(testapp, admin, db_conn):
    token = testapp.post_json("/api/v1/users", new_user(), headers=admin.headers, status=201).json["token"]
    plain = token["value"]

    with db_conn.cursor() as cur:
        cur.execute("select row_to_json(t)::text, token_hash from tokens t where id = %s", (token["id"],))
        row_text, token_hash = cur.fetchone()
        cur.execute("select count(*) from tokens t where strpos(row_to_json(t)::text, %s) > 0", (plain,))
        rows_with_plain = cur.fetchone()[0]
    assert plain not in row_text
    assert plain.encode() not in bytes(token_hash)
    assert bytes(token_hash) == hashlib.sha256(plain.encode()).digest()
    assert rows_with_plain == 0


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_non_admin_cannot_create_users(testapp, make_user, db_conn, role):
    caller = make_user(role)

    body = testapp.post_json("/api/v1/users", new_user(), headers=caller.headers, status=403).json

    assert body["error"]["code"] == "forbidden"
    assert count(db_conn, "select count(*) from users where email = 'grace@example.com'") == 0


@pytest.mark.parametrize("email", ["grace@example.com", "GRACE@Example.COM"])
def test_duplicate_email_is_a_conflict_and_stores_nothing(testapp, admin, db_conn, email):
    testapp.post_json("/api/v1/users", new_user(), headers=admin.headers, status=201)
    users_before = count(db_conn, "select count(*) from users")
    tokens_before = count(db_conn, "select count(*) from tokens")

    body = testapp.post_json("/api/v1/users", new_user(email=email, name="Other"), headers=admin.headers, status=409).json

    assert body["error"]["code"] == "conflict"
    assert "email" in body["error"]["details"]
    assert count(db_conn, "select count(*) from users") == users_before
    assert count(db_conn, "select count(*) from tokens") == tokens_before
    assert count(db_conn, "select count(*) from users where name = 'Other'") == 0


INVALID_USER_BODIES = [
    (new_user(email="not-an-email"), "email"),
    (new_user(email="grace@"), "email"),
    (new_user(email=42), "email"),
    (new_user(role="superuser"), "role"),
    (new_user(role="Admin"), "role"),
    (new_user(name=""), "name"),
    (new_user(name="x" * 201), "name"),
    (new_user(name=None), "name"),
    ({"email": "grace@example.com", "role": "learner"}, "name"),
    ({"name": "Grace", "role": "learner"}, "email"),
    ({"name": "Grace", "email": "grace@example.com"}, "role"),
    (new_user(is_admin=True), "is_admin"),
    (new_user(name="Gr\u0000ace"), "$.name"),
]


def test_invalid_user_body_is_rejected_naming_the_field(testapp, admin, db_conn):
    for body, field in INVALID_USER_BODIES:
        error = testapp.post_json("/api/v1/users", body, headers=admin.headers, status=422).json["error"]

        assert error["code"] == "validation_failed"
        assert field in error["details"], (body, error["details"])
        assert isinstance(error["details"][field], list) and error["details"][field]
    assert count(db_conn, "select count(*) from users") == 1
    assert count(db_conn, "select count(*) from tokens") == 1


def test_missing_fields_are_all_reported(testapp, admin):
    error = testapp.post_json("/api/v1/users", {}, headers=admin.headers, status=422).json["error"]

    assert set(error["details"]) == {"name", "email", "role"}


# ---------------------------------------------------------------- GET /users, /users/me


def test_admin_lists_users(testapp, admin, make_user):
    learner = make_user("learner")

    body = testapp.get("/api/v1/users", headers=admin.headers).json

    assert [user["id"] for user in body["data"]] == [admin.id, learner.id]
    assert body["data"][1] == {
        "id": learner.id,
        "name": body["data"][1]["name"],
        "email": learner.email,
        "role": "learner",
        "created_at": body["data"][1]["created_at"],
    }
    assert body["pagination"] == {"page": 1, "per_page": 20, "total": 2, "total_pages": 1}


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_non_admin_cannot_list_users(testapp, make_user, role):
    caller = make_user(role)

    assert testapp.get("/api/v1/users", headers=caller.headers, status=403).json["error"]["code"] == "forbidden"


def test_me_describes_the_caller(testapp, learner):
    body = testapp.get("/api/v1/users/me", headers=learner.headers).json

    assert set(body) == {"id", "name", "email", "role", "created_at"}
    assert (body["id"], body["email"], body["role"]) == (learner.id, learner.email, "learner")
    assert TIMESTAMP.match(body["created_at"])


# ---------------------------------------------------------------- POST /users/{id}/tokens


def test_user_issues_a_token_for_themself(testapp, learner, db_conn):
    response = testapp.post(f"/api/v1/users/{learner.id}/tokens", headers=learner.headers, status=201)

    token = response.json
    assert set(token) == {"id", "created_at", "value"}
    assert "Location" not in response.headers  # no route reads a token back
    assert testapp.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token['value']}"}).json["id"] == learner.id
    # The old token still works too.
    testapp.get("/api/v1/users/me", headers=learner.headers, status=200)
    assert count(db_conn, "select count(*) from tokens where user_id = %s and revoked_at is null", (learner.id,)) == 2


def test_admin_issues_a_token_for_another_user(testapp, admin, learner):
    token = testapp.post(f"/api/v1/users/{learner.id}/tokens", headers=admin.headers, status=201).json

    me = testapp.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token['value']}"}).json
    assert me["id"] == learner.id


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_user_cannot_issue_a_token_for_someone_else(testapp, make_user, db_conn, role):
    caller, other = make_user(role), make_user("learner")

    body = testapp.post(f"/api/v1/users/{other.id}/tokens", headers=caller.headers, status=403).json

    assert body["error"]["code"] == "forbidden"
    assert count(db_conn, "select count(*) from tokens where user_id = %s", (other.id,)) == 1


def test_token_for_unknown_user_is_not_found(testapp, admin, db_conn):
    body = testapp.post("/api/v1/users/usr_doesnotexist/tokens", headers=admin.headers, status=404).json

    assert body["error"]["code"] == "not_found"
    assert count(db_conn, "select count(*) from tokens where user_id = 'usr_doesnotexist'") == 0


# ---------------------------------------------------------------- DELETE /users/{id}/tokens/{token_id}


def issue(testapp, caller):
    return testapp.post(f"/api/v1/users/{caller.id}/tokens", headers=caller.headers, status=201).json


def test_revoked_token_is_refused(testapp, learner, db_conn):
    token = issue(testapp, learner)
    bearer = {"Authorization": f"Bearer {token['value']}"}

    response = testapp.delete(f"/api/v1/users/{learner.id}/tokens/{token['id']}", headers=learner.headers, status=204)

    assert response.body == b""
    assert count(db_conn, "select count(*) from tokens where id = %s and revoked_at is not null", (token["id"],)) == 1
    assert_unauthenticated(testapp.get("/api/v1/users/me", headers=bearer, status=401))
    # The other token of the same user is untouched.
    testapp.get("/api/v1/users/me", headers=learner.headers, status=200)


def test_user_revokes_the_token_in_use(testapp, learner, db_conn):
    with db_conn.cursor() as cur:
        cur.execute("select id from tokens where user_id = %s", (learner.id,))
        (token_id,) = cur.fetchone()

    testapp.delete(f"/api/v1/users/{learner.id}/tokens/{token_id}", headers=learner.headers, status=204)

    assert_unauthenticated(testapp.get("/api/v1/users/me", headers=learner.headers, status=401))


def test_admin_revokes_another_users_token(testapp, admin, learner):
    token = issue(testapp, learner)

    testapp.delete(f"/api/v1/users/{learner.id}/tokens/{token['id']}", headers=admin.headers, status=204)

    testapp.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token['value']}"}, status=401)


def test_user_cannot_revoke_someone_elses_token(testapp, learner, make_user, db_conn):
    other = make_user("learner")
    token = issue(testapp, other)

    body = testapp.delete(f"/api/v1/users/{other.id}/tokens/{token['id']}", headers=learner.headers, status=403).json

    assert body["error"]["code"] == "forbidden"
    assert count(db_conn, "select count(*) from tokens where id = %s and revoked_at is null", (token["id"],)) == 1
    testapp.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token['value']}"}, status=200)


def test_unknown_token_is_not_found(testapp, admin, learner):
    body = testapp.delete(f"/api/v1/users/{learner.id}/tokens/tok_doesnotexist", headers=admin.headers, status=404).json

    assert body["error"]["code"] == "not_found"


def test_token_of_another_user_is_not_found_under_this_user(testapp, admin, learner, make_user, db_conn):
    other = make_user("learner")
    token = issue(testapp, other)

    testapp.delete(f"/api/v1/users/{learner.id}/tokens/{token['id']}", headers=admin.headers, status=404)

    assert count(db_conn, "select count(*) from tokens where id = %s and revoked_at is null", (token["id"],)) == 1


# ---------------------------------------------------------------- 401


ROUTES = [
    ("get", "/api/v1/users/me"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/courses"),
    ("post", "/api/v1/courses"),
    ("get", "/api/v1/courses/crs_abc123"),
    ("post", "/api/v1/users/usr_abc123/tokens"),
    ("delete", "/api/v1/users/usr_abc123/tokens/tok_abc123"),
]

BAD_HEADERS = {
    "missing": {},
    "empty": {"Authorization": ""},
    "wrong scheme": {"Authorization": "Basic YWRtaW46c2VjcmV0"},
    "token as scheme": {"Authorization": "Token abcdef"},
    "bearer without token": {"Authorization": "Bearer"},
    "unknown token": {"Authorization": "Bearer " + "A" * 43},
    "non-ascii token": {"Authorization": "Bearer caf\u00e9"},
}


@pytest.mark.parametrize("case", sorted(BAD_HEADERS))
def test_requests_without_a_valid_token_are_unauthenticated(testapp, admin, case):
    headers = {key: value.encode("utf-8").decode("latin-1") for key, value in BAD_HEADERS[case].items()}

    for method, path in ROUTES:
        response = getattr(testapp, method)(path, headers=headers, status=401)

        assert_unauthenticated(response)


def test_401_stores_nothing(testapp, admin, db_conn):
    testapp.post_json("/api/v1/users", new_user(), headers={"Authorization": "Bearer nope"}, status=401)
    testapp.post_json("/api/v1/courses", {"title": "Algebra"}, status=401)

    assert count(db_conn, "select count(*) from users") == 1
    assert count(db_conn, "select count(*) from courses") == 0


def test_bearer_scheme_is_case_insensitive(testapp, learner):
    testapp.get("/api/v1/users/me", headers={"Authorization": f"bearer {learner.token}"}, status=200)


@pytest.mark.parametrize(
    "first, second",
    [
        ("straße@example.com", "STRASSE@example.com"),
        ("grace@example.com", "ｇｒａｃｅ@example.com"),  # fullwidth letters
        ("Grace@Example.com", "grace@example.COM"),
        ("ﬁona@example.com", "FIONA@example.com"),  # the fi ligature
    ],
)
def test_emails_equal_after_nfkc_and_case_folding_are_the_same(testapp, admin, db_conn, first, second):
    testapp.post_json("/api/v1/users", new_user(email=first), headers=admin.headers, status=201)

    error = testapp.post_json("/api/v1/users", new_user(email=second), headers=admin.headers, status=409).json["error"]

    assert error["code"] == "conflict"
    assert count(db_conn, "select count(*) from users where email in (%s, %s)", (first, second)) == 1
    # The address is kept as it was given.
    assert count(db_conn, "select count(*) from users where email = %s", (first,)) == 1
