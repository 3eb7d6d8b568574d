"""DOCX and XLSX: their XML parts read from the zip under the shared budget, parsed with DTDs refused."""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from xml.etree import ElementTree as ET

from tenderwatch.attachments import base
from tenderwatch.attachments.archive import _Budget, _open_zip, _read_part
from tenderwatch.attachments.base import AttachmentError

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
        if len(sheets) > base.MAX_ZIP_MEMBERS:
            notes.append(f"only the first {base.MAX_ZIP_MEMBERS} of {len(sheets)} worksheets read")
            sheets = sheets[:base.MAX_ZIP_MEMBERS]
        shared = _shared_strings(shared_xml) if shared_xml is not None else []
        texts: list[str] = []
        total = 0
        for _number, part in sheets:
            if total > base.MAX_TEXT:
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
