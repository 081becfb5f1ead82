"""GET /metrics: Prometheus text, counts that move with requests, in one process (WebTest)
and across gunicorn workers (multiprocess mode, set up by gunicorn.conf.py)."""

import os
import signal
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from helpers.api import answers, assessment_url, assessment_with_questions, true_false
from helpers.servers import Gunicorn, http


def samples(text):
    """{(sample name, frozenset of labels): value} of a Prometheus text exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found, name, **labels):
    return found.get((name, frozenset(labels.items())), 0)


def scrape(testapp):
    response = testapp.get("/metrics")
    assert response.content_type == "text/plain"
    return samples(response.text)


def test_metrics_needs_no_token_and_lives_outside_the_api(testapp):
    testapp.get("/metrics", status=200)
    testapp.get("/api/v1/metrics", status=404)


def test_requests_are_counted_by_url_rule_and_status(testapp, admin, course):
    route = "/api/v1/courses/<id:course_id>"
    before = scrape(testapp)
    for _ in range(3):
        testapp.get(f"/api/v1/courses/{course['id']}", headers=admin.headers)
    testapp.get("/api/v1/courses/crs_doesnotexist", headers=admin.headers, status=404)
    testapp.get("/no/such/route", status=404)
    after = scrape(testapp)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("http_requests_total", method="GET", route=route, status="200") == 3
    assert moved("http_requests_total", method="GET", route=route, status="404") == 1
    assert moved("http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert moved("http_request_duration_seconds_count", method="GET", route=route, status="200") == 3
    assert moved("http_request_duration_seconds_bucket", method="GET", route=route, status="200", le="+Inf") == 3
    assert moved("http_request_duration_seconds_sum", method="GET", route=route, status="200") > 0
    # The raw path never becomes a label (it would make one series per id).
    assert not any(course["id"] in str(labels) for _, labels in after)


def test_submissions_are_counted_by_outcome_and_reason(testapp, instructor, course, learner, enroll):
    enroll(course["id"], learner)
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false()], max_attempts=1)
    url = assessment_url(assessment["id"], "submissions")
    before = scrape(testapp)

    testapp.post_json(url, {"answers": answers(questions)}, headers=learner.headers, status=201)
    testapp.post_json(url, {"answers": answers(questions)}, headers=learner.headers, status=403)
    testapp.post_json(url, {"answers": [{"question_id": "qst_unknown", "answer": True}]}, headers=learner.headers, status=422)
    testapp.post_json(url, {"answers": []}, headers=instructor.headers, status=403)
    after = scrape(testapp)

    def moved(outcome, reason):
        labels = {"outcome": outcome, "reason": reason}
        return value(after, "assessment_submissions_total", **labels) - value(before, "assessment_submissions_total", **labels)

    assert moved("accepted", "none") == 1
    assert moved("refused", "attempt_limit_reached") == 1
    assert moved("refused", "validation_failed") == 1
    assert moved("refused", "forbidden") == 1


def test_pool_gauges_show_this_process_pool(testapp, app, admin):
    testapp.get("/api/v1/users/me", headers=admin.headers)
    found = scrape(testapp)
    assert value(found, "db_pool_connections_max") == app.extensions["db"].pool_max
    # The scrape itself uses no connection; the request before returned its own.
    assert value(found, "db_pool_connections_in_use") == 0
    assert value(found, "db_pool_connections_idle") >= 1


@pytest.mark.slow
def test_gunicorn_workers_are_added_up_and_dead_ones_dropped(database_dsn, make_user, tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"stale")  # from a previous run: wiped at start
    admin = make_user("admin")
    # DB_POOL_MAX below the threads per worker: gunicorn.conf.py raises each pool to the thread count.
    server = Gunicorn(
        database_dsn, workers=2, extra_env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "DB_POOL_MAX": "1", "GUNICORN_THREADS": "3"}
    )
    try:
        assert not (metrics_dir / "counter_999999.db").exists()
        workers = server.worker_pids()
        assert len(workers) == 2

        # Each worker publishes its pool gauges as it starts, before it answers anything: a
        # scrape (answered by one of them) counts both pools.
        def published():
            return {pid for pid in workers if (metrics_dir / f"gauge_livesum_{pid}.db").exists()}

        deadline = time.monotonic() + 10
        while published() != set(workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert published() == set(workers)
        assert value(scrape_live(server), "db_pool_connections_max") == 2 * 3
        for _ in range(20):
            status, _, _ = http("GET", server.base_url + "/api/v1/users/me", headers=admin.headers)
            assert status == 200
        assert server.worker_pids() == workers

        found = scrape_live(server)
        assert value(found, "http_requests_total", method="GET", route="/api/v1/users/me", status="200") == 20
        assert value(found, "db_pool_connections_max") == 2 * 3

        # A worker that dies takes its gauges with it (child_exit), but not its counts.
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while (metrics_dir / f"gauge_livesum_{workers[0]}.db").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not (metrics_dir / f"gauge_livesum_{workers[0]}.db").exists()
        assert value(scrape_live(server), "http_requests_total", method="GET", route="/api/v1/users/me", status="200") == 20
    finally:
        server.stop()


def scrape_live(server):
    import urllib.request

    with urllib.request.urlopen(server.base_url + "/metrics", timeout=10) as response:
        return samples(response.read().decode())


@pytest.mark.slow
def test_gunicorn_makes_and_removes_its_own_metrics_directory(database_dsn):
    import tempfile

    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    server = Gunicorn(database_dsn, workers=1)
    directory = os.path.join(tempfile.gettempdir(), f"assessment-metrics-{server.process.pid}")
    try:
        assert os.path.isdir(directory)
        http("GET", server.base_url + "/healthz")
        found = scrape_live(server)
        assert value(found, "http_requests_total", method="GET", route="/healthz", status="200") == 1
    finally:
        server.stop()
    assert not os.path.exists(directory)
