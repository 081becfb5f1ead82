"""Hypothesis strategies for authoring bodies in the form an import gives back.

Texts are canonical: single spaces, trimmed lines, at most one blank line in a row (what
the importers reduce markup to), so an export then import must return them unchanged.
"""

from decimal import Decimal

from hypothesis import strategies as st

# Letters, digits, punctuation and symbols, GIFT's and XML's special characters among them;
# no white space, control, private-use or unassigned characters.
CHARACTERS = st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"))
WORD = st.text(CHARACTERS, min_size=1, max_size=8)


def line(max_words=4):
    """One line of words separated by single spaces."""
    return st.lists(WORD, min_size=1, max_size=max_words).map(" ".join)


def lines(max_lines=2):
    """Lines joined by newlines (no blank line)."""
    return st.lists(line(), min_size=1, max_size=max_lines).map("\n".join)


def paragraphs():
    """Paragraphs of lines joined by one blank line."""
    return st.lists(lines(), min_size=1, max_size=3).map("\n\n".join)


POINTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)
KEY_NUMBER = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4)
TOLERANCE = st.decimals(min_value=Decimal(0), max_value=Decimal("1000"), places=4)


@st.composite
def choice(draw, correct):
    """A choice, with feedback or not."""
    entry = {"text": draw(lines()), "correct": correct}
    if draw(st.booleans()):
        entry["feedback"] = draw(lines())
    return entry


@st.composite
def body(draw, kinds):
    """An authoring body of one of `kinds`, with optional feedback."""
    kind = draw(st.sampled_from(kinds))
    question = {"type": kind, "prompt": draw(paragraphs()), "points": draw(POINTS)}
    if kind == "single_choice":
        wrong = draw(st.lists(choice(False), min_size=1, max_size=4))
        position = draw(st.integers(0, len(wrong)))
        question["choices"] = wrong[:position] + [draw(choice(True))] + wrong[position:]
    elif kind == "multiple_choice":
        flags = draw(st.lists(st.booleans(), min_size=2, max_size=6).filter(any))
        question["choices"] = [draw(choice(flag)) for flag in flags]
        question["scoring"] = draw(st.sampled_from(["all_or_nothing", "partial"]))
    elif kind == "true_false":
        question["correct_answer"] = draw(st.booleans())
    elif kind == "short_text":
        question["accepted_answers"] = draw(st.lists(line().filter(lambda text: "->" not in text), min_size=1, max_size=4))
        question["case_sensitive"] = draw(st.booleans())
    elif kind == "numeric":
        question["correct_answer"] = draw(KEY_NUMBER)
        question["tolerance"] = draw(TOLERANCE)
    elif kind == "matching":
        options = draw(st.lists(lines(), min_size=2, max_size=8, unique=True))
        count = draw(st.integers(2, len(options)))
        prompts = draw(st.lists(lines().filter(lambda text: "->" not in text), min_size=count, max_size=count))
        question["pairs"] = [{"prompt": prompt, "match": match} for prompt, match in zip(prompts, options)]
        question["distractors"] = options[count:]
        question["scoring"] = draw(st.sampled_from(["all_or_nothing", "partial"]))
    elif kind == "ordering":
        texts = draw(st.lists(lines(), min_size=2, max_size=6, unique=True))
        question["items"] = [{"text": text} for text in texts]
        question["scoring"] = draw(st.sampled_from(["all_or_nothing", "partial"]))
    if draw(st.booleans()):
        question["feedback"] = draw(paragraphs())
    return question
