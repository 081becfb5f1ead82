"""Hostile files: entity bombs, external references, zip bombs, paths out of the package."""

import io
import stat
import struct
import zipfile

import pytest

from assessment_service.integrations.interchange import ImportRefused, parse
from helpers.interchange import fixture_bytes, manifest, zip_entries

ITEM = fixture_bytes("qti30_package/items/order.xml")

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<assessmentItem identifier="x"><itemBody><p>&lol4;</p></itemBody></assessmentItem>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE item [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<assessmentItem identifier="x"><itemBody><p>&secret;</p></itemBody></assessmentItem>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE questestinterop SYSTEM "http://127.0.0.1:9/ims_qtiasiv1p2p1.dtd">
<questestinterop/>"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>
<x/>"""


def refusal(data, content_type="application/zip", **limits):
    """The ImportRefused that parsing `data` raises."""
    with pytest.raises(ImportRefused) as refused:
        parse(data, content_type, **limits)
    return refused.value


@pytest.mark.parametrize(
    "payload", [BILLION_LAUGHS, XXE, EXTERNAL_DTD, PARAMETER_ENTITY], ids=["billion-laughs", "xxe", "external-dtd", "parameter-entity"]
)
def test_dtds_entities_and_external_references_are_refused(payload):
    error = refusal(payload, "application/xml")
    assert (error.status, error.code) == (422, "validation_failed")
    assert error.message == "the XML declares a DTD, entities or external references, which are refused"
    assert error.details == {"body": [error.message]}


def test_an_entity_bomb_inside_a_package_is_refused_naming_the_entry():
    package = zip_entries({"imsmanifest.xml": manifest("items/bomb.xml"), "items/bomb.xml": BILLION_LAUGHS})
    assert refusal(package).message == "items/bomb.xml declares a DTD, entities or external references, which are refused"


def test_a_manifest_with_an_entity_is_refused():
    package = zip_entries({"imsmanifest.xml": XXE})
    assert "imsmanifest.xml declares a DTD" in refusal(package).message


def test_an_upload_over_the_limit_is_413():
    error = refusal(b"x" * 101, "text/plain", max_bytes=100)
    assert (error.status, error.code) == (413, "payload_too_large")


def test_the_default_limit_is_ten_mebibytes():
    assert refusal(b" " * (10 * 1024 * 1024 + 1), "text/plain").status == 413
    assert parse(b" " * (10 * 1024 * 1024), "text/plain").questions == []


def test_an_unknown_content_type_is_415():
    error = refusal(b"{}", "application/json")
    assert (error.status, error.code) == (415, "unsupported_media_type")


def test_a_zip_bomb_by_its_declared_size():
    package = zip_entries({"imsmanifest.xml": manifest("big.xml"), "big.xml": b"\0" * 2_000_000})
    assert len(package) < 20_000
    assert refusal(package, max_unpacked=1_000_000).message == "the package unpacks to more than 1000000 bytes"


def test_the_unpacked_default_is_fifty_mebibytes():
    package = zip_entries({"imsmanifest.xml": manifest("big.xml"), "big.xml": b"\0" * (50 * 1024 * 1024 + 1)})
    assert refusal(package).message == f"the package unpacks to more than {50 * 1024 * 1024} bytes"


def patch_headers(package, name, local_field, central_field, value):
    """The zip with a 16- or 32-bit field of `name`'s local and central headers rewritten."""
    data = bytearray(package)
    encoded = name.encode()
    for signature, name_at, field in ((b"PK\x03\x04", 26, local_field), (b"PK\x01\x02", 28, central_field)):
        header = data.find(signature)
        while header >= 0:
            name_length = struct.unpack_from("<H", data, header + name_at)[0]
            start = header + name_at + (4 if signature == b"PK\x03\x04" else 18)
            if data[start : start + name_length] == encoded:
                offset, form = field
                struct.pack_into(form, data, header + offset, value)
            header = data.find(signature, header + 4)
    return bytes(data)


def lie_about_size(package, name, declared):
    """The zip with `name`'s uncompressed size rewritten to `declared` in both headers."""
    return patch_headers(package, name, (22, "<I"), (24, "<I"), declared)


def test_a_zip_bomb_lying_in_its_headers_is_caught_while_inflating():
    honest = zip_entries({"imsmanifest.xml": manifest("big.xml"), "big.xml": b"<x>" + b" " * 3_000_000 + b"</x>"})
    lying = lie_about_size(honest, "big.xml", 100)
    with zipfile.ZipFile(io.BytesIO(lying)) as archive:
        assert archive.getinfo("big.xml").file_size == 100
    error = refusal(lying, max_unpacked=1_000_000)
    assert error.status == 422
    assert error.message in ("the entry 'big.xml' of the package is damaged", "the package unpacks to more than 1000000 bytes")


@pytest.mark.parametrize("name", ["../evil.xml", "items/../../evil.xml", "/etc/evil.xml", "items\\evil.xml", "C:/evil.xml"])
def test_entry_names_that_leave_the_package_are_refused(name):
    package = zip_entries({"imsmanifest.xml": manifest("items/order.xml"), "items/order.xml": ITEM, name: b"x"})
    error = refusal(package)
    assert error.status == 422 and repr(name) in error.message


def test_a_symbolic_link_entry_is_refused():
    link = zipfile.ZipInfo("items/link.xml")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", manifest("items/link.xml"))
        archive.writestr(link, "/etc/passwd")
    assert refusal(buffer.getvalue()).message == "the entry 'items/link.xml' is a symbolic link"


@pytest.mark.parametrize("href", ["../outside.xml", "/abs.xml", "http://example.com/x.xml", "a/..%2F..%2Fb.xml"])
def test_manifest_hrefs_that_leave_the_package_are_refused(href):
    package = zip_entries({"imsmanifest.xml": manifest(href)})
    assert "outside the package" in refusal(package).message


def test_too_many_entries_are_refused():
    entries = {"imsmanifest.xml": manifest()} | {f"f{number}.txt": b"" for number in range(2000)}
    assert refusal(zip_entries(entries)).message == "the package has 2001 entries; at most 2000 are accepted"


def test_a_package_without_manifest_or_not_a_zip_is_refused():
    assert refusal(zip_entries({"items/order.xml": ITEM})).message == "the package has no imsmanifest.xml"
    assert refusal(b"PK\x03\x04 not really").message == "the upload is not a readable zip archive"


def test_an_encrypted_entry_is_refused():
    package = zip_entries({"imsmanifest.xml": manifest("items/order.xml"), "items/order.xml": ITEM}, zipfile.ZIP_STORED)
    encrypted = patch_headers(package, "items/order.xml", (6, "<H"), (8, "<H"), 0x1)
    assert refusal(encrypted).message == "the entry 'items/order.xml' is encrypted"


def test_deeply_nested_xml_is_refused():
    deep = b"<a>" * 500 + b"</a>" * 500
    assert refusal(deep, "application/xml").message == "the XML is nested more than 200 elements deep"


def test_broken_xml_is_refused():
    error = refusal(b"<assessmentItem><oops></assessmentItem>", "application/xml")
    assert error.status == 422 and error.message.startswith("the XML is not well-formed XML")
