"""GIFT import: Moodle's GIFT files (copied and own) give exactly these bodies and skips."""

from decimal import Decimal as D

import pytest

from assessment_service.integrations.interchange import ImportRefused, parse
from helpers.interchange import fixture_bytes


def gift(text):
    """The report of GIFT text."""
    return parse(text.encode(), "text/plain")


def fixture(name):
    """The report of a GIFT fixture file."""
    return parse(fixture_bytes(f"gift/{name}"), "text/plain; charset=utf-8")


def test_format_examples_matching_with_format_markers_and_distractor():
    report = fixture("formatExamples.gift")
    assert report.questions == [
        (
            "line 1 (Moodle activities)",
            {
                "type": "matching",
                "prompt": "Match the activity to the description.",
                "points": D(1),
                "pairs": [
                    {"prompt": "An activity supporting asynchronous discussions.", "match": "Forum"},
                    {"prompt": "A teacher asks a question and specifies a choice of multiple responses.", "match": "Choice"},
                    {"prompt": "A bank of record entries which participants can add to.", "match": "Database"},
                    {"prompt": "A collection of web pages that anyone can add to or edit.", "match": "Wiki"},
                ],
                "distractors": ["Chat"],
                "scoring": "partial",
            },
        )
    ]
    assert report.skipped == [] and report.warnings == []


def test_escape_all_control_characters_and_feedback():
    report = fixture("escapeAll.gift")
    choices = [{"text": char, "correct": False, "feedback": f"{char} is a control character."} for char in "~=#{}:"] + [
        {
            "text": "\\",
            "correct": True,
            "feedback": "Correct! \\ (backslash) is not a control character. BUT,\nit is used to escape the control characters.",
        }
    ]
    assert report.questions == [
        (
            "line 1 (GIFT Control Characters)",
            {
                "type": "single_choice",
                "prompt": "Which of the following is NOT a control character for the GIFT import format?",
                "points": D(1),
                "choices": choices,
            },
        )
    ]


def test_numerical_forms():
    report = fixture("numerical1.gift")
    grant = "When was Ulysses S. Grant born?"
    pi = "What is the value of pi (to 3 decimal places)? _____."
    assert [body for _, body in report.questions] == [
        {"type": "numeric", "prompt": grant, "points": D(1), "correct_answer": D(1822), "tolerance": D(0)},
        {"type": "numeric", "prompt": pi, "points": D(1), "correct_answer": D("3.1415"), "tolerance": D("0.0005")},
        {"type": "numeric", "prompt": pi, "points": D(1), "correct_answer": D("3.1415"), "tolerance": D("0.0005")},
        {"type": "numeric", "prompt": "Give me a number from 1 to 5. _____.", "points": D(1), "correct_answer": D(3), "tolerance": D(2)},
        {"type": "numeric", "prompt": grant, "points": D(1), "correct_answer": D(1822), "tolerance": D(0)},
    ]
    assert [source for source, _ in report.questions] == ["line 3", "line 5", "line 7", "line 9", "line 11"]
    assert report.warnings == ["line 11: the answer '1822:2' worth 50% is not carried"]


def test_true_false_with_two_feedbacks():
    report = fixture("TFTwoFeedback.gift")
    assert report.questions == [
        (
            "line 1",
            {
                "type": "true_false",
                "prompt": "Grant is buried in Grant's tomb.",
                "points": D(1),
                "correct_answer": False,
            },
        )
    ]
    assert report.warnings == ["line 1: feedback on the true and false answers is not carried"]


def test_matching_over_several_lines():
    report = fixture("matching1.gift")
    assert [body for _, body in report.questions] == [
        {
            "type": "matching",
            "prompt": "Matching Question.",
            "points": D(1),
            "scoring": "partial",
            "distractors": [],
            "pairs": [{"prompt": f"formattedSubquestion{n}", "match": f"subanswer{n}"} for n in (1, 2, 3)],
        },
        {
            "type": "matching",
            "prompt": "Match the following countries with their corresponding capitals.",
            "points": D(1),
            "scoring": "partial",
            "distractors": [],
            "pairs": [
                {"prompt": "Canada", "match": "Ottawa"},
                {"prompt": "Italy", "match": "Rome"},
                {"prompt": "Japan", "match": "Tokyo"},
                {"prompt": "India", "match": "New Delhi"},
            ],
        },
    ]


