"""CSV exports (contract section 17): with `Accept: text/csv` the submissions, an
assessment's grades and a course's gradebook answer every row as RFC 4180 CSV, equal to
the JSON lists read back with Python's csv module; formula cells guarded; streamed from a
server-side cursor, so that a big export keeps a real gunicorn worker's memory flat and a
client gone mid-stream leaves no connection behind."""

import csv
import io
import socket
import time
import urllib.request
from decimal import Decimal

import pytest

from assessment_service.http.csv_stream import guarded
from helpers.api import (
    API,
    answers,
    assessment_url,
    assessment_with_questions,
    exact,
    right_answer,
    single_choice,
    true_false,
    wrong_answer,
)
from helpers.db import TABLES, value
from helpers.servers import Gunicorn, http
from helpers.stored import bulk_learners, bulk_submissions, result, store

CSV = {"Accept": "text/csv"}


def read_csv(response):
    assert response.content_type == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = response.body.decode("utf-8")
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text, newline="")))


def cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.fixture
def taken(testapp, instructor, course, make_user, enroll):
    """An assessment of three questions taken by three learners (two submissions by the first)."""
    assessment, questions = assessment_with_questions(
        testapp, instructor, course["id"], [single_choice(), true_false(points=2), true_false()], passing_score=50
    )
    learners = [make_user("learner") for _ in range(3)]
    for learner in learners:
        enroll(course["id"], learner)
    picks = [right_answer, wrong_answer, right_answer]
    for n, learner in enumerate([learners[0], *learners]):
        body = {"answers": answers(questions, lambda q, n=n: picks[(n + questions.index(q)) % 3](q))}
        testapp.post_json(assessment_url(assessment["id"], "submissions"), body, headers=learner.headers, status=201)
    return assessment, questions, learners


def test_submissions_csv_equals_the_json_list(testapp, instructor, taken):
    assessment, questions, _ = taken
    listed = testapp.get(assessment_url(assessment["id"], "submissions"), {"per_page": 100}, headers=instructor.headers).json["data"]
    header, *rows = read_csv(testapp.get(assessment_url(assessment["id"], "submissions"), headers={**instructor.headers, **CSV}))
    assert header == [
        "submission_id",
        "learner_id",
        "attempt_number",
        "submitted_at",
        "finalized_by",
        "late",
        "score",
        "passed",
        "points_earned",
        "points_possible",
        *[q["id"] for q in questions],
    ]
    assert len(rows) == len(listed) == 4
    for row, submission in zip(rows, listed, strict=True):
        expected = [submission["id"], submission["learner_id"], submission["attempt_number"], submission["submitted_at"]]
        expected += [submission[name] for name in ("finalized_by", "late")]
        assert row[:6] == [cell(v) for v in expected]
        figures = [Decimal(row[6]), row[7], Decimal(row[8]), Decimal(row[9])]
        assert figures == [Decimal(str(submission["score"])), cell(submission["passed"])] + [
            Decimal(str(submission[name])) for name in ("points_earned", "points_possible")
        ]
        points = {r["question_id"]: Decimal(str(r["points_earned"])) for r in submission["results"]}
        assert [Decimal(v) for v in row[10:]] == [points[q["id"]] for q in questions]


def test_grades_and_gradebook_csv_equal_the_json(testapp, instructor, admin, taken, course):
    assessment, _, learners = taken
    for url in (assessment_url(assessment["id"], "grades"), f"{API}/courses/{course['id']}/grades"):
        listed = exact(testapp.get(url, {"per_page": 100}, headers=admin.headers))["data"]
        header, *rows = read_csv(testapp.get(url, headers={**instructor.headers, **CSV}))
        assert header == [
            "assessment_id",
            "learner_id",
            "grading_method",
            "score",
            "passed",
            "submission_id",
            "submissions_counted",
            "attempts_used",
            "attempts_allowed",
            "first_passed_at",
            "updated_at",
        ]
        assert rows == [[cell(grade[name]) for name in header] for grade in listed]
        assert len(rows) == 3
    one = read_csv(testapp.get(url, {"learner_id": learners[1].id}, headers={**instructor.headers, **CSV}))
    assert [row[1] for row in one[1:]] == [learners[1].id]


