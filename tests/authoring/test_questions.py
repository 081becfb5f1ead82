"""Questions: the five types, their validation, positions, edits, and who sees answer keys
(contract section 4)."""

import re
from decimal import Decimal

import pytest

from helpers.api import (
    add_question,
    assessment_url,
    create_assessment,
    exact,
    multiple_choice,
    numeric,
    one_of_each_type,
    short_text,
    single_choice,
    true_false,
)
from helpers.db import rows, value

BASE_FIELDS = {"id", "assessment_id", "type", "prompt", "points", "position", "group_id", "created_at", "updated_at"}
# What managers see besides: the feedback learners get with their reviewed results.
AUTHOR_FIELDS = BASE_FIELDS | {"feedback"}
KEY_FIELDS = {"correct", "accepted_answers", "correct_answer", "tolerance"}
CHOICE_ID = re.compile(r"^[a-z]{2,6}_[A-Za-z0-9]+$")


@pytest.fixture
def assessment(testapp, instructor, course):
    return create_assessment(testapp, instructor, course["id"])


def questions_url(assessment_id, question_id=None):
    return assessment_url(assessment_id, "questions", *([question_id] if question_id else []))


def patch(testapp, caller, assessment_id, question_id, changes, status=200):
    return testapp.patch_json(questions_url(assessment_id, question_id), changes, headers=caller.headers, status=status)


def stored_positions(db_conn, assessment_id):
    return rows(db_conn, "select id, position from questions where assessment_id = %s order by position", (assessment_id,))


def stored_spec(db_conn, question_id):
    return value(db_conn, "select spec::text from questions where id = %s", (question_id,))


def keys_in(body):
    """Every key anywhere in a JSON document."""
    if isinstance(body, dict):
        return set(body) | set().union(*(keys_in(item) for item in body.values()))
    if isinstance(body, list):
        return set().union(*(keys_in(item) for item in body))
    return set()


# ---------------------------------------------------------------- the five types


def test_single_choice_gets_server_choice_ids(testapp, instructor, assessment, db_conn):
    response = add_question(testapp, instructor, assessment["id"], single_choice())

    question = exact(response)
    assert set(question) == AUTHOR_FIELDS | {"choices"}
    assert re.fullmatch(r"qst_[A-Za-z0-9]+", question["id"])
    assert (question["assessment_id"], question["type"], question["position"]) == (assessment["id"], "single_choice", 1)
    assert question["points"] == Decimal("1.00")  # the default
    assert [(c["text"], c["correct"]) for c in question["choices"]] == [("1", False), ("2", True), ("3", False)]
    choice_ids = [c["id"] for c in question["choices"]]
    assert all(CHOICE_ID.match(choice_id) for choice_id in choice_ids)
    assert len(set(choice_ids)) == 3
    assert response.headers["Location"].endswith(f"/api/v1/assessments/{assessment['id']}/questions/{question['id']}")
    assert rows(db_conn, "select id, assessment_id, type, position, points from questions") == [
        (question["id"], assessment["id"], "single_choice", 1, Decimal("1.00"))
    ]
    assert value(db_conn, "select spec -> 'choices' -> 1 ->> 'id' from questions") == choice_ids[1]


def test_choice_ids_are_unique_across_questions(testapp, instructor, assessment):
    first = add_question(testapp, instructor, assessment["id"], single_choice()).json
    second = add_question(testapp, instructor, assessment["id"], multiple_choice()).json

    ids = [c["id"] for c in first["choices"] + second["choices"]]
    assert len(set(ids)) == len(ids) == 7


def test_multiple_choice(testapp, instructor, assessment, db_conn):
    question = add_question(testapp, instructor, assessment["id"], multiple_choice(points=3)).json

    assert set(question) == AUTHOR_FIELDS | {"choices", "scoring"}
    assert question["scoring"] == "all_or_nothing"
    assert [c["correct"] for c in question["choices"]] == [True, True, False, False]
    assert value(db_conn, "select points from questions") == Decimal("3.00")


