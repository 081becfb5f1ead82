"""Submissions: scored on arrival, stored with their results, read back (contract section 5)."""

import json
import re
from decimal import Decimal

import pytest
from marshmallow import RAISE, Schema, ValidationError, fields

from assessment_service.taking.routes import new_submission_schema
from assessment_service.taking.schemas import AnswerSchema
from helpers.api import (
    TIMESTAMP,
    add_question,
    answers,
    assessment_url,
    assessment_with_questions,
    create_assessment,
    exact,
    right_answer,
    short_text,
    submit,
    true_false,
    wrong_answer,
)
from helpers.db import rows, stored_attempts, stored_submissions, value

FIELDS = {
    "id",
    "assessment_id",
    "learner_id",
    "attempt_id",
    "attempt_number",
    "score",
    "passed",
    "points_earned",
    "points_possible",
    "submitted_at",
    "finalized_by",
    "late",
    "regraded",
    "results",
    "review",
}
RESULT_FIELDS = ["question_id", "answered", "correct", "credit", "points_earned", "points_possible", "answer"]
POINTS = [Decimal("2.00"), Decimal("3.00"), Decimal("1.00"), Decimal("1.50"), Decimal("2.50")]  # of one_of_each_type()


@pytest.fixture
def quiz(testapp, instructor, course, learner, enroll):
    """(assessment, questions): one question of each type, 10 points, passing at 70; `learner` enrolled."""
    enroll(course["id"], learner)
    return assessment_with_questions(testapp, instructor, course["id"])


def correct_answer_of(question):
    """The key of a question object (a manager's view) in the shape of an answer, exactly."""
    key = right_answer(question)
    return Decimal(str(key)) if isinstance(key, float) else key  # WebTest's .json reads numbers as floats


def nothing_stored(db_conn):
    return value(db_conn, "select count(*) from submissions") == 0 and value(db_conn, "select count(*) from attempts") == 0


def submission_url(assessment_id, submission_id=None):
    return assessment_url(assessment_id, "submissions", *([submission_id] if submission_id else []))


# ---------------------------------------------------------------- POST: the happy path


def test_all_correct_scores_100_and_is_stored(testapp, learner, quiz, db_conn):
    assessment, questions = quiz
    sent = answers(questions)

    response = submit(testapp, learner, assessment["id"], sent)

    body = exact(response)
    assert set(body) == FIELDS
    assert re.fullmatch(r"sub_[A-Za-z0-9]+", body["id"])
    assert (body["assessment_id"], body["learner_id"], body["attempt_number"]) == (assessment["id"], learner.id, 1)
    assert (body["score"], body["passed"]) == (Decimal("100.00"), True)
    assert (body["points_earned"], body["points_possible"]) == (Decimal("10.00"), Decimal("10.00"))
    assert TIMESTAMP.match(body["submitted_at"])
    # By default a learner sees correctness (and, on choice questions, their choices' feedback).
    assert [list(result) for result in body["results"]] == [RESULT_FIELDS + ["choice_feedback"]] * 2 + [RESULT_FIELDS] * 3
    assert body["review"] == {"score_visible": True, "correctness_visible": True, "correct_answers_visible": False}
    assert [r["question_id"] for r in body["results"]] == [q["id"] for q in questions]
    assert all(r["answered"] and r["correct"] for r in body["results"])
    assert [r["points_earned"] for r in body["results"]] == POINTS == [r["points_possible"] for r in body["results"]]
    assert [r["answer"] for r in body["results"]] == [item["answer"] for item in as_read(sent)]
    assert response.headers["Location"].endswith(f"/api/v1/assessments/{assessment['id']}/submissions/{body['id']}")

    assert rows(
        db_conn, "select id, learner_id, attempt_id, attempt_number, score, passed, points_earned, points_possible from submissions"
    ) == [(body["id"], learner.id, body["attempt_id"], 1, Decimal("100.00"), True, Decimal("10.00"), Decimal("10.00"))]
    assert rows(db_conn, "select id, attempt_number, status, submitted_at is not null from attempts") == [
        (body["attempt_id"], 1, "submitted", True)
    ]
    # The answers are stored once: each result holds its own.
    stored_results = json.loads(value(db_conn, "select results::text from submissions"), parse_float=Decimal)
    assert [{"question_id": r["question_id"], "answer": r["answer"]} for r in stored_results] == as_read(sent)
    assert value(db_conn, "select answers from submissions") is None