def test_a_learner_gets_their_own_rows_as_their_review_shows_them(testapp, instructor, taken, course):
    assessment, questions, learners = taken
    testapp.patch_json(
        assessment_url(assessment["id"]),
        {"review": {"show_score": "never", "show_correctness": "never", "show_correct_answers": "never"}},
        headers=instructor.headers,
    )
    mine = learners[0]
    _, *rows = read_csv(testapp.get(assessment_url(assessment["id"], "submissions"), headers={**mine.headers, **CSV}))
    assert [row[1] for row in rows] == [mine.id, mine.id]
    assert all(row[6:9] == ["", "", ""] and row[10:] == ["", "", ""] for row in rows)
    assert all(row[9] != "" for row in rows)
    other = read_csv(
        testapp.get(assessment_url(assessment["id"], "submissions"), {"learner_id": learners[1].id}, headers={**mine.headers, **CSV})
    )
    assert other[1:] == []
    for url in (assessment_url(assessment["id"], "grades"), f"{API}/courses/{course['id']}/grades"):
        _, *rows = read_csv(testapp.get(url, headers={**mine.headers, **CSV}))
        assert [(row[1], row[3], row[4]) for row in rows] == [(mine.id, "", "")]
        assert read_csv(testapp.get(url, {"learner_id": learners[1].id}, headers={**mine.headers, **CSV}))[1:] == []


def test_json_stays_the_default(testapp, instructor, taken):
    assessment, _, _ = taken
    for accept in ("*/*", "application/json", "application/json, text/csv", "text/csv;q=0.5, application/json"):
        response = testapp.get(assessment_url(assessment["id"], "submissions"), headers={**instructor.headers, "Accept": accept})
        assert response.content_type == "application/json", accept
    assert (
        testapp.get(assessment_url(assessment["id"], "submissions"), headers={**instructor.headers, "Accept": "text/csv, */*"}).content_type
        == "text/csv"
    )


def test_who_may_read_is_as_for_json(testapp, taken, make_user):
    assessment, _, _ = taken
    outsider = make_user("learner")
    for path in ("submissions", "grades"):
        body = testapp.get(assessment_url(assessment["id"], path), headers={**outsider.headers, **CSV}, status=404).json
        assert body["error"]["code"] == "not_found"
    testapp.get(assessment_url(assessment["id"], "submissions"), headers=CSV, status=401)


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_guarded(text):
    assert guarded(text) == "'" + text
    assert guarded("a" + text) == "a" + text


def test_guarded_cells_in_an_export(testapp, instructor, course, db_conn):
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false()])
    # Ids the service would never make, stored straight: whatever a cell holds, it is guarded.
    hostile = ['=HYPERLINK("http://x")', "@cmd", "-2+3", "+1"]
    with db_conn.cursor() as cur:
        for n, learner_id in enumerate(hostile):
            cur.execute("insert into users (id, name, email, role) values (%s, 'H', %s, 'learner')", (learner_id, f"h{n}@example.com"))
    for n, learner_id in enumerate(hostile):
        store(db_conn, assessment, learner_id, [result(questions[0], 1, True)], seconds_ago=100 - n)
    _, *rows = read_csv(testapp.get(assessment_url(assessment["id"], "submissions"), headers={**instructor.headers, **CSV}))
    assert [row[1] for row in rows] == ["'" + learner_id for learner_id in hostile]


# ---------------------------------------------------------------- streaming on a real gunicorn


def get_bytes(url, headers, timeout=120, pause=None):
    """(status, body bytes) of a GET; with `pause`, read 256 KiB at a time, pausing that
    many seconds after each (a client reading at its own pace)."""
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if pause is None:
            return response.status, response.read()
        chunks = []
        while chunk := response.read(1 << 18):
            chunks.append(chunk)
            time.sleep(pause)
        return response.status, b"".join(chunks)


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