def test_true_false(testapp, instructor, assessment, db_conn):
    question = add_question(testapp, instructor, assessment["id"], true_false(correct_answer=False)).json

    assert set(question) == AUTHOR_FIELDS | {"correct_answer"}
    assert question["correct_answer"] is False
    assert value(db_conn, "select spec -> 'correct_answer' from questions") is False


def test_short_text_defaults_to_case_insensitive(testapp, instructor, assessment, db_conn):
    question = add_question(testapp, instructor, assessment["id"], short_text()).json
    cased = add_question(testapp, instructor, assessment["id"], short_text(case_sensitive=True)).json

    assert set(question) == AUTHOR_FIELDS | {"accepted_answers", "case_sensitive"}
    assert question["accepted_answers"] == ["standard deviation", "std dev"]
    assert (question["case_sensitive"], cased["case_sensitive"]) == (False, True)
    assert rows(db_conn, "select spec -> 'case_sensitive' from questions order by position") == [(False,), (True,)]


def test_numeric_keeps_exact_decimals(testapp, instructor, assessment, db_conn):
    response = add_question(testapp, instructor, assessment["id"], numeric(correct_answer=0.3, tolerance=0.1, points=2.5))
    untolerant_body = numeric(correct_answer=42)
    del untolerant_body["tolerance"]
    untolerant = add_question(testapp, instructor, assessment["id"], untolerant_body).json

    question = exact(response)
    assert set(question) == AUTHOR_FIELDS | {"correct_answer", "tolerance"}
    assert (question["correct_answer"], question["tolerance"], question["points"]) == (Decimal("0.3"), Decimal("0.1"), Decimal("2.50"))
    assert '"correct_answer": 0.3' in response.text and '"tolerance": 0.1' in response.text
    assert (untolerant["correct_answer"], untolerant["tolerance"]) == (42, 0)
    assert value(db_conn, "select spec ->> 'correct_answer' from questions where id = %s", (question["id"],)) == "0.3"
    assert value(db_conn, "select spec ->> 'tolerance' from questions where id = %s", (untolerant["id"],)) == "0"


VALID_AT_THE_BOUNDS = [
    single_choice(choices=[{"text": str(n), "correct": n == 0} for n in range(26)]),
    multiple_choice(choices=[{"text": "a", "correct": True}, {"text": "b", "correct": True}]),
    short_text(accepted_answers=[f"answer {n}" for n in range(50)]),
    short_text(accepted_answers=["x"]),
    numeric(tolerance=0),
    numeric(correct_answer=-1000000000000),
    true_false(points=0.01),
    true_false(points=100000),
    true_false(points=12.5),
    true_false(prompt="x"),
    true_false(prompt="x" * 5000),
]


def test_bounds_are_accepted(testapp, instructor, assessment, db_conn):
    for body in VALID_AT_THE_BOUNDS:
        add_question(testapp, instructor, assessment["id"], body)

    assert value(db_conn, "select count(*) from questions") == len(VALID_AT_THE_BOUNDS)


