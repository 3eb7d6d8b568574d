"""Attachment text extraction: every fixture is built here at runtime, no binary files in the repo."""

from __future__ import annotations

import io
import logging
import os
import zipfile

import pytest

from tenderwatch.attachments import (
    MAX_ZIP_MEMBERS,
    AttachmentError,
    Extracted,
    extract_text,
    sniff,
)
from tenderwatch.attachments import base as limits  # the readers look limits up here

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(13)
OLE_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


# ------------------------------------------------------------------------------------------ fixtures


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def make_docx(body_xml: str | None = None) -> bytes:
    if body_xml is None:
        body_xml = (
            # A tab-stop definition in the paragraph properties is not text; the runs must not be separated.
            '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
            '<w:r><w:rPr><w:b/></w:rPr><w:t>Power</w:t></w:r><w:r><w:t xml:space="preserve">Plex 21</w:t></w:r>'
            "</w:p>"
            "<w:tbl><w:tblPr/>"
            "<w:tr><w:tc><w:tcPr/><w:p><w:r><w:t>品牌</w:t></w:r></w:p></w:tc>"
            "<w:tc><w:p><w:r><w:t>赛默飞世尔</w:t></w:r></w:p></w:tc></w:tr>"
            "<w:tr><w:tc><w:p><w:r><w:t>型号</w:t></w:r></w:p></w:tc>"
            "<w:tc><w:p><w:r><w:t>3500xL</w:t></w:r></w:p></w:tc></w:tr>"
            "</w:tbl>"
            "<w:p><w:r><w:t>数量</w:t><w:tab/><w:t>1台</w:t><w:br/><w:t>交货期</w:t></w:r>"
            "<w:del><w:r><w:delText>DELETED</w:delText></w:r></w:del></w:p>"
        )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body_xml}<w:sectPr/></w:body></w:document>'
    )
    return _zip({
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/word/document.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
        ),
        "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
        "word/document.xml": document.encode("utf-8"),
    })


def make_xlsx() -> bytes:
    shared = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{S_NS}" count="2" uniqueCount="2">'
        "<si><t>品牌</t><rPh sb=\"0\" eb=\"1\"><t>PHONETIC</t></rPh></si>"
        '<si><r><rPr><b/></rPr><t>Power</t></r><r><t>Plex</t></r></si>'
        "</sst>"
    )
    sheet1 = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{S_NS}"><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>赛默飞世尔</t></is></c></row>'
        '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" s="3"/><c r="C2"><v>21</v></c></row>'
        "</sheetData></worksheet>"
    )
    sheet2 = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{S_NS}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>第二页</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    return _zip({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook/>',
        "xl/sharedStrings.xml": shared.encode("utf-8"),
        "xl/worksheets/sheet2.xml": sheet2.encode("utf-8"),  # stored before sheet1: order is by number
        "xl/worksheets/sheet1.xml": sheet1.encode("utf-8"),
    })


def make_pdf(content: bytes, font: bytes | None = None, *, break_xref: bool = False) -> bytes:
    """A one-page PDF written by hand, with correct xref offsets unless ``break_xref``."""
    if font is None:
        font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ),
        font,
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % (offset + (7 if break_xref else 0))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref_at + (13 if break_xref else 0))
    return bytes(out)


PDF_LATIN = make_pdf(b"BT /F1 12 Tf 72 720 Td (Promega PowerPlex 21) Tj ET")
CJK_FONT = (
    b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H "
    b"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
    b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> >>] >>"
)


def with_raw_name(members: dict[str, bytes], raw_names: dict[str, bytes]) -> bytes:
    """A zip whose members named by an ASCII placeholder get ``raw_names`` bytes, without the UTF-8 flag
    (what Chinese Windows zip tools write: GBK names)."""
    data = _zip(members)
    for placeholder, raw in raw_names.items():
        encoded = placeholder.encode("ascii")
        assert len(encoded) == len(raw)
        data = data.replace(encoded, raw)
    return data


