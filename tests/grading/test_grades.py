"""Grades (contract section 15): what each grading method makes of a learner's submissions,
stored in the transaction of every change that moves it, read per assessment, per learner
and as a course's gradebook; checked against an independent recomputation."""

import os
import subprocess
import sys
import threading
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment_service.config import PROJECT_ROOT
from helpers.api import API, assessment_url, assessment_with_questions, create_assessment, exact, patch_assessment, true_false
from helpers.db import rows, value
from helpers.servers import concurrently, http

GRADE_FIELDS = [
    "assessment_id",
    "learner_id",
    "grading_method",
    "score",
    "passed",
    "submission_id",
    "submissions_counted",
    "attempts_used",
    "attempts_allowed",
    "first_passed_at",
    "updated_at",
    "review",
]
FOUR = [true_false(), true_false(correct_answer=False), true_false(), true_false(correct_answer=False)]


@pytest.fixture
def quiz(testapp, instructor, course, learner, enroll):
    """make(**fields): (assessment, questions) of four true/false questions; `learner` enrolled."""
    enroll(course["id"], learner)

    def make(**fields):
        return assessment_with_questions(testapp, instructor, course["id"], FOUR, **fields)

    return make


def answering(questions, right):
    """Answers with the first `right` questions right and the others wrong."""
    return [
        {"question_id": q["id"], "answer": q["correct_answer"] if n < right else not q["correct_answer"]} for n, q in enumerate(questions)
    ]


def submit(testapp, learner, assessment, questions, right):
    return exact(
        testapp.post_json(
            assessment_url(assessment["id"], "submissions"), {"answers": answering(questions, right)}, headers=learner.headers, status=201
        )
    )


def grade(testapp, caller, assessment_id, learner_id, status=200):
    return testapp.get(assessment_url(assessment_id, "grades", learner_id), headers=caller.headers, status=status)


def stored_grade(db_conn, assessment_id, learner_id):
    found = rows(
        db_conn,
        "select score, passed, submission_id, submissions_counted, first_passed_at from grades where assessment_id = %s and learner_id = %s",
        (assessment_id, learner_id),
    )
    return found[0] if found else None