INVALID_QUESTIONS = [
    # single_choice: exactly one correct, 2 to 26 choices
    (single_choice(choices=[{"text": "a", "correct": True}, {"text": "b", "correct": True}]), "choices"),
    (single_choice(choices=[{"text": "a", "correct": False}, {"text": "b", "correct": False}]), "choices"),
    (single_choice(choices=[{"text": "a", "correct": True}]), "choices"),
    (single_choice(choices=[{"text": str(n), "correct": n == 0} for n in range(27)]), "choices"),
    (single_choice(choices=[]), "choices"),
    (single_choice(choices=None), "choices"),
    (single_choice(choices=[{"text": "a"}, {"text": "b", "correct": True}]), "choices"),
    (single_choice(choices=[{"text": "a", "correct": "yes"}, {"text": "b", "correct": True}]), "choices"),
    (single_choice(choices=[{"text": "", "correct": False}, {"text": "b", "correct": True}]), "choices"),
    (single_choice(choices=[{"text": "a", "correct": False, "id": "ch_mine"}, {"text": "b", "correct": True}]), "choices"),
    (single_choice(choices=[{"text": "a", "correct": False, "hint": "no"}, {"text": "b", "correct": True}]), "choices"),
    (single_choice(choices=["a", "b"]), "choices"),
    ({"type": "single_choice", "prompt": "No choices?"}, "choices"),
    # multiple_choice: at least one correct
    (multiple_choice(choices=[{"text": "a", "correct": False}, {"text": "b", "correct": False}]), "choices"),
    # true_false: a boolean key
    ({"type": "true_false", "prompt": "Key?"}, "correct_answer"),
    (true_false(correct_answer="true"), "correct_answer"),
    (true_false(correct_answer=1), "correct_answer"),
    (true_false(correct_answer=None), "correct_answer"),
    # short_text: 1 to 50 non-empty strings
    (short_text(accepted_answers=[]), "accepted_answers"),
    (short_text(accepted_answers=[f"a{n}" for n in range(51)]), "accepted_answers"),
    (short_text(accepted_answers=[""]), "accepted_answers"),
    (short_text(accepted_answers=["mean", " \t "]), "accepted_answers"),
    (short_text(accepted_answers="std dev"), "accepted_answers"),
    (short_text(accepted_answers=[1]), "accepted_answers"),
    ({"type": "short_text", "prompt": "Key?"}, "accepted_answers"),
    (short_text(case_sensitive="yes"), "case_sensitive"),
    # numeric: a number key, tolerance >= 0
    ({"type": "numeric", "prompt": "Key?"}, "correct_answer"),
    (numeric(correct_answer="0.3"), "correct_answer"),
    (numeric(correct_answer=True), "correct_answer"),
    (numeric(correct_answer=[1]), "correct_answer"),
    (numeric(tolerance=-0.1), "tolerance"),
    (numeric(tolerance="0.1"), "tolerance"),
    (numeric(tolerance=True), "tolerance"),
    (numeric(tolerance=None), "tolerance"),
    # fields of another type
    (true_false(choices=[{"text": "a", "correct": True}, {"text": "b", "correct": False}]), "choices"),
    (true_false(tolerance=0), "tolerance"),
    (true_false(accepted_answers=["true"]), "accepted_answers"),
    (single_choice(correct_answer=True), "correct_answer"),
    (short_text(correct_answer=3), "correct_answer"),
    (short_text(tolerance=1), "tolerance"),
    (numeric(accepted_answers=["0.3"]), "accepted_answers"),
    (numeric(case_sensitive=False), "case_sensitive"),
    (multiple_choice(case_sensitive=True), "case_sensitive"),
    # common fields
    (true_false(points=0), "points"),
    (true_false(points=-1), "points"),
    (true_false(points=0.001), "points"),
    (true_false(points="1"), "points"),
    (true_false(points=True), "points"),
    (true_false(points=None), "points"),
    (true_false(prompt=""), "prompt"),
    (true_false(prompt="x" * 5001), "prompt"),
    ({"type": "true_false", "correct_answer": True}, "prompt"),
    (true_false(type="essay"), "type"),
    ({"prompt": "Which type?", "correct_answer": True}, "type"),
    (true_false(position=0), "position"),
    (true_false(position="1"), "position"),
    (true_false(answer_key=True), "answer_key"),
    (true_false(id="qst_mine"), "id"),
]


def test_invalid_questions_are_rejected(testapp, instructor, assessment, db_conn):
    # One test for the whole table: every case is independent (nothing is stored).
    for body, field in INVALID_QUESTIONS:
        error = add_question(testapp, instructor, assessment["id"], body, status=422).json["error"]

        assert error["code"] == "validation_failed", body
        assert list(error["details"]) == [field], body
    assert value(db_conn, "select count(*) from questions") == 0


# ---------------------------------------------------------------- who may author


def test_learner_may_not_author_questions(testapp, instructor, learner, course, enroll, assessment, db_conn):
    enroll(course["id"], learner)
    existing = add_question(testapp, instructor, assessment["id"], true_false()).json

    assert add_question(testapp, learner, assessment["id"], true_false(), status=403).json["error"]["code"] == "forbidden"
    patch(testapp, learner, assessment["id"], existing["id"], {"prompt": "changed"}, status=403)
    testapp.delete(questions_url(assessment["id"], existing["id"]), headers=learner.headers, status=403)

    assert rows(db_conn, "select id, prompt from questions") == [(existing["id"], existing["prompt"])]


