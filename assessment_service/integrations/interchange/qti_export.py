"""Authoring bodies written as a QTI 3.0 content package: a manifest and one item per question.

Response processing is written out rule by rule (not by template) so that what the
service scores survives: the points, a tolerance, partial credit by the response mapping
(choices, matching) or by positions (ordering), and the feedback to show.
"""

import io
import re
import zipfile
from decimal import Decimal
from xml.etree.ElementTree import Element, SubElement, tostring

from .bodies import plain_number
from .text import paragraphs

ITEM_NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
MANIFEST_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
ITEM_TYPE = "imsqti_item_xmlv3p0"
RESPONSE = "RESPONSE"
# Characters XML 1.0 cannot hold; a stored text with one still exports (without it).
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the same questions give the same bytes


def export_qti3(questions):
    """The bytes of a QTI 3.0 content package (zip) holding one item per authoring body."""
    buffer = io.BytesIO()
    names = [f"items/item-{number:04d}.xml" for number in range(1, len(questions) + 1)]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        write_entry(package, "imsmanifest.xml", manifest_xml(names))
        for number, (name, body) in enumerate(zip(names, questions), start=1):
            write_entry(package, name, item_xml(body, f"item-{number:04d}", f"Question {number}"))
    return buffer.getvalue()


def write_entry(package, name, element):
    """Add one XML document to the zip with a fixed timestamp."""
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    package.writestr(info, tostring(element, encoding="utf-8", xml_declaration=True))


def manifest_xml(names):
    """The package manifest listing each item file as a QTI 3.0 item resource."""
    manifest = Element("manifest", {"xmlns": MANIFEST_NS, "identifier": "assessment-service-export"})
    metadata = SubElement(manifest, "metadata")
    SubElement(metadata, "schema").text = "QTI Package"
    SubElement(metadata, "schemaversion").text = "3.0.0"
    SubElement(manifest, "organizations")
    resources = SubElement(manifest, "resources")
    for name in names:
        identifier = name.rsplit("/", 1)[-1].removesuffix(".xml")
        resource = SubElement(resources, "resource", {"identifier": identifier, "type": ITEM_TYPE, "href": name})
        SubElement(resource, "file", {"href": name})
    return manifest


def clean(text):
    """Text without the characters XML cannot carry."""
    return NOT_XML.sub("", text)


def number(value):
    """A Decimal as QTI writes a float: no exponent, no trailing zeros."""
    return plain_number(Decimal(value))


def item_xml(body, identifier, title):
    """One `qti-assessment-item` for an authoring body."""
    item = Element(
        "qti-assessment-item",
        {
            "xmlns": ITEM_NS,
            "identifier": identifier,
            "title": title,
            "adaptive": "false",
            "time-dependent": "false",
        },
    )
    points = Decimal(body.get("points", 1))
    writer = WRITERS[body["type"]]
    declaration = SubElement(item, "qti-response-declaration", {"identifier": RESPONSE})
    interaction, rules, choice_feedback = writer(body, declaration, points)
    outcome(item, "SCORE", "float", "0", {"normal-maximum": number(points)})
    outcome(item, "MAXSCORE", "float", number(points))
    if choice_feedback:
        outcome(item, "FEEDBACK", "identifier", None, {"cardinality": declaration.get("cardinality")})
    if body.get("feedback"):
        outcome(item, "FEEDBACK_GENERAL", "identifier", "general")
    item_body = SubElement(item, "qti-item-body")
    write_paragraphs(item_body, body["prompt"])
    if interaction.tag == "qti-text-entry-interaction":
        SubElement(item_body, "p").append(interaction)
    else:
        item_body.append(interaction)
    processing = SubElement(item, "qti-response-processing")
    processing.extend(rules)
    if choice_feedback:
        set_outcome(processing, "FEEDBACK", variable(RESPONSE))
    if body.get("feedback"):
        modal = SubElement(
            item,
            "qti-modal-feedback",
            {
                "outcome-identifier": "FEEDBACK_GENERAL",
                "identifier": "general",
                "show-hide": "show",
            },
        )
        write_paragraphs(SubElement(modal, "qti-content-body"), body["feedback"])
    return item


def outcome(item, identifier, base_type, default, extra=None):
    """Add an outcome declaration with an optional default value."""
    attributes = {"identifier": identifier, "cardinality": "single", "base-type": base_type}
    attributes.update(extra or {})
    element = SubElement(item, "qti-outcome-declaration", attributes)
    if default is not None:
        SubElement(SubElement(element, "qti-default-value"), "qti-value").text = default


def write_paragraphs(parent, text):
    """Plain text as `<p>` paragraphs, its lines split by `<br/>`."""
    for lines in paragraphs(clean(text)):
        paragraph = SubElement(parent, "p")
        paragraph.text = lines[0]
        for line in lines[1:]:
            SubElement(paragraph, "br").tail = line


