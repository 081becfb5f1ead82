"""QTI import: Canvas QTI 1.2, QTI 2.1 and QTI 3.0 packages and items give exactly these bodies."""

from decimal import Decimal as D

import pytest

from assessment_service.integrations.interchange import ImportRefused, parse
from helpers.interchange import fixture_bytes, manifest, zip_entries, zip_folder

CANVAS = "g5c2a1e0b/g5c2a1e0b.xml#"


def test_canvas_quiz_export_package():
    report = parse(zip_folder("canvas_quiz"), "application/zip")
    assert report.questions == [
        (
            CANVAS + "i1a",
            {
                "type": "single_choice",
                "prompt": "Which planet is the largest?",
                "points": D(2),
                "choices": [
                    {"text": "Jupiter", "correct": True, "feedback": "Yes, by far."},
                    {"text": "Saturn", "correct": False, "feedback": "Second largest."},
                    {"text": "Neptune", "correct": False},
                ],
                "feedback": "Jupiter is more than twice as massive as all the other planets together.",
            },
        ),
        (CANVAS + "i2b", {"type": "true_false", "prompt": "Venus is hotter than Mercury.", "points": D(1), "correct_answer": True}),
        (
            CANVAS + "i3c",
            {
                "type": "short_text",
                "prompt": "Name the closest star to Earth.",
                "points": D(1),
                "accepted_answers": ["the Sun", "Sun"],
                "case_sensitive": False,
            },
        ),
        (
            CANVAS + "i4d",
            {
                "type": "multiple_choice",
                "prompt": "Which of these are gas giants?",
                "points": D(3),
                "choices": [
                    {"text": "Jupiter", "correct": True},
                    {"text": "Mars", "correct": False},
                    {"text": "Saturn", "correct": True},
                    {"text": "Venus", "correct": False},
                ],
                "scoring": "all_or_nothing",
            },
        ),
        (
            CANVAS + "i5e",
            {
                "type": "numeric",
                "prompt": "How many days does Mars take to orbit the Sun (within a week)?",
                "points": D(1),
                "correct_answer": D(687),
                "tolerance": D(7),
            },
        ),
        (
            CANVAS + "i6f",
            {
                "type": "numeric",
                "prompt": "Give any whole number of moons between Earth's and Jupiter's count.",
                "points": D(1),
                "correct_answer": D(48),
                "tolerance": D(47),
            },
        ),
        (
            CANVAS + "i7g",
            {
                "type": "matching",
                "prompt": "Match each planet with its description.",
                "points": D(2),
                "pairs": [{"prompt": "Mars", "match": "Red planet"}, {"prompt": "Saturn", "match": "Ringed planet"}],
                "distractors": ["Blue ice giant"],
                "scoring": "partial",
            },
        ),
    ]
    # The Canvas types the service has no form for, and why.
    assert report.skipped == [
        {"source": CANVAS + "i8h", "reason": "essay questions are graded by hand"},
        {"source": CANVAS + "i9i", "reason": "file upload questions are graded by hand"},
        {"source": CANVAS + "i10j", "reason": "several blanks in one question (fill in multiple blanks)"},
        {"source": CANVAS + "i11k", "reason": "a text-only item asks no question"},
        {"source": CANVAS + "i12l", "reason": "several dropdowns in one question (multiple dropdowns)"},
        {"source": CANVAS + "i13m", "reason": "formula questions with random variables (calculated)"},
        {"source": CANVAS + "i14n", "reason": "the text uses media (img) that the service cannot show"},
    ]
    assert report.warnings == [CANVAS + "i1a: feedback shown only for correct or incorrect answers is not carried"]


def test_a_questestinterop_file_alone_as_xml():
    report = parse(fixture_bytes("canvas_quiz/g5c2a1e0b/g5c2a1e0b.xml"), "application/xml")
    assert [source for source, _ in report.questions] == ["i1a", "i2b", "i3c", "i4d", "i5e", "i6f", "i7g"]
    assert len(report.skipped) == 7