def recomputed(db_conn, assessment_id, learner_id):
    """The grade figures recomputed here, from the stored submissions, independently of the
    service's grading methods: (score, passed, submission_id, submissions_counted, first_passed_at)."""
    method, passing = rows(db_conn, "select grading_method, passing_score from assessments where id = %s", (assessment_id,))[0]
    stored = rows(
        db_conn,
        """
        select id, attempt_number, points_earned, points_possible, score, passed, submitted_at
        from submissions where assessment_id = %s and learner_id = %s order by attempt_number
        """,
        (assessment_id, learner_id),
    )
    if not stored:
        return None
    first_passed = next((row[6] for row in stored if row[5]), None)
    shares = [Fraction(row[2]) / Fraction(row[3]) for row in stored]
    if method == "average":
        mean = sum(shares) / len(shares)
        score = (Decimal(mean.numerator) * 100 / Decimal(mean.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return (score, mean * 100 >= passing, None, len(stored), first_passed)
    if method == "first":
        chosen = stored[0]
    elif method == "latest":
        chosen = stored[-1]
    else:
        best = max(shares)
        chosen = stored[shares.index(best)]  # the first of the best, in attempt order
    return (chosen[4], chosen[5], chosen[0], 1, first_passed)


# ---------------------------------------------------------------- each change keeps the grade


@pytest.mark.parametrize(
    ("method", "score", "submission_index", "counted"),
    [("highest", "75.00", 1, 1), ("latest", "50.00", 2, 1), ("first", "25.00", 0, 1), ("average", "50.00", None, 3)],
)
def test_each_submission_moves_the_grade_by_its_method(testapp, quiz, learner, db_conn, method, score, submission_index, counted):
    assessment, questions = quiz(grading_method=method, passing_score=50)
    submitted = [submit(testapp, learner, assessment, questions, right) for right in (1, 3, 2)]

    shown = exact(grade(testapp, learner, assessment["id"], learner.id))

    assert list(shown) == GRADE_FIELDS
    assert shown["grading_method"] == method
    assert (shown["score"], shown["submissions_counted"], shown["attempts_used"], shown["attempts_allowed"]) == (
        Decimal(score),
        counted,
        3,
        None,
    )
    assert shown["submission_id"] == (None if submission_index is None else submitted[submission_index]["id"])
    assert shown["passed"] is (Decimal(score) >= 50)
    assert shown["first_passed_at"] == submitted[1]["submitted_at"]
    assert stored_grade(db_conn, assessment["id"], learner.id) == recomputed(db_conn, assessment["id"], learner.id)


def test_a_learner_without_a_submission_has_a_grade_of_nothing(testapp, quiz, learner, instructor):
    assessment, _ = quiz(max_attempts=3)

    shown = grade(testapp, instructor, assessment["id"], learner.id).json

    assert {key: shown[key] for key in ("score", "passed", "submission_id", "first_passed_at", "updated_at")} == dict.fromkeys(
        ("score", "passed", "submission_id", "first_passed_at", "updated_at")
    )
    assert (shown["submissions_counted"], shown["attempts_used"], shown["attempts_allowed"]) == (0, 0, 3)


def test_changing_the_grading_method_rewrites_the_stored_grades_at_once(
    testapp, quiz, learner, instructor, make_user, enroll, course, db_conn
):
    assessment, questions = quiz(passing_score=60)
    other = make_user("learner")
    enroll(course["id"], other)
    for right in (4, 1):
        submit(testapp, learner, assessment, questions, right)
    submit(testapp, other, assessment, questions, 2)
    before = rows(db_conn, "select learner_id, updated_at from grades order by learner_id")

    # Highest and first count the same submissions here: no grade changes, nor its updated_at.
    patch_assessment(testapp, instructor, assessment["id"], {"grading_method": "first"})
    assert rows(db_conn, "select learner_id, updated_at from grades order by learner_id") == before

    patch_assessment(testapp, instructor, assessment["id"], {"grading_method": "average"})

    assert stored_grade(db_conn, assessment["id"], learner.id)[:4] == (Decimal("62.50"), True, None, 2)
    assert stored_grade(db_conn, assessment["id"], learner.id) == recomputed(db_conn, assessment["id"], learner.id)
    assert stored_grade(db_conn, assessment["id"], other.id) == recomputed(db_conn, assessment["id"], other.id)

    # The average passes on the passing score as it is now.
    patch_assessment(testapp, instructor, assessment["id"], {"passing_score": 63})
    assert stored_grade(db_conn, assessment["id"], learner.id)[:2] == (Decimal("62.50"), False)
    patch_assessment(testapp, instructor, assessment["id"], {"grading_method": "latest"})
    assert stored_grade(db_conn, assessment["id"], learner.id)[:2] == (Decimal("25.00"), False)


def test_a_refused_change_of_method_changes_no_grade(testapp, quiz, learner, instructor, db_conn):
    assessment, questions = quiz()
    submit(testapp, learner, assessment, questions, 4)
    before = stored_grade(db_conn, assessment["id"], learner.id)

    patch_assessment(testapp, instructor, assessment["id"], {"grading_method": "median"}, status=422)
    patch_assessment(
        testapp, instructor, assessment["id"], {"grading_method": "average", "review": {"show_score": "after_due"}}, status=422
    )

    assert stored_grade(db_conn, assessment["id"], learner.id) == before
    assert value(db_conn, "select grading_method from assessments where id = %s", (assessment["id"],)) == "highest"


def test_the_deadline_grades_the_submission_it_makes(testapp, quiz, learner, db_conn):
    assessment, questions = quiz(time_limit_minutes=10, grading_method="latest")
    attempt = testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=201).json
    saved = answering(questions, 3)
    testapp.patch_json(assessment_url(assessment["id"], "attempts", attempt["id"], "answers"), {"answers": saved}, headers=learner.headers)
    with db_conn.cursor() as cur:
        cur.execute("update attempts set expires_at = now() - interval '1 minute' where id = %s", (attempt["id"],))

    shown = grade(testapp, learner, assessment["id"], learner.id).json  # the read settles nothing: the worker or a touch does
    testapp.get(assessment_url(assessment["id"], "attempts", attempt["id"]), headers=learner.headers)
    after = exact(grade(testapp, learner, assessment["id"], learner.id))

    assert shown["score"] is None
    ((submission_id,),) = rows(db_conn, "select id from submissions where attempt_id = %s and finalized_by = 'deadline'", (attempt["id"],))
    assert (after["score"], after["submission_id"], after["attempts_used"]) == (Decimal("75.00"), submission_id, 1)


# ---------------------------------------------------------------- who reads which grades


def test_lists_hold_every_learner_of_the_course_and_learners_only_their_own(testapp, quiz, learner, instructor, make_user, enroll, course):
    assessment, questions = quiz()
    classmate, dropped, teacher = make_user("learner"), make_user("learner"), make_user("instructor")
    enroll(course["id"], classmate)
    dropped_enrollment = enroll(course["id"], dropped)
    enroll(course["id"], teacher, role="instructor")
    submit(testapp, dropped, assessment, questions, 2)
    testapp.patch_json(
        f"{API}/courses/{course['id']}/enrollments/{dropped_enrollment['id']}", {"status": "dropped"}, headers=instructor.headers
    )
    url = assessment_url(assessment["id"], "grades")

    everyone = testapp.get(url, headers=instructor.headers).json
    one = testapp.get(f"{url}?learner_id={classmate.id}", headers=instructor.headers).json
    own = testapp.get(url, headers=learner.headers).json
    asked_for_another = testapp.get(f"{url}?learner_id={classmate.id}", headers=learner.headers).json

    learners = sorted([learner.id, classmate.id, dropped.id])
    assert [row["learner_id"] for row in everyone["data"]] == learners
    assert everyone["pagination"]["total"] == 3
    assert {row["learner_id"]: row["score"] for row in everyone["data"]}[dropped.id] == 50.0
    assert [row["learner_id"] for row in one["data"]] == [classmate.id]
    assert [row["learner_id"] for row in own["data"]] == [learner.id] and own["pagination"]["total"] == 1
    assert (asked_for_another["data"], asked_for_another["pagination"]["total"]) == ([], 0)
    grade(testapp, learner, assessment["id"], classmate.id, status=404)
    grade(testapp, instructor, assessment["id"], teacher.id, status=404)  # not a learner of the course
    grade(testapp, instructor, assessment["id"], "usr_doesnotexist", status=404)


def test_the_gradebook_is_one_row_per_learner_and_assessment(testapp, quiz, learner, instructor, make_user, enroll, course):
    first, questions = quiz(max_attempts=2)
    second = create_assessment(testapp, instructor, course["id"], title="Second quiz")
    classmate = make_user("learner")
    enroll(course["id"], classmate)
    submit(testapp, learner, first, questions, 4)
    testapp.put_json(assessment_url(first["id"], "overrides", classmate.id), {"extra_attempts": 3}, headers=instructor.headers)
    url = f"{API}/courses/{course['id']}/grades"

    book = testapp.get(url, headers=instructor.headers).json
    page = testapp.get(f"{url}?per_page=3&page=2", headers=instructor.headers).json
    own = testapp.get(url, headers=classmate.headers).json

    expected = [(who, quiz_id) for who in sorted([learner.id, classmate.id]) for quiz_id in (first["id"], second["id"])]
    assert [(row["learner_id"], row["assessment_id"]) for row in book["data"]] == expected
    assert book["pagination"]["total"] == 4
    assert [(row["learner_id"], row["assessment_id"]) for row in page["data"]] == expected[3:]
    by_pair = {(row["learner_id"], row["assessment_id"]): row for row in book["data"]}
    assert (by_pair[(learner.id, first["id"])]["score"], by_pair[(learner.id, first["id"])]["attempts_used"]) == (100.0, 1)
    assert by_pair[(classmate.id, first["id"])]["attempts_allowed"] == 5  # 2 plus the override's 3
    assert by_pair[(learner.id, second["id"])]["score"] is None
    assert {(row["learner_id"], row["assessment_id"]) for row in own["data"]} == {(classmate.id, first["id"]), (classmate.id, second["id"])}


# ---------------------------------------------------------------- against a recomputation


ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("submit"), st.integers(0, 1), st.integers(0, 4)),
        st.tuples(st.just("deadline"), st.integers(0, 1), st.integers(0, 4)),
        st.tuples(st.just("method"), st.sampled_from(["highest", "latest", "first", "average"]), st.integers(1, 100)),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_stored_grades_always_equal_a_recomputation_from_the_submissions(testapp, instructor, course, make_user, enroll, db_conn, actions):
    # Each example has an assessment and learners of its own (fixtures are not reset between examples).
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"], FOUR, time_limit_minutes=30)
    learners = [make_user("learner") for _ in range(2)]
    for person in learners:
        enroll(course["id"], person)

    for action in actions:
        if action[0] == "method":
            _, method, passing = action
            patch_assessment(testapp, instructor, assessment["id"], {"grading_method": method, "passing_score": passing})
        else:
            kind, who, right = action
            person = learners[who]
            attempt = testapp.post(assessment_url(assessment["id"], "attempts"), headers=person.headers, status=201).json
            body = {"answers": answering(questions, right)}
            if kind == "submit":
                body["attempt_id"] = attempt["id"]
                testapp.post_json(assessment_url(assessment["id"], "submissions"), body, headers=person.headers, status=201)
            else:
                testapp.patch_json(assessment_url(assessment["id"], "attempts", attempt["id"], "answers"), body, headers=person.headers)
                with db_conn.cursor() as cur:
                    cur.execute("update attempts set expires_at = now() - interval '1 minute' where id = %s", (attempt["id"],))
                testapp.get(assessment_url(assessment["id"], "attempts", attempt["id"]), headers=person.headers)  # finalizes it
        for person in learners:
            assert stored_grade(db_conn, assessment["id"], person.id) == recomputed(db_conn, assessment["id"], person.id), action


