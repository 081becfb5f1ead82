"""Matching, ordering and partial credit through the API (contract section 12)."""

from decimal import Decimal

import pytest

from helpers.api import (
    add_question,
    assessment_url,
    create_assessment,
    exact,
    matching,
    multiple_choice,
    numeric,
    ordering,
    short_text,
    single_choice,
    submit,
    true_false,
)
from helpers.db import rows, value

BASE_FIELDS = {"id", "assessment_id", "type", "prompt", "points", "position", "group_id", "created_at", "updated_at"}


@pytest.fixture
def assessment(testapp, instructor, course, learner, enroll):
    enroll(course["id"], learner)
    return create_assessment(testapp, instructor, course["id"])


def question_url(assessment_id, question_id=None):
    return assessment_url(assessment_id, "questions", *([question_id] if question_id else []))


def learner_view(testapp, learner, assessment_id, question_id):
    return testapp.get(question_url(assessment_id, question_id), headers=learner.headers).json


def question_count(db_conn):
    return value(db_conn, "select count(*) from questions")


# ---------------------------------------------------------------- authoring


def test_a_matching_question_gets_server_ids_and_its_key(testapp, instructor, assessment):
    question = add_question(testapp, instructor, assessment["id"], matching()).json

    assert set(question) == BASE_FIELDS | {"feedback"} | {"prompts", "options", "scoring", "correct_answer"}
    assert [prompt["text"] for prompt in question["prompts"]] == ["mean", "median", "mode"]
    assert sorted(option["text"] for option in question["options"]) == sorted(
        ["the average", "the middle value", "the most frequent value", "the largest value"]
    )
    assert all(item["id"].startswith("mp_") for item in question["prompts"])
    assert all(item["id"].startswith("mo_") for item in question["options"])
    text_of = {option["id"]: option["text"] for option in question["options"]}
    assert {prompt["text"]: text_of[question["correct_answer"][prompt["id"]]] for prompt in question["prompts"]} == {
        "mean": "the average",
        "median": "the middle value",
        "mode": "the most frequent value",
    }
    assert question["scoring"] == "all_or_nothing"


def test_an_ordering_question_gets_server_ids_and_its_key(testapp, instructor, assessment):
    question = add_question(testapp, instructor, assessment["id"], ordering(scoring="partial")).json

    assert set(question) == BASE_FIELDS | {"feedback"} | {"items", "scoring", "correct_answer"}
    text_of = {item["id"]: item["text"] for item in question["items"]}
    assert [text_of[item_id] for item_id in question["correct_answer"]] == [
        "state the hypotheses",
        "collect data",
        "compute the statistic",
        "decide",
    ]
    assert all(item["id"].startswith("it_") for item in question["items"])
    assert question["scoring"] == "partial"


def test_learners_see_neither_the_pairs_nor_the_order(testapp, instructor, learner, assessment):
    pairs = add_question(testapp, instructor, assessment["id"], matching()).json
    steps = add_question(testapp, instructor, assessment["id"], ordering()).json

    for manager_view in (pairs, steps):
        shown = learner_view(testapp, learner, assessment["id"], manager_view["id"])
        assert "correct_answer" not in shown
        # Shown in the order of their random ids: an order that carries nothing of the key.
        for field in ("options", "items"):
            if field in shown:
                assert [entry["id"] for entry in shown[field]] == sorted(entry["id"] for entry in shown[field])
                assert sorted(map(str, shown[field])) == sorted(map(str, manager_view[field]))
    assert learner_view(testapp, learner, assessment["id"], pairs["id"])["prompts"] == pairs["prompts"]
    whole = testapp.get(assessment_url(assessment["id"]), headers=learner.headers).json
    assert all("correct_answer" not in question for question in whole["questions"])


def test_learners_never_see_the_authored_order_as_such(testapp, instructor, learner, assessment):
    # Over many questions the learner's order of items differs from the authored one in most.
    ordered = [add_question(testapp, instructor, assessment["id"], ordering()).json for _ in range(12)]
    differ = 0
    for question in ordered:
        shown = [item["id"] for item in learner_view(testapp, learner, assessment["id"], question["id"])["items"]]
        differ += shown != question["correct_answer"]
    # Sorted by random ids, a 4-item list keeps its authored order 1 time in 24.
    assert differ >= 8


