"""The Zhengcaiyun spiders (Xinjiang and Bingtuan government procurement) offline, on recorded-shape fixtures."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from spiders.base import LayoutChanged, ListingEntry, Stream
from spiders.ccgp_bingtuan import CcgpBingtuanSpider
from spiders.ccgp_xinjiang import CcgpXinjiangSpider
from tenderwatch.model import BEIJING, NoticeType
from tests.conftest import FIXTURES

ZCY = FIXTURES / "zcy"
POLICE = "Q8n+Xj3/kA1bZpT0w9YcVg=="


def spider(cls: type = CcgpXinjiangSpider) -> CcgpXinjiangSpider:
    return cls.from_crawler(get_crawler(cls, {"TENDERWATCH_DB": ""}))


def response(url: str, name: str, status: int = 200, ctype: bytes = b"application/json;charset=UTF-8") -> TextResponse:
    return TextResponse(url=url, body=(ZCY / name).read_bytes(), status=status, headers={"Content-Type": ctype},
                        request=Request(url))


def test_listing_request_posts_the_category_district_and_window() -> None:
    s = spider()
    request = s.listing_request(Stream("category:ZcyAnnouncement3012", {"categoryCode": "ZcyAnnouncement3012"}), 2)
    assert (request.method, request.url) == ("POST", "https://www.ccgp-xinjiang.gov.cn/portal/category")
    body = json.loads(request.body)
    assert (body["pageNo"], body["pageSize"], body["categoryCode"]) == (2, 15, "ZcyAnnouncement3012")
    assert body["districtCode"] == ["650000"]
    assert body["publishDateBegin"] <= body["publishDateEnd"]
    assert request.headers["Content-Type"] == b"application/json;charset=UTF-8"
    bt = json.loads(spider(CcgpBingtuanSpider).listing_request(Stream("c", {"categoryCode": "ZcyAnnouncement4"}),
                                                               1).body)
    assert bt["districtCode"][:3] == ["660000", "660199", "660299"]
    assert bt["districtCode"][-1] == "661499"
    assert (bt["isGov"], bt["excludeDistrictPrefix"]) == (True, ["9Y"])


def test_listing_entries_with_encoded_article_ids() -> None:
    s = spider()
    stream = Stream("category:ZcyAnnouncement3012", {"categoryCode": "ZcyAnnouncement3012"})
    page = s.parse_listing(response("https://www.ccgp-xinjiang.gov.cn/portal/category", "category_single_source.json"),
                           stream, 1)
    assert page.last_page == 1
    police, hospital = page.entries
    assert police.notice_id == POLICE
    assert police.url == ("https://www.ccgp-xinjiang.gov.cn/site/detail?parentId=3661"
                          "&articleId=Q8n%2BXj3%2FkA1bZpT0w9YcVg%3D%3D")
    assert police.published_at == datetime(2026, 11, 20, 11, 5, tzinfo=BEIJING)
    assert police.facts["pathName"] == "单一来源公示"
    assert hospital.published_at < police.published_at  # newest first
    detail = s.detail_request(police)
    query = parse_qs(urlsplit(detail.url).query)
    assert query["articleId"] == [POLICE]  # decodes back exactly: '+' '/' '=' were encoded
    assert "articleId=Q8n%2BXj3%2FkA1bZpT0w9YcVg%3D%3D" in detail.url
    assert query["parentId"] == ["3661"]


def test_a_moved_list_is_a_layout_change() -> None:
    with pytest.raises(LayoutChanged):
        spider().parse_listing(response("https://www.ccgp-xinjiang.gov.cn/portal/category", "category_unexpected.json"),
                               Stream("c", {"categoryCode": "ZcyAnnouncement3012"}), 1)


def test_detail_of_a_police_single_source_notice() -> None:
    s = spider()
    entry = ListingEntry(notice_id=POLICE, url=s.human_url(POLICE),
                         facts={"categoryCode": "ZcyAnnouncement3012", "pathName": "单一来源公示",
                                "districtName": "新疆维吾尔自治区乌鲁木齐市"})
    notice = s.parse_detail(response(s.detail_request(entry).url, "detail_police_single_source.json"), entry)
    assert notice.key == f"ccgp_xinjiang:{POLICE}"
    assert notice.title == "乌鲁木齐市公安局刑事科学技术研究所DNA检测试剂单一来源采购公示"
    assert notice.notice_type is NoticeType.SINGLE_SOURCE
    assert notice.buyer == "乌鲁木齐市公安局刑事科学技术研究所"
    assert notice.agency == "新疆某某招标代理有限公司"
    assert notice.project_code == "XJWLMQ-2026-0871"
    assert notice.region == "新疆维吾尔自治区乌鲁木齐市"
    assert str(notice.budget) == "¥569,800.00"
    assert notice.deadline is not None
    assert notice.deadline.date().isoformat() == "2026-11-27"
    assert "PowerPlex® 21" in notice.body_text  # <span>Power</span><span>Plex</span> reads as one word
    assert [s.name for s in notice.suppliers] == ["新疆某某生物科技有限公司"]
    assert {(a.name, a.url) for a in notice.attachments} == {
        ("货物清单.xlsx", "https://zcy-gov-open-doc.oss-cn-north-2-gov-1.aliyuncs.com/1023FPub/650100/10/2026/11/abc.xlsx"),
        ("技术参数.pdf", "https://www.ccgp-xinjiang.gov.cn/files/dna-kit-spec.pdf"),
    }
    assert notice.url == entry.url  # the human page, not the API


def test_detail_of_a_hospital_notice() -> None:
    s = spider()
    entry = ListingEntry(notice_id="x", url="u", facts={"categoryCode": "ZcyAnnouncement3012"})
    notice = s.parse_detail(response("https://www.ccgp-xinjiang.gov.cn/portal/detail?articleId=x",
                                     "detail_hospital.json"), entry)
    assert notice.buyer == "新疆医科大学第一附属医院"
    assert notice.project_code == "XJYK-2026-0301"
    assert notice.attachments == []


def test_a_waf_challenge_instead_of_json_is_a_block() -> None:
    s = spider()
    waf = response("https://www.ccgp-xinjiang.gov.cn/portal/category", "waf_challenge.html",
                   ctype=b"text/html; charset=utf-8")
    assert "acw_sc__v2" in (s.blocked_reason(waf) or "")
    plain = TextResponse(url="https://www.ccgp-xinjiang.gov.cn/portal/category", body=b"<html>busy</html>",
                         request=Request("https://www.ccgp-xinjiang.gov.cn/portal/category"))
    assert s.blocked_reason(plain) == "non-JSON answer from the JSON API (WAF challenge?)"
    assert s.blocked_reason(response("https://www.ccgp-xinjiang.gov.cn/portal/category",
                                     "category_single_source.json")) is None
    assert s.blocked_reason(response("https://www.ccgp-xinjiang.gov.cn/portal/category", "category_single_source.json",
                                     status=405)) == "HTTP 405"
