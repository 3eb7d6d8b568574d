"""Text of a notice's attachments: PDF, DOCX, XLSX, ZIP, plain text and HTML.

The brand of the equipment bought ("赛默飞世尔 3500xL", "Promega PowerPlex 21") is often only inside the
attached files, so the monitor downloads them (elsewhere) and reads their text here. Everything in this
module is a pure function of the bytes given: no network, no files.

Attachments come from the open internet, so every reader is bounded: the input size (``max_bytes``), the
text kept (``MAX_TEXT``), and for archives the member count, the declared uncompressed sizes, the
compression ratio and the nesting depth, all checked from the zip headers *before* anything is
decompressed, and never more than a member's declared size is read. The uncompressed-bytes budget is shared
by every archive in one call, so nesting zips does not multiply it.

Depth counts enclosing archives: the data handed to :func:`extract_text` is at depth 0, the members of a
zip at depth ``d`` are at ``d + 1``; a zip at a depth above ``MAX_ZIP_DEPTH`` is not opened (inside an
archive it is skipped with a note).
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

MAX_BYTES = 20 * 1024 * 1024  # default cap on one attachment's size
MAX_TEXT = 2_000_000  # characters of text kept per attachment
MAX_ZIP_MEMBERS = 200
MAX_ZIP_TOTAL = 100 * 1024 * 1024  # total uncompressed bytes read from one archive (zip bomb guard)
MAX_ZIP_RATIO = 200  # refuse a member whose uncompressed/compressed ratio exceeds this
MAX_ZIP_DEPTH = 2  # zip inside zip inside zip: stop

# A member this small cannot be a bomb whatever its ratio (a 10 KB file of spaces compresses 300x);
# the total-size check still counts it.
_RATIO_EXEMPT_SIZE = 1024 * 1024
_CHUNK = 64 * 1024
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1

KINDS = ("pdf", "docx", "xlsx", "zip", "text", "html")

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
# Formats recognised from their magic that this module cannot read: whatever the name claims, they are None.
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

_W_NS = frozenset({
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # Strict OOXML
})
_S_NS = frozenset({
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
})
_MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_SHEET_PART = re.compile(r"^xl/worksheets/sheet(\d*)\.xml$", re.IGNORECASE)


class AttachmentError(Exception):
    """An attachment that cannot be read; the message is a one-line reason."""


@dataclass(frozen=True)
class Extracted:
    kind: str  # "pdf" | "docx" | "xlsx" | "zip" | "text" | "html"
    text: str  # the readable text; table cells separated by "\t", rows/paragraphs by "\n"
    notes: tuple[str, ...] = ()  # skipped members and why, truncation, etc.


class _Budget:
    """Uncompressed bytes still allowed to be read from archives during one ``extract_text`` call."""

    def __init__(self, remaining: int) -> None:
        self.remaining = remaining

    def take(self, n: int, what: str) -> None:
        if n > self.remaining:
            raise AttachmentError(f"zip bomb: {what} would exceed the {MAX_ZIP_TOTAL} bytes read limit")
        self.remaining -= n


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
    return _extract(data, name, content_type, max_bytes, depth, _Budget(MAX_ZIP_TOTAL))


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
        text = _zip_text(data, max_bytes, depth, budget, notes)
    elif kind == "text":
        text = _decode_text(data, notes)
    elif kind == "html":
        text = _html_to_text(_decode_text(data, notes))
    else:
        what = _unsupported_magic(data) or (name or content_type or "unknown format")
        raise AttachmentError(f"unsupported: {what}")
    if len(text) > MAX_TEXT:
        notes.append(f"text truncated to {MAX_TEXT} of {len(text)} characters")
        text = text[:MAX_TEXT]
    return Extracted(kind=kind, text=text, notes=tuple(notes))


# ------------------------------------------------------------------------------------------------- PDF


def _pdf_text(data: bytes, notes: list[str]) -> str:
    from pypdf import PasswordType, PdfReader  # imported here: only PDFs pay for it
    from pypdf.errors import DependencyError

    pypdf_logger = logging.getLogger("pypdf")
    old_level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                reader = PdfReader(io.BytesIO(data))
                if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                    raise AttachmentError("encrypted PDF")
                pages = list(reader.pages)
            except AttachmentError:
                raise
            except DependencyError as exc:
                raise AttachmentError(f"encrypted PDF: {_one_line(exc)}") from exc
            except Exception as exc:  # pypdf raises many types on damaged input
                raise AttachmentError(f"corrupt PDF: {_one_line(exc)}") from exc
            if not pages:
                raise AttachmentError("corrupt PDF: no pages")
            texts: list[str] = []
            total = 0
            for number, page in enumerate(pages, 1):
                if total > MAX_TEXT:
                    notes.append(f"pages {number}-{len(pages)} not read: text limit reached")
                    break
                try:
                    page_text = page.extract_text() or ""
                except Exception as exc:  # noqa: BLE001 - pypdf raises anything on a damaged page; keep the others
                    notes.append(f"page {number} unreadable: {_one_line(exc)}")
                    page_text = ""
                texts.append(page_text)
                total += len(page_text) + 1
    finally:
        pypdf_logger.setLevel(old_level)
    text = "\n".join(texts)
    if not text.strip():
        notes.append("PDF has no text layer (scanned?)")
    return text


def _one_line(exc: BaseException) -> str:
    message = " ".join(str(exc).split()) or type(exc).__name__
    return message[:300]


# ------------------------------------------------------------------------------------------ zip helpers


def _open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise AttachmentError(f"corrupt {what}: {_one_line(exc)}") from exc


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name: zips made on Chinese Windows store GBK names without the UTF-8 flag."""
    name = info.filename
    if info.flag_bits & _UTF8_FLAG or name.isascii():
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name  # zipfile was told another metadata encoding
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def _check_ratio(info: zipfile.ZipInfo, name: str) -> None:
    if info.file_size <= _RATIO_EXEMPT_SIZE:
        return
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > MAX_ZIP_RATIO:
        raise AttachmentError(f"zip bomb: member {name} expands {ratio:.0f}x (limit {MAX_ZIP_RATIO}x)")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: _Budget) -> bytes:
    """The member's bytes, never more than its declared size (checked against the budget first)."""
    _check_ratio(info, name)
    budget.take(info.file_size, f"member {name}")
    limit = info.file_size
    chunks: list[bytes] = []
    got = 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(min(_CHUNK, limit - got + 1))
                if not chunk:
                    break
                got += len(chunk)
                if got > limit:
                    raise AttachmentError(f"zip bomb: member {name} is larger than its declared {limit} bytes")
                chunks.append(chunk)
    except AttachmentError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError,
            NotImplementedError) as exc:
        raise AttachmentError(f"corrupt zip member {name}: {_one_line(exc)}") from exc
    return b"".join(chunks)


