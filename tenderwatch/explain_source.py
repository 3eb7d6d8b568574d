"""Find the notice `tenderwatch explain` is asked about: a stored one, or a saved detail page."""

from __future__ import annotations

import os
from pathlib import Path

from scrapy.http import HtmlResponse, Request

from tenderwatch.config import Config, ConfigError
from tenderwatch.model import Notice
from tenderwatch.store import Store


def load_notice(ref: str, config: Config, *, portal: str = "ccgp", url: str | None = None) -> Notice:
    path = Path(ref)
    if path.is_file():
        return parse_saved_page(path, portal=portal, url=url)
    if config.db_path.exists():
        with Store(config.db_path) as store:
            notice = store.notice(ref) or store.notice_by_url(ref)
            if notice is not None:
                return notice
    raise ConfigError(f"{ref!r} is neither a saved page nor a stored notice (by URL or key like ccgp:123)")


def parse_saved_page(path: Path, *, portal: str, url: str | None = None) -> Notice:
    """Parse a saved detail page with its portal spider's own parser, offline."""
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    from spiders.base import ListingEntry

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "tenderwatch.settings")
    loader = SpiderLoader.from_settings(get_project_settings())
    if portal not in loader.list():
        raise ConfigError(f"unknown portal {portal!r}; known: {', '.join(loader.list())}")
    page_url = url or path.resolve().as_uri()
    response = HtmlResponse(url=page_url, body=path.read_bytes(), request=Request(page_url))
    spider = loader.load(portal)()
    notice = spider.parse_detail(response, ListingEntry(notice_id=path.stem, url=page_url))
    notice.portal = notice.portal or portal
    notice.notice_id = notice.notice_id or path.stem
    notice.url = notice.url or page_url
    return notice
