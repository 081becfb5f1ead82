"""The question-type registry: one module per type, each answering four questions.

- How it is authored: `FIELDS` (the body fields it takes, as marshmallow fields) and
  `build_spec(fields, current)`, which validates them and gives server ids, returning the
  stored `spec` (or raising SpecErrors naming the fields).
- What an answer looks like: `shape_error(spec, answer)`, a message or None.
- How much credit an answer earns: `credit(spec, answer, scoring)`, an exact Fraction in
  [0, 1], pure (no I/O, no floats).
- What a learner may see: `shown(spec, with_key)`, the type's fields of the question
  object (answer keys only `with_key`), and `correct_answer(spec)`, the key in the shape
  of an answer.

Plus `authoring_body(spec)`, the authoring fields back from a spec (what an edit starts
from, and what an export writes). Adding a
type is one module here and its line in TYPES (and schema.sql's check on questions.type).
"""

from . import matching, multiple_choice, numeric, ordering, short_text, single_choice, true_false
from .common import PARTIAL_SCORING_TYPES, SCORING_MODES, SpecErrors

TYPES = {module.NAME: module for module in (single_choice, multiple_choice, true_false, short_text, numeric, matching, ordering)}
QUESTION_TYPES = tuple(TYPES)

# Every authoring field some type takes (the flat body accepts them all; build_spec refuses
# those its type does not use).
AUTHORING_FIELDS = tuple(dict.fromkeys(name for module in TYPES.values() for name in module.FIELDS))

__all__ = ["AUTHORING_FIELDS", "PARTIAL_SCORING_TYPES", "QUESTION_TYPES", "SCORING_MODES", "TYPES", "SpecErrors", "question_type"]


def question_type(name):
    """The module of type `name`."""
    return TYPES[name]
