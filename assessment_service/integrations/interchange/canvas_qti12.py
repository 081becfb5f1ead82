"""QTI 1.2 `questestinterop` files, as Canvas exports them, mapped to authoring bodies."""

from dataclasses import dataclass, field
from decimal import Decimal

from . import text as plain
from .bodies import matching_body, parse_decimal, plain_number, points_from
from .report import Skip
from .xml import child, children, find_all, text_of

RESPONSES = ("response_lid", "response_str", "response_num", "response_xy", "response_grp")
UNSUPPORTED = {
    "essay_question": "essay questions are graded by hand",
    "file_upload_question": "file upload questions are graded by hand",
    "text_only_question": "a text-only item asks no question",
    "fill_in_multiple_blanks_question": "several blanks in one question (fill in multiple blanks)",
    "multiple_dropdowns_question": "several dropdowns in one question (multiple dropdowns)",
    "calculated_question": "formula questions with random variables (calculated)",
    "hot_spot_question": "hotspot questions need an image",
}
NUMERIC_FIB_TYPES = ("decimal", "integer", "float", "scientific")


def read_questestinterop(root, report, prefix=""):
    """Add every `item` of a QTI 1.2 document to `report`, sources named `prefix` + ident."""
    for item in find_all(root, "item"):
        source = f"{prefix}{item.get('ident') or item.get('title') or 'item'}"
        report.collect(source, lambda notes, item=item: item_body(item, notes))


def item_body(item, notes):
    """The authoring body of one QTI 1.2 item; raises Skip for what cannot be mapped."""
    parsed = ParsedItem.of(item)
    kind = parsed.metadata.get("question_type") or parsed.inferred_type()
    if kind in UNSUPPORTED:
        raise Skip(UNSUPPORTED[kind])
    build = BUILDERS.get(kind)
    if build is None:
        raise Skip(f"the question type {kind} is not supported")
    body = {"type": None, "prompt": parsed.prompt(), "points": parsed.points(notes)}
    body.update(build(parsed, notes))
    feedback = parsed.general_feedback(notes)
    if feedback:
        body["feedback"] = feedback
    return body


@dataclass
class Condition:
    """One `respcondition`: what it tests, the score it sets or adds, the feedback it shows."""

    var: object
    score: Decimal | None
    added: Decimal | None


@dataclass
class ParsedItem:
    """The parts of a QTI 1.2 item the mapping reads."""

    item: object
    metadata: dict
    responses: list
    conditions: list
    feedback: dict = field(default_factory=dict)

    @classmethod
    def of(cls, item):
        """Read an `item` element's metadata, responses, conditions and feedback."""
        metadata = {}
        for entry in find_all(item, "qtimetadatafield"):
            metadata[text_of(child(entry, "fieldlabel"))] = text_of(child(entry, "fieldentry"))
        presentation = child(item, "presentation")
        responses = [e for e in presentation.iter() if e.tag in RESPONSES] if presentation is not None else []
        conditions = [condition_of(element) for element in find_all(item, "respcondition")]
        feedback = {}
        for element in children(item, "itemfeedback"):
            feedback[element.get("ident", "")] = material_text(element)
        return cls(item, metadata, responses, conditions, feedback)

    def inferred_type(self):
        """A Canvas question type guessed from the responses of a file without metadata."""
        lids = [r for r in self.responses if r.tag == "response_lid"]
        if len(lids) > 1:
            return "matching_question"
        if lids:
            if lids[0].get("rcardinality", "").lower() == "multiple":
                return "multiple_answers_question"
            texts = sorted(text.lower() for text in label_texts(lids[0]).values())
            return "true_false_question" if texts == ["false", "true"] else "multiple_choice_question"
        if self.responses:
            fib = next((e for e in self.responses[0].iter() if e.tag == "render_fib"), None)
            numeric = self.responses[0].tag == "response_num" or (fib is not None and fib.get("fibtype", "").lower() in NUMERIC_FIB_TYPES)
            return "numerical_question" if numeric else "short_answer_question"
        return "text_only_question"

    def prompt(self):
        """The item's question text: the presentation's material outside its responses."""
        presentation = child(self.item, "presentation")
        if presentation is None:
            return ""
        return joined_text(prompt_materials(presentation))

    def points(self, notes):
        """Points from Canvas's points_possible metadata, else 1."""
        return points_from(parse_decimal(self.metadata.get("points_possible")), notes)

    def lid(self):
        """The item's one choice response, or Skip."""
        lids = [r for r in self.responses if r.tag == "response_lid"]
        if len(lids) != 1:
            raise Skip(f"{len(lids)} choice responses; a choice question has one")
        return lids[0]

    def full_credit(self):
        """The conditions that give the item's top score (what counts as correct)."""
        scores = [c.score for c in self.conditions if c.score is not None]
        top = max(scores, default=None)
        if top is None or top <= 0:
            return [], top
        return [c for c in self.conditions if c.score == top], top

    def partial_credit(self, top):
        """Conditions that set a score between nothing and the top one."""
        return [c for c in self.conditions if c.score is not None and 0 < c.score < (top or 0)]

    def general_feedback(self, notes):
        """The neutral item feedback; Canvas's correct/incorrect feedback is noted, not carried."""
        if self.feedback.get("correct_fb") or self.feedback.get("general_incorrect_fb"):
            notes.append("feedback shown only for correct or incorrect answers is not carried")
        return self.feedback.get("general_fb", "")


