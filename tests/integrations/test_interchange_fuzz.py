"""No input gives anything but a report or ImportRefused: random and mutated files for every parser."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment_service.integrations.interchange import ImportRefused, ImportReport, parse
from assessment_service.integrations.interchange.bodies import problems
from helpers.interchange import fixture_bytes, manifest, zip_entries, zip_folder

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
XML_FIXTURES = [
    "canvas_quiz/g5c2a1e0b/g5c2a1e0b.xml",
    "qti21_package/items/choice.xml",
    "qti21_package/items/numeric_entry.xml",
    "qti21_package/items/match.xml",
    "qti30_package/items/choice.xml",
    "qti30_package/items/text_entry.xml",
    "qti30_package/items/order.xml",
    "qti30_package/items/match_shared.xml",
]
GIFT_FIXTURES = ["gift/moodle_shapes.gift", "gift/escapeAll.gift", "gift/numerical1.gift", "gift/formatExamples.gift"]
PACKAGES = [zip_folder("canvas_quiz"), zip_folder("qti21_package"), zip_folder("qti30_package")]
GIFT_PIECES = st.sampled_from(
    [
        "{",
        "}",
        "~",
        "=",
        "#",
        "####",
        "->",
        ":",
        "..",
        "::",
        "%",
        "%50%",
        "%-100%",
        "\\",
        "\\n",
        "\n",
        "\n\n",
        "// ",
        "[html]",
        "[markdown]",
        "[plain]",
        "<p>",
        "</p>",
        "<img>",
        "T",
        "FALSE",
        "$CATEGORY:",
        " ",
        "1822",
        "-3.5",
        "1e999",
        "a",
        "é",
    ]
)


def outcome(data, content_type):
    """Parse and check the result is a report of valid bodies, or a refusal with a 4xx."""
    try:
        report = parse(data, content_type)
    except ImportRefused as refused:
        assert 400 <= refused.status < 500 and refused.message and refused.details
        return
    assert isinstance(report, ImportReport)
    for question in report.questions:
        assert problems(question.body) == []


def mutate(data, edits):
    """`data` with each (position, new byte, cut) edit applied: a flip, an insertion or a deletion."""
    data = bytearray(data)
    for position, value, action in edits:
        if not data:
            break
        position %= len(data)
        if action == 0:
            data[position] = value
        elif action == 1:
            data.insert(position, value)
        else:
            del data[position]
    return bytes(data)


EDITS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255), st.integers(0, 2)), min_size=1, max_size=8)


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["application/zip", "application/xml", "text/plain", "text/xml"]))
def test_random_bytes(data, content_type):
    outcome(data, content_type)


@FUZZ
@given(st.sampled_from(XML_FIXTURES), EDITS)
def test_mutated_qti_documents(name, edits):
    outcome(mutate(fixture_bytes(name), edits), "application/xml")


@FUZZ
@given(st.sampled_from(range(len(PACKAGES))), EDITS)
def test_mutated_packages(index, edits):
    outcome(mutate(PACKAGES[index], edits), "application/zip")


@FUZZ
@given(st.sampled_from(XML_FIXTURES), EDITS)
def test_packages_of_mutated_documents(name, edits):
    package = zip_entries(
        {
            "imsmanifest.xml": manifest("item.xml", kind="imsqti_xmlv1p2" if "canvas" in name else "imsqti_item_xmlv2p1"),
            "item.xml": mutate(fixture_bytes(name), edits),
        }
    )
    outcome(package, "application/zip")


@FUZZ
@given(st.sampled_from(GIFT_FIXTURES), EDITS)
def test_mutated_gift_files(name, edits):
    outcome(mutate(fixture_bytes(name), edits), "text/plain")


@FUZZ
@given(st.lists(st.one_of(GIFT_PIECES, st.text(max_size=5)), max_size=40).map("".join))
def test_random_gift_text(text):
    outcome(text.encode("utf-8", "replace"), "text/plain")


@FUZZ
@given(st.text(st.sampled_from(list("<>/=\"' abcpqti-:&;#x!?[]")), max_size=300))
def test_random_xml_like_text(text):
    outcome(text.encode(), "application/xml")
