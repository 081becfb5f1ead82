"""Scoring: pure functions on plain data (contract sections 4 and 5)."""

import decimal
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment_service.authoring.question_types.short_text import normalize_text
from assessment_service.grading.scoring import QUESTION_TYPES, answer_errors, is_correct, score_submission


def choice_question(kind, correct_ids, all_ids=("ch_a", "ch_b", "ch_c", "ch_d"), question_id="qst_choice", points=Decimal("1")):
    choices = [{"id": choice_id, "text": choice_id, "correct": choice_id in correct_ids} for choice_id in all_ids]
    return {"id": question_id, "type": kind, "points": points, "spec": {"choices": choices}}


def question(kind, question_id="qst_1", points=Decimal("1"), **spec):
    return {"id": question_id, "type": kind, "points": points, "spec": spec}


SINGLE = choice_question("single_choice", {"ch_b"}, question_id="qst_single")
MULTIPLE = choice_question("multiple_choice", {"ch_a", "ch_b"}, question_id="qst_multiple")
TRUE = question("true_false", "qst_true", correct_answer=True)
FALSE = question("true_false", "qst_false", correct_answer=False)
TEXT = question("short_text", "qst_text", accepted_answers=["Standard Deviation", "std  dev"], case_sensitive=False)
TEXT_CASED = question("short_text", "qst_cased", accepted_answers=["Standard Deviation"], case_sensitive=True)
TEXT_FOLDED = question("short_text", "qst_folded", accepted_answers=["Straße"], case_sensitive=False)
NUMERIC = question("numeric", "qst_numeric", correct_answer=Decimal("0.3"), tolerance=Decimal("0.1"))
NUMERIC_INT = question("numeric", "qst_int", correct_answer=3, tolerance=0)
NUMERIC_MIXED = question("numeric", "qst_mixed", correct_answer=10, tolerance=Decimal("0.5"))
NUMERIC_NEGATIVE = question("numeric", "qst_negative", correct_answer=Decimal("-1"), tolerance=Decimal("0.5"))
NUMERIC_NO_TOLERANCE = question("numeric", "qst_exact", correct_answer=Decimal("2.5"))  # tolerance absent: 0


# ---------------------------------------------------------------- correctness, per type


@pytest.mark.parametrize(
    "item, answer, expected",
    [
        # single_choice: the one correct choice
        (SINGLE, "ch_b", True),
        (SINGLE, "ch_a", False),
        (SINGLE, "ch_d", False),
        # multiple_choice: all or nothing, order irrelevant
        (MULTIPLE, ["ch_a", "ch_b"], True),
        (MULTIPLE, ["ch_b", "ch_a"], True),
        (MULTIPLE, ["ch_a"], False),
        (MULTIPLE, ["ch_a", "ch_b", "ch_c"], False),
        (MULTIPLE, ["ch_c", "ch_d"], False),
        (MULTIPLE, [], False),
        # true_false
        (TRUE, True, True),
        (TRUE, False, False),
        (FALSE, False, True),
        (FALSE, True, False),
        # short_text: trimmed, inner white space collapsed, case folded
        (TEXT, "standard deviation", True),
        (TEXT, "  Standard   Deviation \n", True),
        (TEXT, "STANDARD\tDEVIATION", True),
        (TEXT, "std dev", True),  # the accepted answer is normalised too
        (TEXT, " STD\n\nDEV ", True),
        (TEXT, "standarddeviation", False),
        (TEXT, "standard deviations", False),
        (TEXT, "", False),
        (TEXT_FOLDED, "STRASSE", True),  # case folding, not just lower()
        (TEXT_FOLDED, "strasse", True),
        # short_text, case-sensitive: trimming and collapsing still apply
        (TEXT_CASED, "Standard Deviation", True),
        (TEXT_CASED, "  Standard \t Deviation  ", True),
        (TEXT_CASED, "standard deviation", False),
        (TEXT_CASED, "STANDARD DEVIATION", False),
        # numeric: exact decimals, tolerance inclusive
        (NUMERIC, Decimal("0.3"), True),
        (NUMERIC, Decimal("0.4"), True),
        (NUMERIC, Decimal("0.2"), True),
        (NUMERIC, Decimal("0.35"), True),
        (NUMERIC, Decimal("0.4000000001"), False),
        (NUMERIC, Decimal("0.1999999999"), False),
        (NUMERIC, Decimal("0.40000000000000000001"), False),
        (NUMERIC, 0, False),
        # numeric: ints and Decimals compare as numbers
        (NUMERIC_INT, 3, True),
        (NUMERIC_INT, Decimal("3.00"), True),
        (NUMERIC_INT, Decimal("3E0"), True),
        (NUMERIC_INT, Decimal("3.0000000001"), False),
        (NUMERIC_INT, 4, False),
        (NUMERIC_MIXED, Decimal("10.5"), True),
        (NUMERIC_MIXED, Decimal("9.5"), True),
        (NUMERIC_MIXED, 11, False),
        (NUMERIC_NEGATIVE, Decimal("-1.5"), True),
        (NUMERIC_NEGATIVE, Decimal("-0.5"), True),
        (NUMERIC_NEGATIVE, Decimal("-1.51"), False),
        (NUMERIC_NEGATIVE, 1, False),
        (NUMERIC_NO_TOLERANCE, Decimal("2.50"), True),
        (NUMERIC_NO_TOLERANCE, Decimal("2.51"), False),
    ],
)
def test_is_correct(item, answer, expected):
    assert is_correct(item, answer) is expected
    assert answer_errors([item], [{"question_id": item["id"], "answer": answer}]) == {}


