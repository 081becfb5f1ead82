"""Regrades, results set by hand and the score history (contract section 16): each policy on
a table of answers, the dry run agreeing with the real run, the worker's batches through a
SIGKILL, submissions arriving while a regrade runs, and grades following every change."""

import threading
import time
from decimal import Decimal

import psycopg2
import pytest

from assessment_service.grading.regrade_rules import regrade_submission
from assessment_service.grading.regrades import apply_regrade_batch
from assessment_service.grading.scoring import score_submission
from helpers.api import assessment_url, assessment_with_questions, exact, short_text, true_false
from helpers.db import rows, value
from helpers.servers import WorkerProcess, concurrently, http

# ---------------------------------------------------------------- each policy, as a pure rule

FLIPPED = {"id": "qst_flip", "type": "true_false", "points": Decimal("2"), "spec": {"correct_answer": True}}
FLIPPED_NOW = {**FLIPPED, "spec": {"correct_answer": False}}
WIDENED = {"id": "qst_text", "type": "short_text", "points": Decimal("2"), "spec": {"accepted_answers": ["mean"], "case_sensitive": False}}
WIDENED_NOW = {**WIDENED, "spec": {"accepted_answers": ["mean", "average"], "case_sensitive": False}}
PARTIAL = {
    "id": "qst_part",
    "type": "multiple_choice",
    "points": Decimal("1"),
    "spec": {
        "choices": [
            {"id": "ch_a", "text": "a", "correct": True},
            {"id": "ch_b", "text": "b", "correct": True},
            {"id": "ch_c", "text": "c", "correct": True},
        ],
        "scoring": "all_or_nothing",
    },
}
PARTIAL_NOW = {**PARTIAL, "spec": {**PARTIAL["spec"], "scoring": "partial"}}

# (case, the question then and now, the answer): which key it was right under.
CASES = {
    "old key right": (FLIPPED, FLIPPED_NOW, True),
    "new key right": (FLIPPED, FLIPPED_NOW, False),
    "both right": (WIDENED, WIDENED_NOW, "mean"),
    "neither right": (WIDENED, WIDENED_NOW, "median"),
    "unanswered": (WIDENED, WIDENED_NOW, None),
    "two thirds now": (PARTIAL, PARTIAL_NOW, ["ch_a", "ch_b"]),
}
# The points earned after the regrade: (policy, allow_decrease) -> case -> points.
EXPECTED = {
    ("new_key", True): {
        "old key right": "0.00",
        "new key right": "2.00",
        "both right": "2.00",
        "neither right": "0.00",
        "unanswered": "0.00",
        "two thirds now": "0.67",
    },
    ("new_key", False): {
        "old key right": "2.00",
        "new key right": "2.00",
        "both right": "2.00",
        "neither right": "0.00",
        "unanswered": "0.00",
        "two thirds now": "0.67",
    },
    ("new_or_old_key", True): {
        "old key right": "2.00",
        "new key right": "2.00",
        "both right": "2.00",
        "neither right": "0.00",
        "unanswered": "0.00",
        "two thirds now": "0.67",
    },
    ("new_or_old_key", False): {
        "old key right": "2.00",
        "new key right": "2.00",
        "both right": "2.00",
        "neither right": "0.00",
        "unanswered": "0.00",
        "two thirds now": "0.67",
    },
    ("full_credit", True): {
        "old key right": "2.00",
        "new key right": "2.00",
        "both right": "2.00",
        "neither right": "2.00",
        "unanswered": "2.00",
        "two thirds now": "1.00",
    },
    ("full_credit", False): {
        "old key right": "2.00",
        "new key right": "2.00",
        "both right": "2.00",
        "neither right": "2.00",
        "unanswered": "2.00",
        "two thirds now": "1.00",
    },
}
TABLE = [(policy, allow, case) for (policy, allow) in EXPECTED for case in CASES]


