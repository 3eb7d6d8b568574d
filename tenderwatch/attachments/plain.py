"""Plain text (UTF-8, UTF-16 with a BOM, else GB18030) and HTML reduced to its text."""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser


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
