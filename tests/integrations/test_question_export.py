"""GET /assessments/{id}/export (contract section 19): the files, and that exporting then
importing into another assessment gives the same questions, every type and scoring mode,
through HTTP."""

import io
import zipfile

import pytest

from helpers.api import API, add_question, assessment_url, create_assessment, exact
from helpers.interchange import authored, import_file

QUESTIONS = [
    {
        "type": "single_choice",
        "prompt": "Pick the mean of 1, 2 and 3.\n\nTake care.",
        "points": 2.5,
        "choices": [{"text": "1", "correct": False}, {"text": "2 ~ = # { } : \\", "correct": True}, {"text": "3", "correct": False}],
    },
    {
        "type": "multiple_choice",
        "prompt": "Pick the primes.",
        "points": 3,
        "scoring": "all_or_nothing",
        "choices": [{"text": "2", "correct": True}, {"text": "3", "correct": True}, {"text": "4", "correct": False}],
    },
    {
        "type": "multiple_choice",
        "prompt": "Pick the evens.",
        "scoring": "partial",
        "choices": [{"text": "2", "correct": True}, {"text": "5", "correct": False}, {"text": "8", "correct": True}],
    },
    {"type": "true_false", "prompt": "The median is robust to outliers.", "correct_answer": False, "points": 0.5},
    {"type": "short_text", "prompt": "The symbol of iron?", "accepted_answers": ["Fe"], "case_sensitive": True},
    {"type": "short_text", "prompt": "Name the middle value.", "accepted_answers": ["median", "the median"], "case_sensitive": False},
    {"type": "numeric", "prompt": "P(heads)?", "correct_answer": 0.5, "tolerance": 0.01, "points": 4},
    {"type": "numeric", "prompt": "Minus pi, exactly?", "correct_answer": -3.1416, "tolerance": 0},
    {
        "type": "matching",
        "prompt": "Match each measure.",
        "scoring": "all_or_nothing",
        "pairs": [{"prompt": "mean", "match": "the average"}, {"prompt": "median", "match": "the middle value"}],
        "distractors": ["the largest value", "the smallest value"],
    },
    {
        "type": "matching",
        "prompt": "Match each symbol.",
        "scoring": "partial",
        "points": 2,
        "pairs": [{"prompt": "Fe", "match": "iron"}, {"prompt": "Au", "match": "gold"}, {"prompt": "Ag", "match": "silver"}],
    },
    {
        "type": "ordering",
        "prompt": "Order the steps.",
        "scoring": "all_or_nothing",
        "items": [{"text": "state the hypotheses"}, {"text": "collect data"}, {"text": "decide"}],
    },
    {
        "type": "ordering",
        "prompt": "Order the stages.",
        "scoring": "partial",
        "items": [{"text": "egg"}, {"text": "larva"}, {"text": "adult"}],
    },
]
KINDS_AND_MODES = {(question["type"], question.get("scoring")) for question in QUESTIONS}


def export(testapp, caller, assessment_id, file_format, status=200):
    return testapp.get(assessment_url(assessment_id, f"export?format={file_format}"), headers=caller.headers, status=status)


def questions_of(testapp, caller, assessment_id):
    return exact(testapp.get(assessment_url(assessment_id, "questions"), headers=caller.headers))["data"]


@pytest.fixture
def written(testapp, instructor, course):
    """An assessment with a question of every type and scoring mode, made through the API."""
    assessment = create_assessment(testapp, instructor, course["id"], title="Written by hand")
    for body in QUESTIONS:
        add_question(testapp, instructor, assessment["id"], body)
    return assessment


def test_the_questions_cover_every_type_and_scoring_mode():
    assert {
        ("single_choice", None),
        ("multiple_choice", "all_or_nothing"),
        ("multiple_choice", "partial"),
        ("true_false", None),
        ("short_text", None),
        ("numeric", None),
        ("matching", "all_or_nothing"),
        ("matching", "partial"),
        ("ordering", "all_or_nothing"),
        ("ordering", "partial"),
    } == KINDS_AND_MODES


