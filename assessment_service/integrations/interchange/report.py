"""The import report: the questions a file gave, the ones skipped and why, and warnings."""

from dataclasses import dataclass, field
from typing import NamedTuple

from . import bodies


class Skip(Exception):
    """Raised while mapping one question that cannot be imported; the message is the reason."""


class Imported(NamedTuple):
    source: str
    body: dict


@dataclass
class ImportReport:
    """What one file gave: `questions` [(source, body)], `skipped` [{source, reason}], `warnings`."""

    questions: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def skip(self, source, reason):
        """Record a question that was not imported."""
        self.skipped.append({"source": source, "reason": reason})

    def warn(self, source, message):
        """Record something a reader of the report should know about `source`."""
        self.warnings.append(f"{source}: {message}" if source else message)

    def collect(self, source, build):
        """Run `build(notes)` for one question; keep its body, or record why it was skipped."""
        notes = []
        try:
            body = build(notes)
        except Skip as skip:
            self.skip(source, str(skip))
            return
        bodies.drop_oversized_feedback(body, notes)
        problems = bodies.problems(body)
        if problems:
            self.skip(source, "; ".join(problems))
            return
        self.questions.append(Imported(source, body))
        for note in dict.fromkeys(notes):  # each note once, in order
            self.warn(source, note)

    def extend(self, other):
        """Add another report's entries to this one (one package, many files)."""
        self.questions.extend(other.questions)
        self.skipped.extend(other.skipped)
        self.warnings.extend(other.warnings)