def condition_of(element):
    """Read a `respcondition` into a Condition."""
    score = added = None
    for setvar in children(element, "setvar"):
        value = parse_decimal(text_of(setvar))
        if value is None:
            continue
        if setvar.get("action", "Set").lower() == "add":
            added = (added or 0) + value
        elif setvar.get("action", "Set").lower() == "set":
            score = value
    return Condition(child(element, "conditionvar"), score, added)


def equals(var, tag="varequal"):
    """(respident, text) of each `tag` test in a conditionvar that is not negated."""
    found = []
    if var is None:
        return found
    for element in var:
        if element.tag == "not":
            continue
        if element.tag == tag:
            found.append((element.get("respident", ""), text_of(element)))
        elif element.tag in ("and", "or"):
            found.extend(equals(element, tag))
    return found


def material_text(element):
    """The plain text of every `material` inside `element`; Skip on media."""
    return joined_text(find_all(element, "material"))


def joined_text(materials):
    """The plain text of some `material` elements, one paragraph each; Skip on media."""
    parts = []
    for material in materials:
        for element in material.iter():
            if element.tag in ("matimage", "mataudio", "matvideo", "matapplet", "matapplication"):
                raise Skip(f"the item shows media ({element.tag}) that the service cannot show")
            if element.tag == "mattext" or element.tag == "matemtext":
                parts.append(mattext(element))
    return "\n\n".join(part for part in parts if part)


def mattext(element):
    """One `mattext`: HTML reduced to text, or plain text tidied; Skip on media."""
    raw = "".join(element.itertext())
    if element.get("texttype", "text/plain").lower() == "text/html":
        text, media = plain.html_text(raw)
        if media:
            raise Skip(f"the text uses media ({', '.join(sorted(media))}) that the service cannot show")
        return text
    return plain.plain_text(raw)


def prompt_materials(element):
    """The `material` elements of a presentation that are not inside a response."""
    found = []
    for part in element:
        if part.tag in RESPONSES:
            continue
        if part.tag == "material":
            found.append(part)
        else:
            found.extend(prompt_materials(part))
    return found


def label_texts(lid):
    """{label ident: text} of a response's choices, in file order."""
    return {label.get("ident", ""): material_text(label) for label in find_all(lid, "response_label")}


def choices_body(parsed, notes, multiple):
    """Choices and their key from a choice response and the conditions scoring it."""
    lid = parsed.lid()
    labels = label_texts(lid)
    if multiple:
        correct = multiple_answers_key(parsed)
    else:
        full, top = parsed.full_credit()
        correct = {ident for c in full for _, ident in equals(c.var)}
        if len(correct) > 1:
            raise Skip("several choices give full credit; a single-choice question has one")
        if parsed.partial_credit(top):
            notes.append("partial credit for some choices is not carried")
    choices = []
    for ident, text in labels.items():
        choice = {"text": text, "correct": ident in correct}
        feedback = parsed.feedback.get(f"{ident}_fb")
        if feedback:
            choice["feedback"] = feedback
        choices.append(choice)
    return choices


def multiple_answers_key(parsed):
    """The correct labels of a multiple-answers item: tested true in its full-credit condition."""
    full, _ = parsed.full_credit()
    correct = {ident for c in full for _, ident in equals(c.var)}
    added = {ident for c in parsed.conditions if c.added and c.added > 0 for _, ident in equals(c.var)}
    return correct | added


def multiple_choice(parsed, notes):
    """Canvas multiple_choice_question → single_choice."""
    return {"type": "single_choice", "choices": choices_body(parsed, notes, multiple=False)}