def test_qti3_export_then_import_gives_the_same_questions(testapp, instructor, course, written):
    package = export(testapp, instructor, written["id"], "qti3")
    copy = create_assessment(testapp, instructor, course["id"], title="Imported copy")

    answer = import_file(testapp, instructor, copy["id"], package.body, "application/zip").json

    assert (answer["skipped"], answer["warnings"]) == ([], [])
    original = [authored(question) for question in questions_of(testapp, instructor, written["id"])]
    assert [authored(question) for question in questions_of(testapp, instructor, copy["id"])] == original
    assert len(original) == len(QUESTIONS)


def test_gift_export_then_import_gives_the_same_questions_but_ordering(testapp, instructor, course, written):
    text = export(testapp, instructor, written["id"], "gift")
    copy = create_assessment(testapp, instructor, course["id"], title="Imported copy")

    answer = import_file(testapp, instructor, copy["id"], text.body, "text/plain").json

    assert (answer["skipped"], answer["warnings"]) == ([], [])
    original = [authored(question) for question in questions_of(testapp, instructor, written["id"])]
    assert [authored(question) for question in questions_of(testapp, instructor, copy["id"])] == [
        question for question in original if question["type"] != "ordering"
    ]
    # GIFT has no ordering questions: each is a comment in the file.
    assert "// question 11 (ordering) is not exported: GIFT has no ordering questions" in text.text
    assert "// question 12 (ordering) is not exported: GIFT has no ordering questions" in text.text


def test_an_export_is_a_file_to_save(testapp, instructor, written):
    package = export(testapp, instructor, written["id"], "qti3")
    assert package.headers["Content-Type"] == "application/zip"
    assert package.headers["Content-Disposition"] == f'attachment; filename="{written["id"]}.zip"'
    names = zipfile.ZipFile(io.BytesIO(package.body)).namelist()
    assert names == ["imsmanifest.xml", *(f"items/item-{number:04d}.xml" for number in range(1, len(QUESTIONS) + 1))]

    gift = export(testapp, instructor, written["id"], "gift")
    assert gift.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert gift.headers["Content-Disposition"] == f'attachment; filename="{written["id"]}.gift"'
    assert gift.text.startswith("// [points:2.5]\n[plain]Pick the mean of 1, 2 and 3.\\n\\nTake care. {\n")


def test_the_export_follows_the_positions(testapp, instructor, written):
    last = questions_of(testapp, instructor, written["id"])[-1]
    testapp.patch_json(assessment_url(written["id"], "questions", last["id"]), {"position": 1}, headers=instructor.headers)

    items = zipfile.ZipFile(io.BytesIO(export(testapp, instructor, written["id"], "qti3").body)).read("items/item-0001.xml")

    assert b"Order the stages." in items


def test_an_empty_assessment_exports_empty_files(testapp, instructor, course):
    empty = create_assessment(testapp, instructor, course["id"])
    assert export(testapp, instructor, empty["id"], "gift").body == b""
    package = export(testapp, instructor, empty["id"], "qti3")
    assert zipfile.ZipFile(io.BytesIO(package.body)).namelist() == ["imsmanifest.xml"]
    error = import_file(testapp, instructor, empty["id"], package.body, "application/zip", status=422).json["error"]
    assert error["code"] == "nothing_to_import"


@pytest.mark.parametrize("query", ["", "?format=qti2", "?format=QTI3", "?format=gift&format=qti3"])
def test_the_format_is_qti3_or_gift(testapp, instructor, written, query):
    response = testapp.get(f"{API}/assessments/{written['id']}/export{query}", headers=instructor.headers, status=400)
    assert response.json["error"]["code"] == "invalid_parameter"
    assert list(response.json["error"]["details"]) == ["format"]


def test_learners_may_not_export_the_answer_keys(testapp, learner, enroll, course, written):
    enroll(course["id"], learner)
    assert export(testapp, learner, written["id"], "gift", status=403).json["error"]["code"] == "forbidden"
