"""What learners see, and when (contract section 15): every review setting at every moment,
before and after it, in the 201 of a submission, its GET, the list and the grade; managers
see everything; feedback; the moments an assessment cannot reach are refused."""

from datetime import UTC, datetime, timedelta

import pytest

from helpers.api import API, assessment_url, create_assessment, patch_assessment
from helpers.db import value

MOMENTS = ("immediately", "after_last_attempt", "after_due", "after_close", "never")
KEYS = ("show_score", "show_correctness", "show_correct_answers")
CHOICE = {
    "type": "single_choice",
    "prompt": "Which is the median of 1, 2, 9?",
    "feedback": "Sort them; take the middle one.",
    "choices": [
        {"text": "2", "correct": True, "feedback": "Yes: the middle value."},
        {"text": "4", "correct": False, "feedback": "That is the mean."},
    ],
}
TRUTH = {"type": "true_false", "prompt": "The mean is robust to outliers.", "correct_answer": False}


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def reviewed(testapp, instructor, course, learner, enroll):
    """make(review): (assessment, questions) with max_attempts 2, a due date in an hour and
    a close in two, and `review`; `learner` enrolled."""
    enroll(course["id"], learner)

    def make(review, **fields):
        now = datetime.now(UTC)
        settings = {"max_attempts": 2, "due_at": iso(now + timedelta(hours=1)), "available_until": iso(now + timedelta(hours=2))}
        assessment = create_assessment(testapp, instructor, course["id"], review=review, **{**settings, **fields})
        questions = [
            testapp.post_json(assessment_url(assessment["id"], "questions"), body, headers=instructor.headers, status=201).json
            for body in (CHOICE, TRUTH)
        ]
        return assessment, questions

    return make


def right_answers(questions):
    choice, truth = questions
    return [{"question_id": choice["id"], "answer": choice["choices"][0]["id"]}, {"question_id": truth["id"], "answer": False}]


def submit(testapp, learner, assessment, questions):
    url = assessment_url(assessment["id"], "submissions")
    return testapp.post_json(url, {"answers": right_answers(questions)}, headers=learner.headers, status=201).json


def reach(testapp, db_conn, moment, learner, assessment, questions):
    """Make `moment` come for the learner (a second, last submission; or the clock past a date)."""
    if moment == "after_last_attempt":
        return submit(testapp, learner, assessment, questions)
    if moment in ("after_due", "after_close"):
        with db_conn.cursor() as cur:
            cur.execute(
                "update assessments set due_at = now() - interval '2 minutes', available_until = now() - interval '1 minute' where id = %s",
                (assessment["id"],),
            )
    return None


def what_shows(submission):
    """(score, correctness, correct answers) visible in a submission object, judged by its fields."""
    score = submission["score"] is not None
    assert (submission["passed"] is not None) is score and (submission["points_earned"] is not None) is score
    choice, truth = submission["results"]
    correctness = choice["correct"] is not None
    for result in (choice, truth):
        assert (result["credit"] is not None) is correctness and (result["points_earned"] is not None) is correctness
    assert ("choice_feedback" in choice) is correctness and "choice_feedback" not in truth
    if correctness:
        assert choice["choice_feedback"] == [{"choice_id": choice["answer"], "feedback": "Yes: the middle value."}]
    answers = "correct_answer" in choice
    assert ("correct_answer" in truth) is answers and ("feedback" in choice) is answers
    if answers:
        assert (choice["correct_answer"], truth["correct_answer"], choice["feedback"], truth["feedback"]) == (
            choice["answer"],
            False,
            CHOICE["feedback"],
            None,
        )
    flags = {"score_visible": score, "correctness_visible": correctness, "correct_answers_visible": answers}
    assert submission["review"] == flags
    return score, correctness, answers


def expected(key, visible):
    """What shows when `key`'s moment is (not) reached and the others are immediately."""
    if key == "show_score":
        return (visible, True, True)
    if key == "show_correctness":
        return (True, visible, visible)  # correct answers, set to show at once, wait for correctness
    return (True, True, visible)


