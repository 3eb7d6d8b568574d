"""First stage: tidy a portal's notice into the shared model and wrap it for the later stages."""

from __future__ import annotations

import logging
import re
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from tenderwatch.model import BEIJING, Notice, NoticeType
from tenderwatch.notice_types import classify_label
from tenderwatch.pipelines import Candidate

logger = logging.getLogger(__name__)
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def tidy(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


class NormalizePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Notice) -> Candidate:
        if not isinstance(item, Notice):
            raise DropItem(f"not a Notice: {type(item).__name__}")
        if not item.notice_id or not item.url or not item.title.strip():
            self.crawler.stats.inc_value("tenderwatch/invalid_items")
            raise DropItem(f"notice without id, URL or title: {item.url or item.notice_id}")
        for name in ("title", "type_label", "buyer", "agency", "region", "project_code", "project_name"):
            setattr(item, name, tidy(getattr(item, name)))
        if item.published_at is not None and item.published_at.tzinfo is None:
            item.published_at = item.published_at.replace(tzinfo=BEIJING)  # portals publish Beijing time
        if item.notice_type is NoticeType.OTHER and item.type_label:
            item.notice_type = classify_label(item.type_label)
        return Candidate(notice=item)