def write_lines(element, text):
    """Plain text inside an inline element: its lines split by `<br/>`."""
    lines = clean(text).split("\n")
    element.text = lines[0]
    for line in lines[1:]:
        SubElement(element, "br").tail = line


def declare(declaration, cardinality, base_type, correct):
    """Fill a response declaration: cardinality, base type and correct values."""
    declaration.set("cardinality", cardinality)
    declaration.set("base-type", base_type)
    response = SubElement(declaration, "qti-correct-response")
    for value in correct:
        SubElement(response, "qti-value").text = clean(value)


def mapping(declaration, entries, points, case_sensitive=None):
    """A `qti-mapping` from (key, value) entries, bounded to 0..points."""
    element = SubElement(
        declaration,
        "qti-mapping",
        {
            "default-value": "0",
            "lower-bound": "0",
            "upper-bound": number(points),
        },
    )
    for key, value in entries:
        attributes = {"map-key": clean(key), "mapped-value": number(value)}
        if case_sensitive is not None:
            attributes["case-sensitive"] = "true" if case_sensitive else "false"
        SubElement(element, "qti-map-entry", attributes)


def variable(identifier):
    """`<qti-variable identifier=…/>`."""
    return Element("qti-variable", {"identifier": identifier})


def base_value(base_type, value):
    """`<qti-base-value base-type=…>value</qti-base-value>`."""
    element = Element("qti-base-value", {"base-type": base_type})
    element.text = value
    return element


def set_outcome(parent, identifier, expression):
    """Append `<qti-set-outcome-value identifier=…>expression</…>` to `parent`."""
    element = SubElement(parent, "qti-set-outcome-value", {"identifier": identifier})
    element.append(expression)
    return element


def score_when(test, points):
    """A response condition: SCORE is `points` when `test` holds, else 0."""
    condition = Element("qti-response-condition")
    branch = SubElement(condition, "qti-response-if")
    branch.append(test)
    set_outcome(branch, "SCORE", base_value("float", number(points)))
    set_outcome(SubElement(condition, "qti-response-else"), "SCORE", base_value("float", "0"))
    return condition


def matches_correct():
    """`<qti-match>` of the response against its correct value."""
    test = Element("qti-match")
    test.append(variable(RESPONSE))
    test.append(Element("qti-correct", {"identifier": RESPONSE}))
    return test


def mapped_score():
    """SCORE set to the response mapped through the declaration's mapping."""
    rule = Element("qti-set-outcome-value", {"identifier": "SCORE"})
    rule.append(Element("qti-map-response", {"identifier": RESPONSE}))
    return rule


def share(points, count):
    """points / count to ten decimals (QTI floats; the import reads the mode, not the figure)."""
    return (points / count).quantize(Decimal("1e-10")).normalize()


def write_choices(body, declaration, points):
    """qti-choice-interaction for single and multiple choice; partial by the mapping."""
    ids = [f"choice-{index}" for index in range(1, len(body["choices"]) + 1)]
    multiple = body["type"] == "multiple_choice"
    correct = [identifier for identifier, choice in zip(ids, body["choices"]) if choice["correct"]]
    declare(declaration, "multiple" if multiple else "single", "identifier", correct)
    partial = multiple and body.get("scoring") == "partial"
    if partial:
        portion = share(points, len(correct))
        entries = [(identifier, portion if identifier in correct else -portion) for identifier in ids]
        mapping(declaration, entries, points)
    interaction = Element(
        "qti-choice-interaction",
        {
            "response-identifier": RESPONSE,
            "shuffle": "false",
            "max-choices": "0" if multiple else "1",
        },
    )
    with_feedback = False
    for identifier, choice in zip(ids, body["choices"]):
        element = SubElement(interaction, "qti-simple-choice", {"identifier": identifier})
        write_lines(element, choice["text"])
        if choice.get("feedback"):
            with_feedback = True
            inline = SubElement(
                element,
                "qti-feedback-inline",
                {
                    "outcome-identifier": "FEEDBACK",
                    "identifier": identifier,
                    "show-hide": "show",
                },
            )
            write_lines(inline, choice["feedback"])
    rules = [mapped_score()] if partial else [score_when(matches_correct(), points)]
    return interaction, rules, with_feedback


def write_true_false(body, declaration, points):
    """A two-choice interaction whose identifiers are `true` and `false` (read back as true_false)."""
    declare(declaration, "single", "identifier", ["true" if body["correct_answer"] else "false"])
    interaction = Element("qti-choice-interaction", {"response-identifier": RESPONSE, "shuffle": "false", "max-choices": "1"})
    SubElement(interaction, "qti-simple-choice", {"identifier": "true"}).text = "True"
    SubElement(interaction, "qti-simple-choice", {"identifier": "false"}).text = "False"
    return interaction, [score_when(matches_correct(), points)], False


