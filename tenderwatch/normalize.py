"""One normalisation for notice text and watchlist aliases, with offsets back to the original.

Per character: Traditional -> Simplified (OpenCC ``t2s`` applied to the character alone, so the
same character always folds the same way whatever surrounds it), NFKC before casefolding
(full-width ＡＢＩ -> abi), format characters (zero-width spaces) dropped, and the separators
people vary freely inside names (spaces, hyphens, ®, ™, ·) removed, so Thermo-Fisher,
thermo  fisher and ThermoFisher all read ``thermofisher``. Line and cell breaks (``\\n``, ``\\t``)
are kept: no alias contains one, so no match can span two cells.

Because every character folds on its own, ``normalize(a + b) == normalize(a) + normalize(b)``: an
alias normalised alone is found inside any text that contains it. That also makes the fold a
table lookup: text becomes an array of code points, one vectorised lookup folds it, and the map
back to original offsets is the index of every kept character (numpy; a few times faster than
``str.translate``, which matters because every notice passes through here).
"""

from __future__ import annotations

import threading
import unicodedata
from functools import cached_property

import numpy as np
import opencc

_T2S = opencc.OpenCC("t2s")
_SEPARATORS = frozenset(" \u00a0\u3000-‐‑‒–—―_·•・®™©")
FIELD_SEPARATOR = "\x1e"  # joins a notice's fields into one text; kept, so no match spans two fields
_BREAKS = {"\r": "\n", "\n": "\n", "\t": "\t", "\v": "\n", "\f": "\n", FIELD_SEPARATOR: FIELD_SEPARATOR}
_DROP = np.uint32(0xFFFFFFFF)
_UNKNOWN = np.uint32(0xFFFFFFFD)  # not folded yet
_EXPANDS = np.uint32(0xFFFFFFFE)  # folds to several characters (ß -> ss, ﬁ -> fi): rare, slow path
_CODEC = "utf-32-le"


def fold_char(char: str) -> str:
    """The normalised form of one character: '' (dropped), one character, or a few (ß -> ss)."""
    if char in _BREAKS:
        return _BREAKS[char]
    if unicodedata.category(char) == "Cs":
        return ""
    char = _T2S.convert(char) or char
    out = []
    for c in unicodedata.normalize("NFKC", char):
        if unicodedata.category(c) == "Cf" or c in _SEPARATORS or c.isspace():
            continue
        out.append(c)
    if not out:
        return ""
    return unicodedata.normalize("NFKC", "".join(out).casefold())


class _FoldTable:
    """Code point -> folded code point, filled on first sight of each character."""

    def __init__(self) -> None:
        self.map = np.full(0x110000, _UNKNOWN, dtype=np.uint32)
        self.expansions: dict[int, str] = {}
        self._lock = threading.Lock()

    def fold(self, codes: np.ndarray) -> np.ndarray:
        folded = self.map[codes]
        unknown = folded == _UNKNOWN
        if unknown.any():
            with self._lock:
                for code in np.unique(codes[unknown]).tolist():
                    out = fold_char(chr(code))
                    if len(out) == 1:
                        self.map[code] = ord(out)
                    else:
                        self.map[code] = _EXPANDS if out else _DROP
                        if out:
                            self.expansions[code] = out
            folded = self.map[codes]
        return folded


_TABLE = _FoldTable()


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(_CODEC, "surrogatepass"), dtype=np.uint32)


class NormalizedText:
    """``text`` is the normalised form of ``original``; ``span`` maps offsets back."""

    def __init__(self, original: str) -> None:
        self.original = original
        codes = _codes(original)
        folded = _TABLE.fold(codes)
        if (folded == _EXPANDS).any():
            self._slow(codes, folded)
            return
        self._keep = folded != _DROP
        self.text = folded[self._keep].tobytes().decode(_CODEC, "surrogatepass")

    def _slow(self, codes: np.ndarray, folded: np.ndarray) -> None:
        parts: list[str] = []
        origin: list[int] = []
        for i, (code, out) in enumerate(zip(codes.tolist(), folded.tolist(), strict=True)):
            if out == _DROP:
                continue
            piece = _TABLE.expansions[code] if out == _EXPANDS else chr(out)
            parts.append(piece)
            origin.extend([i] * len(piece))
        self.text = "".join(parts)
        self.__dict__["origin"] = np.asarray(origin, dtype=np.int64)

    @cached_property
    def origin(self) -> np.ndarray:
        """origin[i]: the index in the original text of normalised character i."""
        return self._keep.nonzero()[0]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of normalised characters ``start:end``."""
        origin = self.origin
        return int(origin[start]), int(origin[end - 1]) + 1

    def spans(self, starts: list[int], ends: list[int]) -> tuple[list[int], list[int]]:
        """``span`` for many matches at once (one vectorised lookup instead of one per match)."""
        origin = self.origin
        return origin[starts].tolist(), (origin[np.asarray(ends) - 1] + 1).tolist()


def normalize_with_map(text: str) -> NormalizedText:
    return NormalizedText(text)


def normalize(text: str) -> str:
    return NormalizedText(text).text
