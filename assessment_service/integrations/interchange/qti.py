"""QTI 2.1, 2.2 and 3.0 assessment items mapped to authoring bodies.

Names arrive normalised by `xml.parse_xml`, so QTI 3.0's `qti-choice-interaction` reads as
`choiceInteraction` here and one reader serves every generation.
"""

import posixpath
from dataclasses import dataclass
from decimal import Decimal

from . import text as plain
from .bodies import matching_body, parse_decimal, plain_number, points_from
from .report import Skip
from .xml import child, children, find_all

SUPPORTED = ("choiceInteraction", "textEntryInteraction", "orderInteraction", "matchInteraction")
# Why each other interaction is skipped, in the words a report reader knows.
UNSUPPORTED = {
    "extendedTextInteraction": "essay (extendedTextInteraction) answers are graded by hand",
    "uploadInteraction": "file upload (uploadInteraction) answers are graded by hand",
    "drawingInteraction": "drawing (drawingInteraction) answers are graded by hand",
    "hotspotInteraction": "hotspot (hotspotInteraction) needs an image",
    "graphicOrderInteraction": "graphic order (graphicOrderInteraction) needs an image",
    "graphicAssociateInteraction": "graphic associate (graphicAssociateInteraction) needs an image",
    "graphicGapMatchInteraction": "graphic gap match (graphicGapMatchInteraction) needs an image",
    "selectPointInteraction": "select point (selectPointInteraction) needs an image",
    "positionObjectInteraction": "position object (positionObjectInteraction) needs an image",
    "mediaInteraction": "media (mediaInteraction) is not supported",
    "inlineChoiceInteraction": "inline choice (inlineChoiceInteraction) dropdowns are not supported",
    "gapMatchInteraction": "gap match (gapMatchInteraction) is not supported",
    "associateInteraction": "associate (associateInteraction) pairs are not supported",
    "hottextInteraction": "hot text (hottextInteraction) is not supported",
    "sliderInteraction": "slider (sliderInteraction) is not supported",
    "endAttemptInteraction": "end attempt (endAttemptInteraction) is not a question",
    "customInteraction": "custom interactions (customInteraction) are not supported",
    "portableCustomInteraction": "portable custom interactions (portableCustomInteraction) are not supported",
}
NOT_PROMPT = {
    "feedbackBlock",
    "feedbackInline",
    "modalFeedback",
    "rubricBlock",
    "templateBlock",
    "templateInline",
    "printedVariable",
    "stylesheet",
    "catalogInfo",
}
# Content from elsewhere (an xi:include) is as unshowable as an image.
EXTERNAL = plain.MEDIA | {"include"}
PLACEHOLDER = "\x00blank\x00"
TRUE_FALSE_IDS = {"true", "false"}


def read_item(root, report, source):
    """Add the one question of an `assessmentItem` to `report`."""
    report.collect(source, lambda notes: item_body(root, notes))


@dataclass
class Mapping:
    """A response declaration's `mapping`: entries (key, value, case sensitive) and bounds."""

    entries: list
    upper: Decimal | None

    def top(self):
        """The highest value any entry maps to, or None."""
        return max((value for _, value, _ in self.entries), default=None)

    def positive_keys(self):
        """Keys that map to more than nothing."""
        return [key for key, value, _ in self.entries if value > 0]


@dataclass
class Declaration:
    """A `responseDeclaration`: cardinality, base type, correct values and mapping."""

    cardinality: str
    base_type: str
    correct: list
    mapping: Mapping | None


@dataclass
class Item:
    """The parts of an assessment item the mapping reads."""

    root: object
    body: object
    declarations: dict
    processing: object

    def is_mapped(self):
        """Whether response processing scores by the response mapping (partial credit)."""
        if self.processing is None:
            return False
        template = self.processing.get("template") or self.processing.get("templateLocation") or ""
        name = posixpath.basename(template.rstrip("/")).removesuffix(".xml")
        return name == "map_response" or bool(find_all(self.processing, "mapResponse"))

    def processing_uses(self, tag):
        """Whether response processing has an expression named `tag`."""
        return self.processing is not None and bool(find_all(self.processing, tag))