def test_qti21_package():
    report = parse(zip_folder("qti21_package"), "application/zip")
    assert report.questions == [
        (
            "items/choice.xml#choice",
            {
                "type": "single_choice",
                "prompt": "Look at the map of North America.\n\nWhat is the capital of Canada?",
                "points": D(1),
                "choices": [
                    {"text": "Toronto", "correct": False, "feedback": "Toronto is the largest city, not the capital."},
                    {"text": "Ottawa", "correct": True, "feedback": "Yes, Ottawa."},
                    {"text": "Montréal", "correct": False},
                ],
            },
        ),
        (
            "items/choice_multiple.xml#choice_multiple",
            {
                "type": "multiple_choice",
                "prompt": "Which of these numbers are prime?",
                "points": D(3),
                "choices": [
                    {"text": "2", "correct": True},
                    {"text": "3", "correct": True},
                    {"text": "4", "correct": False},
                    {"text": "5", "correct": True},
                ],
                "scoring": "partial",
            },
        ),
        (
            "items/text_entry.xml#textEntry",
            {
                "type": "short_text",
                "points": D(1),
                "prompt": "Fill in the missing word of this line from Hamlet.\n\nTo be, or not to be, that is the _____:",
                "accepted_answers": ["question"],
                "case_sensitive": False,
            },
        ),
        (
            "items/numeric_entry.xml#numericEntry",
            {
                "type": "numeric",
                "prompt": "At what temperature, in degrees Celsius, does water boil at sea level?",
                "points": D(2),
                "correct_answer": D(100),
                "tolerance": D("0.5"),
            },
        ),
        (
            "items/order.xml#order",
            {
                "type": "ordering",
                "prompt": "Put these planets in order, the largest first.",
                "points": D(1),
                "items": [{"text": "Jupiter"}, {"text": "Saturn"}, {"text": "Earth"}],
                "scoring": "all_or_nothing",
            },
        ),
        (
            "items/match.xml#match",
            {
                "type": "matching",
                "prompt": "Match each author with a book they wrote.",
                "points": D(2),
                "pairs": [{"prompt": "Jane Austen", "match": "Emma"}, {"prompt": "Herman Melville", "match": "Moby-Dick"}],
                "distractors": ["Ulysses"],
                "scoring": "partial",
            },
        ),
    ]
    assert report.skipped == [
        {"source": "items/extended_text.xml#extendedText", "reason": "essay (extendedTextInteraction) answers are graded by hand"},
        {"source": "items/hotspot.xml#hotspot", "reason": "hotspot (hotspotInteraction) needs an image"},
        {"source": "items/inline_choice.xml#inlineChoice", "reason": "inline choice (inlineChoiceInteraction) dropdowns are not supported"},
        {"source": "items/choice_image.xml#choiceImage", "reason": "the prompt uses media (img) that the service cannot show"},
    ]
    assert report.warnings == ["items/text_entry.xml#textEntry: answers worth partial credit are not carried"]


def test_qti30_package():
    report = parse(zip_folder("qti30_package"), "application/zip")
    assert report.questions == [
        (
            "items/choice.xml#q3-choice",
            {
                "type": "single_choice",
                "prompt": "Which is the largest ocean on Earth?",
                "points": D("1.5"),
                "choices": [
                    {"text": "Atlantic", "correct": False, "feedback": "The second largest."},
                    {"text": "Indian", "correct": False},
                    {"text": "Pacific", "correct": True, "feedback": "Right: it covers a third of the planet."},
                ],
            },
        ),
        (
            "items/choice_multiple.xml#q3-choice-multiple",
            {
                "type": "multiple_choice",
                "prompt": "Select every noble gas.",
                "points": D(1),
                "choices": [{"text": "Helium", "correct": True}, {"text": "Nitrogen", "correct": False}, {"text": "Neon", "correct": True}],
                "scoring": "all_or_nothing",
                "feedback": "Noble gases sit in the last column of the periodic table.",
            },
        ),
        (
            "items/text_entry.xml#q3-text-entry",
            {
                "type": "numeric",
                "prompt": "Give the value of pi to two decimal places: _____",
                "points": D(1),
                "correct_answer": D("3.14"),
                "tolerance": D("0.005"),
            },
        ),
        (
            "items/order.xml#q3-order",
            {
                "type": "ordering",
                "prompt": "Put the stages of a butterfly's life in order.",
                "points": D(1),
                "items": [{"text": "Egg"}, {"text": "Caterpillar"}, {"text": "Chrysalis"}, {"text": "Butterfly"}],
                "scoring": "all_or_nothing",
            },
        ),
        (
            "items/match.xml#q3-match",
            {
                "type": "matching",
                "prompt": "Match each symbol with its element.",
                "points": D(1),
                "pairs": [{"prompt": "Fe", "match": "Iron"}, {"prompt": "Au", "match": "Gold"}],
                "distractors": ["Silver"],
                "scoring": "all_or_nothing",
            },
        ),
    ]
    assert report.skipped == [
        {"source": "items/match_shared.xml#q3-match-shared", "reason": "an option is the match of several prompts"},
        {"source": "items/essay.xml#q3-essay", "reason": "essay (extendedTextInteraction) answers are graded by hand"},
        {"source": "items/upload.xml#q3-upload", "reason": "file upload (uploadInteraction) answers are graded by hand"},
        {"source": "items/graphic_order.xml#q3-graphic-order", "reason": "graphic order (graphicOrderInteraction) needs an image"},
        {
            "source": "items/two_blanks.xml#q3-two-blanks",
            "reason": "the item has 2 interactions (textEntryInteraction); the service maps one per question",
        },
    ]
    assert report.warnings == ["items/text_entry.xml#q3-text-entry: answers equal after rounding are kept as an absolute tolerance"]


