"""Xinjiang Production and Construction Corps (兵团) government procurement, ccgp-bingtuan.gov.cn
(Zhengcaiyun platform).

Codes from public scrapers (../shared/portal-fixtures/README.md §2.2): parentId 189169 with the
body extras isGov/excludeDistrictPrefix [M]; districts 660000 兵团 and 660199…661499 (第一师…第十四师)
[M]; ZcyAnnouncement1 采购公示, 3 更正, 4 结果, 5 合同, 3012 单一来源 [M]. An acw_sc__v2 challenge has been
observed on the list API [M]: it ends the poll as blocked.
"""

from __future__ import annotations

from typing import Any, ClassVar

from spiders.zcy import ZcySpider
from tenderwatch.model import NoticeType


class CcgpBingtuanSpider(ZcySpider):
    name = "ccgp_bingtuan"
    portal = "ccgp_bingtuan"
    base_url = "http://ccgp-bingtuan.gov.cn"
    parent_id = "189169"
    region_name = "新疆生产建设兵团"
    district_codes: ClassVar[list[str]] = ["660000", *(f"66{n:02d}99" for n in range(1, 15))]
    extra_body: ClassVar[dict[str, Any]] = {"isGov": True, "excludeDistrictPrefix": ["9Y"]}
    categories: ClassVar[dict[str, NoticeType]] = {
        "ZcyAnnouncement3012": NoticeType.SINGLE_SOURCE,  # 单一来源公示
        "ZcyAnnouncement1": NoticeType.OTHER,             # 采购公示
        "ZcyAnnouncement2": NoticeType.TENDER,            # 采购公告
        "ZcyAnnouncement3": NoticeType.CORRECTION,        # 更正公告
        "ZcyAnnouncement4": NoticeType.AWARD,             # 结果公告
        "ZcyAnnouncement5": NoticeType.CONTRACT,          # 合同公告
    }