def item_body(root, notes):
    """The authoring body of one QTI 2.x/3.0 item; raises Skip for what cannot be mapped."""
    if root.tag != "assessmentItem":
        raise Skip(f"a {root.tag} is not an assessment item")
    if children(root, "templateDeclaration"):
        raise Skip("the item uses template variables (a randomised item)")
    body = child(root, "itemBody")
    if body is None:
        raise Skip("the item has no body")
    interactions = [e for e in body.iter() if e.tag.endswith("Interaction")]
    if not interactions:
        raise Skip("the item has no interaction (an informational item)")
    if len(interactions) > 1:
        kinds = ", ".join(sorted({e.tag for e in interactions}))
        raise Skip(f"the item has {len(interactions)} interactions ({kinds}); the service maps one per question")
    interaction = interactions[0]
    if interaction.tag not in SUPPORTED:
        raise Skip(UNSUPPORTED.get(interaction.tag, f"{interaction.tag} is not supported"))
    item = Item(root, body, declarations_of(root), child(root, "responseProcessing"))
    declaration = item.declarations.get(interaction.get("responseIdentifier", ""))
    if declaration is None:
        raise Skip("the interaction has no response declaration")
    fields = BUILDERS[interaction.tag](item, interaction, declaration, notes)
    question = {"type": fields.pop("type"), "prompt": prompt_of(body, interaction), "points": points_of(item, declaration, notes)}
    question.update(fields)
    feedback = question_feedback(item, interaction, notes)
    if feedback:
        question["feedback"] = feedback
    return question


def declarations_of(root):
    """{identifier: Declaration} of an item's response declarations."""
    found = {}
    for element in children(root, "responseDeclaration"):
        correct_element = child(element, "correctResponse")
        correct = [value_text(v) for v in children(correct_element, "value")] if correct_element is not None else []
        mapping_element = child(element, "mapping")
        mapping = None
        if mapping_element is not None:
            entries = []
            for entry in children(mapping_element, "mapEntry"):
                value = parse_decimal(entry.get("mappedValue"))
                if value is not None:
                    sensitive = entry.get("caseSensitive", "true").strip().lower() != "false"
                    entries.append((entry.get("mapKey", "").strip(), value, sensitive))
            mapping = Mapping(entries, parse_decimal(mapping_element.get("upperBound")))
        found[element.get("identifier", "")] = Declaration(
            element.get("cardinality", "single"), element.get("baseType", ""), correct, mapping
        )
    return found


def value_text(element):
    """The text of a `value`, trimmed."""
    return "".join(element.itertext()).strip()


def outcome_default(root, identifier):
    """The default value of an outcome declaration, as a Decimal, or None."""
    for element in children(root, "outcomeDeclaration"):
        if element.get("identifier") == identifier:
            default = child(element, "defaultValue")
            value = child(default, "value") if default is not None else None
            return parse_decimal(value_text(value)) if value is not None else None
    return None


def points_of(item, declaration, notes):
    """Points from MAXSCORE, SCORE's normalMaximum, the mapping's best total, else 1."""
    points = outcome_default(item.root, "MAXSCORE")
    if points is None:
        for element in children(item.root, "outcomeDeclaration"):
            if element.get("identifier") == "SCORE":
                points = parse_decimal(element.get("normalMaximum"))
    if points is None and declaration.mapping is not None and item.is_mapped():
        points = mapping_maximum(declaration)
    return points_from(points, notes)


def mapping_maximum(declaration):
    """The best score a mapped response can earn."""
    mapping = declaration.mapping
    if declaration.cardinality == "single":
        best = mapping.top()
    else:
        best = sum((value for _, value, _ in mapping.entries if value > 0), Decimal(0))
    if mapping.upper is not None and best is not None:
        best = min(best, mapping.upper)
    return best


