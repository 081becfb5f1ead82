"""The attempt's paper through the API (contract section 13): drawn at start and stored,
the same on every read, answered and scored as drawn; questions edited or deleted after
the draw."""

from collections import Counter
from decimal import Decimal

import psycopg2
import pytest

from assessment_service.taking.deadline import finalize_due_attempts
from helpers.api import add_question, assessment_url, create_assessment, exact, ordering, right_answer, single_choice, true_false
from helpers.db import value


def start(testapp, learner, assessment, status=201):
    return testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=status)


def read(testapp, caller, assessment, attempt):
    return testapp.get(assessment_url(assessment["id"], "attempts", attempt["id"]), headers=caller.headers).json


def submit(testapp, learner, assessment, attempt, answers, status=201):
    body = {"answers": answers, **({"attempt_id": attempt["id"]} if attempt else {})}
    return testapp.post_json(assessment_url(assessment["id"], "submissions"), body, headers=learner.headers, status=status)


def group(testapp, instructor, assessment, **fields):
    body = {"name": "Pool", "pick_count": 2, "points_per_question": 3, **fields}
    return testapp.post_json(assessment_url(assessment["id"], "question-groups"), body, headers=instructor.headers, status=201).json


@pytest.fixture
def pooled(testapp, instructor, course, learner, enroll):
    """An assessment of one ungrouped question (1 point) and a group of five (pick 2, 3 points each)."""
    enroll(course["id"], learner)
    assessment = create_assessment(testapp, instructor, course["id"], passing_score=50)
    pool = group(testapp, instructor, assessment)
    plain = add_question(testapp, instructor, assessment["id"], true_false(prompt="Ungrouped.")).json
    grouped = [
        add_question(testapp, instructor, assessment["id"], true_false(prompt=f"Pooled {i}.", group_id=pool["id"])).json for i in range(5)
    ]
    return assessment, pool, plain, grouped


def paper_ids(attempt):
    return [question["id"] for question in attempt["questions"]]


def test_the_paper_is_drawn_at_start_stored_and_the_same_on_every_read(testapp, pooled, learner, instructor, db_conn):
    assessment, pool, plain, grouped = pooled
    attempt = start(testapp, learner, assessment).json
    first = read(testapp, learner, assessment, attempt)
    ids = paper_ids(first)
    assert len(ids) == len(set(ids)) == 3 and plain["id"] in ids
    assert len(set(ids) & {q["id"] for q in grouped}) == 2
    assert all("correct_answer" not in question for question in first["questions"])  # no keys for the learner
    stored = value(db_conn, "select paper from attempts where id = %s", (attempt["id"],))
    assert [entry["id"] for entry in stored["questions"]] == ids

    for _ in range(3):
        assert read(testapp, learner, assessment, attempt)["questions"] == first["questions"]
    assert start(testapp, learner, assessment, status=200).json["id"] == attempt["id"]  # the one in progress, same paper
    assert paper_ids(read(testapp, learner, assessment, attempt)) == ids
    managed = read(testapp, instructor, assessment, attempt)
    assert paper_ids(managed) == ids and all("correct_answer" in question for question in managed["questions"])


def test_a_submission_is_judged_against_its_paper(testapp, pooled, learner, instructor, db_conn):
    assessment, pool, plain, grouped = pooled
    attempt = start(testapp, learner, assessment).json
    ids = paper_ids(read(testapp, learner, assessment, attempt))
    (not_drawn, *_) = [q for q in grouped if q["id"] not in ids]

    before = value(db_conn, "select count(*) from submissions")
    refused = submit(testapp, learner, assessment, attempt, [{"question_id": not_drawn["id"], "answer": True}], status=422)
    assert refused.json["error"]["details"] == {"answers.0.question_id": ["Not a question of this attempt's paper."]}
    assert value(db_conn, "select count(*) from submissions") == before
    assert value(db_conn, "select status from attempts where id = %s", (attempt["id"],)) == "in_progress"  # no attempt used

    answers = [{"question_id": qid, "answer": True} for qid in ids]
    submission = exact(submit(testapp, learner, assessment, attempt, answers))
    assert [result["question_id"] for result in submission["results"]] == ids
    assert submission["points_possible"] == Decimal("7.00")  # 1 + 2 x 3
    assert submission["points_earned"] == Decimal("7.00") and submission["score"] == Decimal("100.00")
    by_id = {result["question_id"]: result for result in submission["results"]}
    assert by_id[plain["id"]]["points_possible"] == Decimal("1.00")
    assert {by_id[qid]["points_possible"] for qid in ids if qid != plain["id"]} == {Decimal("3.00")}