@pytest.mark.parametrize(
    "text, case_sensitive, expected",
    [
        ("  a  b\t\nc ", True, "a b c"),
        ("  A  B ", False, "a b"),
        ("Straße", False, "strasse"),
        ("Straße", True, "Straße"),
        ("\u00a0x\u2003y\u00a0", True, "x y"),  # Unicode white space counts as white space
        ("", False, ""),
    ],
)
def test_normalize_text(text, case_sensitive, expected):
    assert normalize_text(text, case_sensitive) == expected


def test_numeric_comparison_never_goes_through_binary_floats():
    # 0.1 + 0.2 == 0.30000000000000004 in binary floating point; as decimals it is 0.3.
    key = question("numeric", correct_answer=Decimal("0.1"), tolerance=Decimal("0.2"))

    assert is_correct(key, Decimal("0.3")) is True
    assert is_correct(key, Decimal("0.30000000000000001")) is False


# ---------------------------------------------------------------- answer_errors


QUESTIONS = [SINGLE, MULTIPLE, TRUE, TEXT, NUMERIC]


@pytest.mark.parametrize(
    "answers, error_paths",
    [
        ([], set()),
        ([{"question_id": "qst_unknown", "answer": "ch_a"}], {"answers.0.question_id"}),
        ([{"question_id": "qst_true", "answer": True}, {"question_id": "qst_true", "answer": True}], {"answers.1.question_id"}),
        # a repeated question is an error even when the first one was unanswered
        ([{"question_id": "qst_true", "answer": None}, {"question_id": "qst_true", "answer": False}], {"answers.1.question_id"}),
        # single_choice: one choice id of this question
        ([{"question_id": "qst_single", "answer": 1}], {"answers.0.answer"}),
        ([{"question_id": "qst_single", "answer": ["ch_b"]}], {"answers.0.answer"}),
        ([{"question_id": "qst_single", "answer": True}], {"answers.0.answer"}),
        ([{"question_id": "qst_single", "answer": "ch_zz"}], {"answers.0.answer"}),
        # multiple_choice: an array of distinct choice ids of this question
        ([{"question_id": "qst_multiple", "answer": "ch_a"}], {"answers.0.answer"}),
        ([{"question_id": "qst_multiple", "answer": [1, 2]}], {"answers.0.answer"}),
        ([{"question_id": "qst_multiple", "answer": ["ch_a", None]}], {"answers.0.answer"}),
        ([{"question_id": "qst_multiple", "answer": ["ch_a", "ch_a"]}], {"answers.0.answer"}),
        ([{"question_id": "qst_multiple", "answer": ["ch_a", "ch_zz"]}], {"answers.0.answer"}),
        ([{"question_id": "qst_multiple", "answer": {"ch_a": True}}], {"answers.0.answer"}),
        # true_false: a boolean
        ([{"question_id": "qst_true", "answer": "true"}], {"answers.0.answer"}),
        ([{"question_id": "qst_true", "answer": 1}], {"answers.0.answer"}),
        ([{"question_id": "qst_true", "answer": 0}], {"answers.0.answer"}),
        # short_text: a string
        ([{"question_id": "qst_text", "answer": 5}], {"answers.0.answer"}),
        ([{"question_id": "qst_text", "answer": ["std dev"]}], {"answers.0.answer"}),
        ([{"question_id": "qst_text", "answer": False}], {"answers.0.answer"}),
        # numeric: a number, and a boolean is not one
        ([{"question_id": "qst_numeric", "answer": True}], {"answers.0.answer"}),
        ([{"question_id": "qst_numeric", "answer": False}], {"answers.0.answer"}),
        ([{"question_id": "qst_numeric", "answer": "0.3"}], {"answers.0.answer"}),
        ([{"question_id": "qst_numeric", "answer": [Decimal("0.3")]}], {"answers.0.answer"}),
        ([{"question_id": "qst_numeric", "answer": Decimal("NaN")}], {"answers.0.answer"}),
        ([{"question_id": "qst_numeric", "answer": Decimal("Infinity")}], {"answers.0.answer"}),
        ([{"question_id": "qst_numeric", "answer": Decimal("1E+400")}], {"answers.0.answer"}),
        # every error is reported, each under its own path
        (
            [
                {"question_id": "qst_single", "answer": "ch_b"},
                {"question_id": "qst_multiple", "answer": ["ch_b", "ch_b"]},
                {"question_id": "qst_other", "answer": None},
                {"question_id": "qst_numeric", "answer": True},
            ],
            {"answers.1.answer", "answers.2.question_id", "answers.3.answer"},
        ),
    ],
)
def test_answer_errors(answers, error_paths):
    errors = answer_errors(QUESTIONS, answers)

    assert set(errors) == error_paths
    assert all(isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages) for messages in errors.values())


