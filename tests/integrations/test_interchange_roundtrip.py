"""Export then import gives the same bodies: every type and scoring mode, QTI 3.0 and GIFT."""

import io
import zipfile
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment_service.integrations.interchange import export_gift, export_qti3, parse
from helpers.interchange_bodies import body

FEEDBACK = "Why:\nbecause.\n\nSee the notes."
BODIES = {
    "single_choice": {
        "type": "single_choice",
        "prompt": "Pick one\nof these.\n\nCarefully.",
        "points": D("2.5"),
        "feedback": FEEDBACK,
        "choices": [
            {"text": "A ~ = # { } : \\ x", "correct": True, "feedback": "yes"},
            {"text": "[html] <b>b</b> & c", "correct": False, "feedback": "[plain] no"},
            {"text": "%50% c", "correct": False},
        ],
    },
    "multiple_choice partial": {
        "type": "multiple_choice",
        "prompt": "Pick the primes",
        "points": D(1),
        "scoring": "partial",
        "choices": [{"text": "2", "correct": True, "feedback": "prime"}, {"text": "3", "correct": True}, {"text": "4", "correct": False}],
    },
    "multiple_choice all_or_nothing": {
        "type": "multiple_choice",
        "prompt": "Pick the evens",
        "points": D(3),
        "scoring": "all_or_nothing",
        "choices": [{"text": "2", "correct": True}, {"text": "3", "correct": False}, {"text": "%50%4", "correct": True}],
    },
    "true_false": {"type": "true_false", "prompt": "Sky is blue", "points": D(1), "correct_answer": False, "feedback": FEEDBACK},
    "short_text": {
        "type": "short_text",
        "prompt": "Name the author of _____.",
        "points": D("0.5"),
        "accepted_answers": ["Ada Lovelace", "%x% Ada"],
        "case_sensitive": True,
    },
    "short_text case-insensitive": {
        "type": "short_text",
        "prompt": "Name",
        "points": D(1),
        "accepted_answers": ["ada"],
        "case_sensitive": False,
    },
    "numeric": {"type": "numeric", "prompt": "Pi?", "points": D(4), "correct_answer": D("-3.1416"), "tolerance": D("0.0001")},
    "numeric exact": {"type": "numeric", "prompt": "Count", "points": D(1), "correct_answer": D(1000000), "tolerance": D(0)},
    "matching partial": {
        "type": "matching",
        "prompt": "Match",
        "points": D(2),
        "scoring": "partial",
        "pairs": [{"prompt": "Fe", "match": "Iron -> metal"}, {"prompt": "Au", "match": "Gold"}],
        "distractors": ["Silver"],
    },
    "matching all_or_nothing": {
        "type": "matching",
        "prompt": "Match",
        "points": D(2),
        "scoring": "all_or_nothing",
        "pairs": [{"prompt": "a", "match": "1"}, {"prompt": "b", "match": "2"}, {"prompt": "c", "match": "3"}],
        "distractors": [],
    },
    "ordering partial": {
        "type": "ordering",
        "prompt": "Order",
        "points": D(3),
        "scoring": "partial",
        "feedback": FEEDBACK,
        "items": [{"text": "egg"}, {"text": "larva"}, {"text": "pupa"}, {"text": "adult"}],
    },
    "ordering all_or_nothing": {
        "type": "ordering",
        "prompt": "Order",
        "points": D(1),
        "scoring": "all_or_nothing",
        "items": [{"text": "one"}, {"text": "two"}],
    },
}
GIFT_BODIES = {name: question for name, question in BODIES.items() if question["type"] != "ordering"}


def through_qti(questions):
    """Bodies exported to a QTI 3.0 package and imported back."""
    report = parse(export_qti3(questions), "application/zip")
    assert report.skipped == [] and report.warnings == []
    return [question for _, question in report.questions]


def through_gift(questions):
    """Bodies exported to GIFT and imported back."""
    report = parse(export_gift(questions).encode(), "text/plain")
    assert report.skipped == [] and report.warnings == []
    return [question for _, question in report.questions]


