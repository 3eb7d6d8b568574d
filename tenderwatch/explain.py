"""`tenderwatch explain`: every hit and every watchlist's verdict, for editors tuning a watchlist.

For each watchlist: whether its rule fired; each group the rule names, found (by which entity and
alias, in which field) or missing; buyers described by parts (all_of) that are incomplete, with the
list that had no hit; and every hit with its snippet, the hit highlighted in the original text.
"""

from __future__ import annotations

from collections.abc import Mapping

from tenderwatch.matching import Hit, Matcher, Verdict
from tenderwatch.normalize import normalize
from tenderwatch.watchlists import Watchlist, WatchlistSet
from tenderwatch.watchlists.rules import rule_names

_SHOWN_ALIASES = 6


def explain(fields: Mapping[str, str], watchlists: WatchlistSet, only: str | None = None,
            color: bool = False) -> str:
    mark = ("\033[1;31m", "\033[0m") if color else ("[[", "]]")
    lines: list[str] = []
    for verdict in Matcher(watchlists).evaluate(fields, detail=True):
        if only and verdict.watchlist != only:
            continue
        watchlist = watchlists.get(verdict.watchlist)
        lines.append(f"{verdict.watchlist}: {'FIRED' if verdict.fired else 'no alert'} - rule '{watchlist.rule}'")
        lines.extend(_groups(watchlist, verdict))
        lines.extend(_incomplete(watchlist, verdict))
        for hit in verdict.hits:
            lines.append(f"  hit: {hit.entity_kind} {hit.entity!r} via alias {hit.alias!r} in {hit.field}: "
                         f"{_highlight(hit, mark)}")
        if not verdict.hits:
            lines.append("  no alias of this watchlist occurs in the notice")
    if not lines:
        known = ", ".join(w.name for w in watchlists.watchlists)
        return f"no watchlist named {only!r} (known: {known})"
    return "\n".join(lines)


def _groups(watchlist: Watchlist, verdict: Verdict) -> list[str]:
    found: dict[str, list[str]] = {}
    for group, name, alias, field in verdict.matched:
        found.setdefault(group, []).append(f"{name} ({alias!r} in {field})")
    lines = []
    for group in dict.fromkeys(rule_names(watchlist.rule)):
        if group in found:
            lines.append(f"  {group}: found - {'; '.join(found[group])}")
        else:
            entities = [e.name for e in watchlist.entities if e.rule_group == group]
            lines.append(f"  {group}: not found - {', '.join(entities) or 'no entity is in this group'}")
    return lines


def _incomplete(watchlist: Watchlist, verdict: Verdict) -> list[str]:
    lines = []
    complete = {name for _, name, _, _ in verdict.matched}
    for entity in watchlist.entities:
        hits = [h for h in verdict.hits if h.entity == entity.name]
        if not entity.all_of or not hits or entity.name in complete:
            continue
        seen = {normalize(h.alias) for h in hits}
        for i, words in enumerate(entity.all_of):
            if not seen & {normalize(w) for w in words}:
                shown = ", ".join(words[:_SHOWN_ALIASES]) + (", …" if len(words) > _SHOWN_ALIASES else "")
                scope = ", ".join(entity.scopes) or "any field"
                lines.append(f"  {entity.name!r} is incomplete: nothing of its list {i + 1} ({shown}) "
                             f"in {scope}")
    return lines


def _highlight(hit: Hit, mark: tuple[str, str]) -> str:
    s = hit.snippet
    return f"{s[:hit.snippet_start]}{mark[0]}{s[hit.snippet_start:hit.snippet_end]}{mark[1]}{s[hit.snippet_end:]}"
