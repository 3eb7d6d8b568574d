"""The shared base of every portal spider.

A portal spider says only what is particular to its portal: which listing streams to read (channels,
keyword searches), how to request page N of a stream, how to read a listing page and a detail page,
and what a block page looks like. Everything else lives here once:

* paging, newest first, until the stream reaches a notice already stored (steady state) or leaves
  the look-back window (first run, or catching up after downtime);
* one detail request per new notice, even when several streams list it;
* a block or captcha page ends the crawl as *blocked*, never parsed as an empty result;
* a page that fails to parse is logged with its URL, counted, and skipped; the crawl goes on.

The crawl's outcome (ok, failed, blocked, broken) is recorded by ``tenderwatch.extensions.PollRecorder``
from the stats kept here.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from tenderwatch.model import BEIJING, Notice
from tenderwatch.store import Store, utcnow

logger = logging.getLogger(__name__)

MAX_CATCH_UP = timedelta(days=90)  # never page further back than this, however long we were down


class LayoutChanged(Exception):
    """The page lacks the structure the parser relies on (the portal changed its markup)."""


@dataclass(frozen=True)
class Stream:
    """One listing the spider pages through, newest first (a channel, or a keyword search)."""

    id: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ListingEntry:
    notice_id: str
    url: str
    published_at: datetime | None = None
    title: str = ""
    facts: Mapping[str, str] = field(default_factory=dict)  # what the listing says (region, type, buyer)
    wanted: bool = True  # False: outside the spider's scope (e.g. another region); paging still counts it


@dataclass
class ListingPage:
    entries: list[ListingEntry]
    last_page: int | None = None  # total pages when the portal says so


class TenderSpider(scrapy.Spider):
    """Base class: subclasses set ``name``, ``portal`` and implement the five hooks below."""

    portal: ClassVar[str] = ""
    #: Let these through to the callbacks (Scrapy would drop them): they are how portals say "blocked".
    handle_httpstatus_list: ClassVar[list[int]] = [403, 405, 429]
    #: Phrases that only a block, rate-limit or captcha page contains.
    blocked_markers: ClassVar[tuple[str, ...]] = ()

    # -- hooks for portal spiders -----------------------------------------------------------------

    def streams(self) -> Iterable[Stream]:
        raise NotImplementedError

    def listing_request(self, stream: Stream, page: int) -> scrapy.Request:
        raise NotImplementedError

    def parse_listing(self, response: Response, stream: Stream, page: int) -> ListingPage:
        """Read one listing page. Raise LayoutChanged when its structure is missing."""
        raise NotImplementedError

    def detail_request(self, entry: ListingEntry) -> scrapy.Request:
        """The request for a notice's detail; by default its page. JSON portals ask their API."""
        return scrapy.Request(entry.url)

    def parse_detail(self, response: Response, entry: ListingEntry) -> Notice:
        raise NotImplementedError

    def blocked_reason(self, response: Response) -> str | None:
        """A short reason when the response is a block/captcha page rather than content."""
        if response.status in (403, 405, 429):
            return f"HTTP {response.status}"
        text = response.text if isinstance(response, scrapy.http.TextResponse) else ""
        for marker in self.blocked_markers:
            if marker in text:
                return f"block page ({marker})"
        return None

    # -- the shared machinery -------------------------------------------------------------------

    def __init__(self, *args: Any, lookback_days: int | str | None = None, max_pages: int | str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lookback_arg = lookback_days
        self._max_pages_arg = max_pages
        self._scheduled: set[str] = set()
        self.store: Store | None = None
        self.window_start: datetime = utcnow() - timedelta(days=7)
        self.max_pages = 50

    @classmethod
    def from_crawler(cls, crawler: scrapy.crawler.Crawler, *args: Any, **kwargs: Any) -> TenderSpider:
        spider: TenderSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        lookback = int(spider._lookback_arg or settings.getint("TENDERWATCH_LOOKBACK_DAYS", 7))
        spider.max_pages = int(spider._max_pages_arg or settings.getint("TENDERWATCH_MAX_PAGES", 50))
        db = settings.get("TENDERWATCH_DB")
        spider.store = Store(db) if db else None
        spider.window_start = spider._window_start(lookback)
        return spider

    def _window_start(self, lookback_days: int) -> datetime:
        """Look back ``lookback_days``; after downtime, back to a day before the last good poll."""
        now = utcnow()
        start = now - timedelta(days=lookback_days)
        last = self.store.last_success(self.portal) if self.store else None
        if last is not None and last - timedelta(days=1) < start:
            start = max(last - timedelta(days=1), now - MAX_CATCH_UP)
        return start

    def is_known(self, notice_id: str) -> bool:
        return self.store is not None and self.store.has_notice(f"{self.portal}:{notice_id}")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.crawler.stats.set_value("tenderwatch/window_start", self.window_start.isoformat())
        for stream in self.streams():
            yield self._listing(stream, 1)

    def _listing(self, stream: Stream, page: int) -> scrapy.Request:
        request = self.listing_request(stream, page)
        return request.replace(callback=self._on_listing, errback=self._on_error,
                               cb_kwargs={"stream": stream, "page": page},
                               meta={**request.meta, "tw_kind": "listing"})

    def _on_listing(self, response: Response, stream: Stream, page: int) -> Iterator[scrapy.Request]:
        self._check_blocked(response)
        stats = self.crawler.stats
        try:
            listing = self.parse_listing(response, stream, page)
        except Exception as exc:  # noqa: BLE001 - a broken page never ends the crawl
            self._parse_error(response, exc, kind="listing")
            return
        stats.inc_value("tenderwatch/listing_pages")
        if listing.entries:
            stats.inc_value("tenderwatch/listing_pages_with_entries")
        reached_end = False
        for entry in listing.entries:
            published = entry.published_at
            if published is not None and published < self.window_start:
                reached_end = True  # newest first: the rest are older still
                break
            if not entry.wanted:
                continue
            if self.is_known(entry.notice_id):
                reached_end = True  # steady state: everything after this was seen by an earlier poll
                stats.inc_value("tenderwatch/listing_seen")
                continue  # finish the page: listings are not always strictly ordered
            if entry.notice_id in self._scheduled:
                continue
            self._scheduled.add(entry.notice_id)
            request = self.detail_request(entry)
            yield request.replace(callback=self._on_detail, errback=self._on_error, cb_kwargs={"entry": entry},
                                  meta={**request.meta, "tw_kind": "detail"})
        more_pages = listing.last_page is None or page < listing.last_page
        if listing.entries and more_pages and not reached_end:
            if page >= self.max_pages:
                logger.warning("%s: stream %s stopped at the page limit (%d)", self.name, stream.id, page)
                stats.inc_value("tenderwatch/page_limit_reached")
            else:
                yield self._listing(stream, page + 1)

    def _on_detail(self, response: Response, entry: ListingEntry) -> Iterator[Notice]:
        self._check_blocked(response)
        try:
            notice = self.parse_detail(response, entry)
        except Exception as exc:  # noqa: BLE001 - logged with its URL and counted; the crawl goes on
            self._parse_error(response, exc, kind="detail")
            return
        notice.portal = notice.portal or self.portal
        notice.notice_id = notice.notice_id or entry.notice_id
        notice.url = notice.url or entry.url
        if notice.published_at is None:
            notice.published_at = entry.published_at
        elif notice.published_at.tzinfo is None:
            notice.published_at = notice.published_at.replace(tzinfo=BEIJING)
        self.crawler.stats.inc_value("tenderwatch/details_parsed")
        yield notice

    def _check_blocked(self, response: Response) -> None:
        reason = self.blocked_reason(response)
        if reason:
            logger.error("%s: blocked at %s: %s", self.name, response.url, reason)
            if not self.crawler.stats.get_value("tenderwatch/blocked"):  # a middleware may have said why
                self.crawler.stats.set_value("tenderwatch/blocked", f"{reason} at {response.url}")
            raise CloseSpider("blocked")

    def _parse_error(self, response: Response, exc: Exception, kind: str) -> None:
        logger.error("%s: cannot parse %s page %s: %s: %s", self.name, kind, response.url,
                     type(exc).__name__, exc)
        stats = self.crawler.stats
        stats.inc_value(f"tenderwatch/parse_errors/{kind}")
        stats.inc_value("tenderwatch/parse_errors")
        if isinstance(exc, LayoutChanged):
            stats.inc_value(f"tenderwatch/layout_changed/{kind}")
        urls = stats.get_value("tenderwatch/error_urls") or []
        if len(urls) < 50:
            stats.set_value("tenderwatch/error_urls", [*urls, response.url])

    def _on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        kind = request.meta.get("tw_kind", "request") if request is not None else "request"
        logger.error("%s: %s request failed: %s: %s", self.name, kind, url, failure.getErrorMessage())
        stats = self.crawler.stats
        stats.inc_value(f"tenderwatch/request_failures/{kind}")
        urls = stats.get_value("tenderwatch/error_urls") or []
        if len(urls) < 50:
            stats.set_value("tenderwatch/error_urls", [*urls, url])

    def closed(self, reason: str) -> None:
        if self.store is not None:
            self.store.close()
