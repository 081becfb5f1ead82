"""POST /assessments/{id}/questions/import (contract section 19): what each format stores,
the report, the dry run, all or nothing, the 1,000-question cap, hostile files, the body
limit and Idempotency-Key, through the API against the real database."""

import threading
import urllib.error
import urllib.request
from collections import Counter
from decimal import Decimal as D

import pytest
from test_interchange_hostile import BILLION_LAUGHS, EXTERNAL_DTD, XXE, lie_about_size

from assessment_service.integrations.interchange import parse
from helpers.api import API, add_question, assessment_url, create_assessment, exact, true_false
from helpers.db import rows, value
from helpers.interchange import authored, comparable, fixture_bytes, import_file, import_url, manifest, zip_entries, zip_folder
from helpers.servers import concurrently

MIB = 1024 * 1024
ZIP, XML, GIFT = "application/zip", "application/xml", "text/plain"

# Every file the tests hold that gives questions, with the types it gives in order and what it skips.
FILES = {
    "canvas_quiz": (
        ZIP,
        ["single_choice", "true_false", "short_text", "multiple_choice", "numeric", "numeric", "matching"],
        [
            ("g5c2a1e0b/g5c2a1e0b.xml#i8h", "essay questions are graded by hand"),
            ("g5c2a1e0b/g5c2a1e0b.xml#i9i", "file upload questions are graded by hand"),
            ("g5c2a1e0b/g5c2a1e0b.xml#i10j", "several blanks in one question (fill in multiple blanks)"),
            ("g5c2a1e0b/g5c2a1e0b.xml#i11k", "a text-only item asks no question"),
            ("g5c2a1e0b/g5c2a1e0b.xml#i12l", "several dropdowns in one question (multiple dropdowns)"),
            ("g5c2a1e0b/g5c2a1e0b.xml#i13m", "formula questions with random variables (calculated)"),
            ("g5c2a1e0b/g5c2a1e0b.xml#i14n", "the text uses media (img) that the service cannot show"),
        ],
    ),
    "qti21_package": (
        ZIP,
        ["single_choice", "multiple_choice", "short_text", "numeric", "ordering", "matching"],
        [
            ("items/extended_text.xml#extendedText", "essay (extendedTextInteraction) answers are graded by hand"),
            ("items/hotspot.xml#hotspot", "hotspot (hotspotInteraction) needs an image"),
            ("items/inline_choice.xml#inlineChoice", "inline choice (inlineChoiceInteraction) dropdowns are not supported"),
            ("items/choice_image.xml#choiceImage", "the prompt uses media (img) that the service cannot show"),
        ],
    ),
    "qti30_package": (
        ZIP,
        ["single_choice", "multiple_choice", "numeric", "ordering", "matching"],
        [
            ("items/match_shared.xml#q3-match-shared", "an option is the match of several prompts"),
            ("items/essay.xml#q3-essay", "essay (extendedTextInteraction) answers are graded by hand"),
            ("items/upload.xml#q3-upload", "file upload (uploadInteraction) answers are graded by hand"),
            ("items/graphic_order.xml#q3-graphic-order", "graphic order (graphicOrderInteraction) needs an image"),
            ("items/two_blanks.xml#q3-two-blanks", "the item has 2 interactions (textEntryInteraction); the service maps one per question"),
        ],
    ),
    "gift/moodle_shapes.gift": (
        GIFT,
        ["single_choice", "single_choice", "true_false", "short_text", "numeric", "matching", "single_choice", "single_choice"]
        + ["short_text", "numeric"],
        [],
    ),
    "gift/description1.gift": (
        GIFT,
        ["true_false"],
        [("line 1 (Description Title)", "a description (text without answers) asks no question")],
    ),
    "qti30_package/items/order.xml": (XML, ["ordering"], []),
    "qti21_package/items/match.xml": ("text/xml", ["matching"], []),
}


def file_bytes(name):
    return zip_folder(name) if FILES[name][0] == ZIP else fixture_bytes(name)


def questions_of(testapp, caller, assessment_id):
    return exact(testapp.get(assessment_url(assessment_id, "questions"), headers=caller.headers)).get("data")


def question_count(db_conn, assessment_id):
    return value(db_conn, "select count(*) from questions where assessment_id = %s", (assessment_id,))


@pytest.fixture
def quiz(testapp, instructor, course):
    """An assessment with one question already (imports go after it)."""
    assessment = create_assessment(testapp, instructor, course["id"])
    add_question(testapp, instructor, assessment["id"], true_false(prompt="Already here."))
    return assessment