def test_outsiders_get_404(testapp, instructor, make_user, assessment, db_conn):
    existing = add_question(testapp, instructor, assessment["id"], true_false()).json
    for outsider in (make_user("instructor"), make_user("learner")):
        add_question(testapp, outsider, assessment["id"], true_false(), status=404)
        testapp.get(questions_url(assessment["id"]), headers=outsider.headers, status=404)
        testapp.get(questions_url(assessment["id"], existing["id"]), headers=outsider.headers, status=404)
        patch(testapp, outsider, assessment["id"], existing["id"], {"prompt": "changed"}, status=404)
        testapp.delete(questions_url(assessment["id"], existing["id"]), headers=outsider.headers, status=404)

    assert rows(db_conn, "select id, prompt from questions") == [(existing["id"], existing["prompt"])]


def test_admin_authors_without_an_enrollment(testapp, admin, assessment, db_conn):
    question = add_question(testapp, admin, assessment["id"], numeric()).json

    assert question["correct_answer"] == 0.3
    assert value(db_conn, "select count(*) from questions") == 1


def test_question_of_another_assessment_is_not_found(testapp, instructor, course, assessment):
    other = create_assessment(testapp, instructor, course["id"], title="Other")
    question = add_question(testapp, instructor, other["id"], true_false()).json

    testapp.get(questions_url(assessment["id"], question["id"]), headers=instructor.headers, status=404)
    patch(testapp, instructor, assessment["id"], question["id"], {"prompt": "moved?"}, status=404)
    testapp.delete(questions_url(assessment["id"], question["id"]), headers=instructor.headers, status=404)
    testapp.get(questions_url(assessment["id"], "qst_doesnotexist"), headers=instructor.headers, status=404)
    add_question(testapp, instructor, "asmnt_doesnotexist", true_false(), status=404)


# ---------------------------------------------------------------- positions


def add_three(testapp, instructor, assessment_id):
    """Three questions, at positions 1, 2, 3; their ids in order."""
    return [add_question(testapp, instructor, assessment_id, true_false(prompt=f"Q{n}")).json["id"] for n in (1, 2, 3)]


@pytest.fixture
def three(testapp, instructor, assessment):
    return add_three(testapp, instructor, assessment["id"])


def test_questions_are_appended(testapp, instructor, assessment, three, db_conn):
    assert stored_positions(db_conn, assessment["id"]) == list(zip(three, [1, 2, 3]))
    listed = testapp.get(questions_url(assessment["id"]), headers=instructor.headers).json["data"]
    assert [(q["id"], q["position"]) for q in listed] == list(zip(three, [1, 2, 3]))


def test_inserting_at_a_position_shifts_the_others(testapp, instructor, course, db_conn):
    for position, order in [(1, "n123"), (2, "1n23"), (3, "12n3"), (4, "123n")]:
        assessment = create_assessment(testapp, instructor, course["id"])
        three = add_three(testapp, instructor, assessment["id"])

        new = add_question(testapp, instructor, assessment["id"], true_false(prompt="new", position=position)).json

        assert new["position"] == position
        names = {"1": three[0], "2": three[1], "3": three[2], "n": new["id"]}
        expected = [(names[name], number) for number, name in enumerate(order, start=1)]
        assert stored_positions(db_conn, assessment["id"]) == expected, position


def test_position_beyond_the_end_is_rejected(testapp, instructor, assessment, three, db_conn):
    for position in (5, 100):
        error = add_question(testapp, instructor, assessment["id"], true_false(position=position), status=422).json["error"]

        assert list(error["details"]) == ["position"]
    assert stored_positions(db_conn, assessment["id"]) == list(zip(three, [1, 2, 3]))


def test_first_question_may_only_go_to_position_1(testapp, instructor, assessment, db_conn):
    add_question(testapp, instructor, assessment["id"], true_false(position=2), status=422)
    add_question(testapp, instructor, assessment["id"], true_false(position=1))

    assert value(db_conn, "select position from questions") == 1


