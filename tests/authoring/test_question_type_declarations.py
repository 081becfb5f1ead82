"""Each question type's declarations (REQUIRED, SHOWN, KEY, ANSWER, FIELD_SCHEMAS), which the
OpenAPI document's per-type schemas are made of, say what the type's functions do."""

import json

import jsonschema_rs
import pytest

from assessment_service.authoring.question_types import TYPES, SpecErrors
from assessment_service.authoring.schemas import NewQuestionSchema
from assessment_service.core.jsonio import dumps, loads
from helpers.api import matching, multiple_choice, numeric, ordering, short_text, single_choice, true_false

EXAMPLES = {
    "single_choice": single_choice(),
    "multiple_choice": multiple_choice(scoring="partial"),
    "true_false": true_false(),
    "short_text": short_text(case_sensitive=True),
    "numeric": numeric(),
    "matching": matching(scoring="partial"),
    "ordering": ordering(scoring="partial"),
}


def authoring_fields(body):
    """The body as the flat schema loads it from JSON (numbers exact)."""
    return NewQuestionSchema().load(loads(json.dumps(body)))


def spec_of(kind):
    return TYPES[kind].build_spec(authoring_fields(EXAMPLES[kind]))


def test_every_type_has_an_example_here():
    assert set(EXAMPLES) == set(TYPES)


@pytest.mark.parametrize("kind", sorted(TYPES))
def test_the_declarations_name_the_types_own_fields(kind):
    module = TYPES[kind]
    assert set(module.REQUIRED) <= set(module.FIELDS)
    assert set(getattr(module, "FIELD_SCHEMAS", {})) <= set(module.FIELDS)
    assert not set(module.SHOWN) & set(module.KEY)
    assert set(EXAMPLES[kind]) - {"type", "prompt", "points", "position"} == set(module.FIELDS)


@pytest.mark.parametrize("kind", sorted(TYPES))
def test_required_fields_are_those_build_spec_asks_for(kind):
    module = TYPES[kind]
    for field in module.FIELDS:
        body = {name: value for name, value in EXAMPLES[kind].items() if name != field}
        if field in module.REQUIRED:
            with pytest.raises(SpecErrors) as refused:
                module.build_spec(authoring_fields(body))
            assert field in refused.value.errors
        else:
            module.build_spec(authoring_fields(body))


@pytest.mark.parametrize("kind", sorted(TYPES))
def test_shown_and_key_are_the_fields_the_question_object_gets(kind):
    module, spec = TYPES[kind], spec_of(kind)

    assert set(module.shown(spec, with_key=False)) == set(module.SHOWN)
    assert set(module.shown(spec, with_key=True)) == set(module.SHOWN) | set(module.KEY)


@pytest.mark.parametrize("kind", sorted(TYPES))
def test_the_right_answer_fits_the_answer_schema(kind):
    module, spec = TYPES[kind], spec_of(kind)
    answer = loads(dumps(module.correct_answer(spec)))
    validator = jsonschema_rs.validator_for(loads(dumps(module.ANSWER)))

    assert module.shape_error(spec, answer) is None
    assert validator.is_valid(answer)
    # A shown key (in KEY as correct_answer) is in the shape of an answer too.
    if "correct_answer" in module.KEY:
        assert validator.is_valid(loads(dumps(module.shown(spec, with_key=True)["correct_answer"])))


@pytest.mark.parametrize("kind", sorted(TYPES))
def test_field_schemas_take_the_examples_value(kind):
    module = TYPES[kind]
    for field, schema in getattr(module, "FIELD_SCHEMAS", {}).items():
        assert jsonschema_rs.is_valid(loads(dumps(schema)), loads(json.dumps(EXAMPLES[kind][field]))), field
