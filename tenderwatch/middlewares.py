"""Downloader middlewares shared by every portal spider."""

from __future__ import annotations

from typing import Self
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
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
        return request.replace(url=mapped, meta={**request.meta, ORIGINAL_URL: request.url, "allow_offsite": True})

    def process_response(self, request: Request, response: Response) -> Response:
        original = request.meta.get(ORIGINAL_URL)
        if original is None:
            return response
        return response.replace(url=original)