def test_moving_a_question_keeps_positions_contiguous(testapp, instructor, course, db_conn):
    # (index of the moved question, its new position, the order afterwards)
    for moved, to, order in [(0, 3, [1, 2, 0]), (2, 1, [2, 0, 1]), (1, 1, [1, 0, 2]), (1, 3, [0, 2, 1]), (1, 2, [0, 1, 2])]:
        assessment = create_assessment(testapp, instructor, course["id"])
        three = add_three(testapp, instructor, assessment["id"])

        body = patch(testapp, instructor, assessment["id"], three[moved], {"position": to}).json

        assert body["position"] == to
        expected = [(three[i], number) for number, i in enumerate(order, start=1)]
        assert stored_positions(db_conn, assessment["id"]) == expected, (moved, to)


def test_moving_beyond_the_end_is_rejected(testapp, instructor, assessment, three, db_conn):
    for position in (4, 0):
        error = patch(testapp, instructor, assessment["id"], three[0], {"position": position}, status=422).json["error"]

        assert list(error["details"]) == ["position"]
    assert stored_positions(db_conn, assessment["id"]) == list(zip(three, [1, 2, 3]))


def test_deleting_closes_the_gap(testapp, instructor, course, db_conn):
    for removed in (0, 1, 2):
        assessment = create_assessment(testapp, instructor, course["id"])
        three = add_three(testapp, instructor, assessment["id"])

        response = testapp.delete(questions_url(assessment["id"], three[removed]), headers=instructor.headers, status=204)

        assert response.body == b""
        remaining = [question_id for index, question_id in enumerate(three) if index != removed]
        assert stored_positions(db_conn, assessment["id"]) == list(zip(remaining, [1, 2])), removed
        testapp.get(questions_url(assessment["id"], three[removed]), headers=instructor.headers, status=404)
        testapp.delete(questions_url(assessment["id"], three[removed]), headers=instructor.headers, status=404)


def test_authoring_touches_the_assessment(testapp, instructor, assessment, db_conn):
    before = value(db_conn, "select updated_at from assessments")
    add_question(testapp, instructor, assessment["id"], true_false())

    assert value(db_conn, "select updated_at from assessments") > before


# ---------------------------------------------------------------- PATCH


def test_patch_keeps_the_key_when_only_the_prompt_changes(testapp, instructor, assessment, db_conn):
    question = add_question(testapp, instructor, assessment["id"], single_choice(points=2)).json
    spec_before = stored_spec(db_conn, question["id"])

    body = patch(testapp, instructor, assessment["id"], question["id"], {"prompt": "Mean of 1, 2, 3 (again)?"}).json

    assert body["prompt"] == "Mean of 1, 2, 3 (again)?"
    assert {k: body[k] for k in ("choices", "points", "position", "type", "created_at")} == {
        k: question[k] for k in ("choices", "points", "position", "type", "created_at")
    }
    assert stored_spec(db_conn, question["id"]) == spec_before
    assert value(db_conn, "select prompt from questions") == "Mean of 1, 2, 3 (again)?"


def test_patch_keeps_choice_ids_that_are_given_and_mints_new_ones(testapp, instructor, assessment, db_conn):
    question = add_question(testapp, instructor, assessment["id"], single_choice()).json
    first, second, third = question["choices"]
    choices = [
        {"id": third["id"], "text": "three", "correct": True},
        {"id": first["id"], "text": "one", "correct": False},
        {"text": "four", "correct": False},
    ]

    body = patch(testapp, instructor, assessment["id"], question["id"], {"choices": choices}).json

    assert [c["id"] for c in body["choices"][:2]] == [third["id"], first["id"]]
    assert body["choices"][2]["id"] not in {first["id"], second["id"], third["id"]}
    assert CHOICE_ID.match(body["choices"][2]["id"])
    assert [(c["text"], c["correct"]) for c in body["choices"]] == [("three", True), ("one", False), ("four", False)]
    stored = value(db_conn, "select spec -> 'choices' from questions")
    assert [c["id"] for c in stored] == [c["id"] for c in body["choices"]]