def test_multiple_answers_with_weights_is_partial_multiple_choice():
    report = fixture("multipleAnswersFloat.gift")
    assert report.questions == [
        (
            "line 1",
            {
                "type": "multiple_choice",
                "prompt": "Select all of the options below which name a continent:",
                "points": D(1),
                "choices": [
                    {"text": "Africa", "correct": True},
                    {"text": "Asia", "correct": True},
                    {"text": "China", "correct": False},
                    {"text": "Antarctica", "correct": True},
                    {"text": "America", "correct": False},
                ],
                "scoring": "partial",
            },
        )
    ]
    # Moodle's -100% per wrong answer is harsher than the service's -1/n: the report says so.
    assert report.warnings == [
        "line 1: the answer weights are replaced by the service's partial scoring (1/n per correct choice, minus 1/n per wrong one)"
    ]


def test_comments_around_a_question():
    report = fixture("mc4.gift")
    assert report.questions == [
        (
            "line 1",
            {
                "type": "single_choice",
                "prompt": "Who's buried in Grant's tomb?",
                "points": D(1),
                "choices": [
                    {"text": "Grant", "correct": False},
                    {"text": "Jefferson", "correct": False},
                    {"text": "no one", "correct": True},
                ],
            },
        )
    ]


def test_essay_and_description_are_skipped_with_their_reason():
    assert fixture("essay1.gift").skipped == [{"source": "line 1", "reason": "an essay question ({}) is graded by hand"}]
    report = fixture("description1.gift")
    assert report.skipped == [{"source": "line 1 (Description Title)", "reason": "a description (text without answers) asks no question"}]
    assert report.questions == [("line 3", {"type": "true_false", "prompt": "True or false?", "points": D(1), "correct_answer": True})]


def test_short_answers_and_the_missing_word_form():
    report = fixture("shortAnswer1.gift")
    assert [body for _, body in report.questions] == [
        {
            "type": "short_text",
            "prompt": "Who's buried in Grant's tomb?",
            "points": D(1),
            "accepted_answers": ["no one", "nobody"],
            "case_sensitive": False,
        },
        {
            "type": "short_text",
            "prompt": "Two plus two equals _____.",
            "points": D(1),
            "accepted_answers": ["four", "4"],
            "case_sensitive": False,
        },
    ]


def test_moodle_documentation_shapes():
    report = fixture("moodle_shapes.gift")
    one = D(1)
    assert report.questions == [
        (
            "line 3",
            {
                "type": "single_choice",
                "prompt": "Which planet is known as the red planet?",
                "points": one,
                "choices": [{"text": "Venus", "correct": False}, {"text": "Jupiter", "correct": False}, {"text": "Mars", "correct": True}],
            },
        ),
        (
            "line 5",
            {
                "type": "single_choice",
                "prompt": "The Moon orbits the _____ once a month.",
                "points": one,
                "choices": [{"text": "Sun", "correct": False}, {"text": "Earth", "correct": True}, {"text": "Mars", "correct": False}],
            },
        ),
        ("line 7", {"type": "true_false", "prompt": "The Sun is a star.", "points": one, "correct_answer": True}),
        (
            "line 9",
            {
                "type": "short_text",
                "prompt": "Which gas do plants take in?",
                "points": one,
                "accepted_answers": ["carbon dioxide", "CO2"],
                "case_sensitive": False,
            },
        ),
        (
            "line 11",
            {
                "type": "numeric",
                "prompt": "In which year did Apollo 11 land on the Moon?",
                "points": one,
                "correct_answer": D(1969),
                "tolerance": D(1),
            },
        ),
        (
            "line 13",
            {
                "type": "matching",
                "prompt": "Match each planet with its position from the Sun.",
                "points": one,
                "pairs": [{"prompt": "Mercury", "match": "1"}, {"prompt": "Venus", "match": "2"}, {"prompt": "Earth", "match": "3"}],
                "distractors": [],
                "scoring": "partial",
            },
        ),
        (
            "line 15 (Red planet)",
            {
                "type": "single_choice",
                "prompt": "The red planet is _____.",
                "points": one,
                "choices": [
                    {"text": "Venus", "correct": False, "feedback": "Venus is covered in yellow clouds."},
                    {"text": "Mars", "correct": True, "feedback": "Right, iron oxide makes it red."},
                    {"text": "Saturn", "correct": False, "feedback": "Saturn is a gas giant."},
                ],
            },
        ),
        (
            "line 21",
            {
                "type": "single_choice",
                "prompt": "A hard multiple choice question.",
                "points": one,
                "choices": [
                    {"text": "a wrong answer", "correct": False, "feedback": "not this one"},
                    {"text": "a half credit answer", "correct": False, "feedback": "almost"},
                    {"text": "the full credit answer", "correct": True, "feedback": "well done!"},
                ],
            },
        ),
        (
            "line 26 (Moon landing (short answer))",
            {
                "type": "short_text",
                "prompt": "The first person on the Moon was _____.",
                "points": one,
                "accepted_answers": ["Neil Armstrong"],
                "case_sensitive": False,
            },
        ),
        (
            "line 31 (Numeric with several answers)",
            {
                "type": "numeric",
                "prompt": "How many planets are in the Solar System?",
                "points": one,
                "correct_answer": D(8),
                "tolerance": D(0),
            },
        ),
    ]
    assert report.warnings == [
        "line 21: partial credit for some answers is not carried",
        "line 26 (Moon landing (short answer)): feedback on single answers is not carried",
        "line 26 (Moon landing (short answer)): the answer 'Armstrong' worth 50% is not carried",
        "line 31 (Numeric with several answers): feedback on single answers is not carried",
        "line 31 (Numeric with several answers): the answer '9:0' worth 50% is not carried",
    ]