def tokens_of(element, tokens, media, interaction):
    """Append the text tokens of `element`'s content; the interaction stands as a placeholder."""
    if element.text:
        tokens.append(element.text)
    for part in element:
        if part is interaction:
            if part.tag == "textEntryInteraction":
                tokens.append(PLACEHOLDER)
            else:
                prompt = child(part, "prompt")
                if prompt is not None:
                    tokens.append(plain.PARAGRAPH)
                    tokens_of(prompt, tokens, media, None)
                    tokens.append(plain.PARAGRAPH)
        elif part.tag in NOT_PROMPT:
            pass
        elif part.tag in EXTERNAL:
            media.add(part.tag)
        else:
            boundary = plain.PARAGRAPH if part.tag in plain.PARAGRAPHS else plain.LINE if part.tag in plain.LINE_BREAKS else None
            if boundary:
                tokens.append(boundary)
            tokens_of(part, tokens, media, interaction)
            if boundary and part.tag != "br":
                tokens.append(boundary)
        if part.tail:
            tokens.append(part.tail)


def element_text(element, interaction=None):
    """(plain text, media names) of an element's content."""
    tokens, media = [], set()
    tokens_of(element, tokens, media, interaction)
    return plain.compose(tokens), media


def prompt_of(body, interaction):
    """The question text: the body around the interaction, plus the interaction's prompt."""
    text, media = element_text(body, interaction)
    if media:
        raise Skip(f"the prompt uses media ({', '.join(sorted(media))}) that the service cannot show")
    lines = []
    for line in text.split("\n"):
        if line == PLACEHOLDER:
            continue  # an answer box on a line of its own adds nothing to the prompt
        lines.append(line.replace(PLACEHOLDER, plain.BLANK))
    return plain.tidy_lines("\n".join(lines))


def choice_text(choice):
    """The text of a choice (its inline feedback left out); Skip on media."""
    text, media = element_text(choice)
    if media:
        raise Skip(f"a choice uses media ({', '.join(sorted(media))}) that the service cannot show")
    return text


def inline_feedback(choice, notes):
    """The text of the feedback inside a choice, or ''."""
    texts = []
    for element in find_all(choice, "feedbackInline"):
        text, media = element_text(element)
        if media:
            notes.append("choice feedback with media was dropped")
        elif text:
            texts.append(text)
    return "\n\n".join(texts)


def question_feedback(item, interaction, notes):
    """Modal feedback and feedback blocks not tied to one choice, joined."""
    choice_ids = {c.get("identifier") for c in interaction.iter() if c.tag == "simpleChoice"}
    blocks = [e for e in children(item.root, "modalFeedback") if e.get("identifier") not in choice_ids]
    blocks += find_all(item.body, "feedbackBlock")
    texts = []
    for block in blocks:
        text, media = element_text(block)
        if media:
            notes.append("feedback with media was dropped")
        elif text:
            texts.append(text)
    if len(texts) > 1:
        notes.append(f"{len(texts)} feedback blocks were joined into the question's feedback")
    return "\n\n".join(texts)


def modal_choice_feedback(item, identifier, notes):
    """The modal feedback shown for one choice identifier, or ''."""
    for element in children(item.root, "modalFeedback"):
        if element.get("identifier") == identifier:
            text, media = element_text(element)
            if not media:
                return text
            notes.append("choice feedback with media was dropped")
    return ""


def correct_ids(declaration):
    """The correct values of a declaration, or the mapping's positive keys when none are given."""
    if declaration.correct:
        return declaration.correct
    return declaration.mapping.positive_keys() if declaration.mapping is not None else []


