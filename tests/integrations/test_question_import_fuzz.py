"""No file sent to the import route gives a 500: random bytes under every content type and
mutated fixture files, through the API against the real database. Whatever the answer,
the questions stored change exactly as it says."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_interchange_fuzz import EDITS, GIFT_FIXTURES, GIFT_PIECES, XML_FIXTURES, mutate

from helpers.api import create_assessment
from helpers.db import value
from helpers.interchange import fixture_bytes, import_url, zip_entries, zip_folder

ROUTE_FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CONTENT_TYPES = ["application/zip", "application/xml", "text/xml", "text/plain", "text/plain; charset=utf-8", "application/json", ""]
# What the route may answer to any file; never a 5xx.
ANSWERS = {200: None, 201: None, 413: "payload_too_large", 415: "unsupported_media_type", 422: ("validation_failed", "nothing_to_import")}
PACKAGES = {name: zip_folder(name) for name in ("canvas_quiz", "qti21_package", "qti30_package")}


@pytest.fixture
def send(testapp, instructor, course, db_conn):
    """send(data, content_type, dry_run): POST the file and check the answer and what was stored."""
    assessment = create_assessment(testapp, instructor, course["id"])

    def count():
        return value(db_conn, "select count(*) from questions where assessment_id = %s", (assessment["id"],))

    def send(data, content_type, dry_run=False):
        headers = {**instructor.headers, **({"Content-Type": content_type} if content_type else {})}
        before = count()
        response = testapp.post(import_url(assessment["id"], dry_run), data, headers=headers, expect_errors=True)
        assert response.status_int in ANSWERS, (response.status_int, response.text[:500])
        if response.status_int < 300:
            assert response.status_int == (200 if dry_run else 201)
            added = len(response.json["imported"])
            assert added > 0 and count() == before + (0 if dry_run else added)
        else:
            error = response.json["error"]
            assert error["code"] in ANSWERS[response.status_int] and error["message"]
            assert count() == before
        return response

    return send


@ROUTE_FUZZ
@given(data=st.binary(max_size=3000), content_type=st.sampled_from(CONTENT_TYPES), dry_run=st.booleans())
def test_random_bytes(send, data, content_type, dry_run):
    send(data, content_type, dry_run)


@ROUTE_FUZZ
@given(name=st.sampled_from(sorted(PACKAGES)), edits=EDITS)
def test_mutated_packages(send, name, edits):
    send(mutate(PACKAGES[name], edits), "application/zip")


@ROUTE_FUZZ
@given(name=st.sampled_from(XML_FIXTURES), edits=EDITS, packaged=st.booleans())
def test_mutated_qti_documents(send, name, edits, packaged):
    document = mutate(fixture_bytes(name), edits)
    if packaged:
        manifest = b'<manifest><resources><resource type="imsqti_item_xmlv3p0" href="item.xml"/></resources></manifest>'
        send(zip_entries({"imsmanifest.xml": manifest, "item.xml": document}), "application/zip")
    else:
        send(document, "application/xml")


@ROUTE_FUZZ
@given(name=st.sampled_from(GIFT_FIXTURES), edits=EDITS, dry_run=st.booleans())
def test_mutated_gift_files(send, name, edits, dry_run):
    send(mutate(fixture_bytes(name), edits), "text/plain", dry_run)


@ROUTE_FUZZ
@given(text=st.lists(st.one_of(GIFT_PIECES, st.text(max_size=5)), max_size=40).map("".join))
def test_random_gift_text(send, text):
    send(text.encode("utf-8", "surrogatepass"), "text/plain")
