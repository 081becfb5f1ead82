"""Faults (issue 4): the database going away, a worker killed mid-burst, clients that vanish.

Run against real gunicorn processes and a PostgreSQL of this module's own: a fresh embedded
server in a short temporary directory (its Unix socket lives there), stopped and removed at
the end. The WSGI test client is not used: what is tested is what survives a process dying.
"""

import contextlib
import glob
import json
import os
import signal
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPException

import psutil
import psycopg2
import pytest

from assessment_service.config import PROJECT_ROOT
from assessment_service.platform import embedded
from assessment_service.platform.schema import apply_schema
from helpers.api import API
from helpers.db import query
from helpers.servers import Gunicorn, embedded_pgdata, http
from helpers.users import new_user_at

pytestmark = pytest.mark.slow


# ---------------------------------------------------------------- a database and a server of our own


@pytest.fixture(scope="module")
def pgdata():
    with embedded_pgdata(prefix="pgf") as path:
        yield path


@pytest.fixture(scope="module")
def database_uri(pgdata):
    uri = embedded.ensure_running(pgdata)
    conn = psycopg2.connect(uri)
    try:
        apply_schema(conn, PROJECT_ROOT / "schema.sql")
    finally:
        conn.close()
    return uri


@pytest.fixture(scope="module")
def server(database_uri):
    # Keep one idle connection per worker, so that a restart of PostgreSQL leaves stale
    # ones behind: the harder case for recovery.
    server = Gunicorn(database_uri, workers=4, extra_env={"DB_POOL_MIN": "1", "DB_POOL_MAX": "4"})
    yield server
    server.stop()


