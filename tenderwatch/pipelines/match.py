"""Third stage: match the whole notice against every watchlist with one prebuilt automaton."""

from __future__ import annotations

import logging
from typing import Self

from scrapy.crawler import Crawler

from tenderwatch.crawl_inputs import crawl_matcher
from tenderwatch.matching import Matcher
from tenderwatch.pipelines import Candidate

logger = logging.getLogger(__name__)


class MatchPipeline:
    def __init__(self, crawler: Crawler, matcher: Matcher) -> None:
        self.crawler = crawler
        self.matcher = matcher

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, crawl_matcher(crawler))

    def process_item(self, item: Candidate) -> Candidate:
        item.verdicts = self.matcher.evaluate(item.notice.match_fields())
        if item.fired:
            self.crawler.stats.inc_value("tenderwatch/matched")
        return item