def choice_interaction(item, interaction, declaration, notes):
    """choiceInteraction → single_choice, multiple_choice, or true_false (our own export)."""
    choices = [c for c in interaction.iter() if c.tag == "simpleChoice"]
    correct = set(correct_ids(declaration))
    single = declaration.cardinality == "single" or interaction.get("maxChoices", "1").strip() == "1"
    if single and len(choices) == 2 and {c.get("identifier") for c in choices} == TRUE_FALSE_IDS and len(correct) == 1:
        return {"type": "true_false", "correct_answer": correct == {"true"}}
    built = []
    for choice in choices:
        identifier = choice.get("identifier", "")
        entry = {"text": choice_text(choice), "correct": identifier in correct}
        feedback = inline_feedback(choice, notes) or modal_choice_feedback(item, identifier, notes)
        if feedback:
            entry["feedback"] = feedback
        built.append(entry)
    if single:
        if declaration.mapping is not None and len(declaration.mapping.positive_keys()) > len(correct):
            notes.append("partial credit for some choices is not carried")
        return {"type": "single_choice", "choices": built}
    partial = item.is_mapped() and declaration.mapping is not None and bool(declaration.mapping.positive_keys())
    return {"type": "multiple_choice", "choices": built, "scoring": "partial" if partial else "all_or_nothing"}


def text_entry_interaction(item, interaction, declaration, notes):
    """textEntryInteraction → short_text (string) or numeric (float, integer)."""
    if declaration.base_type == "string":
        return short_text(item, declaration, notes)
    if declaration.base_type in ("float", "integer"):
        return numeric(item, interaction, declaration, notes)
    raise Skip(f"a text entry of base type {declaration.base_type or 'unknown'} is not supported")


def short_text(item, declaration, notes):
    """The accepted answers: the correct values and the mapping's full-credit keys."""
    accepted = [value for value in declaration.correct if value]
    sensitive = True  # matching a correct response compares exactly
    mapping = declaration.mapping
    if mapping is not None and mapping.entries:
        top = mapping.top()
        for key, value, _ in mapping.entries:
            if value == top and key and key not in accepted:
                accepted.append(key)
        if any(value < top for _, value, _ in mapping.entries if value > 0):
            notes.append("answers worth partial credit are not carried")
        flags = {case for key, _, case in mapping.entries if key in accepted}
        if item.is_mapped():
            sensitive = any(flags) if flags else True
            if len(flags) > 1:
                notes.append("answers differ in case sensitivity; they are kept case-sensitive")
    for match in find_all(item.processing, "stringMatch") if item.processing is not None else []:
        sensitive = match.get("caseSensitive", "true").strip().lower() != "false"
    if not accepted:
        raise Skip("no answer gives full credit")
    return {"type": "short_text", "accepted_answers": accepted, "case_sensitive": sensitive}


def numeric(item, interaction, declaration, notes):
    """The one correct number and the absolute tolerance response processing allows."""
    values = declaration.correct
    if not values and declaration.mapping is not None:
        top = declaration.mapping.top()
        values = [key for key, value, _ in declaration.mapping.entries if value == top and value > 0]
    if len(values) != 1:
        raise Skip(f"{len(values)} numeric answers give full credit; the service keeps one")
    value = parse_decimal(values[0])
    if value is None:
        raise Skip(f"the correct answer {values[0]!r} is not a number")
    low, high = tolerance_of(item, interaction.get("responseIdentifier", ""), value, notes)
    if low == high:
        return {"type": "numeric", "correct_answer": value, "tolerance": low}
    middle = value + (high - low) / 2
    notes.append(
        f"the uneven tolerance -{plain_number(low)}/+{plain_number(high)} is kept as {plain_number(middle)} ± {plain_number((low + high) / 2)}"
    )
    return {"type": "numeric", "correct_answer": middle, "tolerance": (low + high) / 2}


def tolerance_of(item, response_id, value, notes):
    """(below, above) the correct value that still scores, from the response processing."""
    if item.processing is None:
        return Decimal(0), Decimal(0)
    for element in item.processing.iter():
        if not any(v.get("identifier") == response_id for v in find_all(element, "variable")):
            continue
        if element.tag == "equal":
            return equal_tolerance(element, value)
        if element.tag == "mapTolResponse":
            return equal_tolerance(element, value)
        if element.tag == "equalRounded":
            return rounded_tolerance(element, value, notes)
        if element.tag == "and":
            found = range_tolerance(element, value)
            if found is not None:
                return found
    return Decimal(0), Decimal(0)