def test_an_assessment_with_a_group_or_a_shuffle_is_taken_through_attempts(testapp, pooled, instructor, course, learner, db_conn):
    assessment, _, plain, _ = pooled
    response = submit(testapp, learner, assessment, None, [{"question_id": plain["id"], "answer": True}], status=422)
    assert "attempt_id" in response.json["error"]["details"]

    shuffled = create_assessment(testapp, instructor, course["id"], shuffle_choices=True)
    question = add_question(testapp, instructor, shuffled["id"], true_false()).json
    submit(testapp, learner, shuffled, None, [{"question_id": question["id"], "answer": True}], status=422)
    assert value(db_conn, "select count(*) from submissions") == 0
    assert value(db_conn, "select count(*) from attempts") == 0


def test_a_group_smaller_than_its_pick_count_cannot_be_started(testapp, pooled, instructor, learner, db_conn):
    assessment, pool, _, _ = pooled
    testapp.patch_json(assessment_url(assessment["id"], "question-groups", pool["id"]), {"pick_count": 6}, headers=instructor.headers)
    response = start(testapp, learner, assessment, status=409)
    error = response.json["error"]
    assert error["code"] == "conflict" and "'Pool'" in error["message"]
    assert error["details"] == {"group_id": pool["id"], "name": "Pool", "question_count": 5, "pick_count": 6}
    assert value(db_conn, "select count(*) from attempts") == 0
    policy = testapp.get(assessment_url(assessment["id"], "policy"), headers=learner.headers).json
    assert (policy["can_start"], policy["reason"]) == (False, "conflict")


def test_draws_through_the_endpoint_cover_the_group_evenly(testapp, instructor, course, make_user, enroll):
    # 150 attempts (one learner each) drawing 2 of 5: each question expected 60 times,
    # binomial (150, 0.4), standard deviation 6. The bound of 30 (5 deviations) is missed by
    # a fair draw with probability below 1e-6 per question; the draw itself is tested for
    # uniformity on the pure function with a fixed seed (test_paper_draw.py).
    assessment = create_assessment(testapp, instructor, course["id"])
    pool = group(testapp, instructor, assessment)
    grouped = [add_question(testapp, instructor, assessment["id"], true_false(group_id=pool["id"])).json for _ in range(5)]
    counts = Counter()
    for _ in range(150):
        learner = make_user("learner")
        enroll(course["id"], learner)
        attempt = start(testapp, learner, assessment).json
        ids = paper_ids(read(testapp, learner, assessment, attempt))
        assert len(ids) == len(set(ids)) == 2
        counts.update(ids)
    assert set(counts) == {q["id"] for q in grouped}
    assert all(abs(count - 60) <= 30 for count in counts.values()), counts


def test_shuffled_choices_keep_their_ids_and_correctness(testapp, instructor, course, learner, enroll):
    enroll(course["id"], learner)
    assessment = create_assessment(testapp, instructor, course["id"], shuffle_choices=True, shuffle_questions=True, max_attempts=None)
    choices = [{"text": f"option {i}", "correct": i == 3} for i in range(8)]
    question = add_question(testapp, instructor, assessment["id"], single_choice(choices=choices)).json
    authored = [{"id": c["id"], "text": c["text"]} for c in question["choices"]]
    orders = set()
    for _ in range(6):
        attempt = start(testapp, learner, assessment).json
        (shown,) = read(testapp, learner, assessment, attempt)["questions"]
        assert sorted(shown["choices"], key=lambda c: c["id"]) == sorted(authored, key=lambda c: c["id"])
        orders.add(tuple(c["id"] for c in shown["choices"]))
        submission = submit(testapp, learner, assessment, attempt, [{"question_id": question["id"], "answer": right_answer(question)}]).json
        assert submission["results"][0]["correct"] is True
    assert len(orders) > 1  # 8! orders: six papers in one order would happen with probability 1/40320^5


def test_the_learner_never_sees_the_authored_order_of_an_ordering_question(testapp, instructor, course, learner, enroll):
    enroll(course["id"], learner)
    assessment = create_assessment(testapp, instructor, course["id"])
    two = add_question(testapp, instructor, assessment["id"], ordering(items=[{"text": "first"}, {"text": "second"}])).json
    four = add_question(testapp, instructor, assessment["id"], ordering()).json
    for _ in range(8):
        attempt = start(testapp, learner, assessment).json
        shown = {q["id"]: [item["id"] for item in q["items"]] for q in read(testapp, learner, assessment, attempt)["questions"]}
        for question in (two, four):
            assert sorted(shown[question["id"]]) == sorted(question["correct_answer"])
            assert shown[question["id"]] != question["correct_answer"]
        answers = [{"question_id": q["id"], "answer": q["correct_answer"]} for q in (two, four)]
        assert submit(testapp, learner, assessment, attempt, answers).json["score"] == 100