@pytest.mark.parametrize(
    ("policy", "allow_decrease", "case"), TABLE, ids=[f"{p}-{'decrease' if a else 'no decrease'}-{c}" for p, a, c in TABLE]
)
def test_each_policy_on_each_kind_of_answer(policy, allow_decrease, case):
    then, now, answer = CASES[case]
    stored = score_submission([then], [{"question_id": then["id"], "answer": answer}], passing_score=50)

    after = regrade_submission(stored, {now["id"]: now}, policy=policy, allow_decrease=allow_decrease, passing_score=50)

    (result,) = after["results"]
    assert result["points_earned"] == Decimal(EXPECTED[(policy, allow_decrease)][case])
    assert after["points_earned"] == result["points_earned"] and after["points_possible"] == now["points"]
    assert after["score"] == (result["points_earned"] / now["points"] * 100).quantize(Decimal("0.01"))
    assert result["answer"] == answer  # the stored answer stays as it was sent
    assert result["correct"] is (result["points_earned"] == now["points"])


def test_a_question_not_regraded_or_since_deleted_keeps_its_result():
    stored = score_submission(
        [FLIPPED, WIDENED], [{"question_id": "qst_flip", "answer": True}, {"question_id": "qst_text", "answer": "x"}], 50
    )

    after = regrade_submission(stored, {"qst_text": WIDENED_NOW}, policy="full_credit", allow_decrease=True, passing_score=50)

    assert after["results"][0] == stored["results"][0]
    assert (after["points_earned"], after["score"], after["passed"]) == (Decimal("4.00"), Decimal("100.00"), True)


# ---------------------------------------------------------------- through the API


@pytest.fixture
def graded(testapp, instructor, course, make_user, enroll):
    """(assessment, questions, learners): three learners' submissions on a true/false and a
    short text question, then the true/false key flipped (the stored results keep the old one)."""
    assessment, questions = assessment_with_questions(
        testapp, instructor, course["id"], [true_false(points=2), short_text(accepted_answers=["mean"], points=2)], passing_score=60
    )
    learners = [make_user("learner") for _ in range(3)]
    for person, (truth, text) in zip(learners, [(True, "mean"), (False, "mean"), (False, "average")]):
        enroll(course["id"], person)
        body = {"answers": [{"question_id": questions[0]["id"], "answer": truth}, {"question_id": questions[1]["id"], "answer": text}]}
        testapp.post_json(assessment_url(assessment["id"], "submissions"), body, headers=person.headers, status=201)
    testapp.patch_json(
        assessment_url(assessment["id"], "questions", questions[0]["id"]), {"correct_answer": False}, headers=instructor.headers
    )
    testapp.patch_json(
        assessment_url(assessment["id"], "questions", questions[1]["id"]),
        {"accepted_answers": ["mean", "average"]},
        headers=instructor.headers,
    )
    return assessment, questions, learners


def regrade(testapp, caller, assessment, status=202, **body):
    body = {"policy": "new_key", "reason": "The key of question 1 was wrong.", **body}
    return testapp.post_json(assessment_url(assessment["id"], "regrades"), body, headers=caller.headers, status=status)


def run_worker_until_done(app):
    database = app.extensions["db"]
    conn = database.connect()
    try:
        while apply_regrade_batch(conn, size=2):
            conn.commit()
        conn.commit()
    finally:
        database.release(conn)


def stored_scores(db_conn, assessment_id):
    return dict(rows(db_conn, "select id, score from submissions where assessment_id = %s", (assessment_id,)))


