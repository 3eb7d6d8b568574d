"""Text of a notice's attachments: PDF, DOCX, XLSX, ZIP, plain text and HTML.

The brand of the equipment bought ("赛默飞世尔 3500xL", "Promega PowerPlex 21") is often only inside the
attached files, so the monitor downloads them (elsewhere) and reads their text here. Everything in this
package is a pure function of the bytes given: no network, no files.

Attachments come from the open internet, so every reader is bounded: the input size (``max_bytes``), the
text kept (``MAX_TEXT``), and for archives the member count, the declared uncompressed sizes, the
compression ratio and the nesting depth, all checked from the zip headers *before* anything is
decompressed, and never more than a member's declared size is read. The uncompressed-bytes budget is shared
by every archive in one call, so nesting zips does not multiply it.

Depth counts enclosing archives: the data handed to :func:`extract_text` is at depth 0, the members of a
zip at depth ``d`` are at ``d + 1``; a zip at a depth above ``MAX_ZIP_DEPTH`` is not opened (inside an
archive it is skipped with a note).

What lives where: this module is the public API (:func:`sniff`, :func:`extract_text` and the dispatcher to
the readers); ``base`` the error, :class:`Extracted` and the limits; ``archive`` the bounded zip reading
(budget, member names, ratio checks) and the text of a ZIP of attachments; ``office`` DOCX and XLSX;
``pdf`` PDF; ``plain`` plain text and HTML. The submodules never import this one, so it can import them.
"""

from __future__ import annotations

import io
import re
import zipfile

from tenderwatch.attachments import base
from tenderwatch.attachments.archive import _Budget, _zip_text
from tenderwatch.attachments.base import (
    KINDS,
    MAX_BYTES,
    MAX_TEXT,
    MAX_ZIP_DEPTH,
    MAX_ZIP_MEMBERS,
    MAX_ZIP_RATIO,
    MAX_ZIP_TOTAL,
    AttachmentError,
    Extracted,
)
from tenderwatch.attachments.office import _docx_text, _xlsx_text
from tenderwatch.attachments.pdf import _pdf_text
from tenderwatch.attachments.plain import _decode_text, _html_to_text

__all__ = [
    "KINDS",
    "MAX_BYTES",
    "MAX_TEXT",
    "MAX_ZIP_DEPTH",
    "MAX_ZIP_MEMBERS",
    "MAX_ZIP_RATIO",
    "MAX_ZIP_TOTAL",
    "AttachmentError",
    "Extracted",
    "extract_text",
    "sniff",
]

_EXTENSIONS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".docm": "docx",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".zip": "zip",
    ".txt": "text",
    ".htm": "html",
    ".html": "html",
}
_CONTENT_TYPES = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
    "application/x-zip": "zip",
    "text/plain": "text",
    "text/html": "html",
    "application/xhtml+xml": "html",
}
# Formats recognised from their magic that this package cannot read: whatever the name claims, they are None.
_UNSUPPORTED_MAGIC = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Office (OLE) file: .doc/.xls/.wps or encrypted Office"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL
)


# --------------------------------------------------------------------------------------------- sniffing


def sniff(data: bytes, name: str = "", content_type: str = "") -> str | None:
    """The kind from the bytes' magic first (%PDF-, PK\x03\x04 + [Content_Types].xml with word/ or xl/),
    then the file name's extension, then the content type; None if unsupported (e.g. .doc, .xls, images)."""
    head = data[:1024]
    by_name = _kind_from_name(name)
    # Some producers put junk before the header (readers accept it within the first 1024 bytes); elsewhere
    # only trust that when the name or content type also says PDF, so a text merely quoting "%PDF-" is text.
    if head.lstrip().startswith(b"%PDF-") or (
        b"%PDF-" in head and "pdf" in (by_name, _kind_from_content_type(content_type))
    ):
        return "pdf"
    if data.startswith(_ZIP_MAGIC):
        return _sniff_zip(data, name, content_type)
    if _unsupported_magic(data) is not None:
        return None
    if _HTML_START.match(head):
        return "html"
    if by_name is not None:
        return by_name
    return _kind_from_content_type(content_type)


def _sniff_zip(data: bytes, name: str, content_type: str) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        # Zip magic but an unreadable directory: let the name say which reader reports the damage.
        claimed = _kind_from_name(name) or _kind_from_content_type(content_type)
        return claimed if claimed in ("docx", "xlsx") else "zip"
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        return None  # another OOXML package (.pptx, …): not read here
    return "zip"


def _unsupported_magic(data: bytes) -> str | None:
    for magic, what in _UNSUPPORTED_MAGIC:
        if data.startswith(magic):
            return what
    return None


def _kind_from_name(name: str) -> str | None:
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()
    dot = base.rfind(".")
    if dot < 0:
        return None
    return _EXTENSIONS.get(base[dot:])


def _kind_from_content_type(content_type: str) -> str | None:
    return _CONTENT_TYPES.get(content_type.split(";", 1)[0].strip().lower())


# ------------------------------------------------------------------------------------------- extraction


def extract_text(data: bytes, name: str = "", content_type: str = "", *, max_bytes: int = MAX_BYTES,
                 depth: int = 0) -> Extracted:
    """Raise AttachmentError when too large, unsupported, corrupt, encrypted or a zip bomb."""
    return _extract(data, name, content_type, max_bytes, depth, _Budget(base.MAX_ZIP_TOTAL))


def _extract(data: bytes, name: str, content_type: str, max_bytes: int, depth: int,
             budget: _Budget) -> Extracted:
    if len(data) > max_bytes:
        raise AttachmentError(f"too large: {len(data)} bytes, limit {max_bytes}")
    kind = sniff(data, name, content_type)
    notes: list[str] = []
    if kind == "pdf":
        text = _pdf_text(data, notes)
    elif kind == "docx":
        text = _docx_text(data, budget)
    elif kind == "xlsx":
        text = _xlsx_text(data, budget, notes)
    elif kind == "zip":
        text = _zip_text(data, max_bytes, depth, budget, notes, _extract)
    elif kind == "text":
        text = _decode_text(data, notes)
    elif kind == "html":
        text = _html_to_text(_decode_text(data, notes))
    else:
        what = _unsupported_magic(data) or (name or content_type or "unknown format")
        raise AttachmentError(f"unsupported: {what}")
    if len(text) > base.MAX_TEXT:
        notes.append(f"text truncated to {base.MAX_TEXT} of {len(text)} characters")
        text = text[:base.MAX_TEXT]
    return Extracted(kind=kind, text=text, notes=tuple(notes))