@pytest.mark.parametrize("content_type", ["application/xml", "text/xml; charset=utf-8"])
def test_a_single_item_as_xml(content_type):
    report = parse(fixture_bytes("qti30_package/items/order.xml"), content_type)
    assert [source for source, _ in report.questions] == ["q3-order"]


def test_a_single_skipped_item_gives_an_empty_report_with_its_reason():
    report = parse(fixture_bytes("qti21_package/items/extended_text.xml"), "application/xml")
    assert report.questions == []
    assert report.skipped == [{"source": "extendedText", "reason": "essay (extendedTextInteraction) answers are graded by hand"}]


def test_a_test_document_alone_is_refused():
    with pytest.raises(ImportRefused) as refused:
        parse(fixture_bytes("qti30_package/test.xml"), "application/xml")
    assert refused.value.status == 422 and "assessmentTest" in refused.value.message


def test_a_file_the_manifest_lists_but_the_package_lacks_is_skipped():
    report = parse(zip_entries({"imsmanifest.xml": manifest("items/missing.xml")}), "application/zip")
    assert report.skipped == [{"source": "items/missing.xml", "reason": "the manifest lists this file but the package does not hold it"}]


def test_a_manifest_without_qti_resources_warns():
    report = parse(zip_entries({"imsmanifest.xml": manifest("page.html", kind="webcontent")}), "application/zip")
    assert report.questions == [] and report.skipped == []
    assert report.warnings == ["imsmanifest.xml: the manifest lists no QTI 1.2 assessment nor QTI 2.x/3.0 item"]


def test_a_package_in_a_folder_finds_its_manifest_and_relative_files():
    item = fixture_bytes("qti30_package/items/order.xml")
    package = zip_entries({"quiz/imsmanifest.xml": manifest("items/order.xml"), "quiz/items/order.xml": item})
    assert [source for source, _ in parse(package, "application/zip").questions] == ["quiz/items/order.xml#q3-order"]


def qti3_item(body, declarations, processing=""):
    """A QTI 3.0 item around a body and response declarations."""
    return (
        '<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="x">'
        f"{declarations}<qti-item-body>{body}</qti-item-body>{processing}</qti-assessment-item>"
    ).encode()


def test_numeric_tolerance_forms():
    declaration = (
        '<qti-response-declaration identifier="R" cardinality="single" base-type="float">'
        "<qti-correct-response><qti-value>10</qti-value></qti-correct-response></qti-response-declaration>"
    )
    body = '<p>How much?</p><qti-text-entry-interaction response-identifier="R"/>'

    def key(processing):
        report = parse(qti3_item(body, declaration, f"<qti-response-processing>{processing}</qti-response-processing>"), "application/xml")
        question = report.questions[0].body
        return question["correct_answer"], question["tolerance"]

    variable = '<qti-variable identifier="R"/><qti-correct identifier="R"/>'
    assert key(f'<qti-equal tolerance-mode="relative" tolerance="5">{variable}</qti-equal>') == (D(10), D("0.5"))
    assert key(f'<qti-equal tolerance-mode="absolute" tolerance="1 3">{variable}</qti-equal>') == (D(11), D(2))
    assert key(f'<qti-equal-rounded rounding-mode="significantFigures" figures="1">{variable}</qti-equal-rounded>') == (D(10), D(5))
    assert key(
        '<qti-and><qti-gte><qti-variable identifier="R"/><qti-base-value base-type="float">8</qti-base-value></qti-gte>'
        '<qti-lte><qti-variable identifier="R"/><qti-base-value base-type="float">12</qti-base-value></qti-lte></qti-and>'
    ) == (D(10), D(2))
    assert key("") == (D(10), D(0))


def test_randomised_items_are_skipped():
    item = qti3_item(
        '<qti-choice-interaction response-identifier="R"/>',
        '<qti-template-declaration identifier="A" cardinality="single" base-type="integer"/>',
    )
    assert parse(item, "application/xml").skipped == [{"source": "x", "reason": "the item uses template variables (a randomised item)"}]