def as_read(document):
    """A request document as the service reads it: fractions as exact decimals."""
    return json.loads(json.dumps(document), parse_float=Decimal)


def test_each_type_is_scored(testapp, learner, quiz):
    assessment, questions = quiz
    by_type = {question["type"]: question for question in questions}
    single = by_type["single_choice"]
    ids = [c["id"] for c in by_type["multiple_choice"]["choices"]]  # 2, 3 (correct), 4, 9
    cases = [
        # (answers by question type, points earned, score, passed at 70)
        ({"single_choice": right_answer(single)}, "2.00", "20.00", False),
        ({"single_choice": wrong_answer(single)}, "0.00", "0.00", False),
        ({"multiple_choice": [ids[1], ids[0]]}, "3.00", "30.00", False),  # any order
        ({"multiple_choice": [ids[0]]}, "0.00", "0.00", False),  # all or nothing
        ({"multiple_choice": ids[:3]}, "0.00", "0.00", False),
        ({"multiple_choice": []}, "0.00", "0.00", False),
        ({"true_false": True}, "1.00", "10.00", False),
        ({"true_false": False}, "0.00", "0.00", False),
        ({"short_text": "  Standard \t DEVIATION\n"}, "1.50", "15.00", False),
        ({"short_text": "STD   Dev"}, "1.50", "15.00", False),
        ({"short_text": "standard-deviation"}, "0.00", "0.00", False),
        ({"numeric": 0.4}, "2.50", "25.00", False),  # 0.3 ± 0.1, inclusive, as exact decimals
        ({"numeric": 0.2}, "2.50", "25.00", False),
        ({"numeric": 0.4000000001}, "0.00", "0.00", False),
        ({"numeric": 0}, "0.00", "0.00", False),
        (
            {"single_choice": right_answer(single), "multiple_choice": ids[:2], "short_text": "std dev", "numeric": 0.35},
            "9.00",
            "90.00",
            True,
        ),
        ({"single_choice": right_answer(single), "true_false": True, "short_text": "std dev", "numeric": 0.3}, "7.00", "70.00", True),
        ({"multiple_choice": [ids[1], ids[0]], "true_false": True, "short_text": "std dev"}, "5.50", "55.00", False),
    ]
    for attempt_number, (given, earned, score, passed) in enumerate(cases, start=1):
        sent = [{"question_id": by_type[kind]["id"], "answer": answer} for kind, answer in given.items()]

        body = exact(submit(testapp, learner, assessment["id"], sent))

        assert (body["points_earned"], body["score"], body["passed"]) == (Decimal(earned), Decimal(score), passed), given
        assert body["attempt_number"] == attempt_number
        answered = {r["question_id"] for r in body["results"] if r["answered"]}
        assert answered == {by_type[kind]["id"] for kind in given}


def test_custom_question_points_and_case_sensitive_text(testapp, instructor, learner, course, enroll):
    enroll(course["id"], learner)
    assessment, questions = assessment_with_questions(
        testapp,
        instructor,
        course["id"],
        [short_text(accepted_answers=["NaCl"], case_sensitive=True, points=0.01), true_false(points=7.99)],
        passing_score=1,
    )
    cased, truth = questions

    wrong_case = exact(submit(testapp, learner, assessment["id"], [{"question_id": cased["id"], "answer": "nacl"}]))
    right_case = exact(submit(testapp, learner, assessment["id"], [{"question_id": cased["id"], "answer": " NaCl "}]))

    assert (wrong_case["score"], wrong_case["passed"]) == (Decimal("0.00"), False)
    # 0.01 of 8.00 is 0.125%: reported half-up as 0.13, and it does not reach 1%.
    assert (right_case["points_earned"], right_case["points_possible"]) == (Decimal("0.01"), Decimal("8.00"))
    assert (right_case["score"], right_case["passed"]) == (Decimal("0.13"), False)


