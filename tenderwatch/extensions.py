"""Scrapy extensions of tenderwatch."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from tenderwatch.store import PollRecord, Store, utcnow

logger = logging.getLogger(__name__)

#: A crawl whose detail pages fail to parse at least this often (and 3+ times) is "broken".
BROKEN_DETAIL_SHARE = 0.5


def classify_poll(stats: Mapping[str, Any], reason: str) -> tuple[str, str]:
    """The outcome of a crawl from its stats: ok, failed, blocked or broken, with a one-line reason."""
    blocked = stats.get("tenderwatch/blocked")
    if blocked:
        return "blocked", str(blocked)
    listing_pages = stats.get("tenderwatch/listing_pages", 0)
    listing_failures = stats.get("tenderwatch/request_failures/listing", 0)
    if reason != "finished":
        return "failed", f"crawl ended early: {reason}"
    if listing_failures and not listing_pages:
        return "failed", f"portal unreachable: {listing_failures} listing request(s) failed"
    if listing_failures:  # a stream that could not be read may hide notices: not a success
        return "failed", f"{listing_failures} of {listing_failures + listing_pages} listing request(s) failed"
    # A listing without its structure means the portal changed; one odd detail page does not
    # (details count towards the share below).
    layout = stats.get("tenderwatch/layout_changed/listing", 0)
    if layout:
        return "broken", f"layout changed: {layout} listing page(s) lack the structure the parser expects"
    detail_errors = stats.get("tenderwatch/parse_errors/detail", 0)
    details = stats.get("tenderwatch/details_parsed", 0)
    if detail_errors >= 3 and detail_errors >= BROKEN_DETAIL_SHARE * (details + detail_errors):
        return "broken", f"{detail_errors} of {details + detail_errors} detail pages failed to parse"
    listing_errors = stats.get("tenderwatch/parse_errors/listing", 0)
    if listing_errors and not listing_pages:
        return "broken", f"{listing_errors} listing page(s) failed to parse"
    new = stats.get("tenderwatch/notices_new", 0)
    partial = listing_failures + stats.get("tenderwatch/request_failures/detail", 0) + detail_errors
    return "ok", f"{new} new notice(s)" + (f", {partial} page(s) failed" if partial else "")


class PollRecorder:
    """Writes each crawl into the store's poll history: outcome, reason, requests, new notices, errors."""

    def __init__(self, crawler: Crawler, store: Store) -> None:
        self.crawler = crawler
        self.store = store
        self.poll_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        db = crawler.settings.get("TENDERWATCH_DB")
        if not db:
            raise NotConfigured("no TENDERWATCH_DB")
        ext = cls(crawler, Store(db))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        # A poll launched by tenderwatch.crawl already has its row; a bare `scrapy crawl` makes one.
        given = self.crawler.settings.getint("TENDERWATCH_POLL_ID", 0)
        self.poll_id = given or self.store.start_poll(getattr(spider, "portal", "") or spider.name)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.poll_id is None:
            return
        stats = self.crawler.stats.get_stats()
        outcome, why = classify_poll(stats, reason)
        record = PollRecord(
            portal=getattr(spider, "portal", "") or spider.name,
            started_at=stats.get("start_time") or utcnow(),
            finished_at=utcnow(),
            outcome=outcome,
            reason=why,
            requests=stats.get("downloader/request_count", 0),
            notices_new=stats.get("tenderwatch/notices_new", 0),
            parse_errors=stats.get("tenderwatch/parse_errors", 0),
            error_urls=list(stats.get("tenderwatch/error_urls", [])),
            stats={k: v for k, v in stats.items() if k.startswith(("tenderwatch/", "downloader/", "item_"))},
        )
        self.store.finish_poll(self.poll_id, record)
        log = logger.info if outcome == "ok" else logger.error
        log("%s poll %s: %s", record.portal, outcome, why)
        self.store.close()