def write_short_text(body, declaration, points):
    """A string text entry: every accepted answer mapped to full points, case sensitivity kept."""
    declare(declaration, "single", "string", body["accepted_answers"])
    entries = [(answer, points) for answer in body["accepted_answers"]]
    mapping(declaration, entries, points, case_sensitive=bool(body.get("case_sensitive")))
    interaction = Element("qti-text-entry-interaction", {"response-identifier": RESPONSE})
    return interaction, [mapped_score()], False


def write_numeric(body, declaration, points):
    """A float text entry scored by `qti-equal` with an absolute tolerance."""
    declare(declaration, "single", "float", [number(body["correct_answer"])])
    tolerance = number(body.get("tolerance", 0))
    test = Element(
        "qti-equal",
        {
            "tolerance-mode": "absolute",
            "tolerance": f"{tolerance} {tolerance}",
            "include-lower-bound": "true",
            "include-upper-bound": "true",
        },
    )
    test.append(variable(RESPONSE))
    test.append(Element("qti-correct", {"identifier": RESPONSE}))
    interaction = Element("qti-text-entry-interaction", {"response-identifier": RESPONSE})
    return interaction, [score_when(test, points)], False


def write_ordering(body, declaration, points):
    """qti-order-interaction; partial credit adds points/n for each item in its place."""
    ids = [f"item-{index}" for index in range(1, len(body["items"]) + 1)]
    declare(declaration, "ordered", "identifier", ids)
    interaction = Element("qti-order-interaction", {"response-identifier": RESPONSE, "shuffle": "true"})
    for identifier, entry in zip(ids, body["items"]):
        write_lines(SubElement(interaction, "qti-simple-choice", {"identifier": identifier}), entry["text"])
    if body.get("scoring") != "partial":
        return interaction, [score_when(matches_correct(), points)], False
    rules = []
    reset = Element("qti-set-outcome-value", {"identifier": "SCORE"})
    reset.append(base_value("float", "0"))
    rules.append(reset)
    portion = number(share(points, len(ids)))
    for position, identifier in enumerate(ids, start=1):
        condition = Element("qti-response-condition")
        branch = SubElement(condition, "qti-response-if")
        test = SubElement(branch, "qti-match")
        index = SubElement(test, "qti-index", {"n": str(position)})
        index.append(variable(RESPONSE))
        test.append(base_value("identifier", identifier))
        total = Element("qti-sum")
        total.append(variable("SCORE"))
        total.append(base_value("float", portion))
        set_outcome(branch, "SCORE", total)
        rules.append(condition)
    return interaction, rules, False


def write_matching(body, declaration, points):
    """qti-match-interaction: prompts in the first set, matches and distractors in the second."""
    prompts = [f"prompt-{index}" for index in range(1, len(body["pairs"]) + 1)]
    matches = [f"match-{index}" for index in range(1, len(body["pairs"]) + 1)]
    distractors = [f"distractor-{index}" for index in range(1, len(body.get("distractors", [])) + 1)]
    pairs = [f"{prompt} {match}" for prompt, match in zip(prompts, matches)]
    declare(declaration, "multiple", "directedPair", pairs)
    partial = body.get("scoring") == "partial"
    if partial:
        portion = share(points, len(pairs))
        mapping(declaration, [(pair, portion) for pair in pairs], points)
    interaction = Element(
        "qti-match-interaction",
        {
            "response-identifier": RESPONSE,
            "shuffle": "true",
            "max-associations": str(len(pairs)),
        },
    )
    sources = SubElement(interaction, "qti-simple-match-set")
    for identifier, pair in zip(prompts, body["pairs"]):
        write_lines(SubElement(sources, "qti-simple-associable-choice", {"identifier": identifier, "match-max": "1"}), pair["prompt"])
    targets = SubElement(interaction, "qti-simple-match-set")
    for identifier, pair in zip(matches, body["pairs"]):
        write_lines(SubElement(targets, "qti-simple-associable-choice", {"identifier": identifier, "match-max": "1"}), pair["match"])
    for identifier, text in zip(distractors, body.get("distractors", [])):
        write_lines(SubElement(targets, "qti-simple-associable-choice", {"identifier": identifier, "match-max": "1"}), text)
    rules = [mapped_score()] if partial else [score_when(matches_correct(), points)]
    return interaction, rules, False


WRITERS = {
    "single_choice": write_choices,
    "multiple_choice": write_choices,
    "true_false": write_true_false,
    "short_text": write_short_text,
    "numeric": write_numeric,
    "ordering": write_ordering,
    "matching": write_matching,
}