def test_patch_refuses_choice_ids_that_are_not_the_questions_own(testapp, instructor, assessment, db_conn):
    question = add_question(testapp, instructor, assessment["id"], single_choice()).json
    other = add_question(testapp, instructor, assessment["id"], multiple_choice()).json
    own = question["choices"][0]["id"]
    spec_before = stored_spec(db_conn, question["id"])

    for foreign_id in (own, other["choices"][0]["id"], "ch_madeup"):  # own twice, another question's, made up
        choices = [{"id": own, "text": "a", "correct": True}, {"id": foreign_id, "text": "b", "correct": False}]

        error = patch(testapp, instructor, assessment["id"], question["id"], {"choices": choices}, status=422).json["error"]

        assert list(error["details"]) == ["choices"], foreign_id
    assert stored_spec(db_conn, question["id"]) == spec_before


def test_patch_validates_the_merged_question(testapp, instructor, assessment, db_conn):
    question = add_question(testapp, instructor, assessment["id"], single_choice()).json
    two_correct = [{"id": c["id"], "text": c["text"], "correct": True} for c in question["choices"]]
    spec_before = stored_spec(db_conn, question["id"])

    for changes, field in [
        ({"choices": two_correct}, "choices"),
        ({"correct_answer": True}, "correct_answer"),
        ({"points": 0}, "points"),
        ({"prompt": ""}, "prompt"),
        ({"type": "essay"}, "type"),
        ({"assessment_id": "asmnt_other"}, "assessment_id"),
    ]:
        error = patch(testapp, instructor, assessment["id"], question["id"], changes, status=422).json["error"]
        assert list(error["details"]) == [field], changes

    assert stored_spec(db_conn, question["id"]) == spec_before
    assert value(db_conn, "select prompt from questions") == question["prompt"]


def test_patch_numeric_tolerance_only(testapp, instructor, assessment, db_conn):
    question = add_question(testapp, instructor, assessment["id"], numeric(correct_answer=2.5, tolerance=0)).json

    body = exact(patch(testapp, instructor, assessment["id"], question["id"], {"tolerance": 0.25}))

    assert (body["correct_answer"], body["tolerance"]) == (Decimal("2.5"), Decimal("0.25"))
    assert rows(db_conn, "select spec ->> 'correct_answer', spec ->> 'tolerance' from questions") == [("2.5", "0.25")]


def test_changing_the_type_requires_the_new_types_fields(testapp, instructor, assessment, db_conn):
    question = add_question(testapp, instructor, assessment["id"], single_choice()).json
    spec_before = stored_spec(db_conn, question["id"])

    missing = patch(testapp, instructor, assessment["id"], question["id"], {"type": "true_false"}, status=422).json["error"]
    stale = patch(
        testapp,
        instructor,
        assessment["id"],
        question["id"],
        {"type": "multiple_choice", "correct_answer": True},
        status=422,
    ).json["error"]

    assert list(missing["details"]) == ["correct_answer"]
    assert set(stale["details"]) == {"choices", "correct_answer"}
    assert stored_spec(db_conn, question["id"]) == spec_before
    assert value(db_conn, "select type from questions") == "single_choice"


def test_changing_the_type_replaces_the_key(testapp, instructor, assessment, db_conn):
    question = add_question(testapp, instructor, assessment["id"], single_choice()).json

    body = patch(testapp, instructor, assessment["id"], question["id"], {"type": "true_false", "correct_answer": False}).json

    assert set(body) == AUTHOR_FIELDS | {"correct_answer"}
    assert (body["type"], body["correct_answer"]) == ("true_false", False)
    assert rows(db_conn, "select type, spec -> 'correct_answer', spec ? 'choices' from questions") == [("true_false", False, False)]

    back = patch(
        testapp,
        instructor,
        assessment["id"],
        question["id"],
        {"type": "short_text", "accepted_answers": ["false", "no"], "case_sensitive": True},
    ).json
    assert (back["type"], back["accepted_answers"], back["case_sensitive"]) == ("short_text", ["false", "no"], True)
    assert value(db_conn, "select type from questions") == "short_text"


# ---------------------------------------------------------------- answer keys


@pytest.fixture
def authored(testapp, instructor, course, assessment, learner, enroll):
    enroll(course["id"], learner)
    return [add_question(testapp, instructor, assessment["id"], body).json for body in one_of_each_type()]


