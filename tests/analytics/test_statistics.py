"""GET /assessments/{id}/statistics (contract section 17): every figure checked against an
independent computation with numpy and scipy on generated data, with the edge cases (one
submission, no variance, a question on only some papers or on none), and who may ask."""

import random
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from unittest.mock import ANY

import numpy as np
import pytest
from scipy import stats as scipy_stats

from assessment_service.analytics.statistics import group_size, rounded
from assessment_service.config import PROJECT_ROOT
from assessment_service.platform.schema import apply_schema
from helpers.api import assessment_url, assessment_with_questions, exact, multiple_choice, single_choice, true_false
from helpers.stored import result, store

QUESTIONS = [single_choice(), multiple_choice(), true_false(points=2), true_false(points=1.5), true_false()]


@pytest.fixture
def quiz(testapp, instructor, course):
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"], QUESTIONS, passing_score=60)
    return assessment, questions


@pytest.fixture
def learners(make_user, enroll, course):
    def make(count):
        made = [make_user("learner") for _ in range(count)]
        for learner in made:
            enroll(course["id"], learner)
        return made

    return make


def half_up(value, places=4):
    """numpy's float figure, or an exact Fraction (where a float would sit on a half), rounded half away from zero."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, Fraction):
        with localcontext() as context:
            context.prec = 50
            value = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        value = Decimal(repr(float(value)))
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) + 0


def statistics(testapp, caller, assessment_id, status=200, **query):
    return exact(testapp.get(assessment_url(assessment_id, "statistics"), query, headers=caller.headers, status=status))


def answer_of(question, credit, rng):
    if question["type"] == "single_choice":
        return rng.choice([c["id"] for c in question["choices"]])
    if question["type"] == "multiple_choice":
        return rng.sample([c["id"] for c in question["choices"]], rng.randint(0, 3))
    return rng.choice([True, False])


def generated(db_conn, assessment, questions, learners, rng, *, paper=lambda q, rng: True, attempts=1):
    """Stored submissions with random credits; the reference data of each: [(id, score,
    {question_id: (credit, points, answered, answer)})], in submission order."""
    made = []
    ago = 100_000
    for number in range(1, attempts + 1):
        for learner in learners:
            held = [q for q in questions if paper(q, rng)]
            results = []
            for q in held:
                credit = Decimal(rng.choice(["0", "1", "1", "0.5", "0.3333"]))
                answered = credit > 0 or rng.random() < 0.7
                results.append(result(q, credit if answered else 0, answer_of(q, credit, rng) if answered else None, answered))
            ago -= 10
            sid = store(db_conn, assessment, learner.id, results, attempt_number=number, seconds_ago=ago)
            made.append((sid, learner.id, number, results))
    return made


def reference(db_conn, assessment, questions, made, passing_score):
    """The figures computed independently: numpy for means and variances, scipy for the
    correlations, the groups ranked by sorting Python tuples."""
    rows = []
    with db_conn.cursor() as cur:
        cur.execute("select id, score, passed, submitted_at from submissions where id = any(%s)", ([m[0] for m in made],))
        stored = {r[0]: r[1:] for r in cur.fetchall()}
    for sid, learner_id, _, results in made:
        score, passed, submitted_at = stored[sid]
        rows.append((sid, learner_id, float(score), passed, submitted_at, {r["question_id"]: r for r in results}))
    scores = np.array([r[2] for r in rows])
    n = len(rows)
    figures = {
        "submission_count": n,
        "learner_count": len({r[1] for r in rows}),
        "mean": half_up(scores.mean(), 2),
        "median": half_up(np.median(scores), 2),
        "stdev": half_up(scores.std()),
        "min": half_up(scores.min(), 2),
        "max": half_up(scores.max(), 2),
        "pass_rate": half_up(np.mean([r[3] for r in rows])),
        "histogram": [int(c) for c in np.histogram(scores, bins=10, range=(0, 100))[0]],
    }
    per_question = {}
    for q in questions:
        holders = [r for r in rows if q["id"] in r[5]]
        credit = np.array([float(r[5][q["id"]]["credit"]) for r in holders])
        rest = np.array([sum(float(x["points_earned"]) for x in r[5].values()) - float(r[5][q["id"]]["points_earned"]) for r in holders])
        entry = {"responses": len(holders), "answered": sum(r[5][q["id"]]["answered"] for r in holders)}
        if holders:
            g = max(1, int(Decimal(27 * len(holders)) / 100 + Decimal("0.5")))
            top = sorted(holders, key=lambda r: (-r[2], r[4], r[0]))[:g]
            bottom = sorted(holders, key=lambda r: (r[2], r[4], r[0]))[:g]
            # Means of 4-place credits can sit exactly on a half: these two are kept exact.
            mean_of = lambda group, qid=q["id"]: Fraction(sum(Decimal(r[5][qid]["credit"]) for r in group)) / len(group)  # noqa: E731
            assert abs(float(mean_of(holders)) - credit.mean()) < 1e-9
            entry["facility"] = half_up(mean_of(holders))
            entry["discrimination"] = half_up(mean_of(top) - mean_of(bottom))
            entry["point_biserial"] = (
                half_up(scipy_stats.pearsonr(credit, rest).statistic) if len(holders) > 1 and credit.std() > 0 and rest.std() > 0 else None
            )
        else:
            entry.update(facility=None, discrimination=None, point_biserial=None)
        if q["type"] in ("single_choice", "multiple_choice"):
            counts = {c["id"]: 0 for c in q["choices"]}
            for r in holders:
                answer = r[5][q["id"]]["answer"]
                for choice in [] if answer is None else answer if isinstance(answer, list) else [answer]:
                    counts[choice] += 1
            entry["choices"] = [{"choice_id": c, "count": k} for c, k in counts.items()]
        per_question[q["id"]] = entry
    common = [q["id"] for q in questions if all(q["id"] in r[5] for r in rows)]
    matrix = np.array([[float(r[5][qid]["points_earned"]) for qid in common] for r in rows]) if common and rows else None
    alpha = None
    if n >= 2 and len(common) >= 2 and matrix.sum(axis=1).var() > 0:
        k = len(common)
        alpha = k / (k - 1) * (1 - matrix.var(axis=0).sum() / matrix.sum(axis=1).var())
    figures["cronbach_alpha"] = half_up(alpha)
    figures["sem"] = None if alpha is None else half_up(scores.std() * np.sqrt(1 - alpha))
    figures["questions"] = per_question
    return figures


def assert_matches(body, expected, questions):
    score = body["score"]
    for name in ("mean", "median", "stdev", "min", "max", "pass_rate"):
        assert score[name] == expected[name], name
    assert [b["count"] for b in score["histogram"]] == expected["histogram"]
    assert [(b["from"], b["to"]) for b in score["histogram"]] == [(10 * i, 10 * i + 10) for i in range(10)]
    assert body["submission_count"] == expected["submission_count"]
    assert body["learner_count"] == expected["learner_count"]
    assert body["reliability"] == {"cronbach_alpha": expected["cronbach_alpha"], "sem": expected["sem"]}
    assert [q["question_id"] for q in body["questions"]] == [q["id"] for q in questions]
    for shown in body["questions"]:
        wanted = expected["questions"][shown["question_id"]]
        assert {key: shown[key] for key in wanted} == wanted, shown["question_id"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_figure_matches_numpy_and_scipy(testapp, instructor, quiz, learners, db_conn, seed):
    assessment, questions = quiz
    rng = random.Random(seed)
    made = generated(db_conn, assessment, questions, learners(9), rng, attempts=3)
    body = statistics(testapp, instructor, assessment["id"])
    assert body["assessment_id"] == assessment["id"] and body["attempts"] == "all"
    assert_matches(body, reference(db_conn, assessment, questions, made, 60), questions)
    assert body["reliability"]["cronbach_alpha"] is not None


def test_a_question_on_some_papers_counts_only_those(testapp, instructor, quiz, learners, db_conn):
    assessment, questions = quiz
    rng = random.Random(7)
    # The first two questions on every paper, the third never, the others on some.
    on_paper = {questions[0]["id"]: 1, questions[1]["id"]: 1, questions[2]["id"]: 0}
    made = generated(db_conn, assessment, questions, learners(20), rng, paper=lambda q, rng: rng.random() < on_paper.get(q["id"], 0.5))
    body = statistics(testapp, instructor, assessment["id"])
    expected = reference(db_conn, assessment, questions, made, 60)
    assert_matches(body, expected, questions)
    never = body["questions"][2]
    assert never == {
        "question_id": questions[2]["id"],
        "responses": 0,
        "answered": 0,
        "facility": None,
        "discrimination": None,
        "point_biserial": None,
    }
    assert 0 < body["questions"][3]["responses"] < 20


def test_one_submission(testapp, instructor, quiz, learners, db_conn):
    assessment, questions = quiz
    made = generated(db_conn, assessment, questions, learners(1), random.Random(3))
    body = statistics(testapp, instructor, assessment["id"])
    assert_matches(body, reference(db_conn, assessment, questions, made, 60), questions)
    assert body["score"]["stdev"] == 0
    assert body["reliability"] == {"cronbach_alpha": None, "sem": None}
    assert all(q["point_biserial"] is None for q in body["questions"])
    assert all(q["discrimination"] == 0 for q in body["questions"])


def test_no_variance(testapp, instructor, quiz, learners, db_conn):
    assessment, questions = quiz
    for n, learner in enumerate(learners(4)):
        store(db_conn, assessment, learner.id, [result(q, 1) for q in questions], seconds_ago=100 - n)
    body = statistics(testapp, instructor, assessment["id"])
    assert body["score"]["stdev"] == 0 and body["score"]["mean"] == 100 and body["score"]["median"] == 100
    assert body["score"]["histogram"][-1]["count"] == 4  # 100 is in the last bucket
    assert body["reliability"] == {"cronbach_alpha": None, "sem": None}
    assert {(q["facility"], q["discrimination"], q["point_biserial"]) for q in body["questions"]} == {(1, 0, None)}


def test_no_submissions(testapp, instructor, quiz):
    assessment, questions = quiz
    body = statistics(testapp, instructor, assessment["id"])
    assert body["submission_count"] == 0 and body["learner_count"] == 0
    assert body["score"] == {
        "mean": None,
        "median": None,
        "stdev": None,
        "min": None,
        "max": None,
        "pass_rate": None,
        "histogram": [{"from": 10 * i, "to": 10 * i + 10, "count": 0} for i in range(10)],
    }
    assert body["questions"][0]["choices"] == [{"choice_id": c["id"], "count": 0} for c in questions[0]["choices"]]


def test_first_and_graded_attempts(testapp, instructor, quiz, learners, db_conn, admin):
    assessment, questions = quiz
    made = generated(db_conn, assessment, questions, learners(6), random.Random(11), attempts=3)
    first = [m for m in made if m[2] == 1]
    body = statistics(testapp, instructor, assessment["id"], attempts="first")
    assert body["attempts"] == "first"
    assert_matches(body, reference(db_conn, assessment, questions, first, 60), questions)

    # The grades count by the grading method (highest, by default): refresh them as a submission would.
    testapp.patch_json(assessment_url(assessment["id"]), {"grading_method": "latest"}, headers=instructor.headers, status=200)
    latest = [m for m in made if m[2] == 3]
    body = statistics(testapp, instructor, assessment["id"], attempts="graded")
    assert_matches(body, reference(db_conn, assessment, questions, latest, 60), questions)
    testapp.patch_json(assessment_url(assessment["id"]), {"grading_method": "average"}, headers=instructor.headers, status=200)
    body = statistics(testapp, admin, assessment["id"], attempts="graded")
    assert_matches(body, reference(db_conn, assessment, questions, made, 60), questions)


@pytest.mark.parametrize("value", ["", "ALL", "last", "first,all"])
def test_a_bad_attempts_value_is_400(testapp, instructor, quiz, value):
    assessment, _ = quiz
    body = statistics(testapp, instructor, assessment["id"], status=400, attempts=value)
    assert body["error"]["code"] == "invalid_parameter" and "attempts" in body["error"]["details"]


def test_only_managers(testapp, quiz, learners, make_user, enroll, course):
    assessment, _ = quiz
    (learner,) = learners(1)
    assert statistics(testapp, learner, assessment["id"], status=403)["error"]["code"] == "forbidden"
    other = make_user("instructor")
    assert statistics(testapp, other, assessment["id"], status=404)["error"]["code"] == "not_found"
    statistics(testapp, other, "asmnt_missing", status=404)


def test_group_size_and_rounding_are_half_up():
    assert [group_size(n) for n in (1, 2, 3, 50, 100, 150)] == [1, 1, 1, 14, 27, 41]  # 13.5 -> 14, 40.5 -> 41
    assert rounded(Decimal("0.00005")) == Decimal("0.0001")
    assert rounded(Decimal("-0.00005")) == Decimal("-0.0001")
    assert str(rounded(Decimal("-0.00001"))) == "0.0000"


def test_a_result_stored_before_partial_credit_counts_all_or_nothing(testapp, instructor, quiz, learners, db_conn):
    # Results of the first versions have neither `credit` nor `type`: correct is full credit.
    assessment, questions = quiz
    single = questions[0]
    right = next(c["id"] for c in single["choices"] if c["correct"])
    for n, (learner, correct) in enumerate(zip(learners(3), [True, True, False], strict=True)):
        early = {**result(single, 1 if correct else 0, answer=right if correct else None), "answered": correct}
        del early["credit"], early["type"]
        store(db_conn, assessment, learner.id, [early, *(result(q, 1) for q in questions[1:])], seconds_ago=100 - n)
    shown = statistics(testapp, instructor, assessment["id"])["questions"][0]
    assert shown["responses"] == 3 and shown["answered"] == 2
    assert shown["facility"] == half_up(Fraction(2, 3))
    assert {c["choice_id"]: c["count"] for c in shown["choices"]}[right] == 2


def test_a_result_set_by_hand_moves_the_statistics(testapp, instructor, quiz, learners, db_conn):
    # The figures statistics sum are kept beside each submission's results (schema.sql's
    # trigger): a writer that changes the results must move them too.
    assessment, questions = quiz
    made = generated(db_conn, assessment, questions, learners(5), random.Random(5))
    submission_id, question = made[0][0], questions[2]
    url = assessment_url(assessment["id"], "submissions", submission_id, "results", question["id"])
    changed = next(r for r in made[0][3] if r["question_id"] == question["id"])
    points = Decimal("0.00") if changed["points_earned"] else Decimal("2.00")  # of its 2 points
    testapp.patch_json(url, {"points_earned": float(points), "reason": "re-read"}, headers=instructor.headers, status=200)
    changed.update(credit=f"{points / 2:.4f}", points_earned=points, correct=points == 2)
    body = statistics(testapp, instructor, assessment["id"])
    assert_matches(body, reference(db_conn, assessment, questions, made, 60), questions)


def test_submissions_of_an_earlier_version_get_their_figures_when_the_schema_runs(testapp, instructor, quiz, learners, db_conn):
    assessment, questions = quiz
    made = generated(db_conn, assessment, questions, learners(6), random.Random(13), attempts=2)
    before = statistics(testapp, instructor, assessment["id"])
    with db_conn.cursor() as cur:
        # As an earlier version stored them (the trigger fires on results and points only).
        cur.execute(
            """update submissions set points_earned_cents = null, result_question_ids = null, result_credits = null,
                   result_points = null, result_answered = null, chosen_question_ids = null, chosen_choice_ids = null"""
        )
    apply_schema(db_conn, PROJECT_ROOT / "schema.sql", force=True)
    assert statistics(testapp, instructor, assessment["id"]) == {**before, "computed_at": ANY}
    assert_matches(before, reference(db_conn, assessment, questions, made, 60), questions)
