"""The question authoring body: the neutral form between files and the service.

A body is the dict `POST /assessments/{id}/questions` takes. The importers build them and
check them here against the contract's limits, so every body they return is one the
service accepts; the exporters read them.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

QUESTION_TYPES = (
    "single_choice",
    "multiple_choice",
    "true_false",
    "short_text",
    "numeric",
    "matching",
    "ordering",
)
SCORED_TYPES = ("multiple_choice", "matching", "ordering")
SCORING_MODES = ("all_or_nothing", "partial")
MAX_PROMPT = 5000
MAX_FEEDBACK = 5000
MAX_CHOICE_TEXT = 1000
MAX_CHOICE_FEEDBACK = 1000
MAX_POINTS = Decimal("100000")
MAX_KEY_NUMBER = Decimal("1e12")
MAX_KEY_PLACES = 10
DEFAULT_POINTS = Decimal(1)
CENT = Decimal("0.01")


def parse_decimal(text):
    """The finite Decimal written in `text`, or None when it is not a plain number."""
    if text is None:
        return None
    text = text.strip()
    # Bounded length and exponent: "1e999999999" must not become a billion-digit string.
    if not text or len(text) > 60:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    if value.is_zero():
        return Decimal(0)
    return value if -40 <= value.adjusted() <= 20 else None


def plain_number(value):
    """A Decimal written without exponent and without trailing zeros ("2.5", "100")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def points_from(value, notes):
    """The question's points from a file's figure: default 1, rounded to the cent."""
    if value is None:
        return DEFAULT_POINTS
    if value <= 0:
        notes.append(f"points {plain_number(value)} are not positive; 1 is used")
        return DEFAULT_POINTS
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if rounded != value:
        notes.append(f"points {plain_number(value)} rounded to {plain_number(rounded)}")
    if rounded == 0:
        return CENT
    return rounded


def drop_oversized_feedback(body, notes):
    """Remove feedback longer than the service keeps, noting it, rather than lose the question."""
    if len(body.get("feedback", "")) > MAX_FEEDBACK:
        del body["feedback"]
        notes.append(f"question feedback longer than {MAX_FEEDBACK} characters was dropped")
    for choice in body.get("choices", ()):
        if len(choice.get("feedback", "")) > MAX_CHOICE_FEEDBACK:
            del choice["feedback"]
            notes.append(f"choice feedback longer than {MAX_CHOICE_FEEDBACK} characters was dropped")


def problems(body):
    """Why the service would refuse `body` (empty when it is a valid authoring body)."""
    found = []
    prompt = body.get("prompt", "")
    if not prompt.strip():
        found.append("the question has no prompt text")
    elif len(prompt) > MAX_PROMPT:
        found.append(f"the prompt is longer than {MAX_PROMPT} characters")
    points = body.get("points")
    if not isinstance(points, Decimal) or not 0 < points <= MAX_POINTS or points != points.quantize(CENT):
        found.append("points must be above 0 and at most 100000, with two decimals at most")
    check = _TYPE_CHECKS.get(body.get("type"))
    if check is None:
        found.append(f"unknown question type {body.get('type')!r}")
    else:
        found.extend(check(body))
    return found


def _texts_problems(texts, what, low, high):
    """Problems of a list of short texts: count within [low, high], each 1..1000 characters."""
    found = []
    if not low <= len(texts) <= high:
        found.append(f"{len(texts)} {what}; the service takes {low} to {high}")
    if any(not text.strip() for text in texts):
        found.append(f"a {what[:-1] if what.endswith('s') else what} is blank")
    if any(len(text) > MAX_CHOICE_TEXT for text in texts):
        found.append(f"a text of the {what} is longer than {MAX_CHOICE_TEXT} characters")
    return found


def _choice_problems(body):
    choices = body["choices"]
    found = _texts_problems([choice["text"] for choice in choices], "choices", 2, 26)
    correct = sum(1 for choice in choices if choice["correct"])
    if body["type"] == "single_choice" and correct != 1:
        found.append(f"{correct} correct choices; a single-choice question has exactly one")
    if body["type"] == "multiple_choice" and correct < 1:
        found.append("no correct choice")
    return found + _scoring_problems(body)


def _scoring_problems(body):
    if body["type"] in SCORED_TYPES:
        return [] if body.get("scoring") in SCORING_MODES else ["unknown scoring mode"]
    return ["scoring is not used by this type"] if "scoring" in body else []


def _true_false_problems(body):
    return [] if isinstance(body.get("correct_answer"), bool) else ["the correct answer is not true or false"]


def _short_text_problems(body):
    return _texts_problems(body["accepted_answers"], "accepted answers", 1, 50)


def _key_number_problems(value, what):
    if not isinstance(value, Decimal):
        return [f"the {what} is not a number"]
    if abs(value) > MAX_KEY_NUMBER or value.as_tuple().exponent < -MAX_KEY_PLACES:
        return [f"the {what} {plain_number(value)} is outside ±10^12 or has more than {MAX_KEY_PLACES} decimals"]
    return []


def _numeric_problems(body):
    found = _key_number_problems(body.get("correct_answer"), "correct answer")
    found += _key_number_problems(body.get("tolerance"), "tolerance")
    if not found and body["tolerance"] < 0:
        found.append("the tolerance is negative")
    return found


def _matching_problems(body):
    pairs = body["pairs"]
    found = _texts_problems([pair["prompt"] for pair in pairs], "matching prompts", 2, 26)
    found += _texts_problems([pair["match"] for pair in pairs], "matches", 2, 26)
    distractors = body.get("distractors", [])
    if distractors:
        found += _texts_problems(distractors, "distractors", 0, 26)
    options = [pair["match"] for pair in pairs] + distractors
    # A learner could not tell two options with the same text apart.
    if len(set(options)) != len(options):
        found.append("two options (matches or distractors) have the same text")
    return found + _scoring_problems(body)


def _ordering_problems(body):
    texts = [item["text"] for item in body["items"]]
    found = _texts_problems(texts, "items", 2, 26)
    if len(set(texts)) != len(texts):
        found.append("two items have the same text")
    return found + _scoring_problems(body)


_TYPE_CHECKS = {
    "single_choice": _choice_problems,
    "multiple_choice": _choice_problems,
    "true_false": _true_false_problems,
    "short_text": _short_text_problems,
    "numeric": _numeric_problems,
    "matching": _matching_problems,
    "ordering": _ordering_problems,
}


def matching_body(pairs, distractors, partial):
    """The type fields of a matching question (the readers add prompt and points)."""
    return {"type": "matching", "pairs": pairs, "distractors": distractors, "scoring": "partial" if partial else "all_or_nothing"}
