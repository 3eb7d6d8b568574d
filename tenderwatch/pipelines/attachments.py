"""Between match and store: read the attachments of notices worth a closer look, and match again.

Award notices often write "详见附件" in the brand column: the brand is only in the attached PDF,
DOCX, XLSX or ZIP. Fetching every attachment of every notice would be slow and impolite, so only
notices where something already matched (a brand, a product, a supplier, or a watched buyer) have
their attachments fetched (at most TENDERWATCH_ATTACHMENT_FILES of them, each at most
TENDERWATCH_ATTACHMENT_MB, its type checked from its bytes, archives guarded against zip bombs),
read (tenderwatch.attachments), and matched, each as the field ``attachments:<file name>`` so an
alert names the file. A file that cannot be fetched or read is logged with its URL and skipped.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Self

import scrapy
from scrapy.crawler import Crawler

from tenderwatch.attachments import AttachmentError, extract_text, sniff
from tenderwatch.crawl_inputs import crawl_matcher
from tenderwatch.matching import Matcher
from tenderwatch.model import Attachment
from tenderwatch.pipelines import Candidate

logger = logging.getLogger(__name__)


class AttachmentsPipeline:
    def __init__(self, crawler: Crawler, matcher: Matcher, max_bytes: int, max_files: int) -> None:
        self.crawler = crawler
        self.matcher = matcher
        self.max_bytes = max_bytes
        self.max_files = max_files

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(crawler, crawl_matcher(crawler), int(settings.getfloat("TENDERWATCH_ATTACHMENT_MB", 20) * 2**20),
                   settings.getint("TENDERWATCH_ATTACHMENT_FILES", 10))

    def worth_reading(self, item: Candidate) -> bool:
        """Something already matched: a brand, product or supplier anywhere, or a complete buyer."""
        return any(v.matched for v in self.matcher.evaluate(item.notice.match_fields(), detail=True))

    async def process_item(self, item: Candidate) -> Candidate:
        notice = item.notice
        if not notice.attachments or not self.worth_reading(item):
            return item
        read = 0
        for attachment in notice.attachments[: self.max_files]:
            attachment.text = await self._read(attachment)
            read += bool(attachment.text)
        if len(notice.attachments) > self.max_files:
            logger.warning("%s: read the first %d of %d attachments", notice.key, self.max_files,
                           len(notice.attachments))
        if read:
            item.verdicts = self.matcher.evaluate(notice.match_fields())
        return item

    async def _read(self, attachment: Attachment) -> str:
        stats = self.crawler.stats
        request = scrapy.Request(attachment.url, meta={"download_maxsize": self.max_bytes, "download_warnsize": 0,
                                                       "tw_kind": "attachment"}, dont_filter=True)
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # noqa: BLE001 - a failed download is logged and skipped, never fatal
            return self._skip(attachment, f"not downloaded ({type(exc).__name__}: {exc})")
        if response.status != 200:
            return self._skip(attachment, f"HTTP {response.status}")
        body = response.body
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        if len(body) > self.max_bytes:
            return self._skip(attachment, f"too large: {len(body)} bytes")
        if sniff(body, attachment.name, content_type) is None:
            return self._skip(attachment, f"unsupported type ({content_type or 'no content type'})")
        try:
            extracted = await asyncio.to_thread(extract_text, body, attachment.name, content_type,
                                                max_bytes=self.max_bytes)
        except AttachmentError as exc:
            return self._skip(attachment, str(exc))
        if stats is not None:
            stats.inc_value("tenderwatch/attachments/read")
        for note in extracted.notes:
            logger.info("attachment %s: %s", attachment.url, note)
        return extracted.text

    def _skip(self, attachment: Attachment, reason: str) -> str:
        logger.warning("attachment skipped: %s (%s): %s", attachment.name, attachment.url, reason)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("tenderwatch/attachments/skipped")
        return ""
