"""Bounded work (contract section 11): whatever one caller stores or asks for, no response is
larger than 16 MiB and no request grows a worker's memory by more than 64 MiB. Measured on a
real gunicorn worker, from /proc."""

import json

import pytest

from helpers.api import API, assessment_url, create_assessment
from helpers.db import value
from helpers.servers import Gunicorn, http

pytestmark = pytest.mark.slow

MiB = 2**20


def peak_memory(pid):
    """The process's peak resident set (VmHWM), in bytes."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@pytest.fixture
def one_worker(database_dsn, config):
    server = Gunicorn(database_dsn, workers=1)
    yield server
    server.stop()


def text_questions(db_conn, assessment_id, count):
    """`count` short-text questions stored directly; their ids in position order."""
    with db_conn.cursor() as cur:
        cur.execute(
            """
            insert into questions (id, assessment_id, position, type, prompt, points, spec)
            select 'qst_text' || n, %s, n, 'short_text', 'Say something ' || n, 1,
                   '{"accepted_answers": ["x"], "case_sensitive": false}'
            from generate_series(1, %s) as n
            returning id
            """,
            (assessment_id, count),
        )
        return [question_id for (question_id,) in cur.fetchall()]


def measured_get(server, caller, path):
    """(status, body bytes, growth of the worker's peak memory) of one GET."""
    import urllib.error
    import urllib.request

    (worker,) = server.worker_pids()
    http("GET", server.base_url + path.replace("per_page=100", "per_page=1"), headers=caller.headers)  # warm up
    before = peak_memory(worker)
    request = urllib.request.Request(server.base_url + path, headers=caller.headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return status, body, peak_memory(worker) - before


def test_one_submissions_text_is_bounded(testapp, instructor, course, learner, enroll, db_conn):
    enroll(course["id"], learner)
    assessment = create_assessment(testapp, instructor, course["id"])
    question_ids = text_questions(db_conn, assessment["id"], 100)
    body = {"answers": [{"question_id": question_id, "answer": "a" * 10_000} for question_id in question_ids]}

    error = testapp.post_json(assessment_url(assessment["id"], "submissions"), body, headers=learner.headers, status=422).json["error"]

    assert error["details"] == {"answers": ["The text answers are at most 65536 bytes (UTF-8) in all."]}
    assert value(db_conn, "select count(*) from submissions") == 0
    # At the bound exactly, it is stored (here in four-byte characters).
    body["answers"] = [{"question_id": question_ids[0], "answer": "😀" * 10_000}, {"question_id": question_ids[1], "answer": "😀" * 6_384}]
    testapp.post_json(assessment_url(assessment["id"], "submissions"), body, headers=learner.headers, status=201)


def test_a_learner_reading_everything_they_stored_stays_bounded(one_worker, testapp, instructor, course, learner, enroll, db_conn):
    enroll(course["id"], learner)
    assessment = create_assessment(testapp, instructor, course["id"])
    question_ids = text_questions(db_conn, assessment["id"], 100)
    # As much as a learner may store: 100 submissions, each with its full 64 KiB of text.
    body = {"answers": [{"question_id": question_id, "answer": "b" * 655} for question_id in question_ids]}
    for _ in range(100):
        testapp.post_json(assessment_url(assessment["id"], "submissions"), body, headers=learner.headers, status=201)

    status, page, grown = measured_get(one_worker, learner, assessment_url(assessment["id"], "submissions") + "?per_page=100")

    assert status == 200
    assert len(json.loads(page)["data"]) == 100
    assert len(page) <= 16 * MiB
    assert grown <= 64 * MiB, f"the worker grew by {grown / MiB:.1f} MiB"


def test_a_page_too_large_to_send_is_refused_with_what_fits(one_worker, testapp, instructor, course, learner, admin, enroll, db_conn):
    enroll(course["id"], learner)
    assessment = create_assessment(testapp, instructor, course["id"])
    # 100 stored submissions of 1,000 results each, about 200 KB apiece (20 MB in all).
    with db_conn.cursor() as cur:
        cur.execute(
            """
            with results as (
                select jsonb_agg(jsonb_build_object(
                           'question_id', 'qst_' || lpad(n::text, 24, '0'), 'answered', true, 'correct', false,
                           'points_earned', 0.00, 'points_possible', 1.00, 'answer', 'ch_' || lpad(n::text, 24, '0')
                       )) as list
                from generate_series(1, 1000) as n
            ), attempts as (
                insert into attempts (id, assessment_id, learner_id, attempt_number, status, started_at, submitted_at)
                select 'att_big' || n, %(assessment)s, %(learner)s, n, 'submitted', now(), now() + n * interval '1 ms'
                from generate_series(1, 100) as n
                returning id, attempt_number, submitted_at
            )
            insert into submissions (id, assessment_id, learner_id, attempt_id, attempt_number, score, passed,
                                     points_earned, points_possible, results, submitted_at)
            select 'sub_big' || a.attempt_number, %(assessment)s, %(learner)s, a.id, a.attempt_number, 0, false,
                   0, 1000, results.list, a.submitted_at
            from attempts a, results
            """,
            {"assessment": assessment["id"], "learner": learner.id},
        )
    path = assessment_url(assessment["id"], "submissions")

    status, refused, grown = measured_get(one_worker, admin, path + "?per_page=100")

    assert status == 400
    error = json.loads(refused)["error"]
    assert error["code"] == "invalid_parameter"
    assert list(error["details"]) == ["per_page"]
    fits = int(error["details"]["per_page"][0].split("at most ")[1].split()[0])
    assert 20 <= fits < 100
    assert grown <= 64 * MiB

    status, page, grown = measured_get(one_worker, admin, f"{path}?per_page={fits}")
    assert status == 200
    listed = json.loads(page)
    assert len(listed["data"]) == fits
    assert len(listed["data"][0]["results"]) == 1000
    assert len(page) <= 16 * MiB
    assert grown <= 64 * MiB, f"the worker grew by {grown / MiB:.1f} MiB"
    assert http("GET", f"{one_worker.base_url}{API}/users/me", headers=admin.headers)[0] == 200