# ---------------------------------------------------------------- what each format stores


@pytest.mark.parametrize("name", FILES)
def test_every_question_a_file_maps_is_stored_after_the_last_one_and_the_rest_reported(testapp, instructor, quiz, db_conn, name):
    content_type, types, skipped = FILES[name]
    data = file_bytes(name)
    mapped = parse(data, content_type).questions

    answer = exact(import_file(testapp, instructor, quiz["id"], data, content_type, status=201))

    assert [question["type"] for question in answer["imported"]] == types
    assert [(entry["source"], entry["reason"]) for entry in answer["skipped"]] == skipped
    # The stored questions are the file's, as GET shows them, each after the one before.
    stored = questions_of(testapp, instructor, quiz["id"])
    assert [question["prompt"] for question in stored[:1]] == ["Already here."]
    assert stored[1:] == answer["imported"]
    assert [question["position"] for question in stored] == list(range(1, len(types) + 2))
    assert [authored(question) for question in stored[1:]] == [comparable(body) for _, body in mapped]
    assert {question["assessment_id"] for question in stored} == {quiz["id"]}


def test_the_report_carries_the_files_warnings_and_feedback_comes_along(testapp, instructor, quiz):
    answer = import_file(testapp, instructor, quiz["id"], zip_folder("qti30_package"), ZIP).json

    assert answer["warnings"] == ["items/text_entry.xml#q3-text-entry: answers equal after rounding are kept as an absolute tolerance"]
    with_feedback = [question for question in answer["imported"] if any(c.get("feedback") for c in question.get("choices", []))]
    assert with_feedback, "the package's choice items carry feedback"
    stored = questions_of(testapp, instructor, quiz["id"])
    assert [q["choices"] for q in stored if q["id"] in {q["id"] for q in with_feedback}] == [q["choices"] for q in with_feedback]


def test_points_scoring_and_keys_are_taken_from_the_file(testapp, instructor, quiz):
    gift = (
        "// [points:2.5] [scoring:all_or_nothing]\n"
        "Pick the primes. {~%50%2 ~%50%3 ~%-100%4}\n\n"
        "// [case_sensitive:true]\nThe symbol of iron? {=Fe}\n\n"
        "Pi to two places? {#3.14:0.005}\n"
    )
    imported = exact(import_file(testapp, instructor, quiz["id"], gift.encode(), GIFT))["imported"]

    assert [authored(question) for question in imported] == [
        {
            "type": "multiple_choice",
            "prompt": "Pick the primes.",
            "points": D("2.5"),
            "choices": [{"text": "2", "correct": True}, {"text": "3", "correct": True}, {"text": "4", "correct": False}],
            "scoring": "all_or_nothing",
        },
        {"type": "short_text", "prompt": "The symbol of iron?", "points": D(1), "accepted_answers": ["Fe"], "case_sensitive": True},
        {"type": "numeric", "prompt": "Pi to two places?", "points": D(1), "correct_answer": D("3.14"), "tolerance": D("0.005")},
    ]


# ---------------------------------------------------------------- dry run


def test_a_dry_run_answers_200_with_the_bodies_and_stores_nothing(testapp, instructor, quiz, db_conn):
    before = rows(db_conn, "select updated_at from assessments where id = %s", (quiz["id"],))
    data = zip_folder("qti30_package")

    dry = exact(import_file(testapp, instructor, quiz["id"], data, ZIP, status=200, dry_run=True))

    assert question_count(db_conn, quiz["id"]) == 1
    assert rows(db_conn, "select updated_at from assessments where id = %s", (quiz["id"],)) == before
    # The questions as POST /questions would take them, at the positions they would get; no ids.
    assert [body["position"] for body in dry["imported"]] == [2, 3, 4, 5, 6]
    assert all("id" not in body and "id" not in str(body.get("choices", "")) for body in dry["imported"])
    real = exact(import_file(testapp, instructor, quiz["id"], data, ZIP, status=201))
    assert [comparable(body) for body in dry["imported"]] == [authored(question) for question in real["imported"]]
    assert [body["position"] for body in dry["imported"]] == [question["position"] for question in real["imported"]]
    assert (dry["skipped"], dry["warnings"]) == (real["skipped"], real["warnings"])