def test_passed_is_decided_on_the_exact_ratio(testapp, instructor, learner, course, enroll, db_conn):
    enroll(course["id"], learner)
    assessment, (most, rest) = assessment_with_questions(
        testapp, instructor, course["id"], [true_false(points=139.99), true_false(points=60.01)], passing_score=70
    )

    body = exact(submit(testapp, learner, assessment["id"], [{"question_id": most["id"], "answer": True}]))

    assert (body["score"], body["passed"]) == (Decimal("70.00"), False)
    assert rows(db_conn, "select score, passed from submissions") == [(Decimal("70.00"), False)]


def test_unanswered_questions(testapp, learner, quiz, db_conn):
    assessment, questions = quiz
    sent = [
        {"question_id": questions[4]["id"], "answer": 0.3},
        {"question_id": questions[1]["id"], "answer": None},  # explicit null: unanswered
    ]

    body = exact(submit(testapp, learner, assessment["id"], sent))

    assert [(r["answered"], r["correct"], r["answer"]) for r in body["results"]] == [
        (False, False, None),
        (False, False, None),
        (False, False, None),
        (False, False, None),
        (True, True, Decimal("0.3")),
    ]
    assert [r["points_earned"] for r in body["results"]] == [Decimal("0.00")] * 4 + [Decimal("2.50")]
    assert (body["points_earned"], body["score"], body["passed"]) == (Decimal("2.50"), Decimal("25.00"), False)
    assert value(db_conn, "select count(*) from submissions") == 1


def test_empty_answers_is_allowed_and_scores_zero(testapp, learner, quiz, db_conn):
    assessment, _ = quiz

    body = exact(submit(testapp, learner, assessment["id"], []))

    assert (body["score"], body["passed"], body["points_earned"], body["points_possible"]) == (
        Decimal("0.00"),
        False,
        Decimal("0.00"),
        Decimal("10.00"),
    )
    assert not any(r["answered"] or r["correct"] for r in body["results"])
    assert rows(db_conn, "select score, passed from submissions") == [(Decimal("0.00"), False)]
    assert stored_attempts(db_conn, assessment["id"]) == [(body["learner_id"], 1, "submitted")]


def test_results_are_in_question_order_whatever_the_answer_order(testapp, learner, quiz):
    assessment, questions = quiz

    body = submit(testapp, learner, assessment["id"], list(reversed(answers(questions)))).json

    assert [r["question_id"] for r in body["results"]] == [q["id"] for q in questions]
    assert body["score"] == 100


def test_numeric_answers_are_echoed_exactly(testapp, learner, quiz, db_conn):
    assessment, questions = quiz

    response = submit(testapp, learner, assessment["id"], [{"question_id": questions[4]["id"], "answer": 0.4000000001}])

    assert '"answer": 0.4000000001' in response.text
    assert value(db_conn, "select results -> 4 ->> 'answer' from submissions") == "0.4000000001"


# ---------------------------------------------------------------- POST: refusals store nothing


