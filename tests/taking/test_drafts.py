"""Drafts (contract section 14): saved answers during an attempt, their revisions and
If-Match, what a submission of the attempt makes of them, and the deadline's."""

import threading

import pytest

from helpers.api import assessment_url, assessment_with_questions, numeric, short_text, true_false
from helpers.db import rows, value
from helpers.servers import concurrently, http


@pytest.fixture
def sitting(testapp, instructor, course, learner, enroll):
    """A timed assessment of three questions and the learner's attempt in progress."""
    enroll(course["id"], learner)
    assessment, questions = assessment_with_questions(
        testapp, instructor, course["id"], [true_false(), numeric(correct_answer=2, tolerance=0), short_text()], time_limit_minutes=30
    )
    attempt = testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=201).json
    return assessment, questions, attempt


def answers_url(assessment, attempt):
    return assessment_url(assessment["id"], "attempts", attempt["id"], "answers")


def save(testapp, learner, assessment, attempt, items, status=200, if_match=None):
    headers = {**learner.headers, **({"If-Match": if_match} if if_match is not None else {})}
    return testapp.patch_json(answers_url(assessment, attempt), {"answers": items}, headers=headers, status=status)


def stored_draft(db_conn, attempt):
    return rows(db_conn, "select saved_answers, revision from attempts where id = %s", (attempt["id"],))[0]


def test_saves_merge_by_question_and_count_revisions(testapp, sitting, learner, db_conn):
    assessment, (truth, number, text), attempt = sitting

    first = save(
        testapp, learner, assessment, attempt, [{"question_id": truth["id"], "answer": True}, {"question_id": number["id"], "answer": 3}]
    )
    second = save(
        testapp, learner, assessment, attempt, [{"question_id": number["id"], "answer": 2}, {"question_id": text["id"], "answer": "mean"}]
    )
    third = save(testapp, learner, assessment, attempt, [{"question_id": truth["id"], "answer": None}])

    assert (first.json["revision"], second.json["revision"], third.json["revision"]) == (1, 2, 3)
    assert [response.headers["ETag"] for response in (first, second, third)] == ['"1"', '"2"', '"3"']
    assert third.json["attempt_id"] == attempt["id"] and third.json["saved_at"]
    assert third.json["answers"] == sorted(
        [{"question_id": number["id"], "answer": 2}, {"question_id": text["id"], "answer": "mean"}], key=lambda item: item["question_id"]
    )
    assert stored_draft(db_conn, attempt) == ({number["id"]: 2, text["id"]: "mean"}, 3)

    shown = testapp.get(assessment_url(assessment["id"], "attempts", attempt["id"]), headers=learner.headers).json
    assert shown["saved_answers"] == third.json["answers"] and shown["revision"] == 3
    assert 1790 <= shown["seconds_remaining"] <= 1800 and shown["server_time"].endswith("Z")


def test_a_stale_if_match_is_412_and_saves_nothing(testapp, sitting, learner, db_conn):
    assessment, (truth, _, _), attempt = sitting
    save(testapp, learner, assessment, attempt, [{"question_id": truth["id"], "answer": True}])

    stale = save(testapp, learner, assessment, attempt, [{"question_id": truth["id"], "answer": False}], status=412, if_match='"0"').json[
        "error"
    ]

    assert (stale["code"], stale["details"]) == ("precondition_failed", {"current_revision": 1})
    assert stored_draft(db_conn, attempt) == ({truth["id"]: True}, 1)
    assert (
        save(testapp, learner, assessment, attempt, [{"question_id": truth["id"], "answer": False}], if_match='"1"').json["revision"] == 2
    )
    assert save(testapp, learner, assessment, attempt, [], if_match="*").json["revision"] == 3
    save(testapp, learner, assessment, attempt, [], status=412, if_match="not-a-revision")
    # A body that does not fit is refused as such, whichever revision it names.
    wrong = save(testapp, learner, assessment, attempt, [{"question_id": truth["id"], "answer": "yes"}], status=422, if_match='"0"')
    assert wrong.json["error"]["code"] == "validation_failed"
    assert stored_draft(db_conn, attempt) == ({truth["id"]: False}, 3)


def test_answers_that_do_not_fit_are_422_and_save_nothing(testapp, sitting, learner, db_conn):
    assessment, (truth, number, _), attempt = sitting
    for items in (
        [{"question_id": truth["id"], "answer": "yes"}],
        [{"question_id": "qst_000000000000000000000000", "answer": True}],
        [{"question_id": number["id"], "answer": 1}, {"question_id": number["id"], "answer": 2}],
    ):
        assert save(testapp, learner, assessment, attempt, items, status=422).json["error"]["code"] == "validation_failed"
    assert stored_draft(db_conn, attempt) == ({}, 0)