# ---------------------------------------------------------------- at once, and after an upgrade


@pytest.mark.slow
def test_simultaneous_submissions_of_one_learner_leave_the_grade_of_them_all(testapp, live_server, quiz, learner, db_conn):
    assessment, questions = quiz(grading_method="average")
    bodies = [{"answers": answering(questions, n % 5)} for n in range(12)]
    barrier = threading.Barrier(len(bodies))
    url = live_server.base_url + assessment_url(assessment["id"], "submissions")

    def post(body):
        def go():
            barrier.wait(timeout=30)
            return http("POST", url, body, headers=learner.headers)[0]

        return go

    statuses = concurrently([post(body) for body in bodies])

    assert statuses == [201] * len(bodies)
    assert value(db_conn, "select count(*) from submissions where learner_id = %s", (learner.id,)) == len(bodies)
    assert stored_grade(db_conn, assessment["id"], learner.id) == recomputed(db_conn, assessment["id"], learner.id)
    assert stored_grade(db_conn, assessment["id"], learner.id)[3] == len(bodies)


def test_init_db_gives_grades_to_submissions_stored_before_grades_existed(testapp, quiz, learner, database_dsn, db_conn):
    assessment, questions = quiz(grading_method="first")
    for right in (1, 4):
        submit(testapp, learner, assessment, questions, right)
    expected = stored_grade(db_conn, assessment["id"], learner.id)
    with db_conn.cursor() as cur:
        cur.execute("delete from grades")

    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    run = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "init-db", "--force"],
        cwd=PROJECT_ROOT,
        env={**env, "DATABASE_URL": database_dsn},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    assert "grades computed for 1 learner(s)" in run.stderr
    assert stored_grade(db_conn, assessment["id"], learner.id) == expected
    assert expected[:3] == (Decimal("25.00"), False, rows(db_conn, "select id from submissions where attempt_number = 1")[0][0])
