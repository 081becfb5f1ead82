"""The question-type registry: one module per type, each answering four questions.

- How it is authored: `FIELDS` (the body fields it takes, named as in the flat body
  schema, authoring/schemas.py), of which `REQUIRED` must be given, and
  `build_spec(fields, current)`, which validates them and gives server ids, returning the
  stored `spec` (or raising SpecErrors naming the fields).
- What an answer looks like: `shape_error(spec, answer)`, a message or None; and `ANSWER`,
  the JSON Schema of an answer's value.
- How much credit an answer earns: `credit(spec, answer, scoring)`, an exact Fraction in
  [0, 1], pure (no I/O, no floats).
- What a learner may see: `shown(spec, with_key)`, the type's fields of the question
  object — `SHOWN` always, `KEY` only `with_key` — and `correct_answer(spec)`, the key in
  the shape of an answer (`ANSWER`).

Plus `authoring_body(spec)`, the authoring fields back from a spec (what an edit starts
from, and what an export writes), and optionally `FIELD_SCHEMAS`, the JSON Schema of an
authoring field whose shape is the type's own (e.g. `correct_answer`). The OpenAPI
document's schema per type (question body, question object, answer) is derived from these
declarations (authoring/schemas.py). Adding a type is one module here and its line in
TYPES (and schema.sql's check on questions.type).
"""

from . import matching, multiple_choice, numeric, ordering, short_text, single_choice, true_false
from .common import PARTIAL_SCORING_TYPES, SCORING_MODES, SpecErrors

TYPES = {module.NAME: module for module in (single_choice, multiple_choice, true_false, short_text, numeric, matching, ordering)}
QUESTION_TYPES = tuple(TYPES)

# Every authoring field some type takes (the flat body accepts them all; build_spec refuses
# those its type does not use).
AUTHORING_FIELDS = tuple(dict.fromkeys(name for module in TYPES.values() for name in module.FIELDS))
# The JSON Schema of an answer's value, by type (a submission's answers and results).
ANSWERS = {name: module.ANSWER for name, module in TYPES.items()}

__all__ = [
    "ANSWERS",
    "AUTHORING_FIELDS",
    "PARTIAL_SCORING_TYPES",
    "QUESTION_TYPES",
    "SCORING_MODES",
    "TYPES",
    "SpecErrors",
    "question_type",
]


def question_type(name):
    """The module of type `name`."""
    return TYPES[name]