def _read_part(zf: zipfile.ZipFile, part: str, budget: _Budget, what: str) -> bytes | None:
    try:
        info = zf.getinfo(part)
    except KeyError:
        return None
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise AttachmentError(f"encrypted {what}")
    return _read_member(zf, info, part, budget)


# ---------------------------------------------------------------------------------------------- XML


def _parse_xml(xml: bytes, part: str) -> ET.Element:
    _refuse_dtd(xml, part)
    try:
        # Expat >= 2.4.1 (bundled since Python 3.11) bounds entity amplification; DTDs are refused above.
        return ET.fromstring(xml)  # noqa: S314
    except ET.ParseError as exc:
        raise AttachmentError(f"corrupt XML in {part}: {exc}") from exc


def _iter_xml_end(xml: bytes, part: str) -> Iterator[ET.Element]:
    _refuse_dtd(xml, part)
    try:
        for _event, elem in ET.iterparse(io.BytesIO(xml), events=("end",)):  # noqa: S314
            yield elem
    except ET.ParseError as exc:
        raise AttachmentError(f"corrupt XML in {part}: {exc}") from exc


def _refuse_dtd(xml: bytes, part: str) -> None:
    probe = xml
    if xml.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        probe = xml.decode("utf-16", errors="replace").encode("utf-8")
    if b"<!DOCTYPE" in probe or b"<!ENTITY" in probe:
        raise AttachmentError(f"refused XML with a DTD in {part}")