def test_answers_that_do_not_fit_are_422_and_nothing_is_stored(testapp, instructor, learner, course, quiz, db_conn):
    assessment, questions = quiz
    single, multiple, truth, text, number = questions
    _, elsewhere = assessment_with_questions(testapp, instructor, course["id"], title="Elsewhere")
    cases = [
        # (answers, the path of the error)
        ([{"question_id": "qst_doesnotexist", "answer": True}], "answers.0.question_id"),
        ([{"question_id": elsewhere[2]["id"], "answer": True}], "answers.0.question_id"),
        ([{"question_id": truth["id"], "answer": True}, {"question_id": truth["id"], "answer": False}], "answers.1.question_id"),
        ([{"question_id": single["id"], "answer": [right_answer(single)]}], "answers.0.answer"),
        ([{"question_id": single["id"], "answer": 1}], "answers.0.answer"),
        ([{"question_id": single["id"], "answer": multiple["choices"][0]["id"]}], "answers.0.answer"),
        ([{"question_id": single["id"], "answer": elsewhere[0]["choices"][1]["id"]}], "answers.0.answer"),
        ([{"question_id": multiple["id"], "answer": multiple["choices"][0]["id"]}], "answers.0.answer"),
        ([{"question_id": multiple["id"], "answer": [multiple["choices"][0]["id"]] * 2}], "answers.0.answer"),
        ([{"question_id": multiple["id"], "answer": [multiple["choices"][0]["id"], single["choices"][0]["id"]]}], "answers.0.answer"),
        ([{"question_id": multiple["id"], "answer": [1]}], "answers.0.answer"),
        ([{"question_id": truth["id"], "answer": "true"}], "answers.0.answer"),
        ([{"question_id": truth["id"], "answer": 1}], "answers.0.answer"),
        ([{"question_id": text["id"], "answer": 42}], "answers.0.answer"),
        ([{"question_id": text["id"], "answer": ["std dev"]}], "answers.0.answer"),
        ([{"question_id": number["id"], "answer": True}], "answers.0.answer"),
        ([{"question_id": number["id"], "answer": "0.3"}], "answers.0.answer"),
        ([{"question_id": number["id"], "answer": 1e300}], "answers.0.answer"),
        ([{"question_id": number["id"], "answer": 1e-21}], "answers.0.answer"),  # more places than can be stored
        ([{"question_id": text["id"], "answer": "x" * 10_001}], "answers.0.answer"),
        ([{"question_id": truth["id"], "answer": True}, {"question_id": number["id"], "answer": False}], "answers.1.answer"),
    ]
    for sent, path in cases:
        error = submit(testapp, learner, assessment["id"], sent, status=422).json["error"]

        assert error["code"] == "validation_failed", sent
        assert list(error["details"]) == [path], sent
    assert nothing_stored(db_conn)


def test_malformed_bodies_are_422_and_nothing_is_stored(testapp, learner, quiz, db_conn):
    assessment, questions = quiz
    url = submission_url(assessment["id"])
    truth = questions[2]["id"]
    for body, field in [
        ({}, "answers"),
        ({"answers": None}, "answers"),
        ({"answers": {"question_id": truth, "answer": True}}, "answers"),
        ({"answers": [{"question_id": truth}]}, "answers"),
        ({"answers": [{"answer": True}]}, "answers"),
        ({"answers": [{"question_id": "not-an-id", "answer": True}]}, "answers"),
        ({"answers": [{"question_id": truth, "answer": True, "hint": 1}]}, "answers"),
        ({"answers": [], "score": 100}, "score"),
    ]:
        error = testapp.post_json(url, body, headers=learner.headers, status=422).json["error"]

        assert list(error["details"]) == [field], body
    assert nothing_stored(db_conn)


def test_learners_without_an_active_enrollment_are_not_enrolled(testapp, instructor, course, make_user, enroll, db_conn):
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"])
    stranger, dropped, completed = make_user("learner"), make_user("learner"), make_user("learner")
    enroll(course["id"], dropped, status="dropped")
    enroll(course["id"], completed, status="completed")

    for caller in (stranger, dropped, completed):
        for sent in (answers(questions), [{"question_id": "qst_doesnotexist", "answer": 1}]):
            error = submit(testapp, caller, assessment["id"], sent, status=403).json["error"]
            assert error["code"] == "not_enrolled", (caller.email, sent)
    assert nothing_stored(db_conn)