def test_a_choice_id_of_another_question_is_foreign():
    first = choice_question("single_choice", {"ch_a"}, all_ids=("ch_a", "ch_b"), question_id="qst_first")
    second = choice_question("multiple_choice", {"ch_c"}, all_ids=("ch_c", "ch_d"), question_id="qst_second")

    errors = answer_errors(
        [first, second],
        [{"question_id": "qst_first", "answer": "ch_c"}, {"question_id": "qst_second", "answer": ["ch_c", "ch_a"]}],
    )

    assert set(errors) == {"answers.0.answer", "answers.1.answer"}


@pytest.mark.parametrize("item", QUESTIONS, ids=lambda item: item["type"])
def test_null_is_unanswered_for_every_type(item):
    assert answer_errors([item], [{"question_id": item["id"], "answer": None}]) == {}

    result = score_submission([item], [{"question_id": item["id"], "answer": None}], passing_score=50)

    assert result["results"][0]["answered"] is False
    assert result["results"][0]["correct"] is False
    assert result["score"] == Decimal("0.00")


# ---------------------------------------------------------------- the score


def worth(*points):
    """True/false questions (key: true) worth the given points."""
    return [question("true_false", f"qst_{index}", points=Decimal(p), correct_answer=True) for index, p in enumerate(points)]


def answered_right(questions, indexes):
    return [{"question_id": questions[index]["id"], "answer": True} for index in indexes]