def test_general_feedback_and_html_are_reduced_to_text():
    report = gift("::t::[html]<p>Pick <b>one</b></p><p>now &amp; here</p>{=<i>a</i> ~b ####<p>Because.</p>}")
    assert report.questions[0].body == {
        "type": "single_choice",
        "prompt": "Pick one\n\nnow & here",
        "points": D(1),
        "feedback": "Because.",
        "choices": [{"text": "a", "correct": True}, {"text": "b", "correct": False}],
    }


def test_markdown_text_is_kept_as_written_and_newline_escapes_break_lines():
    report = gift("[markdown]Read **this**\\nthen answer{TRUE}")
    assert report.questions[0].body["prompt"] == "Read **this**\nthen answer"


def test_default_moodle_format_keeps_angle_brackets_that_are_not_tags():
    report = gift("Is 1 < 2 and 3 > 2?{T}")
    assert report.questions[0].body["prompt"] == "Is 1 < 2 and 3 > 2?"


def test_comment_tags_carry_points_scoring_and_case_sensitivity():
    report = gift("// [points:2.5] [scoring:all_or_nothing]\nPick{~%50%a ~%50%b ~%-50%c}\n\n// [case_sensitive:true]\nName{=Ada}")
    assert [body for _, body in report.questions] == [
        {
            "type": "multiple_choice",
            "prompt": "Pick",
            "points": D("2.5"),
            "scoring": "all_or_nothing",
            "choices": [{"text": "a", "correct": True}, {"text": "b", "correct": True}, {"text": "c", "correct": False}],
        },
        {"type": "short_text", "prompt": "Name", "points": D(1), "accepted_answers": ["Ada"], "case_sensitive": True},
    ]


def test_unmappable_gift_is_skipped_with_reasons():
    report = gift(
        "Two right{=a =b ~c}\n\n"
        "Two numbers{#=1:0 =2:0}\n\n"
        "Nothing right{=%50%a =%20%b}\n\n"
        "Open {\n\n"
        "Picture [html]<img src='x.png'>{T}\n\n"
        "$CATEGORY: tom/dick"
    )
    assert report.questions == []
    assert report.skipped == [
        {"source": "line 1", "reason": "several answers give full credit; a single-choice question has one"},
        {"source": "line 3", "reason": "2 numeric answers give full credit; the service keeps one"},
        {"source": "line 5", "reason": "no answer gives full credit"},
        {"source": "line 7", "reason": "the answers are not enclosed in { }"},
        {"source": "line 9", "reason": "the text uses media (img) that the service cannot show"},
    ]
    assert report.warnings == ["line 11: categories are not imported"]


def test_too_few_choices_is_skipped_by_the_contract_limits():
    report = gift("Only one{=a ~}")
    assert report.skipped == [{"source": "line 1", "reason": "a choice is blank"}]


def test_utf8_with_bom_is_read_and_other_encodings_refused():
    assert gift("\ufeffQ{T}").questions[0].body["prompt"] == "Q"
    with pytest.raises(ImportRefused) as refused:
        parse("Qüestion{T}".encode("latin-1"), "text/plain")
    assert (refused.value.status, refused.value.code) == (422, "validation_failed")
    assert "not UTF-8" in refused.value.message


def test_a_malformed_html_declaration_is_read_as_text():
    # Python's HTMLParser raises AssertionError on "<![JDATA[": found by fuzzing.
    report = gift("[html]Q <![JDATA[x]]> here{T}")
    assert report.questions[0].body["prompt"] == "Q <![JDATA[x]]> here"