def test_drafts_take_only_the_papers_questions(testapp, pooled, learner, db_conn):
    assessment, _, _, grouped = pooled
    attempt = start(testapp, learner, assessment).json
    ids = paper_ids(read(testapp, learner, assessment, attempt))
    (not_drawn, *_) = [q for q in grouped if q["id"] not in ids]
    url = assessment_url(assessment["id"], "attempts", attempt["id"], "answers")
    testapp.patch_json(url, {"answers": [{"question_id": not_drawn["id"], "answer": True}]}, headers=learner.headers, status=422)
    assert value(db_conn, "select revision from attempts where id = %s", (attempt["id"],)) == 0
    saved = testapp.patch_json(url, {"answers": [{"question_id": ids[0], "answer": True}]}, headers=learner.headers).json
    assert saved["revision"] == 1


def test_edits_and_deletes_after_the_draw_change_no_paper_and_no_stored_result(
    testapp, pooled, instructor, learner, make_user, course, enroll, db_conn
):
    assessment, pool, plain, grouped = pooled
    first = start(testapp, learner, assessment).json
    ids = paper_ids(read(testapp, learner, assessment, first))
    submitted = submit(testapp, learner, assessment, first, [{"question_id": qid, "answer": True} for qid in ids]).json

    other = make_user("learner")
    enroll(course["id"], other)
    second = start(testapp, other, assessment).json
    second_ids = paper_ids(read(testapp, other, assessment, second))
    stored_paper = value(db_conn, "select paper from attempts where id = %s", (second["id"],))
    edited, deleted = [qid for qid in second_ids if qid != plain["id"]]
    # One drawn question changes its key, another is deleted, the group gains one, and the
    # first submission's questions are edited too.
    testapp.patch_json(assessment_url(assessment["id"], "questions", edited), {"correct_answer": False}, headers=instructor.headers)
    testapp.delete(assessment_url(assessment["id"], "questions", deleted), headers=instructor.headers, status=204)
    added = add_question(testapp, instructor, assessment["id"], true_false(group_id=pool["id"])).json
    for qid in ids:
        if qid not in (edited, deleted):
            testapp.patch_json(assessment_url(assessment["id"], "questions", qid), {"correct_answer": False}, headers=instructor.headers)

    assert value(db_conn, "select paper from attempts where id = %s", (second["id"],)) == stored_paper
    assert paper_ids(read(testapp, other, assessment, second)) == [qid for qid in second_ids if qid != deleted]
    assert (
        testapp.get(assessment_url(assessment["id"], "submissions", submitted["id"]), headers=learner.headers).json["results"]
        == submitted["results"]
    )

    # The deleted question's answer is ignored (not a 422); the one added since is not on the paper.
    submit(testapp, other, assessment, second, [{"question_id": added["id"], "answer": True}], status=422)
    result = exact(submit(testapp, other, assessment, second, [{"question_id": qid, "answer": False} for qid in second_ids]))
    assert [r["question_id"] for r in result["results"]] == [qid for qid in second_ids if qid != deleted]
    assert result["points_possible"] == Decimal("4.00")  # 1 + 3: the deleted question no longer counts
    assert result["points_earned"] == Decimal("4.00")  # the keys as edited (False) are the ones scored


def test_the_deadline_scores_saved_answers_against_the_paper(testapp, instructor, course, learner, enroll, db_conn):
    enroll(course["id"], learner)
    assessment = create_assessment(testapp, instructor, course["id"], time_limit_minutes=5)
    pool = group(testapp, instructor, assessment, pick_count=1, points_per_question=5)
    grouped = [add_question(testapp, instructor, assessment["id"], true_false(group_id=pool["id"])).json for _ in range(3)]
    attempt = start(testapp, learner, assessment).json
    (drawn,) = paper_ids(read(testapp, learner, assessment, attempt))
    url = assessment_url(assessment["id"], "attempts", attempt["id"], "answers")
    testapp.patch_json(url, {"answers": [{"question_id": drawn, "answer": True}]}, headers=learner.headers)
    with db_conn.cursor() as cur:
        cur.execute(
            "update attempts set started_at = started_at - interval '1 hour', expires_at = expires_at - interval '1 hour' where id = %s",
            (attempt["id"],),
        )
    assert read(testapp, learner, assessment, attempt)["status"] == "submitted"
    results = value(db_conn, "select results from submissions where attempt_id = %s", (attempt["id"],))
    possible = value(db_conn, "select points_possible from submissions where attempt_id = %s", (attempt["id"],))
    assert [r["question_id"] for r in results] == [drawn] and results[0]["correct"] is True
    assert possible == Decimal("5.00") and len(grouped) == 3


