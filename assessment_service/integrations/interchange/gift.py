"""Moodle GIFT text: questions read into authoring bodies, and bodies written back.

Read as Moodle's own importer reads it (question/format/gift): questions are separated by
blank lines, `//` lines are comments, `::title::` names a question, the answers sit in
the first `{…}`, and `\\~ \\= \\# \\{ \\} \\:` escape the control characters. GIFT has no
points, no all-or-nothing mode for multiple answers or matching, and no case-sensitive
short answers; the writer keeps those in comment tags (`// [points:2.5]`,
`// [scoring:all_or_nothing]`, `// [case_sensitive:true]`) that Moodle ignores and this
reader honours, the way Moodle itself reads `// [id:…]` and `// [tag:…]`.
"""

import re
from decimal import Decimal

from . import text as plain
from .bodies import DEFAULT_POINTS, SCORING_MODES, parse_decimal, plain_number, points_from
from .report import ImportReport, Skip

# Escaped characters stand as private-use placeholders while the structure is parsed.
CONTROL = ":#={}~"
PLACEHOLDERS = {char: chr(0xE000 + index) for index, char in enumerate(CONTROL)}
BACKSLASH_PLACEHOLDER = chr(0xE006)
NEWLINE_PLACEHOLDER = chr(0xE007)
RESTORE = {placeholder: char for char, placeholder in PLACEHOLDERS.items()}
RESTORE.update({BACKSLASH_PLACEHOLDER: "\\", NEWLINE_PLACEHOLDER: "\n"})
PRIVATE = re.compile("[\ue000-\ue007]")
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
TAG = re.compile(r"\[(points|scoring|case_sensitive):([^\]]*)\]")
FORMATS = ("html", "moodle", "plain", "markdown")
TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
FULL = Decimal(100)


def parse_gift(text):
    """The report of every question in a GIFT file."""
    report = ImportReport()
    for line_number, lines, comments in blocks(text):
        read_block(report, line_number, lines, comments)
    return report


def blocks(text):
    """(first line number, content lines, comment lines) of each blank-line-separated block."""
    found, lines, comments, start = [], [], [], None
    for number, raw in enumerate(text.splitlines() + [""], start=1):
        line = raw.strip()
        if not line:
            if lines:
                found.append((start, lines, comments))
            lines, comments, start = [], [], None
            continue
        if start is None:
            start = number
        (comments if line.startswith("//") else lines).append(line)
    return found


def read_block(report, line_number, lines, comments):
    """Add the question of one block to `report` (or note a category, or skip it)."""
    text = escape("\n".join(lines))
    if text.startswith("$CATEGORY:"):
        report.warn(f"line {line_number}", "categories are not imported")
        return
    title, text = split_title(text)
    source = f"line {line_number}" + (f" ({restore(title).strip()})" if title.strip() else "")
    tags = dict(TAG.findall(" ".join(comments)))
    report.collect(source, lambda notes: question_body(text, tags, notes))


def escape(text):
    """Text with GIFT's escape sequences turned into placeholders (as Moodle does)."""
    text = PRIVATE.sub("\ufffd", text)  # a placeholder already in the file must not turn into a control char
    text = text.replace("\\\\", BACKSLASH_PLACEHOLDER)
    for char, placeholder in PLACEHOLDERS.items():
        text = text.replace("\\" + char, placeholder)
    return text.replace("\\n", NEWLINE_PLACEHOLDER)


def restore(text):
    """Placeholders back to the characters they stand for."""
    return PRIVATE.sub(lambda match: RESTORE[match.group()], text)


def split_title(text):
    """(title, rest) of a block that may start with `::title::`."""
    if not text.startswith("::"):
        return "", text
    end = text.find("::", 2)
    if end < 0:
        return "", text[2:].strip()
    return text[2:end], text[end + 2 :].strip()


def split_format(text, default):
    """(format, text) of a text that may start with `[html]`, `[plain]`, `[markdown]`, `[moodle]`."""
    if text.startswith("["):
        end = text.find("]")
        name = text[1:end].strip().lower() if end > 0 else ""
        if name in FORMATS:
            return name, text[end + 1 :]
    return default, text


def reduce(text, text_format):
    """Plain text of a GIFT text in its format; Skip on media."""
    text = restore(text.strip())
    if text_format in ("plain", "markdown"):
        return plain.plain_text(text)
    if text_format == "moodle":
        text = text.replace("\n", "<br>")  # Moodle's auto-format keeps the lines as written
    reduced, media = plain.html_text(text)
    if media:
        raise Skip(f"the text uses media ({', '.join(sorted(media))}) that the service cannot show")
    return reduced


