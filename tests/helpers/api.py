"""The API as the tests call it: its base path, question bodies of every type, builders of
assessments and submissions, right and wrong answers.

Everything is made through the API (as an instructor would), and response bodies are read
with exact decimals where numbers matter (exact).
"""

import json
import re
from decimal import Decimal

API = "/api/v1"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def exact(response):
    """The response body with every fractional number as a Decimal (WebTest's .json gives floats)."""
    return json.loads(response.text, parse_float=Decimal)


def assessment_url(assessment_id, *rest):
    return "/".join([f"{API}/assessments/{assessment_id}", *rest])


# ---------------------------------------------------------------- assessments


def create_assessment(testapp, caller, course_id, **fields):
    body = {"course_id": course_id, "title": "Midterm exam", "passing_score": 70, **fields}
    return testapp.post_json(f"{API}/assessments", body, headers=caller.headers, status=201).json


def patch_assessment(testapp, caller, assessment_id, changes, status=200):
    return testapp.patch_json(assessment_url(assessment_id), changes, headers=caller.headers, status=status)


# ---------------------------------------------------------------- questions (authoring bodies)


def single_choice(**overrides):
    return {
        "type": "single_choice",
        "prompt": "What is the mean of 1, 2 and 3?",
        "choices": [
            {"text": "1", "correct": False},
            {"text": "2", "correct": True},
            {"text": "3", "correct": False},
        ],
        **overrides,
    }


def multiple_choice(**overrides):
    return {
        "type": "multiple_choice",
        "prompt": "Which of these are prime?",
        "choices": [
            {"text": "2", "correct": True},
            {"text": "3", "correct": True},
            {"text": "4", "correct": False},
            {"text": "9", "correct": False},
        ],
        **overrides,
    }


def true_false(**overrides):
    return {"type": "true_false", "prompt": "The median is robust to outliers.", "correct_answer": True, **overrides}


def short_text(**overrides):
    return {
        "type": "short_text",
        "prompt": "Name the square root of the variance.",
        "accepted_answers": ["standard deviation", "std dev"],
        **overrides,
    }


def numeric(**overrides):
    return {"type": "numeric", "prompt": "P(heads) of a coin biased to 0.3?", "correct_answer": 0.3, "tolerance": 0.1, **overrides}


def matching(**overrides):
    return {
        "type": "matching",
        "prompt": "Match each measure to what it describes.",
        "pairs": [
            {"prompt": "mean", "match": "the average"},
            {"prompt": "median", "match": "the middle value"},
            {"prompt": "mode", "match": "the most frequent value"},
        ],
        "distractors": ["the largest value"],
        **overrides,
    }


def ordering(**overrides):
    return {
        "type": "ordering",
        "prompt": "Order the steps of a hypothesis test.",
        "items": [{"text": "state the hypotheses"}, {"text": "collect data"}, {"text": "compute the statistic"}, {"text": "decide"}],
        **overrides,
    }


def one_of_each_type():
    """Five questions, one per type, worth 2 + 3 + 1 + 1.5 + 2.5 = 10 points."""
    return [
        single_choice(points=2),
        multiple_choice(points=3),
        true_false(),
        short_text(points=1.5),
        numeric(points=2.5),
    ]


def add_question(testapp, caller, assessment_id, body, status=201):
    return testapp.post_json(assessment_url(assessment_id, "questions"), body, headers=caller.headers, status=status)


def assessment_with_questions(testapp, caller, course_id, bodies=None, **fields):
    """(assessment, [question as its instructor sees it]) made through the API."""
    assessment = create_assessment(testapp, caller, course_id, **fields)
    questions = [add_question(testapp, caller, assessment["id"], body).json for body in (bodies or one_of_each_type())]
    return assessment, questions


# ---------------------------------------------------------------- answers


def right_answer(question):
    """The correct answer to a question (as its instructor sees it, with the key)."""
    kind = question["type"]
    if kind == "single_choice":
        (choice_id,) = [choice["id"] for choice in question["choices"] if choice["correct"]]
        return choice_id
    if kind == "multiple_choice":
        return [choice["id"] for choice in question["choices"] if choice["correct"]]
    if kind == "short_text":
        return question["accepted_answers"][0]
    return question["correct_answer"]  # true_false, numeric, matching, ordering


def wrong_answer(question):
    """A well-shaped answer that is not correct."""
    kind = question["type"]
    if kind == "single_choice":
        return next(choice["id"] for choice in question["choices"] if not choice["correct"])
    if kind == "multiple_choice":
        return right_answer(question)[:1]  # a proper subset of the correct set
    if kind == "true_false":
        return not question["correct_answer"]
    if kind == "short_text":
        return "arithmetic mean"
    if kind == "matching":
        return {}  # every prompt left out
    if kind == "ordering":
        return list(reversed(question["correct_answer"]))
    return question["correct_answer"] + 1


def answers(questions, pick=right_answer):
    return [{"question_id": question["id"], "answer": pick(question)} for question in questions]


def submit(testapp, caller, assessment_id, answer_list, status=201):
    return testapp.post_json(assessment_url(assessment_id, "submissions"), {"answers": answer_list}, headers=caller.headers, status=status)