@pytest.mark.parametrize("name", BODIES)
def test_qti3_round_trip(name):
    assert through_qti([BODIES[name]]) == [BODIES[name]]


@pytest.mark.parametrize("name", GIFT_BODIES)
def test_gift_round_trip(name):
    assert through_gift([GIFT_BODIES[name]]) == [GIFT_BODIES[name]]


def test_a_whole_assessment_round_trips_in_order():
    assert through_qti(list(BODIES.values())) == list(BODIES.values())
    assert through_gift(list(GIFT_BODIES.values())) == list(GIFT_BODIES.values())


def test_gift_export_leaves_ordering_out_with_a_comment_saying_why():
    text = export_gift([BODIES["true_false"], BODIES["ordering partial"], BODIES["numeric"]])
    assert "// question 2 (ordering) is not exported: GIFT has no ordering questions" in text
    assert through_gift([BODIES["true_false"], BODIES["ordering partial"], BODIES["numeric"]]) == [BODIES["true_false"], BODIES["numeric"]]


def test_gift_export_leaves_out_what_the_arrow_would_break():
    matching = {**BODIES["matching all_or_nothing"], "pairs": [{"prompt": "a -> b", "match": "1"}, {"prompt": "c", "match": "2"}]}
    short = {**BODIES["short_text"], "accepted_answers": ["x->y"]}
    text = export_gift([matching, short])
    assert text.splitlines() == [
        "// question 1 (matching) is not exported: a matching prompt contains '->', which GIFT reads as the arrow",
        "",
        "// question 2 (short_text) is not exported: an accepted answer contains '->', which GIFT reads as a matching question",
    ]


def test_defaults_left_out_of_a_body_are_written_as_the_service_applies_them():
    lean = {
        "type": "multiple_choice",
        "prompt": "Pick",
        "points": D(1),
        "choices": [{"text": "a", "correct": True}, {"text": "b", "correct": False}],
    }
    full = {**lean, "scoring": "all_or_nothing"}
    assert through_qti([lean]) == [full]
    assert through_gift([lean]) == [full]


def test_the_qti_package_is_a_manifest_and_one_item_per_question():
    package = zipfile.ZipFile(io.BytesIO(export_qti3([BODIES["numeric"], BODIES["true_false"]])))
    assert package.namelist() == ["imsmanifest.xml", "items/item-0001.xml", "items/item-0002.xml"]
    item = package.read("items/item-0001.xml").decode()
    assert 'xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"' in item
    assert '<qti-equal tolerance-mode="absolute" tolerance="0.0001 0.0001"' in item
    assert 'identifier="MAXSCORE"' in item and "<qti-value>4</qti-value>" in item
    assert export_qti3([BODIES["numeric"]]) == export_qti3([BODIES["numeric"]])


def test_characters_xml_cannot_hold_are_dropped_from_the_export():
    question = {**BODIES["true_false"], "prompt": "Bell\x07 here"}
    assert through_qti([question]) == [{**question, "prompt": "Bell here"}]


def test_an_empty_export():
    assert export_gift([]) == ""
    assert parse(export_qti3([]), "application/zip").warnings == [
        "imsmanifest.xml: the manifest lists no QTI 1.2 assessment nor QTI 2.x/3.0 item"
    ]


ALL_TYPES = ["single_choice", "multiple_choice", "true_false", "short_text", "numeric", "matching", "ordering"]


@settings(max_examples=60, deadline=None)
@given(st.lists(body(ALL_TYPES), min_size=1, max_size=3))
def test_any_bodies_round_trip_through_qti3(questions):
    assert through_qti(questions) == questions


@settings(max_examples=60, deadline=None)
@given(st.lists(body([kind for kind in ALL_TYPES if kind != "ordering"]), min_size=1, max_size=3))
def test_any_bodies_round_trip_through_gift(questions):
    assert through_gift(questions) == questions