def _split_tag(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _local(tag: str, namespaces: frozenset[str]) -> str:
    """The tag's local name when it is in one of ``namespaces``, else ""."""
    ns, local = _split_tag(tag)
    return local if ns in namespaces else ""


# ------------------------------------------------------------------------------------------------ DOCX


def _docx_text(data: bytes, budget: _Budget) -> str:
    with _open_zip(data, "DOCX") as zf:
        xml = _read_part(zf, "word/document.xml", budget, "DOCX")
    if xml is None:
        raise AttachmentError("corrupt DOCX: no word/document.xml")
    root = _parse_xml(xml, "word/document.xml")
    return "\n".join(_docx_blocks(root))


def _docx_blocks(parent: ET.Element) -> list[str]:
    """Lines of a block container (body, cell, text box): one per paragraph, one per table row."""
    lines: list[str] = []
    for child in parent:
        ns, local = _split_tag(child.tag)
        if ns == _MC_NS and local == "AlternateContent":
            lines.extend(_docx_blocks(child[0]) if len(child) else [])  # the Choice; Fallback repeats it
            continue
        local = local if ns in _W_NS else ""
        if local == "p":
            nested: list[str] = []
            lines.append(_docx_paragraph(child, nested))
            lines.extend(nested)
        elif local == "tbl":
            for row in child:
                if _local(row.tag, _W_NS) == "tr":
                    lines.append(_docx_row(row))
        elif local.endswith("Pr"):
            continue  # properties (sectPr, …) hold no text
        else:
            lines.extend(_docx_blocks(child))  # sdt, sdtContent, customXml, ins, body …
    return lines


def _docx_row(row: ET.Element) -> str:
    cells: list[str] = []
    for cell in _docx_cells(row):
        lines = [line.strip() for line in _docx_blocks(cell)]
        cells.append(" ".join(line.replace("\t", " ").replace("\n", " ") for line in lines if line))
    return "\t".join(cells)


def _docx_cells(row: ET.Element) -> Iterator[ET.Element]:
    for child in row:
        local = _local(child.tag, _W_NS)
        if local == "tc":
            yield child
        elif local in ("sdt", "sdtContent", "customXml"):
            yield from _docx_cells(child)


def _docx_paragraph(para: ET.Element, nested: list[str]) -> str:
    parts: list[str] = []
    _docx_runs(para, parts, nested)
    return "".join(parts)


def _docx_runs(elem: ET.Element, parts: list[str], nested: list[str]) -> None:
    for child in elem:
        ns, local = _split_tag(child.tag)
        if ns == _MC_NS and local == "AlternateContent":
            if len(child):
                _docx_runs(child[0], parts, nested)
            continue
        if ns not in _W_NS:
            _docx_runs(child, parts, nested)  # drawing wrappers around text boxes
            continue
        if local == "t":
            parts.append(child.text or "")
        elif local == "tab":
            parts.append("\t")
        elif local in ("br", "cr"):
            parts.append("\n")
        elif local == "noBreakHyphen":
            parts.append("-")
        elif local == "txbxContent":
            nested.extend(_docx_blocks(child))
        elif local.endswith("Pr") or local in ("delText", "instrText", "fldData"):
            continue
        else:
            _docx_runs(child, parts, nested)  # r, hyperlink, ins, smartTag, fldSimple …


# ------------------------------------------------------------------------------------------------ XLSX


def _xlsx_text(data: bytes, budget: _Budget, notes: list[str]) -> str:
    with _open_zip(data, "XLSX") as zf:
        shared_xml = _read_part(zf, "xl/sharedStrings.xml", budget, "XLSX")
        sheets: list[tuple[int, str]] = []
        for part in zf.namelist():
            match = _SHEET_PART.match(part)
            if match:
                sheets.append((int(match.group(1) or 0), part))
        sheets.sort()
        if not sheets and shared_xml is None:
            raise AttachmentError("corrupt XLSX: no worksheets")
        if len(sheets) > MAX_ZIP_MEMBERS:
            notes.append(f"only the first {MAX_ZIP_MEMBERS} of {len(sheets)} worksheets read")
            sheets = sheets[:MAX_ZIP_MEMBERS]
        shared = _shared_strings(shared_xml) if shared_xml is not None else []
        texts: list[str] = []
        total = 0
        for _number, part in sheets:
            if total > MAX_TEXT:
                notes.append(f"worksheet {part} not read: text limit reached")
                continue
            xml = _read_part(zf, part, budget, "XLSX")
            if xml is None:
                continue
            sheet_text = _sheet_text(xml, part, shared, notes)
            texts.append(sheet_text)
            total += len(sheet_text) + 1
    return "\n".join(texts)


def _shared_strings(xml: bytes) -> list[str]:
    strings: list[str] = []
    for elem in _iter_xml_end(xml, "xl/sharedStrings.xml"):
        if _local(elem.tag, _S_NS) == "si":
            strings.append(_rich_text(elem))
            elem.clear()
    return strings


def _rich_text(elem: ET.Element) -> str:
    """Text of an ``si`` / ``is`` element: its ``t``, or its rich-text runs ``r/t`` concatenated."""
    parts: list[str] = []
    for child in elem:
        local = _local(child.tag, _S_NS)
        if local == "t":
            parts.append(child.text or "")
        elif local == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag, _S_NS) == "t")
        # rPh (phonetic guide) and phoneticPr are not the cell's text
    return "".join(parts)