def multiple_answers(parsed, notes):
    """Canvas multiple_answers_question → multiple_choice (partial when choices add to the score)."""
    partial = any(c.added and c.added > 0 for c in parsed.conditions)
    return {
        "type": "multiple_choice",
        "choices": choices_body(parsed, notes, multiple=True),
        "scoring": "partial" if partial else "all_or_nothing",
    }


def true_false(parsed, notes):
    """Canvas true_false_question → true_false, by the text of the correct choice."""
    labels = label_texts(parsed.lid())
    full, _ = parsed.full_credit()
    correct = [labels.get(ident, "").lower() for c in full for _, ident in equals(c.var)]
    if len(correct) != 1 or correct[0] not in ("true", "false"):
        raise Skip("the correct choice of this true/false question is not 'True' or 'False'")
    if any(parsed.feedback.get(f"{ident}_fb") for ident in labels):
        notes.append("feedback on the True and False choices is not carried")
    return {"type": "true_false", "correct_answer": correct[0] == "true"}


def short_answer(parsed, notes):
    """Canvas short_answer_question → short_text (Canvas compares without case)."""
    full, top = parsed.full_credit()
    accepted = []
    for condition in full:
        for _, answer in equals(condition.var):
            if answer and answer not in accepted:
                accepted.append(answer)
    if not accepted:
        raise Skip("no answer gives full credit")
    if parsed.partial_credit(top):
        notes.append("answers worth partial credit are not carried")
    return {"type": "short_text", "accepted_answers": accepted, "case_sensitive": False}


def numerical(parsed, notes):
    """Canvas numerical_question → numeric: an exact answer, a margin, or a range."""
    full, _ = parsed.full_credit()
    if len(full) != 1:
        raise Skip(f"{len(full)} numeric answers give full credit; the service keeps one")
    value, tolerance = numeric_key(full[0].var, notes)
    return {"type": "numeric", "correct_answer": value, "tolerance": tolerance}


def numeric_key(var, notes):
    """(correct answer, absolute tolerance) of one numeric condition."""
    exact = [parse_decimal(text) for _, text in equals(var)]
    low = bound(var, ("vargte", "vargt"), notes)
    high = bound(var, ("varlte", "varlt"), notes)
    if None in exact:
        raise Skip("a numeric answer is not a number")
    if low is not None and high is not None:
        if low > high:
            raise Skip("the numeric range is empty")
        middle = (low + high) / 2
        if exact and exact[0] != middle:
            notes.append(
                f"the range {plain_number(low)}..{plain_number(high)} is kept as {plain_number(middle)} ± {plain_number((high - low) / 2)}"
            )
        return middle, (high - low) / 2
    if len(exact) == 1 and low is None and high is None:
        return exact[0], Decimal(0)
    raise Skip("the numeric answer is an open range or several values")


def bound(var, tags, notes):
    """The single lower (or upper) bound a numeric condition tests, or None."""
    found = [(tag, text) for tag in tags for _, text in equals(var, tag)]
    if not found:
        return None
    if len(found) > 1:
        raise Skip("the numeric answer tests several ranges")
    tag, text = found[0]
    value = parse_decimal(text)
    if value is None:
        raise Skip("a numeric bound is not a number")
    if tag in ("vargt", "varlt"):
        notes.append("a strict numeric bound is kept as an inclusive one")
    return value


def matching(parsed, notes):
    """Canvas matching_question → matching: one response per prompt, options shared."""
    lids = [r for r in parsed.responses if r.tag == "response_lid"]
    options = {}
    for lid in lids:
        options.update(label_texts(lid))
    key = {}
    for condition in parsed.conditions:
        if (condition.score or 0) > 0 or (condition.added or 0) > 0:
            for respident, ident in equals(condition.var):
                key.setdefault(respident, ident)
    pairs = []
    for lid in lids:
        ident = key.get(lid.get("ident", ""))
        if ident not in options:
            raise Skip("a matching prompt has no correct match")
        pairs.append({"prompt": joined_text(children(lid, "material")), "match": options[ident]})
    used = {pair["match"] for pair in pairs}
    distractors = []
    for text in options.values():
        if text not in used and text not in distractors:
            distractors.append(text)
    partial = any((c.added or 0) > 0 for c in parsed.conditions)
    return matching_body(pairs, distractors, partial)


BUILDERS = {
    "multiple_choice_question": multiple_choice,
    "multiple_answers_question": multiple_answers,
    "true_false_question": true_false,
    "short_answer_question": short_answer,
    "numerical_question": numerical,
    "matching_question": matching,
}