def test_a_dry_run_body_is_one_post_questions_takes(testapp, instructor, quiz, course):
    other = create_assessment(testapp, instructor, course["id"])
    dry = import_file(testapp, instructor, quiz["id"], zip_folder("canvas_quiz"), ZIP, status=200, dry_run=True).json

    for body in dry["imported"]:
        body["position"] -= 1  # the other assessment is empty
        stored = add_question(testapp, instructor, other["id"], body).json
        assert (stored["type"], stored["position"]) == (body["type"], body["position"])


# ---------------------------------------------------------------- nothing, or all or nothing


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (fixture_bytes("gift/essay1.gift"), GIFT),
        (b"", GIFT),
        (b"// only a comment\n", GIFT),
        (zip_entries({"imsmanifest.xml": manifest()}), ZIP),
    ],
    ids=["an essay", "empty", "a comment", "an empty package"],
)
def test_nothing_importable_is_422_with_the_report(testapp, instructor, quiz, db_conn, data, content_type):
    error = import_file(testapp, instructor, quiz["id"], data, content_type, status=422).json["error"]

    assert error["code"] == "nothing_to_import"
    assert set(error["details"]) == {"imported", "skipped", "warnings"} and error["details"]["imported"] == []
    assert question_count(db_conn, quiz["id"]) == 1


def test_the_essay_report_names_what_was_skipped(testapp, instructor, quiz):
    error = import_file(testapp, instructor, quiz["id"], fixture_bytes("gift/essay1.gift"), GIFT, status=422).json["error"]
    assert error["details"]["skipped"] == [{"source": "line 1", "reason": "an essay question ({}) is graded by hand"}]


def test_one_question_the_service_refuses_stores_none_of_the_file(testapp, instructor, quiz, db_conn):
    """A matching question with two equal prompts maps, but POST /questions refuses it: the
    whole file is refused, naming it, and the good question beside it is not stored either."""
    gift = b"Fine. {T}\n\n::Twins:: Match. {=same -> 1 =same -> 2}\n"

    error = import_file(testapp, instructor, quiz["id"], gift, GIFT, status=422).json["error"]

    assert error["code"] == "validation_failed"
    assert error["details"] == {"line 3 (Twins)": {"pairs": ["Each prompt must be different."]}}
    assert question_count(db_conn, quiz["id"]) == 1
    import_file(testapp, instructor, quiz["id"], gift, GIFT, status=422, dry_run=True)


def test_text_postgresql_cannot_store_is_refused_not_a_500(testapp, instructor, quiz, db_conn):
    error = import_file(testapp, instructor, quiz["id"], b"Nul\x00here? {T}\n", GIFT, status=422).json["error"]

    assert error["code"] == "validation_failed"
    assert error["details"] == {"line 1": {"$.prompt": ["Text must not contain NUL characters or unpaired surrogates."]}}
    assert question_count(db_conn, quiz["id"]) == 1


def many_questions(count, start=0):
    return "\n\n".join(f"Statement {number} is true. {{T}}" for number in range(start, start + count)).encode()


def test_the_thousand_question_cap_counts_what_is_there(testapp, instructor, quiz, db_conn):
    import_file(testapp, instructor, quiz["id"], many_questions(997), GIFT)  # 998 with the one there

    error = import_file(testapp, instructor, quiz["id"], many_questions(3), GIFT, status=422).json["error"]
    assert error["details"] == {"questions": ["An assessment holds at most 1000 questions. It holds 998; 3 more would make 1001."]}
    assert import_file(testapp, instructor, quiz["id"], many_questions(3), GIFT, status=422, dry_run=True).json == {"error": error}
    assert question_count(db_conn, quiz["id"]) == 998

    imported = import_file(testapp, instructor, quiz["id"], many_questions(2), GIFT).json["imported"]
    assert [question["position"] for question in imported] == [999, 1000]
    add_question(testapp, instructor, quiz["id"], true_false(), status=422)


