"""Helpers for the interchange tests: fixture files and zips built in memory."""

import io
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).parent.parent / "fixtures" / "interchange"


def fixture_bytes(relative):
    """The bytes of a fixture file."""
    return (FIXTURES / relative).read_bytes()


def zip_folder(relative):
    """A zip of a fixture folder, entries named relative to it (a content package)."""
    folder = FIXTURES / relative
    return zip_entries({str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()})


def zip_entries(entries, compression=zipfile.ZIP_DEFLATED):
    """A zip holding `entries` {name: bytes}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as package:
        for name, data in entries.items():
            package.writestr(name, data)
    return buffer.getvalue()


def manifest(*hrefs, kind="imsqti_item_xmlv3p0"):
    """A minimal imsmanifest.xml listing `hrefs` as QTI resources."""
    resources = "".join(
        f'<resource identifier="r{index}" type="{kind}" href="{href}"><file href="{href}"/></resource>' for index, href in enumerate(hrefs)
    )
    return (
        f'<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="m"><resources>{resources}</resources></manifest>'.encode()
    )
