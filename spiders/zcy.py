"""The Zhengcaiyun (政采云) portal platform, shared by www.ccgp-xinjiang.gov.cn and ccgp-bingtuan.gov.cn.

A site spider subclasses ZcySpider and gives only its base URL, parentId, category codes and
district codes. Structure: ../shared/portal-fixtures/README.md §2.1–2.2; the API shape is [H]
(real Guangxi responses), the site-specific codes [M].

ASSUMPTIONS (from public scrapers, not verified on these two sites; a wrong one shows up as the
health state "broken" or "blocked", never as silence):
- list: POST {base}/portal/category, JSON body {pageNo, pageSize, categoryCode, districtCode[],
  publishDateBegin, publishDateEnd, _t} -> {"success": true, "result": {"data": {"total", "data": [...]}}};
- detail: GET {base}/portal/detail?articleId=<url-encoded>&parentId=<site's>&timestamp=<ms>
  -> result.data with title, content (HTML), projectCode, publishDate (ms), districtCode,
  attachmentList [{path, name}] / attachmentVO {domain, attachments [{fileId, name}]},
  announcementLinkDtoList (the project's notice chain);
- human page: {base}/site/detail?parentId=<p>&articleId=<id>;
- a non-JSON answer from either API (Aliyun WAF acw_sc__v2 challenge, slider captcha) means blocked.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

import scrapy
from parsel import Selector
from scrapy.http import Response

from spiders.base import LayoutChanged, ListingEntry, ListingPage, Stream, TenderSpider
from spiders.cn_parsing import body_field, goods_from, parse_amount, publicity_deadline, suppliers_from
from tenderwatch.htmltext import html_to_text
from tenderwatch.model import BEIJING, Attachment, Notice, NoticeType
from tenderwatch.notice_types import classify_label
from tenderwatch.store import utcnow

WAF_MARKERS = ("acw_sc__v2", "aliyun_waf", "aliyunCaptcha", "nc_1_n1z", "滑动验证", "renderData")
JSON_HEADERS = {"Content-Type": "application/json;charset=UTF-8", "X-Requested-With": "XMLHttpRequest",
                "Accept": "application/json, text/plain, */*"}


def _ms(value: Any) -> datetime | None:
    if isinstance(value, int | float) and value > 0:
        return datetime.fromtimestamp(value / 1000, tz=BEIJING)
    return None


class ZcySpider(TenderSpider):
    """Base for Zhengcaiyun sites. Subclasses set the class attributes below."""

    base_url: ClassVar[str] = ""
    parent_id: ClassVar[str] = ""
    #: categoryCode -> the notice type it lists (the streams, newest first each)
    categories: ClassVar[dict[str, NoticeType]] = {}
    district_codes: ClassVar[list[str]] = []
    extra_body: ClassVar[dict[str, Any]] = {}  # site-specific list parameters
    page_size: ClassVar[int] = 15
    region_name: ClassVar[str] = ""
    blocked_markers: ClassVar[tuple[str, ...]] = WAF_MARKERS

    def streams(self) -> Iterable[Stream]:
        for code in self.categories:
            yield Stream(f"category:{code}", {"categoryCode": code})

    def listing_request(self, stream: Stream, page: int) -> scrapy.Request:
        start = self.window_start.astimezone(BEIJING)
        today = (utcnow() + timedelta(hours=8)).date()
        body = {"pageNo": page, "pageSize": self.page_size, "categoryCode": stream.params["categoryCode"],
                "districtCode": list(self.district_codes), "publishDateBegin": f"{start:%Y-%m-%d}",
                "publishDateEnd": f"{today:%Y-%m-%d}", "_t": str(int(time.time() * 1000)), **self.extra_body}
        return scrapy.Request(f"{self.base_url}/portal/category", method="POST", headers=JSON_HEADERS,
                              body=json.dumps(body, ensure_ascii=False))

    def blocked_reason(self, response: Response) -> str | None:
        reason = super().blocked_reason(response)
        if reason:
            return reason
        if "/portal/" in response.url and not _is_json(response):
            return "non-JSON answer from the JSON API (WAF challenge?)"
        return None

    def parse_listing(self, response: Response, stream: Stream, page: int) -> ListingPage:
        data = _result_data(response)
        items = data.get("data")
        if not isinstance(items, list):
            raise LayoutChanged("portal/category: no result.data.data list")
        total = data.get("total")
        last = -(-int(total) // self.page_size) if isinstance(total, int) else None
        entries = []
        for item in items:
            article = item.get("articleId")
            if not article:
                continue
            facts = {k: str(item.get(k) or "") for k in ("pathName", "districtName", "procurementMethod",
                                                         "gpCatalogName", "author", "projectCode")}
            facts["categoryCode"] = stream.params["categoryCode"]
            entries.append(ListingEntry(notice_id=article, url=self.human_url(article),
                                        published_at=_ms(item.get("publishDate")),
                                        title=str(item.get("title") or ""), facts=facts))
        return ListingPage(entries, last)

    def human_url(self, article_id: str) -> str:
        # articleId is base64-like: '+', '/' and '=' must be percent-encoded.
        return f"{self.base_url}/site/detail?parentId={self.parent_id}&articleId={quote(article_id, safe='')}"

    def detail_request(self, entry: ListingEntry) -> scrapy.Request:
        url = (f"{self.base_url}/portal/detail?articleId={quote(entry.notice_id, safe='')}"
               f"&parentId={self.parent_id}&timestamp={int(time.time() * 1000)}")
        return scrapy.Request(url, headers=JSON_HEADERS)

    def parse_detail(self, response: Response, entry: ListingEntry) -> Notice:
        data = _result_data(response)
        title, content = str(data.get("title") or ""), str(data.get("content") or "")
        if not title or "content" not in data:
            raise LayoutChanged("portal/detail: no title or content")
        root = Selector(text=content or "<html></html>")
        body = html_to_text(content)
        code = entry.facts.get("categoryCode", "")
        notice_type = self.categories.get(code) or classify_label(entry.facts.get("pathName", "") or title)
        if notice_type is NoticeType.OTHER:
            notice_type = classify_label(title)
        project_code = str(data.get("projectCode") or "") or body_field(body, "project_code")
        return Notice(
            portal=self.portal, notice_id=entry.notice_id, url=self.human_url(entry.notice_id), title=title,
            notice_type=notice_type, type_label=entry.facts.get("pathName", ""),
            buyer=body_field(body, "buyer"), agency=body_field(body, "agency") or str(data.get("author") or ""),
            region=entry.facts.get("districtName") or self.region_name,
            published_at=_ms(data.get("publishDate")) or entry.published_at, project_code=project_code,
            project_name=str(data.get("projectName") or "") or body_field(body, "project_name"),
            budget=parse_amount(body_field(body, "budget")), award_amount=parse_amount(body_field(body, "award")),
            deadline=publicity_deadline(body), suppliers=suppliers_from(root, body), goods=goods_from(root), body_text=body,
            attachments=_attachments(data, root, response), fields={"chain": json.dumps(_chain(data))},
        )


def _is_json(response: Response) -> bool:
    try:
        json.loads(response.text)
    except (ValueError, AttributeError):
        return False
    return True


def _result_data(response: Response) -> dict[str, Any]:
    try:
        payload = json.loads(response.text)
    except ValueError as exc:
        raise LayoutChanged(f"not JSON: {exc}") from exc
    result = payload.get("result") if isinstance(payload, dict) else None
    data = result.get("data") if isinstance(result, dict) else None
    if not isinstance(data, dict):
        raise LayoutChanged("no result.data object")
    return data


def _attachments(data: dict[str, Any], root: Selector, response: Response) -> list[Attachment]:
    found = [Attachment(name=str(a.get("name") or ""), url=response.urljoin(str(a["path"])))
             for a in data.get("attachmentList") or [] if isinstance(a, dict) and a.get("path")]
    vo = data.get("attachmentVO") or {}
    if isinstance(vo, dict):
        domain = str(vo.get("domain") or "")
        found += [Attachment(name=str(a.get("name") or ""), url=domain + str(a["fileId"]))
                  for a in vo.get("attachments") or [] if isinstance(a, dict) and a.get("fileId")]
    for a in root.css("a[href]"):
        href = a.attrib["href"]
        if href.lower().split("?")[0].endswith((".pdf", ".doc", ".docx", ".xls", ".xlsx", ".zip", ".rar")):
            found.append(Attachment(name=" ".join(a.css("::text").getall()).strip(), url=response.urljoin(href)))
    return list({a.url: a for a in found}.values())


def _chain(data: dict[str, Any]) -> list[dict[str, str]]:
    """The project's notice chain (采购公告 -> 更正 -> 结果 -> 合同), as the portal links it."""
    return [{"articleId": str(link.get("articleId")), "type": str(link.get("typeName") or link.get("type") or "")}
            for link in data.get("announcementLinkDtoList") or [] if isinstance(link, dict) and link.get("articleId")]
