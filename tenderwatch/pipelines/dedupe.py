"""Second stage: a notice already stored never alerts again; a project's later notice is an update;
the same notice republished on another portal is recognised (by project and stage) as such."""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from tenderwatch.pipelines import Candidate
from tenderwatch.projects import project_key
from tenderwatch.store import Store


class DedupePipeline:
    def __init__(self, crawler: Crawler, store: Store) -> None:
        self.crawler = crawler
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, Store(crawler.settings["TENDERWATCH_DB"]))

    def close_spider(self) -> None:
        self.store.close()

    def process_item(self, item: Candidate) -> Candidate:
        notice = item.notice
        if self.store.has_notice(notice.key):
            self.crawler.stats.inc_value("tenderwatch/duplicates")
            raise DropItem(f"already stored: {notice.key}")
        item.project_key = project_key(notice)
        first = self.store.project_first_notice(item.project_key)
        if first is not None:
            item.update_of = self.store.notice(first)
            self.crawler.stats.inc_value("tenderwatch/project_updates")
            # The same notice on another portal (ccgp, the provincial site, ggzy): one alert, citing both.
            same = self.store.project_notice_like(item.project_key, notice.notice_type.value, notice.portal)
            if same is not None:
                item.republication_of = self.store.notice(same)
        return item