def wait_for(condition, timeout, interval=0.05, message="condition"):
    """Poll `condition` until it returns something true; that value (fails after `timeout` s)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def wait_for_quiet_database(uri, timeout=10):
    """Until no other session is running a statement or holds a transaction open."""
    wait_for(
        lambda: query(
            uri,
            """
            select count(*) = 0
            from pg_stat_activity
            where datname = current_database()
              and pid <> pg_backend_pid()
              and backend_type = 'client backend'
              and state <> 'idle'
            """,
        )[0][0],
        timeout,
        message="the database to be quiet",
    )


# ---------------------------------------------------------------- arranging, through the server


class Api:
    """Calls to the live server as one user."""

    def __init__(self, server, token):
        self.base = server.base_url + API
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method, path, body=None, headers=None, timeout=30):
        return http(method, self.base + path, body, {**self.headers, **(headers or {})}, timeout=timeout)

    def must(self, method, path, body=None, status=201):
        got, document, _ = self.call(method, path, body)
        assert got == status, document
        return document


def make_user(uri, role):
    caller = new_user_at(uri, role)
    return caller.id, caller.token


@pytest.fixture
def quiz(server, database_uri):
    """An untimed, unlimited assessment with one question in a course of its own, and
    `enrolled(n)`: n new learners, actively enrolled, as (user id, Api)."""
    _, admin_token = make_user(database_uri, "admin")
    admin = Api(server, admin_token)
    course = admin.must("POST", "/courses", {"title": "Fault tolerance"})
    assessment = admin.must("POST", "/assessments", {"course_id": course["id"], "title": "Burst", "passing_score": 50})
    question = admin.must(
        "POST",
        f"/assessments/{assessment['id']}/questions",
        {"type": "true_false", "prompt": "Nothing accepted is lost.", "correct_answer": True},
    )

    def enrolled(count):
        learners = []
        for _ in range(count):
            user_id, token = make_user(database_uri, "learner")
            admin.must("POST", f"/courses/{course['id']}/enrollments", {"user_id": user_id})
            learners.append((user_id, Api(server, token)))
        return learners

    body = {"answers": [{"question_id": question["id"], "answer": True}]}
    return {"admin": admin, "assessment_id": assessment["id"], "body": body, "enrolled": enrolled}


def ledger_problems(uri, assessment_id):
    """Everything wrong with the stored attempts and submissions of an (untimed) assessment."""
    problems = []
    half_written = query(
        uri,
        """
        select a.id, a.status, s.id
        from attempts a
        full join submissions s on s.attempt_id = a.id
        where coalesce(a.assessment_id, s.assessment_id) = %s
          and (s.id is null or a.id is null or a.status <> 'submitted'
               or a.attempt_number <> s.attempt_number or a.learner_id <> s.learner_id)
        """,
        (assessment_id,),
    )
    if half_written:
        problems.append(f"attempts and submissions that do not pair up: {half_written}")
    numbering = query(
        uri,
        """
        select learner_id, array_agg(attempt_number order by attempt_number)
        from attempts
        where assessment_id = %s
        group by learner_id
        having min(attempt_number) <> 1
            or max(attempt_number) <> count(*)
            or count(distinct attempt_number) <> count(*)
        """,
        (assessment_id,),
    )
    if numbering:
        problems.append(f"attempt numbers with gaps or repeats: {numbering}")
    return problems


def submission_count(uri, assessment_id):
    return query(uri, "select count(*) from submissions where assessment_id = %s", (assessment_id,))[0][0]


# ---------------------------------------------------------------- a. PostgreSQL goes away and comes back


def test_database_outage_is_503_and_recovers_without_restarting_gunicorn(server, pgdata, database_uri, quiz):
    ((learner_id, learner),) = quiz["enrolled"](1)
    submit = f"/assessments/{quiz['assessment_id']}/submissions"
    # The workers serve requests first, so that they hold pooled connections that the
    # restart will leave dead.
    for _ in range(12):
        assert learner.must("GET", "/users/me", status=200)["id"] == learner_id
    workers = sorted(server.worker_pids())

    embedded.stop(pgdata)
    try:
        assert http("GET", f"{server.base_url}/healthz")[0] == 200  # alive, without the database
        for _ in range(12):
            for status, document, headers in (
                http("GET", f"{server.base_url}/readyz"),
                learner.call("GET", "/users/me"),
                learner.call("GET", "/courses"),
                learner.call("POST", submit, quiz["body"]),
            ):
                assert status == 503, document
                assert document["error"]["code"] == "service_unavailable"
                assert headers["Retry-After"] == "1"
    finally:
        uri_again = embedded.ensure_running(pgdata)

    # The server comes back on the same socket, in its data directory, so the DATABASE_URL
    # gunicorn was started with is still right.
    assert uri_again == database_uri
    assert glob.glob(os.path.join(pgdata, ".s.PGSQL.*"))
    wait_for(lambda: http("GET", f"{server.base_url}/readyz")[0] == 200, timeout=15, message="/readyz to answer 200")
    # Recovered: a run of calls in a row succeeds (each worker has replaced its dead connection).
    wait_for(
        lambda: all(learner.call("GET", "/users/me")[0] == 200 for _ in range(12)),
        timeout=15,
        message="12 calls in a row to succeed",
    )
    stored = learner.must("POST", submit, quiz["body"])
    assert query(database_uri, "select learner_id from submissions where id = %s", (stored["id"],)) == [(learner_id,)]
    assert stored["attempt_number"] == 1  # nothing from the refused submissions was kept
    assert sorted(server.worker_pids()) == workers  # no worker was restarted to get there
    assert server.process.poll() is None
    assert ledger_problems(database_uri, quiz["assessment_id"]) == []


def test_the_first_requests_after_a_database_restart_are_served(server, pgdata, database_uri, quiz):
    ((learner_id, learner),) = quiz["enrolled"](1)
    for _ in range(12):  # every worker holds pooled connections, which the restart leaves dead
        assert learner.must("GET", "/users/me", status=200)["id"] == learner_id

    embedded.stop(pgdata)
    embedded.ensure_running(pgdata)

    # Nobody called while it was down: each worker's first request meets a dead connection,
    # and is served on a fresh one all the same.
    assert [learner.call("GET", "/users/me")[0] for _ in range(12)] == [200] * 12
    assert http("GET", f"{server.base_url}/readyz")[0] == 200


# ---------------------------------------------------------------- b. a worker killed in the middle of a burst


def raw_request(server, method, path, token, body, *, content_length=None, headers=()):
    """The bytes of one HTTP/1.1 request (Content-Length may claim more than `body` holds)."""
    lines = [
        f"{method} {API}{path} HTTP/1.1",
        f"Host: 127.0.0.1:{server.port}",
        f"Authorization: Bearer {token}",
        "Content-Type: application/json",
        f"Content-Length: {len(body) if content_length is None else content_length}",
        "Connection: close",
        *headers,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def worker_serving(server, client_port):
    """The pid of the worker that holds the connection from `client_port`, or None."""
    for pid in server.worker_pids():
        try:
            connections = psutil.Process(pid).net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        if any(c.raddr and c.raddr.port == client_port and c.laddr.port == server.port for c in connections):
            return pid
    return None


def busy_workers(server, spare=()):
    """Workers in the middle of a request (holding a client connection), but for `spare`."""
    busy = []
    for pid in server.worker_pids():
        try:
            connections = psutil.Process(pid).net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        if pid not in spare and any(c.raddr and c.laddr.port == server.port for c in connections):
            busy.append(pid)
    return busy


def blocked_by(uri, backend_pid):
    """Whether some session waits on a lock that the session `backend_pid` holds."""
    return query(
        uri,
        "select count(*) > 0 from pg_stat_activity where %s = any(pg_blocking_pids(pid))",
        (backend_pid,),
    )[0][0]


def test_worker_killed_mid_burst_loses_no_accepted_submission(server, database_uri, quiz):
    assessment_id = quiz["assessment_id"]
    path = f"/assessments/{assessment_id}/submissions"
    learners = quiz["enrolled"](12)
    ((victim_id, victim),) = quiz["enrolled"](1)
    victim_token = victim.headers["Authorization"].split()[1]
    # ~100 submissions, several per learner, each with its own Idempotency-Key so that a
    # request whose answer was lost can be told apart (and retried) afterwards.
    requests = [(learners[n % len(learners)], str(uuid.uuid4())) for n in range(108)]
    outcomes = {}
    answered = threading.Semaphore(0)

    def send(request):
        (_, learner), key = request
        try:
            outcomes[key] = learner.call("POST", path, quiz["body"], headers={"Idempotency-Key": key})
        except (OSError, HTTPException) as error:  # reset, closed or cut short: no answer
            outcomes[key] = error
        answered.release()

    victim_key = str(uuid.uuid4())
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(send, request) for request in requests]
        for _ in range(30):
            assert answered.acquire(timeout=30)

        # 1. A worker killed for certain mid-transaction: the victim's submission waits on its
        #    enrollment row, which this test holds locked, when its worker is killed.
        lock = psycopg2.connect(database_uri)
        client = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        try:
            with lock.cursor() as cur:
                cur.execute("select 1 from enrollments where user_id = %s for update", (victim_id,))
            body = json.dumps(quiz["body"]).encode()
            client.sendall(raw_request(server, "POST", path, victim_token, body, headers=[f"Idempotency-Key: {victim_key}"]))
            victim_worker = wait_for(
                lambda: blocked_by(database_uri, lock.get_backend_pid()) and worker_serving(server, client.getsockname()[1]),
                timeout=15,
                message="the victim's request to wait on the lock",
            )
            os.kill(victim_worker, signal.SIGKILL)
            # 2. And one more, wherever it happens to be in its request.
            others = busy_workers(server, spare=[victim_worker])
            if others:
                os.kill(others[0], signal.SIGKILL)
            lock.rollback()
            with contextlib.suppress(ConnectionResetError):
                assert client.recv(1024) == b""  # closed without an answer
        finally:
            lock.close()
            client.close()
        for future in futures:
            future.result()

    wait_for_quiet_database(database_uri)
    created = {key: outcome[1]["id"] for key, outcome in outcomes.items() if not isinstance(outcome, Exception)}
    lost = [key for key, outcome in outcomes.items() if isinstance(outcome, Exception)]
    # Every request was answered 201, or not at all: never a 5xx for a killed neighbour.
    assert all(outcome[0] == 201 for outcome in outcomes.values() if not isinstance(outcome, Exception)), outcomes
    assert len(created) + len(lost) == len(requests)

    # Every 201 is stored, once; a lost answer stored all of its submission or nothing of it.
    stored = dict(query(database_uri, "select id, learner_id from submissions where assessment_id = %s", (assessment_id,)))
    assert set(created.values()) <= set(stored)
    records = dict(
        query(
            database_uri,
            "select key, response_body from idempotency_keys where key = any(%s)",
            ([*lost, victim_key],),
        )
    )
    stored_for_lost = [json.loads(records[key])["id"] for key in lost if key in records]
    assert set(stored_for_lost) <= set(stored)
    assert len(stored) == len(created) + len(stored_for_lost)
    assert victim_key not in records
    assert victim_id not in stored.values()
    assert ledger_problems(database_uri, assessment_id) == []

    # A client that lost its answer retries with the same key: the work is done exactly once.
    retries = [(learner, key) for learner, key in requests if key in lost] + [((victim_id, victim), victim_key)]
    for (_, learner), key in retries:
        status, document, headers = learner.call("POST", path, quiz["body"], headers={"Idempotency-Key": key})
        assert status == 201, document
        assert (headers.get("Idempotent-Replayed") == "true") == (key in records)
    assert submission_count(database_uri, assessment_id) == len(requests) + 1
    assert ledger_problems(database_uri, assessment_id) == []
    assert http("GET", f"{server.base_url}/readyz")[0] == 200  # gunicorn replaced its workers


# ---------------------------------------------------------------- c. clients that go away mid-request


@pytest.fixture(scope="module")
def one_worker(database_uri):
    """A gunicorn with a single worker of one thread: it serves requests one at a time, in
    the order they arrived whole, and drops one that ends short as soon as it ends; so when
    a later request has been answered every earlier one has been dealt with."""
    server = Gunicorn(database_uri, workers=1, extra_args=("--threads", "1"))
    yield server
    server.stop()


def chunked_request(server, path, token, body):
    """A chunked request whose one chunk holds the whole body, without the closing 0-chunk."""
    head = raw_request(server, "POST", path, token, b"", headers=["Transfer-Encoding: chunked"])
    head = head.replace(b"Content-Length: 0\r\n", b"")
    return head + f"{len(body):x}\r\n".encode() + body + b"\r\n"


def hang_up(server, request_bytes, *, reset=False):
    """Send the bytes and close without reading a thing (`reset`: abortively, with an RST)."""
    client = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    client.sendall(request_bytes)
    if reset:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    client.close()


@pytest.mark.parametrize(
    "case",
    [
        "headers only, body promised",
        "half of the body",
        "a whole JSON document, but shorter than promised",
        "the whole body, then gone before the answer",
        "the whole body, then reset",
        "a whole JSON document in a chunk, but no last chunk",
    ],
)
def test_client_that_disconnects_leaves_no_half_written_submission(one_worker, database_uri, quiz, case):
    server = one_worker
    assessment_id = quiz["assessment_id"]
    path = f"/assessments/{assessment_id}/submissions"
    ((learner_id, learner),) = quiz["enrolled"](1)
    token = learner.headers["Authorization"].split()[1]
    body = json.dumps(quiz["body"]).encode()
    sent = {
        "headers only, body promised": raw_request(server, "POST", path, token, b"", content_length=len(body)),
        "half of the body": raw_request(server, "POST", path, token, body[: len(body) // 2], content_length=len(body)),
        # What arrived parses, but the client meant to send more (here: trailing blanks) and
        # did not: the request is incomplete and must not be acted on.
        "a whole JSON document, but shorter than promised": raw_request(server, "POST", path, token, body, content_length=len(body) + 64),
        "the whole body, then gone before the answer": raw_request(server, "POST", path, token, body),
        "the whole body, then reset": raw_request(server, "POST", path, token, body),
        "a whole JSON document in a chunk, but no last chunk": chunked_request(server, path, token, body),
    }[case]

    hang_up(server, sent, reset=case.endswith("reset"))
    # The single worker answers this only after it has finished with the connection above.
    assert learner.must("GET", "/users/me", status=200)["id"] == learner_id
    wait_for_quiet_database(database_uri)

    stored = submission_count(database_uri, assessment_id)
    if case == "the whole body, then gone before the answer":
        assert stored == 1  # a complete request is done, answered or not
    elif case == "the whole body, then reset":
        assert stored in (0, 1)  # the reset may overtake the request: all of it or nothing
    else:
        assert stored == 0
    assert ledger_problems(database_uri, assessment_id) == []
    # The learner can go on: the next submission is numbered right after what was kept.
    assert learner.must("POST", path, quiz["body"])["attempt_number"] == stored + 1


def test_a_chunked_body_over_the_limit_is_413_and_not_acted_on(one_worker, database_uri, quiz):
    server = one_worker
    assessment_id = quiz["assessment_id"]
    ((_, learner),) = quiz["enrolled"](1)
    token = learner.headers["Authorization"].split()[1]
    # A valid submission, then 3 MiB of blanks: still valid JSON, but three times the limit.
    body = json.dumps(quiz["body"]).encode() + b" " * (3 * 1024 * 1024)
    request = chunked_request(server, f"/assessments/{assessment_id}/submissions", token, body) + b"0\r\n\r\n"

    client = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    try:
        client.sendall(request)
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    except ConnectionResetError:
        pass  # the server may close before reading all of what was sent; the answer came first
    finally:
        client.close()

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"code": "payload_too_large"' in answer
    wait_for_quiet_database(database_uri)
    assert submission_count(database_uri, assessment_id) == 0
