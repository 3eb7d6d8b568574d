"""Xinjiang Public Resource Trading, ggzy.xinjiang.gov.cn (Epoint/新点 platform).

Domain: ggzy.xinjiang.gov.cn (full-text search API, detail pages).
Spider arguments: lookback_days, max_pages, terms ("a,b": search terms; default from the watchlists).
Settings: TENDERWATCH_SEARCH_TERMS.
Structure: ../shared/portal-fixtures/README.md §2.4 (one public scraper, not checked against the live site).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import JsonRequest, Response

from spiders.base import LayoutChanged, ListingEntry, ListingPage, Stream, TenderSpider
from spiders.cn_parsing import goods_from, parse_amount, parse_cn_datetime, publicity_deadline, suppliers_from
from tenderwatch.htmltext import html_to_text
from tenderwatch.model import BEIJING, Attachment, Money, Notice
from tenderwatch.notice_types import classify_label
from tenderwatch.store import utcnow

# ------------------------------------------------------------------------------------------------
# ASSUMPTIONS (single source: README §2.4, tagged [M]/[L] there; none checked against the live site)
# - Listing = Epoint full-text search API: POST SEARCH_URL with a JSON body (shape copied from the
#   README's example). ``pn`` is a record OFFSET ((page-1) * rn), not a page number; rn = PAGE_SIZE.
# - ``sdt``/``edt`` are Beijing wall-clock "YYYY-MM-DD HH:MM:SS". edt is fixed once per crawl so
#   that later pages use the same window (a notice published mid-crawl does not shift offsets).
# - ``condition`` categorynum 001004003 (政府采购), likeType 2 (prefix), scopes the listing; a search
#   stream adds {"fieldName": "title", "likeType": 0, "equal": term}. (The README's example filters
#   on ``projectname``; ``title`` is this project's choice.) The README warns an unmatched keyword
#   may not filter at all: we do not rely on it, every stream just pages; the matcher filters.
# - ``sort`` '{"webdate":"0"}' = newest first (the base's stop-at-seen/window logic needs that).
# - Response: {"result": {"totalcount": N, "records": [{linkurl, title, webdate, categorynum,
#   projectname, ...}]}}. ``title`` may carry <font> highlight markup (``highlights: "title"``), so
#   tags are stripped. A ``result`` that is a JSON string is decoded once more (guess, harmless).
# - Detail page = DETAIL_BASE + linkurl (HTML). Text in ``.ewb-info-bd``; "信息来源：…"/"发布时间：…"
#   in ``.ewb-info-intro span``; title in TITLE_SELECTORS order, then the listing title, then <title>.
# - Some pages are GBK [L]: Scrapy decodes by Content-Type charset, else the page's meta charset.
# - notice_id = the 36-char GUID in linkurl when present (lower-cased), else linkurl's last path
#   segment without .html/.htm.
# - The site sits behind Aliyun WAF (as the Zhengcaiyun sites do, README §0.4): a challenge page is
#   HTML with BLOCK_MARKERS, status 200 or 405. Any non-JSON answer from the JSON API is a block.
# - Notice type: the title names it (单一来源公示, 中标结果公告, …); category numbers below
#   001004003 are not documented, so they are not mapped.
# ------------------------------------------------------------------------------------------------
SEARCH_URL = "https://ggzy.xinjiang.gov.cn/inteligentsearchnew/rest/esinteligentsearch/getFullTextDataNew"
DETAIL_BASE = "https://ggzy.xinjiang.gov.cn/xinjiangggzy"
CATEGORY_GOVPROC = "001004003"  # 政府采购
PAGE_SIZE = 20
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
BLOCK_MARKERS = ("acw_sc__v2", "aliyun_waf", "滑动验证")
TITLE_SELECTORS = (".ewb-info-tt", ".ewb-info h3", "h3")  # then the listing's title, then <title>
CONTENT_SELECTOR = ".ewb-info-bd"
INTRO_SELECTOR = ".ewb-info-intro span"
ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".zip", ".rar")
REGION = "新疆维吾尔自治区"
# Short name as written in buyer names and titles -> the prefecture-level division's full name.
CITIES = (
    ("乌鲁木齐", "乌鲁木齐市"), ("克拉玛依", "克拉玛依市"), ("吐鲁番", "吐鲁番市"), ("哈密", "哈密市"),
    ("昌吉", "昌吉回族自治州"), ("博尔塔拉", "博尔塔拉蒙古自治州"), ("巴音郭楞", "巴音郭楞蒙古自治州"),
    ("阿克苏", "阿克苏地区"), ("克孜勒苏", "克孜勒苏柯尔克孜自治州"), ("喀什", "喀什地区"), ("和田", "和田地区"),
    ("伊犁", "伊犁哈萨克自治州"), ("塔城", "塔城地区"), ("阿勒泰", "阿勒泰地区"),
)
TYPE_LABELS = (
    "采购意向", "招标公告", "采购公告", "交易公告", "询价公告", "竞争性谈判公告", "竞争性磋商公告", "资格预审公告",
    "资格预审公示", "单一来源公示", "单一来源采购公示", "单一来源公告", "更正公告", "变更公告", "答疑澄清", "澄清公告",
    "中标结果公告", "中标公告", "成交结果公告", "成交公告", "成交公示", "结果公示", "中标候选人公示", "终止公告",
    "废标公告", "流标公告", "合同公告", "合同公示",
)
DETAIL_LABELS = {
    "buyer": ("采购人名称", "采购单位名称", "采购人", "采购单位"),
    "agency": ("采购代理机构名称", "采购代理机构", "代理机构名称", "代理机构"),
    "project_code": ("项目编号", "采购项目编号"),
    "project_name": ("项目名称", "采购项目名称"),
    "budget": ("预算金额", "采购预算"),
    "award": ("中标（成交）金额", "中标金额", "成交金额"),
}
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
TAGS = re.compile(r"<[^>]+>")
LABEL = re.compile(r"^([\u4e00-\u9fff（）()]{2,14})\s*[:：]\s*(.*)$")  # "采购人：喀什地区公安局"
SECTION_NAME = r"{}信息\s*\n\s*(?:\d+[.、．])?\s*名\s*称\s*[:：]\s*([^\n\t]+)"  # "采购人信息\n名 称：…"


class XjggzySpider(TenderSpider):
    name = "xjggzy"
    portal = "xjggzy"
    blocked_markers: ClassVar[tuple[str, ...]] = BLOCK_MARKERS
    # Let WAF refusals reach the callbacks, so blocked_reason() reports them as blocks rather than
    # HttpErrorMiddleware dropping them as failed requests (429 is RetryAfterMiddleware's).

    def __init__(self, *args: Any, terms: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._terms_arg = terms
        self._window_end: str | None = None

    # -- listing ------------------------------------------------------------------------------

    def streams(self) -> Iterable[Stream]:
        yield Stream(f"category:{CATEGORY_GOVPROC}", {"category": CATEGORY_GOVPROC})
        settings = self.crawler.settings
        terms = self._terms_arg.split(",") if self._terms_arg else settings.getlist("TENDERWATCH_SEARCH_TERMS")
        for term in dict.fromkeys(t.strip() for t in terms if t.strip()):
            yield Stream(f"search:{term}", {"category": CATEGORY_GOVPROC, "term": term})

    def listing_request(self, stream: Stream, page: int) -> scrapy.Request:
        if self._window_end is None:
            self._window_end = f"{utcnow().astimezone(BEIJING):{TIME_FORMAT}}"
        condition: list[dict[str, Any]] = [
            {"fieldName": "categorynum", "isLike": True, "likeType": 2, "equal": stream.params["category"]}]
        if stream.params.get("term"):
            condition.append({"fieldName": "title", "isLike": True, "likeType": 0, "equal": stream.params["term"]})
        body = {
            "token": "", "pn": (page - 1) * PAGE_SIZE, "rn": PAGE_SIZE,
            "sdt": f"{self.window_start.astimezone(BEIJING):{TIME_FORMAT}}", "edt": self._window_end,
            "wd": "", "inc_wd": "", "exc_wd": "", "fields": "title,projectnum,projectname", "cnum": "001",
            "sort": json.dumps({"webdate": "0"}), "ssort": "title", "cl": 200, "terminal": "",
            "condition": condition, "time": None, "highlights": "title", "statistics": None,
            "unionCondition": [], "accuracy": "100", "noParticiple": "0", "searchRange": None, "isBusiness": 1,
        }
        return JsonRequest(SEARCH_URL, data=body, dumps_kwargs={"ensure_ascii": False})

    def parse_listing(self, response: Response, stream: Stream, page: int) -> ListingPage:
        result = _json(response)
        if isinstance(result, dict):
            result = result.get("result")
        if isinstance(result, str):
            try:
                result = json.loads(result)
            except ValueError:
                result = None
        records = result.get("records") if isinstance(result, dict) else None
        if not isinstance(records, list):
            raise LayoutChanged("no result.records list in the search answer")
        entries = [entry for record in records if isinstance(record, dict) and (entry := self._entry(record))]
        if records and not entries:
            raise LayoutChanged("search records without linkurl")
        total = str(result.get("totalcount", "")).strip()
        last = max(1, math.ceil(int(total) / PAGE_SIZE)) if total.isdigit() else None
        return ListingPage(entries, last)

    def _entry(self, record: dict[str, Any]) -> ListingEntry | None:
        link = str(record.get("linkurl") or "").strip()
        if not link:
            return None
        url = link if link.startswith("http") else f"{DETAIL_BASE}/{link.lstrip('/')}"
        title = _clean(str(record.get("title") or record.get("projectname") or ""))
        facts = {"category": str(record.get("categorynum") or ""),
                 "project_name": _clean(str(record.get("projectname") or ""))}
        return ListingEntry(notice_id=notice_id_from(link), url=url, title=title, facts=facts,
                            published_at=parse_cn_datetime(str(record.get("webdate") or "")))

    # -- detail -------------------------------------------------------------------------------

    def parse_detail(self, response: Response, entry: ListingEntry) -> Notice:
        content = response.css(CONTENT_SELECTOR)
        if not content:
            raise LayoutChanged(f"no {CONTENT_SELECTOR}")
        title = next((t for sel in TITLE_SELECTORS if (t := _clean(" ".join(response.css(f"{sel} ::text").getall())))),
                     "") or entry.title or _clean(response.css("title::text").get(""))
        if not title:
            raise LayoutChanged("no title")
        body = html_to_text(content[0].get())
        fields = _intro_fields(response)
        fields.update({k: v for k, v in _body_fields(body).items() if k not in fields})

        def field(name: str) -> str:
            return _field(fields, name)[1]

        buyer = field("buyer") or _section_name(body, "采购人")
        type_label = max((label for label in TYPE_LABELS if label in title), key=len, default="")
        published = entry.published_at or parse_cn_datetime(fields.get("发布时间", ""))
        return Notice(
            portal=self.portal, notice_id=entry.notice_id, url=response.url, title=title,
            notice_type=classify_label(type_label or title), type_label=type_label, buyer=buyer,
            agency=field("agency") or _section_name(body, "采购代理机构"),
            region=_region(buyer, title, fields.get("信息来源", "")), published_at=published,
            project_code=field("project_code"), project_name=field("project_name") or entry.facts.get("project_name", ""),
            budget=_money(fields, "budget"), award_amount=_money(fields, "award"), deadline=publicity_deadline(body),
            suppliers=suppliers_from(content[0], body), goods=goods_from(content[0]), body_text=body,
            attachments=_attachments(response, content[0]), fields=fields,
        )

    # -- blocks -------------------------------------------------------------------------------

    def blocked_reason(self, response: Response) -> str | None:
        reason = super().blocked_reason(response)
        if reason or urlsplit(response.url).path != urlsplit(SEARCH_URL).path:
            return reason
        try:
            json.loads(response.body)
        except ValueError:
            return "non-JSON answer from the search API"
        return None


def notice_id_from(linkurl: str) -> str:
    """The GUID in the link when there is one, else the link's last path segment without .html."""
    if m := GUID.search(linkurl):
        return m.group(0).lower()
    segment = urlsplit(linkurl).path.rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"\.s?html?$", "", segment) or linkurl