def formatted(text, default):
    """Plain text of a GIFT text that may carry its own format marker."""
    text_format, rest = split_format(text.strip(), default)
    return reduce(rest, text_format)


def question_body(text, tags, notes):
    """The authoring body of one GIFT question (title already removed)."""
    start, finish = text.find("{"), text.find("}")
    if start < 0 and finish < 0:
        raise Skip("a description (text without answers) asks no question")
    if start < 0 or finish < start:
        raise Skip("the answers are not enclosed in { }")
    answers = text[start + 1 : finish].strip()
    if text.rstrip().endswith("}") and text.rstrip() == text[: finish + 1].rstrip():
        stem = text[:start]
    else:
        stem = text[:start] + plain.BLANK + text[finish + 1 :]  # missing-word format
    general = ""
    if "####" in answers:
        cut = answers.rfind("####")
        answers, general = answers[:cut].strip(), answers[cut + 4 :]
    stem_format, stem_text = split_format(stem.strip(), "moodle")
    body = {"type": None, "prompt": reduce(stem_text, stem_format), "points": points_tag(tags, notes)}
    body.update(answers_body(answers, stem_format, tags, notes))
    feedback = feedback_text(general, stem_format, notes)
    if feedback:
        body["feedback"] = feedback
    return body


def points_tag(tags, notes):
    """Points from a `[points:…]` comment tag, else 1."""
    if "points" not in tags:
        return DEFAULT_POINTS
    value = parse_decimal(tags["points"])
    if value is None:
        notes.append(f"the points tag {tags['points']!r} is not a number; 1 is used")
    return points_from(value, notes)


def scoring_tag(tags, default):
    """The scoring mode a `[scoring:…]` tag names, else `default`."""
    mode = tags.get("scoring", "").strip()
    return mode if mode in SCORING_MODES else default


def answers_body(answers, text_format, tags, notes):
    """The type and key of a question from its answer text, decided as Moodle decides."""
    if not answers:
        raise Skip("an essay question ({}) is graded by hand")
    if answers.startswith("#"):
        return numerical(answers[1:], notes)
    if "~" in answers:
        return multiple_choice(answers, text_format, tags, notes)
    if "=" in answers and "->" in answers:
        return matching(answers, text_format, tags)
    value, *feedback = answers.split("#", 2)
    if value.strip() in TRUE_FALSE:
        if any(part.strip() for part in feedback):
            notes.append("feedback on the true and false answers is not carried")
        return {"type": "true_false", "correct_answer": TRUE_FALSE[value.strip()]}
    return short_answer(answers, text_format, tags, notes)


def weighted(answer, default):
    """(weight in percent, rest) of an answer that may start with `%50%`."""
    match = WEIGHT.match(answer)
    if match is None:
        return default, answer
    return Decimal(match.group(1)), answer[match.end() :]


def with_feedback(answer, text_format, notes):
    """(text, feedback) of one answer `text#feedback`, both reduced to plain text."""
    text, _, feedback = answer.partition("#")
    return formatted(text, text_format), feedback_text(feedback, text_format, notes)


def feedback_text(feedback, text_format, notes):
    """Plain text of a feedback; feedback with media is dropped (noted), not the question."""
    if not feedback.strip():
        return ""
    try:
        return formatted(feedback, text_format)
    except Skip:
        notes.append("feedback with media was dropped")
        return ""


def split_answers(answers, marker):
    """The answers of an answer text split at `marker`, the empty lead dropped."""
    parts = [part.strip() for part in answers.split(marker)]
    return parts[1:] if parts and not parts[0] else parts


def multiple_choice(answers, text_format, tags, notes):
    """`{=a ~b}` → single_choice; `{~%50%a ~%50%b ~c}` (no `=`) → multiple_choice."""
    single = "=" in answers
    choices, weights = [], []
    for answer in split_answers(answers.replace("=", "~="), "~"):
        if answer.startswith("="):
            weight, answer = FULL, answer[1:]
        else:
            weight, answer = weighted(answer, Decimal(0))
        text, feedback = with_feedback(answer, text_format, notes)
        choice = {"text": text, "correct": weight >= FULL if single else weight > 0}
        if feedback:
            choice["feedback"] = feedback
        choices.append(choice)
        weights.append(weight)
    if single:
        if sum(1 for weight in weights if weight >= FULL) > 1:
            raise Skip("several answers give full credit; a single-choice question has one")
        if any(0 < weight < FULL for weight in weights):
            notes.append("partial credit for some answers is not carried")
        return {"type": "single_choice", "choices": choices}
    note_uneven_weights(weights, notes)
    return {"type": "multiple_choice", "choices": choices, "scoring": scoring_tag(tags, "partial")}


