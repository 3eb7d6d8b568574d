from __future__ import annotations

import pytest

from tenderwatch.extensions import classify_poll
from tenderwatch.model import NoticeType
from tenderwatch.notice_types import classify_label


@pytest.mark.parametrize(("label", "expected"), [
    ("单一来源公告和公示", NoticeType.SINGLE_SOURCE),
    ("单一来源采购公示", NoticeType.SINGLE_SOURCE),
    ("中标公告", NoticeType.AWARD),
    ("成交公告", NoticeType.AWARD),
    ("中标(成交)结果公告", NoticeType.AWARD),
    ("更正公告", NoticeType.CORRECTION),
    ("废标/流标/终止公告", NoticeType.TERMINATION),
    ("公开招标公告", NoticeType.TENDER),
    ("竞争性磋商公告", NoticeType.TENDER),
    ("合同公告", NoticeType.CONTRACT),
    ("采购意向公开", NoticeType.INTENTION),
    ("其他公告", NoticeType.OTHER),
])
def test_labels(label: str, expected: NoticeType) -> None:
    assert classify_label(label) is expected


@pytest.mark.parametrize(("stats", "reason", "outcome"), [
    ({"tenderwatch/listing_pages": 3, "tenderwatch/notices_new": 2}, "finished", "ok"),
    ({"tenderwatch/blocked": "block page (访问过于频繁) at https://search.ccgp.gov.cn/bxsearch"}, "blocked",
     "blocked"),
    ({"tenderwatch/request_failures/listing": 4}, "finished", "failed"),
    ({"tenderwatch/request_failures/listing": 1, "tenderwatch/listing_pages": 6}, "finished", "failed"),  # one stream
    ({"tenderwatch/request_failures/detail": 1, "tenderwatch/listing_pages": 6, "tenderwatch/details_parsed": 3},
     "finished", "ok"),
    ({"tenderwatch/listing_pages": 1}, "shutdown", "failed"),
    ({"tenderwatch/listing_pages": 2, "tenderwatch/layout_changed/listing": 1}, "finished", "broken"),
    ({"tenderwatch/listing_pages": 2, "tenderwatch/layout_changed/detail": 1, "tenderwatch/parse_errors/detail": 1,
      "tenderwatch/details_parsed": 5}, "finished", "ok"),
    ({"tenderwatch/listing_pages": 2, "tenderwatch/parse_errors/detail": 4, "tenderwatch/details_parsed": 1},
     "finished", "broken"),
    ({"tenderwatch/listing_pages": 2, "tenderwatch/parse_errors/detail": 1, "tenderwatch/details_parsed": 9},
     "finished", "ok"),
])
def test_poll_outcomes(stats: dict[str, object], reason: str, outcome: str) -> None:
    assert classify_poll(stats, reason)[0] == outcome