@pytest.fixture
def seeded_export(testapp, instructor, course, db_conn):
    """make(count): an assessment of 10 questions with `count` submissions (seeded in SQL)."""
    seeded = []

    def make(count):
        assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false() for _ in range(10)])
        bulk_learners(db_conn, course["id"], count)
        bulk_submissions(db_conn, assessment["id"], questions, count)
        seeded.append(count)
        return assessment, questions

    yield make
    if seeded:
        # The next test's DELETE of 100,000 rows per table would take ~20 s; TRUNCATE takes none.
        with db_conn.cursor() as cur:
            cur.execute(f"truncate {', '.join(TABLES)}")  # names: ours


@pytest.fixture
def big_export(seeded_export):
    return seeded_export(100_000)


def test_a_100000_row_export_keeps_the_worker_flat_and_alive(database_dsn, instructor, big_export):
    """...and a stream longer than gunicorn's timeout (1 s here) keeps telling the master the
    worker is alive (http.serving.still_alive): without it the worker is killed mid-body."""
    assessment, questions = big_export
    url = assessment_url(assessment["id"], "submissions")
    with Gunicorn(database_dsn, workers=1, extra_env={"DB_POOL_MAX": "1"}, extra_args=("--timeout", "1")) as server:
        (worker,) = server.worker_pids()
        headers = {**instructor.headers, **CSV}
        get_bytes(f"{server.base_url}{url}?learner_id=usr_bulk1", headers)  # warm: imports, pool, plans
        before = vm_rss_kib(worker)
        started = time.monotonic()
        # Read at ~6 MiB/s, so that the stream outlasts the timeout however fast the machine.
        status, body = get_bytes(f"{server.base_url}{url}", headers, pause=0.04)
        elapsed = time.monotonic() - started
        grown = vm_rss_kib(worker) - before
        assert status == 200
        lines = body.split(b"\r\n")
        assert len(lines) == 100_002 and lines[-1] == b""  # header, 100,000 rows, the final CRLF
        assert lines[1].count(b",") == 9 + len(questions)
        print(
            f"100,000 rows in {elapsed:.2f} s ({100_000 / elapsed:,.0f} rows/s), {len(body) / 2**20:.1f} MiB, RSS +{grown / 1024:.1f} MiB"
        )
        # The body is 6+ MiB; held in memory it would grow the worker by more than that.
        assert grown < 8 * 1024
        assert elapsed > 1 and server.worker_pids() == [worker]


def test_a_client_gone_mid_stream_leaves_no_connection_behind(database_dsn, instructor, seeded_export, db_conn):
    # 5.8 MiB: more than the server's socket may buffer (tcp_wmem's 4 MiB at most) with the
    # client's receive buffer kept small, so the client is gone while rows remain.
    assessment, _ = seeded_export(50_000)
    url = assessment_url(assessment["id"], "submissions")
    # One connection in the worker's pool: a leaked one would leave it none (503).
    with Gunicorn(database_dsn, workers=1, extra_env={"DB_POOL_MAX": "1"}) as server:
        for _ in range(3):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(("127.0.0.1", server.port))
            head = f"GET {url} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\nAuthorization: Bearer {instructor.token}\r\n\r\n"
            sock.sendall(head.encode())
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
            sock.close()  # gone, with most of the body unsent
        deadline = time.monotonic() + 20
        while True:
            busy = value(
                db_conn,
                "select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() "
                "and (state <> 'idle' or xact_start is not null)",
            )
            if busy == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert busy == 0
        status, _, _ = http("GET", f"{server.base_url}{url}?per_page=1", headers=instructor.headers)
        assert status == 200
        status, body = get_bytes(f"{server.base_url}{url}?learner_id=usr_bulk7", {**instructor.headers, **CSV})
        assert status == 200 and body.count(b"\r\n") == 2


def test_a_paper_without_a_question_leaves_its_cell_empty(testapp, instructor, course, db_conn, make_user, enroll):
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false(), true_false(points=2), true_false()])
    learner = make_user("learner")
    enroll(course["id"], learner)
    # A paper of the last question and then the first (the second not drawn), in that order.
    store(db_conn, assessment, learner.id, [result(questions[2], 1, True), result(questions[0], 0, False)])
    _, row = read_csv(testapp.get(assessment_url(assessment["id"], "submissions"), headers={**instructor.headers, **CSV}))
    assert row[10:] == ["0.00", "", "1.00"]
