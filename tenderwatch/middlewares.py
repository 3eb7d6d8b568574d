"""Downloader middlewares shared by every portal spider."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

ORIGINAL_URL = "tw_original_url"


def map_url(url: str, host_map: dict[str, str]) -> str | None:
    """The mirror URL for ``url`` under ``host_map`` (host -> base URL), or None if its host is unmapped."""
    parts = urlsplit(url)
    base = host_map.get((parts.hostname or "").lower())
    if base is None:
        return None
    target = urlsplit(base)
    path = target.path.rstrip("/") + (parts.path or "/")
    return urlunsplit((target.scheme, target.netloc, path, parts.query, ""))


class HostMapMiddleware:
    """Send requests for a portal host to a mirror, proxy or local replay (TENDERWATCH_HOST_MAP).

    The response is handed back under the portal's real URL, so spiders resolve links, build
    notice URLs and key notices exactly as they would live.
    """

    def __init__(self, host_map: dict[str, str]) -> None:
        self.host_map = {host.lower(): base for host, base in host_map.items()}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        host_map = crawler.settings.getdict("TENDERWATCH_HOST_MAP")
        if not host_map:
            raise NotConfigured("no TENDERWATCH_HOST_MAP")
        return cls(host_map)

    def process_request(self, request: Request) -> Request | None:
        if ORIGINAL_URL in request.meta:
            return None
        mapped = map_url(request.url, self.host_map)
        if mapped is None:
            return None
        # allow_offsite: the mirror's host is not the portal's domain, but the request is the portal's.
        # download_slot: politeness (concurrency, delay, Retry-After) stays per portal host, even when
        # several hosts share one mirror, so a replay behaves like the portal.
        slot = request.meta.get("download_slot") or (urlsplit(request.url).hostname or "")
        return request.replace(url=mapped, meta={**request.meta, ORIGINAL_URL: request.url, "allow_offsite": True,
                                                 "download_slot": slot})

    def process_response(self, request: Request, response: Response) -> Response:
        original = request.meta.get(ORIGINAL_URL)
        if original is None:
            return response
        return response.replace(url=original)


class RetryAfterMiddleware:
    """Honour ``Retry-After`` on 429 and 503, which Scrapy's RetryMiddleware ignores.

    A short wait (up to TENDERWATCH_RETRY_AFTER_MAX seconds, default 120) slows the whole host: its
    download slot's delay becomes the wait, the request is retried (at most twice), and the usual
    delay returns once the host answers normally. A longer wait, or a third refusal, ends the poll
    as *blocked*: the scheduler then backs off, and a later poll tries again.
    """

    CODES = (429, 503)
    MAX_TRIES = 2

    def __init__(self, crawler: Crawler, max_wait: float) -> None:
        self.crawler = crawler
        self.max_wait = max_wait
        self.base_delays: dict[str, float] = {}  # slot -> its delay before a Retry-After raised it

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, crawler.settings.getfloat("TENDERWATCH_RETRY_AFTER_MAX", 120.0))

    def process_response(self, request: Request, response: Response) -> Request | Response:
        slot_key, slot = self._slot(request)
        if response.status not in self.CODES or not response.headers.get("Retry-After"):
            if slot is not None and slot_key in self.base_delays:
                slot.delay = self.base_delays.pop(slot_key)  # the host answers again: back to normal
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After", b"").decode("latin-1"))
        tries = request.meta.get("tw_retry_after_tries", 0)
        stats = self.crawler.stats
        if wait is None or wait > self.max_wait or tries >= self.MAX_TRIES:
            reason = (f"rate limited: HTTP {response.status} with Retry-After {wait if wait is not None else '?'} s"
                      f" at {request.meta.get(ORIGINAL_URL, request.url)}")
            if stats is not None and not stats.get_value("tenderwatch/blocked"):
                stats.set_value("tenderwatch/blocked", reason)
            return response
        if slot is not None:
            self.base_delays.setdefault(slot_key, slot.delay)
            slot.delay = max(slot.delay, wait)
        if stats is not None:
            stats.inc_value("tenderwatch/retry_after")
        retry = request.replace(dont_filter=True)
        retry.meta["tw_retry_after_tries"] = tries + 1
        return retry

    def _slot(self, request: Request) -> tuple[str, Any]:
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        if downloader is None:
            return "", None
        key = downloader.get_slot_key(request)
        return key, downloader.slots.get(key)


def retry_after_seconds(value: str) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class LoopbackOnlyMiddleware:
    """With TENDERWATCH_LOOPBACK_ONLY set (the tests, the offline demo), refuse any request that would
    leave the machine: a portal missing from TENDERWATCH_HOST_MAP fails loudly instead of reaching
    the internet."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("TENDERWATCH_LOOPBACK_ONLY"):
            raise NotConfigured("requests may leave the machine")
        return cls()

    def process_request(self, request: Request) -> None:
        host = (urlsplit(request.url).hostname or "").lower()
        if host not in LOOPBACK:
            raise IgnoreRequest(f"TENDERWATCH_LOOPBACK_ONLY: refused {request.url} (not in TENDERWATCH_HOST_MAP)")