def test_admins_and_instructors_may_not_submit(testapp, instructor, admin, course, make_user, enroll, db_conn):
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"])
    empty = create_assessment(testapp, instructor, course["id"], title="No questions yet")
    colleague = make_user("instructor")
    enroll(course["id"], colleague, role="instructor")

    for caller in (admin, instructor, colleague):
        for assessment_id, sent in (
            (assessment["id"], answers(questions)),
            (assessment["id"], [{"question_id": "qst_nope", "answer": 1}]),
            (empty["id"], []),
        ):
            error = submit(testapp, caller, assessment_id, sent, status=403).json["error"]
            assert error["code"] == "forbidden", (caller.role, assessment_id, sent)
    assert nothing_stored(db_conn)


def test_an_assessment_without_questions_cannot_be_submitted(testapp, instructor, learner, course, enroll, db_conn):
    enroll(course["id"], learner)
    assessment = create_assessment(testapp, instructor, course["id"])

    error = submit(testapp, learner, assessment["id"], [], status=409).json["error"]

    assert error["code"] == "conflict"
    assert nothing_stored(db_conn)


def test_unknown_assessment_is_404(testapp, learner):
    error = submit(testapp, learner, "asmnt_doesnotexist", [], status=404).json["error"]

    assert error["code"] == "not_found"


# ---------------------------------------------------------------- GET one


def test_get_returns_the_submission_as_posted(testapp, instructor, admin, learner, quiz):
    assessment, questions = quiz
    posted = submit(testapp, learner, assessment["id"], answers(questions, wrong_answer))

    assert testapp.get(posted.headers["Location"], headers=learner.headers).text == posted.text
    # Managers see everything besides: the correct answers as scored, and the feedback.
    expected = exact(posted)
    expected["review"] = {"score_visible": True, "correctness_visible": True, "correct_answers_visible": True}
    for result, question in zip(expected["results"], questions):
        result.update(correct_answer=correct_answer_of(question), feedback=None)
    for caller in (instructor, admin):
        assert exact(testapp.get(posted.headers["Location"], headers=caller.headers)) == expected, caller.role


def test_learners_read_only_their_own(testapp, instructor, make_user, course, enroll, quiz):
    assessment, questions = quiz
    mine, theirs = make_user("learner"), make_user("learner")
    for student in (mine, theirs):
        enroll(course["id"], student)
    their_submission = submit(testapp, theirs, assessment["id"], answers(questions)).json
    other_assessment, other_questions = assessment_with_questions(testapp, instructor, course["id"], title="Other")
    my_other = submit(testapp, mine, other_assessment["id"], answers(other_questions)).json

    error = testapp.get(submission_url(assessment["id"], their_submission["id"]), headers=mine.headers, status=404).json["error"]

    assert error["code"] == "not_found"
    # A submission is found only under its own assessment.
    testapp.get(submission_url(assessment["id"], my_other["id"]), headers=mine.headers, status=404)
    testapp.get(submission_url(assessment["id"], "sub_doesnotexist"), headers=instructor.headers, status=404)
    # Outsiders see nothing at all.
    stranger = make_user("learner")
    testapp.get(submission_url(assessment["id"], their_submission["id"]), headers=stranger.headers, status=404)
    testapp.get(submission_url(assessment["id"], their_submission["id"]), headers=make_user("instructor").headers, status=404)


def test_a_dropped_learner_still_reads_their_submissions(testapp, admin, learner, course, quiz):
    assessment, questions = quiz
    posted = submit(testapp, learner, assessment["id"], answers(questions))
    enrollments = testapp.get(f"/api/v1/courses/{course['id']}/enrollments", headers=admin.headers).json["data"]
    (learner_enrollment,) = [e for e in enrollments if e["user_id"] == learner.id]
    testapp.patch_json(
        f"/api/v1/courses/{course['id']}/enrollments/{learner_enrollment['id']}", {"status": "dropped"}, headers=admin.headers
    )

    assert testapp.get(posted.headers["Location"], headers=learner.headers).text == posted.text
    assert submit(testapp, learner, assessment["id"], [], status=403).json["error"]["code"] == "not_enrolled"