def test_a_dry_run_stores_nothing_and_the_real_run_agrees_with_it(testapp, app, graded, instructor, db_conn):
    assessment, _, learners = graded
    before = stored_scores(db_conn, assessment["id"])

    dry = exact(regrade(testapp, instructor, assessment, status=200, dry_run=True))

    assert stored_scores(db_conn, assessment["id"]) == before
    assert value(db_conn, "select count(*) from regrades") == value(db_conn, "select count(*) from score_history") == 0
    assert (dry["affected"], dry["changed"], dry["passed_changed"]) == (3, 3, 3)  # passing at 60
    by_learner = {change["learner_id"]: change for change in dry["changes"]}
    # True/mean was 100 under the old keys: now 50. False/mean: 50 -> 100. False/average: 0 -> 100.
    assert [(by_learner[p.id]["old_score"], by_learner[p.id]["new_score"]) for p in learners] == [
        (Decimal("100.00"), Decimal("50.00")),
        (Decimal("50.00"), Decimal("100.00")),
        (Decimal("0.00"), Decimal("100.00")),
    ]

    queued = regrade(testapp, instructor, assessment)
    assert queued.json["status"] == "queued" and queued.json["total"] == 3
    assert queued.headers["Location"].endswith(f"/regrades/{queued.json['id']}")
    run_worker_until_done(app)

    done = testapp.get(queued.headers["Location"], headers=instructor.headers).json
    assert (done["status"], done["processed"], done["changed"]) == ("completed", 3, 3)
    after = stored_scores(db_conn, assessment["id"])
    assert {change["submission_id"]: change["new_score"] for change in dry["changes"]} == after
    for person in learners:
        grade = exact(testapp.get(assessment_url(assessment["id"], "grades", person.id), headers=instructor.headers))
        assert grade["score"] == by_learner[person.id]["new_score"]
        assert grade["passed"] is by_learner[person.id]["new_passed"]


def test_the_history_says_who_when_why_and_what_and_submissions_say_regraded(testapp, app, graded, instructor, db_conn):
    assessment, questions, learners = graded
    queued = regrade(testapp, instructor, assessment, question_ids=[questions[0]["id"]]).json
    run_worker_until_done(app)
    (submission_id,) = rows(db_conn, "select id from submissions where learner_id = %s", (learners[0].id,))[0]
    url = assessment_url(assessment["id"], "submissions", submission_id)

    by_hand = exact(
        testapp.patch_json(
            f"{url}/results/{questions[1]['id']}", {"points_earned": 1.5, "reason": "Close enough."}, headers=instructor.headers
        )
    )
    history = exact(testapp.get(f"{url}/history", headers=learners[0].headers))["data"]

    assert by_hand["regraded"] is True
    assert (by_hand["results"][1]["points_earned"], by_hand["results"][1]["credit"], by_hand["results"][1]["correct"]) == (
        Decimal("1.50"),
        "0.7500",
        False,
    )
    assert (by_hand["points_earned"], by_hand["score"]) == (Decimal("1.50"), Decimal("37.50"))
    assert [(entry["regrade_id"], entry["reason"], entry["changed_by"]) for entry in history] == [
        (queued["id"], "The key of question 1 was wrong.", instructor.id),
        (None, "Close enough.", instructor.id),
    ]
    assert [(entry["old"]["score"], entry["new"]["score"]) for entry in history] == [
        (Decimal("100.00"), Decimal("50.00")),
        (Decimal("50.00"), Decimal("37.50")),
    ]
    assert history[0]["changed_at"] < history[1]["changed_at"]
    grade = exact(testapp.get(assessment_url(assessment["id"], "grades", learners[0].id), headers=instructor.headers))
    assert grade["score"] == Decimal("37.50")
    # Another learner's history is not theirs to read.
    testapp.get(f"{url}/history", headers=learners[1].headers, status=404)


def test_a_result_set_by_hand_is_bounded_by_its_points(testapp, graded, instructor, db_conn):
    assessment, questions, learners = graded
    (submission_id,) = rows(db_conn, "select id from submissions where learner_id = %s", (learners[0].id,))[0]
    url = assessment_url(assessment["id"], "submissions", submission_id, "results")

    testapp.patch_json(f"{url}/{questions[0]['id']}", {"points_earned": 2.01, "reason": "x"}, headers=instructor.headers, status=422)
    testapp.patch_json(f"{url}/{questions[0]['id']}", {"points_earned": 1}, headers=instructor.headers, status=422)
    testapp.patch_json(f"{url}/qst_notonthisone", {"points_earned": 1, "reason": "x"}, headers=instructor.headers, status=404)
    testapp.patch_json(f"{url}/{questions[0]['id']}", {"points_earned": 1, "reason": "x"}, headers=learners[0].headers, status=403)

    assert value(db_conn, "select count(*) from score_history") == 0
    assert value(db_conn, "select regraded from submissions where id = %s", (submission_id,)) is False


