"""true_false: the key and the answer are booleans."""

from .common import FULL, NONE, SpecErrors

NAME = "true_false"
FIELDS = ("correct_answer",)
REQUIRED = ("correct_answer",)
SHOWN = ()
KEY = ("correct_answer",)
ANSWER = {"type": "boolean", "description": "true_false: true or false."}
FIELD_SCHEMAS = {"correct_answer": {"type": "boolean", "description": "The right answer."}}


def build_spec(fields, current=None):
    answer = fields.get("correct_answer")
    if not isinstance(answer, bool):
        raise SpecErrors({"correct_answer": ["Must be true or false."]})
    return {"correct_answer": answer}


def shape_error(spec, answer):
    return None if isinstance(answer, bool) else "Must be true or false."


def credit(spec, answer):
    return FULL if answer is spec["correct_answer"] else NONE


def shown(spec, with_key):
    return {"correct_answer": spec["correct_answer"]} if with_key else {}


def correct_answer(spec):
    return spec["correct_answer"]


def authoring_body(spec):
    return {"correct_answer": spec["correct_answer"]}
