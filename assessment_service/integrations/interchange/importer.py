"""One entry point for imports: a file and its content type in, an ImportReport out."""

from . import canvas_qti12, gift, qti
from .errors import ImportRefused, refused, too_large
from .package import MAX_ENTRIES, MAX_UNPACKED_BYTES, Package, qti_files
from .report import ImportReport
from .xml import parse_xml

MAX_IMPORT_BYTES = 10 * 1024 * 1024
ZIP_TYPES = ("application/zip", "application/x-zip-compressed")
XML_TYPES = ("application/xml", "text/xml")
GIFT_TYPES = ("text/plain",)


def parse(data, content_type, max_bytes=MAX_IMPORT_BYTES, max_entries=MAX_ENTRIES, max_unpacked=MAX_UNPACKED_BYTES):
    """The questions a file holds, by its content type; ImportRefused for a file refused whole.

    `application/zip` is an IMS content package, `application/xml` (or `text/xml`) one QTI
    item or a QTI 1.2 `questestinterop` file, `text/plain` Moodle GIFT.
    """
    if len(data) > max_bytes:
        raise too_large(f"the upload is {len(data)} bytes; at most {max_bytes} are accepted")
    media_type = content_type.split(";", 1)[0].strip().lower() if content_type else ""
    if media_type in ZIP_TYPES:
        return parse_package(data, max_entries, max_unpacked)
    if media_type in XML_TYPES:
        report = ImportReport()
        read_qti_document(parse_xml(data), report, name="")
        return report
    if media_type in GIFT_TYPES:
        return gift.parse_gift(decode_utf8(data))
    raise ImportRefused(
        415,
        "unsupported_media_type",
        "send application/zip (a content package), application/xml (a QTI item) or text/plain (GIFT)",
        {"Content-Type": [f"{media_type or 'none'} is not an import format"]},
    )


def decode_utf8(data):
    """The text of a UTF-8 upload (a byte-order mark allowed); refused otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise refused(f"the text is not UTF-8 (byte {error.start} cannot be read)") from None


def parse_package(data, max_entries, max_unpacked):
    """The questions of every QTI file an IMS content package's manifest lists."""
    package = Package(data, max_entries=max_entries, max_unpacked=max_unpacked)
    _, files, warnings = qti_files(package)
    report = ImportReport(warnings=list(warnings))
    for qti_file in files:
        if not package.has(qti_file.path):
            report.skip(qti_file.path, "the manifest lists this file but the package does not hold it")
            continue
        root = parse_xml(package.read(qti_file.path), name=qti_file.path)
        read_qti_document(root, report, name=qti_file.path)
    return report


def read_qti_document(root, report, name):
    """Add the questions of one QTI document (a 1.2 file or a 2.x/3.0 item) to `report`."""
    if root.tag == "questestinterop":
        canvas_qti12.read_questestinterop(root, report, prefix=f"{name}#" if name else "")
    elif root.tag == "assessmentItem":
        identifier = root.get("identifier") or "item"
        qti.read_item(root, report, f"{name}#{identifier}" if name else identifier)
    elif name:
        report.skip(name, f"a {root.tag or 'document'} is neither a QTI item nor a QTI 1.2 file")
    else:
        raise refused(f"the XML is a {root.tag or 'document'}, not a QTI item; send a content package for a whole test")