def test_a_regrade_keeps_a_grouped_question_at_its_groups_points(testapp, pooled, instructor, learner, db_conn):
    assessment, pool, plain, grouped = pooled
    attempt = start(testapp, learner, assessment).json
    ids = paper_ids(read(testapp, learner, assessment, attempt))
    submission = submit(testapp, learner, assessment, attempt, [{"question_id": qid, "answer": False} for qid in ids]).json
    body = {"policy": "full_credit", "reason": "A bad pool.", "dry_run": True, "question_ids": [qid for qid in ids if qid != plain["id"]]}
    change = testapp.post_json(assessment_url(assessment["id"], "regrades"), body, headers=instructor.headers, status=200).json["changes"][
        0
    ]
    assert change["submission_id"] == submission["id"]
    assert Decimal(str(change["new_score"])) == Decimal("85.71")  # 6 of 7 points: two questions at the group's 3 each


def test_a_draft_ignores_a_question_deleted_since_the_draw(testapp, pooled, instructor, learner, db_conn):
    assessment, _, plain, _ = pooled
    attempt = start(testapp, learner, assessment).json
    ids = paper_ids(read(testapp, learner, assessment, attempt))
    deleted = next(qid for qid in ids if qid != plain["id"])
    testapp.delete(assessment_url(assessment["id"], "questions", deleted), headers=instructor.headers, status=204)
    url = assessment_url(assessment["id"], "attempts", attempt["id"], "answers")
    body = {"answers": [{"question_id": deleted, "answer": True}, {"question_id": plain["id"], "answer": True}]}
    saved = testapp.patch_json(url, body, headers=learner.headers).json
    assert saved["answers"] == [{"question_id": plain["id"], "answer": True}]


def test_an_attempt_without_a_paper_shows_a_learner_no_grouped_question(testapp, pooled, learner, instructor, db_conn):
    assessment, _, plain, grouped = pooled
    attempt = start(testapp, learner, assessment).json
    with db_conn.cursor() as cur:  # as attempts of earlier versions are
        cur.execute("update attempts set paper = null where id = %s", (attempt["id"],))
    assert paper_ids(read(testapp, learner, assessment, attempt)) == [plain["id"]]
    assert len(paper_ids(read(testapp, instructor, assessment, attempt))) == 1 + len(grouped)


def test_the_worker_scores_each_attempt_of_a_batch_against_its_own_paper(
    testapp, app, instructor, course, make_user, enroll, db_conn, database_dsn
):
    assessment = create_assessment(testapp, instructor, course["id"], time_limit_minutes=5)
    pool = group(testapp, instructor, assessment, pick_count=1, points_per_question=2)
    for _ in range(4):
        add_question(testapp, instructor, assessment["id"], true_false(group_id=pool["id"]))
    drawn = {}
    for _ in range(4):
        learner = make_user("learner")
        enroll(course["id"], learner)
        attempt = start(testapp, learner, assessment).json
        (question_id,) = paper_ids(read(testapp, learner, assessment, attempt))
        url = assessment_url(assessment["id"], "attempts", attempt["id"], "answers")
        testapp.patch_json(url, {"answers": [{"question_id": question_id, "answer": True}]}, headers=learner.headers)
        drawn[attempt["id"]] = question_id
    with db_conn.cursor() as cur:
        cur.execute("update attempts set expires_at = now() - interval '1 minute' where assessment_id = %s", (assessment["id"],))
    conn = psycopg2.connect(database_dsn)
    try:
        with app.app_context():
            assert finalize_due_attempts(conn, grace=0) == (4, 0)
    finally:
        conn.close()
    with db_conn.cursor() as cur:
        cur.execute("select attempt_id, results, points_possible, score from submissions where assessment_id = %s", (assessment["id"],))
        stored = cur.fetchall()
    assert {attempt_id: [r["question_id"] for r in results] for attempt_id, results, _, _ in stored} == {a: [q] for a, q in drawn.items()}
    assert {(possible, score) for _, _, possible, score in stored} == {(Decimal("2.00"), Decimal("100.00"))}