def note_uneven_weights(weights, notes):
    """Note when Moodle's answer weights differ from the service's partial scoring."""
    correct = [weight for weight in weights if weight > 0]
    if not correct:
        return
    share = FULL / len(correct)
    # The service gives each correct choice 1/n and takes 1/n for each wrong one.
    if any(abs(weight - share) > Decimal("0.01") for weight in correct) or any(
        weight < 0 and abs(weight + share) > Decimal("0.01") for weight in weights
    ):
        notes.append("the answer weights are replaced by the service's partial scoring (1/n per correct choice, minus 1/n per wrong one)")


def matching(answers, text_format, tags):
    """`{=a -> b =c -> d = -> e}` → matching; an empty left side is a distractor."""
    pairs, distractors = [], []
    for answer in split_answers(answers, "="):
        left, arrow, right = answer.partition("->")
        if not arrow:
            raise Skip("a matching answer has no ->")
        left, right = formatted(left, text_format), formatted(right, text_format)
        if left:
            pairs.append({"prompt": left, "match": right})
        else:
            distractors.append(right)
    return {"type": "matching", "pairs": pairs, "distractors": distractors, "scoring": scoring_tag(tags, "partial")}


def short_answer(answers, text_format, tags, notes):
    """`{=a =b}` → short_text with the answers that give full credit."""
    accepted = []
    for answer in split_answers(answers, "="):
        weight, answer = weighted(answer, FULL)
        text, feedback = with_feedback(answer, text_format, notes)
        if feedback:
            notes.append("feedback on single answers is not carried")
        if weight >= FULL:
            accepted.append(text)
        elif weight > 0:
            notes.append(f"the answer {text!r} worth {plain_number(weight)}% is not carried")
    if not accepted:
        raise Skip("no answer gives full credit")
    sensitive = tags.get("case_sensitive", "").strip().lower() == "true"
    return {"type": "short_text", "accepted_answers": accepted, "case_sensitive": sensitive}


def numerical(answers, notes):
    """`{#n}`, `{#n:tolerance}`, `{#min..max}` or `{#=n:t =%50%m:u}` → numeric."""
    parts = split_answers(answers, "=") if "=" in answers else [answers.strip()]
    full = []
    for part in parts:
        weight, part = weighted(part, FULL)
        spec, _, feedback = part.partition("#")
        if feedback.strip():
            notes.append("feedback on single answers is not carried")
        if weight >= FULL:
            full.append(spec)
        elif weight > 0:
            notes.append(f"the answer {restore(spec).strip()!r} worth {plain_number(weight)}% is not carried")
    if len(full) != 1:
        raise Skip(f"{len(full)} numeric answers give full credit; the service keeps one")
    value, tolerance = numeric_spec(restore(full[0]).strip())
    return {"type": "numeric", "correct_answer": value, "tolerance": tolerance}


def numeric_spec(spec):
    """(value, tolerance) of `n`, `n:t` or `min..max`."""
    if ".." in spec:
        low, _, high = spec.partition("..")
        low, high = parse_decimal(low), parse_decimal(high)
        if low is None or high is None or low > high:
            raise Skip(f"the range {spec!r} is not two numbers in order")
        return (low + high) / 2, (high - low) / 2
    value, _, tolerance = spec.partition(":")
    value = parse_decimal(value)
    tolerance = parse_decimal(tolerance) if tolerance.strip() else Decimal(0)
    if value is None or tolerance is None or tolerance < 0:
        raise Skip(f"the numeric answer {spec!r} is not a number with a tolerance")
    return value, tolerance


# Writing.


class Unwritable(Exception):
    """Raised by a writer for a question GIFT cannot express; the message says why."""