@pytest.mark.parametrize(
    "points, right, passing_score, score, passed",
    [
        # 139.99 of 200 is 69.995%: reported as 70.00, but it does not pass at 70
        (("139.99", "60.01"), [0], 70, "70.00", False),
        (("140", "60"), [0], 70, "70.00", True),
        (("140.00", "60.00"), [0], 71, "70.00", False),
        # half-up: 0.01 of 8 is 0.125% -> 0.13 (half-even would give 0.12)
        (("0.01", "7.99"), [0], 1, "0.13", False),
        # 0.01 of 16 is 0.0625% -> 0.06
        (("0.01", "15.99"), [0], 1, "0.06", False),
        # thirds
        (("1", "1", "1"), [0], 33, "33.33", True),
        (("1", "1", "1"), [0], 34, "33.33", False),
        (("1", "1", "1"), [0, 1], 67, "66.67", False),
        (("1", "1", "1"), [0, 1], 66, "66.67", True),
        # all and nothing
        (("2.5", "7.5"), [0, 1], 100, "100.00", True),
        (("2.5", "7.5"), [], 1, "0.00", False),
        # only 1 cent missing of a big total still rounds to 100.00 but does not pass at 100
        (("99999.99", "0.01"), [0], 100, "100.00", False),
    ],
)
def test_score_rounds_half_up_and_passed_uses_the_exact_ratio(points, right, passing_score, score, passed):
    questions = worth(*points)

    result = score_submission(questions, answered_right(questions, right), passing_score)

    assert result["score"] == Decimal(score)
    assert result["score"].as_tuple().exponent == -2  # always two decimals
    assert result["passed"] is passed
    assert result["points_possible"] == sum(Decimal(p) for p in points)
    assert result["points_earned"] == sum((Decimal(points[i]) for i in right), Decimal(0))


def test_results_follow_question_order_whatever_the_answer_order():
    questions = [SINGLE, MULTIPLE, TRUE, TEXT, NUMERIC]
    given_answers = [
        {"question_id": "qst_numeric", "answer": Decimal("0.4")},
        {"question_id": "qst_single", "answer": "ch_a"},
        {"question_id": "qst_text", "answer": None},
        {"question_id": "qst_multiple", "answer": ["ch_b", "ch_a"]},
    ]

    result = score_submission(questions, given_answers, passing_score=50)

    assert result["results"] == [
        {
            "question_id": "qst_single",
            "type": "single_choice",
            "answered": True,
            "correct": False,
            "credit": "0.0000",
            "points_earned": Decimal("0.00"),
            "points_possible": Decimal("1.00"),
            "answer": "ch_a",
            "correct_answer": "ch_b",
        },
        {
            "question_id": "qst_multiple",
            "type": "multiple_choice",
            "answered": True,
            "correct": True,
            "credit": "1.0000",
            "points_earned": Decimal("1.00"),
            "points_possible": Decimal("1.00"),
            "answer": ["ch_b", "ch_a"],
            "correct_answer": ["ch_a", "ch_b"],
        },
        {
            "question_id": "qst_true",
            "type": "true_false",
            "answered": False,
            "correct": False,
            "credit": "0.0000",
            "points_earned": Decimal("0.00"),
            "points_possible": Decimal("1.00"),
            "answer": None,
            "correct_answer": True,
        },
        {
            "question_id": "qst_text",
            "type": "short_text",
            "answered": False,
            "correct": False,
            "credit": "0.0000",
            "points_earned": Decimal("0.00"),
            "points_possible": Decimal("1.00"),
            "answer": None,
            "correct_answer": "Standard Deviation",
        },
        {
            "question_id": "qst_numeric",
            "type": "numeric",
            "answered": True,
            "correct": True,
            "credit": "1.0000",
            "points_earned": Decimal("1.00"),
            "points_possible": Decimal("1.00"),
            "answer": Decimal("0.4"),
            "correct_answer": Decimal("0.3"),
        },
    ]
    assert (result["points_earned"], result["points_possible"], result["score"], result["passed"]) == (
        Decimal("2.00"),
        Decimal("5.00"),
        Decimal("40.00"),
        False,
    )


