"""One normalisation for notice text and watchlist aliases, with offsets back to the original.

NFKC before casefolding (full-width ＡＢＩ -> abi), format characters (zero-width spaces) dropped,
Traditional -> Simplified with OpenCC ``t2s`` (character-level, not the vocabulary-rewriting
profiles), and the separators people vary freely inside names (spaces, hyphens, ®, ™, ·) removed,
so Thermo-Fisher, thermo  fisher and ThermoFisher all read ``thermofisher``. Line and cell breaks
(``\\n``, ``\\t``) are kept: no alias contains one, so no match can span two cells.

Each character folds on its own (``fold_char``), so the whole text folds with one ``str.translate``
over a memoised table (C speed), and the map from normalised offsets back to the original text is
built only for the fields where something matched.
"""

from __future__ import annotations

import unicodedata
from functools import cached_property

import opencc

_T2S = opencc.OpenCC("t2s")
_SEPARATORS = frozenset(" \u00a0\u3000-‐‑‒–—―_·•・®™©")
_BREAKS = {"\r": "\n", "\n": "\n", "\t": "\t", "\v": "\n", "\f": "\n"}
_TABLE_LIMIT = 200_000  # distinct characters memoised; past that, fold without remembering


def fold_char(char: str) -> str:
    """The normalised form of one character: '' (dropped), itself, or a short replacement."""
    if char in _BREAKS:
        return _BREAKS[char]
    out = []
    for c in unicodedata.normalize("NFKC", char):
        if unicodedata.category(c) == "Cf" or c in _SEPARATORS or c.isspace():
            continue
        out.append(c)
    if not out:
        return ""
    return unicodedata.normalize("NFKC", "".join(out).casefold())


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on first sight of each character."""

    def __missing__(self, code: int) -> str:
        folded = fold_char(chr(code))
        if len(self) < _TABLE_LIMIT:
            self[code] = folded
        return folded


_TABLE = _FoldTable()


def _simplified(text: str) -> str:
    if text.isascii():
        return text
    converted = _T2S.convert(text)
    if len(converted) != len(text):  # never seen with t2s, but offsets depend on it: go char by char
        converted = "".join(_T2S.convert(c) or c for c in text)
    return converted


class NormalizedText:
    def __init__(self, original: str) -> None:
        self.original = original
        self._simple = _simplified(original)
        self.text = self._simple.translate(_TABLE)

    @cached_property
    def origin(self) -> tuple[int, ...]:
        """origin[i]: the index in the original text of normalised character i."""
        origin: list[int] = []
        table = _TABLE
        for i, char in enumerate(self._simple):
            n = len(table[ord(char)])
            if n == 1:
                origin.append(i)
            elif n:
                origin.extend([i] * n)
        return tuple(origin)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of normalised characters ``start:end``."""
        origin = self.origin
        return origin[start], origin[end - 1] + 1


def normalize_with_map(text: str) -> NormalizedText:
    return NormalizedText(text)


def normalize(text: str) -> str:
    return _simplified(text).translate(_TABLE)
