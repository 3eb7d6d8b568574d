"""National public-resource trading platform, www.ggzy.gov.cn: government procurement in Xinjiang
(650000) and the Bingtuan (660000).

ASSUMPTIONS (../shared/portal-fixtures/README.md §2.3; the list API and record keys are [H] from a
real capture, the form fields [M], not verified by us against the live site):
- list: POST /information/pubTradingInfo/getTradList, form-encoded; DEAL_TIME=06 with TIMEBEGIN/
  TIMEEND for a custom window, DEAL_CLASSIFY=02 (政府采购), DEAL_STAGE=0200, DEAL_PROVINCE, SOURCE_TYPE=1,
  isShowAll=1, PAGENUMBER (1-based, 20 a page) -> {"code": 200, "data": {"records", "total", "pages"}};
- ``total`` caps at 1,000, so every stream is one province and one day;
- FINDTXT (keyword) silently returns everything when nothing matches: we never send it and let the
  matcher decide;
- business codes 800 (too frequent) and 829 (captcha) mean blocked; another non-200 code is a change;
- a record's url is an /html/a/ shell; the text is on its /html/b/ twin (h4.h4_o, p.p_o spans,
  div#mycontent); for government procurement the text is often empty (the platform aggregates).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response

from spiders.base import LayoutChanged, ListingEntry, ListingPage, Stream, TenderSpider
from spiders.cn_parsing import body_field, goods_from, parse_amount, parse_cn_datetime, suppliers_from
from tenderwatch.htmltext import html_to_text
from tenderwatch.model import BEIJING, Attachment, Notice, NoticeType
from tenderwatch.notice_types import classify_label
from tenderwatch.store import utcnow

LIST_URL = "https://www.ggzy.gov.cn/information/pubTradingInfo/getTradList"
REFERER = "https://www.ggzy.gov.cn/deal/dealList.html?HEADER_DEAL_TYPE=02"
BLOCK_CODES = {800: "too frequent (code 800)", 829: "captcha required (code 829)"}
INFO_TYPES = {"成交公示": NoticeType.AWARD, "采购合同": NoticeType.CONTRACT, "采购/资审公告": NoticeType.TENDER,
              "更正事项": NoticeType.CORRECTION}
PAGE_SIZE = 20
MAX_DAYS = 14  # a first poll or a long catch-up reads at most this many days (one request a day per province)


class GgzySpider(TenderSpider):
    name = "ggzy"
    portal = "ggzy"
    provinces: ClassVar[dict[str, str]] = {"650000": "新疆维吾尔自治区", "660000": "新疆生产建设兵团"}

    def streams(self) -> Iterable[Stream]:
        today = (utcnow() + timedelta(hours=8)).date()
        first = self.window_start.astimezone(BEIJING).date()
        span = min((today - first).days + 1, self.crawler.settings.getint("GGZY_MAX_DAYS", MAX_DAYS))
        days = [today - timedelta(days=n) for n in range(span)]
        for province in self.provinces:
            for day in days:  # newest first; one day per stream keeps under the 1,000-record cap
                yield Stream(f"{province}:{day.isoformat()}", {"province": province, "day": day.isoformat()})

    def listing_request(self, stream: Stream, page: int) -> scrapy.Request:
        day = stream.params["day"]
        form = {"TIMEBEGIN_SHOW": day, "TIMEEND_SHOW": day, "TIMEBEGIN": day, "TIMEEND": day, "SOURCE_TYPE": "1",
                "DEAL_TIME": "06", "DEAL_CLASSIFY": "02", "DEAL_STAGE": "0200", "DEAL_PROVINCE": stream.params["province"],
                "DEAL_CITY": "0", "DEAL_PLATFORM": "0", "BID_PLATFORM": "0", "DEAL_TRADE": "0", "isShowAll": "1",
                "PAGENUMBER": str(page), "FINDTXT": ""}
        return scrapy.FormRequest(LIST_URL, formdata=form, headers={"Referer": REFERER, "X-Pass-Token": ""})

    def blocked_reason(self, response: Response) -> str | None:
        reason = super().blocked_reason(response)
        if reason or "getTradList" not in response.url:
            return reason
        try:
            payload = json.loads(response.text)
        except ValueError:
            return "non-JSON answer from the JSON API (WAF?)"
        code = payload.get("code") if isinstance(payload, dict) else None
        return BLOCK_CODES.get(code) if isinstance(code, int) else None

    def parse_listing(self, response: Response, stream: Stream, page: int) -> ListingPage:
        payload = json.loads(response.text)
        if payload.get("code") != 200:
            raise LayoutChanged(f"getTradList answered code {payload.get('code')}: {payload.get('message')}")
        data = payload.get("data")
        records = data.get("records") if isinstance(data, dict) else None
        if not isinstance(records, list):
            raise LayoutChanged("getTradList: no data.records list")
        entries = []
        for record in records:
            entry = self._entry(record, response)
            if entry is not None:
                entries.append(entry)
        pages = data.get("pages")
        return ListingPage(entries, pages if isinstance(pages, int) else None)

    def _entry(self, record: dict[str, Any], response: Response) -> ListingEntry | None:
        rid, url = str(record.get("id") or ""), str(record.get("url") or "")
        if not url:
            return None
        rid = rid or url.rsplit("/", 1)[-1].removesuffix(".html")
        day = _date(str(record.get("publishTime") or ""))
        # A listing gives only the day: count the notice as published at its end, so the look-back
        # window never drops a notice of its first day; the detail page gives the minute.
        published = datetime(day.year, day.month, day.day, 23, 59, tzinfo=BEIJING) if day else None
        facts = {"province": str(record.get("provinceText") or ""), "city": str(record.get("cityText") or ""),
                 "platform": str(record.get("transactionSourcesPlatformText") or ""),
                 "info_type": str(record.get("informationTypeText") or "")}
        return ListingEntry(notice_id=rid, url=response.urljoin(url), published_at=published,
                            title=str(record.get("title") or ""), facts=facts)

    def _province_of(self, url: str) -> str:
        return self.provinces.get(_province_code(url), "")

    def detail_request(self, entry: ListingEntry) -> scrapy.Request:
        return scrapy.Request(entry.url.replace("/html/a/", "/html/b/"))

    def parse_detail(self, response: Response, entry: ListingEntry) -> Notice:
        title = " ".join(response.css("h4.h4_o ::text").getall()).strip()
        if not title or not response.css("div#mycontent"):
            raise LayoutChanged("no h4.h4_o title or div#mycontent")
        meta = " ".join(response.css("p.p_o ::text").getall())
        content = response.css("div#mycontent").get("")
        body = html_to_text(content)
        label = entry.facts.get("info_type", "")
        notice_type = INFO_TYPES.get(label) or classify_label(title)
        if notice_type in (NoticeType.TENDER, NoticeType.OTHER):
            notice_type = classify_label(title) if classify_label(title) is not NoticeType.OTHER else notice_type
        region = "".join(x for x in (entry.facts.get("province", ""), entry.facts.get("city", "")) if x)
        root = response.css("div#mycontent")[0]
        original = response.css("span.detail_url a::attr(href)").get("")
        return Notice(
            portal=self.portal, notice_id=entry.notice_id, url=entry.url, title=title, notice_type=notice_type,
            type_label=label, buyer=body_field(body, "buyer"), agency=body_field(body, "agency"),
            region=region or self._province_of(entry.url),
            published_at=parse_cn_datetime(meta) or entry.published_at,
            project_code=body_field(body, "project_code") or body_field(title, "project_code"),
            project_name=body_field(body, "project_name"), budget=parse_amount(body_field(body, "budget")),
            award_amount=parse_amount(body_field(body, "award")), suppliers=suppliers_from(root, body),
            goods=goods_from(root), body_text=body,
            attachments=[Attachment(name=" ".join(a.css("::text").getall()).strip(), url=response.urljoin(a.attrib["href"]))
                         for a in root.css("a[href]") if re.search(r"\.(pdf|docx?|xlsx?|zip|rar)$", a.attrib["href"], re.IGNORECASE)],
            fields={"platform": " ".join(response.css("#platformName ::text").getall()).strip()
                    or entry.facts.get("platform", ""), "original_url": original},
        )


def _province_code(url: str) -> str:
    m = re.search(r"/html/[ab]/(\d{6})/", url)
    return m.group(1) if m else ""


def _date(text: str) -> date | None:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
