"""One normalisation for notice text and watchlist aliases, with offsets back to the original.

NFKC before casefolding (full-width ＡＢＩ -> abi), format characters (zero-width spaces) dropped,
Traditional -> Simplified with OpenCC ``t2s`` (character-level, not the vocabulary-rewriting
profiles), and the separators people vary freely inside names (spaces, hyphens, ®, ™, ·) removed,
so Thermo-Fisher, thermo  fisher and ThermoFisher all read ``thermofisher``. Line and cell breaks
(``\\n``, ``\\t``) are kept: no alias contains one, so no match can span two cells.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

_T2S = opencc.OpenCC("t2s")
_SEPARATORS = frozenset(" \u00a0\u3000-‐‑‒–—―_·•・®™©")
_BREAKS = {"\r": "\n", "\n": "\n", "\t": "\t", "\v": "\n", "\f": "\n"}


@dataclass(frozen=True)
class NormalizedText:
    text: str
    origin: tuple[int, ...]  # origin[i]: index in the original text of normalised character i
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of normalised characters ``start:end``."""
        return self.origin[start], self.origin[end - 1] + 1


@lru_cache(maxsize=65536)
def _fold(char: str) -> str:
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


def normalize_with_map(text: str) -> NormalizedText:
    # t2s first, on the whole text (OpenCC's character conversion keeps the length of the input).
    converted = _T2S.convert(text) if not text.isascii() else text
    if len(converted) != len(text):
        converted = "".join(_T2S.convert(c) or c for c in text)
    chars: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(converted):
        folded = _fold(char)
        chars.append(folded)
        origin.extend([i] * len(folded))
    return NormalizedText("".join(chars), tuple(origin), text)


def normalize(text: str) -> str:
    return normalize_with_map(text).text
