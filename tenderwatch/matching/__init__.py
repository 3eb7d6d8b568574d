"""Matching: text in, verdicts out. Pure: no I/O.

One Aho-Corasick automaton (ahocorasick-rs) holds every alias of every watchlist, normalised like
the text (tenderwatch.normalize), and is built once per watchlist set, never per notice. Hits map
back to the original text for snippets. Whole-word aliases (short Latin acronyms: ABI) are checked
against the original neighbours: ABILITY is no hit, 采购ABI分析仪 is.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, count
from typing import NamedTuple

import ahocorasick_rs

from tenderwatch.normalize import FIELD_SEPARATOR, normalize, normalize_with_map
from tenderwatch.watchlists.model import Entity, Watchlist, WatchlistSet
from tenderwatch.watchlists.rules import compile_rule

SNIPPET_CONTEXT = 40
_FIRING_MEMO = 100_000  # signatures remembered before starting afresh
_BREAK_CHARS = ("\n", "\t", FIELD_SEPARATOR)


class Hit(NamedTuple):  # a tuple: notices can carry thousands of hits, and they are built per notice
    watchlist: str
    entity: str
    entity_kind: str
    alias: str
    field: str
    start: int
    end: int
    snippet: str
    snippet_start: int
    snippet_end: int


@dataclass(frozen=True, slots=True)
class Verdict:
    watchlist: str
    title: str
    severity: str
    fired: bool
    hits: tuple[Hit, ...]
    rule: str
    matched: tuple[tuple[str, str, str, str], ...] = ()  # complete entities: group, name, alias, field

    @property
    def reason(self) -> str:
        """Why the rule fired or not, for people (explain)."""
        found = "; ".join(f"{g}: {name} ({alias!r} in {field})" for g, name, alias, field in self.matched)
        return f"rule '{self.rule}' {'fired' if self.fired else 'did not fire'}: {found or 'nothing matched'}"


@dataclass(frozen=True)
class _Check:
    """What a match of one key must pass for a set of (watchlist, entity, all_of part) targets.

    Watchlists often share aliases (every buyer list names 公安局): one check serves them all.
    """

    id: int
    alias: str
    scopes: frozenset[str]  # empty: anywhere
    whole_word: bool
    case_sensitive: bool
    targets: tuple[tuple[int, int, int], ...]  # part: which all_of list; -1 for plain aliases


@lru_cache(maxsize=4096)
def _is_word_char(c: str) -> bool:
    """A Latin letter or digit, full-width ones included (ＡＢＩＬＩＴＹ is one word)."""
    folded = unicodedata.normalize("NFKC", c)
    return len(folded) == 1 and folded.isascii() and folded.isalnum()


def _invisible(c: str) -> bool:
    """Characters a reader does not see and normalisation drops (zero-width space, soft hyphen)."""
    return unicodedata.category(c) == "Cf"


class Matcher:
    def __init__(self, watchlists: WatchlistSet) -> None:
        self.watchlists = watchlists.watchlists
        self._rules = [compile_rule(w.rule) for w in self.watchlists]
        keys: dict[str, int] = {}
        checks: list[dict[tuple[str, frozenset[str], bool, bool], list[tuple[int, int, int]]]] = []
        self._vetoes: list[frozenset[int]] = []  # per key: the watchlists for which it is a false friend
        vetoes: list[set[int]] = []

        def key_index(text: str) -> int | None:
            key = normalize(text)
            if not key or any(c in key for c in _BREAK_CHARS):
                return None
            if key not in keys:
                keys[key] = len(keys)
                checks.append({})
                vetoes.append(set())
            return keys[key]

        for wi, watchlist in enumerate(self.watchlists):
            for ei, entity in enumerate(watchlist.entities):
                for part, aliases in [(-1, entity.aliases), *enumerate(entity.all_of)]:
                    for alias in aliases:
                        ki = key_index(alias)
                        if ki is None:
                            continue
                        if any((wi, ei, part) in targets for targets in checks[ki].values()):
                            continue  # 賽默飛世爾 = 赛默飞世尔, 3500xL = 3500 xL: one hit, not two
                        how = (alias, frozenset(entity.scopes), entity.is_whole_word(alias) or _short_latin(alias),
                               entity.is_case_sensitive(alias))
                        checks[ki].setdefault(how, []).append((wi, ei, part))
            for phrase in watchlist.exclude:
                ki = key_index(phrase)
                if ki is not None:
                    vetoes[ki].add(wi)
        ids = count()
        self._checks = [tuple(_Check(next(ids), *how, tuple(targets)) for how, targets in c.items()) for c in checks]
        self._firing: dict[frozenset[int], frozenset[int]] = {}
        self._vetoes = [frozenset(v) for v in vetoes]
        # A DFA: slower to build and larger (a few MB for thousands of aliases) but ~3x faster to run
        # than the default NFA, and it is built once per watchlist change, then run on every notice.
        self._automaton = ahocorasick_rs.AhoCorasick(
            list(keys), implementation=ahocorasick_rs.Implementation.DFA) if keys else None
        self._quiet = [Verdict(w.name, w.title, w.severity, self._rules[wi](set()), (), w.rule)
                       for wi, w in enumerate(self.watchlists)]

    def evaluate(self, fields: Mapping[str, str], *, detail: bool = False) -> list[Verdict]:
        """One verdict per watchlist for a notice given as {scope: text}.

        A verdict that fired lists its hits and why. ``detail`` also gives them for verdicts that
        did not fire (``explain`` shows editors what matched where the rule did not fire).
        """
        names = [name for name, text in fields.items() if text]
        if not names or self._automaton is None:
            return list(self._quiet)
        texts = [fields[name] for name in names]
        # All fields in one text, one automaton pass; the separator survives normalisation and no
        # key contains it, so no match spans two fields.
        norm = normalize_with_map(FIELD_SEPARATOR.join(texts))
        matches = self._automaton.find_matches_as_indexes(norm.text, overlapping=True)
        if not matches:
            return list(self._quiet)
        starts = list(accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
        vetoes = [(s, e, self._vetoes[ki]) for ki, s, e in matches if self._vetoes[ki]]
        passed: list[tuple[_Check, _Place, int, int]] = []
        matches = [m for m in matches if self._checks[m[0]]]
        if not matches:
            return list(self._quiet)
        ostarts, oends = norm.spans([s for _, s, _ in matches], [e for _, _, e in matches])
        for (ki, s, e), ostart, oend in zip(matches, ostarts, oends, strict=True):
            checks = self._checks[ki]
            fi = bisect_right(starts, ostart) - 1
            place = _Place(names[fi], texts[fi], ostart - starts[fi], oend - starts[fi])
            for check in checks:
                if check.scopes and place.field.partition(":")[0] not in check.scopes:  # attachments:<file>
                    continue
                if check.whole_word and not place.bounded():
                    continue
                if check.case_sensitive and _letters(place.text[place.start:place.end]) != _letters(check.alias):
                    continue
                passed.append((check, place, s, e))
        if not passed:
            return list(self._quiet)
        if not (detail or vetoes):
            # Which watchlists fire depends only on which checks passed: most notices repeat a few
            # combinations (a buyer's name in buyer and title), so remember the answer.
            signature = frozenset(check.id for check, _, _, _ in passed)
            firing = self._firing.get(signature)
            if firing is None:
                if len(self._firing) > _FIRING_MEMO:
                    self._firing.clear()
                firing = self._firing[signature] = frozenset(
                    wi for wi, found in self._collect(passed, []).items() if self._fires(wi, found))
            if not firing:
                return list(self._quiet)
        found_by_watchlist = self._collect(passed, vetoes)
        return [self._verdict(wi, found_by_watchlist[wi], detail) if wi in found_by_watchlist else self._quiet[wi]
                for wi in range(len(self.watchlists))]

    def _collect(self, passed: list[tuple[_Check, _Place, int, int]], vetoes: list[tuple[int, int, frozenset[int]]],
                 ) -> dict[int, dict[int, list[tuple[int, _Check, _Place]]]]:
        found: dict[int, dict[int, list[tuple[int, _Check, _Place]]]] = {}
        for check, place, s, e in passed:
            for wi, ei, part in check.targets:
                if vetoes and any(wi in who and vs <= s and e <= ve and (vs, ve) != (s, e)
                                  for vs, ve, who in vetoes):
                    continue  # inside a false friend: "Thermos" is not Thermo Fisher
                found.setdefault(wi, {}).setdefault(ei, []).append((part, check, place))
        return found

    def _complete(self, wi: int, found: dict[int, list[tuple[int, _Check, _Place]]]) -> list[int]:
        """Entities found in full: a buyer needs a hit in every one of its all_of lists."""
        entities = self.watchlists[wi].entities
        return [ei for ei, entity_hits in found.items()
                if len({part for part, _, _ in entity_hits}) >= len(entities[ei].all_of)]

    def _fires(self, wi: int, found: dict[int, list[tuple[int, _Check, _Place]]]) -> bool:
        entities = self.watchlists[wi].entities
        return self._rules[wi]({entities[ei].rule_group for ei in self._complete(wi, found)})

    def _verdict(self, wi: int, found: dict[int, list[tuple[int, _Check, _Place]]], detail: bool) -> Verdict:
        watchlist = self.watchlists[wi]
        complete = self._complete(wi, found)
        fired = self._rules[wi]({watchlist.entities[ei].rule_group for ei in complete})
        if not (fired or detail):
            return self._quiet[wi]
        order = sorted(found)
        matched = tuple((watchlist.entities[ei].rule_group, watchlist.entities[ei].name, found[ei][0][1].alias,
                         found[ei][0][2].field) for ei in order if ei in complete)
        hits = tuple(_hit(watchlist, watchlist.entities[ei], check, place)
                     for ei in order for _, check, place in found[ei])
        return Verdict(watchlist.name, watchlist.title, watchlist.severity, fired, hits, watchlist.rule, matched)


class _Place:
    """Where one automaton match sits in a field; what every watchlist sharing the alias reuses."""

    __slots__ = ("_bounded", "_snippet", "end", "field", "start", "text")

    def __init__(self, field: str, text: str, start: int, end: int) -> None:
        self.field, self.text, self.start, self.end = field, text, start, end
        self._bounded: bool | None = None
        self._snippet: tuple[str, int, int] | None = None

    def bounded(self) -> bool:
        """Not inside a longer Latin word: ABI in 采购ABI分析仪, not in ABILITY."""
        if self._bounded is None:
            text, start, end = self.text, self.start, self.end
            before, after = start - 1, end
            while before >= 0 and _invisible(text[before]):  # ABI\u200bLITY reads ABILITY
                before -= 1
            while after < len(text) and _invisible(text[after]):
                after += 1
            inside_before = before >= 0 and _is_word_char(text[before]) and _is_word_char(text[start])
            inside_after = after < len(text) and _is_word_char(text[after]) and _is_word_char(text[end - 1])
            self._bounded = not (inside_before or inside_after)
        return self._bounded

    def snippet(self) -> tuple[str, int, int]:
        if self._snippet is None:
            text, start, end = self.text, self.start, self.end
            line_start = max(text.rfind("\n", 0, start) + 1, start - SNIPPET_CONTEXT)
            line_end = text.find("\n", end)
            line_end = min(len(text) if line_end < 0 else line_end, end + SNIPPET_CONTEXT)
            self._snippet = (text[line_start:line_end], start - line_start, end - line_start)
        return self._snippet


@lru_cache(maxsize=65536)
def _short_latin(alias: str) -> bool:
    """Short Latin acronyms (ABI, CE) are whole words even when the editor did not say so."""
    key = normalize(alias)
    return len(key) <= 3 and key.isascii()


def _letters(text: str) -> str:
    """The text as compared case-sensitively: width, separators and format characters ignored."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())


def _hit(watchlist: Watchlist, entity: Entity, check: _Check, place: _Place) -> Hit:
    snippet, snippet_start, snippet_end = place.snippet()
    return Hit(watchlist.name, entity.name, entity.kind, check.alias, place.field, place.start, place.end,
               snippet, snippet_start, snippet_end)
