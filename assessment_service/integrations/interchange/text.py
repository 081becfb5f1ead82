"""Markup reduced to the plain text the service stores."""

import re
from html.parser import HTMLParser

# Elements that end a line, and those that stand as a paragraph of their own.
LINE_BREAKS = {"br", "li", "tr", "dt", "dd", "hr"}
PARAGRAPHS = {
    "p",
    "div",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "figure",
    "dl",
}
# Content the service cannot show: a question that needs it is skipped.
MEDIA = {"img", "video", "audio", "object", "embed", "iframe", "svg", "math", "picture", "canvas"}
IGNORED = {"script", "style", "head", "title", "template"}
WHITESPACE = re.compile(r"\s+")
BLANK = "_____"
LINE = "\n"
PARAGRAPH = "\n\n"


def compose(tokens):
    """Join text and break tokens into tidy plain text: single spaces, at most one blank line."""
    pieces = []
    for token in tokens:
        pieces.append(token if token in (LINE, PARAGRAPH) else WHITESPACE.sub(" ", token))
    return tidy_lines("".join(pieces), strip_indent=True)


def tidy_lines(text, strip_indent=False):
    """Text with \\n line ends, no trailing spaces, no run of blank lines, no blank ends."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = []
    for line in lines:
        line = line.strip() if strip_indent else line.rstrip()
        if line or (kept and kept[-1]):
            kept.append(line)
    while kept and not kept[-1]:
        kept.pop()
    return "\n".join(kept)


class _HtmlText(HTMLParser):
    """Collects the text tokens of an HTML fragment and the media elements it uses."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tokens = []
        self.media = set()
        self.ignoring = 0

    def handle_starttag(self, tag, attrs):
        self._element(tag, opening=True)

    def handle_startendtag(self, tag, attrs):
        self._element(tag, opening=True)
        if tag in IGNORED:
            self.ignoring -= 1

    def handle_endtag(self, tag):
        if tag in IGNORED:
            self.ignoring = max(0, self.ignoring - 1)
        elif tag in PARAGRAPHS:
            self.tokens.append(PARAGRAPH)
        elif tag == "li":
            self.tokens.append(LINE)

    def _element(self, tag, opening):
        if tag in IGNORED:
            self.ignoring += 1
        elif tag in MEDIA:
            self.media.add(tag)
        elif tag in PARAGRAPHS:
            self.tokens.append(PARAGRAPH)
        elif tag in LINE_BREAKS:
            self.tokens.append(LINE)

    def handle_data(self, data):
        if not self.ignoring:
            self.tokens.append(data)


def html_text(markup):
    """(plain text, media element names) of an HTML fragment."""
    try:
        return _reduce_html(markup)
    except AssertionError:
        # Python's HTMLParser asserts on some malformed <!…> declarations: read those as text.
        return _reduce_html(markup.replace("<!", "&lt;!"))


def _reduce_html(markup):
    """html_text without the fallback."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    return compose(parser.tokens), parser.media


def plain_text(text):
    """Plain text as the service stores it: \\n line ends, trimmed lines and ends."""
    return tidy_lines(text, strip_indent=True)


def paragraphs(text):
    """The paragraphs of plain text, each a list of its lines (the inverse of `compose`)."""
    return [block.split("\n") for block in text.split("\n\n")]