@pytest.mark.slow
def test_concurrent_imports_and_posts_never_pass_the_cap(live_server, testapp, instructor, quiz, db_conn):
    """Imports and single POSTs at once, against a real gunicorn: they take the same lock,
    so however they interleave the assessment ends with exactly 1,000 questions."""
    import_file(testapp, instructor, quiz["id"], many_questions(989), GIFT)  # 990
    barrier = threading.Barrier(6)

    def send(path, data, content_type):
        barrier.wait(timeout=30)
        request = urllib.request.Request(
            live_server.base_url + path, data=data, method="POST", headers={**instructor.headers, "Content-Type": content_type}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    single = b'{"type": "true_false", "prompt": "One more.", "correct_answer": true}'
    calls = [lambda n=n: send(import_url(quiz["id"]), many_questions(4, start=n * 10), GIFT) for n in range(4)]
    calls += [lambda: send(f"{API}/assessments/{quiz['id']}/questions", single, "application/json")] * 2

    statuses = concurrently(calls)

    imports, posts = Counter(statuses[:4]), Counter(statuses[4:])
    # 10 places: two imports of 4 and both POSTs fit, whichever comes first; the rest is 422.
    assert imports == {201: 2, 422: 2} and posts == {201: 2}
    assert question_count(db_conn, quiz["id"]) == 1000
    positions = [
        position for (position,) in rows(db_conn, "select position from questions where assessment_id = %s order by 1", (quiz["id"],))
    ]
    assert positions == list(range(1, 1001))


# ---------------------------------------------------------------- refused files


def zip_bomb_declared():
    return zip_entries({"imsmanifest.xml": manifest("big.xml"), "big.xml": b"\0" * (50 * MIB + 1)})


def zip_bomb_lying():
    honest = zip_entries({"imsmanifest.xml": manifest("big.xml"), "big.xml": b"<x>" + b" " * (51 * MIB) + b"</x>"})
    return lie_about_size(honest, "big.xml", 100)


# Each file as bytes, or as a function making them (the bombs are made only when used).
HOSTILE = {
    "an entity bomb": (BILLION_LAUGHS, XML, 422, "validation_failed"),
    "an external entity": (XXE, "text/xml", 422, "validation_failed"),
    "an external DTD": (EXTERNAL_DTD, XML, 422, "validation_failed"),
    "an entity bomb in a package": (
        zip_entries({"imsmanifest.xml": manifest("items/bomb.xml"), "items/bomb.xml": BILLION_LAUGHS}),
        ZIP,
        422,
        "validation_failed",
    ),
    "a path out of the package": (
        zip_entries(
            {
                "imsmanifest.xml": manifest("items/order.xml"),
                "items/order.xml": fixture_bytes("qti30_package/items/order.xml"),
                "../evil.xml": b"x",
            }
        ),
        ZIP,
        422,
        "validation_failed",
    ),
    "a manifest naming a file outside": (zip_entries({"imsmanifest.xml": manifest("../outside.xml")}), ZIP, 422, "validation_failed"),
    "2,001 entries": (
        zip_entries({"imsmanifest.xml": manifest()} | {f"f{number}.txt": b"" for number in range(2000)}),
        ZIP,
        422,
        "validation_failed",
    ),
    "a zip bomb over 50 MiB unpacked": (zip_bomb_declared, ZIP, 422, "validation_failed"),
    "a zip bomb lying in its headers": (zip_bomb_lying, ZIP, 422, "validation_failed"),
    "not a zip": (b"PK\x03\x04 not really", ZIP, 422, "validation_failed"),
    "not UTF-8": (b"Caf\xe9? {T}", GIFT, 422, "validation_failed"),
    "JSON": (b'{"type": "true_false"}', "application/json", 415, "unsupported_media_type"),
    "no content type": (b"Sky is blue. {T}", "", 415, "unsupported_media_type"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_or_unreadable_file_gets_a_clear_4xx_and_changes_nothing(testapp, instructor, quiz, db_conn, case):
    data, content_type, status, code = HOSTILE[case]
    data = data() if callable(data) else data
    assert len(data) < 1 * MIB
    headers = {**instructor.headers}
    if content_type:
        headers["Content-Type"] = content_type
    before = rows(db_conn, "select id, updated_at from assessments union all select id, updated_at from questions order by 1")

    error = testapp.post(import_url(quiz["id"]), data, headers=headers, status=status).json["error"]

    assert error["code"] == code and error["message"]
    assert list(error["details"]) in (["body"], ["Content-Type"])
    assert rows(db_conn, "select id, updated_at from assessments union all select id, updated_at from questions order by 1") == before


def test_an_entity_bomb_is_refused_saying_why(testapp, instructor, quiz):
    error = import_file(testapp, instructor, quiz["id"], BILLION_LAUGHS, XML, status=422).json["error"]
    assert error["details"] == {"body": ["the XML declares a DTD, entities or external references, which are refused"]}


# ---------------------------------------------------------------- the body limit


def test_this_route_takes_bodies_up_to_max_import_bytes_and_others_stay_at_max_body_bytes(testapp, instructor, quiz, course):
    padding = b"// " + b"x" * (2 * MIB) + b"\n\n"
    answer = import_file(testapp, instructor, quiz["id"], padding + b"Two mebibytes in. {T}\n", GIFT).json
    assert [question["prompt"] for question in answer["imported"]] == ["Two mebibytes in."]

    # The rest of the API keeps its 1 MiB.
    big_json = b'{"title": "' + b"x" * (2 * MIB) + b'"}'
    error = testapp.post(f"{API}/courses", big_json, headers={**instructor.headers, "Content-Type": "application/json"}, status=413)
    assert error.json["error"]["code"] == "payload_too_large"


def test_a_body_over_max_import_bytes_is_413_in_the_envelope(testapp, instructor, quiz, db_conn):
    at_limit = b" " * (10 * MIB)
    import_file(testapp, instructor, quiz["id"], at_limit, GIFT, status=422)  # read whole: nothing in it
    error = import_file(testapp, instructor, quiz["id"], at_limit + b" ", GIFT, status=413).json["error"]
    assert (error["code"], error["details"]) == ("payload_too_large", {})
    assert question_count(db_conn, quiz["id"]) == 1


@pytest.fixture
def small_import_limit(config):
    config.MAX_IMPORT_BYTES = 4096
    return config


def test_max_import_bytes_is_a_setting(small_import_limit, testapp, instructor, course):
    assessment = create_assessment(testapp, instructor, course["id"])
    import_file(testapp, instructor, assessment["id"], b"// " + b"x" * 4000 + b"\n\nIn. {T}\n", GIFT, status=201)
    error = import_file(testapp, instructor, assessment["id"], b"// " + b"x" * 4100 + b"\n\nOut. {T}\n", GIFT, status=413)
    assert error.json["error"]["code"] == "payload_too_large"


# ---------------------------------------------------------------- Idempotency-Key


def test_a_retried_import_with_its_key_replays_and_stores_once(testapp, instructor, quiz, db_conn):
    data = zip_folder("canvas_quiz")  # binary: the key's record fingerprints the bytes
    key = {"Idempotency-Key": "import-canvas-once"}

    first = import_file(testapp, instructor, quiz["id"], data, ZIP, headers=key)
    again = import_file(testapp, instructor, quiz["id"], data, ZIP, headers=key)

    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert question_count(db_conn, quiz["id"]) == 1 + len(first.json["imported"])


@pytest.mark.parametrize(
    ("other_data", "other_type", "other_dry_run"),
    [(b"Another file. {T}", GIFT, False), (b"Sky is blue. {T}", "text/xml", False), (b"Sky is blue. {T}", GIFT, True)],
    ids=["other bytes", "the same bytes as another format", "the same file as a dry run"],
)
def test_the_key_with_another_request_is_422(testapp, instructor, quiz, db_conn, other_data, other_type, other_dry_run):
    key = {"Idempotency-Key": "import-one"}
    import_file(testapp, instructor, quiz["id"], b"Sky is blue. {T}", GIFT, headers=key)

    error = import_file(testapp, instructor, quiz["id"], other_data, other_type, headers=key, dry_run=other_dry_run, status=422)

    assert error.json["error"]["code"] == "idempotency_key_reused"
    assert question_count(db_conn, quiz["id"]) == 2


def test_a_dry_run_with_its_key_replays_and_still_stores_nothing(testapp, instructor, quiz, db_conn):
    data, key = b"Sky is blue. {T}", {"Idempotency-Key": "dry-first"}
    import_file(testapp, instructor, quiz["id"], data, GIFT, headers=key, dry_run=True, status=200)
    replay = import_file(testapp, instructor, quiz["id"], data, GIFT, headers=key, dry_run=True, status=200)

    assert replay.headers["Idempotent-Replayed"] == "true"
    assert question_count(db_conn, quiz["id"]) == 1


# ---------------------------------------------------------------- who may


def test_learners_may_not_import_and_nothing_is_stored(testapp, learner, enroll, course, quiz, db_conn):
    enroll(course["id"], learner)
    error = import_file(testapp, learner, quiz["id"], b"Sky is blue. {T}", GIFT, status=403).json["error"]
    assert error["code"] == "forbidden"
    assert question_count(db_conn, quiz["id"]) == 1