def test_points_may_be_ints_or_decimals():
    questions = [
        question("true_false", "qst_a", points=2, correct_answer=True),
        question("true_false", "qst_b", points=Decimal("0.5"), correct_answer=True),
    ]

    result = score_submission(questions, [{"question_id": "qst_a", "answer": True}], passing_score=80)

    assert (result["points_earned"], result["points_possible"], result["score"], result["passed"]) == (
        Decimal("2.00"),
        Decimal("2.50"),
        Decimal("80.00"),
        True,
    )


def test_an_assessment_without_questions_cannot_be_scored():
    with pytest.raises(ValueError):
        score_submission([], [], passing_score=50)


# ---------------------------------------------------------------- properties


# The machine running the suite may be busy: no timing-based failures for pure functions.
robust = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
TEXT_ALPHABET = st.text(alphabet="abcdeXYZ ", min_size=1, max_size=12)


@st.composite
def question_with_answers(draw, index):
    """(question, right answer, wrong answer) of a random type; all well-shaped."""
    kind = draw(st.sampled_from(QUESTION_TYPES))
    points = Decimal(draw(st.integers(1, 10_000_000))) / 100
    question_id = f"qst_{index}"
    if kind in ("single_choice", "multiple_choice"):
        count = draw(st.integers(2, 26))
        ids = [f"ch_{index}_{n}" for n in range(count)]
        if kind == "single_choice":
            correct = {draw(st.sampled_from(ids))}
        else:
            correct = set(draw(st.lists(st.sampled_from(ids), min_size=1, unique=True)))
        item = choice_question(kind, correct, all_ids=ids, question_id=question_id, points=points)
        if kind == "single_choice":
            right = next(iter(correct))
            wrong = draw(st.sampled_from([i for i in ids if i not in correct]))
        else:
            right = draw(st.permutations(sorted(correct)))
            toggled = draw(st.sampled_from(ids))
            wrong = sorted(correct ^ {toggled})  # differs from the correct set in one choice
        return item, right, wrong
    if kind == "true_false":
        key = draw(st.booleans())
        return question(kind, question_id, points, correct_answer=key), key, not key
    if kind == "short_text":
        accepted = draw(st.lists(TEXT_ALPHABET, min_size=1, max_size=4))
        case_sensitive = draw(st.booleans())
        right = "  " + accepted[0].replace(" ", " \t ") + "\n"
        if not case_sensitive:
            right = right.swapcase()
        item = question(kind, question_id, points, accepted_answers=accepted, case_sensitive=case_sensitive)
        return item, right, "\u2603"  # not in the alphabet: never accepted
    if kind == "matching":
        count = draw(st.integers(2, 26))
        prompts = [{"id": f"mp_{index}_{n}", "text": f"p{n}", "match_id": f"mo_{index}_{n}"} for n in range(count)]
        options = [{"id": f"mo_{index}_{n}", "text": f"o{n}"} for n in range(count + draw(st.integers(0, 3)))]
        item = question(kind, question_id, points, prompts=prompts, options=options, scoring="all_or_nothing")
        right = {prompt["id"]: prompt["match_id"] for prompt in prompts}
        wrong = dict(right)
        del wrong[draw(st.sampled_from(sorted(right)))]  # one prompt left out
        return item, right, wrong
    if kind == "ordering":
        count = draw(st.integers(2, 26))
        items = [{"id": f"it_{index}_{n}", "text": f"i{n}"} for n in range(count)]
        right = [entry["id"] for entry in items]
        wrong = right[1:] + right[:1]  # every item moved
        return question(kind, question_id, points, items=items, scoring="all_or_nothing"), right, wrong
    key = Decimal(draw(st.integers(-(10**9), 10**9))).scaleb(-draw(st.integers(0, 6)))
    key = draw(st.sampled_from([key, int(key)])) if key == key.to_integral_value() else key
    tolerance_cents = draw(st.integers(0, 1000))
    tolerance = Decimal(tolerance_cents) / 100
    right = Decimal(key) + Decimal(draw(st.integers(-tolerance_cents, tolerance_cents))) / 100
    wrong = Decimal(key) + draw(st.sampled_from([1, -1])) * (tolerance + Decimal("0.0000000001"))
    return question(kind, question_id, points, correct_answer=key, tolerance=tolerance), right, wrong


