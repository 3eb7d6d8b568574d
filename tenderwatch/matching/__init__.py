"""Matching: text in, verdicts out. Pure: no I/O.

One Aho-Corasick automaton (ahocorasick-rs) holds every alias of every watchlist, normalised like
the text (tenderwatch.normalize), and is built once per watchlist set, never per notice. Hits map
back to the original text for snippets. Whole-word aliases (short Latin acronyms: ABI) are checked
against the original neighbours: ABILITY is no hit, 采购ABI分析仪 is.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import ahocorasick_rs

from tenderwatch.normalize import NormalizedText, normalize, normalize_with_map
from tenderwatch.watchlists.model import Entity, Watchlist, WatchlistSet
from tenderwatch.watchlists.rules import compile_rule

SNIPPET_CONTEXT = 40


@dataclass(frozen=True)
class Hit:
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


@dataclass(frozen=True)
class Verdict:
    watchlist: str
    title: str
    severity: str
    fired: bool
    hits: tuple[Hit, ...]
    reason: str
    vetoed_by: str | None = None


@dataclass(frozen=True)
class _Pattern:
    watchlist: int
    entity: int
    alias: str
    part: int  # buyers: which all_of list; -1 for plain aliases


def _is_word_char(c: str) -> bool:
    return c.isascii() and c.isalnum()


class Matcher:
    def __init__(self, watchlists: WatchlistSet) -> None:
        self.watchlists = watchlists.watchlists
        self._rules = [compile_rule(w.rule) for w in self.watchlists]
        keys: list[str] = []
        index: dict[str, int] = {}
        self._patterns: list[list[_Pattern]] = []
        excludes: dict[str, int] = {}
        for wi, watchlist in enumerate(self.watchlists):
            for ei, entity in enumerate(watchlist.entities):
                parts = [(-1, entity.aliases), *list(enumerate(entity.all_of))]
                for part, aliases in parts:
                    for alias in aliases:
                        key = normalize(alias)
                        if key not in index:
                            index[key] = len(keys)
                            keys.append(key)
                            self._patterns.append([])
                        same = self._patterns[index[key]]
                        if not any((q.watchlist, q.entity, q.part) == (wi, ei, part) for q in same):
                            same.append(_Pattern(wi, ei, alias, part))  # 賽默飛世爾 = 赛默飞世尔: one hit
            for phrase in watchlist.exclude:
                excludes.setdefault(normalize(phrase), len(excludes))
        self._automaton = ahocorasick_rs.AhoCorasick(keys) if keys else None
        self._exclude_keys = list(excludes)
        self._excluder = ahocorasick_rs.AhoCorasick(self._exclude_keys) if excludes else None

    def evaluate(self, fields: Mapping[str, str]) -> list[Verdict]:
        found: dict[tuple[int, int], list[tuple[Hit, int]]] = defaultdict(list)
        vetoes: list[tuple[str, int, int, str]] = []  # field, start, end (normalised), phrase key
        for field_name, text in fields.items():
            if not text or self._automaton is None:
                continue
            norm = normalize_with_map(text)
            if self._excluder is not None:
                for pi, s, e in self._excluder.find_matches_as_indexes(norm.text, overlapping=True):
                    vetoes.append((field_name, s, e, self._exclude_keys[pi]))
            for pi, s, e in self._automaton.find_matches_as_indexes(norm.text, overlapping=True):
                for pattern in self._patterns[pi]:
                    entity = self.watchlists[pattern.watchlist].entities[pattern.entity]
                    if entity.scopes and field_name not in entity.scopes:
                        continue
                    if any(f == field_name and vs <= s and e <= ve and (vs, ve) != (s, e)
                           for f, vs, ve, _ in vetoes):
                        continue  # inside a false friend: "Thermos" is not Thermo Fisher
                    hit = _hit(self.watchlists[pattern.watchlist], entity, pattern, field_name, norm, s, e)
                    if hit is not None:
                        found[(pattern.watchlist, pattern.entity)].append((hit, pattern.part))
        return [self._verdict(wi, w, found) for wi, w in enumerate(self.watchlists)]

    def _verdict(self, wi: int, watchlist: Watchlist,
                 found: Mapping[tuple[int, int], list[tuple[Hit, int]]]) -> Verdict:
        hits: list[Hit] = []
        groups: set[str] = set()
        matched: list[str] = []
        for ei, entity in enumerate(watchlist.entities):
            entity_hits = found.get((wi, ei), [])
            if not entity_hits:
                continue
            if entity.all_of:
                parts = {part for _, part in entity_hits}
                if not all(i in parts for i in range(len(entity.all_of))):
                    hits.extend(h for h, _ in entity_hits)  # shown by explain, but the entity is incomplete
                    continue
            hits.extend(h for h, _ in entity_hits)
            groups.add(entity.rule_group)
            first = entity_hits[0][0]
            matched.append(f"{entity.rule_group}: {entity.name} ({first.alias!r} in {first.field})")
        fired = self._rules[wi](groups)
        found_text = "; ".join(matched) if matched else "nothing matched"
        reason = f"rule '{watchlist.rule}' {'fired' if fired else 'did not fire'}: {found_text}"
        return Verdict(watchlist.name, watchlist.title, watchlist.severity, fired, tuple(hits), reason)


def _short_latin(alias: str) -> bool:
    """Short Latin acronyms (ABI, CE) are whole words even when the editor did not say so."""
    key = normalize(alias)
    return len(key) <= 3 and key.isascii()


def _letters(text: str) -> str:
    """The text as compared case-sensitively: width, separators and format characters ignored."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())


def _hit(watchlist: Watchlist, entity: Entity, pattern: _Pattern, field_name: str, norm: NormalizedText,
         s: int, e: int) -> Hit | None:
    start, end = norm.span(s, e)
    original = norm.original
    if entity.is_whole_word(pattern.alias) or _short_latin(pattern.alias):
        before = original[start - 1] if start > 0 else ""
        after = original[end] if end < len(original) else ""
        if (before and _is_word_char(before) and _is_word_char(original[start])) or (
                after and _is_word_char(after) and _is_word_char(original[end - 1])):
            return None
    if entity.is_case_sensitive(pattern.alias) and _letters(original[start:end]) != _letters(pattern.alias):
        return None
    line_start = max(original.rfind("\n", 0, start) + 1, start - SNIPPET_CONTEXT)
    line_end = original.find("\n", end)
    line_end = min(len(original) if line_end < 0 else line_end, end + SNIPPET_CONTEXT)
    snippet = original[line_start:line_end]
    return Hit(watchlist=watchlist.name, entity=entity.name, entity_kind=entity.kind, alias=pattern.alias,
               field=field_name, start=start, end=end, snippet=snippet, snippet_start=start - line_start,
               snippet_end=end - line_start)
