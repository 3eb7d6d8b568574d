"""Offline parser tests from raw-byte fixtures (two real captured pages, the rest authored)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from spiders.base import LayoutChanged, ListingEntry, Stream
from spiders.ccgp import CcgpSpider
from tenderwatch.model import BEIJING, Money, NoticeType

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ccgp"
BASE = "https://www.ccgp.gov.cn/cggg/dfgg"


def response(name: str | bytes, url: str, charset: str = "utf-8") -> HtmlResponse:
    body = name if isinstance(name, bytes) else (FIXTURES / name).read_bytes()
    return HtmlResponse(url, body=body, request=Request(url), headers={"Content-Type": f"text/html; charset={charset}"})


def parse(name: str | bytes, url: str, charset: str = "utf-8"):
    return CcgpSpider().parse_detail(response(name, url, charset), ListingEntry(notice_id="x", url=url))


def test_real_guizhou_award_page() -> None:
    notice = parse("detail_zbgg_guizhou_real.html", f"{BASE}/zbgg/202506/t20250627_24812345.htm")
    assert notice.notice_type is NoticeType.AWARD
    assert notice.type_label == "中标公告"
    assert notice.buyer == "清镇市麦格苗族布依族乡人民政府"
    assert notice.region == "贵州省"
    assert notice.published_at == datetime(2025, 6, 27, 17, 52, tzinfo=BEIJING)
    assert notice.award_amount == Money(Decimal(569800))
    assert notice.project_code == "LKZX2025-CG013"
    assert notice.agency == "贵州励柯工程咨询有限公司"
    assert [s.name for s in notice.suppliers] == ["江苏新煦光电科技有限公司"]
    assert [(g.brand, g.model, g.quantity) for g in notice.goods] == [("详见附件", "详见附件", "1")]
    assert [a.name for a in notice.attachments] == ["中标（成交）结果公告.pdf", "中标结果文件压缩包.zip"]
    assert "四、主要标的信息" in notice.body_text


def test_real_shandong_excerpt_suppliers_and_spaced_labels() -> None:
    notice = parse("detail_zbgg_shandong_real_excerpt.html", f"{BASE}/zbgg/202507/t20250714_24900001.htm")
    assert [s.name for s in notice.suppliers] == ["中建八局第二建设有限公司", "中建八局东南建设有限公司"]
    assert notice.award_amount == Money(Decimal("106185203.89"))
    assert notice.project_code == "SDGP370000000202502005150"


def test_single_source_notice() -> None:
    notice = parse("detail_dylygg_xinjiang_authored.html", f"{BASE}/dylygg/202611/t20261120_27300001.htm")
    assert notice.notice_type is NoticeType.SINGLE_SOURCE
    assert notice.budget == Money(Decimal(865000))
    assert [s.name for s in notice.suppliers] == ["乌鲁木齐示例生物科技有限公司"]
    assert notice.deadline == datetime(2026, 11, 27, tzinfo=BEIJING)
    assert "PowerPlex® 21" in notice.body_text  # inline <b> did not split the word


def test_gbk_page_decodes_by_its_own_charset() -> None:
    text = (FIXTURES / "detail_dylygg_xinjiang_authored.html").read_text(encoding="utf-8")
    gbk = text.replace("charset=utf-8", "charset=gbk").replace("®", "").encode("gbk")
    notice = parse(gbk, f"{BASE}/dylygg/202611/t20261120_27300001.htm", charset="gbk")
    assert notice.buyer == "乌鲁木齐市公安局刑事科学技术研究所"


def test_layout_change_is_loud() -> None:
    with pytest.raises(LayoutChanged):
        parse(b"<html><body><div class='new-layout'>x</div></body></html>", f"{BASE}/zbgg/t20250101_1.htm")


def test_channel_list_scopes_regions_and_reads_dates() -> None:
    spider = CcgpSpider()
    from scrapy.utils.test import get_crawler

    spider.crawler = get_crawler(CcgpSpider)
    spider.crawler.settings.frozen = False
    spider.crawler.settings.set("CCGP_REGIONS", ["新疆"])
    page = spider.parse_listing(response("list_dylygg_authored.html", f"{BASE}/dylygg/index.htm"),
                                Stream("channel:dfgg/dylygg", {"section": "dfgg", "channel": "dylygg"}), 1)
    assert [(e.notice_id, e.wanted) for e in page.entries] == [("27300001", True), ("27300002", False)]
    assert page.entries[0].published_at == datetime(2026, 11, 20, 11, 5, tzinfo=BEIJING)
    assert page.last_page == 1


@pytest.mark.parametrize("text", ["您的访问过于频繁，请稍后再试", "<title>安全验证</title>"])
def test_block_pages(text: str) -> None:
    assert CcgpSpider().blocked_reason(response(f"<html>{text}</html>".encode(), SEARCH := "https://search.ccgp.gov.cn/bxsearch"))
    assert SEARCH


def test_captcha_word_in_a_comment_is_not_a_block() -> None:
    assert CcgpSpider().blocked_reason(response("<html><!-- 验证码 --><ul></ul></html>".encode(),
                                                "https://search.ccgp.gov.cn/bxsearch")) is None


def test_search_results_with_ohtmlurls_fallback_and_pager() -> None:
    spider = CcgpSpider()
    page = spider.parse_listing(response("bxsearch_authored.html", "https://search.ccgp.gov.cn/bxsearch?kw=x"),
                                Stream("search:普洛麦格", {"kw": "普洛麦格"}), 1)
    assert [e.notice_id for e in page.entries] == ["27300001", "27299999"]
    assert page.entries[1].url == "http://www.ccgp.gov.cn/cggg/dfgg/zbgg/202611/t20261119_27299999.htm"
    assert page.entries[0].published_at == datetime(2026, 11, 20, 11, 5, tzinfo=BEIJING)
    assert page.entries[0].facts["buyer"] == "乌鲁木齐市公安局刑事科学技术研究所"
    assert page.entries[0].facts["type"] == "单一来源公告"
    assert "普洛麦格" in page.entries[0].title
    assert page.last_page == 3
    with pytest.raises(LayoutChanged):
        spider.parse_listing(response(b"<html><body>new search UI</body></html>", "https://search.ccgp.gov.cn/bxsearch"),
                             Stream("search:x", {"kw": "x"}), 1)