@st.composite
def quizzes(draw):
    """(questions, answers, ids answered correctly, passing_score)."""
    count = draw(st.integers(1, 8))
    questions, given_answers, right_ids = [], [], set()
    for index in range(count):
        item, right, wrong = draw(question_with_answers(index))
        questions.append(item)
        outcome = draw(st.sampled_from(["right", "wrong", "null", "omitted"]))
        if outcome == "right":
            given_answers.append({"question_id": item["id"], "answer": right})
            right_ids.add(item["id"])
        elif outcome == "wrong":
            given_answers.append({"question_id": item["id"], "answer": wrong})
        elif outcome == "null":
            given_answers.append({"question_id": item["id"], "answer": None})
    order = draw(st.permutations(range(len(given_answers))))
    return questions, [given_answers[i] for i in order], right_ids, draw(st.integers(1, 100))


def expected_score(earned, possible):
    """An independent oracle: the percentage rounded half-up with plenty of precision."""
    with decimal.localcontext() as context:
        context.prec = 60
        return (earned * 100 / possible).quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)


@robust
@given(quizzes())
def test_scores_obey_the_invariants(quiz):
    questions, given_answers, right_ids, passing_score = quiz

    assert answer_errors(questions, given_answers) == {}
    result = score_submission(questions, given_answers, passing_score)

    earned, possible = result["points_earned"], result["points_possible"]
    assert Decimal(0) <= result["score"] <= Decimal(100)
    assert result["score"].as_tuple().exponent == -2
    assert 0 <= earned <= possible
    assert possible == sum(item["points"] for item in questions)
    assert earned == sum((item["points"] for item in questions if item["id"] in right_ids), Decimal(0))
    assert result["score"] == expected_score(earned, possible)
    assert result["passed"] is (earned * 100 >= passing_score * possible)
    assert [r["question_id"] for r in result["results"]] == [item["id"] for item in questions]
    assert {r["question_id"] for r in result["results"] if r["correct"]} == right_ids
    assert sum(r["points_earned"] for r in result["results"]) == earned


@robust
@given(quizzes(), st.randoms(use_true_random=False))
def test_the_order_of_answers_is_irrelevant(quiz, rng):
    questions, given_answers, _, passing_score = quiz
    shuffled = list(given_answers)
    rng.shuffle(shuffled)

    assert score_submission(questions, shuffled, passing_score) == score_submission(questions, given_answers, passing_score)


@robust
@given(quizzes())
def test_all_correct_is_100_and_passes(quiz):
    questions, _, _, passing_score = quiz
    rights = []
    for _index, item in enumerate(questions):
        # Rebuild each question's right answer from its key.
        spec = item["spec"]
        if item["type"] == "single_choice":
            answer = next(c["id"] for c in spec["choices"] if c["correct"])
        elif item["type"] == "multiple_choice":
            answer = [c["id"] for c in spec["choices"] if c["correct"]]
        elif item["type"] == "short_text":
            answer = spec["accepted_answers"][-1]
        elif item["type"] == "matching":
            answer = {prompt["id"]: prompt["match_id"] for prompt in spec["prompts"]}
        elif item["type"] == "ordering":
            answer = [entry["id"] for entry in spec["items"]]
        else:
            answer = spec["correct_answer"]
        rights.append({"question_id": item["id"], "answer": answer})
    random.Random(len(questions)).shuffle(rights)

    result = score_submission(questions, rights, passing_score)

    assert result["score"] == Decimal("100.00")
    assert result["passed"] is True
    assert result["points_earned"] == result["points_possible"]
    assert all(r["answered"] and r["correct"] for r in result["results"])