def gbk_zip(extra: dict[str, bytes] | None = None) -> bytes:
    members = {"ABCD.txt": "赛默飞世尔 3500xL 基因分析仪".encode("gbk")}
    members.update(extra or {})
    return with_raw_name(members, {"ABCD.txt": "附件.txt".encode("gbk")})


# ----------------------------------------------------------------------------------------------- sniff


@pytest.mark.parametrize(
    ("data", "name", "content_type", "expected"),
    [
        (PDF_LATIN, "misnamed.docx", "text/html", "pdf"),  # magic beats name and content type
        (make_docx(), "", "", "docx"),
        (make_xlsx(), "download.zip", "application/zip", "xlsx"),
        (_zip({"a.txt": b"x"}), "a.docx", "", "zip"),
        (b"plain words", "README.TXT", "", "text"),
        (b"see the %PDF-1.7 header", "notes.txt", "", "text"),
        (b"\r\njunk\n%PDF-1.7\n", "a.pdf", "", "pdf"),
        (b"plain words", "", "text/html; charset=gbk", "html"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "file.pdf", "application/pdf", "html"),
        (PNG_BYTES, "scan.pdf", "application/pdf", None),
        (OLE_BYTES, "标书.docx", "", None),
        (b"anything", "old.xls", "", None),
        (b"anything", "", "", None),
    ],
)
def test_sniff(data: bytes, name: str, content_type: str, expected: str | None) -> None:
    assert sniff(data, name, content_type) == expected


def test_sniff_other_ooxml_package_is_unsupported() -> None:
    pptx = _zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"})
    assert sniff(pptx, "slides.pptx") is None
    with pytest.raises(AttachmentError, match="unsupported"):
        extract_text(pptx, "slides.pptx")


# ------------------------------------------------------------------------------------------------ DOCX


def test_docx_runs_join_and_table_cells_are_tab_separated() -> None:
    result = extract_text(make_docx(), "标书.docx")
    assert result.kind == "docx"
    lines = result.text.split("\n")
    assert lines[0] == "PowerPlex 21"  # two runs, one word; the tab stop in pPr adds nothing
    assert "品牌\t赛默飞世尔" in lines
    assert "型号\t3500xL" in lines
    assert "品牌赛默飞世尔" not in result.text
    assert "数量\t1台" in lines  # w:tab
    assert "交货期" in lines  # w:br starts a new line
    assert "DELETED" not in result.text  # tracked deletions are not text


def test_docx_cell_with_two_paragraphs_stays_one_cell() -> None:
    body = (
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>规格</w:t></w:r></w:p><w:p><w:r><w:t>参数</w:t></w:r></w:p></w:tc>"
        "<w:tc><w:p><w:r><w:t>24道毛细管</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
    )
    assert extract_text(make_docx(body)).text == "规格 参数\t24道毛细管"


def test_docx_without_document_part_is_an_error() -> None:
    broken = _zip({"[Content_Types].xml": b"<Types/>", "word/styles.xml": b"<styles/>"})
    with pytest.raises(AttachmentError, match=r"no word/document\.xml"):
        extract_text(broken, "x.docx")


def test_docx_with_a_dtd_is_refused() -> None:
    document = (
        '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY lol "lol">]>'
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol;</w:t></w:r></w:p></w:body></w:document>'
    ).encode()
    evil = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": document})
    with pytest.raises(AttachmentError, match="DTD"):
        extract_text(evil, "x.docx")


# ------------------------------------------------------------------------------------------------ XLSX


def test_xlsx_shared_rich_and_inline_strings() -> None:
    result = extract_text(make_xlsx(), "报价表.xlsx")
    assert result.kind == "xlsx"
    # Sheets in numeric order, rows by "\n", cells by "\t"; the empty styled cell B2 adds nothing.
    assert result.text == "品牌\t赛默飞世尔\nPowerPlex\t21\n第二页"
    assert "PHONETIC" not in result.text


# ------------------------------------------------------------------------------------------------- PDF


def test_pdf_text_is_extracted() -> None:
    result = extract_text(PDF_LATIN, "招标文件.pdf")
    assert result.kind == "pdf"
    assert "Promega PowerPlex 21" in result.text
    assert result.notes == ()