def test_a_submission_takes_the_saved_answers_under_its_own(testapp, sitting, learner, db_conn):
    assessment, (truth, number, text), attempt = sitting
    save(testapp, learner, assessment, attempt, [{"question_id": truth["id"], "answer": True}, {"question_id": number["id"], "answer": 3}])

    submitted = testapp.post_json(
        assessment_url(assessment["id"], "submissions"),
        {"attempt_id": attempt["id"], "answers": [{"question_id": number["id"], "answer": 2}]},
        headers=learner.headers,
    ).json

    by_question = {result["question_id"]: result for result in submitted["results"]}
    assert by_question[truth["id"]]["answer"] is True and by_question[truth["id"]]["correct"]
    assert by_question[number["id"]]["answer"] == 2 and by_question[number["id"]]["correct"]  # the body's, over the saved 3
    assert by_question[text["id"]]["answered"] is False
    assert submitted["finalized_by"] == "learner"


def test_a_submission_of_the_attempt_may_leave_answers_out(testapp, sitting, learner):
    assessment, (truth, _, _), attempt = sitting
    save(testapp, learner, assessment, attempt, [{"question_id": truth["id"], "answer": True}])

    submitted = testapp.post_json(
        assessment_url(assessment["id"], "submissions"), {"attempt_id": attempt["id"]}, headers=learner.headers
    ).json

    assert submitted["points_earned"] == 1
    missing = testapp.post_json(assessment_url(assessment["id"], "submissions"), {}, headers=learner.headers, status=422).json["error"]
    assert list(missing["details"]) == ["answers"]


def test_only_its_learner_saves_and_only_while_it_runs(testapp, sitting, learner, make_user, enroll, course, instructor, db_conn):
    assessment, (truth, _, _), attempt = sitting
    classmate = make_user("learner")
    enroll(course["id"], classmate)
    item = [{"question_id": truth["id"], "answer": True}]

    save(testapp, classmate, assessment, attempt, item, status=404)
    save(testapp, instructor, assessment, attempt, item, status=403)
    testapp.post_json(assessment_url(assessment["id"], "submissions"), {"attempt_id": attempt["id"]}, headers=learner.headers)
    assert save(testapp, learner, assessment, attempt, item, status=409).json["error"]["code"] == "conflict"
    assert stored_draft(db_conn, attempt)[1] == 0


def test_a_save_after_the_deadline_is_409_and_the_deadline_submits_what_was_saved(testapp, sitting, learner, db_conn):
    assessment, (truth, number, _), attempt = sitting
    save(testapp, learner, assessment, attempt, [{"question_id": truth["id"], "answer": True}])
    with db_conn.cursor() as cur:  # the time and the 30 s grace are over
        cur.execute("update attempts set expires_at = now() - interval '31 seconds' where id = %s", (attempt["id"],))

    error = save(testapp, learner, assessment, attempt, [{"question_id": number["id"], "answer": 2}], status=409).json["error"]

    assert error["code"] == "attempt_expired"
    made = rows(db_conn, "select id, finalized_by, points_earned, results from submissions where attempt_id = %s", (attempt["id"],))
    assert [(submission_id, by, points) for submission_id, by, points, _ in made] == [(error["details"]["submission_id"], "deadline", 1)]
    answered = {result["question_id"]: result["answer"] for result in made[0][3] if result["answered"]}
    assert answered == {truth["id"]: True}  # the refused save changed nothing
    assert value(db_conn, "select status from attempts where id = %s", (attempt["id"],)) == "submitted"


@pytest.mark.slow
def test_two_tabs_saving_with_if_match_lose_no_acknowledged_save(testapp, live_server, sitting, learner, db_conn):
    assessment, (truth, number, text), attempt = sitting
    url = live_server.base_url + answers_url(assessment, attempt)
    start = threading.Barrier(2)

    def tab(question, values):
        """Save each value in turn, re-reading the revision whenever the other tab got in first."""
        start.wait(timeout=30)
        acknowledged, refused = [], 0
        for answer in values:
            while True:
                shown = http(
                    "GET", live_server.base_url + assessment_url(assessment["id"], "attempts", attempt["id"]), headers=learner.headers
                )[1]
                headers = {**learner.headers, "If-Match": f'"{shown["revision"]}"'}
                status, body, _ = http("PATCH", url, {"answers": [{"question_id": question["id"], "answer": answer}]}, headers=headers)
                if status == 200:
                    acknowledged.append((body["revision"], answer))
                    break
                assert status == 412
                refused += 1
        return acknowledged

    one, two = concurrently([lambda: tab(number, list(range(10))), lambda: tab(text, [f"try {n}" for n in range(10)])])

    revisions = sorted(revision for revision, _ in one + two)
    assert revisions == list(range(1, 21))  # every save acknowledged once, none twice
    saved, revision = stored_draft(db_conn, attempt)
    assert revision == 20
    assert saved == {number["id"]: 9, text["id"]: "try 9"}  # the last acknowledged save of each tab
