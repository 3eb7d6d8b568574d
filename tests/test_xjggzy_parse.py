"""Offline tests of the Xinjiang public-resource spider, from raw-byte fixtures (all AUTHORED, see each _note)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from spiders.base import LayoutChanged, ListingEntry, Stream
from spiders.xjggzy import SEARCH_URL, XjggzySpider, notice_id_from
from tenderwatch.model import BEIJING, Money, NoticeType

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "xjggzy"
DETAIL = "https://ggzy.xinjiang.gov.cn/xinjiangggzy/jyxx/001004/001004003"
POLICE_URL = f"{DETAIL}/20261120/3f6c2a1e-8b4d-4c7a-9e21-5d0b7a4c91e2.html"
HOSPITAL_URL = f"{DETAIL}/20261119/b7e04d5a-2c19-4f3e-8a61-0e9d4c2b7f35.html"
EPOINT_DOWNLOAD = ("https://ggzy.xinjiang.gov.cn/EpointWebBuilder/WebbuilderMIS/attach/downloadZtbAttach.jspx"
                   "?attachGuid=9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d&appUrlFlag=ztb")  # file name only in the link text
CATEGORY = Stream("category:001004003", {"category": "001004003"})


def spider(**settings: Any) -> XjggzySpider:
    crawler = get_crawler(XjggzySpider, settings_dict=settings)
    return XjggzySpider.from_crawler(crawler)


def json_response(body: bytes, status: int = 200, content_type: str = "application/json;charset=UTF-8") -> TextResponse:
    return TextResponse(SEARCH_URL, body=body, status=status, request=Request(SEARCH_URL, method="POST"),
                        headers={"Content-Type": content_type})


def html_response(name: str, url: str) -> HtmlResponse:
    # No charset in the headers: the page's own meta tag must decide the decoding.
    return HtmlResponse(url, body=(FIXTURES / name).read_bytes(), request=Request(url),
                        headers={"Content-Type": "text/html"})


def request_body(request: Request) -> dict[str, Any]:
    return json.loads(request.body)


def test_first_requests_build_offline_for_every_stream() -> None:
    s = spider(TENDERWATCH_SEARCH_TERMS=["普洛麦格", "PowerPlex", "普洛麦格", " "])
    streams = list(s.streams())
    assert [st.id for st in streams] == ["category:001004003", "search:普洛麦格", "search:PowerPlex"]
    for stream in streams:
        request = s.listing_request(stream, 1)
        assert request.method == "POST"
        assert request.url == SEARCH_URL
        assert request.headers[b"Content-Type"] == b"application/json"
        body = request_body(request)
        assert (body["pn"], body["rn"]) == (0, 20)
        assert json.loads(body["sort"]) == {"webdate": "0"}
        assert body["condition"][0] == {"fieldName": "categorynum", "isLike": True, "likeType": 2,
                                         "equal": "001004003"}
        sdt = datetime.strptime(body["sdt"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
        edt = datetime.strptime(body["edt"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
        assert abs(sdt - s.window_start) < timedelta(seconds=1)  # the look-back window, in Beijing time
        assert abs(edt - datetime.now(UTC)) < timedelta(minutes=1)
        assert edt - sdt > timedelta(days=6)
        terms = [c["equal"] for c in body["condition"][1:]]
        assert terms == ([stream.params["term"]] if "term" in stream.params else [])
    term = request_body(s.listing_request(streams[1], 1))["condition"][1]
    assert term == {"fieldName": "title", "isLike": True, "likeType": 0, "equal": "普洛麦格"}


def test_window_start_is_sent_as_beijing_wall_clock() -> None:
    s = spider()
    s.window_start = datetime(2026, 11, 13, 16, 30, tzinfo=UTC)
    assert request_body(s.listing_request(CATEGORY, 1))["sdt"] == "2026-11-14 00:30:00"


def test_terms_argument_overrides_the_setting() -> None:
    crawler = get_crawler(XjggzySpider, settings_dict={"TENDERWATCH_SEARCH_TERMS": ["赛默飞"]})
    s = XjggzySpider.from_crawler(crawler, terms="STR试剂盒,PowerPlex")
    assert [st.id for st in s.streams()][1:] == ["search:STR试剂盒", "search:PowerPlex"]


def test_later_pages_are_record_offsets_in_the_same_window() -> None:
    s = spider()
    first, second, third = (request_body(s.listing_request(CATEGORY, page)) for page in (1, 2, 3))
    assert (first["pn"], second["pn"], third["pn"]) == (0, 20, 40)
    assert first["edt"] == second["edt"] == third["edt"]
    assert first["sdt"] == second["sdt"]


def test_search_listing_entries() -> None:
    page = spider().parse_listing(json_response((FIXTURES / "search_govproc.json").read_bytes()), CATEGORY, 1)
    assert [e.notice_id for e in page.entries] == ["3f6c2a1e-8b4d-4c7a-9e21-5d0b7a4c91e2",
                                                    "b7e04d5a-2c19-4f3e-8a61-0e9d4c2b7f35",
                                                    "0c5d9e71-4a6b-4f20-b3c8-7e1a2d9f6054"]
    police = page.entries[0]
    assert police.url == POLICE_URL
    assert police.published_at == datetime(2026, 11, 20, 18, 32, 10, tzinfo=BEIJING)
    assert police.published_at.utcoffset() == timedelta(hours=8)
    assert police.title == "喀什地区公安局PowerPlex 21 试剂盒采购项目单一来源公示"
    assert police.facts["category"] == "001004003"
    dates = [e.published_at for e in page.entries]
    assert dates == sorted(dates, reverse=True)  # newest first, as the base's paging expects
    assert "兵团" in page.entries[2].title
    assert page.last_page == 1


@pytest.mark.parametrize(("total", "last"), [(0, 1), (20, 1), (21, 2), (1000, 50), ("41", 3)])
def test_last_page_from_totalcount(total: int | str, last: int) -> None:
    body = json.dumps({"result": {"totalcount": total, "records": []}}).encode()
    assert spider().parse_listing(json_response(body), CATEGORY, 1).last_page == last


def test_highlighted_titles_and_links_without_a_guid() -> None:
    record = {"linkurl": "/jyxx/001004/001004003/20261118/20261118093015.html", "webdate": "2026-11-18 09:30:15",
              "title": "第一师<font color='red'>PowerPlex</font>试剂采购公告", "categorynum": "001004003"}
    body = json.dumps({"result": {"totalcount": 1, "records": [record]}}, ensure_ascii=False).encode()
    (entry,) = spider().parse_listing(json_response(body), CATEGORY, 1).entries
    assert entry.title == "第一师PowerPlex试剂采购公告"
    assert entry.notice_id == "20261118093015"
    assert notice_id_from("/jyxx/x/3F6C2A1E-8B4D-4C7A-9E21-5D0B7A4C91E2.html") == "3f6c2a1e-8b4d-4c7a-9e21-5d0b7a4c91e2"


@pytest.mark.parametrize("body", [
    (FIXTURES / "search_no_records.json").read_bytes(),
    b'{"result": {"totalcount": 5}}',
    b'{"result": {"totalcount": 1, "records": [{"title": "no link"}]}}',
    b"[]",
])
def test_unexpected_listing_shape_is_a_layout_change(body: bytes) -> None:
    with pytest.raises(LayoutChanged):
        spider().parse_listing(json_response(body), CATEGORY, 1)


def police_notice() -> Any:
    entry = ListingEntry(notice_id="3f6c2a1e-8b4d-4c7a-9e21-5d0b7a4c91e2", url=POLICE_URL,
                         published_at=datetime(2026, 11, 20, 18, 32, 10, tzinfo=BEIJING), title="listing title")
    return spider().parse_detail(html_response("detail_police_single_source_gbk.html", POLICE_URL), entry)


def test_gbk_fixture_is_really_gbk() -> None:
    raw = (FIXTURES / "detail_police_single_source_gbk.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "喀什地区公安局" in raw.decode("gbk")


def test_gbk_single_source_detail() -> None:
    notice = police_notice()
    assert notice.title == "喀什地区公安局PowerPlex 21 试剂盒采购项目单一来源公示"
    assert notice.buyer == "喀什地区公安局"  # not 采购人地址
    assert notice.agency == "新疆天山示例项目管理有限公司"
    assert notice.project_code == "KSGA-DYLY-2026-0112"
    assert notice.project_name == "喀什地区公安局PowerPlex 21 试剂盒采购项目"
    assert notice.budget == Money(Decimal(386000))
    assert notice.notice_type is NoticeType.SINGLE_SOURCE
    assert notice.type_label == "单一来源公示"
    assert notice.region == "新疆维吾尔自治区喀什地区"
    assert notice.published_at == datetime(2026, 11, 20, 18, 32, 10, tzinfo=BEIJING)
    assert notice.deadline == datetime(2026, 11, 27, tzinfo=BEIJING)
    assert "PowerPlex 21" in notice.body_text  # the inline <span> did not split the word
    assert "普洛麦格" in notice.body_text
    assert "首页" not in notice.body_text  # only the content div
    assert [s.name for s in notice.suppliers] == ["喀什示例生物科技有限公司"]
    assert [(a.name, a.url) for a in notice.attachments] == [
        ("附件1.pdf", "https://ggzy.xinjiang.gov.cn/xinjiangggzy/attach/2026/11/20/KSGA-DYLY-2026-0112-1.pdf")]
    assert notice.fields["信息来源"] == "喀什地区公共资源交易中心"
    assert (notice.portal, notice.notice_id, notice.url) == ("xjggzy", "3f6c2a1e-8b4d-4c7a-9e21-5d0b7a4c91e2",
                                                             POLICE_URL)


def test_utf8_award_detail_with_tables() -> None:
    entry = ListingEntry(notice_id="b7e04d5a-2c19-4f3e-8a61-0e9d4c2b7f35", url=HOSPITAL_URL)
    notice = spider().parse_detail(html_response("detail_hospital_utf8.html", HOSPITAL_URL), entry)
    assert notice.title == "新疆医科大学第一附属医院法医物证实验室耗材采购项目中标结果公告"  # h3 fallback
    assert notice.notice_type is NoticeType.AWARD
    assert notice.type_label == "中标结果公告"
    assert notice.buyer == "新疆医科大学第一附属医院"
    assert notice.agency == "新疆示例招标代理有限公司"
    assert notice.project_code == "XJYK-2026-GK-0345"
    assert notice.budget == Money(Decimal(1265000))  # 预算金额（万元） 126.5
    assert notice.award_amount == Money(Decimal(1180000))
    assert notice.region == "新疆维吾尔自治区"
    assert notice.published_at == datetime(2026, 11, 19, 16, 5, tzinfo=BEIJING)  # from the page: no webdate
    assert [s.name for s in notice.suppliers] == ["乌鲁木齐示例医疗器械有限公司"]
    assert [(g.name, g.brand, g.model) for g in notice.goods] == [("STR检测试剂盒", "赛默飞", "GlobalFiler"),
                                                                  ("毛细管电泳耗材", "Applied Biosystems", "3500 POP-7")]
    assert [(a.name, a.url) for a in notice.attachments] == [
        ("中标通知书.pdf", EPOINT_DOWNLOAD),
        ("分项报价表", "https://ggzy.xinjiang.gov.cn/xinjiangggzy/attach/2026/11/19/xjyk-0345-list.xlsx")]


def test_detail_without_content_div_is_a_layout_change() -> None:
    page = HtmlResponse(POLICE_URL, body="<html><body><h3>标题</h3><div class='new'>x</div></body></html>".encode(),
                        headers={"Content-Type": "text/html; charset=utf-8"})
    with pytest.raises(LayoutChanged):
        spider().parse_detail(page, ListingEntry(notice_id="x", url=POLICE_URL))


def test_waf_page_in_place_of_the_json_answer_is_blocked() -> None:
    waf = (FIXTURES / "waf_block.html").read_bytes()
    reason = spider().blocked_reason(json_response(waf, content_type="text/html; charset=utf-8"))
    assert reason
    assert "acw_sc__v2" in reason


def test_any_non_json_search_answer_is_blocked_but_html_details_are_not() -> None:
    s = spider()
    page = b"<html><body>\xe8\xaf\xb7\xe7\xa8\x8d\xe5\x90\x8e\xe5\x86\x8d\xe8\xaf\x95</body></html>"
    assert s.blocked_reason(json_response(page, content_type="text/html")) == "non-JSON answer from the search API"
    assert s.blocked_reason(json_response(b"")) == "non-JSON answer from the search API"
    assert s.blocked_reason(html_response("detail_hospital_utf8.html", HOSPITAL_URL)) is None
    assert s.blocked_reason(html_response("detail_police_single_source_gbk.html", POLICE_URL)) is None
    assert s.blocked_reason(html_response("waf_block.html", POLICE_URL))  # the WAF also guards detail pages


def test_http_405_is_blocked_and_reaches_the_callbacks() -> None:
    assert spider().blocked_reason(json_response(b'{"result": {"totalcount": 0, "records": []}}', status=405))
    assert 405 in XjggzySpider.handle_httpstatus_list  # else HttpErrorMiddleware drops it as a failure


def test_normal_json_answers_are_not_blocked() -> None:
    s = spider()
    assert s.blocked_reason(json_response((FIXTURES / "search_govproc.json").read_bytes())) is None
    assert s.blocked_reason(json_response((FIXTURES / "search_no_records.json").read_bytes())) is None