def equal_tolerance(element, value):
    """(below, above) of an `equal` (or mapTolResponse) with absolute or relative tolerance."""
    mode = element.get("toleranceMode", "exact").strip().lower()
    figures = [parse_decimal(part) for part in element.get("tolerance", "0").split()] or [Decimal(0)]
    if None in figures or any(figure < 0 for figure in figures):
        raise Skip("the numeric tolerance is not a number")
    low, high = figures[0], figures[-1]
    if mode == "exact":
        return Decimal(0), Decimal(0)
    if mode == "relative":
        return abs(value) * low / 100, abs(value) * high / 100
    return low, high


def rounded_tolerance(element, value, notes):
    """(below, above) of `equalRounded`: half a unit of the last figure kept."""
    figures = parse_decimal(element.get("figures"))
    if figures is None or figures != figures.to_integral_value() or not 0 <= figures <= 20:
        raise Skip("the rounding of the numeric answer is not a whole number of figures")
    if element.get("roundingMode", "significantFigures").strip().lower().startswith("decimal"):
        exponent = -int(figures)
    else:
        exponent = (value.adjusted() if value else 0) - int(figures) + 1
    notes.append("answers equal after rounding are kept as an absolute tolerance")
    half = Decimal(5).scaleb(exponent - 1)
    return half, half


def range_tolerance(element, value):
    """(below, above) of an `and` of gte/lte tests on the response, or None."""
    low = high = None
    for test in element:
        bound = next((parse_decimal(b.text or "") for b in test if b.tag == "baseValue"), None)
        if bound is None:
            continue
        if test.tag in ("gte", "gt"):
            low = bound
        elif test.tag in ("lte", "lt"):
            high = bound
    if low is None or high is None or not low <= value <= high:
        return None
    return value - low, high - value


def order_interaction(item, interaction, declaration, notes):
    """orderInteraction → ordering, items in the correct order; partial when positions are scored."""
    texts = {c.get("identifier", ""): choice_text(c) for c in interaction.iter() if c.tag == "simpleChoice"}
    order = declaration.correct
    if sorted(order) != sorted(texts):
        raise Skip("the correct order does not list every item exactly once")
    partial = item.processing_uses("index") or (item.is_mapped() and declaration.mapping is not None)
    return {
        "type": "ordering",
        "items": [{"text": texts[identifier]} for identifier in order],
        "scoring": "partial" if partial else "all_or_nothing",
    }


def match_interaction(item, interaction, declaration, notes):
    """matchInteraction → matching: the first set's choices are prompts, the second's options."""
    sets = [s for s in interaction if s.tag == "simpleMatchSet"]
    if len(sets) != 2:
        raise Skip("a match interaction needs two sets of choices")
    sources = {c.get("identifier", ""): choice_text(c) for c in sets[0] if c.tag == "simpleAssociableChoice"}
    targets = {c.get("identifier", ""): choice_text(c) for c in sets[1] if c.tag == "simpleAssociableChoice"}
    key = {}
    for pair in correct_ids(declaration):
        parts = pair.split()
        if len(parts) != 2 or parts[0] not in sources or parts[1] not in targets:
            raise Skip(f"the correct pair {pair!r} does not name a prompt and an option")
        if parts[0] in key:
            raise Skip("a prompt has several correct matches")
        key[parts[0]] = parts[1]
    if set(key) != set(sources):
        raise Skip("a prompt has no correct match")
    if len(set(key.values())) != len(key):
        raise Skip("an option is the match of several prompts")
    pairs = [{"prompt": text, "match": targets[key[identifier]]} for identifier, text in sources.items()]
    distractors = [text for identifier, text in targets.items() if identifier not in key.values()]
    partial = item.is_mapped() and declaration.mapping is not None
    return matching_body(pairs, distractors, partial)


BUILDERS = {
    "choiceInteraction": choice_interaction,
    "textEntryInteraction": text_entry_interaction,
    "orderInteraction": order_interaction,
    "matchInteraction": match_interaction,
}
