"""`tenderwatch explain`: every hit and every watchlist's verdict, for editors tuning a watchlist."""

from __future__ import annotations

from collections.abc import Mapping

from tenderwatch.matching import Matcher
from tenderwatch.watchlists import WatchlistSet


def explain(fields: Mapping[str, str], watchlists: WatchlistSet, only: str | None = None,
            color: bool = False) -> str:
    mark = ("\033[1;31m", "\033[0m") if color else ("[[", "]]")
    lines: list[str] = []
    for verdict in Matcher(watchlists).evaluate(fields, detail=True):
        if only and verdict.watchlist != only:
            continue
        lines.append(f"{verdict.watchlist}: {'FIRED' if verdict.fired else 'no alert'} - {verdict.reason}")
        for hit in verdict.hits:
            s = hit.snippet
            shown = f"{s[:hit.snippet_start]}{mark[0]}{s[hit.snippet_start:hit.snippet_end]}{mark[1]}{s[hit.snippet_end:]}"
            lines.append(f"  {hit.entity_kind} {hit.entity!r} via alias {hit.alias!r} in {hit.field}: {shown}")
        if not verdict.hits:
            lines.append("  no alias of this watchlist occurs in the notice")
    return "\n".join(lines) if lines else f"no watchlist named {only!r}"