def _json(response: Response) -> Any:
    try:
        return json.loads(response.body)
    except ValueError as exc:
        raise LayoutChanged(f"search answer is not JSON: {exc}") from exc


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", TAGS.sub("", text)).strip()


def _intro_fields(response: Response) -> dict[str, str]:
    """"信息来源：喀什地区公共资源交易中心", "发布时间：2026-11-20" from the line under the title."""
    fields = {}
    for span in response.css(INTRO_SELECTOR):
        if m := LABEL.match(_clean(" ".join(span.css("::text").getall()))):
            fields.setdefault(m.group(1), m.group(2).strip())
    return fields


def _body_fields(body: str) -> dict[str, str]:
    """"标签：值" cells, and label/value cell pairs of table rows (tab-separated in the body text)."""
    fields: dict[str, str] = {}
    for line in body.split("\n"):
        cells = line.split("\t")
        for cell in cells:
            if (m := LABEL.match(cell.strip())) and m.group(2).strip():
                fields.setdefault(m.group(1), m.group(2).strip())
        if len(cells) >= 2 and len(cells) % 2 == 0:
            for label, value in zip(cells[::2], cells[1::2], strict=True):
                label = label.strip().rstrip(":：")
                if re.fullmatch(r"[\u4e00-\u9fff（）()]{2,14}", label) and value.strip():
                    fields.setdefault(label, value.strip())
    return fields