def export_gift(questions):
    """GIFT text of authoring bodies; a question GIFT cannot express becomes a comment saying why."""
    parts = []
    for number, body in enumerate(questions, start=1):
        try:
            answers = WRITERS.get(body["type"], write_unknown)(body)
        except Unwritable as reason:
            parts.append(f"// question {number} ({body['type']}) is not exported: {reason}")
            continue
        lines = tag_lines(body)
        lines.append(f"[plain]{escape_text(body['prompt'])} {{")
        lines.extend(f"    {answer}" for answer in answers)
        if body.get("feedback"):
            lines.append(f"    ####{answer_text(body['feedback'])}")
        lines.append("}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n" if parts else ""


def tag_lines(body):
    """Comment tags for what GIFT cannot say: points, all-or-nothing, case sensitivity."""
    tags = []
    if Decimal(body.get("points", DEFAULT_POINTS)) != DEFAULT_POINTS:
        tags.append(f"[points:{plain_number(Decimal(body['points']))}]")
    if body["type"] in ("multiple_choice", "matching") and body.get("scoring", "all_or_nothing") == "all_or_nothing":
        tags.append("[scoring:all_or_nothing]")
    if body["type"] == "short_text" and body.get("case_sensitive"):
        tags.append("[case_sensitive:true]")
    return [f"// {' '.join(tags)}"] if tags else []


def escape_text(text):
    """A text written so GIFT reads it back unchanged (control characters and newlines escaped)."""
    text = text.replace("\\", "\\\\")
    for char in CONTROL:
        text = text.replace(char, "\\" + char)
    return text.replace("\r\n", "\n").replace("\n", "\\n")


def answer_text(text):
    """An answer's or feedback's text, guarded against being read as a format marker."""
    escaped = escape_text(text)
    if escaped.startswith("["):
        escaped = "[plain]" + escaped  # only the first marker is read: "[html]" stays text
    return escaped


def with_choice_feedback(text, choice):
    """`text#feedback` when the choice has feedback."""
    return text + (f"#{answer_text(choice['feedback'])}" if choice.get("feedback") else "")


def write_single_choice(body):
    """`=right ~wrong` lines."""
    lines = []
    for choice in body["choices"]:
        text = answer_text(choice["text"])
        if not choice["correct"] and WEIGHT.match(text):
            text = "%0%" + text  # a leading "%50%" would be read as a weight
        lines.append(with_choice_feedback(("=" if choice["correct"] else "~") + text, choice))
    return lines


def write_multiple_choice(body):
    """`~%w%choice` lines: 100/n for each correct choice, -100/n for each wrong one."""
    correct = sum(1 for choice in body["choices"] if choice["correct"])
    share = (FULL / correct).quantize(Decimal("0.00001"))
    lines = []
    for choice in body["choices"]:
        weight = share if choice["correct"] else -share
        lines.append(with_choice_feedback(f"~%{plain_number(weight)}%{answer_text(choice['text'])}", choice))
    return lines


def write_true_false(body):
    """`TRUE` or `FALSE`."""
    return ["TRUE" if body["correct_answer"] else "FALSE"]


def write_short_text(body):
    """`=answer` lines, each with an explicit full weight so a leading `%` stays text."""
    if any("->" in answer for answer in body["accepted_answers"]):
        raise Unwritable("an accepted answer contains '->', which GIFT reads as a matching question")
    return [f"=%100%{answer_text(answer)}" for answer in body["accepted_answers"]]


def write_numeric(body):
    """`#value:tolerance`."""
    value = plain_number(Decimal(body["correct_answer"]))
    tolerance = plain_number(Decimal(body.get("tolerance", 0)))
    return [f"#{value}:{tolerance}"]


def write_matching(body):
    """`=prompt -> match` lines and `= -> distractor` lines."""
    if any("->" in pair["prompt"] for pair in body["pairs"]):
        raise Unwritable("a matching prompt contains '->', which GIFT reads as the arrow")
    lines = [f"={answer_text(pair['prompt'])} -> {answer_text(pair['match'])}" for pair in body["pairs"]]
    lines += [f"= -> {answer_text(distractor)}" for distractor in body.get("distractors", [])]
    return lines


def write_unknown(body):
    """Types GIFT lacks: ordering (and any type this writer does not know)."""
    raise Unwritable(f"GIFT has no {body['type']} questions")


WRITERS = {
    "single_choice": write_single_choice,
    "multiple_choice": write_multiple_choice,
    "true_false": write_true_false,
    "short_text": write_short_text,
    "numeric": write_numeric,
    "matching": write_matching,
}