def test_one_regrade_at_a_time_and_bad_bodies_store_nothing(testapp, app, graded, instructor, db_conn):
    assessment, _, _ = graded
    regrade(testapp, instructor, assessment)

    busy = regrade(testapp, instructor, assessment, status=409).json["error"]
    unknown = regrade(testapp, instructor, assessment, status=422, question_ids=["qst_unknown"]).json["error"]
    regrade(testapp, instructor, assessment, status=422, policy="lenient")
    regrade(testapp, instructor, assessment, status=422, reason="")

    assert busy["code"] == "conflict" and "question_ids" in unknown["details"]
    assert value(db_conn, "select count(*) from regrades") == 1
    run_worker_until_done(app)
    assert regrade(testapp, instructor, assessment).json["status"] == "queued"  # the first one is done


# ---------------------------------------------------------------- the worker, at scale and under fire

MANY = 5_000


def seed_submissions(db_conn, assessment, questions, count):
    """`count` learners enrolled in the course, each with one submission (the true/false
    question answered True, so the flipped key changes every other one), in SQL."""
    truth = questions[0]
    with db_conn.cursor() as cur:
        cur.execute(
            """
            with learners as (
                insert into users (id, name, email, role, email_key)
                select 'usr_many' || n, 'Learner ' || n, 'many' || n || '@example.com', 'learner', 'many' || n || '@example.com'
                from generate_series(1, %(count)s) as n
                returning id
            ), enrolled as (
                insert into enrollments (id, course_id, user_id, role, status)
                select 'enr_' || substr(id, 5), %(course)s, id, 'learner', 'active' from learners
                returning user_id
            ), attempts as (
                insert into attempts (id, assessment_id, learner_id, attempt_number, status, started_at, submitted_at, ended_at)
                select 'att_' || substr(user_id, 5), %(assessment)s, user_id, 1, 'submitted', now(), now(), now() from enrolled
                returning id, learner_id
            )
            insert into submissions (id, assessment_id, learner_id, attempt_id, attempt_number, score, passed, points_earned,
                                     points_possible, results, submitted_at)
            select 'sub_' || substr(a.learner_id, 5), %(assessment)s, a.learner_id, a.id, 1,
                   case when given.answer then 100 else 0 end, given.answer, case when given.answer then 2 else 0 end, 2,
                   jsonb_build_array(jsonb_build_object(
                       'question_id', %(question)s, 'type', 'true_false', 'answered', true, 'correct', given.answer,
                       'credit', case when given.answer then '1.0000' else '0.0000' end,
                       'points_earned', case when given.answer then 2.00 else 0.00 end, 'points_possible', 2.00,
                       'answer', given.answer, 'correct_answer', true)),
                   now() - make_interval(secs => given.n)
            from attempts a
            cross join lateral (select substr(a.learner_id, 9)::int as n, substr(a.learner_id, 9)::int %% 2 = 0 as answer) as given
            """,
            {"count": count, "course": assessment["course_id"], "assessment": assessment["id"], "question": truth["id"]},
        )


@pytest.fixture
def many(testapp, instructor, course, db_conn):
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false(points=2)], passing_score=50)
    seed_submissions(db_conn, assessment, questions, MANY)
    testapp.patch_json(
        assessment_url(assessment["id"], "questions", questions[0]["id"]), {"correct_answer": False}, headers=instructor.headers
    )
    return assessment, questions


def wait_for(condition, timeout=60, message="condition"):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.05)
    return result