def test_learners_never_see_answer_keys(testapp, learner, assessment, authored):
    whole = testapp.get(assessment_url(assessment["id"]), headers=learner.headers).json
    listed = testapp.get(questions_url(assessment["id"]), headers=learner.headers).json
    singles = [testapp.get(questions_url(assessment["id"], q["id"]), headers=learner.headers).json for q in authored]

    for body in (whole, listed, singles):
        assert not keys_in(body) & KEY_FIELDS
    for shown in (whole["questions"], listed["data"], singles):
        assert [q["id"] for q in shown] == [q["id"] for q in authored]
        # What remains is what a learner needs to answer: prompts, choices (ids and text), case sensitivity.
        assert [q["prompt"] for q in shown] == [q["prompt"] for q in authored]
        assert shown[0]["choices"] == [{"id": c["id"], "text": c["text"]} for c in authored[0]["choices"]]
        assert shown[1]["choices"] == [{"id": c["id"], "text": c["text"]} for c in authored[1]["choices"]]
        assert set(shown[2]) == BASE_FIELDS
        assert set(shown[3]) == BASE_FIELDS | {"case_sensitive"}
        assert set(shown[4]) == BASE_FIELDS


def test_former_learners_read_questions_without_keys(testapp, instructor, course, assessment, make_user, enroll):
    question = add_question(testapp, instructor, assessment["id"], numeric()).json
    for status in ("completed", "dropped"):
        former = make_user("learner")
        enroll(course["id"], former, status=status)

        listed = testapp.get(questions_url(assessment["id"]), headers=former.headers).json
        single = testapp.get(questions_url(assessment["id"], question["id"]), headers=former.headers).json

        assert [q["id"] for q in listed["data"]] == [question["id"]]
        assert not (keys_in(listed) | keys_in(single)) & KEY_FIELDS


def test_instructors_and_admins_see_answer_keys(testapp, instructor, admin, make_user, course, enroll, assessment, authored):
    colleague = make_user("instructor")
    enroll(course["id"], colleague, role="instructor")
    for caller in (instructor, admin, colleague):
        whole = testapp.get(assessment_url(assessment["id"]), headers=caller.headers).json
        listed = testapp.get(questions_url(assessment["id"]), headers=caller.headers).json
        singles = [testapp.get(questions_url(assessment["id"], q["id"]), headers=caller.headers).json for q in authored]

        assert whole["questions"] == listed["data"] == singles == authored
        assert keys_in(listed) >= KEY_FIELDS


def fill_with_questions(db_conn, assessment_id, count):
    """Store `count` true/false questions directly (a thousand through the API take seconds)."""
    with db_conn.cursor() as cur:
        cur.execute(
            """
            insert into questions (id, assessment_id, position, type, prompt, points, spec)
            select 'qst_fill' || n, %s, n, 'true_false', 'Filler ' || n, 1, '{"correct_answer": true}'
            from generate_series(1, %s) as n
            """,
            (assessment_id, count),
        )


def test_an_assessment_holds_at_most_1000_questions(testapp, instructor, course, db_conn):
    assessment = create_assessment(testapp, instructor, course["id"])
    fill_with_questions(db_conn, assessment["id"], 999)
    add_question(testapp, instructor, assessment["id"], true_false())

    error = add_question(testapp, instructor, assessment["id"], true_false(), status=422).json["error"]

    assert error["code"] == "validation_failed"
    assert error["details"] == {"questions": ["An assessment holds at most 1000 questions."]}
    assert value(db_conn, "select count(*) from questions where assessment_id = %s", (assessment["id"],)) == 1000


@pytest.mark.slow
def test_the_question_limit_holds_for_simultaneous_additions(testapp, live_server, instructor, course, db_conn):
    from helpers.servers import concurrently, http

    assessment = create_assessment(testapp, instructor, course["id"])
    fill_with_questions(db_conn, assessment["id"], 995)
    url = live_server.base_url + assessment_url(assessment["id"], "questions")

    statuses = concurrently([lambda: http("POST", url, true_false(), headers=instructor.headers)[0]] * 12)

    assert sorted(statuses) == [201] * 5 + [422] * 7
    assert value(db_conn, "select count(*) from questions where assessment_id = %s", (assessment["id"],)) == 1000
