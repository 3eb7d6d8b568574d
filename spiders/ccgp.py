"""China Government Procurement Network, www.ccgp.gov.cn.

Domain: www.ccgp.gov.cn (channel lists, detail pages), search.ccgp.gov.cn (full-text search).
Spider arguments: lookback_days, max_pages, terms ("a,b": search terms; default from the watchlists).
Settings: CCGP_CHANNELS, CCGP_REGIONS, TENDERWATCH_SEARCH_TERMS.
Structure: ../shared/portal-fixtures/README.md §1 (detail template verified on real pages; list and
search markup from public scrapers' documentation and fixtures).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from spiders.base import LayoutChanged, ListingEntry, ListingPage, Stream, TenderSpider
from spiders.cn_parsing import (
    goods_from,
    label_table,
    parse_amount,
    parse_cn_datetime,
    publicity_deadline,
    suppliers_from,
)
from tenderwatch.htmltext import html_to_text
from tenderwatch.model import Attachment, Notice, NoticeType
from tenderwatch.notice_types import classify_label
from tenderwatch.store import utcnow

LIST_URL = "https://www.ccgp.gov.cn/cggg/{section}/{channel}/{page}"
SEARCH_URL = "https://search.ccgp.gov.cn/bxsearch"
ARTICLE_ID = re.compile(r"t(\d{8})_(\d+)\.htm")
PAGER = re.compile(r"Pager\(\{\s*size\s*:\s*(\d+)")
OHTMLURLS = re.compile(r'var\s+ohtmlurls\s*=\s*"([^"]*)"')
CHANNEL_TYPES = {
    "dylygg": NoticeType.SINGLE_SOURCE, "zbgg": NoticeType.AWARD, "cjgg": NoticeType.AWARD,
    "gzgg": NoticeType.CORRECTION, "fblbgg": NoticeType.TERMINATION, "gkzb": NoticeType.TENDER,
    "yqzbgg": NoticeType.TENDER, "jzxtpgg": NoticeType.TENDER, "jzxcs": NoticeType.TENDER,
    "xjgg": NoticeType.TENDER, "zgysgg": NoticeType.TENDER, "qtgg": NoticeType.OTHER,
}
SUMMARY_LABELS = {
    "buyer": ("采购单位", "采购人"), "region": ("行政区域",), "published": ("公告时间",),
    "budget": ("预算金额",), "award": ("总中标金额", "总成交金额"), "agency": ("代理机构名称",),
    "project_name": ("采购项目名称",),
}


class CcgpSpider(TenderSpider):
    name = "ccgp"
    portal = "ccgp"
    blocked_markers: ClassVar[tuple[str, ...]] = ("访问过于频繁", "频繁访问", "<title>安全验证</title>")
    custom_settings: ClassVar[dict[str, Any]] = {
        "CCGP_CHANNELS": ["dfgg/dylygg", "dfgg/zbgg", "dfgg/cjgg", "dfgg/gzgg", "dfgg/gkzb", "dfgg/qtgg",
                          "dfgg/fblbgg"],
        "CCGP_REGIONS": ["新疆"],  # channel lists are national: fetch details of these regions only
    }

    def __init__(self, *args: Any, terms: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._terms_arg = terms

    def streams(self) -> Iterable[Stream]:
        settings = self.crawler.settings
        for channel in settings.getlist("CCGP_CHANNELS"):
            section, _, name = channel.partition("/")
            yield Stream(f"channel:{channel}", {"section": section, "channel": name})
        terms = self._terms_arg.split(",") if self._terms_arg else settings.getlist("TENDERWATCH_SEARCH_TERMS")
        for term in dict.fromkeys(t.strip() for t in terms if t.strip()):
            yield Stream(f"search:{term}", {"kw": term})

    def listing_request(self, stream: Stream, page: int) -> scrapy.Request:
        if "kw" not in stream.params:
            name = "index.htm" if page == 1 else f"index_{page - 1}.htm"
            return scrapy.Request(LIST_URL.format(page=name, **stream.params))
        today = utcnow() + timedelta(hours=8)
        start = self.window_start + timedelta(hours=8)
        query = {"searchtype": 2, "page_index": page, "bidSort": 0, "buyerName": "", "projectId": "",
                 "pinMu": 0, "bidType": 0, "dbselect": "bidx", "kw": stream.params["kw"],
                 "start_time": f"{start:%Y:%m:%d}", "end_time": f"{today:%Y:%m:%d}", "timeType": 6,
                 "displayZone": "", "zoneId": "", "pppStatus": 0, "agentName": ""}
        return scrapy.Request(f"{SEARCH_URL}?{urlencode(query)}")

    def parse_listing(self, response: Response, stream: Stream, page: int) -> ListingPage:
        pager = PAGER.search(response.text)
        last = int(pager.group(1)) if pager else None
        if "kw" in stream.params:
            return ListingPage(self._search_entries(response), last)
        items = response.css("ul.c_list_bid > li")
        if not items and not response.css("ul.c_list_bid"):
            raise LayoutChanged("no ul.c_list_bid")
        regions = tuple(self.crawler.settings.getlist("CCGP_REGIONS"))
        entries = []
        for li in items:
            url = response.urljoin(li.css("a::attr(href)").get(""))
            ems = [e.strip() for e in li.css("em::text").getall()]
            region = ems[1] if len(ems) > 1 else ""
            entry = self._entry(url, li.css("a::attr(title)").get() or li.css("a::text").get(""),
                                ems[0] if ems else "", {"region": region, "buyer": ems[2] if len(ems) > 2 else ""})
            if entry is not None:
                wanted = not regions or region.startswith(regions)
                entries.append(entry if wanted else ListingEntry(**{**entry.__dict__, "wanted": False}))
        return ListingPage(entries, last)

    def _search_entries(self, response: Response) -> list[ListingEntry]:
        if not response.css("ul.vT-srch-result-list-bid"):
            raise LayoutChanged("no ul.vT-srch-result-list-bid")
        fallback = (OHTMLURLS.search(response.text) or [None, ""])[1].split(",")
        entries = []
        for i, li in enumerate(response.css("ul.vT-srch-result-list-bid > li")):
            href = li.css("a::attr(href)").get("")
            if "ccgp.gov.cn/cggg/" not in href and i < len(fallback) and fallback[i]:
                href = fallback[i]
            span = " ".join(li.css("span ::text").getall())
            buyer = re.search(r"采购人[:：]\s*([^|]+)", span)
            entry = self._entry(response.urljoin(href), " ".join(li.css("a ::text").getall()), span,
                                {"type": li.css("span strong::text").get(""),
                                 "buyer": buyer.group(1).strip() if buyer else ""})
            if entry is not None:
                entries.append(entry)
        return entries

    def _entry(self, url: str, title: str, date_text: str, facts: dict[str, str]) -> ListingEntry | None:
        m = ARTICLE_ID.search(url)
        if not m:
            return None
        return ListingEntry(notice_id=m.group(2), url=url, published_at=parse_cn_datetime(date_text),
                            title=re.sub(r"\s+", " ", title).strip(), facts=facts)

    def parse_detail(self, response: Response, entry: ListingEntry) -> Notice:
        main = response.css("div.vF_detail_main, div.vT_detail_main")
        table = main.css("div.table table") or main.css("table")
        content = response.css("div.vF_detail_content, div.vT_detail_content")
        title = " ".join(main.css("h2 ::text").getall()).strip() or response.css(
            "meta[name=ArticleTitle]::attr(content)").get("")
        if not main or not title or (not table and not content):
            raise LayoutChanged("no detail title, summary table or content")
        fields = label_table(table[0]) if table else {}

        def field(name: str) -> str:
            return next((fields[label] for label in SUMMARY_LABELS[name] if fields.get(label)), "")

        body = html_to_text(content[0].get()) if content else ""
        label = (response.css("a.CurrChnlCls::text").getall() or [""])[-1].strip()
        channel = next((c for c in CHANNEL_TYPES if f"/{c}/" in response.url), "")
        notice_type = CHANNEL_TYPES.get(channel) or classify_label(label or title)
        if notice_type is NoticeType.OTHER:
            notice_type = classify_label(title)
        code = re.search(r"项目编号[:：]\s*([A-Za-z0-9\-_（）()\[\]]+)", body)
        published = parse_cn_datetime(field("published")) or parse_cn_datetime(
            response.css("meta[name=PubDate]::attr(content)").get("")) or entry.published_at
        attachments = [Attachment(name=a.css("::text").get("").strip(), url=response.urljoin(a.attrib["href"]))
                       for a in response.css("ul.fjxx li a[href]")]
        attachments += [Attachment(name=a.css("::text").get("").strip(),
                                   url=f"https://download.ccgp.gov.cn/oss/download?uuid={a.attrib['id']}")
                        for a in response.css("a.bizDownload[id]")]
        root = content[0] if content else response
        return Notice(
            portal=self.portal, notice_id=entry.notice_id, url=response.url, title=title,
            notice_type=notice_type, type_label=label, buyer=field("buyer") or entry.facts.get("buyer", ""),
            agency=field("agency"), region=field("region") or entry.facts.get("region", ""),
            published_at=published, project_code=code.group(1) if code else "",
            project_name=field("project_name"), budget=parse_amount(field("budget")),
            award_amount=parse_amount(field("award")),
            deadline=publicity_deadline(body),
            suppliers=suppliers_from(root, body), goods=goods_from(root), body_text=body,
            attachments=attachments, fields=fields,
        )
