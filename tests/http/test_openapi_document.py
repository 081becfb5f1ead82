"""What the OpenAPI document tells a client team, beyond what the linters check: names a
generated client can use, the errors each operation really has, response headers,
timestamps, enums, exact required fields and bounds, and one schema per question type
made from the question-type registry."""

import json
import re

import jsonschema_rs
import pytest

from assessment_service.authoring.question_types import ANSWERS, QUESTION_TYPES, SCORING_MODES, TYPES
from assessment_service.core.errors import ERROR_CODES
from assessment_service.courses.schemas import ENROLLMENT_ROLES, ENROLLMENT_STATUSES
from assessment_service.identity.roles import ROLES
from assessment_service.taking.schemas import ATTEMPT_STATUSES
from helpers.api import API
from helpers.openapi import served_document

METHODS = ("get", "post", "put", "patch", "delete")
QUESTION_COMMON = {"id", "assessment_id", "type", "prompt", "points", "position", "group_id", "created_at", "updated_at"}


@pytest.fixture(scope="module")
def spec():
    return json.loads(served_document())


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def schema(spec, name):
    return spec["components"]["schemas"][name]


def ref_name(reference):
    return reference["$ref"].rsplit("/", 1)[-1]


def walk(node, path=""):
    """(path, schema) of every schema object inside `node`."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}/{index}")


def test_every_operation_has_a_described_tag_a_summary_and_a_description(spec):
    tags = {tag["name"]: tag.get("description") for tag in spec["tags"]}
    assert all(tags.values()), tags
    for path, method, operation in operations(spec):
        assert len(operation.get("tags", [])) == 1 and operation["tags"][0] in tags, (path, method)
        assert operation.get("summary") and operation.get("description"), (path, method)
    assert spec["servers"]


def test_operation_ids_are_unique_function_names(spec):
    ids = [operation["operationId"] for _, _, operation in operations(spec)]

    assert all(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name) for name in ids), ids
    assert len(ids) == len(set(ids))
    assert {
        "create_user",
        "get_me",
        "create_assessment",
        "list_submissions",
        "create_submission",
        "start_attempt",
        "list_questions",
    } <= set(ids)


def test_each_operation_lists_the_errors_its_shape_can_raise(spec):
    for path, method, operation in operations(spec):
        statuses = {int(status) for status in operation["responses"] if int(status) >= 400}
        has_body = "requestBody" in operation
        has_query = any(parameter["in"] == "query" for parameter in operation.get("parameters", []))
        public = operation["security"] == []
        where = (path, method)
        if public:
            assert statuses == set(), where
            continue
        assert {401, 503} <= statuses, where
        assert (404 in statuses) == ("{" in path), where
        if has_body:
            assert {400, 413, 415, 422} <= statuses, where
        elif method != "post":
            # No body to be too large, not JSON or invalid; a 400 only for a bad query.
            assert not statuses & {413, 415, 422}, where
            assert (400 in statuses) == has_query, where
        for status in statuses:
            response = operation["responses"][str(status)]
            assert ref_name(response["content"]["application/json"]["schema"]) == "ErrorEnvelope"
            assert "X-Request-ID" in response["headers"]
    get_me = spec["paths"]["/api/v1/users/me"]["get"]["responses"]
    assert set(get_me) == {"200", "401", "503"}
    delete = spec["paths"]["/api/v1/assessments/{assessment_id}"]["delete"]["responses"]
    assert set(delete) == {"204", "401", "403", "404", "409", "503"}
    submit = spec["paths"]["/api/v1/assessments/{assessment_id}/submissions"]["post"]["responses"]
    assert "attempt_limit_reached" in submit["403"]["description"] and "attempt_expired" in submit["409"]["description"]


def test_response_headers_are_described(spec):
    headers = spec["components"]["headers"]
    assert {"X-Request-ID", "Location", "Link", "Idempotent-Replayed", "Retry-After", "WWW-Authenticate"} <= set(headers)
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            named = set(response["headers"])
            assert "X-Request-ID" in named, (path, method, status)
            # A cooldown refusal says when to come back; so does every 503.
            waits = status == "503" or (status == "403" and operation["operationId"] in ("start_attempt", "create_submission"))
            assert ("Retry-After" in named) == waits, (path, method, status)
            assert ("WWW-Authenticate" in named) == (status == "401")
            if method == "post" and status.startswith("2") and operation["security"]:
                assert "Idempotent-Replayed" in named, (path, method)
            if status == "200" and operation["operationId"].startswith("list_") and operation["operationId"] != "list_questions":
                assert "Link" in named, (path, method)
    created = {
        path for path, method, operation in operations(spec) if "Location" in operation["responses"].get("201", {}).get("headers", {})
    }
    # Every 201 names the new object's URL, but for users and tokens, which are not read one
    # by one, and an import, which makes many.
    assert created == {path for path, method, operation in operations(spec) if "201" in operation["responses"]} - {
        "/api/v1/users",
        "/api/v1/users/{user_id}/tokens",
        "/api/v1/assessments/{assessment_id}/questions/import",
    }


def test_every_timestamp_is_a_date_time(spec):
    timestamps = [
        (name, path, prop)
        for path, node in walk(spec["components"]["schemas"])
        for name, prop in node.get("properties", {}).items()
        if isinstance(prop, dict) and name.endswith("_at")
    ]
    assert len(timestamps) > 10
    assert [(name, path) for name, path, prop in timestamps if prop.get("format") != "date-time"] == []


def test_closed_sets_are_enums(spec):
    def enum(name, field):
        return [value for value in schema(spec, name)["properties"][field]["enum"] if value is not None]

    assert enum("User", "role") == list(ROLES)
    assert enum("Enrollment", "role") == list(ENROLLMENT_ROLES)
    assert enum("Enrollment", "status") == list(ENROLLMENT_STATUSES)
    assert enum("Attempt", "status") == list(ATTEMPT_STATUSES)
    assert enum("ErrorBody", "code") == list(ERROR_CODES)
    assert enum("QuestionPatch", "type") == list(QUESTION_TYPES)
    assert enum("MultipleChoiceQuestion", "scoring") == list(SCORING_MODES)


def test_a_token_value_is_required_where_issued_and_absent_from_a_replay(spec):
    assert "value" in schema(spec, "IssuedToken")["required"]
    assert "value" not in schema(spec, "Token")["properties"]
    assert schema(spec, "Token")["additionalProperties"] is False  # so one of the two matches
    issued = [
        spec["paths"]["/api/v1/users/{user_id}/tokens"]["post"]["responses"]["201"]["content"]["application/json"]["schema"],
        schema(spec, "UserWithToken")["properties"]["token"],
    ]
    for token in issued:
        assert [ref_name(variant) for variant in token["oneOf"]] == ["IssuedToken", "Token"]


def test_bounds_are_as_enforced(spec):
    points = schema(spec, "NewSingleChoiceQuestion")["properties"]["points"]
    assert (points["minimum"], points["exclusiveMinimum"], points["maximum"], points["multipleOf"]) == (0, True, 100000, 0.01)
    tolerance = schema(spec, "NewNumericQuestion")["properties"]["tolerance"]
    assert (tolerance["minimum"], tolerance["maximum"], tolerance["multipleOf"]) == (0, 1e12, 1e-10)
    key = schema(spec, "NewNumericQuestion")["properties"]["correct_answer"]
    assert (key["type"], key["minimum"], key["maximum"]) == ("number", -1e12, 1e12)
    title = schema(spec, "NewAssessment")["properties"]["title"]
    assert (title["minLength"], title["maxLength"]) == (3, 200)
    answers = schema(spec, "NewSubmission")["properties"]["answers"]
    assert answers["maxItems"] == 1000
    choices = schema(spec, "NewSingleChoiceQuestion")["properties"]["choices"]
    assert (choices["minItems"], choices["maxItems"]) == (2, 26)


def _variants(spec, one_of):
    mapping = one_of["discriminator"]["mapping"]
    assert one_of["discriminator"]["propertyName"] == "type"
    assert [ref_name(variant) for variant in one_of["oneOf"]] == [ref.rsplit("/", 1)[-1] for ref in mapping.values()]
    return {kind: schema(spec, ref.rsplit("/", 1)[-1]) for kind, ref in mapping.items()}


def test_a_question_body_is_one_schema_per_registered_type(spec):
    body = spec["paths"]["/api/v1/assessments/{assessment_id}/questions"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    variants = _variants(spec, body)

    assert list(variants) == list(TYPES)
    for kind, variant in variants.items():
        module = TYPES[kind]
        assert variant["properties"]["type"]["enum"] == [kind]
        assert set(variant["properties"]) == {"type", "prompt", "points", "position", "feedback", "group_id", *module.FIELDS}, kind
        assert set(variant["required"]) == {"type", "prompt", *module.REQUIRED}, kind
        assert variant["additionalProperties"] is False
    assert variants["true_false"]["properties"]["correct_answer"]["type"] == "boolean"
    assert variants["numeric"]["properties"]["correct_answer"]["type"] == "number"


def test_a_question_object_is_one_schema_per_registered_type(spec):
    question = spec["paths"]["/api/v1/assessments/{assessment_id}/questions/{question_id}"]["get"]["responses"]["200"]
    variants = _variants(spec, question["content"]["application/json"]["schema"])
    listed = schema(spec, "AssessmentWithQuestions")["properties"]["questions"]["items"]

    assert _variants(spec, listed) == variants
    assert list(variants) == list(TYPES)
    for kind, variant in variants.items():
        module = TYPES[kind]
        assert set(variant["properties"]) == QUESTION_COMMON | set(module.SHOWN) | set(module.KEY) | {"feedback"}, kind
        # Answer keys are absent for learners: never required.
        assert set(variant["required"]) == QUESTION_COMMON | set(module.SHOWN), kind
    assert variants["matching"]["properties"]["correct_answer"]["type"] == "object"
    assert variants["ordering"]["properties"]["correct_answer"]["type"] == "array"


def test_answers_and_results_take_every_types_answer_shape_or_null(spec):
    for name in ("AnswerIn", "Result"):
        answer = schema(spec, name)["properties"]["answer"]
        assert "nullable" not in answer  # OpenAPI 3.0: nullable needs a type beside it
        assert [{key: value for key, value in shape.items() if key != "nullable"} for shape in answer["anyOf"]] == [
            json.loads(json.dumps(shape, default=float)) for shape in ANSWERS.values()
        ]
        assert all(shape["nullable"] is True for shape in answer["anyOf"])


def test_no_schema_has_a_property_named_after_itself(spec):
    # A generated client (openapi-python-client) names a model's instance after the model,
    # and would shadow such a property in from_dict.
    def snake(name):
        return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()

    clashes = [name for name, body in spec["components"]["schemas"].items() if snake(name) in body.get("properties", {})]
    assert clashes == []


def test_routes_of_other_kinds_are_documented_whole(spec):
    # A PUT that creates or replaces; a PATCH with If-Match, an ETag and a 412; a 403 with Retry-After.
    put = spec["paths"]["/api/v1/assessments/{assessment_id}/overrides/{learner_id}"]["put"]
    assert put["operationId"] == "set_override"
    assert {"200", "201", "403", "422"} <= set(put["responses"])
    patch = spec["paths"]["/api/v1/assessments/{assessment_id}/attempts/{attempt_id}/answers"]["patch"]
    assert patch["operationId"] == "save_answers"
    assert [parameter["name"] for parameter in patch["parameters"]] == ["assessment_id", "attempt_id", "If-Match"]
    assert "ETag" in patch["responses"]["200"]["headers"]
    assert patch["responses"]["412"]["description"].startswith("Precondition failed. `precondition_failed`")
    start = spec["paths"]["/api/v1/assessments/{assessment_id}/attempts"]["post"]
    assert start["responses"]["403"]["headers"]["Retry-After"]["required"] is False  # only attempt_cooldown sends it
    assert "Drafts" in {tag["name"] for tag in spec["tags"]}


def test_an_issued_token_and_its_replay_each_fit_the_document(spec, testapp, admin, learner):
    response = spec["paths"]["/api/v1/users/{user_id}/tokens"]["post"]["responses"]["201"]
    validator = jsonschema_rs.validator_for({**response["content"]["application/json"]["schema"], "components": spec["components"]})
    headers = {**admin.headers, "Idempotency-Key": "issue-once"}

    issued = testapp.post(f"{API}/users/{learner.id}/tokens", headers=headers, status=201)
    replayed = testapp.post(f"{API}/users/{learner.id}/tokens", headers=headers, status=201)

    assert "value" in issued.json and "value" not in replayed.json
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert validator.is_valid(issued.json) and validator.is_valid(replayed.json)


def test_the_import_takes_files_and_answers_a_report(spec):
    operation = spec["paths"]["/api/v1/assessments/{assessment_id}/questions/import"]["post"]
    body = operation["requestBody"]["content"]

    assert operation["operationId"] == "import_questions"
    assert list(body) == ["application/zip", "application/xml", "text/xml", "text/plain"]
    assert body["application/zip"]["schema"]["format"] == "binary"
    assert [parameter["name"] for parameter in operation["parameters"]] == ["assessment_id", "dry_run", "Idempotency-Key"]
    assert set(operation["responses"]) == {"200", "201", "400", "401", "403", "404", "409", "413", "415", "422", "503"}
    assert "MAX_IMPORT_BYTES" in operation["responses"]["413"]["description"]
    assert "application/zip or application/xml or text/xml or text/plain" in operation["responses"]["415"]["description"]
    assert "nothing_to_import" in operation["responses"]["422"]["description"]
    assert "invalid_json" not in operation["responses"]["400"]["description"]  # the body is not JSON
    created = operation["responses"]["201"]["content"]["application/json"]["schema"]
    dry_run = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert (ref_name(created), ref_name(dry_run)) == ("ImportReport", "DryRunReport")
    assert _variants(spec, schema(spec, "ImportReport")["properties"]["imported"]["items"]) == _variants(
        spec,
        spec["paths"]["/api/v1/assessments/{assessment_id}/questions/{question_id}"]["get"]["responses"]["200"]["content"][
            "application/json"
        ]["schema"],
    )
    new_question = spec["paths"]["/api/v1/assessments/{assessment_id}/questions"]["post"]["requestBody"]["content"]["application/json"]
    assert _variants(spec, schema(spec, "DryRunReport")["properties"]["imported"]["items"]) == _variants(spec, new_question["schema"])


def test_the_export_answers_a_zip_or_text(spec):
    operation = spec["paths"]["/api/v1/assessments/{assessment_id}/export"]["get"]
    success = operation["responses"]["200"]["content"]

    assert operation["operationId"] == "export_questions"
    assert list(success) == ["application/zip", "text/plain"]
    assert all(content["schema"] == {"type": "string", "format": "binary"} for content in success.values())
    (query,) = [parameter for parameter in operation["parameters"] if parameter["in"] == "query"]
    assert (query["name"], query["required"], query["schema"]["enum"]) == ("format", True, ["qti3", "gift"])
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "503"}


def as_draft4(schema):
    """An OpenAPI 3.0 schema with `nullable: true` spelled as JSON Schema Draft 4 has it."""
    if isinstance(schema, list):
        return [as_draft4(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: as_draft4(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable"):
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
        elif "anyOf" in converted or "oneOf" in converted or "allOf" in converted:
            converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


def test_a_dry_run_and_an_import_each_fit_the_document(spec, testapp, instructor, course):
    """The answers validate against their schemas in the document (a client parses them by it)."""
    from helpers.api import create_assessment
    from helpers.interchange import import_file, zip_folder

    operation = spec["paths"]["/api/v1/assessments/{assessment_id}/questions/import"]["post"]["responses"]
    assessment = create_assessment(testapp, instructor, course["id"])
    for status, dry_run in (("200", True), ("201", False)):
        # Draft 4: OpenAPI 3.0's schemas take its boolean exclusiveMinimum (its nullable, spelled as Draft 4 does).
        validator = jsonschema_rs.Draft4Validator(
            as_draft4({**operation[status]["content"]["application/json"]["schema"], "components": spec["components"]})
        )
        answer = import_file(
            testapp, instructor, assessment["id"], zip_folder("canvas_quiz"), "application/zip", status=int(status), dry_run=dry_run
        )
        errors = [error.message for error in validator.iter_errors(answer.json)]
        assert errors == [] and len(answer.json["imported"]) == 7