@pytest.mark.parametrize(
    "body, field",
    [
        (matching(pairs=[{"prompt": "mean", "match": "the average"}]), "pairs"),
        (matching(pairs=[{"prompt": f"p{n}", "match": f"m{n}"} for n in range(27)]), "pairs"),
        (matching(pairs=[{"prompt": "mean", "match": "a"}, {"prompt": "mean", "match": "b"}]), "pairs"),
        (matching(pairs=[{"prompt": "mean", "match": "a"}, {"prompt": "median", "match": "a"}]), "pairs"),
        (matching(distractors=["the average"]), "distractors"),
        (matching(distractors=[f"d{n}" for n in range(27)]), "distractors"),
        (matching(pairs=[{"prompt": "mean"}, {"prompt": "median", "match": "b"}]), "pairs"),
        ({"type": "matching", "prompt": "No pairs?"}, "pairs"),
        (matching(items=[{"text": "a"}, {"text": "b"}]), "items"),
        (ordering(items=[{"text": "only"}]), "items"),
        (ordering(items=[{"text": f"i{n}"} for n in range(27)]), "items"),
        (ordering(items=[{"text": "same"}, {"text": "same"}]), "items"),
        ({"type": "ordering", "prompt": "No items?"}, "items"),
        (ordering(scoring="most"), "scoring"),
        (single_choice(scoring="partial"), "scoring"),
        (true_false(scoring="partial"), "scoring"),
        (short_text(scoring="partial"), "scoring"),
        (numeric(scoring="partial"), "scoring"),
        (true_false(pairs=[{"prompt": "a", "match": "b"}, {"prompt": "c", "match": "d"}]), "pairs"),
    ],
)
def test_invalid_matching_ordering_and_scoring_are_422(testapp, instructor, assessment, db_conn, body, field):
    error = add_question(testapp, instructor, assessment["id"], body, status=422).json["error"]

    assert error["code"] == "validation_failed"
    assert field in error["details"]
    assert question_count(db_conn) == 0


def test_editing_keeps_the_ids_of_what_did_not_change(testapp, instructor, assessment):
    question = add_question(testapp, instructor, assessment["id"], matching()).json
    ids = {entry["text"]: entry["id"] for entry in question["prompts"] + question["options"]}

    edited = testapp.patch_json(
        question_url(assessment["id"], question["id"]),
        {"pairs": [{"prompt": "mean", "match": "the average"}, {"prompt": "range", "match": "max minus min"}], "scoring": "partial"},
        headers=instructor.headers,
    ).json

    assert edited["scoring"] == "partial"
    new_ids = {entry["text"]: entry["id"] for entry in edited["prompts"] + edited["options"]}
    assert new_ids["mean"] == ids["mean"] and new_ids["the average"] == ids["the average"]
    assert new_ids["the largest value"] == ids["the largest value"]  # the distractors were not edited
    assert new_ids["range"] not in ids.values()
    assert len(edited["options"]) == 3


def test_changing_the_type_to_ordering_needs_items(testapp, instructor, assessment):
    question = add_question(testapp, instructor, assessment["id"], true_false()).json
    url = question_url(assessment["id"], question["id"])

    error = testapp.patch_json(url, {"type": "ordering"}, headers=instructor.headers, status=422).json["error"]
    assert set(error["details"]) == {"items"}
    changed = testapp.patch_json(url, {"type": "ordering", "items": [{"text": "a"}, {"text": "b"}]}, headers=instructor.headers).json
    assert (changed["type"], len(changed["items"])) == ("ordering", 2)


# ---------------------------------------------------------------- answers


@pytest.fixture
def pairs_and_steps(testapp, instructor, assessment):
    pairs = add_question(testapp, instructor, assessment["id"], matching(points=3, scoring="partial")).json
    steps = add_question(testapp, instructor, assessment["id"], ordering(points=2, scoring="partial")).json
    return pairs, steps


def refused(testapp, learner, assessment, answer_list, db_conn):
    error = submit(testapp, learner, assessment["id"], answer_list, status=422).json["error"]
    assert value(db_conn, "select count(*) from submissions") == 0
    assert value(db_conn, "select count(*) from attempts") == 0
    return error["details"]