def _sheet_text(xml: bytes, part: str, shared: list[str], notes: list[str]) -> str:
    rows: list[str] = []
    bad_refs = 0
    for elem in _iter_xml_end(xml, part):
        if _local(elem.tag, _S_NS) != "row":
            continue
        cells: list[str] = []
        for cell in elem:
            if _local(cell.tag, _S_NS) != "c":
                continue
            value, bad = _cell_value(cell, shared)
            bad_refs += bad
            if value:
                cells.append(value.replace("\t", " ").replace("\r\n", " ").replace("\n", " "))
        if cells:
            rows.append("\t".join(cells))
        elem.clear()
    if bad_refs:
        notes.append(f"{part}: {bad_refs} cells point outside the shared strings")
    return "\n".join(rows)


def _cell_value(cell: ET.Element, shared: list[str]) -> tuple[str, int]:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        for child in cell:
            if _local(child.tag, _S_NS) == "is":
                return _rich_text(child), 0
        return "", 0
    raw = ""
    for child in cell:
        if _local(child.tag, _S_NS) == "v":
            raw = child.text or ""
            break
    if kind == "s":
        try:
            return shared[int(raw)], 0
        except (ValueError, IndexError):
            return "", 1
    if kind == "b":
        return {"0": "FALSE", "1": "TRUE"}.get(raw, raw), 0
    return raw, 0


# ------------------------------------------------------------------------------------------------- ZIP


def _zip_text(data: bytes, max_bytes: int, depth: int, budget: _Budget, notes: list[str]) -> str:
    if depth > MAX_ZIP_DEPTH:
        raise AttachmentError(f"zip nested too deep: depth {depth}, limit {MAX_ZIP_DEPTH}")
    with _open_zip(data, "zip") as zf:
        members = [(info, _member_name(info)) for info in zf.infolist() if not info.is_dir()]
        # Every guard from the headers, before a single byte is decompressed.
        if len(members) > MAX_ZIP_MEMBERS:
            raise AttachmentError(f"too many zip members: {len(members)}, limit {MAX_ZIP_MEMBERS}")
        for info, member in members:
            _check_ratio(info, member)
        declared = sum(info.file_size for info, _member in members)
        if declared > MAX_ZIP_TOTAL:
            raise AttachmentError(f"zip bomb: {declared} bytes uncompressed, limit {MAX_ZIP_TOTAL}")
        if declared > budget.remaining:
            raise AttachmentError(f"zip bomb: {declared} bytes uncompressed, only {budget.remaining} left "
                                  f"of the {MAX_ZIP_TOTAL} bytes limit for nested archives")
        sections: list[str] = []
        total = 0
        for info, member in members:
            if total > MAX_TEXT:
                notes.append(f"skipped {member}: text limit reached")
                continue
            if info.flag_bits & _ENCRYPTED_FLAG:
                notes.append(f"skipped {member}: encrypted")
                continue
            if info.file_size > max_bytes:
                notes.append(f"skipped {member}: too large: {info.file_size} bytes, limit {max_bytes}")
                continue
            try:
                content = _read_member(zf, info, member, budget)
                sub = _extract(content, member, "", max_bytes, depth + 1, budget)
            except AttachmentError as exc:
                notes.append(f"skipped {member}: {exc}")
                continue
            notes.extend(f"{member}: {note}" for note in sub.notes)
            section = f"== {member} ==\n{sub.text}"
            sections.append(section)
            total += len(section) + 1
    return "\n".join(sections)


# ----------------------------------------------------------------------------------------- text, HTML


def _decode_text(data: bytes, notes: list[str]) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        notes.append("undecodable bytes replaced (neither UTF-8 nor GB18030)")
        return data.decode("gb18030", errors="replace")


_HTML_BLOCK = frozenset({
    "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl", "dt", "dd",
    "section", "article", "header", "footer", "blockquote", "pre", "hr", "title", "caption", "form",
})
_HTML_CELL = frozenset({"td", "th"})
_HTML_SKIP = frozenset({"script", "style", "noscript", "template", "head"})
_SPACES = re.compile(r"[ \r\n\f\v\u00a0]+")
_AROUND_TABS = re.compile(r" *\t *")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HTML_SKIP:
            self._skip += 1
        elif tag in _HTML_BLOCK:
            self.parts.append("\n")
        elif tag in _HTML_CELL:
            self.parts.append("\t")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HTML_BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_SKIP:
            self._skip = max(self._skip - 1, 0)
        elif tag in _HTML_BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(_SPACES.sub(" ", data.replace("\t", " ")))


def _html_to_text(markup: str) -> str:
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    lines: list[str] = []
    for line in "".join(parser.parts).split("\n"):
        line = _AROUND_TABS.sub("\t", line).strip(" ").strip("\t")
        if line.strip():
            lines.append(line)
    return "\n".join(lines)