@robust
@given(quizzes(), st.booleans())
def test_nothing_right_is_0_and_fails(quiz, explicit_nulls):
    questions, _, _, passing_score = quiz
    nothing = [{"question_id": item["id"], "answer": None} for item in questions] if explicit_nulls else []

    result = score_submission(questions, nothing, passing_score)

    assert result["score"] == Decimal("0.00")
    assert result["passed"] is False
    assert result["points_earned"] == Decimal("0.00")
    assert not any(r["answered"] or r["correct"] or r["points_earned"] for r in result["results"])


# ---------------------------------------------------------------- partial credit (contract section 12)

PARTIAL_MULTIPLE = {**choice_question("multiple_choice", {"ch_a", "ch_b", "ch_c"}, question_id="qst_partial"), "points": Decimal("1")}
PARTIAL_MULTIPLE["spec"]["scoring"] = "partial"
PAIRS = question(
    "matching",
    "qst_pairs",
    Decimal("2"),
    prompts=[{"id": f"mp_{n}", "text": f"p{n}", "match_id": f"mo_{n}"} for n in range(3)],
    options=[{"id": f"mo_{n}", "text": f"o{n}"} for n in range(4)],
    scoring="partial",
)
STEPS = question("ordering", "qst_steps", Decimal("1"), items=[{"id": f"it_{n}", "text": f"i{n}"} for n in range(4)], scoring="partial")


@pytest.mark.parametrize(
    "item, answer, credit, earned",
    [
        # multiple_choice: max(0, (right - wrong) / number right), of 1 point
        (PARTIAL_MULTIPLE, ["ch_a", "ch_b", "ch_c"], "1.0000", "1.00"),
        (PARTIAL_MULTIPLE, ["ch_a", "ch_b"], "0.6667", "0.67"),
        (PARTIAL_MULTIPLE, ["ch_a"], "0.3333", "0.33"),
        (PARTIAL_MULTIPLE, ["ch_a", "ch_b", "ch_d"], "0.3333", "0.33"),
        (PARTIAL_MULTIPLE, ["ch_a", "ch_d"], "0.0000", "0.00"),
        (PARTIAL_MULTIPLE, ["ch_d"], "0.0000", "0.00"),
        (PARTIAL_MULTIPLE, [], "0.0000", "0.00"),
        # matching: prompts matched / prompts, of 2 points
        (PAIRS, {"mp_0": "mo_0", "mp_1": "mo_1", "mp_2": "mo_2"}, "1.0000", "2.00"),
        (PAIRS, {"mp_0": "mo_0", "mp_1": "mo_1"}, "0.6667", "1.33"),
        (PAIRS, {"mp_0": "mo_0", "mp_1": "mo_2", "mp_2": "mo_1"}, "0.3333", "0.67"),
        (PAIRS, {"mp_0": "mo_3"}, "0.0000", "0.00"),
        (PAIRS, {}, "0.0000", "0.00"),
        # ordering: items in place / items, of 1 point
        (STEPS, ["it_0", "it_1", "it_2", "it_3"], "1.0000", "1.00"),
        (STEPS, ["it_0", "it_1", "it_3", "it_2"], "0.5000", "0.50"),
        (STEPS, ["it_0", "it_2", "it_3", "it_1"], "0.2500", "0.25"),
        (STEPS, ["it_3", "it_2", "it_1", "it_0"], "0.0000", "0.00"),
    ],
)
def test_partial_credit_per_type(item, answer, credit, earned):
    (result,) = score_submission([item], [{"question_id": item["id"], "answer": answer}], passing_score=50)["results"]

    assert answer_errors([item], [{"question_id": item["id"], "answer": answer}]) == {}
    assert (result["credit"], result["points_earned"]) == (credit, Decimal(earned))
    assert result["correct"] is (credit == "1.0000")


@pytest.mark.parametrize("item", [PARTIAL_MULTIPLE, PAIRS, STEPS])
def test_all_or_nothing_gives_nothing_for_a_part(item):
    whole = {**item, "spec": {**item["spec"], "scoring": "all_or_nothing"}}
    part = {"qst_partial": ["ch_a", "ch_b"], "qst_pairs": {"mp_0": "mo_0"}, "qst_steps": ["it_0", "it_1", "it_3", "it_2"]}[item["id"]]

    (result,) = score_submission([whole], [{"question_id": item["id"], "answer": part}], passing_score=50)["results"]

    assert (result["credit"], result["points_earned"], result["correct"]) == ("0.0000", Decimal("0.00"), False)