def test_matching_answers_that_are_not_mappings_are_422(testapp, learner, assessment, pairs_and_steps, db_conn):
    pairs, _ = pairs_and_steps
    prompt_ids = [prompt["id"] for prompt in pairs["prompts"]]
    option_ids = [option["id"] for option in pairs["options"]]
    for answer, message in [
        ([option_ids[0]], "Must be an object mapping prompt ids to option ids."),
        ({prompt_ids[0]: 1}, "Must be an object mapping prompt ids to option ids."),
        ({"mp_unknown": option_ids[0]}, "Not a prompt of this question."),
        ({prompt_ids[0]: "mo_unknown"}, "Not an option of this question."),
        ({prompt_ids[0]: option_ids[0], prompt_ids[1]: option_ids[0]}, "An option is used twice."),
    ]:
        details = refused(testapp, learner, assessment, [{"question_id": pairs["id"], "answer": answer}], db_conn)
        assert details == {"answers.0.answer": [message]}


def test_ordering_answers_that_are_not_permutations_are_422(testapp, learner, assessment, pairs_and_steps, db_conn):
    _, steps = pairs_and_steps
    order = steps["correct_answer"]
    for answer in (order[:-1], order + order[:1], order[:-1] + order[:1], order[:-1] + ["it_unknown"], {"a": "b"}, [1, 2, 3, 4]):
        details = refused(testapp, learner, assessment, [{"question_id": steps["id"], "answer": answer}], db_conn)
        assert list(details) == ["answers.0.answer"]


def test_partial_credit_through_the_api(testapp, learner, assessment, pairs_and_steps, db_conn):
    pairs, steps = pairs_and_steps
    key = pairs["correct_answer"]
    prompt_ids = [prompt["id"] for prompt in pairs["prompts"]]
    two_of_three = {prompt_ids[0]: key[prompt_ids[0]], prompt_ids[1]: key[prompt_ids[1]]}  # the third left out
    order = steps["correct_answer"]
    swapped_last = order[:2] + [order[3], order[2]]  # 2 of 4 items in place

    body = exact(
        submit(
            testapp,
            learner,
            assessment["id"],
            [{"question_id": pairs["id"], "answer": two_of_three}, {"question_id": steps["id"], "answer": swapped_last}],
        )
    )

    first, second = body["results"]
    assert (first["correct"], first["credit"], first["points_earned"]) == (False, "0.6667", Decimal("2.00"))
    assert (second["correct"], second["credit"], second["points_earned"]) == (False, "0.5000", Decimal("1.00"))
    assert (body["points_earned"], body["points_possible"], body["score"]) == (Decimal("3.00"), Decimal("5.00"), Decimal("60.00"))
    assert rows(db_conn, "select points_earned, score from submissions") == [(Decimal("3.00"), Decimal("60.00"))]


def test_all_or_nothing_gives_no_part(testapp, instructor, learner, assessment):
    pairs = add_question(testapp, instructor, assessment["id"], matching(points=3)).json
    key = pairs["correct_answer"]
    first_prompt = pairs["prompts"][0]["id"]

    body = exact(submit(testapp, learner, assessment["id"], [{"question_id": pairs["id"], "answer": {first_prompt: key[first_prompt]}}]))

    assert (body["results"][0]["credit"], body["points_earned"]) == ("0.0000", Decimal("0.00"))
    full = exact(submit(testapp, learner, assessment["id"], [{"question_id": pairs["id"], "answer": key}]))
    assert (full["results"][0]["correct"], full["results"][0]["credit"], full["score"]) == (True, "1.0000", Decimal("100.00"))


def test_partial_multiple_choice_through_the_api(testapp, instructor, learner, assessment):
    question = add_question(testapp, instructor, assessment["id"], multiple_choice(points=1, scoring="partial")).json
    right = [choice["id"] for choice in question["choices"] if choice["correct"]]
    wrong = [choice["id"] for choice in question["choices"] if not choice["correct"]]

    one_right = exact(submit(testapp, learner, assessment["id"], [{"question_id": question["id"], "answer": right[:1]}]))
    right_and_wrong = exact(submit(testapp, learner, assessment["id"], [{"question_id": question["id"], "answer": right[:1] + wrong[:1]}]))

    assert (one_right["results"][0]["credit"], one_right["points_earned"]) == ("0.5000", Decimal("0.50"))
    assert (right_and_wrong["results"][0]["credit"], right_and_wrong["points_earned"]) == ("0.0000", Decimal("0.00"))