def _section_name(body: str, section: str) -> str:
    m = re.search(SECTION_NAME.format(section), body)
    return m.group(1).strip() if m else ""


def _field(fields: dict[str, str], name: str) -> tuple[str, str]:
    """(label, value) of the first DETAIL_LABELS[name] label present: exactly, or with a unit in
    brackets ("预算金额（万元）"); "采购人地址" is not "采购人"."""
    for label in DETAIL_LABELS[name]:
        for key, value in fields.items():
            if value and (key == label or key.startswith((f"{label}（", f"{label}("))):
                return key, value
    return "", ""


def _money(fields: dict[str, str], name: str) -> Money | None:
    key, value = _field(fields, name)
    unit = "万元" if "万元" in key and "万" not in value else ""  # "预算金额（万元）\t38.6"
    return parse_amount(value + unit) if value else None


def _region(*texts: str) -> str:
    for text in texts:
        city = next((full for short, full in CITIES if short in text), None)
        if city:
            return REGION + city
    return REGION


def _attachments(response: Response, content: Any) -> list[Attachment]:
    """Links in the notice text to documents: by the href's extension, or the link text's (Epoint
    download links, ``…/downloadztbattach?attachGuid=…``, carry the file name only in their text)."""
    found: dict[str, Attachment] = {}
    for link in content.css("a[href]"):
        href = link.attrib["href"].strip()
        name = _clean(" ".join(link.css("::text").getall()))
        path = urlsplit(href).path.lower()
        if not (path.endswith(ATTACHMENT_EXTENSIONS) or name.lower().endswith(ATTACHMENT_EXTENSIONS)):
            continue
        url = response.urljoin(href)
        found.setdefault(url, Attachment(name=name or path.rsplit("/", 1)[-1], url=url))
    return list(found.values())