def test_pdf_chinese_text_survives() -> None:
    hex_text = "赛默飞世尔 3500xL".encode("utf-16-be").hex().upper().encode()
    data = make_pdf(b"BT /F1 12 Tf 72 720 Td <" + hex_text + b"> Tj ET", CJK_FONT)
    assert "赛默飞世尔 3500xL" in extract_text(data, "a.pdf").text


def test_pdf_with_broken_xref_is_read_without_leaking_pypdf_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="pypdf")
    result = extract_text(make_pdf(b"BT /F1 12 Tf 72 720 Td (Promega PowerPlex 21) Tj ET", break_xref=True))
    assert "Promega PowerPlex 21" in result.text
    assert [r for r in caplog.records if r.name.startswith("pypdf")] == []
    assert logging.getLogger("pypdf").level == logging.WARNING  # restored afterwards


def test_scanned_pdf_has_a_note() -> None:
    result = extract_text(make_pdf(b"0 0 m 10 10 l S"), "scan.pdf")
    assert result.text.strip() == ""
    assert any("no text layer" in note for note in result.notes)


def test_corrupt_pdf_is_an_error() -> None:
    with pytest.raises(AttachmentError, match="corrupt PDF"):
        extract_text(b"%PDF-1.7\n" + os.urandom(300) + b"\n%%EOF", "broken.pdf")


def _encrypt(data: bytes, user_password: str, owner_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password, owner_password, algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_pdf_with_a_user_password_is_an_error() -> None:
    with pytest.raises(AttachmentError, match="encrypted PDF"):
        extract_text(_encrypt(PDF_LATIN, "secret", "owner"), "locked.pdf")


def test_pdf_with_only_an_owner_password_is_read() -> None:
    assert "Promega PowerPlex 21" in extract_text(_encrypt(PDF_LATIN, "", "owner"), "restricted.pdf").text


# ------------------------------------------------------------------------------------------------- ZIP


def test_gbk_fixture_really_lacks_the_utf8_flag() -> None:
    with zipfile.ZipFile(io.BytesIO(gbk_zip())) as zf:
        (info,) = zf.infolist()
    assert not info.flag_bits & 0x800
    assert info.filename != "附件.txt"  # zipfile alone reads it as cp437 mojibake


def test_zip_of_documents_gbk_name_and_unsupported_member() -> None:
    data = gbk_zip({
        "标书.docx": make_docx(),
        "报价表.xlsx": make_xlsx(),
        "logo.png": PNG_BYTES,
        "资料/": b"",
    })
    result = extract_text(data, "附件包.zip")
    assert result.kind == "zip"
    text = result.text
    assert "== 附件.txt ==\n赛默飞世尔 3500xL 基因分析仪" in text  # GBK name and GBK content decoded
    assert "== 标书.docx ==\nPowerPlex 21" in text
    assert "品牌\t赛默飞世尔" in text
    assert "== 报价表.xlsx ==\n品牌\t赛默飞世尔\nPowerPlex\t21" in text
    assert "logo.png" not in text
    assert "资料/" not in text  # directories are not members
    assert any("logo.png" in note and "unsupported" in note for note in result.notes)


def test_zip_bomb_is_refused_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = _zip({"a.xml": bytes(5 * 1024 * 1024)})
    assert len(bomb) < 10_000

    def no_reading(*args: object, **kwargs: object) -> None:
        pytest.fail("a member was opened before the headers were checked")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_reading)
    with pytest.raises(AttachmentError, match=r"zip bomb: member a\.xml expands \d+x"):
        extract_text(bomb, "bomb.zip")


def test_small_compressible_member_is_not_a_bomb() -> None:
    data = _zip({"blank.txt": b" " * 100_000 + "型号".encode()})
    assert extract_text(data).text.endswith("型号")


def test_declared_total_over_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_ZIP_TOTAL", 1000)
    data = _zip({f"{i}.txt": os.urandom(400) for i in range(3)}, zipfile.ZIP_STORED)
    with pytest.raises(AttachmentError, match="zip bomb: 1200 bytes uncompressed, limit 1000"):
        extract_text(data)


