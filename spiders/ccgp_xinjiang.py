"""Xinjiang government procurement, www.ccgp-xinjiang.gov.cn (Zhengcaiyun platform).

Codes from public scrapers (../shared/portal-fixtures/README.md §2.1): parentId 3661 [M], district
650000 新疆 [H]; category codes are Zhengcaiyun's common ones [M]. The site sits behind Aliyun WAF
with a slider captcha (2024+) [M]: a challenge ends the poll as blocked, it is never solved.
"""

from __future__ import annotations

from typing import ClassVar

from spiders.zcy import ZcySpider
from tenderwatch.model import NoticeType


class CcgpXinjiangSpider(ZcySpider):
    name = "ccgp_xinjiang"
    portal = "ccgp_xinjiang"
    base_url = "https://www.ccgp-xinjiang.gov.cn"
    parent_id = "3661"
    region_name = "新疆维吾尔自治区"
    district_codes: ClassVar[list[str]] = ["650000"]
    categories: ClassVar[dict[str, NoticeType]] = {
        "ZcyAnnouncement3012": NoticeType.SINGLE_SOURCE,  # 单一来源公示
        "ZcyAnnouncement2": NoticeType.TENDER,            # 采购公告
        "ZcyAnnouncement3": NoticeType.CORRECTION,        # 更正公告
        "ZcyAnnouncement4": NoticeType.AWARD,             # 结果公告
        "ZcyAnnouncement5": NoticeType.CONTRACT,          # 合同公告
    }