def everything_the_learner_reads(testapp, learner, assessment, submission_id):
    """The learner's submission through each route that shows it, and their grade."""
    one = testapp.get(assessment_url(assessment["id"], "submissions", submission_id), headers=learner.headers).json
    listed = testapp.get(assessment_url(assessment["id"], "submissions"), headers=learner.headers).json["data"]
    grade = testapp.get(assessment_url(assessment["id"], "grades", learner.id), headers=learner.headers).json
    book = testapp.get(f"{API}/courses/{assessment['course_id']}/grades", headers=learner.headers).json["data"]
    return (
        one,
        next(item for item in listed if item["id"] == submission_id),
        grade,
        next(row for row in book if row["assessment_id"] == assessment["id"]),
    )


def check_grade(grade, score_visible):
    assert (grade["score"] is not None) is score_visible
    assert (grade["passed"] is not None) is score_visible and (grade["first_passed_at"] is not None) is score_visible
    assert grade["review"]["score_visible"] is score_visible


MATRIX = [(key, moment) for key in KEYS for moment in MOMENTS]


@pytest.mark.parametrize(("key", "moment"), MATRIX, ids=[f"{key}={moment}" for key, moment in MATRIX])
def test_each_setting_at_each_moment_before_and_after(testapp, reviewed, learner, instructor, db_conn, key, moment):
    review = dict.fromkeys(KEYS, "immediately") | {key: moment}
    assessment, questions = reviewed(review)

    posted = submit(testapp, learner, assessment, questions)

    before = moment == "immediately"
    assert what_shows(posted) == expected(key, before)
    one, listed, grade, row = everything_the_learner_reads(testapp, learner, assessment, posted["id"])
    assert what_shows(one) == what_shows(listed) == expected(key, before)
    check_grade(grade, expected(key, before)[0])
    check_grade(row, expected(key, before)[0])

    last = reach(testapp, db_conn, moment, learner, assessment, questions)

    after = moment != "never"
    if last is not None:
        assert what_shows(last) == expected(key, after)  # the 201 of the last attempt is already after
    one, listed, grade, row = everything_the_learner_reads(testapp, learner, assessment, posted["id"])
    assert what_shows(one) == what_shows(listed) == expected(key, after)
    check_grade(grade, expected(key, after)[0])
    check_grade(row, expected(key, after)[0])
    # Managers see everything, at every moment.
    managed = testapp.get(assessment_url(assessment["id"], "submissions", posted["id"]), headers=instructor.headers).json
    assert what_shows(managed) == (True, True, True)
    assert testapp.get(assessment_url(assessment["id"], "grades", learner.id), headers=instructor.headers).json["review"] == {
        "score_visible": True,
        "correctness_visible": True,
        "correct_answers_visible": True,
    }


def test_by_default_learners_see_score_and_correctness_but_never_the_answers(testapp, instructor, course, learner, enroll):
    enroll(course["id"], learner)
    assessment = create_assessment(testapp, instructor, course["id"])
    questions = [
        testapp.post_json(assessment_url(assessment["id"], "questions"), body, headers=instructor.headers, status=201).json
        for body in (CHOICE, TRUTH)
    ]

    assert assessment["review"] == {"show_score": "immediately", "show_correctness": "immediately", "show_correct_answers": "never"}
    assert what_shows(submit(testapp, learner, assessment, questions)) == (True, True, False)


def test_no_learner_route_shows_an_answer_key_before_its_moment(testapp, reviewed, learner, db_conn):
    assessment, questions = reviewed({"show_correct_answers": "after_due"})
    posted = submit(testapp, learner, assessment, questions)
    base = assessment_url(assessment["id"])
    reads = [
        base,
        f"{base}/questions",
        f"{base}/questions/{questions[0]['id']}",
        f"{base}/submissions",
        f"{base}/submissions/{posted['id']}",
        f"{base}/attempts",
        f"{base}/attempts/{posted['attempt_id']}",
        f"{base}/grades",
        f"{base}/grades/{learner.id}",
        f"{base}/policy",
        f"{API}/courses/{assessment['course_id']}/grades",
    ]

    def keys_seen():
        found = set()
        for url in reads:
            text = testapp.get(url, headers=learner.headers).text
            found |= {needle for needle in ('"correct_answer"', '"accepted_answers"', CHOICE["feedback"]) if needle in text}
        return found

    assert keys_seen() == set()
    reach(testapp, db_conn, "after_due", learner, assessment, questions)
    # Now the submission routes show the key as scored (and the question object still does not).
    assert keys_seen() == {'"correct_answer"', CHOICE["feedback"]}
    assert '"correct_answer"' not in testapp.get(f"{base}/questions", headers=learner.headers).text