def test_nested_archives_share_one_read_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_ZIP_TOTAL", 3000)
    inner = _zip({"inner.txt": os.urandom(1500)}, zipfile.ZIP_STORED)  # ~1.6 KB itself
    outer = _zip({"a.zip": inner, "b.txt": b"outer text"}, zipfile.ZIP_STORED)
    result = extract_text(outer)
    assert "== b.txt ==\nouter text" in result.text
    # Reading a.zip (1.6 KB) plus its 1.5 KB member would pass 3000 bytes in total.
    assert any(note.startswith("skipped a.zip: zip bomb") for note in result.notes)


def test_too_many_members() -> None:
    assert extract_text(_zip({f"{i}.txt": b"x" for i in range(MAX_ZIP_MEMBERS)})).kind == "zip"
    with pytest.raises(AttachmentError, match="too many zip members: 201"):
        extract_text(_zip({f"{i}.txt": b"x" for i in range(MAX_ZIP_MEMBERS + 1)}))


def test_zip_nested_three_deep_skips_the_deepest() -> None:
    level3 = _zip({"deep.txt": b"TOO DEEP"})
    level2 = _zip({"l3.zip": level3, "two.txt": b"level two"})
    level1 = _zip({"l2.zip": level2, "one.txt": b"level one"})
    outer = _zip({"l1.zip": level1, "zero.txt": b"level zero"})
    result = extract_text(outer, "outer.zip")
    for words in ("level zero", "level one", "level two"):
        assert words in result.text
    assert "TOO DEEP" not in result.text
    assert any("l3.zip" in note and "too deep" in note for note in result.notes)
    with pytest.raises(AttachmentError, match="too deep"):
        extract_text(level3, depth=3)


def test_member_over_max_bytes_is_skipped_with_a_note() -> None:
    data = _zip({"big.txt": b"a" * 5000, "small.txt": b"ok"})
    result = extract_text(data, max_bytes=len(data))
    assert "== small.txt ==\nok" in result.text
    assert "big.txt" not in result.text
    assert any(note.startswith("skipped big.txt: too large: 5000 bytes") for note in result.notes)


def test_corrupt_zip_is_an_error() -> None:
    with pytest.raises(AttachmentError, match="corrupt"):
        extract_text(b"PK\x03\x04" + os.urandom(200), "broken.zip")


# --------------------------------------------------------------------------------------- text, HTML


def test_text_falls_back_to_gb18030() -> None:
    result = extract_text("采购需求：赛默飞世尔".encode("gb18030"), "需求.txt")
    assert result == Extracted(kind="text", text="采购需求：赛默飞世尔")


def test_html_blocks_cells_and_inline_tags() -> None:
    markup = (
        "<html><head><title>t</title><style>p {color: red}</style></head><body>"
        "<script>var brand = 'HIDDEN';</script>"
        "<p>Power<b>Plex</b> 21 &amp; more</p><div>第一行<br>第二行</div>"
        "<table><tr><th>品牌</th><th>型号</th></tr><tr><td>赛默飞世尔</td><td>3500xL</td></tr></table>"
        "</body></html>"
    )
    result = extract_text(markup.encode("utf-8"), "notice.html")
    assert result.kind == "html"
    assert result.text.split("\n") == ["PowerPlex 21 & more", "第一行", "第二行", "品牌\t型号", "赛默飞世尔\t3500xL"]


# -------------------------------------------------------------------------------------------- limits


def test_oversize_input_is_refused() -> None:
    with pytest.raises(AttachmentError, match="too large: 11 bytes, limit 10"):
        extract_text(b"hello world", "a.txt", max_bytes=10)


def test_long_text_is_cut_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_TEXT", 10)
    result = extract_text("赛默飞世尔".encode() * 5, "a.txt")
    assert result.text == "赛默飞世尔赛默飞世尔"
    assert any("truncated" in note for note in result.notes)


def test_unsupported_doc() -> None:
    assert sniff(OLE_BYTES, "招标文件.doc") is None
    with pytest.raises(AttachmentError, match="unsupported"):
        extract_text(OLE_BYTES, "招标文件.doc")