@pytest.mark.slow
def test_a_worker_killed_mid_regrade_leaves_every_submission_regraded_exactly_once(testapp, many, instructor, database_dsn, db_conn):
    assessment, _ = many
    expected_changes = regrade(testapp, instructor, assessment, status=200, dry_run=True).json["changed"]
    assert expected_changes == MANY  # every one flips: right became wrong, wrong became right
    regrade_id = regrade(testapp, instructor, assessment).json["id"]
    # A row in the middle held by another session: the worker's batch holding it waits there, mid-transaction.
    (held,) = rows(
        db_conn, "select id from submissions where assessment_id = %s order by submitted_at, id offset 2550 limit 1", (assessment["id"],)
    )[0]
    holder = psycopg2.connect(database_dsn)
    try:
        with holder.cursor() as cur:
            cur.execute("select id from submissions where id = %s for update", (held,))
        worker = WorkerProcess(database_dsn, idle_seconds=0.05, extra_env={"REGRADE_BATCH_SIZE": "100"})
        wait_for(
            lambda: value(db_conn, "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'"),
            message="the worker to wait in the middle of a batch",
        )
        worker.kill()
        processed, changed = rows(db_conn, "select processed, changed from regrades where id = %s", (regrade_id,))[0]
        assert processed == 2500 and changed == 2500  # 25 batches committed, the 26th not at all
        assert value(db_conn, "select count(*) from score_history where regrade_id = %s", (regrade_id,)) == 2500
    finally:
        holder.close()

    successors = [WorkerProcess(database_dsn, idle_seconds=0.05, extra_env={"REGRADE_BATCH_SIZE": "100"}) for _ in range(2)]
    try:
        wait_for(lambda: value(db_conn, "select status from regrades where id = %s", (regrade_id,)) == "completed", message="the regrade")
    finally:
        for successor in successors:
            assert successor.stop() == 0

    assert rows(db_conn, "select total, processed, changed from regrades where id = %s", (regrade_id,)) == [(MANY, MANY, MANY)]
    per_submission = rows(
        db_conn,
        "select count(h.id) from submissions s left join score_history h on h.submission_id = s.id and h.regrade_id = %s where s.assessment_id = %s group by s.id",
        (regrade_id, assessment["id"]),
    )
    assert {count for (count,) in per_submission} == {1} and len(per_submission) == MANY
    # Right became wrong and wrong became right: the sums swap exactly.
    assert rows(
        db_conn, "select count(*) filter (where passed), sum(points_earned) from submissions where assessment_id = %s", (assessment["id"],)
    ) == [(MANY // 2, Decimal(MANY // 2 * 2))]
    assert value(db_conn, "select count(*) from submissions where assessment_id = %s and not regraded", (assessment["id"],)) == 0
    assert value(db_conn, "select count(*) from grades g join submissions s on s.id = g.submission_id where g.score <> s.score") == 0


@pytest.mark.slow
def test_submissions_posted_while_a_regrade_runs_are_stored_and_scored_with_the_new_key(
    testapp, many, instructor, live_server, database_dsn, make_user, enroll, course, db_conn
):
    assessment, (question,) = many
    newcomers = [make_user("learner") for _ in range(16)]
    for person in newcomers:
        enroll(course["id"], person)
    regrade_id = regrade(testapp, instructor, assessment).json["id"]
    worker = WorkerProcess(database_dsn, idle_seconds=0.05, extra_env={"REGRADE_BATCH_SIZE": "100"})
    url = live_server.base_url + assessment_url(assessment["id"], "submissions")
    go = threading.Barrier(len(newcomers))

    def post(person):
        def call():
            go.wait(timeout=30)
            return http("POST", url, {"answers": [{"question_id": question["id"], "answer": False}]}, headers=person.headers)[:2]

        return call

    try:
        wait_for(lambda: value(db_conn, "select processed from regrades where id = %s", (regrade_id,)) > 0, message="the regrade to start")
        outcomes = concurrently([post(person) for person in newcomers])
        wait_for(lambda: value(db_conn, "select status from regrades where id = %s", (regrade_id,)) == "completed", message="the regrade")
    finally:
        assert worker.stop() == 0

    assert [status for status, _ in outcomes] == [201] * len(newcomers)
    assert all(body["score"] == 100 and body["regraded"] is False for _, body in outcomes)
    stored = rows(db_conn, "select score, regraded from submissions where learner_id = any(%s)", ([p.id for p in newcomers],))
    assert stored == [(Decimal("100.00"), False)] * len(newcomers)
    assert value(db_conn, "select total from regrades where id = %s", (regrade_id,)) == MANY
