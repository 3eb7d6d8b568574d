"""The national public-resource platform spider (www.ggzy.gov.cn) offline, on recorded-shape fixtures."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from spiders.base import LayoutChanged, ListingEntry, Stream
from spiders.ggzy import GgzySpider
from tenderwatch.model import BEIJING, NoticeType
from tenderwatch.store import utcnow
from tests.conftest import FIXTURES

GGZY = FIXTURES / "ggzy"
LIST = "https://www.ggzy.gov.cn/information/pubTradingInfo/getTradList"
STREAM = Stream("650000:2026-11-21", {"province": "650000", "day": "2026-11-21"})


def spider() -> GgzySpider:
    s = GgzySpider.from_crawler(get_crawler(GgzySpider, {"TENDERWATCH_DB": ""}))
    s.window_start = utcnow() - timedelta(days=2)
    return s


def json_response(name: str, url: str = LIST) -> TextResponse:
    return TextResponse(url=url, body=(GGZY / name).read_bytes(), headers={"Content-Type": b"application/json"},
                        request=Request(url))


def test_streams_are_one_province_and_one_day_each_newest_first() -> None:
    streams = list(spider().streams())
    provinces = {s.params["province"] for s in streams}
    assert provinces == {"650000", "660000"}
    days = [s.params["day"] for s in streams if s.params["province"] == "650000"]
    assert days == sorted(days, reverse=True)
    assert 3 <= len(days) <= 4


def test_listing_request_is_a_form_without_keyword() -> None:
    request = spider().listing_request(STREAM, 3)
    assert (request.method, request.url) == ("POST", LIST)
    form = parse_qs(request.body.decode(), keep_blank_values=True)
    assert form["DEAL_PROVINCE"] == ["650000"]
    assert form["DEAL_CLASSIFY"] == ["02"]
    assert form["TIMEBEGIN"] == form["TIMEEND"] == ["2026-11-21"]
    assert form["PAGENUMBER"] == ["3"]
    assert form["FINDTXT"] == [""]  # an unmatched keyword would return everything: filter locally
    assert request.headers["Referer"].startswith(b"https://www.ggzy.gov.cn/deal/dealList.html")


def test_listing_records() -> None:
    page = spider().parse_listing(json_response("gettradlist_xinjiang.json"), STREAM, 1)
    assert page.last_page == 1
    police, contract, hospital = page.entries
    assert hospital.facts["info_type"] == "成交公示"
    assert police.notice_id == "0036b7c0a1d94f1e8c2a9b5d7e3f6a1c2b4d"
    assert police.url == ("https://www.ggzy.gov.cn/information/deal/html/a/650000/0201/20261121/"
                          "0036b7c0a1d94f1e8c2a9b5d7e3f6a1c2b4d.html")
    assert police.published_at == datetime(2026, 11, 21, 23, 59, tzinfo=BEIJING)
    assert contract.facts["info_type"] == "采购合同"
    assert spider().detail_request(police).url == police.url.replace("/html/a/", "/html/b/")


@pytest.mark.parametrize(("name", "reason"), [("code_800.json", "too frequent (code 800)"),
                                              ("code_829.json", "captcha required (code 829)")])
def test_business_codes_800_and_829_are_blocks(name: str, reason: str) -> None:
    assert spider().blocked_reason(json_response(name)) == reason


def test_other_answers() -> None:
    s = spider()
    assert s.blocked_reason(json_response("gettradlist_xinjiang.json")) is None
    html = TextResponse(url=LIST, body=b"<html>waf</html>", request=Request(LIST))
    assert s.blocked_reason(html) == "non-JSON answer from the JSON API (WAF?)"
    with pytest.raises(LayoutChanged, match="804"):
        s.parse_listing(json_response("code_804.json"), STREAM, 1)


def entry(record: int) -> ListingEntry:
    return spider().parse_listing(json_response("gettradlist_xinjiang.json"), STREAM, 1).entries[record]


def test_detail_with_text() -> None:
    police = entry(0)
    url = police.url.replace("/html/a/", "/html/b/")
    notice = spider().parse_detail(HtmlResponse(url=url, body=(GGZY / "detail_b_police.html").read_bytes(),
                                                request=Request(url)), police)
    assert notice.key == "ggzy:0036b7c0a1d94f1e8c2a9b5d7e3f6a1c2b4d"
    assert notice.url == police.url  # the record's address, not the text twin
    assert notice.title == "喀什地区公安局物证鉴定所DNA检测试剂单一来源采购公示"
    assert notice.notice_type is NoticeType.SINGLE_SOURCE  # the title says more than the list's type
    assert notice.published_at == datetime(2026, 11, 21, 10, 32, tzinfo=BEIJING)
    assert notice.buyer == "喀什地区公安局物证鉴定所"
    assert notice.project_code == "KSGA-2026-117"
    assert str(notice.budget) == "¥392,000.00"
    assert notice.region == "新疆维吾尔自治区喀什地区"
    assert [(g.brand, g.model) for g in notice.goods] == [("普洛麦格", "PowerPlex Fusion 6C")]
    assert "PowerPlex® Fusion 6C" in notice.body_text
    assert [a.url for a in notice.attachments] == ["https://www.ggzy.gov.cn/files/KSGA-2026-117.pdf"]
    assert notice.fields["platform"] == "新疆维吾尔自治区公共资源交易网"


def test_detail_without_text_keeps_what_the_list_said() -> None:
    contract = entry(1)
    url = contract.url.replace("/html/a/", "/html/b/")
    notice = spider().parse_detail(HtmlResponse(url=url, body=(GGZY / "detail_b_empty.html").read_bytes(),
                                                request=Request(url)), contract)
    assert notice.notice_type is NoticeType.CONTRACT
    assert notice.body_text == ""
    assert notice.region == "新疆生产建设兵团第八师"
    assert notice.fields["original_url"] == "http://ggzy.xjbt.gov.cn/jygk/004002/x.html"


def test_the_a_shell_is_a_layout_change_not_a_notice() -> None:
    url = "https://www.ggzy.gov.cn/information/deal/html/a/650000/0201/20261121/x.html"
    with pytest.raises(LayoutChanged):
        spider().parse_detail(HtmlResponse(url=url, body=(GGZY / "detail_a_shell.html").read_bytes(),
                                           request=Request(url)), entry(0))
