"""Reading an IMS content package (a zip) within limits, and the QTI files its manifest lists."""

import io
import lzma
import posixpath
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from urllib.parse import unquote

from .errors import refused
from .xml import children, parse_xml

MAX_ENTRIES = 2000
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MANIFEST = "imsmanifest.xml"
CHUNK = 64 * 1024
# What zipfile raises for a damaged archive or entry: none of it may escape as a 500.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    struct.error,
    KeyError,
    IndexError,
)
QTI12_TYPES = ("imsqti_xmlv1p2", "imsqti_assessment_xmlv1p2")
QTI2_ITEM_TYPES = ("imsqti_item_xmlv2p0", "imsqti_item_xmlv2p1", "imsqti_item_xmlv2p2", "imsqti_item_xmlv3p0")


@dataclass
class QtiFile:
    """One file a manifest lists: its path in the package and its QTI generation."""

    path: str
    kind: str  # "qti12" or "qti2" (QTI 2.x and 3.0 items)


class Package:
    """An opened zip whose entries were checked; reads count the bytes really inflated."""

    def __init__(self, data, max_entries=MAX_ENTRIES, max_unpacked=MAX_UNPACKED_BYTES):
        self.max_unpacked = max_unpacked
        self.unpacked = 0
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except ZIP_ERRORS:
            raise refused("the upload is not a readable zip archive") from None
        if len(infos) > max_entries:
            raise refused(f"the package has {len(infos)} entries; at most {max_entries} are accepted")
        self.entries = {}
        for info in infos:
            check_entry(info)
            if info.filename in self.entries:
                raise refused(f"the package names the entry {info.filename!r} twice")
            self.entries[info.filename] = info
        declared = sum(info.file_size for info in infos)
        if declared > max_unpacked:
            raise refused(f"the package unpacks to more than {max_unpacked} bytes")

    def has(self, path):
        """Whether the package holds a file at `path`."""
        return path in self.entries and not self.entries[path].is_dir()

    def read(self, path):
        """The bytes of the entry at `path`, refused once the package's inflated total passes the limit."""
        info = self.entries[path]
        pieces = []
        try:
            with self.zip.open(info) as entry:
                while True:
                    # Counted as inflated, not as declared: a bomb can lie in its headers.
                    piece = entry.read(CHUNK)
                    if not piece:
                        break
                    self.unpacked += len(piece)
                    if self.unpacked > self.max_unpacked:
                        raise refused(f"the package unpacks to more than {self.max_unpacked} bytes")
                    pieces.append(piece)
        except ZIP_ERRORS:
            raise refused(f"the entry {path!r} of the package is damaged") from None
        return b"".join(pieces)


def check_entry(info):
    """Refuse an entry that is a link, encrypted, or named outside the package."""
    name = info.filename
    if "\\" in name or "\x00" in name:
        raise refused(f"the entry name {name!r} has a backslash or NUL; it may escape the package")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise refused(f"the entry name {name!r} is an absolute path")
    if ".." in name.split("/"):
        raise refused(f"the entry name {name!r} climbs out of the package")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise refused(f"the entry {name!r} is a symbolic link")
    if info.flag_bits & 0x1:
        raise refused(f"the entry {name!r} is encrypted")


def manifest_path(package):
    """The path of the package's manifest: the shallowest imsmanifest.xml."""
    found = [path for path in package.entries if posixpath.basename(path) == MANIFEST and package.has(path)]
    if not found:
        raise refused("the package has no imsmanifest.xml")
    return min(found, key=lambda path: (path.count("/"), path))


def qti_files(package):
    """(manifest path, the QTI files its resources list, warnings) for an opened package."""
    path = manifest_path(package)
    manifest = parse_xml(package.read(path), name=path)
    if manifest.tag != "manifest":
        raise refused(f"{path} is not an IMS manifest")
    base = posixpath.dirname(path)
    files, warnings = [], []
    for resources in children(manifest, "resources"):
        for resource in children(resources, "resource"):
            kind = resource_kind(resource.get("type", ""))
            if kind is None:
                continue
            href = resource.get("href") or next((f.get("href") for f in children(resource, "file") if f.get("href")), None)
            if not href:
                warnings.append(f"{path}: the resource {resource.get('identifier', '')!r} names no file")
                continue
            resource_base = posixpath.join(base, resources.get("base", ""), resource.get("base", ""))
            file_path = package_path(resource_base, href)
            if file_path not in (f.path for f in files):
                files.append(QtiFile(file_path, kind))
    if not files:
        warnings.append(f"{path}: the manifest lists no QTI 1.2 assessment nor QTI 2.x/3.0 item")
    return path, files, warnings


def resource_kind(resource_type):
    """'qti12', 'qti2' or None (tests, media, web content) for a manifest resource type."""
    if resource_type.startswith(QTI12_TYPES):
        return "qti12"
    if resource_type.startswith(QTI2_ITEM_TYPES):
        return "qti2"
    return None


def package_path(base, href):
    """The entry path `href` names relative to `base`; refused if it leaves the package."""
    href = unquote(href.split("#", 1)[0].split("?", 1)[0])
    if "\\" in href or href.startswith("/") or "://" in href or (len(href) > 1 and href[1] == ":"):
        raise refused(f"the manifest names {href!r}, which is outside the package")
    joined = posixpath.normpath(posixpath.join(base, href)) if href else ""
    if joined in ("", ".") or joined.startswith("../") or joined == "..":
        raise refused(f"the manifest names {href!r}, which is outside the package")
    return joined