# ---------------------------------------------------------------- GET list


@pytest.fixture
def two_learners_submitted(testapp, make_user, course, enroll, quiz):
    """Learner one submits twice, learner two once; (assessment, one, two, [ids in order])."""
    assessment, questions = quiz
    one, two = make_user("learner"), make_user("learner")
    for student in (one, two):
        enroll(course["id"], student)
    ids = [
        submit(testapp, one, assessment["id"], answers(questions)).json["id"],
        submit(testapp, two, assessment["id"], []).json["id"],
        submit(testapp, one, assessment["id"], answers(questions, wrong_answer)).json["id"],
    ]
    return assessment, one, two, ids


def listed(testapp, caller, assessment_id, query=""):
    body = testapp.get(submission_url(assessment_id) + query, headers=caller.headers).json
    return [item["id"] for item in body["data"]], body["pagination"]


def test_learners_list_only_their_own(testapp, two_learners_submitted):
    assessment, one, two, ids = two_learners_submitted

    assert listed(testapp, one, assessment["id"])[0] == [ids[0], ids[2]]
    assert listed(testapp, two, assessment["id"]) == ([ids[1]], {"page": 1, "per_page": 20, "total": 1, "total_pages": 1})
    # Asking for someone else's gives nothing, not theirs.
    assert listed(testapp, two, assessment["id"], f"?learner_id={one.id}")[0] == []
    assert listed(testapp, two, assessment["id"], f"?learner_id={two.id}")[0] == [ids[1]]


def test_instructors_list_everyone_and_filter_by_learner(testapp, instructor, admin, two_learners_submitted):
    assessment, one, two, ids = two_learners_submitted

    for caller in (instructor, admin):
        assert listed(testapp, caller, assessment["id"])[0] == ids
        assert listed(testapp, caller, assessment["id"], f"?learner_id={one.id}")[0] == [ids[0], ids[2]]
        assert listed(testapp, caller, assessment["id"], f"?learner_id={two.id}")[0] == [ids[1]]
        assert listed(testapp, caller, assessment["id"], "?learner_id=usr_nobody")[0] == []


def test_list_is_paginated(testapp, instructor, two_learners_submitted):
    assessment, _, _, ids = two_learners_submitted

    pages = [listed(testapp, instructor, assessment["id"], f"?per_page=2&page={page}") for page in (1, 2)]

    assert pages[0] == (ids[:2], {"page": 1, "per_page": 2, "total": 3, "total_pages": 2})
    assert pages[1] == (ids[2:], {"page": 2, "per_page": 2, "total": 3, "total_pages": 2})
    error = testapp.get(submission_url(assessment["id"]) + "?learner_id=bogus", headers=instructor.headers, status=400).json["error"]
    assert list(error["details"]) == ["learner_id"]


def test_list_items_are_whole_submissions(testapp, learner, quiz):
    assessment, questions = quiz
    posted = exact(submit(testapp, learner, assessment["id"], answers(questions)))

    (item,) = exact(testapp.get(submission_url(assessment["id"]), headers=learner.headers))["data"]

    assert item == posted


def test_outsiders_cannot_list(testapp, make_user, quiz):
    assessment, _ = quiz

    testapp.get(submission_url(assessment["id"]), headers=make_user("learner").headers, status=404)
    testapp.get(submission_url(assessment["id"]), headers=make_user("instructor").headers, status=404)


# ---------------------------------------------------------------- stored results are frozen


