"""Lists and pagination (contract section 7), on GET /users, /courses and enrollments."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest

LINK = re.compile(r'<([^>]*)>;\s*rel="([a-z]+)"')


def parse_link(header):
    """{rel: (path, {param: [values]})} of an RFC 8288 Link header."""
    links = {}
    for part in header.split(","):
        match = LINK.fullmatch(part.strip())
        assert match, f"not a link: {part!r}"
        url, rel = match.groups()
        assert rel not in links, f"rel {rel} twice"
        split = urlsplit(url)
        links[rel] = (split.path, parse_qs(split.query, keep_blank_values=True))
    return links


def link_pages(header):
    """{rel: page number} of a Link header, checking every link keeps per_page."""
    links = parse_link(header)
    per_page = {params["per_page"][0] for _, params in links.values()}
    assert len(per_page) == 1
    return {rel: int(params["page"][0]) for rel, (_, params) in links.items()}


def insert_users(db_conn, count, created_at=None):
    """Insert users straight into the table; with created_at, all share that creation time."""
    ids = [f"usr_bulk{n:04d}" for n in range(count)]
    with db_conn.cursor() as cur:
        for user_id in ids:
            cur.execute(
                "insert into users (id, name, email, role, created_at) values (%s, %s, %s, 'learner', coalesce(%s, clock_timestamp()))",
                (user_id, user_id, f"{user_id}@example.com", created_at),
            )
    return ids


def all_user_ids_in_order(db_conn):
    with db_conn.cursor() as cur:
        cur.execute("select id from users order by created_at, id")
        return [row[0] for row in cur.fetchall()]


# ---------------------------------------------------------------- defaults and bounds


def test_defaults_are_page_1_of_20(testapp, admin, db_conn):
    insert_users(db_conn, 24)

    body = testapp.get("/api/v1/users", headers=admin.headers).json

    assert body["pagination"] == {"page": 1, "per_page": 20, "total": 25, "total_pages": 2}
    assert [user["id"] for user in body["data"]] == all_user_ids_in_order(db_conn)[:20]


@pytest.mark.parametrize("per_page, expected_len, total_pages", [("1", 1, 5), ("100", 5, 1), ("3", 3, 2)])
def test_per_page_within_bounds(testapp, admin, db_conn, per_page, expected_len, total_pages):
    insert_users(db_conn, 4)

    body = testapp.get(f"/api/v1/users?per_page={per_page}", headers=admin.headers).json

    assert len(body["data"]) == expected_len
    assert body["pagination"] == {"page": 1, "per_page": int(per_page), "total": 5, "total_pages": total_pages}


BAD_VALUES = ["0", "101", "-1", "abc", "", "1.5", "1e1", "9" * 30]


@pytest.mark.parametrize("path", ["/api/v1/users", "/api/v1/courses"])
@pytest.mark.parametrize("name", ["page", "per_page"])
def test_bad_page_or_per_page_is_an_invalid_parameter(testapp, admin, path, name):
    for value in BAD_VALUES:
        if name == "page" and value == "101":
            continue  # a fine page number

        error = testapp.get(f"{path}?{name}={value}", headers=admin.headers, status=400).json["error"]

        assert error["code"] == "invalid_parameter", value
        assert list(error["details"]) == [name], value
        assert name in error["message"]


@pytest.mark.parametrize("query, name", [("page=1&page=2", "page"), ("per_page=5&per_page=5", "per_page")])
def test_repeated_parameter_is_an_invalid_parameter(testapp, admin, query, name):
    error = testapp.get(f"/api/v1/users?{query}", headers=admin.headers, status=400).json["error"]

    assert error["code"] == "invalid_parameter"
    assert list(error["details"]) == [name]


def test_unknown_query_parameters_are_ignored(testapp, admin):
    body = testapp.get("/api/v1/users?sort=name&per_page=5", headers=admin.headers).json

    assert body["pagination"]["per_page"] == 5


def test_page_past_the_end_is_empty(testapp, admin, db_conn):
    insert_users(db_conn, 4)

    response = testapp.get("/api/v1/users?page=9&per_page=2", headers=admin.headers)

    assert response.json == {"data": [], "pagination": {"page": 9, "per_page": 2, "total": 5, "total_pages": 3}}
    # prev leads back to the last page that exists; there is no next.
    assert link_pages(response.headers["Link"]) == {"first": 1, "prev": 3, "last": 3}


def test_empty_collection(testapp, admin):
    response = testapp.get("/api/v1/courses", headers=admin.headers)

    assert response.json == {"data": [], "pagination": {"page": 1, "per_page": 20, "total": 0, "total_pages": 1}}
    assert link_pages(response.headers["Link"]) == {"first": 1, "last": 1}


# ---------------------------------------------------------------- Link header


@pytest.mark.parametrize(
    "page, expected",
    [
        (1, {"first": 1, "next": 2, "last": 3}),
        (2, {"first": 1, "prev": 1, "next": 3, "last": 3}),
        (3, {"first": 1, "prev": 2, "last": 3}),
    ],
)
def test_link_header_has_first_prev_next_last_where_they_exist(testapp, admin, db_conn, page, expected):
    insert_users(db_conn, 4)  # 5 users with the admin: 3 pages of 2

    response = testapp.get(f"/api/v1/users?page={page}&per_page=2", headers=admin.headers)

    links = parse_link(response.headers["Link"])
    assert {rel: int(params["page"][0]) for rel, (_, params) in links.items()} == expected
    for path, params in links.values():
        assert path == "/api/v1/users"
        assert params["per_page"] == ["2"]


def test_single_page_links_only_first_and_last(testapp, admin):
    response = testapp.get("/api/v1/users", headers=admin.headers)

    assert link_pages(response.headers["Link"]) == {"first": 1, "last": 1}


def test_links_can_be_followed_to_every_item(testapp, admin, db_conn):
    insert_users(db_conn, 6)
    url, seen = "/api/v1/users?per_page=3", []

    while url:
        response = testapp.get(url, headers=admin.headers)
        seen += [user["id"] for user in response.json["data"]]
        links = parse_link(response.headers["Link"])
        url = None
        if "next" in links:
            path, params = links["next"]
            url = f"{path}?page={params['page'][0]}&per_page={params['per_page'][0]}"

    assert seen == all_user_ids_in_order(db_conn)


def test_links_keep_other_query_parameters(testapp, admin, db_conn):
    insert_users(db_conn, 2)

    response = testapp.get("/api/v1/users?per_page=1&page=2&sort=name", headers=admin.headers)

    for _, params in parse_link(response.headers["Link"]).values():
        assert params["sort"] == ["name"]


# ---------------------------------------------------------------- stable order


def test_users_are_ordered_by_creation_time_then_id_across_pages(testapp, admin, db_conn):
    same_moment = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    # Ids inserted out of order, sharing one creation time: only the id can order them.
    with db_conn.cursor() as cur:
        for suffix in ("m", "c", "x", "a", "q", "f", "b"):
            user_id = f"usr_tie{suffix}"
            cur.execute(
                "insert into users (id, name, email, role, created_at) values (%s, %s, %s, 'learner', %s)",
                (user_id, user_id, f"{user_id}@example.com", same_moment),
            )
    early = insert_users(db_conn, 3, created_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    expected = early + [admin.id] + [f"usr_tie{s}" for s in "abcfmqx"]

    seen = []
    for page in range(1, 5):
        seen += [user["id"] for user in testapp.get(f"/api/v1/users?page={page}&per_page=3", headers=admin.headers).json["data"]]

    assert seen == expected
    assert len(set(seen)) == len(seen) == 11


def test_courses_are_ordered_by_creation_time_then_id_for_admins_and_members(testapp, admin, make_user, enroll, db_conn):
    same_moment = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    ids = [f"crs_tie{suffix}" for suffix in "kdzahe"]
    with db_conn.cursor() as cur:
        for course_id in ids:
            cur.execute("insert into courses (id, title, created_at) values (%s, 'Tied course', %s)", (course_id, same_moment))
    student = make_user("learner")
    for course_id in ids:
        enroll(course_id, student, status="dropped" if course_id.endswith("a") else "active")
    expected = sorted(ids)

    for caller in (admin, student):
        seen = []
        for page in (1, 2, 3):
            body = testapp.get(f"/api/v1/courses?page={page}&per_page=2", headers=caller.headers).json
            assert body["pagination"] == {"page": page, "per_page": 2, "total": 6, "total_pages": 3}
            seen += [course["id"] for course in body["data"]]
        assert seen == expected


def test_enrollment_pages_have_no_duplicates_or_gaps(testapp, admin, course, make_user, enroll, db_conn):
    for _ in range(5):
        enroll(course["id"], make_user("learner"))
    with db_conn.cursor() as cur:
        cur.execute("select id from enrollments where course_id = %s order by created_at, id", (course["id"],))
        expected = [row[0] for row in cur.fetchall()]

    seen = []
    for page in (1, 2, 3):
        body = testapp.get(f"/api/v1/courses/{course['id']}/enrollments?page={page}&per_page=2", headers=admin.headers).json
        seen += [item["id"] for item in body["data"]]

    assert seen == expected