@st.composite
def partial_questions(draw, kinds=("multiple_choice", "matching", "ordering")):
    """(question, answer) of a partially scored type, with a random well-shaped answer."""
    kind = draw(st.sampled_from(kinds))
    points = Decimal(draw(st.integers(1, 10_000_000))) / 100
    count = draw(st.integers(2, 26))
    if kind == "multiple_choice":
        ids = [f"ch_{n}" for n in range(count)]
        correct = set(draw(st.lists(st.sampled_from(ids), min_size=1, unique=True)))
        item = choice_question(kind, correct, all_ids=ids, points=points)
        item["spec"]["scoring"] = "partial"
        return item, draw(st.lists(st.sampled_from(ids), unique=True))
    if kind == "matching":
        options = [f"mo_{n}" for n in range(count + draw(st.integers(0, 3)))]
        prompts = [{"id": f"mp_{n}", "text": f"p{n}", "match_id": options[n]} for n in range(count)]
        chosen = draw(st.permutations(options))
        answered = draw(st.lists(st.sampled_from([p["id"] for p in prompts]), unique=True))
        item = question(kind, "qst_m", points, prompts=prompts, options=[{"id": o, "text": o} for o in options], scoring="partial")
        return item, {prompt_id: chosen[index] for index, prompt_id in enumerate(answered)}
    items = [{"id": f"it_{n}", "text": f"i{n}"} for n in range(count)]
    item = question(kind, "qst_o", points, items=items, scoring="partial")
    return item, list(draw(st.permutations([entry["id"] for entry in items])))


@robust
@given(partial_questions())
def test_partial_credit_is_between_nothing_and_the_points_and_full_exactly_when_correct(drawn):
    item, answer = drawn
    assert answer_errors([item], [{"question_id": item["id"], "answer": answer}]) == {}

    (result,) = score_submission([item], [{"question_id": item["id"], "answer": answer}], passing_score=50)["results"]

    assert Decimal(0) <= result["points_earned"] <= item["points"]
    assert result["correct"] is (Decimal(result["credit"]) == 1) is is_correct(item, answer)
    if result["correct"]:
        assert result["points_earned"] == item["points"]
    # Otherwise the points may still round up to all of them (half of 0.01 is 0.01): the
    # verdict is the credit's, never the rounded points'.


@robust
@given(partial_questions())
def test_partial_points_are_the_exact_fraction_rounded_half_up_to_the_cent(drawn):
    from fractions import Fraction

    from assessment_service.grading.scoring import credit_of

    item, answer = drawn
    credit = credit_of(item, answer)
    (result,) = score_submission([item], [{"question_id": item["id"], "answer": answer}], passing_score=50)["results"]

    with decimal.localcontext() as context:
        context.prec = 80
        exact_points = Decimal(item["points"]) * Decimal(credit.numerator) / Decimal(credit.denominator)
        assert result["points_earned"] == exact_points.quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)
        exact_credit = Decimal(credit.numerator) / Decimal(credit.denominator)
        assert result["credit"] == str(exact_credit.quantize(Decimal("0.0001"), rounding=decimal.ROUND_HALF_UP))
    assert 0 <= credit <= 1 and isinstance(credit, Fraction)


@robust
@given(partial_questions(kinds=("multiple_choice",)), st.randoms(use_true_random=False))
def test_the_order_of_a_multiple_choice_selection_never_matters(drawn, rng):
    item, answer = drawn
    shuffled = list(answer)
    rng.shuffle(shuffled)

    def worth(selection):
        scored = score_submission([item], [{"question_id": item["id"], "answer": selection}], 50)
        (result,) = scored["results"]
        return result["credit"], result["points_earned"], scored["score"], scored["passed"]

    assert worth(shuffled) == worth(answer)