def test_editing_or_deleting_questions_does_not_change_stored_results(testapp, instructor, learner, quiz, db_conn):
    assessment, questions = quiz
    single, multiple, truth, text, number = questions
    posted = submit(testapp, learner, assessment["id"], answers(questions))
    stored_before = rows(db_conn, "select score, passed, points_earned, points_possible, results::text, answers::text from submissions")
    base = assessment_url(assessment["id"], "questions")

    # Flip the true/false key, re-point the single choice, raise points, move and delete questions.
    testapp.patch_json(f"{base}/{truth['id']}", {"correct_answer": False, "points": 50}, headers=instructor.headers)
    flipped = [{"id": c["id"], "text": c["text"], "correct": not c["correct"]} for c in single["choices"][:2]]
    testapp.patch_json(f"{base}/{single['id']}", {"choices": flipped, "position": 3}, headers=instructor.headers)
    testapp.patch_json(f"{base}/{number['id']}", {"type": "true_false", "correct_answer": False}, headers=instructor.headers)
    testapp.delete(f"{base}/{text['id']}", headers=instructor.headers, status=204)
    testapp.delete(f"{base}/{multiple['id']}", headers=instructor.headers, status=204)
    add_question(testapp, instructor, assessment["id"], true_false(points=10))

    assert testapp.get(posted.headers["Location"], headers=learner.headers).text == posted.text
    as_managers_see_it = exact(testapp.get(posted.headers["Location"], headers=instructor.headers))
    assert [r["correct_answer"] for r in as_managers_see_it["results"]] == [correct_answer_of(q) for q in questions]  # as scored
    assert exact(testapp.get(submission_url(assessment["id"]), headers=learner.headers))["data"] == [exact(posted)]
    assert (
        rows(db_conn, "select score, passed, points_earned, points_possible, results::text, answers::text from submissions")
        == stored_before
    )
    # A new submission is scored against the questions as they are now.
    again = exact(submit(testapp, learner, assessment["id"], []))
    assert (again["points_possible"], len(again["results"])) == (Decimal("64.50"), 4)


def test_submissions_of_two_learners_are_numbered_separately(testapp, two_learners_submitted, db_conn):
    assessment, one, two, _ = two_learners_submitted

    assert stored_submissions(db_conn, assessment["id"], one.id) == [(one.id, 1), (one.id, 2)]
    assert stored_submissions(db_conn, assessment["id"], two.id) == [(two.id, 1)]


# ---------------------------------------------------------------- the answers' fast path


class PlainSubmissionSchema(Schema):
    """NewSubmissionSchema's answers as marshmallow alone would read them."""

    answers = fields.List(fields.Nested(AnswerSchema), required=True)


@pytest.mark.parametrize(
    "item",
    [
        {"question_id": "qst_abc", "answer": "ch_x"},
        {"question_id": "qst_abc", "answer": None},
        {"question_id": "qst_abc", "answer": [Decimal("1.5"), {"deep": True}]},
        {"answer": True, "question_id": "qst_A1"},
        {"question_id": "qst_abc\n", "answer": 1},
        {"question_id": "qst_", "answer": 1},
        {"question_id": "crs_abc", "answer": 1},
        {"question_id": "qst_" + "a" * 41, "answer": 1},
        {"question_id": 7, "answer": 1},
        {"question_id": None, "answer": 1},
        {"question_id": "qst_abc"},
        {"answer": 1},
        {"question_id": "qst_abc", "answer": 1, "extra": 2},
        {},
        ["qst_abc", 1],
        "qst_abc",
        None,
    ],
)
def test_answers_read_the_same_as_with_marshmallow_alone(item):
    """AnswerField takes well-formed answers without AnswerSchema's machinery: same result, same errors."""

    def outcome(schema, document):
        try:
            return "loaded", schema.load(document, unknown=RAISE)["answers"]
        except ValidationError as exc:
            return "refused", exc.messages["answers"]

    document = {"answers": [item]}
    assert outcome(new_submission_schema, document) == outcome(PlainSubmissionSchema(), document)
