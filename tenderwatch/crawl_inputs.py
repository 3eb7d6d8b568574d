"""What a crawl reads besides the portal: its watchlists, loaded once per crawl."""

from __future__ import annotations

from pathlib import Path
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler

from tenderwatch.matching import Matcher
from tenderwatch.watchlists import WatchlistSet, load_watchlists

_loaded: WeakKeyDictionary[Crawler, WatchlistSet] = WeakKeyDictionary()


def crawl_watchlists(crawler: Crawler) -> WatchlistSet:
    """The watchlists of this crawl, loaded once however many components ask.

    The daemon hands crawls the last watchlists that validated (a JSON snapshot), so a broken edit
    never reaches a crawl; a bare `scrapy crawl` reads the folder, and a broken file stops it at
    start, before any request.
    """
    if crawler not in _loaded:
        snapshot = crawler.settings.get("TENDERWATCH_WATCHLIST_SNAPSHOT", "")
        if snapshot and Path(snapshot).is_file():
            _loaded[crawler] = WatchlistSet.from_json(Path(snapshot).read_text(encoding="utf-8"))
        else:
            _loaded[crawler] = load_watchlists(Path(crawler.settings["TENDERWATCH_WATCHLISTS"]))
    return _loaded[crawler]


_matchers: WeakKeyDictionary[Crawler, Matcher] = WeakKeyDictionary()


def crawl_matcher(crawler: Crawler) -> Matcher:
    """One automaton per crawl, shared by the pipelines that match."""
    if crawler not in _matchers:
        _matchers[crawler] = Matcher(crawl_watchlists(crawler))
    return _matchers[crawler]