def test_a_learners_override_moves_their_moments(testapp, reviewed, learner, instructor, db_conn):
    assessment, questions = reviewed({"show_correct_answers": "after_due", "show_score": "after_last_attempt"})
    posted = submit(testapp, learner, assessment, questions)
    submit(testapp, learner, assessment, questions)  # the second and last attempt
    later = iso(datetime.now(UTC) + timedelta(hours=1, minutes=30))
    testapp.put_json(
        assessment_url(assessment["id"], "overrides", learner.id), {"extra_attempts": 1, "due_at": later}, headers=instructor.headers
    )
    reach(testapp, db_conn, "after_due", learner, assessment, questions)  # the assessment's due date has passed, theirs not

    one = testapp.get(assessment_url(assessment["id"], "submissions", posted["id"]), headers=learner.headers).json

    assert what_shows(one) == (False, True, False)  # a third attempt is theirs, and their due date is still to come


def test_feedback_is_authored_and_shown_to_managers_only_on_the_question(testapp, reviewed, learner, instructor):
    assessment, (choice, truth) = reviewed({})

    assert choice["feedback"] == CHOICE["feedback"] and truth["feedback"] is None
    assert [c["feedback"] for c in choice["choices"]] == ["Yes: the middle value.", "That is the mean."]
    as_learner = testapp.get(assessment_url(assessment["id"], "questions", choice["id"]), headers=learner.headers).json
    assert "feedback" not in as_learner and all(set(c) == {"id", "text"} for c in as_learner["choices"])
    edited = testapp.patch_json(
        assessment_url(assessment["id"], "questions", truth["id"]), {"feedback": "Outliers pull the mean."}, headers=instructor.headers
    ).json
    assert edited["feedback"] == "Outliers pull the mean." and edited["correct_answer"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"feedback": "x" * 5001}, ["feedback"]),
        ({"feedback": ""}, ["feedback"]),
        (
            {"choices": [{"text": "a", "correct": True, "feedback": "y" * 1001}, {"text": "b", "correct": False}]},
            ["choices", "0", "feedback"],
        ),
    ],
)
def test_feedback_out_of_bounds_is_422_and_stores_nothing(testapp, reviewed, instructor, db_conn, body, field):
    assessment, _ = reviewed({})
    new = {**CHOICE, **body}

    error = testapp.post_json(assessment_url(assessment["id"], "questions"), new, headers=instructor.headers, status=422).json["error"]

    details = error["details"]
    for step in field:
        details = details[step]
    assert details
    assert value(db_conn, "select count(*) from questions where assessment_id = %s", (assessment["id"],)) == 2


@pytest.mark.parametrize(
    ("review", "without", "field"),
    [
        ({"show_score": "after_last_attempt"}, "max_attempts", "review.show_score"),
        ({"show_correctness": "after_due"}, "due_at", "review.show_correctness"),
        ({"show_correct_answers": "after_close"}, "available_until", "review.show_correct_answers"),
    ],
)
def test_a_moment_the_assessment_lacks_is_422(testapp, instructor, course, reviewed, db_conn, review, without, field):
    error = testapp.post_json(
        f"{API}/assessments",
        {"course_id": course["id"], "title": "No such moment", "passing_score": 50, "review": review},
        headers=instructor.headers,
        status=422,
    ).json["error"]
    assert list(error["details"]) == [field]
    assert value(db_conn, "select count(*) from assessments where title = 'No such moment'") == 0

    # Taking the setting away from an assessment whose review needs it is refused too.
    assessment, _ = reviewed(review)
    refused = patch_assessment(testapp, instructor, assessment["id"], {without: None}, status=422).json["error"]
    assert list(refused["details"]) == [field]
    assert value(db_conn, f"select {without} is not null from assessments where id = %s", (assessment["id"],)) is True  # names: ours


def test_a_patch_changes_only_the_review_keys_it_gives(testapp, reviewed, instructor):
    assessment, _ = reviewed({"show_score": "after_due"})

    changed = patch_assessment(testapp, instructor, assessment["id"], {"review": {"show_correct_answers": "after_close"}}).json

    assert changed["review"] == {"show_score": "after_due", "show_correctness": "immediately", "show_correct_answers": "after_close"}
    patch_assessment(testapp, instructor, assessment["id"], {"review": {"show_score": "sometimes"}}, status=422)
