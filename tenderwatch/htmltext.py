"""HTML to text the way a reader sees it.

Inline tags (b, span, font, u, a …) never split a word, so ``Power<b>Plex</b>`` reads ``PowerPlex``;
block and table-cell boundaries (p, div, td, th, li, br …) always separate, so two adjacent cells
never fuse into one word. Scripts, styles and hidden inputs are not text.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

BLOCK_TAGS = frozenset((
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th",
    "thead", "title", "tr", "ul",
))
CELL_TAGS = frozenset({"td", "th"})
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "input", "select", "option"})
_SPACES = re.compile(r"[ \r\f\v\u00a0\u3000]+")
_SOURCE_BREAKS = re.compile(r"[\t\n\r\f\v]+")  # line breaks in the source are spaces to a reader
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(markup: str | lxml_html.HtmlElement) -> str:
    """Readable text of an HTML fragment or document: one line per block, cells separated by tabs.

    Takes decoded text (a response's ``.text``), never bytes: the page's charset decides the decoding.
    """
    if isinstance(markup, str):
        if not markup or not markup.strip():
            return ""
        try:
            root = lxml_html.fragment_fromstring(markup, create_parent="div")
        except (etree.ParserError, ValueError):
            return ""
    else:
        root = markup
    parts: list[str] = []
    _walk(root, parts)
    return _tidy("".join(parts))


def _walk(node: lxml_html.HtmlElement, out: list[str]) -> None:
    tag = node.tag if isinstance(node.tag, str) else ""
    if tag in SKIP_TAGS or not isinstance(node.tag, str):
        if node.tail:  # comments and skipped elements still end before their tail text
            out.append(_SOURCE_BREAKS.sub(" ", node.tail))
        return
    block = tag in BLOCK_TAGS
    if block:
        out.append("\t" if tag in CELL_TAGS else "\n")
    if node.text:
        out.append(_SOURCE_BREAKS.sub(" ", node.text))
    for child in node:
        _walk(child, out)
    if block:
        out.append("\t" if tag in CELL_TAGS else "\n")
    if node.tail:
        out.append(_SOURCE_BREAKS.sub(" ", node.tail))


def _tidy(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        cells = [_SPACES.sub(" ", c).strip() for c in line.split("\t")]
        joined = "\t".join(c for c in cells if c)
        if joined:
            lines.append(joined)
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()
